//! How a request names its tenant: subdomain, trusted header, path prefix or your own resolver.
//!
//! A resolver reads the request head and answers with a [`TenantKey`] (which tenant the request
//! names) or a [`TenantRejection`]. It does not touch the database: the
//! [`TenantLayer`](crate::web::layer::TenantLayer) looks the key up through a [`TenantCache`] and
//! checks that the tenant is active.
//!
//! The default, [`SubdomainResolver`], reads the request's host: the URI authority when the
//! request has one (an absolute-form HTTP/1.1 target, or HTTP/2's `:authority`, which hyper puts
//! in the URI), else the single `Host` header. Only the exact first label under the base domain
//! names a tenant; headers such as `X-Forwarded-Host` or `X-Tenant` are ignored unless a
//! [`HeaderResolver`] is configured for a proxy you trust.
//!
//! ```
//! use taskflow_tenancy::web::resolve::{ResolveTenant, SubdomainResolver, TenantKey, TenantRejection};
//!
//! let resolver = SubdomainResolver::new("localhost")?;
//! let resolve = |host: &str| {
//!     let (parts, ()) = http::Request::builder()
//!         .header("host", host)
//!         .header("x-tenant", "globex") // ignored: not a configured source
//!         .body(())
//!         .unwrap()
//!         .into_parts();
//!     resolver.resolve(&parts)
//! };
//!
//! assert_eq!(resolve("acme.localhost:8080")?, TenantKey::subdomain("acme"));
//! assert_eq!(resolve("ACME.LocalHost.")?, TenantKey::subdomain("acme"));
//! // Deeper nesting, the bare base domain, another domain, an IP: no tenant.
//! for host in ["x.acme.localhost", "localhost", "acme.example.com", "127.0.0.1", "[::1]:80"] {
//!     assert!(matches!(resolve(host), Err(TenantRejection::NotFound)), "{host}");
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod lookup;

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HOST};
use http::request::Parts;
use http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};

use crate::error::Error;
use crate::scope::database::validate_subdomain;
use crate::scope::tenant::TenantId;

pub(crate) use lookup::Cached;
pub use lookup::{StoredTenant, TenantCache, TenantCacheBuilder, TenantLookup};

/// Which tenant a request names: a subdomain or, from a custom resolver, a tenant id.
///
/// Subdomains are kept lowercase, so `TenantKey::subdomain("Acme")` and
/// `TenantKey::subdomain("acme")` are the same key (and the same cache entry).
///
/// ```
/// use taskflow_tenancy::TenantId;
/// use taskflow_tenancy::web::resolve::TenantKey;
///
/// assert_eq!(TenantKey::subdomain("Acme"), TenantKey::subdomain("acme"));
/// assert_eq!(TenantKey::subdomain("acme").as_subdomain(), Some("acme"));
/// let id = TenantId::new_v7();
/// assert_eq!(TenantKey::id(id).as_id(), Some(id));
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TenantKey(Key);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Key {
    Subdomain(Box<str>),
    Id(TenantId),
}

impl TenantKey {
    /// The tenant addressed by `subdomain` (compared lowercase).
    ///
    /// See [`TenantKey`] for an example.
    pub fn subdomain(subdomain: &str) -> Self {
        TenantKey(Key::Subdomain(subdomain.to_ascii_lowercase().into()))
    }

    /// The tenant with this id, for resolvers that get an id from a source they trust.
    ///
    /// See [`TenantKey`] for an example.
    pub const fn id(id: TenantId) -> Self {
        TenantKey(Key::Id(id))
    }

    /// The subdomain, when the key is one.
    ///
    /// See [`TenantKey`] for an example.
    pub fn as_subdomain(&self) -> Option<&str> {
        match &self.0 {
            Key::Subdomain(s) => Some(s),
            Key::Id(_) => None,
        }
    }

    /// The tenant id, when the key is one.
    ///
    /// See [`TenantKey`] for an example.
    pub const fn as_id(&self) -> Option<TenantId> {
        match &self.0 {
            Key::Id(id) => Some(*id),
            Key::Subdomain(_) => None,
        }
    }
}

