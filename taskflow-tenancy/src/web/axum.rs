//! axum extractors: the resolved `TenantScope` and the authenticated claims.
//!
//! [`TenantScope`] is an extractor: a handler behind a [`TenantLayer`](crate::web::layer::TenantLayer)
//! takes `scope: TenantScope` and passes it to its queries. `Option<TenantScope>` extracts
//! `None` where no layer ran. A handler that takes a `TenantScope` but was mounted without the
//! layer answers `500` with the code `tenant_layer_missing` ([`TenantLayerMissing`]): a wiring
//! mistake that should fail loudly in the first test, not panic.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use axum::{Router, body::Body, http::Request, routing::get};
//! use taskflow_tenancy::web::layer::TenantLayer;
//! use taskflow_tenancy::web::resolve::{SubdomainResolver, TenantCache};
//! use taskflow_tenancy::{AdminCapability, TenantScope, TenantDb};
//! use tower::ServiceExt;
//!
//! async fn whoami(scope: TenantScope) -> String {
//!     scope.tenant().name.clone()
//! }
//!
//! let store = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
//! store.migrate().await?;
//! store.create(&AdminCapability::grant("docs", "example")?, "Acme", "acme").await?;
//! let layer = TenantLayer::new(SubdomainResolver::new("localhost")?, TenantCache::new(store));
//!
//! let tenant_routes = Router::new().route("/whoami", get(whoami)).layer(layer);
//! let request = Request::get("/whoami").header("host", "acme.localhost").body(Body::empty())?;
//! let response = tenant_routes.oneshot(request).await?;
//! let body = axum::body::to_bytes(response.into_body(), 1024).await?;
//! assert_eq!(body, "Acme");
//!
//! // The same handler without the layer: a clear 500, not a panic.
//! let forgotten = Router::new().route("/whoami", get(whoami));
//! let request = Request::get("/whoami").header("host", "acme.localhost").body(Body::empty())?;
//! let response = forgotten.oneshot(request).await?;
//! assert_eq!(response.status(), 500);
//! let body = axum::body::to_bytes(response.into_body(), 1024).await?;
//! assert!(std::str::from_utf8(&body)?.contains(r#""code":"tenant_layer_missing""#));
//! # Ok(())
//! # }
//! ```

mod tx;

use std::convert::Infallible;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;

use crate::scope::tenant::TenantScope;
use crate::web::resolve::json_error;

pub use tx::{
    BeginTenant, RequestTx, RequestTxRejection, TenantTxFuture, TenantTxLayer, TenantTxService,
};

impl<S: Send + Sync> FromRequestParts<S> for TenantScope {
    type Rejection = TenantLayerMissing;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<TenantScope>()
            .cloned()
            .ok_or(TenantLayerMissing)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for TenantScope {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<TenantScope>().cloned())
    }
}

/// The rejection of the [`TenantScope`] extractor when no
/// [`TenantLayer`](crate::web::layer::TenantLayer) ran for the request: `500` with
/// `{"error": {"code": "tenant_layer_missing", ...}}`, logged as an error.
///
/// ```
/// use axum::response::IntoResponse;
/// use taskflow_tenancy::web::axum::TenantLayerMissing;
///
/// let response = TenantLayerMissing.into_response();
/// assert_eq!(response.status(), 500);
/// assert_eq!(response.headers()["content-type"], "application/json");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the handler needs a TenantScope, but no TenantLayer ran for this route")]
pub struct TenantLayerMissing;

impl IntoResponse for TenantLayerMissing {
    fn into_response(self) -> Response {
        tracing::error!("{self}: add the TenantLayer to the router that serves this route");
        json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "tenant_layer_missing",
            "this route is not set up to serve a tenant",
        )
        .map(axum::body::Body::from)
    }
}

/// The claims of the request's bearer token, verified for the request's tenant (features
/// `axum` and `jwt`).
///
/// The extractor reads `Authorization: Bearer <token>` and checks it with
/// [`JwtKeys::verify`](crate::web::jwt::JwtKeys::verify) against the [`TenantScope`] that the
/// [`TenantLayer`](crate::web::layer::TenantLayer) put in the request, so a token of another tenant
/// is refused. The [`JwtKeys`](crate::web::jwt::JwtKeys) come from the router's state through
/// [`FromRef`](axum::extract::FromRef) (a state that *is* the keys, or a struct with a
/// `JwtKeys` field and `#[derive(FromRef)]`): a router whose state lacks them does not compile,
/// where a missing request extension would only fail at run time.
///
/// A failure answers `401 {"error": {"code": "unauthorized", ...}}` with
/// `WWW-Authenticate: Bearer` ([`AuthRejection`]). Whether the user `sub` still exists, whether
/// the `role` is one the application knows, and what it allows, are the application's to check.
///
/// `Option<AuthClaims>` is `None` for a request without an `Authorization` header, and
/// still refuses a bad token.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use axum::{Router, body::Body, http::Request, routing::get};
/// use taskflow_tenancy::web::axum::AuthClaims;
/// use taskflow_tenancy::web::jwt::JwtKeys;
/// use taskflow_tenancy::web::layer::TenantLayer;
/// use taskflow_tenancy::web::resolve::{SubdomainResolver, TenantCache};
/// use taskflow_tenancy::{AdminCapability, TenantDb};
/// use tower::ServiceExt;
///
/// async fn me(AuthClaims(claims): AuthClaims) -> String {
///     format!("{} is {}", claims.sub, claims.role)
/// }
///
/// let store = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
/// store.migrate().await?;
/// let admin = AdminCapability::grant("docs", "two example tenants")?;
/// store.create(&admin, "Acme", "acme").await?;
/// store.create(&admin, "Globex", "globex").await?;
/// let keys = JwtKeys::hs256(b"a secret of at least thirty-two bytes!")?;
/// let token = keys.issue(&store.scope_by_subdomain("acme").await?, "ada", "admin")?;
///
/// let layer = TenantLayer::new(SubdomainResolver::new("localhost")?, TenantCache::new(store));
/// let app = Router::new().route("/me", get(me)).layer(layer).with_state(keys);
///
/// let on = |host: &str| {
///     Request::get("/me")
///         .header("host", host)
///         .header("authorization", format!("Bearer {token}"))
///         .body(Body::empty())
/// };
/// let response = app.clone().oneshot(on("acme.localhost")?).await?;
/// let body = axum::body::to_bytes(response.into_body(), 1024).await?;
/// assert_eq!(body, "ada is admin");
/// // Acme's token on Globex's host.
/// let response = app.oneshot(on("globex.localhost")?).await?;
/// assert_eq!(response.status(), 401);
/// # Ok(())
/// # }
/// ```
#[cfg(feature = "jwt")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthClaims(pub crate::web::jwt::Claims);

