//! The `taskflow-app` binary itself: `migrate`, `serve`, and a clean stop on SIGTERM.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BIN: &str = env!("CARGO_BIN_EXE_taskflow-app");

/// `GET path` on `addr` over a plain socket; the status line, or `None` while nothing listens.
async fn status_line(addr: &str, path: &str) -> Option<String> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.ok()?;
    answer.lines().next().map(str::to_owned)
}

#[tokio::test]
async fn migrate_then_serve_then_stop_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let migrated = Command::new(BIN)
        .arg("migrate")
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(migrated.status.success(), "{migrated:?}");
    assert!(dir.path().join("cli.db").exists());

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut server = Command::new(BIN)
        .args(["serve", "--no-migrate"])
        .env("DATABASE_URL", &url)
        .env("TASKFLOW_BIND", &addr)
        .env(
            "TASKFLOW_JWT_SECRET",
            "a cli test secret that is long enough",
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let ready = loop {
        if let Some(line) = status_line(&addr, "/readyz").await {
            break line;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server never listened"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(ready.contains(" 200 "), "{ready}");

    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let stopped = Instant::now();
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(10),
            "SIGTERM did not stop the server"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status:?}");
}

#[test]
fn an_unsupported_database_url_fails_to_start() {
    let output = Command::new(BIN)
        .arg("migrate")
        .env("DATABASE_URL", "oracle://db.example/taskflow")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("DATABASE_URL"),
        "{output:?}"
    );
}