impl fmt::Debug for TenantKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Key::Subdomain(s) => f.debug_tuple("Subdomain").field(s).finish(),
            Key::Id(id) => f.debug_tuple("Id").field(id).finish(),
        }
    }
}

/// Why a request gets no tenant, and so never reaches the inner service.
///
/// Each variant has the status and error code of the HTTP contract; [`TenantRejection::to_response`]
/// renders the default body `{"error": {"code": ..., "message": ...}}`. The layer's
/// [`on_rejection`](crate::web::layer::TenantLayer::on_rejection) replaces it.
///
/// ```
/// use http::StatusCode;
/// use taskflow_tenancy::TenantId;
/// use taskflow_tenancy::web::resolve::TenantRejection;
///
/// let suspended = TenantRejection::Suspended(TenantId::new_v7());
/// assert_eq!(suspended.status(), StatusCode::FORBIDDEN);
/// assert_eq!(suspended.code(), "tenant_suspended");
///
/// let response = TenantRejection::NotFound.to_response();
/// assert_eq!(response.status(), StatusCode::NOT_FOUND);
/// assert_eq!(response.headers()["content-type"], "application/json");
/// let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
/// assert_eq!(body["error"]["code"], "tenant_not_found");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TenantRejection {
    /// 404 `tenant_not_found`: the request names no tenant, or one that does not exist.
    #[error("no tenant at this address")]
    NotFound,
    /// 403 `tenant_suspended`: the tenant exists but is suspended.
    #[error("tenant {0} is suspended")]
    Suspended(TenantId),
    /// 503 `unavailable`: the tenant could not be looked up. The error is logged, never shown.
    #[error("tenant lookup failed")]
    Unavailable(#[source] Error),
}

impl TenantRejection {
    /// The HTTP status of the rejection.
    ///
    /// See [`TenantRejection`] for an example.
    pub fn status(&self) -> StatusCode {
        match self {
            TenantRejection::NotFound => StatusCode::NOT_FOUND,
            TenantRejection::Suspended(_) => StatusCode::FORBIDDEN,
            TenantRejection::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The `error.code` of the rejection's JSON body.
    ///
    /// See [`TenantRejection`] for an example.
    pub fn code(&self) -> &'static str {
        match self {
            TenantRejection::NotFound => "tenant_not_found",
            TenantRejection::Suspended(_) => "tenant_suspended",
            TenantRejection::Unavailable(_) => "unavailable",
        }
    }

    /// The `error.message` shown to clients: it names no id and no internal error.
    ///
    /// ```
    /// use taskflow_tenancy::web::resolve::TenantRejection;
    ///
    /// assert_eq!(TenantRejection::NotFound.message(), "no tenant at this address");
    /// ```
    pub fn message(&self) -> &'static str {
        match self {
            TenantRejection::NotFound => "no tenant at this address",
            TenantRejection::Suspended(_) => "this tenant is suspended",
            TenantRejection::Unavailable(_) => "the service is unavailable, try again later",
        }
    }

    /// The default response: the status, and `{"error": {"code", "message"}}` as JSON.
    ///
    /// See [`TenantRejection`] for an example.
    pub fn to_response(&self) -> Response<Bytes> {
        // Written out rather than serialized: a flood of unknown hosts is answered from here.
        let body: &'static str = match self {
            TenantRejection::NotFound => {
                r#"{"error":{"code":"tenant_not_found","message":"no tenant at this address"}}"#
            }
            TenantRejection::Suspended(_) => {
                r#"{"error":{"code":"tenant_suspended","message":"this tenant is suspended"}}"#
            }
            TenantRejection::Unavailable(_) => {
                r#"{"error":{"code":"unavailable","message":"the service is unavailable, try again later"}}"#
            }
        };
        json_response(self.status(), Bytes::from_static(body.as_bytes()))
    }
}

