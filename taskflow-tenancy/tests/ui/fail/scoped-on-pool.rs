//! A query builder on the pool.
//!
//! A pool says nothing about which tenant a query acts for, and each statement on it may run on
//! another connection: one the builder never entered for a tenant (on PostgreSQL, with no
//! row-level security tenant set), and outside any transaction. `Model::scoped` therefore takes
//! only a tenant connection, and a pool is not one, by shared reference or by `&mut`. Open one
//! for a verified scope on the `TenantDb` that issued it:
//! `let mut tx = db.begin(&scope).await?; Task::scoped(&mut tx)`.

use taskflow_tenancy::{TenantId, tenant_scoped};

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
    pub title: String,
}

fn on_the_pool(mut pool: sqlx::SqlitePool) {
    let _shared = Task::scoped(&pool);
    let _exclusive = Task::scoped(&mut pool);
}

fn main() {}
