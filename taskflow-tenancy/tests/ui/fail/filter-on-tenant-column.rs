//! Filtering on the tenant column.
//!
//! The tenant is not a filter: it is the scope, bound by every statement. If `tenant_id` could
//! be filtered, `Task::scoped(&acme).filter(Task::TENANT_ID.eq(globex))` would be a query whose
//! meaning depends on which of the two wins. There is no column constant for the tenant.
//! Use the scope of the tenant you want, or `Task::all_tenants(&admin).tenant(id)`.

use taskflow_tenancy::{TenantId, TenantScope, tenant_scoped};

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
    pub title: String,
}

fn other_tenants(scope: &TenantScope, other: TenantId) {
    let _ = Task::scoped(scope).filter(Task::TENANT_ID.eq(other));
}

fn main() {}
