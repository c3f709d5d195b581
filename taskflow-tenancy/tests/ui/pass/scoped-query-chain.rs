//! A scoped query chain: filters, orders, keyset pagination and an update, all starting from a
//! verified scope, and the SQL they render, which binds the tenant first. The scope comes from
//! the store on an in-memory SQLite database, so this runs without a server.

use taskflow_tenancy::{AdminCapability, TenantId, TenantScope, TenantStore, tenant_scoped};

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
    pub title: String,
    pub points: i32,
    pub assignee: Option<String>,
}

async fn rename(
    pool: &sqlx::SqlitePool,
    scope: &TenantScope,
    id: i64,
) -> taskflow_tenancy::Result<bool> {
    let patch = TaskPatch {
        title: Some("renamed".into()),
        ..Default::default()
    };
    Task::scoped(scope).update_by_key(pool, id, &patch).await
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> taskflow_tenancy::Result<()> {
    let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
    let store = TenantStore::new(pool.clone());
    store.migrate().await?;
    let admin = AdminCapability::grant("ui-test", "create the example tenant")?;
    store.create(&admin, "Acme", "acme").await?;
    let scope = store.scope_by_subdomain("acme").await?;

    let open = Task::scoped(&scope)
        .filter(Task::TITLE.like("fix%").or(Task::POINTS.ge(8)))
        .filter(Task::ASSIGNEE.is_null())
        .filter(Task::ID.not_in([3_i64, 4]))
        .order_by(Task::POINTS.desc())
        .limit(20)
        .to_sql::<sqlx::Sqlite>();
    assert!(open.contains(r#" WHERE "tenant_id" = ? AND "#), "{open}");

    let next_page = Task::scoped(&scope)
        .after(Task::POINTS.asc(), 5, 42)
        .limit(20)
        .to_sql::<sqlx::Sqlite>();
    assert!(
        next_page.contains(r#"ORDER BY "points" ASC, "id" ASC"#),
        "{next_page}"
    );

    let _ = rename;
    Ok(())
}
