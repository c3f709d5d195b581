//! PostgreSQL defence in depth: row-level security keyed on the transaction's tenant, which
//! the application role cannot forge.
//!
//! The query builder binds the tenant on every statement it writes. On PostgreSQL the
//! database can enforce the same rule on its own: [`rls_policy_ddl`] turns on row-level
//! security with a policy that admits only rows of the tenant the current transaction entered,
//! and every [`TenantTx`](crate::TenantTx) on PostgreSQL is a transaction that enters its
//! scope's tenant once, when it begins.
//!
//! # How a transaction enters a tenant
//!
//! [`tenant_entry_ddl`] (run by the owner at migration time; [`TenantDb::migrate`](crate::TenantDb::migrate) runs it)
//! makes a table `taskflow_tenant_entries` that only its owner can read or write, and three
//! `SECURITY DEFINER` functions that every role may call:
//!
//! - `taskflow_enter_tenant(uuid)` records "this transaction (its backend and start time) acts
//!   for this tenant", and refuses a second entry in the same transaction;
//! - `taskflow_enter_admin()` marks a transaction that has entered nothing yet as an
//!   [`AdminTx`](crate::AdminTx), the only kind in which `taskflow_enter_tenant` may move from
//!   one tenant to the next;
//! - `taskflow_current_tenant()` returns the tenant the current transaction entered, or `NULL`.
//!
//! The policies compare each row's tenant with `(SELECT taskflow_current_tenant())`. Nothing
//! the application role can run changes what that returns inside a transaction that has
//! entered a tenant: it cannot write the entries table, a second `taskflow_enter_tenant` fails
//! (so it cannot switch), and a configuration parameter such as `taskflow.tenant_id` (which
//! [`TENANT_SETTING`] still sets, for logs) is not what the policies read.
//!
//! What that covers, exactly:
//!
//! - **SQL that forgets the tenant, and SQL that names another.** Raw SQL on
//!   [`TenantTx::raw`](crate::TenantTx::raw) reads and writes the entered tenant's rows only,
//!   whatever it says: a `WHERE tenant_id = '<other>'` finds nothing, an `INSERT` of a row for
//!   another tenant fails the policy's `WITH CHECK`, and `set_config(..)` changes nothing.
//! - **Connections outside a tenant.** A transaction that entered no tenant sees no rows of a
//!   tenant table and inserts none, and a pooled connection carries no tenant into its next
//!   transaction.
//!
//! What it does not cover: the policies do not bind superusers, roles with `BYPASSRLS`, or
//! (unless forced, as [`rls_policy_ddl`] does) the table owner, so the application must connect
//! as a role that has none of these ([`audit_schema_with`] with
//! [`AuditOptions::row_level_security`] checks that, and the policies themselves). Raw SQL on
//! the pool, outside any tenant transaction, can call `taskflow_enter_tenant` for a tenant of
//! its choosing in a transaction of its own: that is choosing a tenant on purpose, outside the
//! guarantee as all raw SQL is. Entering is a write, so tenant transactions need a primary
//! server, not a read replica.
//!
//! The `jobs` table of [`crate::jobs`] is under a policy of its own ([`jobs_policy_ddl`]): a
//! transaction that entered a tenant sees that tenant's jobs only; the job runner, which
//! claims jobs of every tenant outside any tenant transaction, sees them all.
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
//! // As the owner, at migration time (`migrate` makes the tenants and entries tables):
//! let owner = sqlx::PgPool::connect("postgres://taskflow_owner@localhost/taskflow").await?;
//! TenantDb::new(owner.clone()).migrate().await?;
//! for statement in rls_policy_ddl(&Note::INFO) {
//!     sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&owner).await?;
//! }
//!
//! // As the application's role, per request:
//! let db = TenantDb::new(sqlx::PgPool::connect("postgres://taskflow_app@localhost/taskflow").await?);
//! let scope = db.scope_by_subdomain("acme").await?;
//! let mut tx = db.begin(&scope).await?;
//! // Even SQL without a tenant predicate sees Acme's notes only...
//! let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM notes").fetch_one(tx.raw()).await?;
//! let mine = Note::scoped(&mut tx).count().await?;
//! assert_eq!(count as u64, mine);
//! // ...and it cannot move the transaction to another tenant.
//! let switched = sqlx::query("SELECT taskflow_enter_tenant(gen_random_uuid())")
//!     .execute(tx.raw())
//!     .await;
//! assert!(switched.is_err());
//! tx.commit().await?;
//! # Ok(())
//! # }
//! ```
//!
//! [`audit_schema_with`]: crate::audit::audit_schema_with
//! [`AuditOptions::row_level_security`]: crate::audit::AuditOptions::row_level_security

use sqlx::PgConnection;

use crate::error::Result;
use crate::query::backend::Dialect;
use crate::query::model::ModelInfo;
use crate::scope::tenant::TenantId;

