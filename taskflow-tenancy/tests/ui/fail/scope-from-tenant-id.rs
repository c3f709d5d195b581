//! Forging a scope from a tenant id with `From` / `Into`.
//!
//! A `TenantScope` is proof that the tenant was looked up and is active; a conversion from a
//! bare id would skip that check, so there is none. Ask the store, which checks:
//! `let scope = store.scope(id).await?;`.

use taskflow_tenancy::{TenantId, TenantScope};

fn forge(id: TenantId) {
    let _from = TenantScope::from(id);
    let _into: TenantScope = id.into();
}

fn main() {}
