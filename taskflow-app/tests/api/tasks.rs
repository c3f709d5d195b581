//! Tasks: fields and defaults, changes, filters, pages, assignees, and the tenant wall.

use hyper::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

api_tests!(
    a_task_has_defaults_and_every_field,
    a_task_changes_field_by_field,
    task_input_is_checked,
    the_assignee_must_be_a_user_of_this_tenant,
    tasks_filter_by_status_and_assignee_and_come_in_pages,
    another_tenants_task_is_not_found,
    dates_and_cursors_out_of_every_backends_range_are_refused,
    tasks_are_searched_by_words_and_filtered_by_priority_and_me,
);

async fn a_task_has_defaults_and_every_field(app: TestApp) {
    let acme = app.signup("acme").await;
    let project = app.project(&acme, "Rocket").await;
    let tasks = format!("/api/v1/projects/{project}/tasks");
    let plain = app
        .post(
            &acme.host,
            &tasks,
            &acme.token,
            json!({ "title": "Launch" }),
        )
        .await;
    assert_eq!(plain.status, StatusCode::CREATED, "{:?}", plain.body);
    assert_eq!(plain.body["project_id"], project.as_str());
    assert_eq!(plain.body["status"], "todo");
    assert_eq!(plain.body["priority"], "medium");
    for field in ["description", "assignee_id", "due_date"] {
        assert_eq!(plain.body[field], Value::Null, "{field}");
    }
    let full = app
        .post(&acme.host, &tasks, &acme.token, json!({
            "title": "Land", "description": "softly", "status": "in_progress", "priority": "high",
            "assignee_id": acme.user_id, "due_date": "2030-01-31",
        }))
        .await;
    assert_eq!(full.status, StatusCode::CREATED, "{:?}", full.body);
    assert_eq!(full.body["status"], "in_progress");
    assert_eq!(full.body["priority"], "high");
    assert_eq!(full.body["assignee_id"], acme.user_id.as_str());
    assert_eq!(full.body["due_date"], "2030-01-31");
    let path = format!("/api/v1/tasks/{}", full.body["id"].as_str().unwrap());
    assert_eq!(
        app.get(&acme.host, &path, &acme.token).await.body,
        full.body
    );
}