/// The transaction-local setting `taskflow_enter_tenant` also sets to the entered tenant, for
/// logs and for SQL that wants to show it. The policies do not read it: anyone can set it.
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

/// The expression the policies compare a row's tenant with: the tenant the current
/// transaction entered, evaluated once per statement.
///
/// ```
/// assert_eq!(taskflow_tenancy::postgres::CURRENT_TENANT, "(SELECT taskflow_current_tenant())");
/// ```
pub const CURRENT_TENANT: &str = "(SELECT taskflow_current_tenant())";

/// Marks the transaction just begun on `conn` as an admin transaction, which may enter one
/// tenant after another. Only [`TenantDb::begin_admin`](crate::TenantDb::begin_admin) calls it.
pub(crate) async fn enter_admin(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("SELECT taskflow_enter_admin()")
        .execute(conn)
        .await?;
    Ok(())
}

/// Enters `tenant` in the transaction open on `conn`, until it ends. Only
/// [`TenantTx`](crate::TenantTx) (once, when it begins) and the audited
/// [`AdminTx`](crate::AdminTx) call it.
pub(crate) async fn enter_tenant(conn: &mut PgConnection, tenant: TenantId) -> Result<()> {
    sqlx::query("SELECT taskflow_enter_tenant($1)")
        .bind(tenant.as_uuid())
        .execute(conn)
        .await?;
    Ok(())
}

/// The statements that make the entries table and the two functions of the
/// [module docs](self) in `schema` (`public` unless you keep your tables elsewhere), to run as
/// the owner of the tenant tables. They can run again: the table is made if missing, the
/// functions replaced.
///
/// The functions are `SECURITY DEFINER` with a fixed `search_path` and name the table with its
/// schema, so that no role can make them read a table of its own. `taskflow_enter_tenant`
/// removes its backend's entries of earlier transactions, and now and then entries over a day
/// old of any backend (a transaction that old then sees no rows: it fails closed), so the table
/// holds about one row per connection.
///
/// ```
/// let ddl = taskflow_tenancy::postgres::tenant_entry_ddl("public");
/// assert!(ddl[0].starts_with("CREATE UNLOGGED TABLE IF NOT EXISTS public.taskflow_tenant_entries"));
/// assert!(ddl.iter().any(|s| s.contains("FUNCTION public.taskflow_enter_tenant(tenant uuid)")));
/// ```
pub fn tenant_entry_ddl(schema: &str) -> Vec<String> {
    let schema = quote_schema(schema);
    vec![
        format!(
            "CREATE UNLOGGED TABLE IF NOT EXISTS {schema}.taskflow_tenant_entries (\n\
             pid integer NOT NULL,\n\
             started timestamptz NOT NULL,\n\
             tenant uuid,\n\
             admin boolean NOT NULL DEFAULT false,\n\
             PRIMARY KEY (pid, started))"
        ),
        format!("REVOKE ALL ON {schema}.taskflow_tenant_entries FROM PUBLIC"),
        format!(
            "CREATE OR REPLACE FUNCTION {schema}.taskflow_enter_tenant(tenant uuid) RETURNS void\n\
             LANGUAGE plpgsql VOLATILE SECURITY DEFINER\n\
             SET search_path = pg_catalog, pg_temp\n\
             AS $$\n\
             BEGIN\n\
             DELETE FROM {schema}.taskflow_tenant_entries\n\
             WHERE pid = pg_backend_pid() AND started < transaction_timestamp();\n\
             IF random() < 0.01 THEN\n\
             DELETE FROM {schema}.taskflow_tenant_entries WHERE ctid IN (\n\
             SELECT ctid FROM {schema}.taskflow_tenant_entries\n\
             WHERE started < transaction_timestamp() - interval '1 day'\n\
             LIMIT 100 FOR UPDATE SKIP LOCKED);\n\
             END IF;\n\
             INSERT INTO {schema}.taskflow_tenant_entries AS e (pid, started, tenant)\n\
             VALUES (pg_backend_pid(), transaction_timestamp(), tenant)\n\
             ON CONFLICT (pid, started) DO UPDATE SET tenant = EXCLUDED.tenant WHERE e.admin;\n\
             IF NOT FOUND THEN\n\
             RAISE EXCEPTION 'this transaction has already entered a tenant'\n\
             USING ERRCODE = 'insufficient_privilege';\n\
             END IF;\n\
             PERFORM set_config('{TENANT_SETTING}', tenant::text, true);\n\
             END\n\
             $$"
        ),
        format!(
            "CREATE OR REPLACE FUNCTION {schema}.taskflow_enter_admin() RETURNS void\n\
             LANGUAGE plpgsql VOLATILE SECURITY DEFINER\n\
             SET search_path = pg_catalog, pg_temp\n\
             AS $$\n\
             BEGIN\n\
             DELETE FROM {schema}.taskflow_tenant_entries\n\
             WHERE pid = pg_backend_pid() AND started < transaction_timestamp();\n\
             INSERT INTO {schema}.taskflow_tenant_entries (pid, started, tenant, admin)\n\
             VALUES (pg_backend_pid(), transaction_timestamp(), NULL, true)\n\
             ON CONFLICT DO NOTHING;\n\
             IF NOT FOUND THEN\n\
             RAISE EXCEPTION 'this transaction has already entered a tenant'\n\
             USING ERRCODE = 'insufficient_privilege';\n\
             END IF;\n\
             END\n\
             $$"
        ),
        format!(
            "CREATE OR REPLACE FUNCTION {schema}.taskflow_current_tenant() RETURNS uuid\n\
             LANGUAGE sql STABLE SECURITY DEFINER PARALLEL RESTRICTED\n\
             SET search_path = pg_catalog, pg_temp\n\
             AS $$\n\
             SELECT tenant FROM {schema}.taskflow_tenant_entries\n\
             WHERE pid = pg_backend_pid() AND started = transaction_timestamp()\n\
             $$"
        ),
    ]
}

