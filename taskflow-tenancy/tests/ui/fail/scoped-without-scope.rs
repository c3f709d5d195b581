//! A query with no tenant at all.
//!
//! Every query on a tenant-scoped model starts from `Model::scoped(&mut tx)`, and the tenant
//! transaction is not optional: there is no generated method that reads a tenant table without
//! one, so "I forgot the tenant filter" cannot be written. Get the scope from
//! `TenantDb::scope`, the tower layer or the job runner, open its transaction and pass that:
//! `let mut tx = db.begin(&scope).await?; Task::scoped(&mut tx)` (in an axum handler, the
//! `RequestTx` extractor gives the request's: `Task::scoped(&mut *tx)`).

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
