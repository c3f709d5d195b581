//! The curl scenarios of `main.rs`, over real HTTP: the example's `app` served on 127.0.0.1:0
//! over a fresh SQLite file, called by a hyper client that names the tenant by `Host` alone.

use std::net::SocketAddr;

use example_axum_integration::{AppState, app, ensure_tenant, migrate};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, RETRY_AFTER};
use hyper::{HeaderMap, Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use taskflow_tenancy::testkit::{self, SqliteDb};
use taskflow_tenancy::web::jwt::JwtKeys;
use taskflow_tenancy::web::limit::TenantLimits;
use taskflow_tenancy::web::resolve::SubdomainResolver;
use taskflow_tenancy::{AdminCapability, TenantDb};

struct TestApp {
    _db: SqliteDb,
    addr: SocketAddr,
    client: Client<HttpConnector, Full<Bytes>>,
    acme_token: String,
    globex_token: String,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    json: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or("")
    }
}

async fn spawn_app(limits: TenantLimits) -> TestApp {
    let db = testkit::sqlite().await.unwrap();
    let handle = TenantDb::new(db.pool.clone());
    migrate(&handle).await.unwrap();
    let admin = AdminCapability::grant("example-tests", "the two demo tenants").unwrap();
    let acme = ensure_tenant(&handle, &admin, "Acme", "acme")
        .await
        .unwrap();
    let globex = ensure_tenant(&handle, &admin, "Globex", "globex")
        .await
        .unwrap();
    let keys = JwtKeys::hs256("a test secret that is long enough for HS256").unwrap();
    let acme_token = keys.issue(&acme, "ada@acme.example", "owner").unwrap();
    let globex_token = keys.issue(&globex, "gus@globex.example", "member").unwrap();

    let router = app(
        AppState { db: handle, keys },
        SubdomainResolver::new("localhost").unwrap(),
        limits,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    TestApp {
        _db: db,
        addr,
        client: Client::builder(TokioExecutor::new()).build_http(),
        acme_token,
        globex_token,
    }
}

impl TestApp {
    async fn send(
        &self,
        method: Method,
        host: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("http://{}{path}", self.addr))
            .header(HOST, format!("{host}:{}", self.addr.port()));
        if let Some(token) = token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match body {
            Some(json) => {
                request = request.header(CONTENT_TYPE, "application/json");
                Full::new(Bytes::from(json.to_string()))
            }
            None => Full::new(Bytes::new()),
        };
        let response = self
            .client
            .request(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Answer {
            status,
            headers,
            json,
        }
    }

    async fn get(&self, host: &str, path: &str, token: &str) -> Answer {
        self.send(Method::GET, host, path, Some(token), None).await
    }

    async fn post(&self, host: &str, path: &str, token: &str, body: Value) -> Answer {
        self.send(Method::POST, host, path, Some(token), Some(body))
            .await
    }

    /// Acme's project "Rocket" with one note; returns their ids.
    async fn acme_note(&self) -> (String, String) {
        let project = self
            .post(
                "acme.localhost",
                "/api/v1/projects",
                &self.acme_token,
                json!({"name": "Rocket"}),
            )
            .await;
        assert_eq!(project.status, StatusCode::CREATED, "{}", project.json);
        let project_id = project.json["id"].as_str().unwrap().to_owned();
        let note = self
            .post(
                "acme.localhost",
                &format!("/api/v1/projects/{project_id}/notes"),
                &self.acme_token,
                json!({"body": "launch on friday"}),
            )
            .await;
        assert_eq!(note.status, StatusCode::CREATED, "{}", note.json);
        (project_id, note.json["id"].as_str().unwrap().to_owned())
    }
}

#[tokio::test]
async fn acmes_token_works_on_acmes_host() {
    let app = spawn_app(TenantLimits::default()).await;
    let (project_id, note_id) = app.acme_note().await;

    let note = app
        .get(
            "acme.localhost",
            &format!("/api/v1/notes/{note_id}"),
            &app.acme_token,
        )
        .await;
    assert_eq!(note.status, StatusCode::OK);
    assert_eq!(note.json["body"], "launch on friday");
    assert_eq!(note.json["author"], "ada@acme.example");
    assert_eq!(note.json["project_id"], project_id);
    assert!(note.json.get("tenant_id").is_none(), "{}", note.json);

    let me = app
        .get("ACME.localhost", "/api/v1/me", &app.acme_token)
        .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json["user"]["role"], "owner");
    assert_eq!(me.json["tenant"]["subdomain"], "acme");

    let notes = app
        .get(
            "acme.localhost",
            &format!("/api/v1/projects/{project_id}/notes"),
            &app.acme_token,
        )
        .await;
    assert_eq!(notes.json.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn acmes_token_on_globexs_host_is_401() {
    let app = spawn_app(TenantLimits::default()).await;
    for path in ["/api/v1/projects", "/api/v1/me"] {
        let answer = app.get("globex.localhost", path, &app.acme_token).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(answer.code(), "unauthorized");
        assert_eq!(answer.headers["www-authenticate"], "Bearer");
    }
    let write = app
        .post(
            "globex.localhost",
            "/api/v1/projects",
            &app.acme_token,
            json!({"name": "Planted by acme"}),
        )
        .await;
    assert_eq!(write.status, StatusCode::UNAUTHORIZED);
    // Nothing was written: Globex, with its own token, sees no project.
    let globex = app
        .get("globex.localhost", "/api/v1/projects", &app.globex_token)
        .await;
    assert_eq!(globex.status, StatusCode::OK);
    assert_eq!(globex.json, json!([]));
}

#[tokio::test]
async fn globex_cannot_see_or_use_acmes_ids() {
    let app = spawn_app(TenantLimits::default()).await;
    let (project_id, note_id) = app.acme_note().await;

    for path in [
        format!("/api/v1/notes/{note_id}"),
        format!("/api/v1/projects/{project_id}"),
        format!("/api/v1/projects/{project_id}/notes"),
    ] {
        let answer = app.get("globex.localhost", &path, &app.globex_token).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(answer.code(), "not_found", "{path}");
    }
    let planted = app
        .post(
            "globex.localhost",
            &format!("/api/v1/projects/{project_id}/notes"),
            &app.globex_token,
            json!({"body": "a note in acme's project"}),
        )
        .await;
    assert_eq!(planted.status, StatusCode::NOT_FOUND);

    // Globex may have its own "Rocket": names are unique per tenant only.
    let own = app
        .post(
            "globex.localhost",
            "/api/v1/projects",
            &app.globex_token,
            json!({"name": "Rocket"}),
        )
        .await;
    assert_eq!(own.status, StatusCode::CREATED);
    assert_ne!(own.json["id"], project_id);
    // Acme's notes are still one, Acme's "Rocket" is still taken in Acme.
    let notes = app
        .get(
            "acme.localhost",
            &format!("/api/v1/projects/{project_id}/notes"),
            &app.acme_token,
        )
        .await;
    assert_eq!(notes.json.as_array().map(Vec::len), Some(1));
    let again = app
        .post(
            "acme.localhost",
            "/api/v1/projects",
            &app.acme_token,
            json!({"name": "Rocket"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "conflict");
}

#[tokio::test]
async fn hosts_tokens_and_bodies_answer_in_the_contracts_shape() {
    let app = spawn_app(TenantLimits::default()).await;
    let unknown = app
        .get("initech.localhost", "/api/v1/projects", &app.acme_token)
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.code(), "tenant_not_found");

    let anonymous = app
        .send(
            Method::GET,
            "acme.localhost",
            "/api/v1/projects",
            None,
            None,
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.code(), "unauthorized");

    let health = app
        .send(Method::GET, "localhost", "/healthz", None, None)
        .await;
    assert_eq!(health.status, StatusCode::OK);

    let bad_id = app
        .get(
            "acme.localhost",
            "/api/v1/notes/not-a-uuid",
            &app.acme_token,
        )
        .await;
    assert_eq!(bad_id.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_id.code(), "bad_request");

    let bad_body = app
        .post(
            "acme.localhost",
            "/api/v1/projects",
            &app.acme_token,
            json!({"title": "no name field"}),
        )
        .await;
    assert_eq!(bad_body.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_body.code(), "bad_request");

    let empty = app
        .post(
            "acme.localhost",
            "/api/v1/projects",
            &app.acme_token,
            json!({"name": "   "}),
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(empty.code(), "validation_failed");
    assert!(empty.json["error"]["fields"]["name"].is_string());
}

#[tokio::test]
async fn a_tenant_over_its_rate_gets_429_with_retry_after() {
    let app = spawn_app(TenantLimits::per_second(1).with_burst(3)).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let answer = app
            .get("acme.localhost", "/api/v1/projects", &app.acme_token)
            .await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(answer.code(), "rate_limited");
            let retry_after: u64 = answer.headers[RETRY_AFTER]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!(retry_after >= 1);
        }
        statuses.push(answer.status);
    }
    assert_eq!(statuses[..3], [StatusCode::OK; 3]);
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    // Globex has its own budget.
    let globex = app
        .get("globex.localhost", "/api/v1/projects", &app.globex_token)
        .await;
    assert_eq!(globex.status, StatusCode::OK);
}
