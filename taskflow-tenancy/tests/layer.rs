//! The tenant layer in an axum router over a real SQLite file: which hosts name which tenant,
//! what every rejection answers, how the cache behaves under a flood of unknown subdomains, and
//! what a handler sees (scope, task-local tenant, tracing span).
#![cfg(all(feature = "axum", feature = "sqlite"))]

use std::collections::HashSet;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::routing::get;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Request, Response, StatusCode, Version};
use proptest::prelude::*;
use serde_json::{Value as Json, json};
use taskflow_tenancy::testkit::{self, SqliteDb};
use taskflow_tenancy::web::layer::{TenantLayer, current_tenant_for_logs, spawn_scoped};
use taskflow_tenancy::web::resolve::{
    HeaderResolver, PathPrefixResolver, ResolveTenant, StoredTenant, SubdomainResolver,
    TenantCache, TenantKey, TenantLookup, TenantRejection,
};
use taskflow_tenancy::{
    AdminCapability, Result, Tenant, TenantDb, TenantId, TenantScope, validate_subdomain,
};
use tower::{Layer, ServiceExt};

type Store = TenantDb<sqlx::Sqlite>;

/// A lookup that counts how often it reaches the real store behind it.
struct Counted {
    store: Store,
    calls: AtomicUsize,
}

impl Counted {
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl TenantLookup for Counted {
    async fn by_subdomain(&self, subdomain: &str) -> Result<Option<StoredTenant>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.store.by_subdomain(subdomain).await
    }

    async fn by_id(&self, id: TenantId) -> Result<Option<StoredTenant>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.store.by_id(id).await
    }
}

struct Fixture {
    _db: SqliteDb,
    store: Store,
    admin: AdminCapability,
    acme: Tenant,
    globex: Tenant,
    lookup: Arc<Counted>,
    cache: TenantCache<Arc<Counted>>,
}

async fn fixture() -> Fixture {
    fixture_with(|cache| cache).await
}

async fn fixture_with(
    configure: impl FnOnce(
        taskflow_tenancy::web::resolve::TenantCacheBuilder<Arc<Counted>>,
    ) -> taskflow_tenancy::web::resolve::TenantCacheBuilder<Arc<Counted>>,
) -> Fixture {
    let db = testkit::sqlite().await.unwrap();
    let store = TenantDb::new(db.pool.clone());
    store.migrate().await.unwrap();
    let admin = AdminCapability::grant("tests", "tenant layer fixtures").unwrap();
    let acme = store.create(&admin, "Acme", "acme").await.unwrap();
    let globex = store.create(&admin, "Globex", "globex").await.unwrap();
    let lookup = Arc::new(Counted {
        store: store.clone(),
        calls: AtomicUsize::new(0),
    });
    let cache = configure(TenantCache::builder(Arc::clone(&lookup))).build();
    Fixture {
        _db: db,
        store,
        admin,
        acme,
        globex,
        lookup,
        cache,
    }
}

/// What the handler saw: the scope's tenant, the task-local tenant, and the tenant of a task
/// spawned with the scope.
async fn whoami(scope: TenantScope) -> axum::Json<Json> {
    tokio::task::yield_now().await;
    let logged = current_tenant_for_logs();
    let spawned = spawn_scoped(scope.clone(), |scope| async move {
        tokio::task::yield_now().await;
        (scope.tenant_id(), current_tenant_for_logs())
    })
    .await
    .unwrap();
    tracing::info!("whoami handled");
    axum::Json(json!({
        "id": scope.tenant_id(),
        "subdomain": scope.tenant().subdomain,
        "logged": logged,
        "spawned": spawned.0,
        "spawned_logged": spawned.1,
    }))
}

fn router<R: ResolveTenant + Clone>(resolver: R, cache: TenantCache<Arc<Counted>>) -> Router {
    Router::new()
        .route("/whoami", get(whoami))
        .route("/t/{tenant}/whoami", get(whoami))
        .layer(TenantLayer::new(resolver, cache))
}

