//! Per-tenant limits behind the real tenant layer, over a real SQLite store: one tenant's flood
//! and one tenant's pile of slow requests cost that tenant alone, and every refusal is a 429
//! with `Retry-After` in the contract's JSON shape.
#![cfg(all(feature = "axum", feature = "sqlite"))]

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::routing::get;
use http::{Request, StatusCode, header};
use serde_json::Value as Json;
use taskflow_tenancy::testkit::{self, SqliteDb};
use taskflow_tenancy::web::layer::TenantLayer;
use taskflow_tenancy::web::limit::{TenantLimitLayer, TenantLimits};
use taskflow_tenancy::web::resolve::{SubdomainResolver, TenantCache};
use taskflow_tenancy::{AdminCapability, TenantDb, TenantScope};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;

/// Lets the test hold slow requests inside the handler and see them arrive.
#[derive(Clone)]
struct Gate {
    open: watch::Receiver<bool>,
    entered: mpsc::UnboundedSender<String>,
}

async fn fast(scope: TenantScope) -> String {
    scope.tenant().subdomain.clone()
}

async fn slow(State(gate): State<Gate>, scope: TenantScope) -> String {
    let subdomain = scope.tenant().subdomain.clone();
    gate.entered.send(subdomain.clone()).unwrap();
    let mut open = gate.open.clone();
    open.wait_for(|open| *open).await.unwrap();
    subdomain
}

struct Fixture {
    _db: SqliteDb,
    app: Router,
    open: watch::Sender<bool>,
    entered: mpsc::UnboundedReceiver<String>,
}

async fn fixture(limits: TenantLimits) -> Fixture {
    let db = testkit::sqlite().await.unwrap();
    let store = TenantDb::new(db.pool.clone());
    store.migrate().await.unwrap();
    let admin = AdminCapability::grant("limit-tests", "two tenants to limit").unwrap();
    store.create(&admin, "Acme", "acme").await.unwrap();
    store.create(&admin, "Globex", "globex").await.unwrap();

    let (open, open_rx) = watch::channel(false);
    let (entered_tx, entered) = mpsc::unbounded_channel();
    let tenants = TenantLayer::new(
        SubdomainResolver::new("localhost").unwrap(),
        TenantCache::new(store),
    );
    let app = Router::new()
        .route("/fast", get(fast))
        .route("/slow", get(slow))
        // Added first, so it runs inside the tenant layer and sees the scope.
        .layer(TenantLimitLayer::new(limits))
        .layer(tenants)
        .with_state(Gate {
            open: open_rx,
            entered: entered_tx,
        });
    Fixture {
        _db: db,
        app,
        open,
        entered,
    }
}

fn get_on(path: &str, subdomain: &str) -> Request<Body> {
    Request::get(path)
        .header(header::HOST, format!("{subdomain}.localhost:8080"))
        .body(Body::empty())
        .unwrap()
}

struct Answer {
    subdomain: &'static str,
    status: StatusCode,
    retry_after: Option<u64>,
    body: Vec<u8>,
}

async fn send(app: Router, path: &'static str, subdomain: &'static str) -> Answer {
    let response = app.oneshot(get_on(path, subdomain)).await.unwrap();
    let status = response.status();
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .unwrap()
        .to_vec();
    Answer {
        subdomain,
        status,
        retry_after,
        body,
    }
}

