//! Minting a scope with the handle's own `admit`.
//!
//! `TenantDb::admit` stamps a tenant with the handle's identity, making it a scope that
//! handle's `begin` accepts; the crate calls it only for a tenant it has just read from that
//! handle's tenants table, or created there. Called from outside, it would turn any `Tenant`
//! value (deserialized, made up, read from another database) into a scope for this one. It is
//! private to the crate: ask the handle to look the tenant up, `db.scope(tenant.id).await?`.

use taskflow_tenancy::{Tenant, TenantDb, TenantScope};

fn forge(db: &TenantDb<sqlx::Sqlite>, tenant: Tenant) -> TenantScope {
    db.admit(tenant)
}

fn main() {
    let _ = forge;
}
