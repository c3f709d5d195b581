//! Calling the crate's own scope constructor.
//!
//! `TenantScope::verified` is what the `TenantDb`, the tower layer and the job runner call after
//! they have looked the tenant up in that handle's tenants table; it is private to the crate so
//! that no other code can skip the lookup, or stamp a tenant it read elsewhere with a handle's
//! identity. Outside the crate, ask the handle: `db.scope(tenant.id).await?`.

use taskflow_tenancy::{Tenant, TenantDb, TenantScope};

fn forge(db: &TenantDb<sqlx::Sqlite>, tenant: Tenant) -> TenantScope {
    TenantScope::verified(tenant, db.id())
}

fn main() {
    let _ = forge;
}
