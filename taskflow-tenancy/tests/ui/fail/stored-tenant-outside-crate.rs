//! Building a `resolve::StoredTenant` outside the crate.
//!
//! A `TenantLookup` (what the tower layer's `TenantCache` reads on a miss) answers with
//! `StoredTenant`s, and the layer mints a request's scope from each, for the handle named in
//! it. A lookup that could make them itself would be a back door to a scope: a tenant taken
//! from a header or a token, never read from a tenants table, stamped with any handle's
//! identity. Only a `TenantDb` makes them; a lookup of your own wraps one and passes its answers
//! on (`self.db.by_subdomain(s).await`), to count, time or log them.

use std::sync::Arc;

use taskflow_tenancy::web::resolve::StoredTenant;
use taskflow_tenancy::{Tenant, TenantDb};

fn forge(db: &TenantDb<sqlx::Sqlite>, tenant: Tenant) -> StoredTenant {
    StoredTenant(Arc::new(tenant), db.id())
}

fn forge_with_the_crates_constructor(db: &TenantDb<sqlx::Sqlite>, tenant: Tenant) -> StoredTenant {
    StoredTenant::from_store(tenant, db.id())
}

fn main() {
    let _ = (forge, forge_with_the_crates_constructor);
}
