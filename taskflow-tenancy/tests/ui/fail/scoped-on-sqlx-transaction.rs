//! A query builder on a plain sqlx transaction.
//!
//! An sqlx `Transaction` is one connection, but nothing in it says which tenant it is for: it
//! was begun on the pool, not for a verified scope, and on PostgreSQL it has no row-level
//! security tenant set (or the one some earlier code set by hand). Only a `TenantTx` carries its
//! tenant with its connection, entered once when it began. Begin the transaction on the
//! `TenantDb`, for the scope: `let mut tx = db.begin(&scope).await?; Task::scoped(&mut tx)`.

use taskflow_tenancy::{TenantId, tenant_scoped};

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
    pub title: String,
}

async fn in_a_transaction(pool: &sqlx::SqlitePool) -> sqlx::Result<()> {
    let mut sqlx_tx = pool.begin().await?;
    let _tasks = Task::scoped(&mut sqlx_tx);
    sqlx_tx.commit().await
}

fn main() {
    let _ = in_a_transaction;
}