async fn a_task_changes_field_by_field(app: TestApp) {
    let acme = app.signup("acme").await;
    let project = app.project(&acme, "Rocket").await;
    let other = app.project(&acme, "Other").await;
    let task = app.task(&acme, &project, "Launch").await;
    let path = format!("/api/v1/tasks/{task}");
    let changed = app
        .patch(&acme.host, &path, &acme.token, json!({
            "status": "done", "assignee_id": acme.user_id, "due_date": "2031-02-03", "description": "d",
        }))
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    assert_eq!(changed.body["status"], "done");
    assert_eq!(changed.body["title"], "Launch");
    assert_eq!(changed.body["due_date"], "2031-02-03");
    let cleared = app
        .patch(
            &acme.host,
            &path,
            &acme.token,
            json!({ "assignee_id": null, "due_date": null, "title": "Go" }),
        )
        .await;
    assert_eq!(cleared.body["assignee_id"], Value::Null);
    assert_eq!(cleared.body["due_date"], Value::Null);
    assert_eq!(cleared.body["description"], "d");
    assert_eq!(cleared.body["title"], "Go");
    let moved = app
        .patch(
            &acme.host,
            &path,
            &acme.token,
            json!({ "project_id": other }),
        )
        .await;
    assert_eq!(moved.body["project_id"], other.as_str());
    assert_eq!(
        app.delete(&acme.host, &path, &acme.token).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&acme.host, &path, &acme.token).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.patch(&acme.host, &path, &acme.token, json!({ "title": "x" }))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

async fn task_input_is_checked(app: TestApp) {
    let acme = app.signup("acme").await;
    let project = app.project(&acme, "Rocket").await;
    let tasks = format!("/api/v1/projects/{project}/tasks");
    for (body, field) in [
        (json!({}), "title"),
        (json!({ "title": "" }), "title"),
        (json!({ "title": "x".repeat(201) }), "title"),
        (json!({ "title": "t", "status": "doing" }), "status"),
        (json!({ "title": "t", "priority": "urgent" }), "priority"),
        (
            json!({ "title": "t", "due_date": "31/01/2030" }),
            "due_date",
        ),
        (
            json!({ "title": "t", "assignee_id": "nobody" }),
            "assignee_id",
        ),
    ] {
        let answer = app
            .post(&acme.host, &tasks, &acme.token, body.clone())
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            answer.body["error"]["fields"][field].is_string(),
            "{body}: {:?}",
            answer.body
        );
    }
    let task = app.task(&acme, &project, "Launch").await;
    let bad = app
        .patch(
            &acme.host,
            &format!("/api/v1/tasks/{task}"),
            &acme.token,
            json!({ "title": "", "status": "nope" }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let untouched = app
        .get(&acme.host, &format!("/api/v1/tasks/{task}"), &acme.token)
        .await;
    assert_eq!(untouched.body["title"], "Launch");
    let listed = app.get(&acme.host, &tasks, &acme.token).await;
    assert_eq!(
        listed.body["items"].as_array().unwrap().len(),
        1,
        "failed writes changed nothing"
    );
}

async fn the_assignee_must_be_a_user_of_this_tenant(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let project = app.project(&acme, "Rocket").await;
    let tasks = format!("/api/v1/projects/{project}/tasks");
    let foreign = app
        .post(
            &acme.host,
            &tasks,
            &acme.token,
            json!({ "title": "t", "assignee_id": globex.user_id }),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(foreign.body["error"]["fields"]["assignee_id"].is_string());
    let task = app.task(&acme, &project, "Launch").await;
    let reassigned = app
        .patch(
            &acme.host,
            &format!("/api/v1/tasks/{task}"),
            &acme.token,
            json!({ "assignee_id": globex.user_id }),
        )
        .await;
    assert_eq!(reassigned.status, StatusCode::UNPROCESSABLE_ENTITY);
    let other_project = app.project(&globex, "Theirs").await;
    let moved = app
        .patch(
            &acme.host,
            &format!("/api/v1/tasks/{task}"),
            &acme.token,
            json!({ "project_id": other_project }),
        )
        .await;
    assert_eq!(moved.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn tasks_filter_by_status_and_assignee_and_come_in_pages(app: TestApp) {
    let acme = app.signup("acme").await;
    let (member, _) = app.add_user(&acme, "m@acme.example", "member").await;
    let project = app.project(&acme, "Rocket").await;
    let other = app.project(&acme, "Other").await;
    let tasks = format!("/api/v1/projects/{project}/tasks");
    let mut done_by_member = Vec::new();
    for n in 0..5 {
        let (status, assignee) = if n % 2 == 0 {
            ("done", Some(&member))
        } else {
            ("todo", None)
        };
        let made = app
            .post(
                &acme.host,
                &tasks,
                &acme.token,
                json!({ "title": format!("T{n}"), "status": status, "assignee_id": assignee }),
            )
            .await;
        if n % 2 == 0 {
            done_by_member.push(made.body["id"].clone());
        }
    }
    app.task(&acme, &other, "elsewhere").await;
    let all = app.get(&acme.host, &tasks, &acme.token).await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 5);
    let done = app
        .get(&acme.host, &format!("{tasks}?status=done"), &acme.token)
        .await;
    let ids: Vec<_> = done.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].clone())
        .collect();
    assert_eq!(ids, done_by_member);
    let mine = app
        .get(
            &acme.host,
            &format!("{tasks}?assignee_id={member}&status=done&limit=2"),
            &acme.token,
        )
        .await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 2);
    let cursor = mine.body["next_cursor"].as_str().unwrap();
    let rest = app
        .get(
            &acme.host,
            &format!("{tasks}?assignee_id={member}&status=done&limit=2&cursor={cursor}"),
            &acme.token,
        )
        .await;
    assert_eq!(rest.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest.body["items"][0]["id"], done_by_member[2]);
    assert_eq!(rest.body["next_cursor"], Value::Null);
    for query in ["status=doing", "assignee_id=42", "limit=0"] {
        let answer = app
            .get(&acme.host, &format!("{tasks}?{query}"), &acme.token)
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{query}");
    }
}

async fn another_tenants_task_is_not_found(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let project = app.project(&acme, "Rocket").await;
    let task = app.task(&acme, &project, "Launch").await;
    let path = format!("/api/v1/tasks/{task}");
    for answer in [
        app.get(&globex.host, &path, &globex.token).await,
        app.patch(
            &globex.host,
            &path,
            &globex.token,
            json!({ "title": "Pwned" }),
        )
        .await,
        app.delete(&globex.host, &path, &globex.token).await,
    ] {
        assert_eq!(answer.status, StatusCode::NOT_FOUND);
        assert_eq!(answer.code(), "not_found");
    }
    assert_eq!(
        app.get(&acme.host, &path, &acme.token).await.body["title"],
        "Launch"
    );
    assert_eq!(
        app.get(&globex.host, &path, &acme.token).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn dates_and_cursors_out_of_every_backends_range_are_refused(app: TestApp) {
    use base64::Engine as _;

    let acme = app.signup("acme").await;
    let project = app.project(&acme, "Rocket").await;
    let tasks = format!("/api/v1/projects/{project}/tasks");
    for date in ["-0001-01-01", "+10000-01-01", "0999-12-31", "2026-02-30"] {
        let answer = app
            .post(
                &acme.host,
                &tasks,
                &acme.token,
                json!({ "title": "Launch", "due_date": date }),
            )
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{date}");
        assert!(answer.body["error"]["fields"]["due_date"].is_string());
    }
    for date in ["1000-01-01", "9999-12-31"] {
        let answer = app
            .post(
                &acme.host,
                &tasks,
                &acme.token,
                json!({ "title": date, "due_date": date }),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
        assert_eq!(answer.body["due_date"], date, "stored as sent");
    }
    let listed = app.get(&acme.host, &tasks, &acme.token).await;
    assert_eq!(
        listed.body["items"].as_array().unwrap().len(),
        2,
        "only the good dates"
    );

    // A hand-made cursor of this tenant with a time no backend stores is a 400, not a 500.
    for time in ["-0001-01-01T00:00:00Z", "+10000-01-01T00:00:00Z"] {
        let cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
            json!({ "t": acme.tenant_id, "c": time, "i": uuid::Uuid::new_v4() }).to_string(),
        );
        let answer = app
            .get(&acme.host, &format!("{tasks}?cursor={cursor}"), &acme.token)
            .await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{time}: {:?}",
            answer.body
        );
    }
}

async fn tasks_are_searched_by_words_and_filtered_by_priority_and_me(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let (member_id, member) = app.add_user(&acme, "m@acme.example", "member").await;
    let project = app.project(&acme, "Rocket").await;
    let tasks = format!("/api/v1/projects/{project}/tasks");
    let made = [
        json!({ "title": "Fix the LAUNCH pad", "priority": "high", "assignee_id": member_id }),
        json!({ "title": "Paint", "description": "before the launch", "priority": "low" }),
        json!({ "title": "Launch party", "priority": "high", "assignee_id": acme.user_id }),
        json!({ "title": "100% fuel", "description": "pad checks" }),
        json!({ "title": "1000 bolts" }),
    ];
    let mut ids = Vec::new();
    for body in made {
        let answer = app.post(&acme.host, &tasks, &acme.token, body).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
        ids.push(answer.body["id"].as_str().unwrap().to_owned());
    }
    // Globex has a project whose tasks would match every search: none of them ever shows.
    let theirs = app.project(&globex, "Rocket").await;
    app.task(&globex, &theirs, "launch pad 100% fuel").await;

    let found = |query: &'static str, token: &'static str| {
        let app = &app;
        let tasks = &tasks;
        let token = if token == "member" {
            member.clone()
        } else {
            acme.token.clone()
        };
        let host = acme.host.clone();
        async move {
            let answer = app.get(&host, &format!("{tasks}?{query}"), &token).await;
            assert_eq!(answer.status, StatusCode::OK, "{query}: {:?}", answer.body);
            answer.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let pick = |n: &[usize]| n.iter().map(|&i| ids[i].clone()).collect::<Vec<_>>();
    // Words in the title or the description, any case; every word must be there.
    assert_eq!(found("q=launch", "owner").await, pick(&[0, 1, 2]));
    assert_eq!(found("q=LAUNCH%20pad", "owner").await, pick(&[0]));
    assert_eq!(found("q=pad", "owner").await, pick(&[0, 3]));
    // A word finds the words it begins, not the ones it is inside of.
    assert_eq!(found("q=laun", "owner").await, pick(&[0, 1, 2]));
    assert_eq!(found("q=aunch", "owner").await, pick(&[]));
    // Words shorter than MariaDB's full-text index holds, and words that are stopwords
    // elsewhere, are found as well.
    assert_eq!(found("q=pa", "owner").await, pick(&[0, 1, 2, 3]));
    assert_eq!(found("q=the", "owner").await, pick(&[0, 1]));
    // Punctuation separates words and is never query syntax: "100%" is the word 100, which
    // begins 1000; a search of punctuation alone filters nothing.
    assert_eq!(found("q=100%25", "owner").await, pick(&[3, 4]));
    assert_eq!(found("q=100%25%20fu*", "owner").await, pick(&[3]));
    assert_eq!(found("q=%22pad%22%20OR%20bolts", "owner").await, pick(&[]));
    assert_eq!(found("q=launch:*%20%7C%20-pad", "owner").await, pick(&[0]));
    assert_eq!(found("q=_", "owner").await, pick(&[0, 1, 2, 3, 4]));
    assert_eq!(found("q=%20%20", "owner").await, pick(&[0, 1, 2, 3, 4]));
    // Filters combine with the search and with each other.
    assert_eq!(found("priority=high", "owner").await, pick(&[0, 2]));
    assert_eq!(found("q=launch&priority=low", "owner").await, pick(&[1]));
    assert_eq!(found("assignee_id=me", "owner").await, pick(&[2]));
    assert_eq!(found("assignee_id=me", "member").await, pick(&[0]));
    assert_eq!(
        found("assignee_id=me&priority=high&q=pad", "member").await,
        pick(&[0])
    );
    for query in [
        "priority=urgent".to_owned(),
        format!("q={}", "x".repeat(201)),
    ] {
        let answer = app
            .get(&acme.host, &format!("{tasks}?{query}"), &acme.token)
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{:?}", answer.body);
        assert_eq!(answer.code(), "bad_request");
    }
    // Globex searching Acme's project finds no project at all.
    let crossed = app
        .get(&globex.host, &format!("{tasks}?q=launch"), &globex.token)
        .await;
    assert_eq!(crossed.status, StatusCode::NOT_FOUND);

    // The index follows every change: a new title, a description cleared, a task deleted.
    let renamed = app
        .patch(
            &acme.host,
            &format!("/api/v1/tasks/{}", ids[4]),
            &acme.token,
            json!({ "title": "Rocket bolts" }),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{:?}", renamed.body);
    assert_eq!(found("q=rocket", "owner").await, pick(&[4]));
    assert_eq!(found("q=1000", "owner").await, pick(&[]));
    let cleared = app
        .patch(
            &acme.host,
            &format!("/api/v1/tasks/{}", ids[1]),
            &acme.token,
            json!({ "description": null }),
        )
        .await;
    assert_eq!(cleared.status, StatusCode::OK, "{:?}", cleared.body);
    assert_eq!(found("q=launch", "owner").await, pick(&[0, 2]));
    let deleted = app
        .delete(
            &acme.host,
            &format!("/api/v1/tasks/{}", ids[2]),
            &acme.token,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(found("q=launch", "owner").await, pick(&[0]));
    // Globex's own search sees its own task only, through the same index.
    let theirs = app
        .get(
            &globex.host,
            &format!("/api/v1/projects/{theirs}/tasks?q=launch%20pad"),
            &globex.token,
        )
        .await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert_eq!(theirs.body["items"].as_array().unwrap().len(), 1);
}
