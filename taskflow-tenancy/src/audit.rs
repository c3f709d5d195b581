//! Schema audit: checks the live database against the registered models.
//!
//! The query builder binds the tenant on every statement, but raw SQL, a migration written by
//! hand or an old table can still let rows cross tenants. [`audit_schema`] reads the database's
//! catalog (SQLite pragmas, MySQL/MariaDB `information_schema`, PostgreSQL `pg_catalog`) and
//! reports every place where the schema does not hold up its end:
//!
//! - the table is missing;
//! - the primary key is not `(tenant, key)`;
//! - a unique constraint or unique index does not lead with the tenant column, or a declared
//!   `unique(...)` has no `UNIQUE (tenant, ...)`;
//! - a declared reference is not the composite foreign key
//!   `(tenant, column) REFERENCES table (tenant, key)`, or another foreign key leaves the
//!   tenant column out;
//! - an index does not lead with the tenant column (a full-text index, MySQL's `FULLTEXT` or
//!   PostgreSQL's GIN, is left out: it serves a [`TextIndex`](crate::TextIndex) search, whose
//!   tenant condition stays on the table);
//! - a column is missing, has the wrong nullability or a clearly incompatible type, or the
//!   table has a `NOT NULL` column without a default that the model never writes;
//! - the tenant column is nullable.
//!
//! With [`AuditOptions::row_level_security`] on PostgreSQL it also reports roles that bypass
//! row-level security; tables (the models' and the library's `jobs`) where it is not enabled,
//! not forced, or not keyed on the entered tenant by exactly the library's policy; any other
//! permissive policy on them (which would widen it); and views and `SECURITY DEFINER`
//! functions over them that run as a role that bypasses it (see [`postgres`](crate::postgres)
//! with feature `postgres`).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> taskflow_tenancy::Result<()> {
//! use taskflow_tenancy::audit::{audit_schema, Finding};
//! use taskflow_tenancy::{tenant_scoped, TenantId, TenantModel};
//!
//! #[tenant_scoped(table = "projects", unique(name))]
//! pub struct Project { pub tenant_id: TenantId, pub id: uuid::Uuid, pub name: String }
//!
//! let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
//! sqlx::query(
//!     "CREATE TABLE projects (tenant_id BLOB NOT NULL, id BLOB NOT NULL, name TEXT NOT NULL, \
//!      PRIMARY KEY (tenant_id, id), UNIQUE (tenant_id, name))",
//! )
//! .execute(&pool)
//! .await?;
//! assert!(audit_schema(&pool, &[Project::INFO]).await?.is_clean());
//!
//! // An index on `name` alone serves every tenant's rows at once: the audit names it.
//! sqlx::query("CREATE INDEX projects_by_name ON projects (name)").execute(&pool).await?;
//! let report = audit_schema(&pool, &[Project::INFO]).await?;
//! assert_eq!(
//!     report.findings(),
//!     [Finding::IndexWithoutTenant {
//!         table: "projects".into(),
//!         index: "projects_by_name".into(),
//!         columns: vec!["name".into()],
//!     }]
//! );
//! assert_eq!(
//!     report.to_string(),
//!     "projects: index projects_by_name (name) does not lead with the tenant column\n"
//! );
//! # Ok(())
//! # }
//! ```

mod catalog;
mod checks;
mod findings;
#[cfg(feature = "postgres")]
mod rls;

use std::any::Any;

use sqlx::{ColumnIndex, Decode, Executor, Pool, Type};

use crate::error::Result;
use crate::query::backend::{Backend, Dialect};
use crate::query::model::ModelInfo;
use crate::query::sql::Sql;
use crate::query::value::Value;

use catalog::load_table;
use checks::check_table;
pub use findings::{AuditReport, Finding};

/// What to check beyond the schema itself.
///
/// ```
/// use taskflow_tenancy::audit::AuditOptions;
///
/// let options = AuditOptions::new().row_level_security(true);
/// assert!(options.checks_row_level_security());
/// assert!(!AuditOptions::default().checks_row_level_security());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuditOptions {
    row_level_security: bool,
}

impl AuditOptions {
    /// The schema checks only.
    ///
    /// See [`AuditOptions`] for an example.
    pub const fn new() -> Self {
        AuditOptions {
            row_level_security: false,
        }
    }

    /// On PostgreSQL, also check that the connecting role is subject to row-level security
    /// (not a superuser, no `BYPASSRLS`, not the owner of a table whose security is not
    /// forced) and that every tenant table has it enabled, forced and keyed on the
    /// transaction-local tenant. SQLite and MySQL have no row-level security: there the
    /// option changes nothing, so one call serves every backend.
    ///
    /// See [`AuditOptions`] for an example.
    pub const fn row_level_security(mut self, check: bool) -> Self {
        self.row_level_security = check;
        self
    }

    /// Whether the row-level-security checks run.
    ///
    /// See [`AuditOptions`] for an example.
    pub const fn checks_row_level_security(&self) -> bool {
        self.row_level_security
    }
}

