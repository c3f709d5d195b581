//! Pairing an sqlx transaction with a tenant id by hand, as an `EnteredTenant`.
//!
//! An `EnteredTenant` is what `AdminTx::enter` returns once it has checked the scope, logged the
//! entry at the audit target and (on PostgreSQL) moved the row-level security setting to that
//! tenant; the builders run on it. A literal would skip all three and bind any id the caller
//! holds. Its fields are private: begin an audited `db.begin_admin(&admin).await?` and call
//! `admin_tx.enter(&scope).await?`.

use taskflow_tenancy::{EnteredTenant, TenantId};

async fn forge(pool: &sqlx::SqlitePool, tenant: TenantId) -> sqlx::Result<()> {
    let mut sqlx_tx = pool.begin().await?;
    let _entered: EnteredTenant<'_, sqlx::Sqlite> = EnteredTenant {
        tx: &mut sqlx_tx,
        tenant,
    };
    Ok(())
}

fn main() {
    let _ = forge;
}
