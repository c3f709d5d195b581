//! A tenant suspended through one process is refused by every process of the deployment from
//! the moment the operator's call has answered: the change goes to the others through Redis
//! pub/sub, and the call waits for their acknowledgements. Cut off from Redis, a process
//! trusts its cache for one second only. Needs `TASKFLOW_TEST_REDIS_URL`.

use std::time::{Duration, Instant};

use hyper::{Method, StatusCode};
use serde_json::json;
use taskflow_tenancy::testkit;

use crate::helpers::{ADMIN_TOKEN, Backend, Signed, TestApp};
use crate::queue::{Relay, prefix};

/// Two processes on one database and one Redis prefix, and a tenant both have cached.
pub(crate) async fn two_processes(redis_a: String, redis_b: String) -> (TestApp, TestApp, Signed) {
    let prefix = prefix();
    let prefix_b = prefix.clone();
    let a = TestApp::spawn_with(Backend::Sqlite, move |config| {
        config.redis_url = Some(redis_a);
        config.redis_prefix = prefix;
    })
    .await
    .expect("SQLite always runs");
    let b = a
        .twin(move |config| {
            config.redis_url = Some(redis_b);
            config.redis_prefix = prefix_b;
        })
        .await;
    let acme = a.signup("acme").await;
    for app in [&a, &b] {
        let me = app.get(&acme.host, "/api/v1/me", &acme.token).await;
        assert_eq!(me.status, StatusCode::OK, "{:?}", me.body);
    }
    (a, b, acme)
}

async fn set_active(app: &TestApp, tenant: &Signed, active: bool) {
    let path = format!("/api/v1/admin/tenants/{}", tenant.tenant_id);
    let answer = app
        .send(
            Method::PATCH,
            "localhost",
            &path,
            Some(ADMIN_TOKEN),
            Some(json!({ "is_active": active })),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
}

#[tokio::test]
async fn a_suspension_through_one_process_holds_on_the_other_at_its_next_request() {
    let Some(redis) = testkit::redis_url() else {
        return;
    };
    let (a, b, acme) = two_processes(redis.clone(), redis).await;
    // The other process subscribes on a task of its own: give it a moment to be listening.
    tokio::time::sleep(Duration::from_millis(300)).await;
    set_active(&a, &acme, false).await;
    let me = b.get(&acme.host, "/api/v1/me", &acme.token).await;
    assert_eq!(me.status, StatusCode::FORBIDDEN, "{:?}", me.body);
    assert_eq!(me.code(), "tenant_suspended");

    set_active(&b, &acme, true).await;
    let me = a.get(&acme.host, "/api/v1/me", &acme.token).await;
    assert_eq!(me.status, StatusCode::OK, "{:?}", me.body);
}

#[tokio::test]
async fn a_process_cut_off_from_redis_sees_a_suspension_within_a_second() {
    let Some(redis) = testkit::redis_url() else {
        return;
    };
    let relay = Relay::to(&redis).await;
    let cut_off = format!("redis://127.0.0.1:{}", relay.port);
    let (a, b, acme) = two_processes(redis, cut_off).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    relay.cut().await;
    set_active(&a, &acme, false).await;
    let suspended = Instant::now();
    loop {
        let me = b.get(&acme.host, "/api/v1/me", &acme.token).await;
        if me.status == StatusCode::FORBIDDEN {
            break;
        }
        assert_eq!(me.status, StatusCode::OK, "{:?}", me.body);
        assert!(
            suspended.elapsed() < Duration::from_secs(3),
            "the cut-off process still serves the suspended tenant"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
