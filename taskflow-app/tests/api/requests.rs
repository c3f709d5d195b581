//! What every request gets: JSON errors for bad bodies, a body limit, request ids, rate limits.

use hyper::{Method, StatusCode};
use taskflow_tenancy::web::limit::TenantLimits;

use crate::helpers::{Backend, TestApp};

api_tests!(
    malformed_bodies_are_400_and_oversized_ones_413,
    every_answer_carries_a_request_id,
    a_tenant_request_checks_out_one_connection,
    another_tenants_id_is_404_whatever_else_the_request_carries
);

/// The user lookup and the handler share the request's tenant transaction: one checkout of
/// the pool per request, reads and writes alike (and so at most one transaction).
async fn a_tenant_request_checks_out_one_connection(app: TestApp) {
    let acme = app.signup("acme").await;
    let project = app.project(&acme, "Launch").await;
    let task = app.task(&acme, &project, "Ship it").await;
    let (project_id, task_id) = (project.as_str(), task.as_str());
    let requests = [
        (Method::GET, "/api/v1/me".to_owned(), None),
        (
            Method::GET,
            format!("/api/v1/projects/{project_id}/tasks?limit=50"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/projects/{project_id}/tasks?status=done"),
            None,
        ),
        (Method::GET, format!("/api/v1/tasks/{task_id}"), None),
        (
            Method::POST,
            format!("/api/v1/projects/{project_id}/tasks"),
            Some(serde_json::json!({"title": "another", "priority": "high"})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/tasks/{task_id}"),
            Some(serde_json::json!({"status": "done", "assignee_id": acme.user_id})),
        ),
        (
            Method::POST,
            format!("/api/v1/tasks/{task_id}/comments"),
            Some(serde_json::json!({"body": "on it"})),
        ),
        (
            Method::GET,
            format!("/api/v1/tasks/{task_id}/comments"),
            None,
        ),
        (Method::GET, "/api/v1/projects".to_owned(), None),
    ];
    for (method, path, body) in requests {
        let before = app.checkouts();
        let answer = app
            .send(method.clone(), &acme.host, &path, Some(&acme.token), body)
            .await;
        assert!(answer.status.is_success(), "{method} {path}: {answer:?}");
        assert_eq!(app.checkouts() - before, 1, "{method} {path}");
    }
}

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

/// A path that names another tenant's resource is `404 not_found` before anything else of the
/// request is judged: a query string, a cursor or a body that would be refused for one of the
/// caller's own resources says nothing about the other tenant's.
async fn another_tenants_id_is_404_whatever_else_the_request_carries(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let project = app.project(&globex, "Secret").await;
    let task = app.task(&globex, &project, "Hidden").await;
    let json = ("content-type", "application/json");
    let bearer = format!("Bearer {}", acme.token);
    let auth = ("authorization", bearer.as_str());
    let cases: [(Method, String, &str); 9] = [
        (
            Method::GET,
            format!("/api/v1/projects/{project}/tasks?limit=9999&status=nope"),
            "",
        ),
        (
            Method::GET,
            format!("/api/v1/projects/{project}/tasks?cursor=not-a-cursor"),
            "",
        ),
        (
            Method::GET,
            format!("/api/v1/projects/{project}/reports?limit=0"),
            "",
        ),
        (
            Method::GET,
            format!("/api/v1/tasks/{task}/comments?cursor=%%%"),
            "",
        ),
        (
            Method::POST,
            format!("/api/v1/projects/{project}/tasks"),
            "{\"title\": ",
        ),
        (
            Method::POST,
            format!("/api/v1/projects/{project}/tasks"),
            "{\"title\": \"\", \"status\": \"x\"}",
        ),
        (Method::PATCH, format!("/api/v1/tasks/{task}"), "[1, 2"),
        (
            Method::PATCH,
            format!("/api/v1/projects/{project}"),
            "{\"name\": \"\"}",
        ),
        (
            Method::POST,
            format!("/api/v1/tasks/{task}/comments"),
            "{\"body\": 7}",
        ),
    ];
    for (method, path, body) in cases {
        let answer = app
            .raw(
                method.clone(),
                &acme.host,
                &path,
                &[auth, json],
                body.to_owned(),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::NOT_FOUND,
            "{method} {path} {body}"
        );
        assert_eq!(answer.code(), "not_found", "{method} {path}");
    }
    // The same requests on Globex's own resources are judged on what they carry.
    let bearer = format!("Bearer {}", globex.token);
    let own = app
        .raw(
            Method::GET,
            &globex.host,
            &format!("/api/v1/projects/{project}/tasks?status=nope"),
            &[("authorization", bearer.as_str())],
            "",
        )
        .await;
    assert_eq!(own.status, StatusCode::BAD_REQUEST);
}
