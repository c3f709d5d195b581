//! Inserting through the cross-tenant builder.
//!
//! `Model::all_tenants(&admin)` reads and deletes; it never inserts or updates, since a row
//! written for a tenant needs that tenant's verified scope (an admin gets it with
//! `store.admin_scope(&admin, id).await?`). Write through `Task::scoped(&scope)`.

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
