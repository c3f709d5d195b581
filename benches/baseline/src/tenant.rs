//! The request's tenant, from its host, as taskflow-tenancy's `SubdomainResolver`,
//! `TenantCache` and `TenantLayer` find it for the app: the URI authority or the single `Host`
//! header, `<subdomain>.<base domain>[:port]` and nothing deeper; looked up in `tenants`
//! through a moka cache (60 s for a tenant, 30 s for a subdomain that names none, 10,000 of
//! each); an unknown one is `404 tenant_not_found`, a suspended one `403 tenant_suspended`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::header::HOST;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use moka::sync::Cache;

use crate::db::Db;
use crate::error::ApiError;
use crate::model::Tenant;
use crate::routes::AppState;

/// Subdomains no tenant may take, as taskflow-tenancy's `RESERVED_SUBDOMAINS`.
const RESERVED_SUBDOMAINS: &[&str] = &[
    "www",
    "api",
    "admin",
    "app",
    "static",
    "assets",
    "cdn",
    "mail",
    "smtp",
    "ftp",
    "status",
    "docs",
    "help",
    "support",
    "blog",
    "dashboard",
    "console",
    "auth",
    "login",
    "signup",
    "billing",
    "root",
    "system",
    "internal",
    "localhost",
];

/// What is wrong with `subdomain`, if anything: 3 to 63 lowercase letters and digits with
/// single hyphens between them, and not reserved.
pub(crate) fn subdomain_problem(subdomain: &str) -> Option<&'static str> {
    if !(3..=63).contains(&subdomain.len()) {
        return Some("must be 3 to 63 characters long");
    }
    let bytes = subdomain.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let well_formed = alnum(bytes[0])
        && alnum(bytes[bytes.len() - 1])
        && bytes.iter().all(|&b| alnum(b) || b == b'-')
        && !subdomain.contains("--");
    if !well_formed {
        return Some("must be lowercase letters and digits, with single hyphens between them");
    }
    if RESERVED_SUBDOMAINS.contains(&subdomain) {
        return Some("is reserved");
    }
    None
}

/// The tenant subdomain `host` names under `base` (lowercase, without a trailing dot), if any.
fn subdomain_of(host: &str, base: &str) -> Option<String> {
    // A bracketed IPv6 literal; a bare one has several colons and fails the port split.
    if host.starts_with('[') {
        return None;
    }
    let name = match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        Some(_) => return None,
        None => host,
    };
    let name = name.strip_suffix('.').unwrap_or(name);
    if !name.is_ascii() || name.len() <= base.len() + 1 {
        return None;
    }
    let (label, suffix) = name.split_at(name.len() - base.len() - 1);
    let under_base = suffix.as_bytes()[0] == b'.' && suffix[1..].eq_ignore_ascii_case(base);
    if !under_base || label.contains('.') {
        return None;
    }
    let label = label.to_ascii_lowercase();
    subdomain_problem(&label).is_none().then_some(label)
}

/// The base domain as the app normalizes it: trimmed, lowercase, without a trailing dot.
pub(crate) fn normalize_base_domain(base: &str) -> Result<String, String> {
    let trimmed = base.trim();
    let name = trimmed
        .strip_suffix('.')
        .unwrap_or(trimmed)
        .to_ascii_lowercase();
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    let is_ip = name
        .rsplit('.')
        .next()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()));
    if name.is_empty() || name.len() > 253 || !name.split('.').all(label_ok) || is_ip {
        return Err(format!(
            "`{base}` must be a domain name such as `example.com`, without scheme or port"
        ));
    }
    Ok(name)
}

/// Tenants by subdomain, in front of the `tenants` table.
#[derive(Clone)]
pub(crate) struct TenantCache {
    inner: Arc<CacheInner>,
}

struct CacheInner {
    db: Db,
    tenants: Cache<String, Arc<Tenant>>,
    unknown: Cache<String, ()>,
    /// Bumped by every invalidation, so that a lookup that raced one does not cache what it
    /// read before it.
    generation: AtomicU64,
}

impl std::fmt::Debug for TenantCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantCache")
            .field("tenants", &self.inner.tenants.entry_count())
            .field("unknown", &self.inner.unknown.entry_count())
            .finish_non_exhaustive()
    }
}

