//! The frontend next to the API: files of the built `dist` folder with the single-page app's
//! fallback to `index.html`, or a page that says how to build it; API paths keep answering
//! JSON.

use std::path::Path;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{Backend, TestApp};

/// A raw answer: status code, headers (lowercase names) and body text.
struct Page {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Page {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `method path` with `host` over a plain socket: the answer as a browser would get it.
async fn fetch(app: &TestApp, method: &str, host: &str, path: &str) -> Page {
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Page {
        status,
        headers,
        body: body.to_owned(),
    }
}

async fn app_with_frontend(dir: &Path) -> TestApp {
    let dir = dir.to_owned();
    TestApp::spawn_with(Backend::Sqlite, move |config| config.frontend_dir = dir)
        .await
        .expect("SQLite needs no server")
}

const INDEX: &str = "<!doctype html><title>TaskFlow app shell</title><div id=root></div>";
const SCRIPT: &str = "console.log('taskflow asset');";

fn built_dist() -> tempfile::TempDir {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), INDEX).unwrap();
    std::fs::create_dir(dist.path().join("assets")).unwrap();
    std::fs::write(dist.path().join("assets/app-1234.js"), SCRIPT).unwrap();
    dist
}

#[tokio::test]
async fn a_built_frontend_is_served_with_the_app_shell_for_client_routes() {
    let dist = built_dist();
    let app = app_with_frontend(dist.path()).await;

    let root = fetch(&app, "GET", "localhost", "/").await;
    assert_eq!(root.status, 200);
    assert_eq!(root.body, INDEX);
    assert!(
        root.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );

    let asset = fetch(&app, "GET", "acme.localhost", "/assets/app-1234.js").await;
    assert_eq!(asset.status, 200);
    assert_eq!(asset.body, SCRIPT);
    assert!(
        asset.header("content-type").unwrap().contains("javascript"),
        "{:?}",
        asset.headers
    );

    // A route of the single-page app, on a tenant's host: the shell, which routes it.
    let client_route = fetch(&app, "GET", "acme.localhost:8080", "/projects/42/tasks").await;
    assert_eq!(client_route.status, 200);
    assert_eq!(client_route.body, INDEX);

    let head = fetch(&app, "HEAD", "localhost", "/").await;
    assert_eq!(head.status, 200);
}

#[tokio::test]
async fn api_routes_keep_precedence_over_a_built_frontend() {
    let dist = built_dist();
    // A file that shadows an API path must never be served in its place.
    std::fs::write(dist.path().join("healthz"), "a file").unwrap();
    let app = app_with_frontend(dist.path()).await;

    let health = fetch(&app, "GET", "localhost", "/healthz").await;
    assert_eq!(health.status, 200);
    assert!(health.body.contains("\"ok\""), "{}", health.body);

    for path in [
        "/api/v1/nope",
        "/api",
        "/api/v2/projects",
        "/api/index.html",
    ] {
        let missing = fetch(&app, "GET", "localhost", path).await;
        assert_eq!(missing.status, 404, "{path}");
        assert!(
            missing
                .header("content-type")
                .unwrap()
                .starts_with("application/json"),
            "{path}"
        );
        let body: serde_json::Value = serde_json::from_str(&missing.body).unwrap();
        assert_eq!(body["error"]["code"], "not_found", "{path}");
    }

    // A tenant route still goes through the tenant layer.
    let me = fetch(&app, "GET", "nobody.localhost", "/api/v1/me").await;
    assert_eq!(me.status, 404);
    assert!(me.body.contains("tenant_not_found"), "{}", me.body);

    // Writes outside the API are not the frontend's: a JSON 404, not the shell.
    let post = fetch(&app, "POST", "localhost", "/projects").await;
    assert_eq!(post.status, 404);
    assert!(post.body.contains("not_found"), "{}", post.body);
}

#[tokio::test]
async fn without_a_build_a_page_says_how_to_make_one() {
    let empty = tempfile::tempdir().unwrap();
    let app = app_with_frontend(&empty.path().join("dist")).await;

    for path in ["/", "/projects/42"] {
        let page = fetch(&app, "GET", "localhost", path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(
            page.header("content-type")
                .unwrap()
                .starts_with("text/html")
        );
        assert!(page.body.contains("npm run build"), "{}", page.body);
        assert!(page.body.contains("TASKFLOW_FRONTEND_DIR"));
    }
    let missing = fetch(&app, "GET", "localhost", "/api/v1/nope").await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("not_found"), "{}", missing.body);

    // A build made while the server runs is served from the next request on.
    std::fs::create_dir(empty.path().join("dist")).unwrap();
    std::fs::write(empty.path().join("dist/index.html"), INDEX).unwrap();
    let root = fetch(&app, "GET", "localhost", "/").await;
    assert_eq!(root.body, INDEX);
}
