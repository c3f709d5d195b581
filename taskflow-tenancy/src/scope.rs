//! Who a query acts for: tenants and their ids, the verified [`TenantScope`](crate::TenantScope),
//! the [`TenantDb`](crate::TenantDb) handle of one database that issues scopes, the tenant
//! transactions that queries run on, and the audited capability for crossing tenants.

pub(crate) mod admin;
#[cfg(all(feature = "sqlite", feature = "mysql", feature = "postgres"))]
pub(crate) mod any;
pub(crate) mod database;
pub(crate) mod open;
pub(crate) mod tenant;
pub(crate) mod tx;
