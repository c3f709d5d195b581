//! Calling the crate's own scope constructor.
//!
//! `TenantScope::verified` is what the store, the tower layer and the job runner call after
//! they have looked the tenant up; it is private to the crate so that no other code can skip
//! the lookup. Outside the crate, ask the store: `store.scope(tenant.id).await?`.

use taskflow_tenancy::{Tenant, TenantScope};

fn forge(tenant: Tenant) -> TenantScope {
    TenantScope::verified(tenant)
}

fn main() {}
