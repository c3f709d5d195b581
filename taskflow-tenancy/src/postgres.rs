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
//! makes a key of 244 random bits in a table `taskflow_entry_key` that only its owner can read,
//! and three `SECURITY DEFINER` functions that every role may call:
//!
//! - `taskflow_enter_tenant(uuid)` sets a transaction-local setting to the tenant and a MAC
//!   under the key of "this tenant, this backend, this transaction's start". Outside an admin
//!   transaction it accepts an entry only in the statement that begins the transaction (the
//!   library sends `BEGIN; SELECT taskflow_enter_tenant(..)` as one message) and refuses a
//!   second one;
//! - `taskflow_enter_admin()`, in the same place, marks the transaction as an
//!   [`AdminTx`](crate::AdminTx), the only kind in which `taskflow_enter_tenant` may move from
//!   one tenant to the next;
//! - `taskflow_current_tenant()` returns the tenant the current transaction entered when its
//!   MAC checks out, or `NULL`.
//!
//! The policies compare each row's tenant with `(SELECT taskflow_current_tenant())`. Nothing
//! the application role can run changes what that returns inside a transaction that has
//! entered a tenant: it cannot read the key, so a signed entry it writes itself only makes the
//! transaction see nothing; a second `taskflow_enter_tenant` fails, any statement after the
//! first is too late to enter, and a setting such as `taskflow.tenant_id` (which
//! [`TENANT_SETTING`] still sets, for logs) is not what the policies read.
//! Entering writes nothing (no row, no transaction id), so a read-only request costs the
//! database no more than its `BEGIN` and `COMMIT`, and tenant transactions run on a read
//! replica too.
//!
//! What that covers, exactly:
//!
//! - **SQL that forgets the tenant, and SQL that names another.** Raw SQL on
//!   [`TenantTx::raw`](crate::TenantTx::raw) reads and writes the entered tenant's rows only,
//!   whatever it says: a `WHERE tenant_id = '<other>'` finds nothing, an `INSERT` of a row for
//!   another tenant fails the policy's `WITH CHECK`, and `set_config(..)` changes nothing.
//! - **Connections outside a tenant.** A transaction that entered no tenant sees no rows of a
//!   tenant table and inserts none, and a pooled connection carries no tenant into its next
//!   transaction: the settings are transaction-local, and the MAC names the transaction.
//!
//! What it does not cover: the policies do not bind superusers, roles with `BYPASSRLS`, or
//! (unless forced, as [`rls_policy_ddl`] does) the table owner, so the application must connect
//! as a role that has none of these and no privilege on `taskflow_entry_key` (a
//! `GRANT ... ON ALL TABLES` grants one: revoke it; [`audit_schema_with`] with
//! [`AuditOptions::row_level_security`] checks all of that, and the policies themselves). Raw
//! SQL on the pool, outside any tenant transaction, can begin a transaction of its own with
//! `taskflow_enter_tenant` for a tenant of its choosing: that is choosing a tenant on purpose,
//! outside the guarantee as all raw SQL is.
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
use crate::query::backend::{Dialect, Entry};
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

/// The setting `taskflow_enter_tenant` records the entered tenant in, signed:
/// `<tenant>:<MAC of the tenant, the backend and the transaction's start under the owner's key>`.
const ENTRY_SETTING: &str = "taskflow.entry";

/// The setting `taskflow_enter_admin` signs an admin transaction with.
const ADMIN_SETTING: &str = "taskflow.entry_admin";

/// The statement that begins a transaction entered for `entry`, sent as one simple query so
/// that the entry is part of the statement that begins the transaction (the only place
/// `taskflow_enter_tenant` accepts one, outside an admin transaction). The tenant is a UUID,
/// written as its hyphenated hex digits: nothing in it needs quoting.
pub(crate) fn begin_entered(entry: Entry) -> sqlx::SqlStr {
    use sqlx::SqlSafeStr;
    match entry {
        Entry::Tenant(tenant) => sqlx::AssertSqlSafe(format!(
            "BEGIN; SELECT taskflow_enter_tenant('{}'::uuid)",
            tenant.as_uuid().hyphenated()
        ))
        .into_sql_str(),
        Entry::Admin => sqlx::SqlStr::from_static("BEGIN; SELECT taskflow_enter_admin()"),
    }
}

/// Enters `tenant` in the admin transaction open on `conn`, until the next entry. Only the
/// audited [`AdminTx`](crate::AdminTx) calls it; a tenant transaction enters its tenant as it
/// begins ([`begin_entered`]).
pub(crate) async fn enter_tenant(conn: &mut PgConnection, tenant: TenantId) -> Result<()> {
    sqlx::query("SELECT taskflow_enter_tenant($1)")
        .bind(tenant.as_uuid())
        .execute(conn)
        .await?;
    Ok(())
}

/// The MAC that binds `what` (an SQL text expression) to the current backend and transaction,
/// under the key `k` read from `taskflow_entry_key`: `sha256(k || sha256(k || message))`, the
/// nested form of HMAC, because PostgreSQL's core has `sha256` but no `hmac` (that is
/// pgcrypto's, an extension the library does not ask for). The transaction's start is written
/// as seconds since the epoch, which no session setting (time zone, date style) changes.
fn entry_mac(what: &str) -> String {
    format!(
        "encode(sha256(k || sha256(k || convert_to({what} || '/' || pg_backend_pid() || '/' || \
         extract(epoch FROM transaction_timestamp()), 'UTF8'))), 'hex')"
    )
}

