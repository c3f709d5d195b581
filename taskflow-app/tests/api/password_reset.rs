//! Password reset: the link goes by mail through a real SMTP server (Python's `smtpd`) to the
//! account's own address, works once and within the hour, ends every session, answers alike
//! for every email, is throttled, and works in its own tenant only.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper::{Method, StatusCode};
use serde_json::json;
use taskflow_app::model::{PasswordReset, PasswordResetPatch};

use crate::helpers::{Answer, TestApp};

api_tests!(
    a_mailed_link_resets_the_password_once_and_ends_every_session,
    a_reset_answers_alike_for_every_email_and_mails_only_accounts,
    a_reset_link_expires_and_works_in_its_own_tenant_only,
    reset_requests_are_throttled,
);

/// An SMTP server on a port of its own that keeps every message it receives.
struct SmtpSink {
    child: Child,
    port: u16,
    output: Arc<Mutex<String>>,
}

impl SmtpSink {
    fn start() -> SmtpSink {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new("python3")
            .args([
                "-W",
                "ignore",
                "-u",
                "-m",
                "smtpd",
                "-n",
                "-c",
                "DebuggingServer",
            ])
            .arg(format!("127.0.0.1:{port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs an SMTP server (module smtpd)");
        let output = Arc::new(Mutex::new(String::new()));
        let stdout = child.stdout.take().unwrap();
        let sink = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // Each line of a message comes as a Python bytes literal: b'...'.
                let line = line
                    .strip_prefix("b'")
                    .and_then(|l| l.strip_suffix('\''))
                    .unwrap_or(&line)
                    .to_owned();
                let mut all = sink.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the SMTP server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpSink {
            child,
            port,
            output,
        }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message so far, decoded from quoted-printable.
    fn messages(&self) -> Vec<String> {
        let all = self.output.lock().unwrap().clone();
        all.split("---------- MESSAGE FOLLOWS ----------")
            .skip(1)
            .map(|m| {
                quoted_printable(
                    m.split("------------ END MESSAGE ------------")
                        .next()
                        .unwrap(),
                )
            })
            .collect()
    }

    /// Waits for the `n`th message (counting from 1).
    async fn message(&self, n: usize) -> String {
        let started = Instant::now();
        loop {
            if let Some(message) = self.messages().get(n - 1) {
                return message.clone();
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no mail number {n}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Soft line breaks joined, `=XX` decoded: enough for the ASCII mail the app sends.
fn quoted_printable(text: &str) -> String {
    let joined = text.replace("=\n", "");
    let mut out = String::new();
    let mut chars = joined.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '=' {
            let hex: String = chars.by_ref().take(2).collect();
            match u8::from_str_radix(&hex, 16) {
                Ok(byte) => out.push(byte as char),
                Err(_) => {
                    out.push('=');
                    out.push_str(&hex);
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The token of the reset link in `message`.
fn token_in(message: &str, host: &str) -> String {
    let marker = format!("http://{host}/reset-password#token=");
    let start = message
        .find(&marker)
        .unwrap_or_else(|| panic!("no link in {message}"))
        + marker.len();
    message[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

async fn anonymous(app: &TestApp, host: &str, path: &str, body: serde_json::Value) -> Answer {
    app.send(Method::POST, host, path, None, Some(body)).await
}

async fn a_mailed_link_resets_the_password_once_and_ends_every_session(app: TestApp) {
    let smtp = SmtpSink::start();
    let app = app.twin(|config| config.smtp_url = Some(smtp.url())).await;
    let acme = app.signup("acme").await;
    let (_, old_session) = app.add_user(&acme, "ada@acme.example", "member").await;
    let asked = anonymous(
        &app,
        &acme.host,
        "/api/v1/auth/password-reset",
        json!({ "email": "ADA@acme.example" }),
    )
    .await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{:?}", asked.body);
    assert_eq!(asked.body["valid_minutes"], 60);
    let message = smtp.message(1).await;
    assert!(message.contains("To: ada@acme.example"), "{message}");
    assert!(
        message.contains("Reset your acme Inc. password"),
        "{message}"
    );
    let token = token_in(&message, &acme.host);
    assert_eq!(token.len(), 43, "{message}");

    let weak = anonymous(
        &app,
        &acme.host,
        "/api/v1/auth/password-reset/confirm",
        json!({ "token": token, "password": "short" }),
    )
    .await;
    assert_eq!(
        weak.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        weak.body
    );
    let done = anonymous(
        &app,
        &acme.host,
        "/api/v1/auth/password-reset/confirm",
        json!({ "token": token, "password": "a brand new one" }),
    )
    .await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{:?}", done.body);
    // Every session of the account ended; the new password works, the old one not.
    assert_eq!(
        app.get(&acme.host, "/api/v1/me", &old_session).await.status,
        StatusCode::UNAUTHORIZED
    );
    let old = anonymous(
        &app,
        &acme.host,
        "/api/v1/auth/login",
        json!({ "email": "ada@acme.example", "password": "password1" }),
    )
    .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let new = anonymous(
        &app,
        &acme.host,
        "/api/v1/auth/login",
        json!({ "email": "ada@acme.example", "password": "a brand new one" }),
    )
    .await;
    assert_eq!(new.status, StatusCode::OK, "{:?}", new.body);
    // Once.
    let again = anonymous(
        &app,
        &acme.host,
        "/api/v1/auth/password-reset/confirm",
        json!({ "token": token, "password": "yet another one" }),
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{:?}", again.body);
    assert_eq!(again.code(), "not_found");
}

async fn a_reset_answers_alike_for_every_email_and_mails_only_accounts(app: TestApp) {
    let smtp = SmtpSink::start();
    let app = app.twin(|config| config.smtp_url = Some(smtp.url())).await;
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let unknown = anonymous(
        &app,
        &acme.host,
        "/api/v1/auth/password-reset",
        json!({ "email": "nobody@acme.example" }),
    )
    .await;
    // Globex's owner is no account of Acme's.
    let other = anonymous(
        &app,
        &acme.host,
        "/api/v1/auth/password-reset",
        json!({ "email": "owner@globex.example" }),
    )
    .await;
    let known = anonymous(
        &app,
        &acme.host,
        "/api/v1/auth/password-reset",
        json!({ "email": "owner@acme.example" }),
    )
    .await;
    for answer in [&unknown, &other, &known] {
        assert_eq!(answer.status, StatusCode::ACCEPTED);
        assert_eq!(answer.body, known.body);
    }
    let message = smtp.message(1).await;
    assert!(message.contains("To: owner@acme.example"), "{message}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().len(), 1, "{:?}", smtp.messages());
    let _ = globex;
}

async fn a_reset_link_expires_and_works_in_its_own_tenant_only(app: TestApp) {
    let smtp = SmtpSink::start();
    let app = app.twin(|config| config.smtp_url = Some(smtp.url())).await;
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    anonymous(
        &app,
        &acme.host,
        "/api/v1/auth/password-reset",
        json!({ "email": "owner@acme.example" }),
    )
    .await;
    let token = token_in(&smtp.message(1).await, &acme.host);
    // On Globex's host the token is nobody's.
    let crossed = anonymous(
        &app,
        &globex.host,
        "/api/v1/auth/password-reset/confirm",
        json!({ "token": token, "password": "taken over" }),
    )
    .await;
    assert_eq!(crossed.status, StatusCode::NOT_FOUND, "{:?}", crossed.body);
    let globex_login = anonymous(
        &app,
        &globex.host,
        "/api/v1/auth/login",
        json!({ "email": "owner@globex.example", "password": "password1" }),
    )
    .await;
    assert_eq!(globex_login.status, StatusCode::OK);
    // Asked an hour and a minute ago, as far as the database knows: it no longer works.
    let scope = app.db.scope_by_subdomain("acme").await.unwrap();
    let mut tx = app.db.begin(&scope).await.unwrap();
    let expired = PasswordResetPatch {
        expires_at: Some(taskflow_app::model::now() - chrono::Duration::minutes(1)),
        ..PasswordResetPatch::default()
    };
    let moved = PasswordReset::scoped(&mut tx)
        .filter(PasswordReset::EXPIRES_AT.gt(taskflow_app::model::now()))
        .update(&expired)
        .await
        .unwrap();
    assert_eq!(moved, 1);
    tx.commit().await.unwrap();
    let late = anonymous(
        &app,
        &acme.host,
        "/api/v1/auth/password-reset/confirm",
        json!({ "token": token, "password": "too late now" }),
    )
    .await;
    assert_eq!(late.status, StatusCode::NOT_FOUND, "{:?}", late.body);
    let still = anonymous(
        &app,
        &acme.host,
        "/api/v1/auth/login",
        json!({ "email": "owner@acme.example", "password": "password1" }),
    )
    .await;
    assert_eq!(still.status, StatusCode::OK);
}

async fn reset_requests_are_throttled(app: TestApp) {
    let acme = app.signup("acme").await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let answer = anonymous(
            &app,
            &acme.host,
            "/api/v1/auth/password-reset",
            json!({ "email": "owner@acme.example" }),
        )
        .await;
        statuses.push(answer.status);
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(answer.code(), "rate_limited");
            assert!(answer.headers.contains_key("retry-after"));
        }
    }
    assert_eq!(&statuses[..5], &[StatusCode::ACCEPTED; 5]);
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);
}

/// One HTTP/1.1 exchange with `Connection: close`: the status and the body.
fn exchange(addr: &str, host: &str, path: &str, body: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// Without `TASKFLOW_SMTP_URL` the `serve` process writes the mail, link included, to its log.
#[tokio::test]
async fn without_a_mail_server_the_link_is_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_taskflow-app"))
        .args(["serve", "--no-demo"])
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("t.db").display()),
        )
        .env("TASKFLOW_BIND", &addr)
        .env(
            "TASKFLOW_JWT_SECRET",
            "a mail test secret that is long enough",
        )
        .env_remove("TASKFLOW_SMTP_URL")
        .env_remove("REDIS_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let output = Arc::new(Mutex::new(String::new()));
    let stdout = child.stdout.take().unwrap();
    let sink = output.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            sink.lock().unwrap().push_str(&(line + "\n"));
        }
    });
    let started = Instant::now();
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "never listened"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let signup = r#"{"name":"Acme","subdomain":"acme","owner":{"email":"owner@acme.example","name":"Owner","password":"password1"}}"#;
    assert_eq!(
        exchange(&addr, "localhost", "/api/v1/tenants", signup).0,
        201
    );
    let (status, _) = exchange(
        &addr,
        "acme.localhost",
        "/api/v1/auth/password-reset",
        r#"{"email":"owner@acme.example"}"#,
    );
    assert_eq!(status, 202);
    let mut token = String::new();
    while token.is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no link in the log: {}",
            output.lock().unwrap()
        );
        let log = output.lock().unwrap().clone();
        if let Some(at) = log.find("reset-password#token=") {
            token = log[at + "reset-password#token=".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        output
            .lock()
            .unwrap()
            .contains("http://acme.localhost/reset-password#token=")
    );
    let confirm = format!(r#"{{"token":"{token}","password":"from the log"}}"#);
    let (status, body) = exchange(
        &addr,
        "acme.localhost",
        "/api/v1/auth/password-reset/confirm",
        &confirm,
    );
    assert_eq!(status, 204, "{body}");
    let _ = child.kill();
    let _ = child.wait();
}
