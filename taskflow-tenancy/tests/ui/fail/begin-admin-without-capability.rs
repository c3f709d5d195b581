//! Beginning a cross-tenant transaction without an admin capability.
//!
//! An `AdminTx` creates tenants and enters one after another in a single transaction, so it
//! can write into any tenant of the database. It is operator work: `db.begin_admin` takes an
//! `AdminCapability`, granted by name with a reason, and logs the grant, the transaction and
//! each tenant it enters at the audit target. A scope, proof of one tenant, is not that
//! permission: `db.begin_admin(&AdminCapability::grant("seed", "why")?).await?`.

use taskflow_tenancy::{TenantDb, TenantScope};

async fn seed(db: &TenantDb<sqlx::Sqlite>, scope: &TenantScope) -> taskflow_tenancy::Result<()> {
    let tx = db.begin_admin(scope).await?;
    tx.commit().await
}

fn main() {
    let _ = seed;
}
