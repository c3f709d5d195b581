//! Conditional writes: `ETag` on projects and tasks, `If-Match` on their `PATCH`, 412 on a
//! stale tag with nothing changed, one winner among simultaneous writers, and the tenant wall
//! before the precondition.

use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Answer, TestApp};

api_tests!(
    a_task_change_made_against_an_old_version_is_refused,
    a_project_change_made_against_an_old_version_is_refused,
    of_simultaneous_writers_with_one_tag_exactly_one_wins,
    a_malformed_if_match_is_a_bad_request_and_changes_nothing,
    another_tenants_resource_is_not_found_whatever_its_if_match,
);

impl TestApp {
    /// A `PATCH` of `body` with `If-Match: if_match`.
    async fn patch_if(
        &self,
        host: &str,
        path: &str,
        token: &str,
        if_match: &str,
        body: Value,
    ) -> Answer {
        let bearer = format!("Bearer {token}");
        self.raw(
            Method::PATCH,
            host,
            path,
            &[
                ("authorization", &bearer),
                ("content-type", "application/json"),
                ("if-match", if_match),
            ],
            serde_json::to_vec(&body).unwrap(),
        )
        .await
    }
}

fn etag(answer: &Answer) -> String {
    let tag = answer.headers["etag"].to_str().unwrap().to_owned();
    assert!(tag.starts_with('"') && tag.ends_with('"'), "{tag}");
    tag
}

async fn a_task_change_made_against_an_old_version_is_refused(app: TestApp) {
    let acme = app.signup("acme").await;
    let (_, member) = app.add_user(&acme, "m@acme.example", "member").await;
    let project = app.project(&acme, "Rocket").await;
    let created = app
        .post(
            &acme.host,
            &format!("/api/v1/projects/{project}/tasks"),
            &acme.token,
            json!({ "title": "Launch" }),
        )
        .await;
    let path = format!("/api/v1/tasks/{}", created.body["id"].as_str().unwrap());
    let read = app.get(&acme.host, &path, &member).await;
    let seen = etag(&read);
    assert_eq!(etag(&created), seen, "the create's tag is the read's");

    // The owner renames it and raises its priority, against the version both read.
    let owner = app
        .patch_if(
            &acme.host,
            &path,
            &acme.token,
            &seen,
            json!({ "title": "Launch v2", "priority": "high" }),
        )
        .await;
    assert_eq!(owner.status, StatusCode::OK, "{:?}", owner.body);
    let now = etag(&owner);
    assert_ne!(now, seen, "a change gives a new tag");
    assert_eq!(etag(&app.get(&acme.host, &path, &member).await), now);

    // The member's change, made against the old version, is refused and changes nothing.
    let stale = app
        .patch_if(
            &acme.host,
            &path,
            &member,
            &seen,
            json!({ "status": "done" }),
        )
        .await;
    assert_eq!(
        stale.status,
        StatusCode::PRECONDITION_FAILED,
        "{:?}",
        stale.body
    );
    assert_eq!(stale.code(), "precondition_failed");
    let after = app.get(&acme.host, &path, &member).await;
    assert_eq!(after.body, owner.body);
    assert_eq!(after.body["status"], "todo");

    // Against the current version it applies, and only the field it sends changes; a weak
    // form of the tag (as a compressing proxy hands it on) names the same version.
    let fresh = app
        .patch_if(
            &acme.host,
            &path,
            &member,
            &format!("W/{now}"),
            json!({ "status": "done" }),
        )
        .await;
    assert_eq!(fresh.status, StatusCode::OK, "{:?}", fresh.body);
    assert_eq!(fresh.body["status"], "done");
    assert_eq!(fresh.body["title"], "Launch v2");
    assert_eq!(fresh.body["priority"], "high");

    // A list of tags passes when one is current; `*` passes for any existing task; without
    // If-Match the change applies as before.
    let listed = app
        .patch_if(
            &acme.host,
            &path,
            &member,
            &format!("{seen}, {}", etag(&fresh)),
            json!({ "priority": "low" }),
        )
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.body);
    let any = app
        .patch_if(
            &acme.host,
            &path,
            &member,
            "*",
            json!({ "priority": "medium" }),
        )
        .await;
    assert_eq!(any.status, StatusCode::OK, "{:?}", any.body);
    let plain = app
        .patch(&acme.host, &path, &member, json!({ "title": "Launch v3" }))
        .await;
    assert_eq!(plain.status, StatusCode::OK, "{:?}", plain.body);
    assert_ne!(etag(&plain), etag(&any));
}

