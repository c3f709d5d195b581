//! Using an `EnteredTenant` of an `AdminTx` after entering a second tenant.
//!
//! An `AdminTx` is one connection, and it is entered for one tenant at a time: `enter` moves it
//! (on PostgreSQL, its row-level security setting) to the new tenant. An `EnteredTenant` kept
//! from the first `enter` would bind the first tenant on a connection now entered for the
//! second, two tenants at once. Each `EnteredTenant` borrows the `AdminTx` mutably until it is
//! last used, so the first must be done before the second `enter`: finish with `acme` first,
//! then `let mut globex = admin_tx.enter(&globex_scope).await?;`.

use taskflow_tenancy::{AdminCapability, TenantDb, TenantId, TenantScope, tenant_scoped};

#[tenant_scoped(table = "notes")]
pub struct Note {
    pub tenant_id: TenantId,
    pub id: i64,
}

async fn seed(
    db: &TenantDb<sqlx::Sqlite>,
    admin: &AdminCapability,
    acme_scope: &TenantScope,
    globex_scope: &TenantScope,
) -> taskflow_tenancy::Result<()> {
    let mut admin_tx = db.begin_admin(admin).await?;
    let mut acme = admin_tx.enter(acme_scope).await?;
    let mut globex = admin_tx.enter(globex_scope).await?;
    Note::scoped(&mut globex).insert(NewNote { id: 1 }).await?;
    Note::scoped(&mut acme).insert(NewNote { id: 1 }).await?;
    admin_tx.commit().await
}

fn main() {
    let _ = seed;
}
