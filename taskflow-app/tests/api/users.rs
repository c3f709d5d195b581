//! Users: who may list, add, change and remove them, and the owner rules.

use hyper::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;

api_tests!(
    owners_and_admins_manage_users_members_read,
    an_email_is_unique_per_tenant_only,
    only_an_owner_touches_an_owner,
    a_tenant_keeps_one_owner,
    removing_a_user_unassigns_tasks_and_keeps_comments,
    another_tenants_user_is_not_found,
    user_input_is_checked,
);

async fn owners_and_admins_manage_users_members_read(app: TestApp) {
    let acme = app.signup("acme").await;
    let (admin_id, admin_token) = app.add_user(&acme, "admin@acme.example", "admin").await;
    let (member_id, member_token) = app.add_user(&acme, "member@acme.example", "member").await;

    let list = app.get(&acme.host, "/api/v1/users", &member_token).await;
    assert_eq!(list.status, StatusCode::OK);
    let emails: Vec<_> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].clone())
        .collect();
    assert_eq!(
        emails,
        [
            "owner@acme.example",
            "admin@acme.example",
            "member@acme.example"
        ]
    );
    assert!(list.body["items"][0].get("password_hash").is_none());

    let by_member = app
        .post(&acme.host, "/api/v1/users", &member_token,
              json!({ "email": "x@acme.example", "name": "X", "password": "password1", "role": "member" }))
        .await;
    assert_eq!(by_member.status, StatusCode::FORBIDDEN);
    assert_eq!(by_member.code(), "forbidden");
    let path = format!("/api/v1/users/{admin_id}");
    assert_eq!(
        app.patch(&acme.host, &path, &member_token, json!({ "name": "Y" }))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.delete(&acme.host, &path, &member_token).await.status,
        StatusCode::FORBIDDEN
    );

    // An admin promotes the member and renames them.
    let path = format!("/api/v1/users/{member_id}");
    let promoted = app
        .patch(
            &acme.host,
            &path,
            &admin_token,
            json!({ "role": "admin", "name": "Mo" }),
        )
        .await;
    assert_eq!(promoted.status, StatusCode::OK, "{:?}", promoted.body);
    assert_eq!(promoted.body["role"], "admin");
    assert_eq!(promoted.body["name"], "Mo");
    // The role is read from the database on every request: the promotion counts at once.
    let by_promoted = app
        .post(
            &acme.host,
            "/api/v1/users",
            &member_token,
            json!({ "email": "z@acme.example", "name": "Z", "password": "password1" }),
        )
        .await;
    assert_eq!(by_promoted.status, StatusCode::CREATED);
    assert_eq!(by_promoted.body["role"], "member");

    assert_eq!(
        app.delete(&acme.host, &path, &admin_token).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&acme.host, &path, &admin_token).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn an_email_is_unique_per_tenant_only(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let body = json!({ "email": "sam@example.com", "name": "Sam", "password": "password1", "role": "member" });
    assert_eq!(
        app.post(&acme.host, "/api/v1/users", &acme.token, body.clone())
            .await
            .status,
        StatusCode::CREATED
    );
    let again = app
        .post(
            &acme.host,
            "/api/v1/users",
            &acme.token,
            json!({ "email": "SAM@example.com", "name": "Sam 2", "password": "password1" }),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "conflict");
    assert_eq!(
        app.post(&globex.host, "/api/v1/users", &globex.token, body)
            .await
            .status,
        StatusCode::CREATED
    );
}