/// A JSON error response in the shape of the HTTP contract.
pub(crate) fn json_error(status: StatusCode, code: &str, message: &str) -> Response<Bytes> {
    let body = serde_json::json!({ "error": { "code": code, "message": message } });
    json_response(status, Bytes::from(body.to_string()))
}

fn json_response(status: StatusCode, body: Bytes) -> Response<Bytes> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// Reads which tenant a request names, from its head alone.
///
/// Implement it for a scheme of your own: custom domains mapped by a table you load at startup,
/// an id set by a gateway you trust, and so on. A resolver must only *name* the tenant: the
/// layer looks it up and checks that it is active, whatever the resolver says.
///
/// ```
/// use http::request::Parts;
/// use taskflow_tenancy::web::resolve::{ResolveTenant, TenantKey, TenantRejection};
///
/// /// `GET /?org=acme` style addressing, for an internal tool behind a VPN.
/// #[derive(Debug, Clone)]
/// struct QueryParameter;
///
/// impl ResolveTenant for QueryParameter {
///     fn resolve(&self, parts: &Parts) -> Result<TenantKey, TenantRejection> {
///         parts
///             .uri
///             .query()
///             .and_then(|q| q.strip_prefix("org="))
///             .map(TenantKey::subdomain)
///             .ok_or(TenantRejection::NotFound)
///     }
/// }
///
/// let (parts, ()) = http::Request::get("/?org=acme").body(()).unwrap().into_parts();
/// assert_eq!(QueryParameter.resolve(&parts).unwrap(), TenantKey::subdomain("acme"));
/// ```
pub trait ResolveTenant: Send + Sync + 'static {
    /// The tenant the request names, or why it names none.
    fn resolve(&self, parts: &Parts) -> Result<TenantKey, TenantRejection>;
}

/// The tenant is the first label of the host under a base domain: `acme.example.com` is
/// `acme` when the base domain is `example.com`.
///
/// The host is the URI authority when there is one (absolute-form targets, HTTP/2
/// `:authority`), else the `Host` header; two `Host` headers name no tenant. Matching ignores
/// case, the port and one trailing dot. The label must be a valid subdomain (see
/// [`validate_subdomain`]), so reserved and malformed labels are
/// refused before any lookup. IP literals, the bare base domain, other domains and deeper
/// nesting (`x.acme.example.com`) name no tenant.
///
/// ```
/// use taskflow_tenancy::web::resolve::SubdomainResolver;
///
/// let resolver = SubdomainResolver::new("Example.COM.")?;
/// assert_eq!(resolver.base_domain(), "example.com");
/// assert_eq!(resolver.subdomain_of("Acme.example.com:443").as_deref(), Some("acme"));
/// assert_eq!(resolver.subdomain_of("example.com"), None);
/// assert_eq!(resolver.subdomain_of("www.example.com"), None); // reserved
/// assert_eq!(resolver.subdomain_of("acme.example.com.evil.net"), None);
///
/// assert!(SubdomainResolver::new("localhost:8080").is_err());
/// # Ok::<(), taskflow_tenancy::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SubdomainResolver {
    base: Arc<str>,
}

impl SubdomainResolver {
    /// A resolver under `base_domain` (a DNS name such as `localhost` or `taskflow.example`:
    /// no port, no scheme). [`Error::InvalidConfig`] when it is not one.
    ///
    /// See [`SubdomainResolver`] for an example.
    pub fn new(base_domain: &str) -> crate::error::Result<Self> {
        Ok(SubdomainResolver {
            base: normalize_base_domain(base_domain)?.into(),
        })
    }

    /// The base domain, lowercase and without a trailing dot.
    ///
    /// See [`SubdomainResolver`] for an example.
    pub fn base_domain(&self) -> &str {
        &self.base
    }

    /// The tenant subdomain a host value (`Host` header syntax, port allowed) names, if any.
    ///
    /// See [`SubdomainResolver`] for an example.
    pub fn subdomain_of(&self, host: &str) -> Option<String> {
        subdomain_of(host, &self.base)
    }
}