fn subdomains(cache: TenantCache<Arc<Counted>>) -> Router {
    router(SubdomainResolver::new("localhost").unwrap(), cache)
}

fn host(host: &str) -> Request<Body> {
    Request::get("/whoami")
        .header("host", host)
        .body(Body::empty())
        .unwrap()
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, Json) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .unwrap();
    (status, serde_json::from_slice(&body).unwrap())
}

/// Asserts the handler ran for `tenant`, in every way it can tell.
fn assert_served(status: StatusCode, body: &Json, tenant: &Tenant) {
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = json!(tenant.id);
    assert_eq!(body["id"], id);
    assert_eq!(body["subdomain"], tenant.subdomain);
    assert_eq!(body["logged"], id);
    assert_eq!(body["spawned"], id);
    assert_eq!(body["spawned_logged"], id);
}

fn assert_rejected(status: StatusCode, body: &Json, expected: StatusCode, code: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
}

#[tokio::test]
async fn host_variants_name_their_tenant() {
    let f = fixture().await;
    let app = subdomains(f.cache.clone());
    for variant in [
        "acme.localhost",
        "acme.localhost:8080",
        "ACME.LocalHost",
        "acme.localhost.",
        "Acme.Localhost.:443",
    ] {
        let (status, body) = send(&app, host(variant)).await;
        assert_served(status, &body, &f.acme);
    }

    // Absolute-form HTTP/1.1 target: the URI authority wins over the Host header.
    let absolute = Request::get("http://globex.localhost:8080/whoami")
        .header("host", "acme.localhost")
        .body(Body::empty())
        .unwrap();
    let (status, body) = send(&app, absolute).await;
    assert_served(status, &body, &f.globex);

    // HTTP/2: hyper puts `:authority` in the URI and there may be no Host header at all.
    let h2 = Request::get("https://acme.localhost/whoami")
        .version(Version::HTTP_2)
        .body(Body::empty())
        .unwrap();
    let (status, body) = send(&app, h2).await;
    assert_served(status, &body, &f.acme);

    // Every variant is one cache entry: the store was asked once per tenant.
    assert_eq!(f.lookup.calls(), 2);
}

#[tokio::test]
async fn hosts_that_name_no_tenant_answer_404_tenant_not_found() {
    let f = fixture().await;
    let app = subdomains(f.cache.clone());
    for bad in [
        "x.acme.localhost",
        "localhost",
        "localhost:8080",
        "acme.example.com",
        "acme.localhost.example.com",
        "acmelocalhost",
        "127.0.0.1",
        "127.0.0.1:8080",
        "[::1]",
        "[::1]:8080",
        "",
        ":8080",
        "acme.localhost:port",
        "www.localhost",
        "initech.localhost",
        "ac.localhost",
    ] {
        let (status, body) = send(&app, host(bad)).await;
        assert_rejected(status, &body, StatusCode::NOT_FOUND, "tenant_not_found");
    }

    let missing = Request::get("/whoami").body(Body::empty()).unwrap();
    let (status, body) = send(&app, missing).await;
    assert_rejected(status, &body, StatusCode::NOT_FOUND, "tenant_not_found");

    let twice = Request::get("/whoami")
        .header("host", "acme.localhost")
        .header("host", "globex.localhost")
        .body(Body::empty())
        .unwrap();
    let (status, body) = send(&app, twice).await;
    assert_rejected(status, &body, StatusCode::NOT_FOUND, "tenant_not_found");

    let binary = Request::get("/whoami")
        .header(
            "host",
            HeaderValue::from_bytes(b"acme\xe9.localhost").unwrap(),
        )
        .body(Body::empty())
        .unwrap();
    let (status, body) = send(&app, binary).await;
    assert_rejected(status, &body, StatusCode::NOT_FOUND, "tenant_not_found");

    // Malformed and reserved labels never reach the store; only `initech` did.
    assert_eq!(f.lookup.calls(), 1);
}

