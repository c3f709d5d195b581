//! PostgreSQL defence in depth: transaction-local tenant and row-level security.
//!
//! The query builder binds the tenant on every statement it writes. On PostgreSQL the
//! database can enforce the same rule on its own, for raw SQL too: [`rls_policy_ddl`] turns on
//! row-level security with a policy that admits only rows of the tenant named by the setting
//! [`TENANT_SETTING`], and [`begin_scoped`] opens a transaction with that setting set to the
//! scope's tenant, for that transaction only.
//!
//! Outside such a transaction the setting is empty and a policy-bound role sees no rows at all,
//! so a connection returned to the pool carries no tenant into the next use. The policy does
//! not bind superusers or roles with `BYPASSRLS`; the application must connect as a role that
//! neither owns the tables nor has those attributes. [`audit_schema_with`] with
//! [`AuditOptions::row_level_security`] checks all of this.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> taskflow_tenancy::Result<()> {
//! use taskflow_tenancy::postgres::{begin_scoped, rls_policy_ddl};
//! use taskflow_tenancy::{tenant_scoped, TenantId, TenantModel, TenantStore};
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
//! let pool = sqlx::PgPool::connect("postgres://taskflow_app@localhost/taskflow").await?;
//! let scope = TenantStore::new(pool.clone()).scope_by_subdomain("acme").await?;
//! let mut tx = begin_scoped(&pool, &scope).await?;
//! // Even SQL without a tenant predicate sees Acme's notes only.
//! let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM notes").fetch_one(&mut *tx).await?;
//! let mine = Note::scoped(&scope).count(&mut *tx).await?;
//! assert_eq!(count as u64, mine);
//! tx.commit().await?;
//! # Ok(())
//! # }
//! ```
//!
//! [`audit_schema_with`]: crate::audit::audit_schema_with
//! [`AuditOptions::row_level_security`]: crate::audit::AuditOptions::row_level_security

use sqlx::{Acquire, PgConnection, Postgres, Transaction};

use crate::{AsTenantScope, Dialect, ModelInfo, Result};

/// The setting [`begin_scoped`] sets and the policies of [`rls_policy_ddl`] read.
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

/// Begins a transaction on `conn` (`&pool`, `&mut *conn` or `&mut *tx`, which makes a
/// savepoint) with [`TENANT_SETTING`] set to the scope's tenant until it ends.
///
/// The tenant is bound as a parameter, and the setting is transaction-local
/// (`set_config(.., true)`): commit or rollback clears it, so the pooled connection carries no
/// tenant into its next use. Inside, tables under [`rls_policy_ddl`] show and accept this
/// tenant's rows only, whatever the SQL says.
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// use taskflow_tenancy::postgres::begin_scoped;
/// use taskflow_tenancy::TenantStore;
///
/// let pool = sqlx::PgPool::connect("postgres://taskflow_app@localhost/taskflow").await?;
/// let scope = TenantStore::new(pool.clone()).scope_by_subdomain("acme").await?;
///
/// let mut tx = begin_scoped(&pool, &scope).await?;
/// let (tenant,): (String,) =
///     sqlx::query_as("SELECT current_setting('taskflow.tenant_id')").fetch_one(&mut *tx).await?;
/// assert_eq!(tenant, scope.tenant_id().to_string());
/// tx.commit().await?;
/// # Ok(())
/// # }
/// ```
pub async fn begin_scoped<'c, A>(
    conn: A,
    scope: &impl AsTenantScope,
) -> Result<Transaction<'c, Postgres>>
where
    A: Acquire<'c, Database = Postgres>,
{
    let mut tx = conn.begin().await?;
    set_tenant(&mut tx, scope).await?;
    Ok(tx)
}

/// Sets [`TENANT_SETTING`] to the scope's tenant in the transaction already open on `conn`,
/// until that transaction ends: for a transaction that learns its tenant part-way, as one that
/// creates the tenant and then its first rows does.
///
/// Outside a transaction the setting would last one statement only, so call it after `begin`.
/// [`begin_scoped`] is `begin` followed by this.
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// use taskflow_tenancy::postgres::set_tenant;
/// use taskflow_tenancy::{AdminCapability, TenantStore};
///
/// let pool = sqlx::PgPool::connect("postgres://taskflow_app@localhost/taskflow").await?;
/// let store = TenantStore::new(pool.clone());
/// let admin = AdminCapability::grant("signup", "create a tenant and its first rows")?;
///
/// let mut tx = pool.begin().await?;
/// let tenant = store.create_in(&mut *tx, &admin, "Acme", "acme").await?;
/// let scope = store.admin_scope_in(&mut *tx, &admin, tenant.id).await?;
/// set_tenant(&mut tx, &scope).await?;
/// // Inserts into tables under row-level security now pass their policy for Acme.
/// tx.commit().await?;
/// # Ok(())
/// # }
/// ```
pub async fn set_tenant(conn: &mut PgConnection, scope: &impl AsTenantScope) -> Result<()> {
    let tenant = scope.as_tenant_scope().tenant_id();
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
/// Running them again replaces the policy. Outside [`begin_scoped`] the setting is unset or
/// empty, which the policy reads as `NULL`: no row matches, and no insert passes.
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
