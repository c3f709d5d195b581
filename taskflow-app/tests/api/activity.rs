//! A task's history: who created it and who changed what, oldest first, in pages; kept when its
//! author is removed, and another tenant's not found.

use hyper::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

api_tests!(
    a_task_keeps_who_changed_what,
    another_tenants_history_is_not_found,
);

async fn a_task_keeps_who_changed_what(app: TestApp) {
    let acme = app.signup("acme").await;
    let (member_id, member) = app.add_user(&acme, "m@acme.example", "member").await;
    let project = app.project(&acme, "Rocket").await;
    let created = app
        .post(
            &acme.host,
            &format!("/api/v1/projects/{project}/tasks"),
            &acme.token,
            json!({ "title": "Launch", "priority": "high" }),
        )
        .await;
    let task = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/tasks/{task}");
    app.patch(
        &acme.host,
        &path,
        &member,
        json!({ "status": "in_progress", "assignee_id": member_id }),
    )
    .await;
    // A change to the same values is no change, and a refused one is none either.
    app.patch(
        &acme.host,
        &path,
        &member,
        json!({ "status": "in_progress" }),
    )
    .await;
    let refused = app
        .patch(&acme.host, &path, &member, json!({ "title": "" }))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.patch(
        &acme.host,
        &path,
        &acme.token,
        json!({ "title": "Launch now", "due_date": "2031-01-02" }),
    )
    .await;

    let activity = app
        .get(&acme.host, &format!("{path}/activity"), &acme.token)
        .await;
    assert_eq!(activity.status, StatusCode::OK, "{:?}", activity.body);
    let items = activity.body["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(items[0]["kind"], "created");
    assert_eq!(items[0]["actor_id"], acme.user_id.as_str());
    assert_eq!(items[0]["changes"]["title"], "Launch");
    assert_eq!(items[0]["changes"]["priority"], "high");
    assert_eq!(items[1]["kind"], "updated");
    assert_eq!(items[1]["actor_id"], member_id.as_str());
    assert_eq!(
        items[1]["changes"],
        json!({ "status": ["todo", "in_progress"], "assignee_id": [Value::Null, member_id] })
    );
    assert_eq!(
        items[2]["changes"],
        json!({ "title": ["Launch", "Launch now"], "due_date": [Value::Null, "2031-01-02"] })
    );
    // In pages, with the usual cursor.
    let first = app
        .get(&acme.host, &format!("{path}/activity?limit=2"), &acme.token)
        .await;
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let rest = app
        .get(
            &acme.host,
            &format!("{path}/activity?limit=2&cursor={cursor}"),
            &acme.token,
        )
        .await;
    assert_eq!(rest.body["items"][0]["id"], items[2]["id"]);
    assert!(rest.body["next_cursor"].is_null());

    // Removing the member keeps their entries, without an author.
    let removed = app
        .delete(
            &acme.host,
            &format!("/api/v1/users/{member_id}"),
            &acme.token,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{:?}", removed.body);
    let after = app
        .get(&acme.host, &format!("{path}/activity"), &acme.token)
        .await;
    assert_eq!(after.body["items"].as_array().unwrap().len(), 3);
    assert_eq!(after.body["items"][1]["actor_id"], Value::Null);
    // Deleting the task takes its history with it.
    app.delete(&acme.host, &path, &acme.token).await;
    let gone = app
        .get(&acme.host, &format!("{path}/activity"), &acme.token)
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

async fn another_tenants_history_is_not_found(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let project = app.project(&acme, "Rocket").await;
    let task = app.task(&acme, &project, "Secret plan").await;
    let crossed = app
        .get(
            &globex.host,
            &format!("/api/v1/tasks/{task}/activity"),
            &globex.token,
        )
        .await;
    assert_eq!(crossed.status, StatusCode::NOT_FOUND, "{:?}", crossed.body);
    assert_eq!(crossed.code(), "not_found");
    assert!(!crossed.body.to_string().contains("Secret"));
    // Neither does a trashed project's task show its history.
    app.delete(
        &acme.host,
        &format!("/api/v1/projects/{project}"),
        &acme.token,
    )
    .await;
    let trashed = app
        .get(
            &acme.host,
            &format!("/api/v1/tasks/{task}/activity"),
            &acme.token,
        )
        .await;
    assert_eq!(trashed.status, StatusCode::NOT_FOUND);
}
