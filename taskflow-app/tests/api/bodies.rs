//! Request bodies are JSON objects of text every backend can store, or a clear error that
//! changes nothing: an array is not read as an object field by field, and a NUL character (which
//! PostgreSQL cannot store in text) is refused on every backend alike, naming its field.

use hyper::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

api_tests!(
    a_json_array_is_not_an_object,
    a_nul_character_is_refused_by_field_on_every_backend
);

async fn a_json_array_is_not_an_object(app: TestApp) {
    let acme = app.signup("acme").await;
    let bearer = format!("Bearer {}", acme.token);
    let headers = [
        ("content-type", "application/json"),
        ("authorization", bearer.as_str()),
    ];
    for body in [r#"["Launch", "the plan"]"#, r#""Launch""#, "42", "null"] {
        let answer = app
            .raw(Method::POST, &acme.host, "/api/v1/projects", &headers, body)
            .await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{body}: {:?}",
            answer.body
        );
        assert_eq!(answer.code(), "bad_request", "{body}");
    }
    let projects = app.get(&acme.host, "/api/v1/projects", &acme.token).await;
    assert_eq!(projects.body["items"], json!([]), "nothing was created");
}

async fn a_nul_character_is_refused_by_field_on_every_backend(app: TestApp) {
    let acme = app.signup("acme").await;
    let project = app.project(&acme, "Launch").await;
    let refused = app
        .post(
            &acme.host,
            "/api/v1/projects",
            &acme.token,
            json!({"name": "Launch\u{0}2", "description": "fine"}),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        refused.body
    );
    assert_eq!(refused.code(), "validation_failed");
    assert_eq!(
        refused.body["error"]["fields"],
        json!({"name": "must not contain the NUL character"})
    );
    // Nested and in a task's fields, as in a patch.
    let task = app.task(&acme, &project, "Ship it").await;
    let patched = app
        .patch(
            &acme.host,
            &format!("/api/v1/tasks/{task}"),
            &acme.token,
            json!({"description": "a\u{0}b"}),
        )
        .await;
    assert_eq!(
        patched.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        patched.body
    );
    let signup = app
        .send(
            Method::POST,
            "localhost",
            "/api/v1/tenants",
            None,
            Some(json!({
                "name": "Globex",
                "subdomain": "globex",
                "owner": {"email": "o\u{0}@globex.example", "name": "Owner", "password": "password1"},
            })),
        )
        .await;
    assert_eq!(
        signup.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        signup.body
    );
    assert_eq!(
        signup.body["error"]["fields"],
        json!({"owner": "must not contain the NUL character"})
    );
    // An unauthenticated login with a NUL in its email is refused the same way, not a 500.
    let login = app
        .send(
            Method::POST,
            &acme.host,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "owner@acme.example\u{0}", "password": "password1"})),
        )
        .await;
    assert_eq!(
        login.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        login.body
    );

    // Nothing changed: one project, its task as it was, no tenant Globex.
    let projects = app.get(&acme.host, "/api/v1/projects", &acme.token).await;
    assert_eq!(projects.body["items"].as_array().unwrap().len(), 1);
    let task = app
        .get(&acme.host, &format!("/api/v1/tasks/{task}"), &acme.token)
        .await;
    assert_eq!(task.body["description"], json!(null));
    let globex = app
        .send(
            Method::POST,
            "localhost",
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "o@globex.example", "password": "password1"})),
        )
        .await;
    assert_ne!(globex.status, StatusCode::OK);
}
