//! A bare tenant id (or its UUID) where the scope goes.
//!
//! A `TenantId` is plain data: it may come from a URL, a form or another tenant's row, and
//! holding one proves nothing. `Model::scoped` takes a `TenantScope`, which only the verified
//! paths mint (the tenant exists and is active). Turn the id into a scope with
//! `store.scope(id).await?`, or cross tenants on purpose with `Model::all_tenants(&admin)`.

use taskflow_tenancy::{TenantId, tenant_scoped};
use uuid::Uuid;

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
    pub title: String,
}

fn list(tenant_id: TenantId, raw: Uuid) {
    let _by_id = Task::scoped(&tenant_id);
    let _by_uuid = Task::scoped(&raw);
}

fn main() {}
