//! Building a scope with a struct literal.
//!
//! `TenantScope` has no public fields, so it cannot be assembled by hand around a `Tenant`
//! value that was never checked against the database, nor stamped with the identity of a
//! `TenantDb` that never saw the tenant (which its `begin` would then accept). Get one from
//! `TenantDb::scope`, `TenantDb::scope_by_subdomain` or `TenantDb::admin_scope`.

use std::sync::Arc;

use taskflow_tenancy::{Tenant, TenantDb, TenantId, TenantScope};

fn forge(db: &TenantDb<sqlx::Sqlite>) -> TenantScope {
    let tenant = Tenant {
        id: TenantId::new_v7(),
        name: "Acme".into(),
        subdomain: "acme".into(),
        is_active: true,
        created_at: chrono::Utc::now(),
    };
    TenantScope {
        tenant: Arc::new(tenant),
        database: db.id(),
    }
}

fn main() {
    let _ = forge;
}