impl ResolveTenant for SubdomainResolver {
    fn resolve(&self, parts: &Parts) -> Result<TenantKey, TenantRejection> {
        let host = match parts.uri.authority() {
            Some(authority) => Some(authority.host()),
            None => single_header(&parts.headers, &HOST),
        };
        host.and_then(|host| self.subdomain_of(host))
            .map(|s| TenantKey(Key::Subdomain(s.into())))
            .ok_or(TenantRejection::NotFound)
    }
}

/// The tenant comes from a header set by a proxy you trust, and only from it.
///
/// Use it only when every request passes through that proxy and the proxy overwrites the
/// header: otherwise any client can name any tenant. A request without the header (or with it
/// twice) names no tenant; the `Host` is then not consulted.
///
/// ```
/// use http::HeaderName;
/// use taskflow_tenancy::web::resolve::{HeaderResolver, ResolveTenant, TenantKey};
///
/// // nginx: proxy_set_header X-Forwarded-Host $host;
/// let forwarded = HeaderResolver::host(HeaderName::from_static("x-forwarded-host"), "example.com")?;
/// // A gateway that has already picked the tenant: X-Tenant: acme
/// let tenant = HeaderResolver::subdomain(HeaderName::from_static("x-tenant"));
///
/// let (parts, ()) = http::Request::builder()
///     .header("host", "internal-upstream:8080")
///     .header("x-forwarded-host", "acme.example.com")
///     .header("x-tenant", "globex")
///     .body(())
///     .unwrap()
///     .into_parts();
/// assert_eq!(forwarded.resolve(&parts).unwrap(), TenantKey::subdomain("acme"));
/// assert_eq!(tenant.resolve(&parts).unwrap(), TenantKey::subdomain("globex"));
/// # Ok::<(), taskflow_tenancy::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct HeaderResolver {
    header: HeaderName,
    base: Option<Arc<str>>,
}

impl HeaderResolver {
    /// The header holds a host (`X-Forwarded-Host: acme.example.com`), read with the rules of
    /// [`SubdomainResolver`] under `base_domain`.
    ///
    /// See [`HeaderResolver`] for an example.
    pub fn host(header: HeaderName, base_domain: &str) -> crate::error::Result<Self> {
        Ok(HeaderResolver {
            header,
            base: Some(normalize_base_domain(base_domain)?.into()),
        })
    }

    /// The header holds the subdomain itself (`X-Tenant: acme`).
    ///
    /// See [`HeaderResolver`] for an example.
    pub const fn subdomain(header: HeaderName) -> Self {
        HeaderResolver { header, base: None }
    }
}

impl ResolveTenant for HeaderResolver {
    fn resolve(&self, parts: &Parts) -> Result<TenantKey, TenantRejection> {
        let value = single_header(&parts.headers, &self.header).ok_or(TenantRejection::NotFound)?;
        let subdomain = match &self.base {
            Some(base) => subdomain_of(value, base),
            None => valid_label(value),
        };
        subdomain
            .map(|s| TenantKey(Key::Subdomain(s.into())))
            .ok_or(TenantRejection::NotFound)
    }
}

/// The tenant is the path segment after a prefix: `/t/acme/api/v1/projects` is `acme` with
/// the prefix `/t`.
///
/// The path is left as it is, so routes are written with the segment in them
/// (`/t/{tenant}/api/v1/projects`, or a nested router).
///
/// ```
/// use taskflow_tenancy::web::resolve::{PathPrefixResolver, ResolveTenant, TenantKey, TenantRejection};
///
/// let resolver = PathPrefixResolver::new("/t/")?;
/// let resolve = |path: &str| {
///     let (parts, ()) = http::Request::get(path).body(()).unwrap().into_parts();
///     resolver.resolve(&parts)
/// };
/// assert_eq!(resolve("/t/acme/api/v1/projects")?, TenantKey::subdomain("acme"));
/// assert_eq!(resolve("/t/acme")?, TenantKey::subdomain("acme"));
/// assert!(matches!(resolve("/acme/api"), Err(TenantRejection::NotFound)));
/// assert!(matches!(resolve("/tx/acme"), Err(TenantRejection::NotFound)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct PathPrefixResolver {
    prefix: Arc<str>,
}

