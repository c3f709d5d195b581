//! Building a scope with a struct literal.
//!
//! `TenantScope` has no public fields, so it cannot be assembled by hand around a `Tenant`
//! value that was never checked against the database. Get one from `TenantStore::scope`,
//! `TenantStore::scope_by_subdomain` or `TenantStore::admin_scope`.

use std::sync::Arc;

use taskflow_tenancy::{Tenant, TenantId, TenantScope};

fn forge() -> TenantScope {
    let tenant = Tenant {
        id: TenantId::new_v7(),
        name: "Acme".into(),
        subdomain: "acme".into(),
        is_active: true,
        created_at: chrono::Utc::now(),
    };
    TenantScope {
        tenant: Arc::new(tenant),
    }
}

fn main() {
    let _ = forge();
}