impl TenantCache {
    /// An empty cache over `db`, with taskflow-tenancy's defaults.
    pub(crate) fn new(db: Db) -> TenantCache {
        TenantCache {
            inner: Arc::new(CacheInner {
                db,
                tenants: Cache::builder()
                    .name("baseline-tenants")
                    .max_capacity(10_000)
                    .time_to_live(Duration::from_secs(60))
                    .build(),
                unknown: Cache::builder()
                    .name("baseline-unknown-tenants")
                    .max_capacity(10_000)
                    .time_to_live(Duration::from_secs(30))
                    .build(),
                generation: AtomicU64::new(0),
            }),
        }
    }

    /// The tenant of `subdomain`, from the cache or else the database.
    pub(crate) async fn get(&self, subdomain: &str) -> Result<Option<Arc<Tenant>>, sqlx::Error> {
        let inner = &self.inner;
        if let Some(tenant) = inner.tenants.get(subdomain) {
            return Ok(Some(tenant));
        }
        if inner.unknown.contains_key(subdomain) {
            return Ok(None);
        }
        let generation = inner.generation.load(Ordering::SeqCst);
        let found = inner.db.tenant_by_subdomain(subdomain).await?.map(Arc::new);
        let current = || inner.generation.load(Ordering::SeqCst);
        if current() == generation {
            match &found {
                Some(tenant) => inner
                    .tenants
                    .insert(subdomain.to_owned(), Arc::clone(tenant)),
                None => inner.unknown.insert(subdomain.to_owned(), ()),
            }
            if current() != generation {
                inner.tenants.invalidate(subdomain);
                inner.unknown.invalidate(subdomain);
            }
        }
        Ok(found)
    }

    /// Forgets what is cached for `subdomain` (a signup just made it a tenant).
    pub(crate) fn invalidate(&self, subdomain: &str) {
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
        self.inner.tenants.invalidate(subdomain);
        self.inner.unknown.invalidate(subdomain);
    }
}

/// The tenant subdomain the request's host names: the URI authority when the request has one
/// (an absolute-form target, HTTP/2's `:authority`), else the single `Host` header.
fn requested_subdomain(request: &Request, base: &str) -> Option<String> {
    let host = match request.uri().authority() {
        Some(authority) => authority.host(),
        None => {
            let mut hosts = request.headers().get_all(HOST).iter();
            let host = hosts.next()?;
            if hosts.next().is_some() {
                return None;
            }
            host.to_str().ok()?
        }
    };
    subdomain_of(host, base)
}

/// Middleware of the tenant routes: finds the request's active tenant and puts it in the
/// request's extensions (`Extension<Arc<Tenant>>`), or answers without calling the route.
pub(crate) async fn resolve_tenant(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(subdomain) = requested_subdomain(&request, &state.base_domain) else {
        return ApiError::TenantNotFound.into_response();
    };
    let tenant = match state.tenants.get(&subdomain).await {
        Ok(Some(tenant)) => tenant,
        Ok(None) => return ApiError::TenantNotFound.into_response(),
        Err(err) => {
            tracing::error!(error = %err, "tenant lookup failed");
            return ApiError::Unavailable(err.to_string()).into_response();
        }
    };
    if !tenant.is_active {
        return ApiError::TenantSuspended.into_response();
    }
    request.extensions_mut().insert(tenant);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_rules_are_the_apps() {
        let cases = [
            ("acme.localhost", Some("acme")),
            ("acme.localhost:8080", Some("acme")),
            ("AcMe.LOCALHOST", Some("acme")),
            ("acme.localhost.", Some("acme")),
            ("acme.localhost:80:80", None),
            ("x.acme.localhost", None),
            ("localhost", None),
            ("acme.example.com", None),
            ("ab.localhost", None),
            ("www.localhost", None),
            ("127.0.0.1:8080", None),
            ("[::1]:8080", None),
            ("acmé.localhost", None),
        ];
        for (host, expected) in cases {
            assert_eq!(
                subdomain_of(host, "localhost").as_deref(),
                expected,
                "{host:?}"
            );
        }
    }

    #[test]
    fn subdomains_are_checked() {
        assert_eq!(subdomain_problem("acme-2"), None);
        assert!(subdomain_problem("a-").is_some());
        assert!(subdomain_problem("a--b").is_some());
        assert_eq!(subdomain_problem("admin"), Some("is reserved"));
        assert!(normalize_base_domain(" Example.COM. ").is_ok_and(|b| b == "example.com"));
        assert!(normalize_base_domain("10.0.0.1").is_err());
    }
}
