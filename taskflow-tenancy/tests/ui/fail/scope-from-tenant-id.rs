//! Forging a scope from a tenant id with `From` / `Into`.
//!
//! A `TenantScope` is proof that one database handle looked the tenant up and found it active;
//! a conversion from a bare id would skip that check, and would say nothing about which handle
//! it is good for, so there is none. Ask the handle, which checks:
//! `let scope = db.scope(id).await?;`.

use taskflow_tenancy::{TenantId, TenantScope};

fn forge(id: TenantId) {
    let _from = TenantScope::from(id);
    let _into: TenantScope = id.into();
}

fn main() {}
