//! Under concurrency a request sees only its own tenant: a real axum server on a loopback port,
//! a real SQLite file with 100 tenants, 10,000 requests over 64 keep-alive connections that
//! each switch tenants from one request to the next, and handlers that sleep and yield at
//! random so that requests of different tenants interleave on the same worker threads.
#![cfg(all(feature = "axum", feature = "sqlite"))]

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use rand::Rng;
use serde_json::{Value as Json, json};
use taskflow_tenancy::web::layer::{TenantLayer, current_tenant_for_logs, spawn_scoped};
use taskflow_tenancy::web::resolve::{SubdomainResolver, TenantCache};
use taskflow_tenancy::{AdminCapability, TenantDb, TenantId, TenantScope, tenant_scoped};
use uuid::Uuid;

const TENANTS: usize = 100;
const REQUESTS: usize = 10_000;
const CONNECTIONS: usize = 64;

/// One row per tenant, holding the tenant's own subdomain.
#[tenant_scoped(table = "probes")]
#[derive(Debug, Clone)]
pub struct Probe {
    /// The tenant the row belongs to.
    pub tenant_id: TenantId,
    /// The row's key.
    pub id: Uuid,
    /// The subdomain of the tenant that wrote it.
    pub subdomain: String,
}

#[derive(Clone)]
struct AppState {
    db: TenantDb<sqlx::Sqlite>,
    in_flight: Arc<AtomicUsize>,
    peak_in_flight: Arc<AtomicUsize>,
}

/// A random pause of up to 1.5 ms, or just a yield.
async fn jitter() {
    let micros = rand::rng().random_range(0..1_500u64);
    if micros < 300 {
        tokio::task::yield_now().await;
    } else {
        tokio::time::sleep(Duration::from_micros(micros)).await;
    }
}

async fn probe(State(state): State<AppState>, scope: TenantScope) -> axum::Json<Json> {
    let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    state.peak_in_flight.fetch_max(now, Ordering::SeqCst);

    jitter().await;
    let logged_before = current_tenant_for_logs();
    jitter().await;
    // A read connection for this request's tenant, held only for the query, as the pool
    // connection was before: requests keep overlapping while they wait on their jitter.
    let mut tx = state.db.begin_read(&scope).await.unwrap();
    assert_eq!(tx.tenant_id(), scope.tenant_id());
    let row = Probe::scoped(&mut tx).fetch_one().await.unwrap();
    tx.commit().await.unwrap();
    jitter().await;
    let spawned = spawn_scoped(scope.clone(), |scope| async move {
        jitter().await;
        (scope.tenant_id(), current_tenant_for_logs())
    })
    .await
    .unwrap();
    tokio::task::yield_now().await;
    let logged_after = current_tenant_for_logs();

    state.in_flight.fetch_sub(1, Ordering::SeqCst);
    axum::Json(json!({
        "scope": scope.tenant_id(),
        "task_local": logged_before,
        "task_local_after_awaits": logged_after,
        "db": row.tenant_id,
        "db_subdomain": row.subdomain,
        "spawned": spawned.0,
        "spawned_task_local": spawned.1,
    }))
}

#[derive(Default)]
struct Counts {
    sent: usize,
    ok: usize,
    mismatches: usize,
    errors: usize,
    tenants_per_connection_min: usize,
}