/// The statements that make the entry key and the three functions of the
/// [module docs](self) in `schema` (`public` unless you keep your tables elsewhere), to run as
/// the owner of the tenant tables. They can run again: the key is made once and kept, the
/// functions replaced, and the entries table of earlier versions dropped.
///
/// The functions are `SECURITY DEFINER` with a fixed `search_path` and name the key's table
/// with its schema, so that no role can make them read a table of its own. Entering writes
/// nothing: the entry is a transaction-local setting, the tenant and its MAC under the owner's
/// key, which `taskflow_current_tenant` checks once per statement.
///
/// ```
/// let ddl = taskflow_tenancy::postgres::tenant_entry_ddl("public");
/// assert!(ddl[0].starts_with("CREATE TABLE IF NOT EXISTS public.taskflow_entry_key"));
/// assert!(ddl.iter().any(|s| s.contains("FUNCTION public.taskflow_enter_tenant(tenant uuid)")));
/// ```
pub fn tenant_entry_ddl(schema: &str) -> Vec<String> {
    let schema = quote_schema(schema);
    let key = format!("SELECT key INTO STRICT k FROM {schema}.taskflow_entry_key;");
    let tenant_mac = entry_mac("'tenant ' || tenant::text");
    let admin_mac = entry_mac("'admin'");
    let current_mac = entry_mac("'tenant ' || entered");
    vec![
        format!(
            "CREATE TABLE IF NOT EXISTS {schema}.taskflow_entry_key (\n\
             only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),\n\
             key bytea NOT NULL)"
        ),
        format!("REVOKE ALL ON {schema}.taskflow_entry_key FROM PUBLIC"),
        // 244 random bits: gen_random_uuid draws on the server's strong random source.
        format!(
            "INSERT INTO {schema}.taskflow_entry_key (key)\n\
             SELECT decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex')\n\
             ON CONFLICT DO NOTHING"
        ),
        format!(
            "CREATE OR REPLACE FUNCTION {schema}.taskflow_current_tenant() RETURNS uuid\n\
             LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL RESTRICTED\n\
             SET search_path = pg_catalog, pg_temp\n\
             AS $$\n\
             DECLARE\n\
             entry text := current_setting('{ENTRY_SETTING}', true);\n\
             entered text;\n\
             k bytea;\n\
             BEGIN\n\
             IF entry IS NULL OR entry = '' THEN\n\
             RETURN NULL;\n\
             END IF;\n\
             entered := split_part(entry, ':', 1);\n\
             {key}\n\
             IF entry IS DISTINCT FROM entered || ':' || {current_mac} THEN\n\
             RETURN NULL;\n\
             END IF;\n\
             RETURN entered::uuid;\n\
             END\n\
             $$"
        ),
        format!(
            "CREATE OR REPLACE FUNCTION {schema}.taskflow_enter_tenant(tenant uuid) RETURNS void\n\
             LANGUAGE plpgsql VOLATILE SECURITY DEFINER\n\
             SET search_path = pg_catalog, pg_temp\n\
             AS $$\n\
             DECLARE\n\
             k bytea;\n\
             BEGIN\n\
             IF tenant IS NULL THEN\n\
             RAISE EXCEPTION 'no tenant to enter' USING ERRCODE = 'null_value_not_allowed';\n\
             END IF;\n\
             {key}\n\
             IF current_setting('{ADMIN_SETTING}', true) IS DISTINCT FROM {admin_mac} THEN\n\
             IF {schema}.taskflow_current_tenant() IS NOT NULL THEN\n\
             RAISE EXCEPTION 'this transaction has already entered a tenant'\n\
             USING ERRCODE = 'insufficient_privilege';\n\
             END IF;\n\
             IF statement_timestamp() <> transaction_timestamp() THEN\n\
             RAISE EXCEPTION 'a tenant is entered only by the statement that begins the transaction'\n\
             USING ERRCODE = 'insufficient_privilege';\n\
             END IF;\n\
             END IF;\n\
             PERFORM set_config('{TENANT_SETTING}', tenant::text, true);\n\
             PERFORM set_config('{ENTRY_SETTING}', tenant::text || ':' || {tenant_mac}, true);\n\
             END\n\
             $$"
        ),
        format!(
            "CREATE OR REPLACE FUNCTION {schema}.taskflow_enter_admin() RETURNS void\n\
             LANGUAGE plpgsql VOLATILE SECURITY DEFINER\n\
             SET search_path = pg_catalog, pg_temp\n\
             AS $$\n\
             DECLARE\n\
             k bytea;\n\
             BEGIN\n\
             IF {schema}.taskflow_current_tenant() IS NOT NULL THEN\n\
             RAISE EXCEPTION 'this transaction has already entered a tenant'\n\
             USING ERRCODE = 'insufficient_privilege';\n\
             END IF;\n\
             IF statement_timestamp() <> transaction_timestamp() THEN\n\
             RAISE EXCEPTION 'an admin transaction is marked only by the statement that begins it'\n\
             USING ERRCODE = 'insufficient_privilege';\n\
             END IF;\n\
             {key}\n\
             PERFORM set_config('{ADMIN_SETTING}', {admin_mac}, true);\n\
             END\n\
             $$"
        ),
        format!("DROP TABLE IF EXISTS {schema}.taskflow_tenant_entries"),
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
