//! The migrated schema holds up its end: the library's audit finds nothing on it, and on
//! PostgreSQL row-level security binds the role the app connects as.

use taskflow_app::model::MODELS;
use taskflow_tenancy::AnyTenantDb as Db;
use taskflow_tenancy::audit::{AuditOptions, audit_schema, audit_schema_with};

use crate::helpers::{APP_ROLE, Backend, TestApp};

api_tests!(
    the_schema_audit_finds_nothing,
    migrating_again_changes_nothing
);

async fn the_schema_audit_finds_nothing(app: TestApp) {
    let report = crate::on_pool!(&app.db, pool => audit_schema(pool, &MODELS).await).unwrap();
    assert!(report.is_clean(), "{report}");
}

async fn migrating_again_changes_nothing(app: TestApp) {
    taskflow_app::db::migrate(&app.db).await.unwrap();
    let applied: i64 = crate::on_pool!(&app.db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM _sqlx_migrations"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    // PostgreSQL has three more: its row-level security policies, the tenant entries they read,
    // and those entries signed instead of stored; MariaDB one: byte-for-byte uniqueness.
    let expected = match app.db {
        Db::Postgres(_) => 19,
        Db::MySql(_) => 17,
        Db::Sqlite(_) => 16,
    };
    assert_eq!(applied, expected);
}

/// On PostgreSQL (the only backend with row-level security) the app's own connection passes
/// the audit with the row-level security checks on (not a superuser, no BYPASSRLS, owns no
/// table, every tenant table forced with a policy on the transaction-local tenant), and raw SQL
/// outside a scoped transaction sees no tenant's rows.
#[tokio::test]
async fn the_postgres_app_role_is_bound_by_row_level_security() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let Db::Postgres(app_db) = &app.app_db else {
        unreachable!("a PostgreSQL test server")
    };
    let pool = app_db.pool();
    let options = AuditOptions::new().row_level_security(true);
    let report = audit_schema_with(pool, &MODELS, options).await.unwrap();
    assert!(report.is_clean(), "{report}");

    let role: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(role, APP_ROLE);

    let acme = app.signup("acme").await;
    let project = app.project(&acme, "Launch").await;
    app.task(&acme, &project, "Ship it").await;
    // The owner sees the rows; the app's role, outside a tenant's transaction, sees none of
    // them and cannot write one.
    let Db::Postgres(owner) = &app.db else {
        unreachable!()
    };
    let owner = owner.pool();
    for table in ["users", "projects", "tasks"] {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let owned: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_one(owner)
            .await
            .unwrap();
        let seen: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!((owned, seen), (1, 0), "{table}");
    }
    let refused = sqlx::query(
        "INSERT INTO projects (tenant_id, id, name, created_at, updated_at)
         VALUES ($1::uuid, gen_random_uuid(), 'Smuggled', now(), now())",
    )
    .bind(&acme.tenant_id)
    .execute(pool)
    .await
    .unwrap_err();
    let code = refused.as_database_error().and_then(|e| e.code());
    assert_eq!(code.as_deref(), Some("42501"), "{refused}");
}
