//! Per-tenant rate and concurrency limits.
