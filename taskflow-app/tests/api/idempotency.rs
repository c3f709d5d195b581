//! `Idempotency-Key` on creates: a retry is answered once, a key is its user's and its tenant's,
//! a failed create keeps no key, and concurrent retries create one row.

use hyper::{Method, StatusCode};
use serde_json::{Value, json};
use taskflow_app::model::{IdempotencyKey, IdempotencyKeyPatch, now};

use crate::helpers::{Answer, Signed, TestApp};

api_tests!(
    a_retried_create_is_answered_once,
    every_create_takes_a_key,
    a_key_sent_with_another_request_is_refused,
    a_failed_create_keeps_no_key,
    keys_are_their_users_and_their_tenants,
    bad_keys_are_refused_and_change_nothing,
    concurrent_retries_create_one_row,
    a_key_is_forgotten_after_a_day,
);

/// `POST path` as `who`, with `Idempotency-Key: key`.
async fn post_with_key(app: &TestApp, who: &Signed, path: &str, key: &str, body: Value) -> Answer {
    let bearer = format!("Bearer {}", who.token);
    app.raw(
        Method::POST,
        &who.host,
        path,
        &[
            ("authorization", &bearer),
            ("content-type", "application/json"),
            ("idempotency-key", key),
        ],
        serde_json::to_vec(&body).unwrap(),
    )
    .await
}

fn replayed(answer: &Answer) -> Option<&str> {
    answer
        .headers
        .get("idempotent-replayed")
        .map(|value| value.to_str().unwrap())
}

async fn project_count(app: &TestApp, who: &Signed) -> usize {
    let page = app
        .get(&who.host, "/api/v1/projects?limit=200", &who.token)
        .await;
    page.body["items"].as_array().unwrap().len()
}

