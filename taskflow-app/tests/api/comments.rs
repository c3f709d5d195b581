//! Comments: written by the caller, listed oldest first, and the tenant wall.

use hyper::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;

api_tests!(
    comments_are_listed_oldest_first,
    comment_input_is_checked,
    another_tenants_comments_are_not_found
);

async fn comments_are_listed_oldest_first(app: TestApp) {
    let acme = app.signup("acme").await;
    let (member, member_token) = app.add_user(&acme, "m@acme.example", "member").await;
    let project = app.project(&acme, "Rocket").await;
    let task = app.task(&acme, &project, "Launch").await;
    let path = format!("/api/v1/tasks/{task}/comments");
    let first = app
        .post(&acme.host, &path, &acme.token, json!({ "body": "first" }))
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    assert_eq!(first.body["task_id"], task.as_str());
    assert_eq!(first.body["author_id"], acme.user_id.as_str());
    let second = app
        .post(
            &acme.host,
            &path,
            &member_token,
            json!({ "body": "second" }),
        )
        .await;
    assert_eq!(second.body["author_id"], member.as_str());
    let list = app.get(&acme.host, &path, &member_token).await;
    assert_eq!(list.status, StatusCode::OK);
    let bodies: Vec<_> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].clone())
        .collect();
    assert_eq!(bodies, ["first", "second"]);
    let page = app
        .get(&acme.host, &format!("{path}?limit=1"), &acme.token)
        .await;
    assert_eq!(page.body["items"][0]["body"], "first");
    assert!(page.body["next_cursor"].is_string());
}

async fn comment_input_is_checked(app: TestApp) {
    let acme = app.signup("acme").await;
    let project = app.project(&acme, "Rocket").await;
    let task = app.task(&acme, &project, "Launch").await;
    let path = format!("/api/v1/tasks/{task}/comments");
    for body in [
        json!({}),
        json!({ "body": "  " }),
        json!({ "body": "x".repeat(10_001) }),
    ] {
        let answer = app.post(&acme.host, &path, &acme.token, body).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(answer.body["error"]["fields"]["body"].is_string());
    }
    let missing = app
        .post(
            &acme.host,
            "/api/v1/tasks/00000000-0000-0000-0000-000000000000/comments",
            &acme.token,
            json!({ "body": "hi" }),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

async fn another_tenants_comments_are_not_found(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let project = app.project(&acme, "Rocket").await;
    let task = app.task(&acme, &project, "Launch").await;
    let path = format!("/api/v1/tasks/{task}/comments");
    app.post(&acme.host, &path, &acme.token, json!({ "body": "secret" }))
        .await;
    let read = app.get(&globex.host, &path, &globex.token).await;
    assert_eq!(read.status, StatusCode::NOT_FOUND);
    assert_eq!(read.code(), "not_found");
    let write = app
        .post(
            &globex.host,
            &path,
            &globex.token,
            json!({ "body": "sneak" }),
        )
        .await;
    assert_eq!(write.status, StatusCode::NOT_FOUND);
    let list = app.get(&acme.host, &path, &acme.token).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get(&globex.host, &path, &acme.token).await.status,
        StatusCode::UNAUTHORIZED
    );
}