#[tokio::test]
async fn rejections_are_json_per_the_contract() {
    let f = fixture().await;
    let response = subdomains(f.cache.clone())
        .oneshot(host("initech.localhost"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap();
    let body: Json = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        body,
        json!({"error": {"code": "tenant_not_found", "message": "no tenant at this address"}})
    );
}

#[tokio::test]
async fn forwarding_headers_are_ignored_unless_configured() {
    let f = fixture().await;
    let app = subdomains(f.cache.clone());
    let spoofed = |host: &str| {
        Request::get("/whoami")
            .header("host", host)
            .header("x-forwarded-host", "globex.localhost")
            .header("x-tenant", "globex")
            .header("forwarded", "host=globex.localhost")
            .body(Body::empty())
            .unwrap()
    };
    let (status, body) = send(&app, spoofed("acme.localhost")).await;
    assert_served(status, &body, &f.acme);
    let (status, body) = send(&app, spoofed("localhost")).await;
    assert_rejected(status, &body, StatusCode::NOT_FOUND, "tenant_not_found");

    // Behind a trusted proxy that sets X-Forwarded-Host, that header and only it counts.
    let forwarded = HeaderResolver::host(
        HeaderName::from_static("x-forwarded-host"),
        "taskflow.example",
    )
    .unwrap();
    let proxied = router(forwarded, f.cache.clone());
    let request = |forwarded: Option<&str>| {
        let mut builder = Request::get("/whoami").header("host", "acme.taskflow.example");
        if let Some(value) = forwarded {
            builder = builder.header("x-forwarded-host", value);
        }
        builder.body(Body::empty()).unwrap()
    };
    let (status, body) = send(&proxied, request(Some("Globex.taskflow.example:443"))).await;
    assert_served(status, &body, &f.globex);
    let (status, body) = send(&proxied, request(None)).await;
    assert_rejected(status, &body, StatusCode::NOT_FOUND, "tenant_not_found");
    let (status, body) = send(&proxied, request(Some("globex.localhost"))).await;
    assert_rejected(status, &body, StatusCode::NOT_FOUND, "tenant_not_found");

    let by_name = router(
        HeaderResolver::subdomain(HeaderName::from_static("x-tenant")),
        f.cache.clone(),
    );
    let request = Request::get("/whoami")
        .header("host", "acme.localhost")
        .header("x-tenant", "globex")
        .body(Body::empty())
        .unwrap();
    let (status, body) = send(&by_name, request).await;
    assert_served(status, &body, &f.globex);
}

/// Custom domains from a table the application loaded: `projects.globex.com` is Globex.
#[derive(Clone)]
struct CustomDomains(Arc<Vec<(String, TenantId)>>);

impl ResolveTenant for CustomDomains {
    fn resolve(&self, parts: &http::request::Parts) -> Result<TenantKey, TenantRejection> {
        let host = parts
            .headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .ok_or(TenantRejection::NotFound)?;
        self.0
            .iter()
            .find(|(domain, _)| domain.eq_ignore_ascii_case(host))
            .map(|(_, id)| TenantKey::id(*id))
            .ok_or(TenantRejection::NotFound)
    }
}

#[tokio::test]
async fn path_prefix_and_custom_resolvers() {
    let f = fixture().await;
    let by_path = router(PathPrefixResolver::new("/t").unwrap(), f.cache.clone());
    let request = |path: &str| {
        Request::get(path)
            .header("host", "globex.localhost")
            .body(Body::empty())
            .unwrap()
    };
    let (status, body) = send(&by_path, request("/t/acme/whoami")).await;
    assert_served(status, &body, &f.acme);
    let (status, body) = send(&by_path, request("/whoami")).await;
    assert_rejected(status, &body, StatusCode::NOT_FOUND, "tenant_not_found");

    let domains = CustomDomains(Arc::new(vec![
        ("projects.globex.com".into(), f.globex.id),
        ("gone.example.org".into(), TenantId::new_v7()),
    ]));
    let custom = router(domains, f.cache.clone());
    let (status, body) = send(&custom, host("Projects.Globex.com")).await;
    assert_served(status, &body, &f.globex);
    // The resolver only names a tenant: an id the store does not know is still a 404.
    let (status, body) = send(&custom, host("gone.example.org")).await;
    assert_rejected(status, &body, StatusCode::NOT_FOUND, "tenant_not_found");
}

#[tokio::test]
async fn suspension_takes_effect_on_the_next_request_after_invalidation() {
    let f = fixture().await;
    let app = subdomains(f.cache.clone());
    let (status, body) = send(&app, host("acme.localhost")).await;
    assert_served(status, &body, &f.acme);

    f.store.suspend(&f.admin, f.acme.id).await.unwrap();
    // Until this process is told, the cached tenant stands (for at most the time to live).
    let (status, _) = send(&app, host("acme.localhost")).await;
    assert_eq!(status, StatusCode::OK);
    f.cache.invalidate_id(f.acme.id);
    for _ in 0..3 {
        let (status, body) = send(&app, host("acme.localhost")).await;
        assert_rejected(status, &body, StatusCode::FORBIDDEN, "tenant_suspended");
    }
    // The suspended tenant is cached too: the store was asked once after the invalidation.
    assert_eq!(f.lookup.calls(), 2);
    // Other tenants are untouched.
    let (status, body) = send(&app, host("globex.localhost")).await;
    assert_served(status, &body, &f.globex);

    f.store.resume(&f.admin, f.acme.id).await.unwrap();
    f.cache.invalidate("acme");
    let (status, body) = send(&app, host("acme.localhost")).await;
    assert_served(status, &body, &f.acme);
}

#[tokio::test]
async fn a_new_tenant_is_reachable_once_its_unknown_entry_is_invalidated() {
    let f = fixture().await;
    let app = subdomains(f.cache.clone());
    let (status, body) = send(&app, host("initech.localhost")).await;
    assert_rejected(status, &body, StatusCode::NOT_FOUND, "tenant_not_found");
    let initech = f
        .store
        .create(&f.admin, "Initech", "initech")
        .await
        .unwrap();
    let (status, _) = send(&app, host("initech.localhost")).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the unknown entry still stands"
    );
    f.cache.invalidate("initech");
    let (status, body) = send(&app, host("initech.localhost")).await;
    assert_served(status, &body, &initech);
}

