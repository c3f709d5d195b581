//! Several tenants in one transaction, on purpose: an audited `AdminTx` creates two tenants and
//! enters them one after the other, each `EnteredTenant` used before the next `enter`. Jobs are
//! enqueued the same way as rows are written, on the tenant connection, and read back in a
//! tenant transaction of their own tenant only.

use taskflow_tenancy::jobs::{self, JobStore};
use taskflow_tenancy::{AdminCapability, TenantDb, TenantId, tenant_scoped};

#[tenant_scoped(table = "notes")]
pub struct Note {
    pub tenant_id: TenantId,
    pub id: i64,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> taskflow_tenancy::Result<()> {
    let db = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
    db.migrate().await?;
    JobStore::new(db.pool().clone()).migrate().await?;
    sqlx::query(
        "CREATE TABLE notes (tenant_id BLOB NOT NULL REFERENCES tenants (id), \
         id INTEGER NOT NULL, PRIMARY KEY (tenant_id, id))",
    )
    .execute(db.pool())
    .await?;
    let admin = AdminCapability::grant("seed", "two tenants with a note and a job each")?;

    let mut admin_tx = db.begin_admin(&admin).await?;
    let mut scopes = Vec::new();
    let mut job_ids = Vec::new();
    for subdomain in ["acme", "globex"] {
        let scope = admin_tx.create_tenant(subdomain, subdomain).await?;
        let mut entered = admin_tx.enter(&scope).await?;
        Note::scoped(&mut entered).insert(NewNote { id: 1 }).await?;
        job_ids.push(jobs::enqueue(&mut entered, "welcome", serde_json::json!({})).await?);
        scopes.push(scope);
    }
    admin_tx.commit().await?;

    let mut tx = db.begin_read(&scopes[0]).await?;
    assert_eq!(Note::scoped(&mut tx).count().await?, 1);
    assert!(jobs::get(&mut tx, job_ids[0]).await?.is_some());
    assert!(jobs::get(&mut tx, job_ids[1]).await?.is_none());
    Ok(())
}