async fn only_an_owner_touches_an_owner(app: TestApp) {
    let acme = app.signup("acme").await;
    let (_, admin_token) = app.add_user(&acme, "admin@acme.example", "admin").await;
    let owner_path = format!("/api/v1/users/{}", acme.user_id);
    let demote = app
        .patch(
            &acme.host,
            &owner_path,
            &admin_token,
            json!({ "role": "member" }),
        )
        .await;
    assert_eq!(demote.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.patch(
            &acme.host,
            &owner_path,
            &admin_token,
            json!({ "name": "N" })
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.delete(&acme.host, &owner_path, &admin_token)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let make_owner = app
        .post(&acme.host, "/api/v1/users", &admin_token,
              json!({ "email": "o2@acme.example", "name": "O2", "password": "password1", "role": "owner" }))
        .await;
    assert_eq!(make_owner.status, StatusCode::FORBIDDEN);
    // An owner may make another owner.
    let by_owner = app
        .post(&acme.host, "/api/v1/users", &acme.token,
              json!({ "email": "o2@acme.example", "name": "O2", "password": "password1", "role": "owner" }))
        .await;
    assert_eq!(by_owner.status, StatusCode::CREATED);
}

async fn a_tenant_keeps_one_owner(app: TestApp) {
    let acme = app.signup("acme").await;
    let owner_path = format!("/api/v1/users/{}", acme.user_id);
    let demote = app
        .patch(
            &acme.host,
            &owner_path,
            &acme.token,
            json!({ "role": "admin" }),
        )
        .await;
    assert_eq!(demote.status, StatusCode::CONFLICT);
    assert_eq!(
        app.delete(&acme.host, &owner_path, &acme.token)
            .await
            .status,
        StatusCode::CONFLICT
    );
    let (second, second_token) = app.add_user(&acme, "o2@acme.example", "owner").await;
    // With a second owner, the first may step down; then the second is the last one.
    let demote = app
        .patch(
            &acme.host,
            &owner_path,
            &second_token,
            json!({ "role": "admin" }),
        )
        .await;
    assert_eq!(demote.status, StatusCode::OK, "{:?}", demote.body);
    let last = app
        .delete(
            &acme.host,
            &format!("/api/v1/users/{second}"),
            &second_token,
        )
        .await;
    assert_eq!(last.status, StatusCode::CONFLICT);
}

async fn removing_a_user_unassigns_tasks_and_keeps_comments(app: TestApp) {
    let acme = app.signup("acme").await;
    let (member, member_token) = app.add_user(&acme, "m@acme.example", "member").await;
    let project = app.project(&acme, "Rocket").await;
    let task = app
        .post(
            &acme.host,
            &format!("/api/v1/projects/{project}/tasks"),
            &acme.token,
            json!({ "title": "Launch", "assignee_id": member }),
        )
        .await;
    assert_eq!(task.body["assignee_id"], member.as_str());
    let task = task.body["id"].as_str().unwrap().to_owned();
    let comments = format!("/api/v1/tasks/{task}/comments");
    app.post(
        &acme.host,
        &comments,
        &member_token,
        json!({ "body": "on it" }),
    )
    .await;

    let removed = app
        .delete(&acme.host, &format!("/api/v1/users/{member}"), &acme.token)
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{:?}", removed.body);
    let task = app
        .get(&acme.host, &format!("/api/v1/tasks/{task}"), &acme.token)
        .await;
    assert_eq!(task.body["assignee_id"], serde_json::Value::Null);
    let kept = app.get(&acme.host, &comments, &acme.token).await;
    assert_eq!(kept.body["items"][0]["body"], "on it");
    assert_eq!(kept.body["items"][0]["author_id"], serde_json::Value::Null);
}

async fn another_tenants_user_is_not_found(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let path = format!("/api/v1/users/{}", acme.user_id);
    for answer in [
        app.get(&globex.host, &path, &globex.token).await,
        app.patch(
            &globex.host,
            &path,
            &globex.token,
            json!({ "name": "Pwned" }),
        )
        .await,
        app.delete(&globex.host, &path, &globex.token).await,
    ] {
        assert_eq!(answer.status, StatusCode::NOT_FOUND);
        assert_eq!(answer.code(), "not_found");
    }
    let me = app.get(&acme.host, "/api/v1/me", &acme.token).await;
    assert_eq!(me.body["user"]["name"], "Owner");
    // Acme's token on Globex's host is refused before anything is looked up.
    let crossed = app.get(&globex.host, &path, &acme.token).await;
    assert_eq!(crossed.status, StatusCode::UNAUTHORIZED);
}

async fn user_input_is_checked(app: TestApp) {
    let acme = app.signup("acme").await;
    let bad = app
        .post(
            &acme.host,
            "/api/v1/users",
            &acme.token,
            json!({ "email": "not-an-email", "name": "", "password": "short", "role": "boss" }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = &bad.body["error"]["fields"];
    for field in ["email", "name", "password", "role"] {
        assert!(fields[field].is_string(), "{field}: {fields}");
    }
    let bad_role = app
        .patch(
            &acme.host,
            &format!("/api/v1/users/{}", acme.user_id),
            &acme.token,
            json!({ "role": "boss" }),
        )
        .await;
    assert_eq!(bad_role.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad_id = app.get(&acme.host, "/api/v1/users/42", &acme.token).await;
    assert_eq!(bad_id.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_id.code(), "bad_request");
}