async fn a_project_change_made_against_an_old_version_is_refused(app: TestApp) {
    let acme = app.signup("acme").await;
    let created = app
        .post(
            &acme.host,
            "/api/v1/projects",
            &acme.token,
            json!({ "name": "Rocket", "description": "to the moon" }),
        )
        .await;
    let seen = etag(&created);
    let path = format!("/api/v1/projects/{}", created.body["id"].as_str().unwrap());
    assert_eq!(etag(&app.get(&acme.host, &path, &acme.token).await), seen);
    let first = app
        .patch_if(
            &acme.host,
            &path,
            &acme.token,
            &seen,
            json!({ "name": "Shuttle" }),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    let stale = app
        .patch_if(
            &acme.host,
            &path,
            &acme.token,
            &seen,
            json!({ "description": null }),
        )
        .await;
    assert_eq!(
        stale.status,
        StatusCode::PRECONDITION_FAILED,
        "{:?}",
        stale.body
    );
    assert_eq!(stale.code(), "precondition_failed");
    let after = app.get(&acme.host, &path, &acme.token).await;
    assert_eq!(after.body, first.body);
    assert_eq!(after.body["description"], "to the moon");
}

async fn of_simultaneous_writers_with_one_tag_exactly_one_wins(app: TestApp) {
    let acme = app.signup("acme").await;
    let project = app.project(&acme, "Rocket").await;
    let task = app.task(&acme, &project, "Launch").await;
    let path = format!("/api/v1/tasks/{task}");
    let seen = etag(&app.get(&acme.host, &path, &acme.token).await);
    let writers = 8;
    let answers = futures_util::future::join_all((0..writers).map(|n| {
        app.patch_if(
            &acme.host,
            &path,
            &acme.token,
            &seen,
            json!({ "title": format!("writer {n}") }),
        )
    }))
    .await;
    let won: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.status == StatusCode::OK)
        .collect();
    let lost = answers
        .iter()
        .filter(|a| a.status == StatusCode::PRECONDITION_FAILED)
        .count();
    let statuses: Vec<StatusCode> = answers.iter().map(|a| a.status).collect();
    assert_eq!(won.len(), 1, "{statuses:?}");
    assert_eq!(lost, writers - 1, "{statuses:?}");
    let after = app.get(&acme.host, &path, &acme.token).await;
    assert_eq!(
        after.body, won[0].body,
        "the one that won is what is stored"
    );
}

async fn a_malformed_if_match_is_a_bad_request_and_changes_nothing(app: TestApp) {
    let acme = app.signup("acme").await;
    let project = app.project(&acme, "Rocket").await;
    let task = app.task(&acme, &project, "Launch").await;
    let path = format!("/api/v1/tasks/{task}");
    let before = app.get(&acme.host, &path, &acme.token).await;
    for bad in ["abc", "\"unterminated", " , "] {
        let answer = app
            .patch_if(&acme.host, &path, &acme.token, bad, json!({ "title": "x" }))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {:?}",
            answer.body
        );
        assert_eq!(answer.code(), "bad_request");
    }
    assert_eq!(
        app.get(&acme.host, &path, &acme.token).await.body,
        before.body
    );
}

async fn another_tenants_resource_is_not_found_whatever_its_if_match(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let project = app.project(&acme, "Rocket").await;
    let task = app.task(&acme, &project, "Launch").await;
    for path in [
        format!("/api/v1/tasks/{task}"),
        format!("/api/v1/projects/{project}"),
    ] {
        let tag = etag(&app.get(&acme.host, &path, &acme.token).await);
        for if_match in [tag.as_str(), "\"stale\"", "*", "malformed"] {
            let answer = app
                .patch_if(
                    &globex.host,
                    &path,
                    &globex.token,
                    if_match,
                    json!({ "title": "x", "name": "x" }),
                )
                .await;
            assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path} {if_match}");
            assert_eq!(answer.code(), "not_found");
            assert!(answer.headers.get("etag").is_none());
        }
    }
}
