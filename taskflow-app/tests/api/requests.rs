//! What every request gets: JSON errors for bad bodies, a body limit, request ids, rate limits.

use hyper::{Method, StatusCode};
use taskflow_tenancy::limit::TenantLimits;

use crate::helpers::{Backend, TestApp};

api_tests!(
    malformed_bodies_are_400_and_oversized_ones_413,
    every_answer_carries_a_request_id
);

async fn malformed_bodies_are_400_and_oversized_ones_413(app: TestApp) {
    let acme = app.signup("acme").await;
    let bearer = format!("Bearer {}", acme.token);
    let auth = ("authorization", bearer.as_str());
    let json = ("content-type", "application/json");
    let cases: [(&[(&str, &str)], &str); 3] = [
        (&[auth, json], "{\"name\": "),
        (&[auth, ("content-type", "text/plain")], "{\"name\": \"x\"}"),
        (&[auth], "{\"name\": \"x\"}"),
    ];
    for (headers, body) in cases {
        let answer = app
            .raw(
                Method::POST,
                &acme.host,
                "/api/v1/projects",
                headers,
                body.to_owned(),
            )
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body} {headers:?}");
        assert_eq!(answer.code(), "bad_request");
    }
    let wrong_type = app
        .raw(
            Method::POST,
            &acme.host,
            "/api/v1/projects",
            &[auth, json],
            "{\"name\": 42}".to_owned(),
        )
        .await;
    assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST);

    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(1024 * 1024 + 1));
    let answer = app
        .raw(
            Method::POST,
            &acme.host,
            "/api/v1/projects",
            &[auth, json],
            huge,
        )
        .await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.code(), "payload_too_large");
    let listed = app.get(&acme.host, "/api/v1/projects", &acme.token).await;
    assert_eq!(listed.body["items"], serde_json::json!([]));

    let wrong_method = app
        .send(
            Method::PUT,
            &acme.host,
            "/api/v1/projects",
            Some(&acme.token),
            None,
        )
        .await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.code(), "method_not_allowed");
    let platform = app
        .send(Method::DELETE, "localhost", "/healthz", None, None)
        .await;
    assert_eq!(platform.status, StatusCode::METHOD_NOT_ALLOWED);

    let nowhere = app.get(&acme.host, "/api/v1/nowhere", &acme.token).await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    assert_eq!(nowhere.code(), "not_found");
}

async fn every_answer_carries_a_request_id(app: TestApp) {
    let fresh = app
        .send(Method::GET, "localhost", "/healthz", None, None)
        .await;
    let id = fresh.headers["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    let given = app
        .raw(
            Method::GET,
            "nobody.localhost",
            "/api/v1/me",
            &[("x-request-id", "trace-me-42")],
            "",
        )
        .await;
    assert_eq!(given.status, StatusCode::NOT_FOUND);
    assert_eq!(given.headers["x-request-id"], "trace-me-42");
}

#[tokio::test]
async fn a_tenant_over_its_rate_is_429_and_others_are_not() {
    let app = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.limits = TenantLimits::per_second(1);
    })
    .await
    .unwrap();
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let mut limited = None;
    for _ in 0..10 {
        let answer = app.get(&acme.host, "/api/v1/me", &acme.token).await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(answer);
            break;
        }
    }
    let limited = limited.expect("a burst of 2 is used up within 10 requests");
    assert_eq!(limited.code(), "rate_limited");
    assert!(limited.headers.contains_key("retry-after"));
    assert_eq!(
        app.get(&globex.host, "/api/v1/me", &globex.token)
            .await
            .status,
        StatusCode::OK
    );
}
