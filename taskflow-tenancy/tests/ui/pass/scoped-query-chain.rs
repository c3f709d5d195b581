//! A scoped query chain: filters, orders, keyset pagination and an update, all on a tenant
//! transaction opened for a verified scope, and the SQL they render, which binds the tenant
//! first. The scope and the transaction come from a `TenantDb` on an in-memory SQLite
//! database, so this runs without a server.

use taskflow_tenancy::{AdminCapability, TenantDb, TenantId, TenantTx, tenant_scoped};

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
    pub title: String,
    pub points: i32,
    pub assignee: Option<String>,
}

async fn rename(tx: &mut TenantTx<sqlx::Sqlite>, id: i64) -> taskflow_tenancy::Result<bool> {
    let patch = TaskPatch {
        title: Some("renamed".into()),
        ..Default::default()
    };
    Task::scoped(tx).update_by_key(id, &patch).await
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> taskflow_tenancy::Result<()> {
    let db = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
    db.migrate().await?;
    sqlx::query(
        "CREATE TABLE tasks (tenant_id BLOB NOT NULL REFERENCES tenants (id), \
         id INTEGER NOT NULL, title TEXT NOT NULL, points INTEGER NOT NULL, assignee TEXT, \
         PRIMARY KEY (tenant_id, id))",
    )
    .execute(db.pool())
    .await?;
    let admin = AdminCapability::grant("ui-test", "create the example tenant")?;
    db.create(&admin, "Acme", "acme").await?;
    let scope = db.scope_by_subdomain("acme").await?;
    let mut tx = db.begin(&scope).await?;
    assert_eq!(tx.tenant_id(), scope.tenant_id());

    let open = Task::scoped(&mut tx)
        .filter(Task::TITLE.like("fix%").or(Task::POINTS.ge(8)))
        .filter(Task::ASSIGNEE.is_null())
        .filter(Task::ID.not_in([3_i64, 4]))
        .order_by(Task::POINTS.desc())
        .limit(20)
        .to_sql();
    assert!(open.contains(r#" WHERE "tenant_id" = ? AND "#), "{open}");

    let next_page = Task::scoped(&mut tx)
        .after(Task::POINTS.asc(), 5, 42)
        .limit(20)
        .to_sql();
    assert!(
        next_page.contains(r#"ORDER BY "points" ASC, "id" ASC"#),
        "{next_page}"
    );

    Task::scoped(&mut tx)
        .insert(NewTask {
            id: 1,
            title: "fix the build".into(),
            points: 3,
            assignee: None,
        })
        .await?;
    assert!(rename(&mut tx, 1).await?);
    let renamed = Task::scoped(&mut tx)
        .get(1)
        .await?
        .expect("the task just inserted");
    assert_eq!(renamed.title, "renamed");
    tx.commit().await?;
    Ok(())
}
