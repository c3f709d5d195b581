//! axum extractors: the resolved `TenantScope` and the authenticated claims.
//!
//! [`TenantScope`] is an extractor: a handler behind a [`TenantLayer`](crate::layer::TenantLayer)
//! takes `scope: TenantScope` and passes it to its queries. `Option<TenantScope>` extracts
//! `None` where no layer ran. A handler that takes a `TenantScope` but was mounted without the
//! layer answers `500` with the code `tenant_layer_missing` ([`TenantLayerMissing`]): a wiring
//! mistake that should fail loudly in the first test, not panic.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use axum::{Router, body::Body, http::Request, routing::get};
//! use taskflow_tenancy::layer::TenantLayer;
//! use taskflow_tenancy::resolve::{SubdomainResolver, TenantCache};
//! use taskflow_tenancy::{AdminCapability, TenantScope, TenantStore};
//! use tower::ServiceExt;
//!
//! async fn whoami(scope: TenantScope) -> String {
//!     scope.tenant().name.clone()
//! }
//!
//! let store = TenantStore::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
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

use std::convert::Infallible;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;

use crate::TenantScope;
use crate::resolve::json_error;

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
/// [`TenantLayer`](crate::layer::TenantLayer) ran for the request: `500` with
/// `{"error": {"code": "tenant_layer_missing", ...}}`, logged as an error.
///
/// ```
/// use axum::response::IntoResponse;
/// use taskflow_tenancy::axum::TenantLayerMissing;
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
