//! PostgreSQL defence in depth: row-level security keyed on the transaction's tenant.
//!
//! The query builder binds the tenant on every statement it writes. On PostgreSQL the
//! database can enforce the same rule on its own: [`rls_policy_ddl`] turns on row-level
//! security with a policy that admits only rows of the tenant named by the transaction-local
//! setting [`TENANT_SETTING`], and every [`TenantTx`](crate::TenantTx) on PostgreSQL is a
//! transaction that sets it to its scope's tenant once, when it begins.
//!
//! What that covers, exactly:
//!
//! - **SQL that forgets the tenant.** Raw SQL on [`TenantTx::raw`](crate::TenantTx::raw) without
//!   a tenant predicate reads and writes the entered tenant's rows only, and an `INSERT` of a
//!   row for another tenant fails the policy's `WITH CHECK`.
//! - **Connections outside a tenant.** Outside such a transaction the setting is empty, which
//!   the policy reads as `NULL`: a policy-bound role sees no rows and inserts none, and a
//!   connection returned to the pool carries no tenant into its next use.
//!
//! What it does not cover: SQL that names another tenant on purpose. The setting is an
//! ordinary configuration parameter, so raw SQL that runs
//! `SELECT set_config('taskflow.tenant_id', '<other>', true)` moves the policies to that
//! tenant for the rest of the transaction. The builders never do that, and a `TenantTx` is entered for
//! its tenant once (only an audited [`AdminTx`](crate::AdminTx) enters one tenant after
//! another); raw SQL that does is outside the guarantee, as all raw SQL is. The policies do not bind superusers, roles with `BYPASSRLS`, or (unless
//! forced, as [`rls_policy_ddl`] does) the table owner: the application must connect as a
//! role that has none of these. [`audit_schema_with`] with
//! [`AuditOptions::row_level_security`] checks that.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> taskflow_tenancy::Result<()> {
//! use taskflow_tenancy::postgres::rls_policy_ddl;
//! use taskflow_tenancy::{tenant_scoped, TenantDb, TenantId, TenantModel};
//!
//! #[tenant_scoped(table = "notes")]
//! pub struct Note { pub tenant_id: TenantId, pub id: i64, pub body: String }
//!
//! // As the owner, at migration time:
//! let owner = sqlx::PgPool::connect("postgres://taskflow_owner@localhost/taskflow").await?;
//! for statement in rls_policy_ddl(&Note::INFO) {
//!     sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&owner).await?;
//! }
//!
//! // As the application's role, per request:
//! let db = TenantDb::new(sqlx::PgPool::connect("postgres://taskflow_app@localhost/taskflow").await?);
//! let scope = db.scope_by_subdomain("acme").await?;
//! let mut tx = db.begin(&scope).await?;
//! // Even SQL without a tenant predicate sees Acme's notes only.
//! let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM notes").fetch_one(tx.raw()).await?;
//! let mine = Note::scoped(&mut tx).count().await?;
//! assert_eq!(count as u64, mine);
//! tx.commit().await?;
//! # Ok(())
//! # }
//! ```
//!
//! [`audit_schema_with`]: crate::audit::audit_schema_with
//! [`AuditOptions::row_level_security`]: crate::audit::AuditOptions::row_level_security

use sqlx::PgConnection;

use crate::{Dialect, ModelInfo, Result, TenantId};

/// The transaction-local setting a [`TenantTx`](crate::TenantTx) sets on PostgreSQL and the
/// policies of [`rls_policy_ddl`] read.
///
/// ```
/// assert_eq!(taskflow_tenancy::postgres::TENANT_SETTING, "taskflow.tenant_id");
/// ```
pub const TENANT_SETTING: &str = "taskflow.tenant_id";

/// The name of the policy [`rls_policy_ddl`] creates on each table.
///
/// ```
/// assert_eq!(taskflow_tenancy::postgres::POLICY_NAME, "taskflow_tenant_isolation");
/// ```
pub const POLICY_NAME: &str = "taskflow_tenant_isolation";

/// Sets [`TENANT_SETTING`] to `tenant` for the transaction open on `conn`, until it ends. Only
/// [`TenantTx`](crate::TenantTx) calls it, once, when it begins.
pub(crate) async fn enter_tenant(conn: &mut PgConnection, tenant: TenantId) -> Result<()> {
    sqlx::query("SELECT set_config('taskflow.tenant_id', $1, true)")
        .bind(tenant.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// The statements that put `model`'s table under row-level security keyed on
/// [`TENANT_SETTING`]: enable, force (so the owner is bound too), and a policy for every
/// command whose `USING` and `WITH CHECK` admit only the current tenant's rows.
///
/// Running them again replaces the policy. Outside a [`TenantTx`](crate::TenantTx) the setting
/// is unset or empty, which the policy reads as `NULL`: no row matches, and no insert passes.
///
/// ```
/// use taskflow_tenancy::postgres::rls_policy_ddl;
/// use taskflow_tenancy::{tenant_scoped, TenantId, TenantModel};
///
/// #[tenant_scoped(table = "tasks")]
/// pub struct Task { pub tenant_id: TenantId, pub id: i64 }
///
/// assert_eq!(
///     rls_policy_ddl(&Task::INFO),
///     [
///         r#"ALTER TABLE "tasks" ENABLE ROW LEVEL SECURITY"#,
///         r#"ALTER TABLE "tasks" FORCE ROW LEVEL SECURITY"#,
///         r#"DROP POLICY IF EXISTS "taskflow_tenant_isolation" ON "tasks""#,
///         r#"CREATE POLICY "taskflow_tenant_isolation" ON "tasks" FOR ALL USING ("tenant_id" = NULLIF(current_setting('taskflow.tenant_id', true), '')::uuid) WITH CHECK ("tenant_id" = NULLIF(current_setting('taskflow.tenant_id', true), '')::uuid)"#,
///     ]
/// );
/// ```
pub fn rls_policy_ddl(model: &ModelInfo) -> Vec<String> {
    let q = |ident: &str| Dialect::Postgres.quote(ident);
    let table = q(model.table);
    let policy = q(POLICY_NAME);
    let condition = format!(
        "{} = NULLIF(current_setting('{TENANT_SETTING}', true), '')::uuid",
        q(model.tenant_column)
    );
    vec![
        format!("ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"),
        format!("ALTER TABLE {table} FORCE ROW LEVEL SECURITY"),
        format!("DROP POLICY IF EXISTS {policy} ON {table}"),
        format!(
            "CREATE POLICY {policy} ON {table} FOR ALL USING ({condition}) WITH CHECK ({condition})"
        ),
    ]
}
