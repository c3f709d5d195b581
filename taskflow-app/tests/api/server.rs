//! The server under clients that misbehave or are cut off: headers that never finish, bodies
//! that stop short or are announced too big, idle kept-alive connections, and a SIGTERM while
//! kept-alive connections keep sending.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{Backend, TestApp};

const BIN: &str = env!("CARGO_BIN_EXE_taskflow-app");

/// An answer read off a raw connection: status, whether it says `Connection: close`, and its
/// body as JSON (`Null` when it is none).
#[derive(Debug)]
struct RawAnswer {
    status: u16,
    closes: bool,
    body: Value,
}

/// Reads one answer with a `Content-Length` body; `None` when the connection closed first.
async fn read_answer(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<RawAnswer> {
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let header = |name: &str| {
        head.lines()
            .find_map(|line| line.strip_prefix(&format!("{name}: ")))
            .map(str::trim)
            .map(str::to_owned)
    };
    let length: usize = header("content-length")?.parse().ok()?;
    let closes = header("connection").as_deref() == Some("close");
    while buffer.len() < head_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body = serde_json::from_slice(&buffer[head_end..head_end + length]).unwrap_or(Value::Null);
    buffer.drain(..head_end + length);
    Some(RawAnswer {
        status,
        closes,
        body,
    })
}

/// Whether the server closes `stream` within `within` (reading nothing but the end).
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut byte = [0u8; 1];
    matches!(
        tokio::time::timeout(within, stream.read(&mut byte)).await,
        Ok(Ok(0)) | Ok(Err(_))
    )
}

#[tokio::test]
async fn a_connection_that_never_finishes_its_headers_is_closed() {
    let app = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.server.header_timeout = Duration::from_millis(300);
    })
    .await
    .unwrap();
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .unwrap();
    assert!(closed_within(&mut stream, Duration::from_secs(5)).await);

    // A connection that sends nothing at all goes the same way.
    let mut silent = TcpStream::connect(app.addr).await.unwrap();
    assert!(closed_within(&mut silent, Duration::from_secs(5)).await);
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_after_the_header_timeout() {
    let app = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.server.header_timeout = Duration::from_millis(300);
    })
    .await
    .unwrap();
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    let mut buffer = Vec::new();
    for _ in 0..2 {
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .await
            .unwrap();
        let answer = read_answer(&mut stream, &mut buffer).await.unwrap();
        assert_eq!(answer.status, 200);
        assert!(!answer.closes);
    }
    assert!(closed_within(&mut stream, Duration::from_secs(5)).await);
}

#[tokio::test]
async fn a_body_announced_over_the_limit_is_413_before_it_is_sent() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let signed = app.signup("bigbody").await;
    for (path, host, token) in [
        ("/api/v1/tenants", "localhost", None),
        (
            "/api/v1/projects",
            signed.host.as_str(),
            Some(signed.token.as_str()),
        ),
    ] {
        let mut stream = TcpStream::connect(app.addr).await.unwrap();
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Type: application/json\r\n\
             Content-Length: 2147483648\r\n\r\n{{"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let started = Instant::now();
        let answer = read_answer(&mut stream, &mut Vec::new()).await.unwrap();
        assert!(started.elapsed() < Duration::from_secs(2), "{path}");
        assert_eq!(answer.status, 413, "{path}: {answer:?}");
        assert_eq!(answer.body["error"]["code"], "payload_too_large");
        assert!(answer.closes);
    }
    let projects = app
        .get(&signed.host, "/api/v1/projects", &signed.token)
        .await;
    assert_eq!(projects.body["items"], serde_json::json!([]));
}

#[tokio::test]
async fn a_body_that_stops_short_of_its_length_is_408() {
    let app = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.server.body_timeout = Duration::from_millis(300);
    })
    .await
    .unwrap();
    let signed = app.signup("shortbody").await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /api/v1/projects HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"name\": \"half",
        signed.host, signed.token
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let answer = read_answer(&mut stream, &mut Vec::new()).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(answer.status, 408, "{answer:?}");
    assert_eq!(answer.body["error"]["code"], "request_timeout");
    let projects = app
        .get(&signed.host, "/api/v1/projects", &signed.token)
        .await;
    assert_eq!(projects.body["items"], serde_json::json!([]));
}

/// A `taskflow-app serve` process on a fresh SQLite file, and its address.
async fn serve_process(
    dir: &std::path::Path,
    extra: &[(&str, &str)],
) -> (std::process::Child, String) {
    let url = format!("sqlite://{}", dir.join("server.db").display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--no-demo"])
        .env("DATABASE_URL", &url)
        .env("TASKFLOW_BIND", &addr)
        .env(
            "TASKFLOW_JWT_SECRET",
            "a server test secret that is long enough",
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (name, value) in extra {
        command.env(name, value);
    }
    let child = command.spawn().unwrap();
    let started = Instant::now();
    loop {
        if let Ok(mut stream) = TcpStream::connect(&addr).await {
            stream
                .write_all(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n")
                .await
                .unwrap();
            if let Some(answer) = read_answer(&mut stream, &mut Vec::new()).await {
                assert_eq!(answer.status, 200);
                break;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(20), "never ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (child, addr)
}

/// Sends SIGTERM to `child` and waits up to `within` for it to exit; its exit status.
async fn terminate(
    child: &mut std::process::Child,
    within: Duration,
) -> Option<std::process::ExitStatus> {
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    while started.elapsed() < within {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = child.kill();
    None
}

#[tokio::test]
async fn sigterm_answers_every_request_sent_on_kept_alive_connections() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr) = serve_process(dir.path(), &[("TASKFLOW_DRAIN_MS", "1500")]).await;
    // 32 kept-alive connections, each sending its next request as soon as the previous one
    // is answered, until an answer says the connection closes.
    let mut clients = Vec::new();
    for _ in 0..32 {
        let mut stream = TcpStream::connect(&addr).await.unwrap();
        clients.push(tokio::spawn(async move {
            let (mut sent, mut answered) = (0u32, 0u32);
            let mut buffer = Vec::new();
            loop {
                if stream
                    .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    .await
                    .is_err()
                {
                    break;
                }
                sent += 1;
                match read_answer(&mut stream, &mut buffer).await {
                    Some(answer) => {
                        assert_eq!(answer.status, 200);
                        answered += 1;
                        if answer.closes {
                            break;
                        }
                    }
                    None => break,
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            (sent, answered)
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let status = terminate(&mut child, Duration::from_secs(10)).await;
    let (mut sent, mut answered) = (0, 0);
    for client in clients {
        let (s, a) = client.await.unwrap();
        sent += s;
        answered += a;
    }
    assert!(sent > 32 * 5, "the clients sent {sent} requests");
    assert_eq!(answered, sent, "requests sent but never answered");
    let status = status.expect("the server exits within its drain and grace");
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn sigterm_does_not_wait_on_a_connection_stuck_in_its_headers() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr) = serve_process(
        dir.path(),
        &[
            ("TASKFLOW_HEADER_TIMEOUT_MS", "1000"),
            ("TASKFLOW_DRAIN_MS", "200"),
        ],
    )
    .await;
    let mut stuck = TcpStream::connect(&addr).await.unwrap();
    stuck
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: local")
        .await
        .unwrap();
    let started = Instant::now();
    let status = terminate(&mut child, Duration::from_secs(8))
        .await
        .expect("SIGTERM stops the server while a connection is stuck");
    assert!(status.success(), "{status:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}