fn assert_rate_limited(answer: &Answer) {
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        answer.retry_after.is_some_and(|s| s >= 1),
        "Retry-After missing or 0"
    );
    let json: Json = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(json["error"]["code"], "rate_limited", "{json}");
    assert!(json["error"]["message"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_tenants_flood_is_refused_while_another_tenant_is_served() {
    let (rate, burst) = (5, 10);
    let fx = fixture(TenantLimits::per_second(rate).with_burst(burst)).await;
    let started = Instant::now();
    let mut requests = JoinSet::new();
    for i in 0..60 {
        requests.spawn(send(fx.app.clone(), "/fast", "acme"));
        // Globex sends at the same time, within its own burst.
        if i % 6 == 0 {
            requests.spawn(send(fx.app.clone(), "/fast", "globex"));
        }
    }
    let answers = requests.join_all().await;
    let elapsed = started.elapsed().as_secs_f64();

    let (acme, globex): (Vec<_>, Vec<_>) = answers.iter().partition(|a| a.subdomain == "acme");
    assert_eq!(globex.len(), 10);
    for answer in &globex {
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "globex was limited by acme's flood"
        );
        assert_eq!(answer.body, b"globex");
    }
    let admitted = acme.iter().filter(|a| a.status == StatusCode::OK).count();
    let refused: Vec<_> = acme.iter().filter(|a| a.status != StatusCode::OK).collect();
    // The burst, plus what the rate refilled while the flood lasted.
    let allowed = burst as f64 + rate as f64 * elapsed + 1.0;
    assert!(
        admitted >= burst as usize,
        "only {admitted} of the burst admitted"
    );
    assert!(
        (admitted as f64) <= allowed,
        "{admitted} admitted in {elapsed:.2} s, at most {allowed:.1} allowed"
    );
    assert_eq!(admitted + refused.len(), 60);
    for answer in refused {
        assert_rate_limited(answer);
    }
}

#[tokio::test]
async fn the_budget_refills_at_the_configured_rate() {
    let fx = fixture(TenantLimits::per_second(4).with_burst(1)).await;
    assert_eq!(
        send(fx.app.clone(), "/fast", "acme").await.status,
        StatusCode::OK
    );
    let refused = send(fx.app.clone(), "/fast", "acme").await;
    assert_rate_limited(&refused);
    assert_eq!(refused.retry_after, Some(1));
    // One request per 250 ms comes back.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        send(fx.app.clone(), "/fast", "acme").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn rate_zero_turns_the_limit_off() {
    let fx = fixture(TenantLimits::per_second(0)).await;
    assert!(TenantLimits::per_second(0).is_off());
    for _ in 0..300 {
        assert_eq!(
            send(fx.app.clone(), "/fast", "acme").await.status,
            StatusCode::OK
        );
    }
}

/// The request over the cap is refused at once (not queued) while the tenant's other
/// requests are in flight; another tenant's requests are admitted meanwhile, and the tenant is
/// served again as soon as its requests finish.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_concurrency_cap_holds_per_tenant() {
    let mut fx = fixture(TenantLimits::off().with_max_concurrent(2)).await;
    let mut held = JoinSet::new();
    for subdomain in ["acme", "acme", "globex", "globex"] {
        held.spawn(send(fx.app.clone(), "/slow", subdomain));
    }
    let mut inside = Vec::new();
    for _ in 0..4 {
        let entered = tokio::time::timeout(Duration::from_secs(10), fx.entered.recv());
        inside.push(
            entered
                .await
                .expect("a slow request never reached the handler")
                .unwrap(),
        );
    }
    inside.sort();
    assert_eq!(inside, ["acme", "acme", "globex", "globex"]);

    // Acme's third request, fast or slow, is refused at once.
    for path in ["/fast", "/slow"] {
        let refused =
            tokio::time::timeout(Duration::from_secs(5), send(fx.app.clone(), path, "acme"))
                .await
                .expect("the request over the cap was queued, not refused");
        assert_rate_limited(&refused);
        assert_eq!(refused.retry_after, Some(1));
    }
    // Globex got two slots of its own beside acme's two; its third is refused by its own count.
    assert_rate_limited(&send(fx.app.clone(), "/fast", "globex").await);

    fx.open.send(true).unwrap();
    for answer in held.join_all().await {
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.body, answer.subdomain.as_bytes());
    }
    // The slots are back.
    for subdomain in ["acme", "acme", "acme", "globex"] {
        assert_eq!(
            send(fx.app.clone(), "/fast", subdomain).await.status,
            StatusCode::OK
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_tenant_at_its_cap_leaves_another_tenant_unaffected() {
    let mut fx = fixture(TenantLimits::off().with_max_concurrent(1)).await;
    let held = tokio::spawn(send(fx.app.clone(), "/slow", "acme"));
    assert_eq!(fx.entered.recv().await.as_deref(), Some("acme"));

    assert_rate_limited(&send(fx.app.clone(), "/fast", "acme").await);
    for _ in 0..20 {
        let answer = send(fx.app.clone(), "/fast", "globex").await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.body, b"globex");
    }

    fx.open.send(true).unwrap();
    assert_eq!(held.await.unwrap().status, StatusCode::OK);
    assert_eq!(
        send(fx.app.clone(), "/fast", "acme").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn requests_the_tenant_layer_refuses_never_reach_the_limiter() {
    let fx = fixture(TenantLimits::per_second(1).with_burst(1)).await;
    for _ in 0..5 {
        let answer = send(fx.app.clone(), "/fast", "nobody").await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND);
        let json: Json = serde_json::from_slice(&answer.body).unwrap();
        assert_eq!(json["error"]["code"], "tenant_not_found");
    }
    // Acme's single token is untouched by the unknown host's requests.
    assert_eq!(
        send(fx.app.clone(), "/fast", "acme").await.status,
        StatusCode::OK
    );
}