/// The rejection of [`AuthClaims`].
///
/// ```
/// use axum::response::IntoResponse;
/// use taskflow_tenancy::web::axum::AuthRejection;
/// use taskflow_tenancy::web::jwt::JwtError;
///
/// let response = AuthRejection::Unauthorized(JwtError::Expired).into_response();
/// assert_eq!(response.status(), 401);
/// assert_eq!(response.headers()["www-authenticate"], "Bearer");
/// ```
#[cfg(feature = "jwt")]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthRejection {
    /// No token, or one that is not valid for this tenant: `401 unauthorized`. Key problems
    /// ([`JwtError::Key`](crate::web::jwt::JwtError::Key)) are the server's and answer `500`.
    #[error(transparent)]
    Unauthorized(crate::web::jwt::JwtError),
    /// No tenant layer ran for the route: `500 tenant_layer_missing`.
    #[error(transparent)]
    TenantLayerMissing(#[from] TenantLayerMissing),
}

#[cfg(feature = "jwt")]
impl From<crate::web::jwt::JwtError> for AuthRejection {
    fn from(err: crate::web::jwt::JwtError) -> Self {
        AuthRejection::Unauthorized(err)
    }
}

#[cfg(feature = "jwt")]
impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        use crate::web::jwt::JwtError;
        match self {
            AuthRejection::Unauthorized(err @ (JwtError::Key(_) | JwtError::CannotIssue)) => {
                tracing::error!("cannot verify tokens: {err}");
                json_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "the server cannot verify tokens",
                )
                .map(axum::body::Body::from)
            }
            AuthRejection::Unauthorized(err) => {
                tracing::debug!("token refused: {err}");
                let mut response =
                    json_error(StatusCode::UNAUTHORIZED, "unauthorized", &err.to_string())
                        .map(axum::body::Body::from);
                response.headers_mut().insert(
                    http::header::WWW_AUTHENTICATE,
                    http::HeaderValue::from_static("Bearer"),
                );
                response
            }
            AuthRejection::TenantLayerMissing(missing) => missing.into_response(),
        }
    }
}

/// The token of `Authorization: Bearer <token>`; `None` when there is no such header.
#[cfg(feature = "jwt")]
fn bearer_token(headers: &http::HeaderMap) -> Result<Option<&str>, crate::web::jwt::JwtError> {
    use crate::web::jwt::JwtError;
    let mut values = headers.get_all(http::header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    // Two credentials leave it to chance which one a proxy or this server would read.
    if values.next().is_some() {
        return Err(JwtError::Malformed);
    }
    let value = value.to_str().map_err(|_| JwtError::Malformed)?;
    match value.trim().split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
            let token = token.trim();
            if token.is_empty() {
                Err(JwtError::Missing)
            } else {
                Ok(Some(token))
            }
        }
        _ => Err(JwtError::Malformed),
    }
}

#[cfg(feature = "jwt")]
fn verify_request(
    parts: &Parts,
    keys: &crate::web::jwt::JwtKeys,
) -> Result<Option<AuthClaims>, AuthRejection> {
    let Some(token) = bearer_token(&parts.headers)? else {
        return Ok(None);
    };
    let scope = parts
        .extensions
        .get::<TenantScope>()
        .ok_or(TenantLayerMissing)?;
    Ok(Some(AuthClaims(keys.verify(token, scope)?)))
}

#[cfg(feature = "jwt")]
impl<S> FromRequestParts<S> for AuthClaims
where
    S: Send + Sync,
    crate::web::jwt::JwtKeys: axum::extract::FromRef<S>,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if parts.extensions.get::<TenantScope>().is_none() {
            return Err(TenantLayerMissing.into());
        }
        let keys = <crate::web::jwt::JwtKeys as axum::extract::FromRef<S>>::from_ref(state);
        verify_request(parts, &keys)?.ok_or(crate::web::jwt::JwtError::Missing.into())
    }
}

#[cfg(feature = "jwt")]
impl<S> OptionalFromRequestParts<S> for AuthClaims
where
    S: Send + Sync,
    crate::web::jwt::JwtKeys: axum::extract::FromRef<S>,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let keys = <crate::web::jwt::JwtKeys as axum::extract::FromRef<S>>::from_ref(state);
        verify_request(parts, &keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_missing_scope_is_none_or_a_500() {
        let (mut parts, ()) = http::Request::new(()).into_parts();
        let optional =
            <TenantScope as OptionalFromRequestParts<()>>::from_request_parts(&mut parts, &())
                .await;
        assert!(matches!(optional, Ok(None)));
        let required =
            <TenantScope as FromRequestParts<()>>::from_request_parts(&mut parts, &()).await;
        let response = required.unwrap_err().into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["error"]["code"], "tenant_layer_missing");
    }
}
