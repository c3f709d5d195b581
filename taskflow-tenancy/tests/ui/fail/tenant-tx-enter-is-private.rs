//! Making a tenant transaction of a transaction of one's own with `TenantTx::entered`.
//!
//! `TenantTx::entered` is the one place a transaction becomes a tenant connection; the crate
//! calls it only on a transaction it began entered for the scope's tenant, after checking that
//! the scope was issued by the `TenantDb` whose pool the transaction came from
//! (`Error::ForeignScope` otherwise). Called from outside, it would turn any transaction, of any
//! database, into a tenant connection for any scope. It is private to the crate: call
//! `db.begin(&scope).await?`, which checks the scope and enters it. (It also takes the crate's
//! own transaction type, which nothing outside the crate can make.)

use taskflow_tenancy::{TenantScope, TenantTx};

async fn enter(
    pool: &sqlx::SqlitePool,
    scope: TenantScope,
) -> taskflow_tenancy::Result<TenantTx<sqlx::Sqlite>> {
    let sqlx_tx = pool.begin().await?;
    Ok(TenantTx::entered(sqlx_tx, scope, None, false))
}

fn main() {
    let _ = enter;
}