#[tokio::test]
async fn a_store_failure_answers_503_unavailable_and_is_not_cached() {
    let f = fixture().await;
    let app = subdomains(f.cache.clone());
    let (status, body) = send(&app, host("acme.localhost")).await;
    assert_served(status, &body, &f.acme);

    f.store.pool().close().await;
    // A cached tenant is still served while the database is down ...
    let (status, body) = send(&app, host("acme.localhost")).await;
    assert_served(status, &body, &f.acme);
    // ... an uncached one cannot be checked, and says so without the internal error.
    for _ in 0..2 {
        let response = app.clone().oneshot(host("globex.localhost")).await.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        let text = std::str::from_utf8(&body).unwrap();
        let json: Json = serde_json::from_str(text).unwrap();
        assert_eq!(json["error"]["code"], "unavailable");
        assert!(!text.to_lowercase().contains("pool"), "{text}");
    }
    // Both failed attempts reached the store: failures are not cached.
    assert_eq!(f.lookup.calls(), 3);
}

#[tokio::test]
async fn the_application_can_replace_the_rejection_response() {
    let f = fixture().await;
    let layer = TenantLayer::new(
        SubdomainResolver::new("localhost").unwrap(),
        f.cache.clone(),
    )
    .on_rejection(|rejection| {
        let body = json!({ "problem": rejection.code(), "status": rejection.status().as_u16() });
        let mut response = Response::new(Bytes::from(body.to_string()));
        *response.status_mut() = rejection.status();
        response
    });
    let app = Router::new().route("/whoami", get(whoami)).layer(layer);
    let (status, body) = send(&app, host("nobody.localhost")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"problem": "tenant_not_found", "status": 404}));
    f.store.suspend(&f.admin, f.globex.id).await.unwrap();
    let (status, body) = send(&app, host("globex.localhost")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["problem"], "tenant_suspended");
}

