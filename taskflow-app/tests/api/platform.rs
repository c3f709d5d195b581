//! Platform routes: health, readiness, signup and the operator console.

use hyper::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{ADMIN_TOKEN, Backend, TestApp};

api_tests!(
    health_and_readiness_answer,
    signup_creates_a_tenant_its_owner_and_a_token,
    signup_refuses_a_taken_subdomain,
    signup_checks_every_field,
    operator_lists_suspends_and_resumes_tenants,
    operator_routes_need_the_operator_token,
);

async fn health_and_readiness_answer(app: TestApp) {
    let health = app
        .send(Method::GET, "localhost", "/healthz", None, None)
        .await;
    assert_eq!(health.status, StatusCode::OK);
    let ready = app
        .send(Method::GET, "localhost", "/readyz", None, None)
        .await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(
        ready.body["database"],
        taskflow_app::db::backend_name(&app.db)
    );
}

#[tokio::test]
async fn readiness_is_503_when_the_database_is_gone() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    match &app.app_db {
        taskflow_tenancy::AnyTenantDb::Sqlite(db) => db.pool().close().await,
        _ => unreachable!(),
    }
    let ready = app
        .send(Method::GET, "localhost", "/readyz", None, None)
        .await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.code(), "unavailable");
}

async fn signup_creates_a_tenant_its_owner_and_a_token(app: TestApp) {
    let answer = app
        .send(
            Method::POST,
            "localhost",
            "/api/v1/tenants",
            None,
            Some(json!({
                "name": "Acme",
                "subdomain": "acme",
                "owner": { "email": "Ada@Acme.Example", "name": "Ada", "password": "correct horse" },
            })),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    let tenant = &answer.body["tenant"];
    assert_eq!(tenant["subdomain"], "acme");
    assert_eq!(tenant["is_active"], true);
    let user = &answer.body["user"];
    assert_eq!(user["email"], "ada@acme.example");
    assert_eq!(user["role"], "owner");
    assert!(user.get("password_hash").is_none() && user.get("password").is_none());
    let token = answer.body["token"].as_str().unwrap();
    let me = app.get("acme.localhost", "/api/v1/me", token).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["user"]["id"], user["id"]);
    assert_eq!(me.body["tenant"]["id"], tenant["id"]);
}

