//! JWT tokens bound to a tenant.