#[tokio::test]
async fn a_handler_mounted_without_the_layer_answers_500_not_a_panic() {
    let forgotten = Router::new().route("/whoami", get(whoami));
    let (status, body) = send(&forgotten, host("acme.localhost")).await;
    assert_rejected(
        status,
        &body,
        StatusCode::INTERNAL_SERVER_ERROR,
        "tenant_layer_missing",
    );

    async fn optional(scope: Option<TenantScope>) -> String {
        scope.map_or("none".into(), |s| s.tenant().subdomain.clone())
    }
    let f = fixture().await;
    let both = Router::new().route("/optional", get(optional));
    let layered = both.clone().layer(TenantLayer::new(
        SubdomainResolver::new("localhost").unwrap(),
        f.cache.clone(),
    ));
    for (router, expected) in [(both, "none"), (layered, "acme")] {
        let request = Request::get("/optional")
            .header("host", "acme.localhost")
            .body(Body::empty())
            .unwrap();
        let response = router.oneshot(request).await.unwrap();
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        assert_eq!(body, expected);
    }
}

/// Random subdomains that are valid, so that each one passes the resolver and needs a lookup.
fn random_subdomains(count: usize) -> Vec<String> {
    use rand::Rng;
    let mut rng = rand::rng();
    let mut seen = HashSet::new();
    while seen.len() < count {
        let len = rng.random_range(8..=20);
        let name: String = (0..len)
            .map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[rng.random_range(0..36)]))
            .collect();
        seen.insert(name);
    }
    seen.into_iter().collect()
}

