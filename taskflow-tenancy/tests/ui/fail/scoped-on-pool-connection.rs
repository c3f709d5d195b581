//! A query builder on a bare connection checked out of the pool.
//!
//! A `PoolConnection` (or the `SqliteConnection` inside it) is a connection entered for no
//! tenant: the builder would have to take the tenant from somewhere else, and the connection
//! would not agree with it (on PostgreSQL, row-level security would find no tenant set on it,
//! and a policy-bound role would see no rows). A tenant connection is checked out and entered
//! in one step, `let mut tx = db.begin_read(&scope).await?; Task::scoped(&mut tx)`; for SQL the
//! builders cannot express, `tx.raw()` hands out that same connection, outside the guarantee.

use taskflow_tenancy::{TenantId, tenant_scoped};

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
    pub title: String,
}

async fn on_a_connection(pool: &sqlx::SqlitePool) -> sqlx::Result<()> {
    let mut pool_connection = pool.acquire().await?;
    let _tasks = Task::scoped(&mut *pool_connection);
    Ok(())
}

fn main() {
    let _ = on_a_connection;
}