/// One keep-alive connection sending `count` requests, each for a random tenant.
async fn client(
    addr: std::net::SocketAddr,
    count: usize,
    tenants: Arc<Vec<(String, TenantId)>>,
) -> Counts {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    let driver = tokio::spawn(connection);
    let mut counts = Counts::default();
    let mut seen = HashSet::new();
    for _ in 0..count {
        let (subdomain, id) = &tenants[rand::rng().random_range(0..tenants.len())];
        seen.insert(*id);
        let request = Request::get("/probe")
            .header("host", format!("{subdomain}.localhost:{}", addr.port()))
            .body(Empty::<Bytes>::new())
            .unwrap();
        counts.sent += 1;
        let answer = async {
            sender.ready().await.ok()?;
            let response = sender.send_request(request).await.ok()?;
            let status = response.status();
            let body = response.into_body().collect().await.ok()?.to_bytes();
            Some((status, serde_json::from_slice::<Json>(&body).ok()?))
        };
        match answer.await {
            Some((StatusCode::OK, body)) => {
                let id = json!(id);
                let all_agree = [
                    "scope",
                    "task_local",
                    "task_local_after_awaits",
                    "db",
                    "spawned",
                    "spawned_task_local",
                ]
                .iter()
                .all(|field| body[field] == id)
                    && body["db_subdomain"] == subdomain.as_str();
                if all_agree {
                    counts.ok += 1;
                } else {
                    counts.mismatches += 1;
                    eprintln!("mismatch for {subdomain} ({id}): {body}");
                }
            }
            Some((status, body)) => {
                counts.errors += 1;
                eprintln!("{subdomain}: {status} {body}");
            }
            None => counts.errors += 1,
        }
    }
    drop(sender);
    driver.await.unwrap().unwrap();
    counts.tenants_per_connection_min = seen.len();
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_requests_over_64_connections_each_see_only_their_own_tenant() {
    let file = taskflow_tenancy::testkit::sqlite().await.unwrap();
    let db = TenantDb::new(file.pool.clone());
    db.migrate().await.unwrap();
    sqlx::query(
        "CREATE TABLE probes (tenant_id BLOB NOT NULL REFERENCES tenants (id), \
         id BLOB NOT NULL, subdomain TEXT NOT NULL, PRIMARY KEY (tenant_id, id))",
    )
    .execute(db.pool())
    .await
    .unwrap();
    let admin = AdminCapability::grant("tests", "concurrency fixture tenants").unwrap();
    let mut tenants = Vec::with_capacity(TENANTS);
    for n in 0..TENANTS {
        let subdomain = format!("tenant{n:03}");
        let tenant = db
            .create(&admin, &format!("Tenant {n}"), &subdomain)
            .await
            .unwrap();
        let scope = db.scope(tenant.id).await.unwrap();
        let mut tx = db.begin(&scope).await.unwrap();
        Probe::scoped(&mut tx)
            .insert(NewProbe {
                id: Uuid::now_v7(),
                subdomain: subdomain.clone(),
            })
            .await
            .unwrap();
        tx.commit().await.unwrap();
        tenants.push((subdomain, tenant.id));
    }
    let tenants = Arc::new(tenants);

    let state = AppState {
        db: db.clone(),
        in_flight: Arc::default(),
        peak_in_flight: Arc::default(),
    };
    let cache = TenantCache::new(db.clone());
    let app = Router::new()
        .route("/probe", get(probe))
        .layer(TenantLayer::new(
            SubdomainResolver::new("localhost").unwrap(),
            cache,
        ))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                stopped.await.ok();
            })
            .await
            .unwrap();
    });

    let started = Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for c in 0..CONNECTIONS {
        let count = REQUESTS / CONNECTIONS + usize::from(c < REQUESTS % CONNECTIONS);
        clients.spawn(client(addr, count, Arc::clone(&tenants)));
    }
    let mut total = Counts {
        tenants_per_connection_min: usize::MAX,
        ..Counts::default()
    };
    let mut connections = 0;
    while let Some(counts) = clients.join_next().await {
        let counts = counts.unwrap();
        connections += 1;
        total.sent += counts.sent;
        total.ok += counts.ok;
        total.mismatches += counts.mismatches;
        total.errors += counts.errors;
        total.tenants_per_connection_min = total
            .tenants_per_connection_min
            .min(counts.tenants_per_connection_min);
    }
    let elapsed = started.elapsed();
    stop.send(()).unwrap();
    server.await.unwrap();

    let peak = state.peak_in_flight.load(Ordering::SeqCst);
    let per_tenant: HashMap<_, _> = tenants.iter().map(|(s, id)| (id, s)).collect();
    println!(
        "{} requests for {} tenants over {connections} connections in {elapsed:.2?}: \
         {} ok, {} mismatches, {} errors; peak {peak} requests in flight; \
         every connection carried at least {} different tenants",
        total.sent,
        per_tenant.len(),
        total.ok,
        total.mismatches,
        total.errors,
        total.tenants_per_connection_min,
    );
    assert_eq!(connections, CONNECTIONS);
    assert_eq!(total.sent, REQUESTS);
    assert_eq!(total.mismatches, 0, "a request saw another tenant");
    assert_eq!(total.errors, 0);
    assert_eq!(total.ok, REQUESTS);
    // The requests really overlapped, and connections really switched tenants.
    assert!(
        peak >= 16,
        "only {peak} requests were ever in flight at once"
    );
    assert!(total.tenants_per_connection_min > 10);
}