/// Sends every subdomain through the layer, 32 at a time; returns how many were 404s.
async fn flood(app: &Router, names: &[String]) -> usize {
    let mut not_found = 0;
    for chunk in names.chunks(32) {
        let mut set = tokio::task::JoinSet::new();
        for name in chunk {
            let app = app.clone();
            let request = host(&format!("{name}.localhost"));
            set.spawn(async move { app.oneshot(request).await.unwrap().status() });
        }
        while let Some(status) = set.join_next().await {
            if status.unwrap() == StatusCode::NOT_FOUND {
                not_found += 1;
            }
        }
    }
    not_found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_unknown_subdomains_is_bounded_in_memory_and_in_database_calls() {
    const MAX_UNKNOWN: u64 = 1_000;
    let f = fixture_with(|cache| cache.max_unknown(MAX_UNKNOWN)).await;
    let app = subdomains(f.cache.clone());

    // Within the bound: the second round costs the database nothing.
    let names = random_subdomains(800);
    assert_eq!(flood(&app, &names).await, names.len());
    let first = f.lookup.calls();
    assert_eq!(flood(&app, &names).await, names.len());
    let second = f.lookup.calls() - first;
    f.cache.run_pending_tasks();
    println!(
        "{} unknown subdomains twice: {first} lookups in round 1, {second} in round 2; {} unknown entries cached (max {MAX_UNKNOWN})",
        names.len(),
        f.cache.unknown_entry_count()
    );
    assert_eq!(first, names.len());
    assert_eq!(second, 0);

    // Far past the bound: memory stays bounded, and known tenants are still served from cache.
    let (status, body) = send(&app, host("acme.localhost")).await;
    assert_served(status, &body, &f.acme);
    let before = f.lookup.calls();
    let flood_names = random_subdomains(5_000);
    assert_eq!(flood(&app, &flood_names).await, flood_names.len());
    let round1 = f.lookup.calls() - before;
    f.cache.run_pending_tasks();
    let entries = f.cache.unknown_entry_count();
    assert_eq!(flood(&app, &flood_names).await, flood_names.len());
    let round2 = f.lookup.calls() - before - round1;
    f.cache.run_pending_tasks();
    let entries_after = f.cache.unknown_entry_count();
    println!(
        "{} unknown subdomains twice: {round1} lookups in round 1, {round2} in round 2; unknown entries {entries} then {entries_after} (max {MAX_UNKNOWN})",
        flood_names.len()
    );
    assert_eq!(round1, flood_names.len());
    assert!(round2 <= flood_names.len());
    assert!(entries <= MAX_UNKNOWN, "{entries} unknown entries");
    assert!(
        entries_after <= MAX_UNKNOWN,
        "{entries_after} unknown entries"
    );

    let calls = f.lookup.calls();
    let (status, body) = send(&app, host("acme.localhost")).await;
    assert_served(status, &body, &f.acme);
    assert_eq!(f.lookup.calls(), calls, "acme was served from the cache");
}

/// A `Write` into a shared buffer, for capturing formatted tracing output.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_handler_runs_in_a_span_with_the_tenant_field() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    // A current-thread test: the default subscriber covers every poll of the request.
    let _guard = tracing::subscriber::set_default(subscriber);
    let f = fixture().await;
    let app = subdomains(f.cache.clone());
    // Other tests of this binary hit the handler's callsite on other threads at the same time.
    // A registration that one of them began before this subscriber existed can store "no
    // interest" after the cache was rebuilt, and the event is then skipped: rebuild and ask
    // again. What is checked is the line's content, never that tracing cached well.
    let mut output = String::new();
    for _ in 0..5 {
        tracing::callsite::rebuild_interest_cache();
        let (status, body) = send(&app, host("globex.localhost")).await;
        assert_served(status, &body, &f.globex);
        assert_eq!(
            current_tenant_for_logs(),
            None,
            "nothing leaks out of the request"
        );
        output = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        if output.contains("whoami handled") {
            break;
        }
    }
    let line = output
        .lines()
        .find(|line| line.contains("whoami handled"))
        .unwrap_or_else(|| panic!("no handler log line in:\n{output}"));
    assert!(
        line.contains(&format!(
            "tenant{{tenant={} subdomain=globex}}",
            f.globex.id
        )),
        "{line}"
    );
}

/// A request head with `value` as its only `Host`, or `None` if no header can carry it.
fn parts_with_host(value: &[u8]) -> Option<http::request::Parts> {
    let value = HeaderValue::from_bytes(value).ok()?;
    Some(
        Request::get("/")
            .header("host", value)
            .body(())
            .unwrap()
            .into_parts()
            .0,
    )
}

const BASE: &str = "tenants.example";

/// The forms under which a host may name tenant `label`: `label.BASE`, one trailing dot, a
/// port of digits; in any ASCII case.
fn is_exact_form(host: &str, label: &str) -> bool {
    let host = host.to_ascii_lowercase();
    let name = format!("{label}.{BASE}");
    [name.clone(), format!("{name}.")].iter().any(|form| {
        host == *form
            || host
                .strip_prefix(form.as_str())
                .and_then(|rest| rest.strip_prefix(':'))
                .is_some_and(|port| port.bytes().all(|b| b.is_ascii_digit()))
    })
}

fn case_flips(text: String, flips: Vec<bool>) -> String {
    text.chars()
        .zip(flips.into_iter().chain(std::iter::repeat(false)))
        .map(|(c, upper)| if upper { c.to_ascii_uppercase() } else { c })
        .collect()
}

