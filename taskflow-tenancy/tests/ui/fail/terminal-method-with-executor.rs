//! Giving a terminal method an executor of its own.
//!
//! The builder runs its statement on the tenant connection it was made from, so the tenant it
//! binds and the connection it runs on cannot differ; an executor passed to `fetch_all` would
//! send the statement elsewhere: to the pool, outside the transaction, or to a connection
//! entered for another tenant. The terminal methods (`fetch_all`, `fetch_optional`,
//! `fetch_one`, `get`, `count`, `exists`, `insert`, `insert_many`, `update`, `update_by_key`,
//! `delete`, `delete_by_key`) take no executor: `Task::scoped(&mut tx).fetch_all().await?`.

use taskflow_tenancy::{TenantId, TenantTx, tenant_scoped};

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
    pub title: String,
}

async fn list(
    tx: &mut TenantTx<sqlx::Sqlite>,
    pool: &sqlx::SqlitePool,
) -> taskflow_tenancy::Result<Vec<Task>> {
    Task::scoped(tx).fetch_all(pool).await
}

fn main() {
    let _ = list;
}
