//! Inserting through the cross-tenant builder.
//!
//! `Model::all_tenants(&admin)` reads and deletes; it never inserts or updates, since a row
//! written for a tenant must be written on a connection entered for that tenant, which is where
//! the insert takes the tenant from. An admin gets one with `db.admin_scope(&admin, id).await?`
//! and `db.begin(&scope).await?`, or, for several tenants in one transaction, with
//! `db.begin_admin(&admin).await?` and `admin_tx.enter(&scope).await?`. Write through
//! `Task::scoped(&mut tx).insert(..)`.

use taskflow_tenancy::{AdminCapability, TenantId, tenant_scoped};

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
    pub title: String,
}

async fn seed(pool: &sqlx::SqlitePool, admin: &AdminCapability) {
    let _ = Task::all_tenants(admin)
        .insert(
            pool,
            NewTask {
                id: 1,
                title: "seeded".into(),
            },
        )
        .await;
}

fn main() {
    let _ = seed;
}
