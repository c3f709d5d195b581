//! The HTTP side: the tower layer that resolves a request's tenant ([`layer`], from the host
//! or a header by [`resolve`]), per-tenant limits ([`limit`]), tokens bound to the tenant
//! ([`jwt`]) and axum extractors for the scope, the claims and the request's tenant
//! transaction ([`axum`]).

#[cfg(feature = "axum")]
pub mod axum;
#[cfg(feature = "jwt")]
pub mod jwt;
#[cfg(feature = "tower")]
pub mod layer;
#[cfg(feature = "tower")]
pub mod limit;
#[cfg(feature = "tower")]
pub mod resolve;
