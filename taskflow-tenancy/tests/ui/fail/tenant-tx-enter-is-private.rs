//! Entering a tenant on a transaction of one's own with `TenantTx::enter`.
//!
//! `TenantTx::enter` is the one place a tenant is entered on a connection; the crate calls it
//! only after checking that the scope was issued by the `TenantDb` whose pool the transaction
//! came from (`Error::ForeignScope` otherwise). Called from outside, it would turn any sqlx
//! transaction, of any database, into a tenant connection for any scope. It is private to the
//! crate: call `db.begin(&scope).await?`, which checks the scope and enters it.

use taskflow_tenancy::{TenantScope, TenantTx};

async fn enter(
    pool: &sqlx::SqlitePool,
    scope: TenantScope,
) -> taskflow_tenancy::Result<TenantTx<sqlx::Sqlite>> {
    let sqlx_tx = pool.begin().await?;
    TenantTx::enter(sqlx_tx, scope, None).await
}

fn main() {
    let _ = enter;
}
