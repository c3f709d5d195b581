//! Live updates over server-sent events: a tenant's stream hears its own writes once they
//! committed, from this process and, through Redis, from another; never another tenant's, and
//! never a write that failed.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

use crate::helpers::{Signed, TestApp};

api_tests!(
    a_stream_hears_its_tenants_writes_and_no_other_tenants,
    a_failed_write_tells_nothing,
);

/// An open event stream, and what has arrived on it.
struct Stream {
    body: Incoming,
    buffer: String,
}

impl Stream {
    async fn open(addr: std::net::SocketAddr, who: &Signed) -> Stream {
        let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
        let request = Request::get(format!("http://{addr}/api/v1/events"))
            .header(HOST, &who.host)
            .header(AUTHORIZATION, format!("Bearer {}", who.token))
            .body(Empty::new())
            .unwrap();
        let response = client.request(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[CONTENT_TYPE], "text/event-stream");
        let mut stream = Stream {
            body: response.into_body(),
            buffer: String::new(),
        };
        let (name, _) = stream
            .next(Duration::from_secs(5))
            .await
            .expect("a ready event");
        assert_eq!(name, "ready");
        stream
    }

    /// The next event (name and data) within `wait`, keep-alive comments skipped.
    async fn next(&mut self, wait: Duration) -> Option<(String, Value)> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut name = String::from("message");
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("event:") {
                        name = value.trim().to_owned();
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data.push_str(value.trim());
                    }
                }
                if data.is_empty() && name == "message" {
                    continue;
                }
                return Some((name, serde_json::from_str(&data).unwrap_or(Value::Null)));
            }
            let frame = tokio::time::timeout_at(deadline, self.body.frame())
                .await
                .ok()??;
            if let Ok(data) = frame.unwrap().into_data() {
                self.buffer.push_str(&String::from_utf8_lossy(&data));
            }
        }
    }
}

async fn a_stream_hears_its_tenants_writes_and_no_other_tenants(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let (_, member) = app.add_user(&acme, "m@acme.example", "member").await;
    let project = app.project(&acme, "Rocket").await;
    let theirs = app.project(&globex, "Rocket").await;
    let mut acme_stream = Stream::open(app.addr, &acme).await;
    let mut globex_stream = Stream::open(app.addr, &globex).await;

    // Globex writes first: Acme's stream hears none of it.
    let hidden = app.task(&globex, &theirs, "Globex secret").await;
    let (name, data) = globex_stream
        .next(Duration::from_secs(2))
        .await
        .expect("globex hears its own");
    assert_eq!(name, "task.created");
    assert_eq!(data["task_id"], hidden.as_str());

    // A member of Acme creates, moves and deletes a task: Acme's stream hears each, in order.
    let tasks = format!("/api/v1/projects/{project}/tasks");
    let created = app
        .post(&acme.host, &tasks, &member, json!({ "title": "Launch" }))
        .await;
    let task = created.body["id"].as_str().unwrap().to_owned();
    app.patch(
        &acme.host,
        &format!("/api/v1/tasks/{task}"),
        &member,
        json!({ "status": "done" }),
    )
    .await;
    app.delete(&acme.host, &format!("/api/v1/tasks/{task}"), &member)
        .await;
    let mut heard = Vec::new();
    for _ in 0..3 {
        heard.push(
            acme_stream
                .next(Duration::from_secs(2))
                .await
                .expect("within 2 s"),
        );
    }
    let names: Vec<&str> = heard.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["task.created", "task.updated", "task.deleted"]);
    assert_eq!(heard[1].1["task"]["status"], "done");
    assert_eq!(heard[1].1["project_id"], project.as_str());
    assert_eq!(heard[2].1["task"], Value::Null);
    for (_, data) in &heard {
        assert_eq!(data["task_id"], task.as_str());
        assert!(!data.to_string().contains("Globex"), "{data}");
    }
    // Project events too.
    app.delete(
        &acme.host,
        &format!("/api/v1/projects/{project}"),
        &acme.token,
    )
    .await;
    let (name, data) = acme_stream.next(Duration::from_secs(2)).await.unwrap();
    assert_eq!(
        (name.as_str(), &data["project_id"]),
        ("project.deleted", &json!(project))
    );
    // Nothing of Acme's reached Globex, and nothing more reached Acme.
    assert!(
        globex_stream
            .next(Duration::from_millis(300))
            .await
            .is_none()
    );
    assert!(acme_stream.next(Duration::from_millis(300)).await.is_none());

    // A stream needs a token of its own tenant.
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let crossed = Request::get(format!("http://{}/api/v1/events", app.addr))
        .header(HOST, &globex.host)
        .header(AUTHORIZATION, format!("Bearer {}", acme.token))
        .body(Empty::new())
        .unwrap();
    assert_eq!(
        client.request(crossed).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    // With Redis, a write through another process reaches this process's streams.
    if let Some(redis) = taskflow_tenancy::testkit::redis_url() {
        let prefix = format!("live-{}", uuid::Uuid::new_v4().simple());
        let here = app
            .twin(|config| {
                config.redis_url = Some(redis.clone());
                config.redis_prefix = prefix.clone();
            })
            .await;
        let there = here
            .twin(|config| {
                config.redis_url = Some(redis.clone());
                config.redis_prefix = prefix.clone();
            })
            .await;
        let mut on_here = Stream::open(here.addr, &acme).await;
        let mut globex_on_here = Stream::open(here.addr, &globex).await;
        // Both subscriptions to Redis are made when each twin starts; give them a moment.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let kept = there.project(&acme, "Garden").await;
        let (name, data) = on_here
            .next(Duration::from_secs(2))
            .await
            .expect("across processes");
        assert_eq!(
            (name.as_str(), &data["project_id"]),
            ("project.created", &json!(kept))
        );
        assert!(
            globex_on_here
                .next(Duration::from_millis(500))
                .await
                .is_none()
        );
    } else {
        assert!(
            std::env::var_os("TASKFLOW_REQUIRE_SERVERS").is_none(),
            "Redis is required"
        );
    }
}

async fn a_failed_write_tells_nothing(app: TestApp) {
    let acme = app.signup("acme").await;
    let project = app.project(&acme, "Rocket").await;
    let task = app.task(&acme, &project, "Launch").await;
    let mut stream = Stream::open(app.addr, &acme).await;
    let path = format!("/api/v1/tasks/{task}");
    let invalid = app
        .patch(&acme.host, &path, &acme.token, json!({ "status": "nope" }))
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let stale = app
        .raw(
            hyper::Method::PATCH,
            &acme.host,
            &path,
            &[
                ("authorization", &format!("Bearer {}", acme.token)),
                ("content-type", "application/json"),
                ("if-match", "\"stale\""),
            ],
            r#"{"title":"x"}"#,
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert!(stream.next(Duration::from_millis(500)).await.is_none());
    app.patch(&acme.host, &path, &acme.token, json!({ "title": "Go" }))
        .await;
    let (name, data) = stream.next(Duration::from_secs(2)).await.unwrap();
    assert_eq!(name, "task.updated");
    assert_eq!(data["task"]["title"], "Go");
}