async fn a_retried_create_is_answered_once(app: TestApp) {
    let acme = app.signup("acme").await;
    let body = json!({ "name": "Launch", "description": "once" });
    let first = post_with_key(
        &app,
        &acme,
        "/api/v1/projects",
        "create-launch-1",
        body.clone(),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    assert_eq!(replayed(&first), Some("false"));
    for _ in 0..3 {
        let again = post_with_key(
            &app,
            &acme,
            "/api/v1/projects",
            "create-launch-1",
            body.clone(),
        )
        .await;
        assert_eq!(again.status, StatusCode::CREATED, "{:?}", again.body);
        assert_eq!(
            again.body, first.body,
            "the first answer, not a second project"
        );
        assert_eq!(replayed(&again), Some("true"));
        assert_eq!(again.headers["content-type"], "application/json");
    }
    assert_eq!(project_count(&app, &acme).await, 1);
    // Without the key, the same body is a new request: here a duplicate name.
    let plain = app
        .post(&acme.host, "/api/v1/projects", &acme.token, body)
        .await;
    assert_eq!(plain.status, StatusCode::CONFLICT);
    assert_eq!(replayed(&plain), None);
}

async fn every_create_takes_a_key(app: TestApp) {
    let acme = app.signup("acme").await;
    let project = app.project(&acme, "Launch").await;
    let task = app.task(&acme, &project, "Write").await;
    let creates = [
        (
            "/api/v1/users".to_owned(),
            json!({ "email": "m@acme.example", "name": "M", "password": "long enough", "role": "member" }),
            StatusCode::CREATED,
        ),
        (
            format!("/api/v1/projects/{project}/tasks"),
            json!({ "title": "Ship" }),
            StatusCode::CREATED,
        ),
        (
            format!("/api/v1/tasks/{task}/comments"),
            json!({ "body": "once" }),
            StatusCode::CREATED,
        ),
        (
            format!("/api/v1/projects/{project}/reports"),
            json!({}),
            StatusCode::ACCEPTED,
        ),
    ];
    for (n, (path, body, status)) in creates.into_iter().enumerate() {
        let key = format!("key-{n}");
        let first = post_with_key(&app, &acme, &path, &key, body.clone()).await;
        assert_eq!(first.status, status, "{path}: {:?}", first.body);
        let again = post_with_key(&app, &acme, &path, &key, body).await;
        assert_eq!(again.status, status, "{path}: {:?}", again.body);
        assert_eq!(again.body["id"], first.body["id"], "{path}");
        assert_eq!(replayed(&again), Some("true"), "{path}");
    }
    let users = app.get(&acme.host, "/api/v1/users", &acme.token).await;
    assert_eq!(
        users
            .body
            .as_array()
            .map_or_else(|| users.body["items"].as_array().unwrap().len(), Vec::len),
        2
    );
    let tasks = app
        .get(
            &acme.host,
            &format!("/api/v1/projects/{project}/tasks"),
            &acme.token,
        )
        .await;
    assert_eq!(tasks.body["items"].as_array().unwrap().len(), 2);
    let comments = app
        .get(
            &acme.host,
            &format!("/api/v1/tasks/{task}/comments"),
            &acme.token,
        )
        .await;
    let comments = comments.body.as_array().map_or_else(
        || comments.body["items"].as_array().unwrap().len(),
        Vec::len,
    );
    assert_eq!(comments, 1);
}

async fn a_key_sent_with_another_request_is_refused(app: TestApp) {
    let acme = app.signup("acme").await;
    let first = post_with_key(
        &app,
        &acme,
        "/api/v1/projects",
        "k",
        json!({ "name": "One" }),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let other_body = post_with_key(
        &app,
        &acme,
        "/api/v1/projects",
        "k",
        json!({ "name": "Two" }),
    )
    .await;
    assert_eq!(other_body.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other_body.code(), "validation_failed");
    assert!(other_body.body["error"]["fields"]["Idempotency-Key"].is_string());
    let project = first.body["id"].as_str().unwrap();
    let other_path = post_with_key(
        &app,
        &acme,
        &format!("/api/v1/projects/{project}/tasks"),
        "k",
        json!({ "name": "One" }),
    )
    .await;
    assert_eq!(other_path.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(project_count(&app, &acme).await, 1);
    let tasks = app
        .get(
            &acme.host,
            &format!("/api/v1/projects/{project}/tasks"),
            &acme.token,
        )
        .await;
    assert_eq!(tasks.body["items"], json!([]));
}

async fn a_failed_create_keeps_no_key(app: TestApp) {
    let acme = app.signup("acme").await;
    let taken = app.project(&acme, "Launch").await;
    let body = json!({ "name": "Launch" });
    let refused = post_with_key(&app, &acme, "/api/v1/projects", "retry-me", body.clone()).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let invalid = post_with_key(
        &app,
        &acme,
        "/api/v1/projects",
        "invalid",
        json!({ "name": "" }),
    )
    .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Once the name is free (the project deleted and purged from the trash), the same request
    // with the same key runs again: the failure was not stored.
    for path in [
        format!("/api/v1/projects/{taken}"),
        format!("/api/v1/trash/{taken}"),
    ] {
        assert_eq!(
            app.delete(&acme.host, &path, &acme.token).await.status,
            StatusCode::NO_CONTENT
        );
    }
    let retried = post_with_key(&app, &acme, "/api/v1/projects", "retry-me", body).await;
    assert_eq!(retried.status, StatusCode::CREATED, "{:?}", retried.body);
    assert_eq!(replayed(&retried), Some("false"));
    let fixed = post_with_key(
        &app,
        &acme,
        "/api/v1/projects",
        "invalid",
        json!({ "name": "Fixed" }),
    )
    .await;
    assert_eq!(fixed.status, StatusCode::CREATED, "{:?}", fixed.body);
    assert_eq!(project_count(&app, &acme).await, 2);
}

async fn keys_are_their_users_and_their_tenants(app: TestApp) {
    let acme = app.signup("acme").await;
    let (_, member) = app.add_user(&acme, "m@acme.example", "member").await;
    let member = Signed {
        token: member,
        ..acme.clone()
    };
    let project = app.project(&acme, "Launch").await;
    let path = format!("/api/v1/projects/{project}/tasks");
    let body = json!({ "title": "Same" });
    let by_owner = post_with_key(&app, &acme, &path, "shared", body.clone()).await;
    let by_member = post_with_key(&app, &member, &path, "shared", body.clone()).await;
    assert_eq!(by_owner.status, StatusCode::CREATED);
    assert_eq!(by_member.status, StatusCode::CREATED);
    assert_eq!(
        replayed(&by_member),
        Some("false"),
        "another user's key is another key"
    );
    assert_ne!(by_owner.body["id"], by_member.body["id"]);

    // Another tenant sending the same key to acme's project: not found, and none of acme's
    // answer.
    let globex = app.signup("globex").await;
    let crossing = post_with_key(&app, &globex, &path, "shared", body.clone()).await;
    assert_eq!(crossing.status, StatusCode::NOT_FOUND);
    assert_eq!(crossing.code(), "not_found");
    assert_eq!(replayed(&crossing), None);
    assert!(
        !crossing
            .body
            .to_string()
            .contains(by_owner.body["id"].as_str().unwrap())
    );
    // A token of acme on globex's host is no user of globex.
    let wrong_host = Signed {
        host: globex.host.clone(),
        ..acme.clone()
    };
    let crossing = post_with_key(&app, &wrong_host, &path, "shared", body.clone()).await;
    assert_eq!(crossing.status, StatusCode::UNAUTHORIZED);
    // Unauthenticated: no key is looked up.
    let anonymous = app
        .raw(
            Method::POST,
            &acme.host,
            &path,
            &[
                ("content-type", "application/json"),
                ("idempotency-key", "shared"),
            ],
            serde_json::to_vec(&body).unwrap(),
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let tasks = app.get(&acme.host, &path, &acme.token).await;
    assert_eq!(tasks.body["items"].as_array().unwrap().len(), 2);
}

async fn bad_keys_are_refused_and_change_nothing(app: TestApp) {
    let acme = app.signup("acme").await;
    let bearer = format!("Bearer {}", acme.token);
    let long = "k".repeat(256);
    let body = serde_json::to_vec(&json!({ "name": "Never" })).unwrap();
    let cases: [&[(&str, &str)]; 4] = [
        &[("idempotency-key", "")],
        &[("idempotency-key", &long)],
        &[("idempotency-key", "two words")],
        &[("idempotency-key", "a"), ("idempotency-key", "b")],
    ];
    for case in cases {
        let mut headers = vec![
            ("authorization", bearer.as_str()),
            ("content-type", "application/json"),
        ];
        headers.extend_from_slice(case);
        let answer = app
            .raw(
                Method::POST,
                &acme.host,
                "/api/v1/projects",
                &headers,
                body.clone(),
            )
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{case:?}");
        assert_eq!(answer.code(), "bad_request", "{case:?}");
    }
    let longest = "k".repeat(255);
    let accepted = post_with_key(
        &app,
        &acme,
        "/api/v1/projects",
        &longest,
        json!({ "name": "Kept" }),
    )
    .await;
    assert_eq!(accepted.status, StatusCode::CREATED);
    assert_eq!(project_count(&app, &acme).await, 1);
}

async fn concurrent_retries_create_one_row(app: TestApp) {
    let acme = app.signup("acme").await;
    let project = app.project(&acme, "Launch").await;
    let path = format!("/api/v1/projects/{project}/tasks");
    let body = json!({ "title": "Exactly once" });
    let answers = futures_util::future::join_all(
        (0..8).map(|_| post_with_key(&app, &acme, &path, "burst", body.clone())),
    )
    .await;
    let mut ids = std::collections::BTreeSet::new();
    for answer in &answers {
        match answer.status {
            StatusCode::CREATED => {
                ids.insert(answer.body["id"].as_str().unwrap().to_owned());
            }
            StatusCode::CONFLICT => assert_eq!(answer.code(), "conflict"),
            other => panic!("{other}: {:?}", answer.body),
        }
    }
    assert_eq!(ids.len(), 1, "every success names the one task");
    let tasks = app.get(&acme.host, &path, &acme.token).await;
    assert_eq!(tasks.body["items"].as_array().unwrap().len(), 1);
    // A retry after the burst gets the one answer.
    let after = post_with_key(&app, &acme, &path, "burst", body).await;
    assert_eq!(after.status, StatusCode::CREATED);
    assert!(ids.contains(after.body["id"].as_str().unwrap()));
}

async fn a_key_is_forgotten_after_a_day(app: TestApp) {
    let acme = app.signup("acme").await;
    let project = app.project(&acme, "Launch").await;
    let path = format!("/api/v1/projects/{project}/tasks");
    let body = json!({ "title": "Daily" });
    let first = post_with_key(&app, &acme, &path, "daily", body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let scope = app.db.scope_by_subdomain("acme").await.unwrap();
    let mut tx = app.db.begin(&scope).await.unwrap();
    let aged = IdempotencyKeyPatch {
        created_at: Some(now() - chrono::TimeDelta::hours(25)),
        ..IdempotencyKeyPatch::default()
    };
    assert_eq!(
        IdempotencyKey::scoped(&mut tx).update(&aged).await.unwrap(),
        1
    );
    tx.commit().await.unwrap();
    let later = post_with_key(&app, &acme, &path, "daily", body).await;
    assert_eq!(later.status, StatusCode::CREATED);
    assert_eq!(replayed(&later), Some("false"));
    assert_ne!(later.body["id"], first.body["id"]);
    let mut tx = app.db.begin(&scope).await.unwrap();
    assert_eq!(
        IdempotencyKey::scoped(&mut tx).count().await.unwrap(),
        1,
        "the old key is gone"
    );
    tx.rollback().await.unwrap();
}