impl PathPrefixResolver {
    /// A resolver reading the segment after `prefix` (`/` for the first segment).
    /// [`Error::InvalidConfig`] when the prefix does not start with `/`.
    ///
    /// See [`PathPrefixResolver`] for an example.
    pub fn new(prefix: &str) -> crate::error::Result<Self> {
        if !prefix.starts_with('/') || prefix.contains(['?', '#']) {
            return Err(Error::InvalidConfig {
                setting: "path_prefix",
                message: format!("`{prefix}` is not an absolute path"),
            });
        }
        Ok(PathPrefixResolver {
            prefix: prefix.trim_end_matches('/').into(),
        })
    }
}

impl ResolveTenant for PathPrefixResolver {
    fn resolve(&self, parts: &Parts) -> Result<TenantKey, TenantRejection> {
        parts
            .uri
            .path()
            .strip_prefix(&*self.prefix)
            .and_then(|rest| rest.strip_prefix('/'))
            .map(|rest| rest.split_once('/').map_or(rest, |(segment, _)| segment))
            .and_then(valid_label)
            .map(|s| TenantKey(Key::Subdomain(s.into())))
            .ok_or(TenantRejection::NotFound)
    }
}

/// The one value of a header that must not repeat; `None` when absent, repeated or not ASCII.
fn single_header<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    let mut values = headers.get_all(name).into_iter();
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    value.to_str().ok()
}

/// The lowercase label if it is a valid, unreserved subdomain.
fn valid_label(label: &str) -> Option<String> {
    let label = label.to_ascii_lowercase();
    validate_subdomain(&label).ok()?;
    Some(label)
}

/// The tenant label of `host` (with an optional port) under `base`, which is normalized.
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
    // ASCII first, so that the byte offsets below fall on character boundaries.
    if !name.is_ascii() || name.len() <= base.len() + 1 {
        return None;
    }
    let (label, suffix) = name.split_at(name.len() - base.len() - 1);
    let under_base = suffix.as_bytes()[0] == b'.' && suffix[1..].eq_ignore_ascii_case(base);
    if !under_base || label.contains('.') {
        return None;
    }
    // IPv4 literals cannot end in a base domain: its last label is never all digits.
    valid_label(label)
}

