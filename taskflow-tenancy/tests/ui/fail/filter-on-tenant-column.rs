//! Filtering on the tenant column.
//!
//! The tenant is not a filter: it is the transaction's, bound by every statement. If
//! `tenant_id` could be filtered, `Task::scoped(&mut acme_tx).filter(Task::TENANT_ID.eq(globex))`
//! would be a query whose meaning depends on which of the two wins. There is no column constant
//! for the tenant. Open a transaction of the tenant you want (`db.begin(&globex_scope).await?`),
//! or cross tenants on purpose with `Task::all_tenants(&admin).tenant(id)`.

use taskflow_tenancy::{TenantId, TenantTx, tenant_scoped};

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
    pub title: String,
}

fn other_tenants(tx: &mut TenantTx<sqlx::Sqlite>, other: TenantId) {
    let _ = Task::scoped(tx).filter(Task::TENANT_ID.eq(other));
}

fn main() {}
