//! Reports: computed in the background by the app's job workers, read and downloaded by the
//! tenant that asked for them, and by no other.

use std::time::Duration;

use hyper::StatusCode;
use hyper::header::CONTENT_TYPE;
use serde_json::{Value, json};

use crate::helpers::{Signed, TestApp};

api_tests!(
    a_project_lists_its_reports_page_by_page,
    a_report_is_computed_in_the_background_and_downloads_as_csv,
    a_report_of_an_empty_project_has_the_header_only,
    another_tenant_can_neither_read_nor_start_a_report,
    deleting_the_project_hides_its_reports_and_purging_removes_them,
    unknown_and_malformed_report_ids,
    a_report_opens_formulas_as_text_and_names_assignees,
);

/// Polls the report until its job is over; panics after 20 s.
async fn wait_until_finished(app: &TestApp, who: &Signed, id: &str) -> Value {
    app.report_when_finished(who, id, Duration::from_secs(20))
        .await
}

/// Parses CSV as RFC 4180 does: quoted fields may hold commas, quotes (doubled) and newlines.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

async fn a_report_is_computed_in_the_background_and_downloads_as_csv(app: TestApp) {
    app.start_workers();
    let acme = app.signup("acme").await;
    let project = app.project(&acme, "Launch").await;
    let plain = app.task(&acme, &project, "Write the plan").await;
    let tricky_title = "Ship it, \"now\"\nthen rest";
    let tricky = app
        .post(
            &acme.host,
            &format!("/api/v1/projects/{project}/tasks"),
            &acme.token,
            json!({
                "title": tricky_title,
                "description": "a, b; c",
                "status": "in_progress",
                "priority": "high",
                "assignee_id": acme.user_id,
                "due_date": "2027-01-31",
            }),
        )
        .await;
    assert_eq!(tricky.status, StatusCode::CREATED, "{:?}", tricky.body);
    let tricky = tricky.body["id"].as_str().unwrap().to_owned();
    // A task of another project is not in the report.
    let other = app.project(&acme, "Other").await;
    app.task(&acme, &other, "Not in the report").await;

    let started = app.start_report(&acme, &project).await;
    let id = started["id"].as_str().unwrap().to_owned();
    assert_eq!(started["project_id"], project.as_str());
    assert!(
        matches!(
            started["status"].as_str(),
            Some("queued" | "running" | "done")
        ),
        "{started:?}"
    );
    assert!(started["created_at"].as_str().is_some(), "{started:?}");

    let done = wait_until_finished(&app, &acme, &id).await;
    assert_eq!(done["status"], "done", "{done:?}");
    assert_eq!(done["progress"], 100);
    assert_eq!(done["id"], id.as_str());
    assert!(done["finished_at"].as_str().is_some(), "{done:?}");

    let (status, headers, body) = app
        .get_text(
            &acme.host,
            &format!("/api/v1/reports/{id}/download"),
            &acme.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        headers[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv"),
        "{headers:?}"
    );
    let rows = parse_csv(&body);
    assert_eq!(
        rows[0],
        [
            "id",
            "title",
            "description",
            "status",
            "priority",
            "assignee_id",
            "assignee",
            "due_date",
            "created_at",
            "updated_at"
        ]
    );
    assert_eq!(rows.len(), 3, "{body}");
    let plain_row = rows.iter().find(|r| r[0] == plain).expect("the plain task");
    assert_eq!(plain_row[1], "Write the plan");
    assert_eq!((plain_row[2].as_str(), plain_row[3].as_str()), ("", "todo"));
    assert_eq!(
        (plain_row[4].as_str(), plain_row[5].as_str()),
        ("medium", "")
    );
    let tricky_row = rows
        .iter()
        .find(|r| r[0] == tricky)
        .expect("the tricky task");
    assert_eq!(tricky_row[1], tricky_title);
    assert_eq!(tricky_row[2], "a, b; c");
    assert_eq!(tricky_row[3], "in_progress");
    assert_eq!(tricky_row[4], "high");
    assert_eq!(tricky_row[5], acme.user_id);
    assert_eq!(tricky_row[6], "Owner", "the assignee by name");
    assert_eq!(tricky_row[7], "2027-01-31");
    assert!(
        chrono::DateTime::parse_from_rfc3339(&tricky_row[8]).is_ok(),
        "{tricky_row:?}"
    );
}

async fn a_report_of_an_empty_project_has_the_header_only(app: TestApp) {
    app.start_workers();
    let acme = app.signup("acme").await;
    let project = app.project(&acme, "Empty").await;
    let started = app.start_report(&acme, &project).await;
    let id = started["id"].as_str().unwrap();
    let done = wait_until_finished(&app, &acme, id).await;
    assert_eq!(done["status"], "done", "{done:?}");
    let (status, _, body) = app
        .get_text(
            &acme.host,
            &format!("/api/v1/reports/{id}/download"),
            &acme.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(parse_csv(&body).len(), 1, "{body}");
}

async fn another_tenant_can_neither_read_nor_start_a_report(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let project = app.project(&acme, "Secret").await;
    app.task(&acme, &project, "Secret task").await;
    let started = app.start_report(&acme, &project).await;
    let id = started["id"].as_str().unwrap().to_owned();
    assert_eq!(started["status"], "queued");
    assert_eq!(started["progress"], 0);
    assert!(started["finished_at"].is_null());

    // No worker runs yet: the report stays queued, and cannot be downloaded.
    let download = app
        .get(
            &acme.host,
            &format!("/api/v1/reports/{id}/download"),
            &acme.token,
        )
        .await;
    assert_eq!(download.status, StatusCode::CONFLICT, "{:?}", download.body);
    assert_eq!(download.code(), "conflict");
    app.start_workers();
    let done = wait_until_finished(&app, &acme, &id).await;
    assert_eq!(done["status"], "done");

    for path in [
        format!("/api/v1/reports/{id}"),
        format!("/api/v1/reports/{id}/download"),
        format!("/api/v1/projects/{project}/reports"),
    ] {
        let answer = app.get(&globex.host, &path, &globex.token).await;
        assert_eq!(
            answer.status,
            StatusCode::NOT_FOUND,
            "{path}: {:?}",
            answer.body
        );
        assert_eq!(answer.code(), "not_found");
    }
    // Acme's token on Globex's host is not Globex's user.
    let answer = app
        .get(&globex.host, &format!("/api/v1/reports/{id}"), &acme.token)
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);

    let answer = app
        .post(
            &globex.host,
            &format!("/api/v1/projects/{project}/reports"),
            &globex.token,
            json!({}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{:?}", answer.body);
    assert_eq!(answer.code(), "not_found");
    // The refused request left no report behind in Globex.
    let reports: i64 = crate::on_pool!(&app.db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM reports"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_eq!(reports, 1, "only Acme's report exists");

    // Acme still reads its report.
    let report = app
        .get(&acme.host, &format!("/api/v1/reports/{id}"), &acme.token)
        .await;
    assert_eq!(report.status, StatusCode::OK);
    assert_eq!(report.body["status"], "done");
    let (status, _, csv) = app
        .get_text(
            &acme.host,
            &format!("/api/v1/reports/{id}/download"),
            &acme.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.contains("Secret task"), "{csv}");
}

async fn deleting_the_project_hides_its_reports_and_purging_removes_them(app: TestApp) {
    app.start_workers();
    let acme = app.signup("acme").await;
    let project = app.project(&acme, "Short-lived").await;
    app.task(&acme, &project, "A task").await;
    let started = app.start_report(&acme, &project).await;
    let id = started["id"].as_str().unwrap().to_owned();
    wait_until_finished(&app, &acme, &id).await;
    let kept = app.project(&acme, "Kept").await;
    let kept_report = app.start_report(&acme, &kept).await;
    let kept_id = kept_report["id"].as_str().unwrap().to_owned();

    let deleted = app
        .delete(
            &acme.host,
            &format!("/api/v1/projects/{project}"),
            &acme.token,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{:?}", deleted.body);
    for path in [
        format!("/api/v1/reports/{id}"),
        format!("/api/v1/reports/{id}/download"),
        format!("/api/v1/projects/{project}/reports"),
    ] {
        let answer = app.get(&acme.host, &path, &acme.token).await;
        assert_eq!(
            answer.status,
            StatusCode::NOT_FOUND,
            "{path}: {:?}",
            answer.body
        );
    }
    let answer = app
        .post(
            &acme.host,
            &format!("/api/v1/projects/{project}/reports"),
            &acme.token,
            json!({}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    let report = app
        .get(
            &acme.host,
            &format!("/api/v1/reports/{kept_id}"),
            &acme.token,
        )
        .await;
    assert_eq!(
        report.status,
        StatusCode::OK,
        "the other project's report stays"
    );
    // Purged from the trash, the deleted report's job, and the CSV it computed, are gone; the
    // kept report's is not.
    let purged = app
        .delete(&acme.host, &format!("/api/v1/trash/{project}"), &acme.token)
        .await;
    assert_eq!(purged.status, StatusCode::NO_CONTENT, "{:?}", purged.body);
    let jobs: Vec<String> = crate::on_pool!(&app.db, pool => sqlx::query_scalar(
        "SELECT payload FROM jobs"
    )
    .fetch_all(pool)
    .await)
    .unwrap();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert!(jobs[0].contains(&kept), "{jobs:?}");
}

async fn unknown_and_malformed_report_ids(app: TestApp) {
    let acme = app.signup("acme").await;
    let unknown = uuid::Uuid::now_v7();
    let answer = app
        .get(
            &acme.host,
            &format!("/api/v1/reports/{unknown}"),
            &acme.token,
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    let answer = app
        .get(&acme.host, "/api/v1/reports/not-a-uuid", &acme.token)
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let answer = app
        .post(
            &acme.host,
            &format!("/api/v1/projects/{unknown}/reports"),
            &acme.token,
            json!({}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    let answer = app
        .send(
            hyper::Method::POST,
            &acme.host,
            &format!("/api/v1/projects/{unknown}/reports"),
            None,
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
}

async fn a_project_lists_its_reports_page_by_page(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let project = app.project(&acme, "Launch").await;
    let other = app.project(&acme, "Other").await;
    app.task(&acme, &project, "Ship it").await;
    let mut started = Vec::new();
    for _ in 0..3 {
        started.push(app.start_report(&acme, &project).await["id"].clone());
    }
    app.start_report(&acme, &other).await;
    // Globex's own report on its own project never shows up in Acme's list.
    let theirs = app.project(&globex, "Launch").await;
    app.start_report(&globex, &theirs).await;

    let path = format!("/api/v1/projects/{project}/reports");
    let first = app
        .get(&acme.host, &format!("{path}?limit=2"), &acme.token)
        .await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    let items = first.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|r| r["project_id"] == project.as_str()));
    assert!(
        items
            .iter()
            .all(|r| r["status"] == "queued" && r["progress"] == 0)
    );
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app
        .get(
            &acme.host,
            &format!("{path}?limit=2&cursor={cursor}"),
            &acme.token,
        )
        .await;
    assert_eq!(second.status, StatusCode::OK, "{:?}", second.body);
    assert!(second.body["next_cursor"].is_null());
    let ids: Vec<Value> = items
        .iter()
        .chain(second.body["items"].as_array().unwrap())
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(ids, started, "oldest first, each once");

    // A finished report shows its state in the list too.
    app.start_workers();
    let id = started[0].as_str().unwrap();
    wait_until_finished(&app, &acme, id).await;
    let listed = app.get(&acme.host, &path, &acme.token).await;
    assert_eq!(
        listed.body["items"][0]["status"], "done",
        "{:?}",
        listed.body
    );
    assert_eq!(listed.body["items"][0]["progress"], 100);

    // A cursor of Acme's is no use to Globex, and Globex's project lists Globex's report only.
    let borrowed = app
        .get(
            &globex.host,
            &format!("/api/v1/projects/{theirs}/reports?cursor={cursor}"),
            &globex.token,
        )
        .await;
    assert_eq!(
        borrowed.status,
        StatusCode::BAD_REQUEST,
        "{:?}",
        borrowed.body
    );
    let own = app
        .get(
            &globex.host,
            &format!("/api/v1/projects/{theirs}/reports"),
            &globex.token,
        )
        .await;
    assert_eq!(own.body["items"].as_array().unwrap().len(), 1);
}

async fn a_report_opens_formulas_as_text_and_names_assignees(app: TestApp) {
    app.start_workers();
    let acme = app.signup("acme").await;
    let user = app
        .post(
            &acme.host,
            "/api/v1/users",
            &acme.token,
            json!({ "email": "e@acme.example", "name": "@SUM(A1:A9)", "password": "password1", "role": "member" }),
        )
        .await;
    assert_eq!(user.status, StatusCode::CREATED, "{:?}", user.body);
    let project = app.project(&acme, "Launch").await;
    let evil = r#"=HYPERLINK("http://evil.example","click")"#;
    for (title, description, assignee) in [
        (evil, "+1+1", user.body["id"].clone()),
        ("-2", "\tcmd", Value::Null),
        ("Plain", "a = b", json!(acme.user_id)),
    ] {
        let made = app
            .post(
                &acme.host,
                &format!("/api/v1/projects/{project}/tasks"),
                &acme.token,
                json!({ "title": title, "description": description, "assignee_id": assignee }),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    }
    let id = app.start_report(&acme, &project).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        wait_until_finished(&app, &acme, &id).await["status"],
        "done"
    );
    let (_, _, body) = app
        .get_text(
            &acme.host,
            &format!("/api/v1/reports/{id}/download"),
            &acme.token,
        )
        .await;
    let rows = parse_csv(&body);
    let cells: Vec<(&str, &str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[1].as_str(), r[2].as_str(), r[6].as_str()))
        .collect();
    let quoted_evil = format!("'{evil}");
    for expected in [
        (quoted_evil.as_str(), "'+1+1", "'@SUM(A1:A9)"),
        ("'-2", "'\tcmd", ""),
        ("Plain", "a = b", "Owner"),
    ] {
        assert!(cells.contains(&expected), "{expected:?} not in {cells:?}");
    }
}
