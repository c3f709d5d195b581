//! axum extractors: the resolved `TenantScope` and the authenticated claims.