/// Runs [`tenant_entry_ddl`] in the current schema: what [`TenantDb::migrate`] adds on
/// PostgreSQL.
///
/// [`TenantDb::migrate`]: crate::TenantDb::migrate
pub(crate) async fn migrate_entries(pool: &sqlx::PgPool) -> Result<()> {
    let schema: String = sqlx::query_scalar("SELECT current_schema()::text")
        .fetch_one(pool)
        .await?;
    for statement in tenant_entry_ddl(&schema) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
            .execute(pool)
            .await?;
    }
    Ok(())
}

/// Runs [`jobs_policy_ddl`]: what [`JobStore::migrate`](crate::jobs::JobStore::migrate) adds on
/// PostgreSQL.
#[cfg(feature = "jobs")]
pub(crate) async fn migrate_jobs_policy(pool: &sqlx::PgPool) -> Result<()> {
    for statement in jobs_policy_ddl() {
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
            .execute(pool)
            .await?;
    }
    Ok(())
}

fn quote_schema(schema: &str) -> String {
    if crate::query::backend::is_plain_identifier(schema) && schema == schema.to_ascii_lowercase() {
        schema.to_owned()
    } else {
        Dialect::Postgres.quote(schema)
    }
}

/// The statements that put `model`'s table under row-level security keyed on the entered
/// tenant: enable, force (so the owner is bound too), and a policy for every command whose
/// `USING` and `WITH CHECK` admit only the rows of the tenant the transaction entered. It needs
/// [`tenant_entry_ddl`] first.
///
/// Running them again replaces the policy. A transaction that entered no tenant reads the
/// current tenant as `NULL`: no row matches, and no insert passes.
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
///         r#"CREATE POLICY "taskflow_tenant_isolation" ON "tasks" FOR ALL USING ("tenant_id" = (SELECT taskflow_current_tenant())) WITH CHECK ("tenant_id" = (SELECT taskflow_current_tenant()))"#,
///     ]
/// );
/// ```
pub fn rls_policy_ddl(model: &ModelInfo) -> Vec<String> {
    policy_ddl(model.table, &tenant_condition(model.tenant_column))
}

/// The row-level security of the `jobs` table ([`crate::jobs`]): in a transaction that entered
/// a tenant, that tenant's jobs only; in one that entered none (the job runner claiming jobs of
/// every tenant), all of them. Run by [`JobStore::migrate`](crate::jobs::JobStore::migrate) on
/// PostgreSQL.
///
/// ```
/// let ddl = taskflow_tenancy::postgres::jobs_policy_ddl();
/// assert!(ddl[3].contains(r#"USING ("tenant_id" = (SELECT taskflow_current_tenant()) OR (SELECT taskflow_current_tenant()) IS NULL)"#));
/// ```
pub fn jobs_policy_ddl() -> Vec<String> {
    policy_ddl("jobs", &jobs_condition())
}

/// `tenant = <the entered tenant>`, as the policies of [`rls_policy_ddl`] write it.
pub(crate) fn tenant_condition(tenant_column: &str) -> String {
    format!(
        "{} = {CURRENT_TENANT}",
        Dialect::Postgres.quote(tenant_column)
    )
}

/// The condition of [`jobs_policy_ddl`].
pub(crate) fn jobs_condition() -> String {
    format!(
        "{} OR {CURRENT_TENANT} IS NULL",
        tenant_condition("tenant_id")
    )
}

fn policy_ddl(table: &str, condition: &str) -> Vec<String> {
    let q = |ident: &str| Dialect::Postgres.quote(ident);
    let (table, policy) = (q(table), q(POLICY_NAME));
    vec![
        format!("ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"),
        format!("ALTER TABLE {table} FORCE ROW LEVEL SECURITY"),
        format!("DROP POLICY IF EXISTS {policy} ON {table}"),
        format!(
            "CREATE POLICY {policy} ON {table} FOR ALL USING ({condition}) WITH CHECK ({condition})"
        ),
    ]
}