async fn signup_refuses_a_taken_subdomain(app: TestApp) {
    app.signup("acme").await;
    let again = app
        .send(
            Method::POST,
            "localhost",
            "/api/v1/tenants",
            None,
            Some(json!({
                "name": "Other Acme",
                "subdomain": "acme",
                "owner": { "email": "x@y.example", "name": "X", "password": "password1" },
            })),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "conflict");
    // Nothing of the failed signup stays: the first owner is still the only user.
    let tenants = app
        .send(
            Method::GET,
            "localhost",
            "/api/v1/admin/tenants",
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(tenants.body["items"].as_array().unwrap().len(), 1);
}

async fn signup_checks_every_field(app: TestApp) {
    for (subdomain, password) in [
        ("ab", "password1"),
        ("www", "password1"),
        ("Bad_One", "password1"),
        ("fine", "short"),
    ] {
        let answer = app
            .send(
                Method::POST,
                "localhost",
                "/api/v1/tenants",
                None,
                Some(json!({
                    "name": "Acme",
                    "subdomain": subdomain,
                    "owner": { "email": "a@b.example", "name": "A", "password": password },
                })),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{subdomain}"
        );
        assert_eq!(answer.code(), "validation_failed");
        let field = if password == "short" {
            "owner.password"
        } else {
            "subdomain"
        };
        assert!(
            answer.body["error"]["fields"][field].is_string(),
            "{:?}",
            answer.body
        );
    }
    let nothing = app
        .send(
            Method::POST,
            "localhost",
            "/api/v1/tenants",
            None,
            Some(json!({})),
        )
        .await;
    assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = &nothing.body["error"]["fields"];
    for field in [
        "name",
        "subdomain",
        "owner.email",
        "owner.name",
        "owner.password",
    ] {
        assert!(fields[field].is_string(), "{field}: {fields}");
    }
    let tenants = app
        .send(
            Method::GET,
            "localhost",
            "/api/v1/admin/tenants",
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(tenants.body["items"], json!([]));
}

async fn operator_lists_suspends_and_resumes_tenants(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let list = app
        .send(
            Method::GET,
            "localhost",
            "/api/v1/admin/tenants",
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let subdomains: Vec<_> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["subdomain"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(subdomains, ["acme", "globex"]);

    // Warm the layer's cache, then suspend: the very next request is refused.
    assert_eq!(
        app.get(&acme.host, "/api/v1/me", &acme.token).await.status,
        StatusCode::OK
    );
    let path = format!("/api/v1/admin/tenants/{}", acme.tenant_id);
    let suspended = app
        .send(
            Method::PATCH,
            "localhost",
            &path,
            Some(ADMIN_TOKEN),
            Some(json!({ "is_active": false })),
        )
        .await;
    assert_eq!(suspended.status, StatusCode::OK, "{:?}", suspended.body);
    assert_eq!(suspended.body["is_active"], false);
    let refused = app.get(&acme.host, "/api/v1/me", &acme.token).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.code(), "tenant_suspended");
    let login = app
        .send(
            Method::POST,
            &acme.host,
            "/api/v1/auth/login",
            None,
            Some(json!({ "email": "owner@acme.example", "password": "password1" })),
        )
        .await;
    assert_eq!(login.code(), "tenant_suspended");
    // The other tenant is untouched.
    assert_eq!(
        app.get(&globex.host, "/api/v1/me", &globex.token)
            .await
            .status,
        StatusCode::OK
    );

    let resumed = app
        .send(
            Method::PATCH,
            "localhost",
            &path,
            Some(ADMIN_TOKEN),
            Some(json!({ "is_active": true })),
        )
        .await;
    assert_eq!(resumed.body["is_active"], true);
    assert_eq!(
        app.get(&acme.host, "/api/v1/me", &acme.token).await.status,
        StatusCode::OK
    );

    let unknown = app
        .send(
            Method::PATCH,
            "localhost",
            "/api/v1/admin/tenants/00000000-0000-0000-0000-000000000000",
            Some(ADMIN_TOKEN),
            Some(json!({ "is_active": false })),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let bad_id = app
        .send(
            Method::PATCH,
            "localhost",
            "/api/v1/admin/tenants/nope",
            Some(ADMIN_TOKEN),
            Some(json!({ "is_active": false })),
        )
        .await;
    assert_eq!(bad_id.status, StatusCode::BAD_REQUEST);
}

async fn operator_routes_need_the_operator_token(app: TestApp) {
    let acme = app.signup("acme").await;
    let none = app
        .send(
            Method::GET,
            "localhost",
            "/api/v1/admin/tenants",
            None,
            None,
        )
        .await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    // A tenant's JWT, even an owner's, is no operator credential.
    let tenant_token = app
        .send(
            Method::GET,
            "localhost",
            "/api/v1/admin/tenants",
            Some(&acme.token),
            None,
        )
        .await;
    assert_eq!(tenant_token.status, StatusCode::UNAUTHORIZED);
    let wrong = app
        .send(
            Method::GET,
            "localhost",
            "/api/v1/admin/tenants",
            Some("operator-token-for-test"),
            None,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn operator_routes_are_off_without_an_admin_token() {
    let app = TestApp::spawn_with(Backend::Sqlite, |config| config.admin_token = None)
        .await
        .unwrap();
    let list = app
        .send(
            Method::GET,
            "localhost",
            "/api/v1/admin/tenants",
            Some(ADMIN_TOKEN),
            None,
        )
        .await;
    assert_eq!(list.status, StatusCode::NOT_FOUND);
    assert_eq!(list.code(), "not_found");
}