proptest! {
    /// Invariant: any Host value at all is handled without a panic, and a host names a tenant
    /// only as the exact first label under the base domain.
    #[test]
    fn arbitrary_hosts_never_panic_and_name_only_the_exact_first_label(
        value in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..40),
            "[a-zA-Z0-9.:\\[\\]@_-]{0,30}".prop_map(String::into_bytes),
            "[a-zA-Z0-9.-]{0,12}\\.(tenants\\.example|TENANTS\\.example|tenants\\.examplex|example)\\.?(:[0-9a-z]{0,5})?"
                .prop_map(String::into_bytes),
        ],
    ) {
        let resolver = SubdomainResolver::new(BASE).unwrap();
        if let Some(parts) = parts_with_host(&value)
            && let Ok(key) = resolver.resolve(&parts)
        {
            let label = key.as_subdomain().expect("host resolvers name subdomains");
            let host = std::str::from_utf8(&value).unwrap();
            prop_assert!(is_exact_form(host, label), "{host:?} resolved to {label:?}");
            prop_assert!(validate_subdomain(label).is_ok());
        }
    }

    /// Invariant: a well-formed host under the base domain names exactly its first label, in
    /// whatever case, with or without port and trailing dot; one more label, or another base,
    /// names nothing.
    #[test]
    fn well_formed_hosts_name_exactly_their_label(
        label in "[a-z0-9]{1,4}(-[a-z0-9]{1,4}){0,3}",
        flips in proptest::collection::vec(any::<bool>(), 0..40),
        nested in proptest::option::of("[a-z0-9]{1,5}"),
        other_base in any::<bool>(),
        trailing_dot in any::<bool>(),
        port in proptest::option::of(0u32..70_000),
    ) {
        let resolver = SubdomainResolver::new(BASE).unwrap();
        let base = if other_base { "tenants.example.org" } else { BASE };
        let mut host = match &nested {
            Some(prefix) => format!("{prefix}.{label}.{base}"),
            None => format!("{label}.{base}"),
        };
        if trailing_dot {
            host.push('.');
        }
        if let Some(port) = port {
            host.push_str(&format!(":{port}"));
        }
        let host = case_flips(host, flips);
        let parts = parts_with_host(host.as_bytes()).unwrap();
        let resolved = resolver.resolve(&parts).ok();
        let expected = (nested.is_none() && !other_base && validate_subdomain(&label).is_ok())
            .then(|| TenantKey::subdomain(&label));
        prop_assert_eq!(resolved, expected, "{}", host);
    }
}

/// A layer is cheap to apply to many routes and its services answer independently.
#[tokio::test]
async fn one_layer_serves_many_routes_with_one_cache() {
    let f = fixture().await;
    let layer = TenantLayer::new(
        SubdomainResolver::new("localhost").unwrap(),
        f.cache.clone(),
    );
    async fn count(State(hits): State<Arc<AtomicUsize>>, scope: TenantScope) -> String {
        hits.fetch_add(1, Ordering::SeqCst);
        scope.tenant().subdomain.clone()
    }
    let hits = Arc::new(AtomicUsize::new(0));
    let app = Router::new()
        .route("/a", get(count))
        .route("/b", get(count))
        .layer(layer.clone())
        .with_state(Arc::clone(&hits));
    for path in ["/a", "/b", "/a"] {
        let request = Request::get(path)
            .header("host", "acme.localhost")
            .body(Body::empty())
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(hits.load(Ordering::SeqCst), 3);
    assert_eq!(f.lookup.calls(), 1, "the routes share one cache");

    // The layer works on any tower service, not only axum routers.
    let service = layer.layer(tower::service_fn(|request: Request<()>| async move {
        let scope = request.extensions().get::<TenantScope>().cloned().unwrap();
        Ok::<_, std::convert::Infallible>(Response::new(Bytes::from(scope.tenant().name.clone())))
    }));
    let request = Request::get("/")
        .header("host", "globex.localhost")
        .body(())
        .unwrap();
    assert_eq!(service.oneshot(request).await.unwrap().body(), "Globex");
}
