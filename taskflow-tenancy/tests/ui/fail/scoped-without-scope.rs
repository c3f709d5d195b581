//! A query with no scope at all.
//!
//! Every query on a tenant-scoped model starts from `Model::scoped(&scope)`, and the scope is
//! not optional: there is no generated method that reads a tenant table without one, so "I
//! forgot the tenant filter" cannot be written. Get the scope from `TenantStore::scope`, the
//! tower layer's request extension or the job runner, and pass it: `Task::scoped(&scope)`.

use taskflow_tenancy::{TenantId, tenant_scoped};

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
    pub title: String,
}

fn main() {
    let _every_tenants_tasks = Task::scoped();
}
