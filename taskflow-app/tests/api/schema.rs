//! The migrated schema holds up its end: the library's audit finds nothing on it.

use taskflow_app::model::MODELS;
use taskflow_app::with_pool;
use taskflow_tenancy::audit::audit_schema;

use crate::helpers::TestApp;

api_tests!(
    the_schema_audit_finds_nothing,
    migrating_again_changes_nothing
);

async fn the_schema_audit_finds_nothing(app: TestApp) {
    let report = with_pool!(&app.db, pool => audit_schema(pool, &MODELS).await).unwrap();
    assert!(report.is_clean(), "{report}");
}

async fn migrating_again_changes_nothing(app: TestApp) {
    app.db.migrate().await.unwrap();
    let applied: i64 = with_pool!(&app.db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM _sqlx_migrations"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_eq!(applied, 6);
}
