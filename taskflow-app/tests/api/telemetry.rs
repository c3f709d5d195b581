//! What operators see: `GET /metrics` in Prometheus's format with requests by route and status,
//! the pool and the job queue, and never a tenant; log lines of the binary as JSON with the
//! request's id, route and tenant, and text without colour codes when not on a terminal.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hyper::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::TestApp;

const BIN: &str = env!("CARGO_BIN_EXE_taskflow-app");

api_tests!(
    metrics_count_requests_by_route_and_status_and_name_no_tenant,
    metrics_show_the_pool_and_the_job_queue,
);

async fn metrics(app: &TestApp) -> String {
    let (status, headers, text) = app.get_text("localhost", "/metrics", "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4"),
        "{headers:?}"
    );
    text
}

/// The value of the sample `name{...}` whose labels include every one of `labels`.
fn sample(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter(|line| {
            line.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .find(|line| labels.iter().all(|label| line.contains(label)))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

async fn metrics_count_requests_by_route_and_status_and_name_no_tenant(app: TestApp) {
    let acme = app.signup("metered").await;
    let project = app.project(&acme, "Launch").await;
    let before = metrics(&app).await;
    let found = |text: &str, status: &str| {
        sample(
            text,
            "taskflow_http_requests_total",
            &[
                r#"method="GET""#,
                r#"route="/api/v1/projects/{id}""#,
                &format!(r#"status="{status}""#),
            ],
        )
        .unwrap_or(0.0)
    };
    for _ in 0..3 {
        let path = format!("/api/v1/projects/{project}");
        assert_eq!(
            app.get(&acme.host, &path, &acme.token).await.status,
            StatusCode::OK
        );
    }
    let missing = format!("/api/v1/projects/{}", uuid::Uuid::now_v7());
    assert_eq!(
        app.get(&acme.host, &missing, &acme.token).await.status,
        StatusCode::NOT_FOUND
    );
    // A path no route matches is counted under one label, whatever it is.
    let (status, _, _) = app
        .get_text(&acme.host, "/api/v1/no-such-route/12345", &acme.token)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let after = metrics(&app).await;
    assert!(
        found(&after, "200") - found(&before, "200") >= 3.0,
        "{after}"
    );
    assert!(
        found(&after, "404") - found(&before, "404") >= 1.0,
        "{after}"
    );
    assert!(
        sample(
            &after,
            "taskflow_http_requests_total",
            &[r#"route="unmatched""#]
        )
        .is_some(),
        "{after}"
    );
    assert!(
        !after.contains("no-such-route"),
        "a raw path became a label"
    );
    assert!(
        sample(
            &after,
            "taskflow_http_request_duration_seconds_bucket",
            &[
                r#"route="/api/v1/projects/{id}""#,
                r#"status="200""#,
                r#"le="+Inf""#,
            ],
        )
        .is_some_and(|count| count >= 3.0),
        "{after}"
    );
    assert!(
        sample(
            &after,
            "taskflow_http_request_duration_seconds_count",
            &[r#"route="/api/v1/projects/{id}""#]
        )
        .is_some()
    );
    // No label per tenant: neither its subdomain nor its id, nor the project's id.
    for secret in [&acme.tenant_id, &project, &"metered".to_owned()] {
        assert!(!after.contains(secret.as_str()), "{secret} is in /metrics");
    }
}

async fn metrics_show_the_pool_and_the_job_queue(app: TestApp) {
    let acme = app.signup("queued").await;
    let project = app.project(&acme, "Launch").await;
    // No worker runs in the test app: the reports stay queued.
    app.start_report(&acme, &project).await;
    app.start_report(&acme, &project).await;
    let text = metrics(&app).await;
    assert_eq!(
        sample(&text, "taskflow_jobs", &[r#"status="queued""#]),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "taskflow_jobs", &[r#"status="running""#]),
        Some(0.0)
    );
    assert_eq!(sample(&text, "taskflow_db_up", &[]), Some(1.0), "{text}");
    let max = sample(&text, "taskflow_db_pool_max_connections", &[]).unwrap();
    let idle = sample(&text, "taskflow_db_pool_connections", &[r#"state="idle""#]).unwrap();
    let in_use = sample(
        &text,
        "taskflow_db_pool_connections",
        &[r#"state="in_use""#],
    )
    .unwrap();
    assert!(max >= 1.0 && idle + in_use <= max, "{text}");
    assert!(idle + in_use >= 1.0, "the app has used the pool: {text}");
}

/// One HTTP/1.1 request over a plain socket: the status and the body.
async fn exchange(addr: &str, request: String) -> Option<(u16, String)> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.ok()?;
    let status = answer.split(' ').nth(1)?.parse().ok()?;
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())?;
    Some((status, body))
}

fn request(
    method: &str,
    host: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> String {
    let body = body.map(Value::to_string).unwrap_or_default();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Runs `taskflow-app serve` on a new SQLite file with `env`, its stdout in a file; signs up a
/// tenant and reads `/api/v1/me` with its token, then stops it. The stdout, and the tenant's id.
async fn serve_and_log(env: &[(&str, &str)]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("logs.db").display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let stdout = dir.path().join("stdout.log");
    let mut server = Command::new(BIN)
        .args(["serve", "--no-demo"])
        .env("DATABASE_URL", &url)
        .env("TASKFLOW_BIND", &addr)
        .env(
            "TASKFLOW_JWT_SECRET",
            "a log test secret that is long enough",
        )
        .env_remove("RUST_LOG")
        .envs(env.iter().copied())
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while exchange(&addr, request("GET", "localhost", "/healthz", None, None))
        .await
        .is_none()
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server never listened"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let signup = json!({
        "name": "Logged", "subdomain": "logged",
        "owner": { "email": "o@logged.example", "name": "O", "password": "long enough" }
    });
    let (status, body) = exchange(
        &addr,
        request("POST", "localhost", "/api/v1/tenants", None, Some(&signup)),
    )
    .await
    .unwrap();
    assert_eq!(status, 201, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    let token = body["token"].as_str().unwrap();
    let tenant = body["tenant"]["id"].as_str().unwrap().to_owned();
    let (status, _) = exchange(
        &addr,
        request("GET", "logged.localhost", "/api/v1/me", Some(token), None),
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    server.wait().unwrap();
    (std::fs::read_to_string(&stdout).unwrap(), tenant)
}

#[tokio::test]
async fn json_logs_carry_the_request_id_the_route_and_the_tenant() {
    let (logs, tenant) = serve_and_log(&[("TASKFLOW_LOG_FORMAT", "json")]).await;
    let lines: Vec<Value> = logs
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let answered = lines
        .iter()
        .find(|line| line["span"]["route"] == "/api/v1/me")
        .unwrap_or_else(|| panic!("no line of the request: {logs}"));
    assert_eq!(answered["level"], "INFO");
    assert_eq!(answered["span"]["name"], "request");
    assert_eq!(answered["span"]["method"], "GET");
    assert_eq!(answered["span"]["tenant_id"], tenant.as_str());
    assert_eq!(answered["span"]["status"], 200);
    let id = answered["span"]["request_id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    // Signup is a platform route: its line names the route and no tenant.
    let signup = lines
        .iter()
        .find(|line| line["span"]["route"] == "/api/v1/tenants")
        .unwrap();
    assert!(signup["span"].get("tenant_id").is_none(), "{signup}");
}

#[tokio::test]
async fn text_logs_have_no_colour_codes_off_a_terminal() {
    let (logs, tenant) = serve_and_log(&[]).await;
    assert!(!logs.contains('\u{1b}'), "{logs}");
    let line = logs
        .lines()
        .find(|line| line.contains(r#"route="/api/v1/me""#))
        .unwrap_or_else(|| panic!("{logs}"));
    assert!(line.contains(&format!("tenant_id={tenant}")), "{line}");
    assert!(line.contains("request_id="), "{line}");
}

#[test]
fn an_unknown_log_format_is_refused() {
    let output = Command::new(BIN)
        .arg("migrate")
        .env("TASKFLOW_LOG_FORMAT", "xml")
        .env("DATABASE_URL", "sqlite::memory:")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("TASKFLOW_LOG_FORMAT"), "{stderr}");
}