/// Checks the live database behind `pool` against `models`: tables, primary keys, uniques,
/// foreign keys, indexes and columns. The same call works on SQLite, MySQL/MariaDB (the
/// current database) and PostgreSQL (the current schema).
///
/// Run it at startup or in CI after migrations; refuse to serve on findings if you like.
/// See the [module](self) for what it checks.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// use taskflow_tenancy::audit::{audit_schema, Finding};
/// use taskflow_tenancy::{tenant_scoped, TenantId, TenantModel};
/// use uuid::Uuid;
///
/// #[tenant_scoped(table = "projects")]
/// pub struct Project { pub tenant_id: TenantId, pub id: Uuid }
///
/// #[tenant_scoped(table = "tasks")]
/// pub struct Task {
///     pub tenant_id: TenantId,
///     pub id: Uuid,
///     #[tenant_scoped(references = Project)]
///     pub project_id: Uuid,
/// }
///
/// let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
/// for statement in [
///     "CREATE TABLE projects (tenant_id BLOB NOT NULL, id BLOB NOT NULL, \
///      PRIMARY KEY (tenant_id, id))",
///     // The reference leaves the tenant out: a task could point at another tenant's project.
///     "CREATE TABLE tasks (tenant_id BLOB NOT NULL, id BLOB NOT NULL, \
///      project_id BLOB NOT NULL REFERENCES projects (id), PRIMARY KEY (tenant_id, id))",
/// ] {
///     sqlx::query(statement).execute(&pool).await?;
/// }
///
/// let report = audit_schema(&pool, &[Project::INFO, Task::INFO]).await?;
/// assert!(matches!(
///     &report.findings()[..],
///     [Finding::ForeignKeyNotComposite { table, columns, .. }]
///         if table == "tasks" && columns == &["project_id"]
/// ));
/// assert_eq!(
///     report.to_string(),
///     "tasks: foreign key (project_id) -> projects (id) is not the composite \
///      (tenant_id, project_id) -> projects (tenant_id, id)\n"
/// );
/// # Ok(())
/// # }
/// ```
pub async fn audit_schema<DB: Backend>(
    pool: &Pool<DB>,
    models: &[ModelInfo],
) -> Result<AuditReport> {
    audit_schema_with(pool, models, AuditOptions::new()).await
}

/// [`audit_schema`] with options: on PostgreSQL, [`AuditOptions::row_level_security`] adds the
/// row-level-security checks.
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// use taskflow_tenancy::audit::{audit_schema_with, AuditOptions};
/// use taskflow_tenancy::{tenant_scoped, TenantId, TenantModel};
///
/// #[tenant_scoped(table = "notes")]
/// pub struct Note { pub tenant_id: TenantId, pub id: i64 }
///
/// // Connect as the role the application serves requests with.
/// let pool = sqlx::PgPool::connect("postgres://taskflow_app@localhost/taskflow").await?;
/// let report =
///     audit_schema_with(&pool, &[Note::INFO], AuditOptions::new().row_level_security(true))
///         .await?;
/// assert!(report.is_clean(), "{report}");
/// # Ok(())
/// # }
/// ```
pub async fn audit_schema_with<DB: Backend>(
    pool: &Pool<DB>,
    models: &[ModelInfo],
    options: AuditOptions,
) -> Result<AuditReport> {
    // `Backend` is sealed and implemented for the three sqlx databases only. Going from the
    // generic pool to the concrete one keeps the public bound at `DB: Backend` instead of the
    // decoding bounds the catalog queries need, which every backend meets.
    let _pool: &(dyn Any + Send + Sync) = pool;
    #[cfg(feature = "sqlite")]
    if let Some(pool) = _pool.downcast_ref::<sqlx::SqlitePool>() {
        return audit(pool, models, options).await;
    }
    #[cfg(feature = "mysql")]
    if let Some(pool) = _pool.downcast_ref::<sqlx::MySqlPool>() {
        return audit(pool, models, options).await;
    }
    #[cfg(feature = "postgres")]
    if let Some(pool) = _pool.downcast_ref::<sqlx::PgPool>() {
        let mut report = audit(pool, models, options).await?;
        if options.row_level_security {
            rls::check(pool, models, &mut report.findings).await?;
        }
        return Ok(report);
    }
    let _ = (models, options);
    unreachable!("`Backend` is implemented for the sqlx Sqlite, MySql and Postgres databases only")
}

async fn audit<DB>(
    pool: &Pool<DB>,
    models: &[ModelInfo],
    options: AuditOptions,
) -> Result<AuditReport>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    usize: ColumnIndex<DB::Row>,
    String: for<'r> Decode<'r, DB> + Type<DB>,
    i64: for<'r> Decode<'r, DB> + Type<DB>,
{
    let _ = options;
    let dialect = DB::DIALECT;
    let mut findings = Vec::new();
    for model in models {
        let Some(schema) = load_table(pool, model.table).await? else {
            findings.push(Finding::MissingTable {
                table: model.table.to_owned(),
            });
            continue;
        };
        check_table(dialect, model, &schema, &mut findings);
    }
    Ok(AuditReport { findings })
}

/// A catalog query about one table: `parts` joined by placeholders bound to the table's name.
pub(super) fn about_table(dialect: Dialect, parts: &[&str], table: &str) -> Sql {
    let mut sql = Sql::new(dialect);
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            sql.bind(Value::Text(table.to_owned()));
        }
        sql.push(part);
    }
    sql
}
