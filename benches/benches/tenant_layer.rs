//! Criterion benchmark: what the tenant layer adds to one request, in process (no sockets).
//!
//! Run with `cargo bench -p taskflow-benches --bench tenant_layer`; the figures are in
//! `benches/README.md`.
//!
//! One axum router, driven with `tower::ServiceExt::oneshot`, in four forms:
//! - `bare`: the route alone;
//! - `layer`: behind a `TenantLayer` whose cache already holds the tenant (a warm cache: no
//!   database call), same handler;
//! - `layer_and_extractor`: the same, with the handler taking the `TenantScope` extractor, as
//!   every tenant route does;
//! - `unknown_subdomain`: a host whose subdomain is remembered as unknown, answered 404 by the
//!   layer without reaching the router.
//!
//! `layer` minus `bare` is the added cost per request.

use std::hint::black_box;

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use http::{Request, StatusCode};
use taskflow_tenancy::web::layer::TenantLayer;
use taskflow_tenancy::web::resolve::{SubdomainResolver, TenantCache};
use taskflow_tenancy::{AdminCapability, TenantDb, TenantScope};
use tower::ServiceExt;

async fn plain() -> &'static str {
    "ok"
}

async fn scoped(scope: TenantScope) -> &'static str {
    black_box(scope.tenant_id());
    "ok"
}

fn request(host: &'static str) -> Request<Body> {
    Request::get("/api/v1/projects")
        .header("host", host)
        .body(Body::empty())
        .expect("request")
}

async fn status(app: &Router, host: &'static str) -> StatusCode {
    app.clone()
        .oneshot(request(host))
        .await
        .expect("infallible")
        .status()
}

fn tenant_layer(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let layer = rt.block_on(async {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:")
            .await
            .expect("sqlite");
        let db = TenantDb::new(pool);
        db.migrate().await.expect("migrate");
        let admin = AdminCapability::grant("bench", "one benchmark tenant").expect("admin");
        db.create(&admin, "Acme", "acme").await.expect("tenant");
        let resolver = SubdomainResolver::new("localhost").expect("base domain");
        TenantLayer::new(resolver, TenantCache::new(db))
    });

    let bare = Router::new().route("/api/v1/projects", get(plain));
    let layered = Router::new()
        .route("/api/v1/projects", get(plain))
        .layer(layer.clone());
    let extracting = Router::new()
        .route("/api/v1/projects", get(scoped))
        .layer(layer);

    // Every form answers as expected, and the cache is warm (acme known, nobody unknown).
    rt.block_on(async {
        assert_eq!(status(&bare, "acme.localhost").await, StatusCode::OK);
        assert_eq!(status(&layered, "acme.localhost").await, StatusCode::OK);
        assert_eq!(status(&extracting, "acme.localhost").await, StatusCode::OK);
        assert_eq!(
            status(&layered, "nobody.localhost").await,
            StatusCode::NOT_FOUND
        );
    });

    let mut group = c.benchmark_group("tenant_layer");
    group.bench_function("bare", |b| {
        b.to_async(&rt)
            .iter(|| bare.clone().oneshot(request("acme.localhost")))
    });
    group.bench_function("layer", |b| {
        b.to_async(&rt)
            .iter(|| layered.clone().oneshot(request("acme.localhost")))
    });
    group.bench_function("layer_and_extractor", |b| {
        b.to_async(&rt)
            .iter(|| extracting.clone().oneshot(request("acme.localhost")))
    });
    group.bench_function("unknown_subdomain", |b| {
        b.to_async(&rt)
            .iter(|| layered.clone().oneshot(request("nobody.localhost")))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = tenant_layer
}
criterion_main!(benches);