/// Lowercase, without a trailing dot, each label letters, digits and inner hyphens, and a last
/// label that is not all digits (so that no IPv4 literal can sit under it).
fn normalize_base_domain(base: &str) -> crate::error::Result<String> {
    let invalid = |why: &str| Error::InvalidConfig {
        setting: "base_domain",
        message: format!("`{base}` {why}"),
    };
    let trimmed = base.trim();
    let name = trimmed
        .strip_suffix('.')
        .unwrap_or(trimmed)
        .to_ascii_lowercase();
    if name.is_empty() || name.len() > 253 {
        return Err(invalid("must be a domain name of 1 to 253 characters"));
    }
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if !name.split('.').all(label_ok) {
        return Err(invalid(
            "must be a domain name such as `example.com`, without scheme or port",
        ));
    }
    if name
        .rsplit('.')
        .next()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(invalid("is an IP address, not a domain name"));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(build: http::request::Builder) -> Parts {
        build.body(()).unwrap().into_parts().0
    }

    #[test]
    fn host_rules() {
        let base = "localhost";
        let cases = [
            ("acme.localhost", Some("acme")),
            ("acme.localhost:8080", Some("acme")),
            ("acme.localhost:", Some("acme")),
            ("AcMe.LOCALHOST", Some("acme")),
            ("acme.localhost.", Some("acme")),
            ("acme.localhost.:8080", Some("acme")),
            ("acme.localhost..", None),
            ("acme.localhost:80:80", None),
            ("acme.localhost:http", None),
            ("x.acme.localhost", None),
            (".acme.localhost", None),
            ("localhost", None),
            (".localhost", None),
            ("acmelocalhost", None),
            ("acme.localhost.evil", None),
            ("ab.localhost", None),
            ("www.localhost", None),
            ("a_b.localhost", None),
            ("ac-.localhost", None),
            ("127.0.0.1", None),
            ("127.0.0.1:8080", None),
            ("[::1]", None),
            ("[::1]:8080", None),
            ("::1", None),
            ("", None),
            (":8080", None),
            ("user@acme.localhost", None),
            ("acmé.localhost", None),
            ("ac\u{212A}e.localhost", None),
        ];
        for (host, expected) in cases {
            assert_eq!(subdomain_of(host, base).as_deref(), expected, "{host:?}");
        }
    }

    #[test]
    fn default_bodies_match_the_code_and_message() {
        let rejections = [
            TenantRejection::NotFound,
            TenantRejection::Suspended(TenantId::new_v7()),
            TenantRejection::Unavailable(Error::TenantNotFound),
        ];
        for rejection in rejections {
            let response = rejection.to_response();
            assert_eq!(response.status(), rejection.status());
            let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
            let expected = serde_json::json!({
                "error": { "code": rejection.code(), "message": rejection.message() }
            });
            assert_eq!(body, expected);
        }
    }

    #[test]
    fn base_domains_are_normalized_and_checked() {
        assert_eq!(
            normalize_base_domain(" Example.COM. ").unwrap(),
            "example.com"
        );
        assert_eq!(normalize_base_domain("localhost").unwrap(), "localhost");
        for bad in [
            "",
            ".",
            "a..b",
            "-a.com",
            "a-.com",
            "localhost:80",
            "http://x.com",
            "10.0.0.1",
            "a b.com",
        ] {
            assert!(
                matches!(
                    normalize_base_domain(bad),
                    Err(Error::InvalidConfig {
                        setting: "base_domain",
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_uri_authority_wins_over_the_host_header() {
        let resolver = SubdomainResolver::new("localhost").unwrap();
        let absolute = parts(
            http::Request::get("http://acme.localhost:8080/api").header("host", "globex.localhost"),
        );
        assert_eq!(
            resolver.resolve(&absolute).unwrap(),
            TenantKey::subdomain("acme")
        );
        let twice = parts(
            http::Request::get("/")
                .header("host", "acme.localhost")
                .header("host", "acme.localhost"),
        );
        assert!(matches!(
            resolver.resolve(&twice),
            Err(TenantRejection::NotFound)
        ));
        let missing = parts(http::Request::get("/"));
        assert!(matches!(
            resolver.resolve(&missing),
            Err(TenantRejection::NotFound)
        ));
        let binary = parts(http::Request::get("/").header(
            "host",
            HeaderValue::from_bytes(b"acme\xff.localhost").unwrap(),
        ));
        assert!(matches!(
            resolver.resolve(&binary),
            Err(TenantRejection::NotFound)
        ));
    }

    #[test]
    fn header_and_path_resolvers_need_their_source() {
        let header = HeaderResolver::subdomain(HeaderName::from_static("x-tenant"));
        let no_header = parts(http::Request::get("/").header("host", "acme.localhost"));
        assert!(matches!(
            header.resolve(&no_header),
            Err(TenantRejection::NotFound)
        ));
        let bad = parts(http::Request::get("/").header("x-tenant", "acme.globex"));
        assert!(matches!(
            header.resolve(&bad),
            Err(TenantRejection::NotFound)
        ));

        let root = PathPrefixResolver::new("/").unwrap();
        let path = parts(http::Request::get("/Acme/projects"));
        assert_eq!(root.resolve(&path).unwrap(), TenantKey::subdomain("acme"));
        assert!(PathPrefixResolver::new("t").is_err());
        let empty = parts(http::Request::get("//projects"));
        assert!(matches!(
            root.resolve(&empty),
            Err(TenantRejection::NotFound)
        ));
    }
}
