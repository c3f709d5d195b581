//! The statements a model renders once and reuses (a row by key, a one-row insert, the head of
//! every `SELECT`) defend invariant 2, "the tenant is always bound": whichever tenant filled
//! the cache, each later call binds its own scope's tenant. And each model has statements of
//! its own, on every backend.

#![allow(missing_docs)]

use taskflow_tenancy::{
    AdminCapability, Backend, FetchRows, Tenant, TenantDb, TenantScope, TenantTx, tenant_scoped,
};

#[tenant_scoped(table = "notes")]
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub tenant_id: taskflow_tenancy::TenantId,
    pub id: i64,
    pub body: String,
    pub stars: i32,
}

#[tenant_scoped(table = "tags")]
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    pub tenant_id: taskflow_tenancy::TenantId,
    pub id: i64,
    pub label: String,
}

fn schema(dialect: taskflow_tenancy::Dialect) -> [String; 2] {
    use taskflow_tenancy::Dialect::*;
    let (tenant, text) = match dialect {
        Sqlite => ("BLOB", "TEXT"),
        MySql => ("BINARY(16)", "VARCHAR(200)"),
        Postgres => ("UUID", "TEXT"),
        _ => unreachable!("no other dialects"),
    };
    [
        format!(
            "CREATE TABLE notes (tenant_id {tenant} NOT NULL REFERENCES tenants (id), \
             id BIGINT NOT NULL, body {text} NOT NULL, stars INTEGER NOT NULL, \
             PRIMARY KEY (tenant_id, id))"
        ),
        format!(
            "CREATE TABLE tags (tenant_id {tenant} NOT NULL REFERENCES tenants (id), \
             id BIGINT NOT NULL, label {text} NOT NULL, PRIMARY KEY (tenant_id, id))"
        ),
    ]
}

async fn exercise<DB>(pool: sqlx::Pool<DB>)
where
    DB: Backend,
    Note: for<'r> sqlx::FromRow<'r, DB::Row>,
    Tag: for<'r> sqlx::FromRow<'r, DB::Row>,
    Tenant: for<'r> sqlx::FromRow<'r, DB::Row>,
    TenantTx<DB>: FetchRows<Note> + FetchRows<Tag>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'c> &'c sqlx::Pool<DB>: sqlx::Executor<'c, Database = DB>,
{
    let db = TenantDb::new(pool);
    db.migrate().await.unwrap();
    for ddl in schema(DB::DIALECT) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(ddl))
            .execute(db.pool())
            .await
            .unwrap();
    }
    let admin = AdminCapability::grant("tests", "statement cache").unwrap();
    let a = db.create(&admin, "Acme", "acme").await.unwrap();
    let b = db.create(&admin, "Globex", "globex").await.unwrap();
    let acme: TenantScope = db.scope(a.id).await.unwrap();
    let globex: TenantScope = db.scope(b.id).await.unwrap();

    // Acme's calls render and keep the statements; Globex's reuse them with the same key.
    for (scope, body) in [(&acme, "acme's"), (&globex, "globex's")] {
        let note = NewNote {
            id: 1,
            body: body.into(),
            stars: 3,
        };
        let mut tx = db.begin(scope).await.unwrap();
        Note::scoped(&mut tx).insert(note).await.unwrap();
        tx.commit().await.unwrap();
    }
    for (scope, body) in [(&acme, "acme's"), (&globex, "globex's"), (&acme, "acme's")] {
        let mut tx = db.begin_read(scope).await.unwrap();
        let got = Note::scoped(&mut tx).get(1).await.unwrap().unwrap();
        assert_eq!(got.tenant_id, scope.tenant_id());
        assert_eq!(got.body, body);
        // The same row through the rendered path (a filter makes the statement vary).
        let filtered = Note::scoped(&mut tx)
            .filter(Note::STARS.ge(0))
            .get(1)
            .await
            .unwrap();
        assert_eq!(filtered.as_ref(), Some(&got));
        assert!(Note::scoped(&mut tx).get(2).await.unwrap().is_none());
        tx.commit().await.unwrap();
    }
    assert_eq!(Note::all_tenants(&admin).count(db.pool()).await.unwrap(), 2);
    for scope in [&acme, &globex] {
        let mut tx = db.begin_read(scope).await.unwrap();
        let listed = Note::scoped(&mut tx).fetch_all().await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].tenant_id, scope.tenant_id());
        tx.commit().await.unwrap();
    }

    // Another model, after Note's statements are cached, runs statements of its own.
    let mut tx = db.begin(&globex).await.unwrap();
    let tag = Tag::scoped(&mut tx)
        .insert(NewTag {
            id: 1,
            label: "urgent".into(),
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin_read(&globex).await.unwrap();
    assert_eq!(Tag::scoped(&mut tx).get(1).await.unwrap(), Some(tag));
    assert_eq!(Tag::scoped(&mut tx).fetch_all().await.unwrap().len(), 1);
    tx.commit().await.unwrap();
    let mut tx = db.begin_read(&acme).await.unwrap();
    assert!(Tag::scoped(&mut tx).get(1).await.unwrap().is_none());
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn sqlite_cached_statements_bind_the_scope() {
    let db = taskflow_tenancy::testkit::sqlite().await.unwrap();
    exercise(db.pool.clone()).await;
}

#[tokio::test]
async fn mysql_cached_statements_bind_the_scope() {
    let Some(url) = taskflow_tenancy::testkit::mysql_url() else {
        return;
    };
    let (pool, _) = taskflow_tenancy::testkit::mysql(&url).await.unwrap();
    exercise(pool).await;
}

#[tokio::test]
async fn postgres_cached_statements_bind_the_scope() {
    let Some(url) = taskflow_tenancy::testkit::postgres_url() else {
        return;
    };
    let (pool, _) = taskflow_tenancy::testkit::postgres(&url).await.unwrap();
    exercise(pool).await;
}
