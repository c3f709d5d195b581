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
//! - an index does not lead with the tenant column;
//! - a column is missing, has the wrong nullability or a clearly incompatible type, or the
//!   table has a `NOT NULL` column without a default that the model never writes;
//! - the tenant column is nullable.
//!
//! With [`AuditOptions::row_level_security`] on PostgreSQL it also reports roles that bypass
//! row-level security and tables where it is not enabled, forced and keyed on the
//! transaction-local tenant (see [`postgres`](crate::postgres) with feature `postgres`).
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

use std::any::Any;
use std::fmt;

use sqlx::{ColumnIndex, Decode, Executor, Pool, Type};

use crate::{Backend, Dialect, Kind, ModelInfo, Result, Value};

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

/// One way in which the live database fails a model, or the connection fails row-level
/// security. `Display` gives a one-line sentence naming the table and the object.
///
/// ```
/// use taskflow_tenancy::audit::Finding;
///
/// let finding = Finding::PrimaryKey {
///     table: "tasks".into(),
///     expected: vec!["tenant_id".into(), "id".into()],
///     actual: vec!["id".into(), "tenant_id".into()],
/// };
/// assert_eq!(finding.table(), Some("tasks"));
/// assert_eq!(
///     finding.to_string(),
///     "tasks: primary key is (id, tenant_id), expected (tenant_id, id)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Finding {
    /// The table does not exist (in the current database or schema).
    MissingTable {
        /// The model's table.
        table: String,
    },
    /// The primary key is not exactly `(tenant, key)`.
    PrimaryKey {
        /// The table.
        table: String,
        /// `(tenant, key)`.
        expected: Vec<String>,
        /// The primary key's columns in order; empty when the table has none.
        actual: Vec<String>,
    },
    /// A unique constraint or unique index does not lead with the tenant column, so it makes
    /// values unique across all tenants (and tells one tenant what another has).
    UniqueWithoutTenant {
        /// The table.
        table: String,
        /// The index or constraint name.
        index: String,
        /// Its columns in order.
        columns: Vec<String>,
    },
    /// A `unique(...)` declared on the model has no `UNIQUE (tenant, ...)` in the database.
    MissingUnique {
        /// The table.
        table: String,
        /// The unique key there should be: the tenant column, then the declared columns.
        columns: Vec<String>,
    },
    /// A foreign key on a declared reference is not `(tenant, column) REFERENCES table
    /// (tenant, key)`, so a row can point into another tenant.
    ForeignKeyNotComposite {
        /// The table.
        table: String,
        /// The constraint name (SQLite does not keep one).
        name: Option<String>,
        /// Its columns in order.
        columns: Vec<String>,
        /// The table it references.
        references_table: String,
        /// The columns it references, in order.
        references_columns: Vec<String>,
        /// The composite key it should be, as `(tenant, column) -> table (tenant, key)`.
        expected: String,
    },
    /// A reference declared on the model has no foreign key at all.
    MissingForeignKey {
        /// The table.
        table: String,
        /// The referencing column.
        column: String,
        /// The composite key there should be, as `(tenant, column) -> table (tenant, key)`.
        expected: String,
    },
    /// A foreign key the model does not declare leaves the tenant column out.
    ForeignKeyWithoutTenant {
        /// The table.
        table: String,
        /// The constraint name (SQLite does not keep one).
        name: Option<String>,
        /// Its columns in order.
        columns: Vec<String>,
        /// The table it references.
        references_table: String,
        /// The columns it references, in order.
        references_columns: Vec<String>,
    },
    /// A (non-unique) index does not lead with the tenant column.
    IndexWithoutTenant {
        /// The table.
        table: String,
        /// The index name.
        index: String,
        /// Its columns in order.
        columns: Vec<String>,
    },
    /// A column of the model (or its tenant column) is not in the table.
    MissingColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A column the model does not know is `NOT NULL` without a default, so every insert
    /// through the model fails.
    ExtraRequiredColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A column's nullability differs from its field's (`Option` or not).
    Nullability {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Whether the model allows `NULL` (the column then does not, and the other way round).
        model_nullable: bool,
    },
    /// A column's type is of another family than its field's.
    ColumnType {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The type as the database reports it.
        declared: String,
        /// The field's type family.
        expected: Kind,
    },
    /// The tenant column allows `NULL`: a row could belong to no tenant.
    NullableTenantColumn {
        /// The table.
        table: String,
        /// The tenant column.
        column: String,
    },
    /// PostgreSQL: the connecting role is a superuser, which always bypasses row-level
    /// security.
    RoleIsSuperuser {
        /// The role.
        role: String,
    },
    /// PostgreSQL: the connecting role has `BYPASSRLS`.
    RoleBypassesRls {
        /// The role.
        role: String,
    },
    /// PostgreSQL: the connecting role owns (or inherits the owner of) a table whose
    /// row-level security is not forced, and owners bypass it.
    RoleOwnsTable {
        /// The table.
        table: String,
        /// The role.
        role: String,
    },
    /// PostgreSQL: row-level security is not enabled on the table.
    RlsNotEnabled {
        /// The table.
        table: String,
    },
    /// PostgreSQL: row-level security is not forced on the table, so its owner bypasses it.
    RlsNotForced {
        /// The table.
        table: String,
    },
    /// PostgreSQL: no permissive policy for all commands reads the transaction-local tenant
    /// setting in both `USING` and `WITH CHECK`.
    MissingTenantPolicy {
        /// The table.
        table: String,
    },
}

impl Finding {
    /// The table the finding is about; `None` for findings about the connecting role.
    ///
    /// See [`Finding`] for an example.
    pub fn table(&self) -> Option<&str> {
        match self {
            Finding::MissingTable { table }
            | Finding::PrimaryKey { table, .. }
            | Finding::UniqueWithoutTenant { table, .. }
            | Finding::MissingUnique { table, .. }
            | Finding::ForeignKeyNotComposite { table, .. }
            | Finding::MissingForeignKey { table, .. }
            | Finding::ForeignKeyWithoutTenant { table, .. }
            | Finding::IndexWithoutTenant { table, .. }
            | Finding::MissingColumn { table, .. }
            | Finding::ExtraRequiredColumn { table, .. }
            | Finding::Nullability { table, .. }
            | Finding::ColumnType { table, .. }
            | Finding::NullableTenantColumn { table, .. }
            | Finding::RoleOwnsTable { table, .. }
            | Finding::RlsNotEnabled { table }
            | Finding::RlsNotForced { table }
            | Finding::MissingTenantPolicy { table } => Some(table),
            Finding::RoleIsSuperuser { .. } | Finding::RoleBypassesRls { .. } => None,
        }
    }
}

struct Columns<'a>(&'a [String]);

impl fmt::Display for Columns<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({})", self.0.join(", "))
    }
}

struct ForeignKey<'a> {
    name: &'a Option<String>,
    columns: &'a [String],
    references_table: &'a str,
    references_columns: &'a [String],
}

impl fmt::Display for ForeignKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("foreign key ")?;
        if let Some(name) = self.name {
            write!(f, "{name} ")?;
        }
        write!(
            f,
            "{} -> {} {}",
            Columns(self.columns),
            self.references_table,
            Columns(self.references_columns)
        )
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Bool => "boolean",
        Kind::I32 => "32-bit integer",
        Kind::I64 => "64-bit integer",
        Kind::F64 => "float",
        Kind::Text => "text",
        Kind::Uuid => "UUID",
        Kind::Date => "date",
        Kind::DateTime => "UTC timestamp",
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::MissingTable { table } => write!(f, "{table}: table is missing"),
            Finding::PrimaryKey {
                table,
                expected,
                actual,
            } if actual.is_empty() => {
                write!(f, "{table}: no primary key, expected {}", Columns(expected))
            }
            Finding::PrimaryKey {
                table,
                expected,
                actual,
            } => write!(
                f,
                "{table}: primary key is {}, expected {}",
                Columns(actual),
                Columns(expected)
            ),
            Finding::UniqueWithoutTenant {
                table,
                index,
                columns,
            } => write!(
                f,
                "{table}: unique index {index} {} does not lead with the tenant column, so it is unique across tenants",
                Columns(columns)
            ),
            Finding::MissingUnique { table, columns } => write!(
                f,
                "{table}: declared unique{} has no UNIQUE {}",
                Columns(columns.get(1..).unwrap_or_default()),
                Columns(columns)
            ),
            Finding::ForeignKeyNotComposite {
                table,
                name,
                columns,
                references_table,
                references_columns,
                expected,
            } => write!(
                f,
                "{table}: {} is not the composite {expected}",
                ForeignKey {
                    name,
                    columns,
                    references_table,
                    references_columns
                }
            ),
            Finding::MissingForeignKey {
                table,
                column,
                expected,
            } => write!(
                f,
                "{table}: column {column} declares a reference but has no foreign key {expected}"
            ),
            Finding::ForeignKeyWithoutTenant {
                table,
                name,
                columns,
                references_table,
                references_columns,
            } => write!(
                f,
                "{table}: {} does not include the tenant column",
                ForeignKey {
                    name,
                    columns,
                    references_table,
                    references_columns
                }
            ),
            Finding::IndexWithoutTenant {
                table,
                index,
                columns,
            } => write!(
                f,
                "{table}: index {index} {} does not lead with the tenant column",
                Columns(columns)
            ),
            Finding::MissingColumn { table, column } => {
                write!(f, "{table}: column {column} is missing")
            }
            Finding::ExtraRequiredColumn { table, column } => write!(
                f,
                "{table}: column {column} is NOT NULL without a default, and the model does not write it"
            ),
            Finding::Nullability {
                table,
                column,
                model_nullable: true,
            } => write!(
                f,
                "{table}: column {column} is NOT NULL, but its field is an Option"
            ),
            Finding::Nullability {
                table,
                column,
                model_nullable: false,
            } => write!(
                f,
                "{table}: column {column} is nullable, but its field is not an Option"
            ),
            Finding::ColumnType {
                table,
                column,
                declared,
                expected,
            } => write!(
                f,
                "{table}: column {column} has type {declared:?}, which does not hold a {}",
                kind_name(*expected)
            ),
            Finding::NullableTenantColumn { table, column } => write!(
                f,
                "{table}: tenant column {column} is nullable, so a row can belong to no tenant"
            ),
            Finding::RoleIsSuperuser { role } => write!(
                f,
                "role {role} is a superuser, and superusers bypass row-level security"
            ),
            Finding::RoleBypassesRls { role } => write!(
                f,
                "role {role} has BYPASSRLS, so row-level security does not apply to it"
            ),
            Finding::RoleOwnsTable { table, role } => write!(
                f,
                "{table}: role {role} owns the table and row-level security is not forced, so it bypasses it"
            ),
            Finding::RlsNotEnabled { table } => {
                write!(f, "{table}: row-level security is not enabled")
            }
            Finding::RlsNotForced { table } => write!(
                f,
                "{table}: row-level security is not forced, so the table owner bypasses it"
            ),
            Finding::MissingTenantPolicy { table } => write!(
                f,
                "{table}: no policy filters rows on the transaction-local tenant"
            ),
        }
    }
}

/// What [`audit_schema`] found: empty when the database agrees with every model.
///
/// `Display` prints one finding per line.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// use taskflow_tenancy::audit::{audit_schema, Finding};
/// use taskflow_tenancy::{tenant_scoped, TenantId, TenantModel};
///
/// #[tenant_scoped(table = "notes")]
/// pub struct Note { pub tenant_id: TenantId, pub id: i64 }
///
/// let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
/// let report = audit_schema(&pool, &[Note::INFO]).await?;
/// assert!(!report.is_clean());
/// assert_eq!(report.findings(), [Finding::MissingTable { table: "notes".into() }]);
/// assert_eq!(report.to_string(), "notes: table is missing\n");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditReport {
    findings: Vec<Finding>,
}

impl AuditReport {
    /// Whether nothing was found.
    ///
    /// See [`AuditReport`] for an example.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }

    /// Every finding, in model order: the role first, then per table its columns, primary
    /// key, uniques, foreign keys, indexes and row-level security.
    ///
    /// See [`AuditReport`] for an example.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// The findings, owned.
    ///
    /// ```
    /// assert!(taskflow_tenancy::audit::AuditReport::default().into_findings().is_empty());
    /// ```
    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }
}

impl fmt::Display for AuditReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for finding in &self.findings {
            writeln!(f, "{finding}")?;
        }
        Ok(())
    }
}

impl IntoIterator for AuditReport {
    type Item = Finding;
    type IntoIter = std::vec::IntoIter<Finding>;

    fn into_iter(self) -> Self::IntoIter {
        self.findings.into_iter()
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
        return audit(pool, models, options).await;
    }
    let _ = (models, options);
    unreachable!("`Backend` is implemented for the sqlx Sqlite, MySql and Postgres databases only")
}

/// A table as the catalog describes it.
#[derive(Debug, Default)]
struct TableSchema {
    columns: Vec<DbColumn>,
    /// In key order; empty when there is none.
    primary_key: Vec<String>,
    /// Unique and plain indexes (unique constraints included), the primary key's excluded.
    indexes: Vec<DbIndex>,
    foreign_keys: Vec<DbForeignKey>,
}

#[derive(Debug)]
struct DbColumn {
    name: String,
    /// The type name the family check reads (`int4`, `varchar`, the declared SQLite type).
    base_type: String,
    /// The type as shown to people (`binary(16)`, `character varying(200)`).
    display_type: String,
    not_null: bool,
    has_default: bool,
}

#[derive(Debug)]
struct DbIndex {
    name: String,
    unique: bool,
    partial: bool,
    columns: Vec<String>,
}

#[derive(Debug)]
struct DbForeignKey {
    name: Option<String>,
    columns: Vec<String>,
    references_table: String,
    references_columns: Vec<String>,
}

#[derive(Debug)]
struct RoleInfo {
    name: String,
    superuser: bool,
    bypass_rls: bool,
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
    let dialect = DB::DIALECT;
    let rls = options.row_level_security && dialect == Dialect::Postgres;
    let mut findings = Vec::new();
    let role = if rls {
        let role = load_role(pool).await?;
        if role.superuser {
            findings.push(Finding::RoleIsSuperuser {
                role: role.name.clone(),
            });
        } else if role.bypass_rls {
            findings.push(Finding::RoleBypassesRls {
                role: role.name.clone(),
            });
        }
        Some(role)
    } else {
        None
    };
    for model in models {
        let Some(schema) = load_table(pool, model.table).await? else {
            findings.push(Finding::MissingTable {
                table: model.table.to_owned(),
            });
            continue;
        };
        check_table(dialect, model, &schema, &mut findings);
        if let Some(role) = &role {
            check_rls(pool, model, role, &mut findings).await?;
        }
    }
    Ok(AuditReport { findings })
}

fn text(s: &str) -> Vec<Value> {
    vec![Value::Text(s.to_owned())]
}

/// The table's catalog entries, or `None` when there is no such table.
async fn load_table<DB>(pool: &Pool<DB>, table: &str) -> Result<Option<TableSchema>>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    usize: ColumnIndex<DB::Row>,
    String: for<'r> Decode<'r, DB> + Type<DB>,
    i64: for<'r> Decode<'r, DB> + Type<DB>,
{
    let dialect = DB::DIALECT;
    let exists = match dialect {
        Dialect::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE"
        }
        Dialect::MySql => {
            "SELECT COUNT(*) FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME = ?"
        }
        Dialect::Postgres => {
            "SELECT count(*) FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relname = $1 AND c.relkind IN ('r', 'p')"
        }
    };
    if DB::fetch_count(pool, exists.to_owned(), text(table)).await? == 0 {
        return Ok(None);
    }

    // Every query returns the same shape on every backend, cast to text and 64-bit integers,
    // so that one decoding serves all three catalogs.
    let columns_sql = match dialect {
        Dialect::Sqlite => {
            "SELECT name, type, type, \"notnull\", dflt_value IS NOT NULL, pk \
             FROM pragma_table_info(?) ORDER BY cid"
        }
        Dialect::MySql => {
            "SELECT CAST(COLUMN_NAME AS CHAR), CAST(DATA_TYPE AS CHAR), CAST(COLUMN_TYPE AS CHAR), \
             CAST(IS_NULLABLE = 'NO' AS SIGNED), \
             CAST(COLUMN_DEFAULT IS NOT NULL OR EXTRA LIKE '%auto_increment%' \
                  OR EXTRA LIKE '%GENERATED%' AS SIGNED), \
             CAST(0 AS SIGNED) \
             FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION"
        }
        Dialect::Postgres => {
            "SELECT a.attname::text, base.typname::text, format_type(a.atttypid, a.atttypmod), \
             a.attnotnull::int::int8, \
             (a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '')::int::int8, 0::int8 \
             FROM pg_catalog.pg_attribute a \
             JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_catalog.pg_type t ON t.oid = a.atttypid \
             JOIN pg_catalog.pg_type base \
               ON base.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END \
             WHERE n.nspname = current_schema() AND c.relname = $1 \
               AND a.attnum > 0 AND NOT a.attisdropped \
             ORDER BY a.attnum"
        }
    };
    let rows: Vec<(String, String, String, i64, i64, i64)> =
        DB::fetch_all(pool, columns_sql.to_owned(), text(table)).await?;
    let mut schema = TableSchema::default();
    let mut sqlite_pk = Vec::new();
    for (name, base_type, display_type, not_null, has_default, pk) in rows {
        if pk > 0 {
            sqlite_pk.push((pk, name.clone()));
        }
        schema.columns.push(DbColumn {
            name,
            base_type,
            display_type,
            not_null: not_null != 0,
            has_default: has_default != 0,
        });
    }
    // SQLite keeps no index for a rowid primary key; `pragma_table_info` has the key order.
    sqlite_pk.sort();
    schema.primary_key = sqlite_pk.into_iter().map(|(_, name)| name).collect();

    let indexes_sql = match dialect {
        Dialect::Sqlite => {
            "SELECT il.name, \
             CASE WHEN il.origin = 'pk' THEN 'primary' WHEN il.\"unique\" THEN 'unique' \
                  ELSE 'index' END, \
             il.partial, ii.seqno, COALESCE(ii.name, '<expression>') \
             FROM pragma_index_list(?) AS il, pragma_index_info(il.name) AS ii \
             ORDER BY il.name, ii.seqno"
        }
        Dialect::MySql => {
            "SELECT CAST(INDEX_NAME AS CHAR), \
             CASE WHEN INDEX_NAME = 'PRIMARY' THEN 'primary' WHEN NON_UNIQUE = 0 THEN 'unique' \
                  ELSE 'index' END, \
             CAST(0 AS SIGNED), CAST(SEQ_IN_INDEX AS SIGNED), \
             CAST(COALESCE(COLUMN_NAME, '<expression>') AS CHAR) \
             FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? \
             ORDER BY INDEX_NAME, SEQ_IN_INDEX"
        }
        Dialect::Postgres => {
            "SELECT i.relname::text, \
             CASE WHEN x.indisprimary THEN 'primary' WHEN x.indisunique THEN 'unique' \
                  ELSE 'index' END, \
             (x.indpred IS NOT NULL)::int::int8, k.ord::int8, \
             COALESCE(a.attname::text, '<expression>') \
             FROM pg_catalog.pg_index x \
             JOIN pg_catalog.pg_class t ON t.oid = x.indrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace \
             JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid \
             CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
             LEFT JOIN pg_catalog.pg_attribute a \
               ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0 \
             WHERE n.nspname = current_schema() AND t.relname = $1 AND k.ord <= x.indnkeyatts \
             ORDER BY i.relname, k.ord"
        }
    };
    let rows: Vec<(String, String, i64, i64, String)> =
        DB::fetch_all(pool, indexes_sql.to_owned(), text(table)).await?;
    let mut primary_index = Vec::new();
    for (name, kind, partial, _, column) in rows {
        if kind == "primary" {
            primary_index.push(column);
            continue;
        }
        match schema.indexes.last_mut() {
            Some(index) if index.name == name => index.columns.push(column),
            _ => schema.indexes.push(DbIndex {
                name,
                unique: kind == "unique",
                partial: partial != 0,
                columns: vec![column],
            }),
        }
    }
    if dialect != Dialect::Sqlite {
        schema.primary_key = primary_index;
    }

    let foreign_keys_sql = match dialect {
        Dialect::Sqlite => {
            "SELECT CAST(id AS TEXT), seq, \"from\", \"table\", COALESCE(\"to\", '') \
             FROM pragma_foreign_key_list(?) ORDER BY id, seq"
        }
        Dialect::MySql => {
            "SELECT CAST(k.CONSTRAINT_NAME AS CHAR), CAST(k.ORDINAL_POSITION AS SIGNED), \
             CAST(k.COLUMN_NAME AS CHAR), CAST(k.REFERENCED_TABLE_NAME AS CHAR), \
             CAST(k.REFERENCED_COLUMN_NAME AS CHAR) \
             FROM information_schema.KEY_COLUMN_USAGE k \
             JOIN information_schema.TABLE_CONSTRAINTS c \
               ON c.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND c.TABLE_NAME = k.TABLE_NAME \
              AND c.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
             WHERE c.CONSTRAINT_TYPE = 'FOREIGN KEY' \
               AND k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = ? \
             ORDER BY k.CONSTRAINT_NAME, k.ORDINAL_POSITION"
        }
        Dialect::Postgres => {
            "SELECT con.conname::text, k.ord::int8, a.attname::text, rt.relname::text, \
             ra.attname::text \
             FROM pg_catalog.pg_constraint con \
             JOIN pg_catalog.pg_class t ON t.oid = con.conrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace \
             JOIN pg_catalog.pg_class rt ON rt.oid = con.confrelid \
             CROSS JOIN LATERAL unnest(con.conkey, con.confkey) \
               WITH ORDINALITY AS k(attnum, refattnum, ord) \
             JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum \
             JOIN pg_catalog.pg_attribute ra \
               ON ra.attrelid = con.confrelid AND ra.attnum = k.refattnum \
             WHERE con.contype = 'f' AND n.nspname = current_schema() AND t.relname = $1 \
             ORDER BY con.conname, k.ord"
        }
    };
    let rows: Vec<(String, i64, String, String, String)> =
        DB::fetch_all(pool, foreign_keys_sql.to_owned(), text(table)).await?;
    let mut current: Option<String> = None;
    for (name, _, column, references_table, references_column) in rows {
        if current.as_deref() != Some(&name) {
            schema.foreign_keys.push(DbForeignKey {
                // SQLite numbers its foreign keys and forgets their names.
                name: (dialect != Dialect::Sqlite).then(|| name.clone()),
                columns: Vec::new(),
                references_table,
                references_columns: Vec::new(),
            });
            current = Some(name);
        }
        let fk = schema.foreign_keys.last_mut().expect("pushed above");
        fk.columns.push(column);
        fk.references_columns.push(references_column);
    }
    // `REFERENCES parent` without columns means the parent's primary key.
    for fk in &mut schema.foreign_keys {
        if fk.references_columns.iter().any(String::is_empty) {
            let sql = "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk";
            let parent_key: Vec<(String,)> =
                DB::fetch_all(pool, sql.to_owned(), text(&fk.references_table)).await?;
            fk.references_columns = parent_key.into_iter().map(|(name,)| name).collect();
        }
    }
    Ok(Some(schema))
}

async fn load_role<DB>(pool: &Pool<DB>) -> Result<RoleInfo>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    usize: ColumnIndex<DB::Row>,
    String: for<'r> Decode<'r, DB> + Type<DB>,
    i64: for<'r> Decode<'r, DB> + Type<DB>,
{
    let sql = "SELECT rolname::text, rolsuper::int::int8, rolbypassrls::int::int8 \
               FROM pg_catalog.pg_roles WHERE rolname = current_user";
    let (name, superuser, bypass_rls): (String, i64, i64) =
        DB::fetch_optional(pool, sql.to_owned(), Vec::new())
            .await?
            .ok_or(crate::Error::Database(sqlx::Error::RowNotFound))?;
    Ok(RoleInfo {
        name,
        superuser: superuser != 0,
        bypass_rls: bypass_rls != 0,
    })
}

async fn check_rls<DB>(
    pool: &Pool<DB>,
    model: &ModelInfo,
    role: &RoleInfo,
    findings: &mut Vec<Finding>,
) -> Result<()>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    usize: ColumnIndex<DB::Row>,
    String: for<'r> Decode<'r, DB> + Type<DB>,
    i64: for<'r> Decode<'r, DB> + Type<DB>,
{
    let table = model.table;
    // Membership with inherited privileges counts as ownership: PostgreSQL checks the owner
    // with the same rule when it decides whether row security applies.
    let sql = "SELECT c.relrowsecurity::int::int8, c.relforcerowsecurity::int::int8, \
               pg_has_role(current_user, c.relowner, 'USAGE')::int::int8 \
               FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
               WHERE n.nspname = current_schema() AND c.relname = $1";
    let (enabled, forced, owns): (i64, i64, i64) =
        DB::fetch_optional(pool, sql.to_owned(), text(table))
            .await?
            .ok_or(crate::Error::Database(sqlx::Error::RowNotFound))?;
    if enabled == 0 {
        findings.push(Finding::RlsNotEnabled {
            table: table.to_owned(),
        });
    }
    if forced == 0 {
        findings.push(Finding::RlsNotForced {
            table: table.to_owned(),
        });
        // A superuser passes `pg_has_role` for every table; it is reported once, as such.
        if owns != 0 && !role.superuser {
            findings.push(Finding::RoleOwnsTable {
                table: table.to_owned(),
                role: role.name.clone(),
            });
        }
    }
    // A policy for all commands without WITH CHECK checks new rows with its USING clause.
    let sql = "SELECT count(*) FROM pg_catalog.pg_policies \
               WHERE schemaname = current_schema() AND tablename = $1 \
                 AND cmd = 'ALL' AND permissive = 'PERMISSIVE' \
                 AND qual LIKE '%current_setting(''taskflow.tenant_id''%' \
                 AND COALESCE(with_check, qual) LIKE '%current_setting(''taskflow.tenant_id''%'";
    if DB::fetch_count(pool, sql.to_owned(), text(table)).await? == 0 {
        findings.push(Finding::MissingTenantPolicy {
            table: table.to_owned(),
        });
    }
    Ok(())
}

/// SQLite and MySQL compare column names without regard to case; PostgreSQL folds unquoted
/// names to lowercase when it stores them, and compares exactly.
fn same(dialect: Dialect, a: &str, b: &str) -> bool {
    match dialect {
        Dialect::Postgres => a == b,
        Dialect::Sqlite | Dialect::MySql => a.eq_ignore_ascii_case(b),
    }
}

fn same_list(dialect: Dialect, a: &[String], b: &[&str]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(dialect, x, y))
}

/// `(tenant, rest...)` with `rest` in any order: a unique constraint on a set of columns
/// does not depend on their order after the tenant.
fn tenant_then(dialect: Dialect, columns: &[String], tenant: &str, rest: &[&str]) -> bool {
    columns.len() == rest.len() + 1
        && same(dialect, &columns[0], tenant)
        && rest
            .iter()
            .all(|r| columns[1..].iter().any(|c| same(dialect, c, r)))
}

fn check_table(
    dialect: Dialect,
    model: &ModelInfo,
    schema: &TableSchema,
    findings: &mut Vec<Finding>,
) {
    let table = || model.table.to_owned();
    let tenant = model.tenant_column;
    let leads_with_tenant = |columns: &[String]| {
        columns
            .first()
            .is_some_and(|first| same(dialect, first, tenant))
    };
    let column = |name: &str| schema.columns.iter().find(|c| same(dialect, &c.name, name));

    match column(tenant) {
        None => findings.push(Finding::MissingColumn {
            table: table(),
            column: tenant.to_owned(),
        }),
        Some(db) => {
            if !db.not_null {
                findings.push(Finding::NullableTenantColumn {
                    table: table(),
                    column: tenant.to_owned(),
                });
            }
            if !type_fits(dialect, Kind::Uuid, &db.base_type) {
                findings.push(Finding::ColumnType {
                    table: table(),
                    column: tenant.to_owned(),
                    declared: db.display_type.clone(),
                    expected: Kind::Uuid,
                });
            }
        }
    }
    for info in model.columns {
        let Some(db) = column(info.name) else {
            findings.push(Finding::MissingColumn {
                table: table(),
                column: info.name.to_owned(),
            });
            continue;
        };
        if db.not_null == info.nullable {
            findings.push(Finding::Nullability {
                table: table(),
                column: info.name.to_owned(),
                model_nullable: info.nullable,
            });
        }
        if !type_fits(dialect, info.kind, &db.base_type) {
            findings.push(Finding::ColumnType {
                table: table(),
                column: info.name.to_owned(),
                declared: db.display_type.clone(),
                expected: info.kind,
            });
        }
    }
    for db in &schema.columns {
        let known = same(dialect, &db.name, tenant)
            || model
                .columns
                .iter()
                .any(|c| same(dialect, &db.name, c.name));
        if !known && db.not_null && !db.has_default {
            findings.push(Finding::ExtraRequiredColumn {
                table: table(),
                column: db.name.clone(),
            });
        }
    }

    let expected_pk = [tenant, model.key_column];
    if !same_list(dialect, &schema.primary_key, &expected_pk) {
        findings.push(Finding::PrimaryKey {
            table: table(),
            expected: expected_pk.iter().map(|c| (*c).to_owned()).collect(),
            actual: schema.primary_key.clone(),
        });
    }

    for index in schema.indexes.iter().filter(|i| i.unique) {
        if !leads_with_tenant(&index.columns) {
            findings.push(Finding::UniqueWithoutTenant {
                table: table(),
                index: index.name.clone(),
                columns: index.columns.clone(),
            });
        }
    }
    for declared in model.unique {
        let enforced = tenant_then(dialect, &schema.primary_key, tenant, declared)
            || schema.indexes.iter().any(|i| {
                i.unique && !i.partial && tenant_then(dialect, &i.columns, tenant, declared)
            });
        if !enforced {
            findings.push(Finding::MissingUnique {
                table: table(),
                columns: std::iter::once(&tenant)
                    .chain(declared.iter())
                    .map(|c| (*c).to_owned())
                    .collect(),
            });
        }
    }

    // Foreign keys already reported; MySQL's index for such a key says nothing more.
    let mut reported = Vec::new();
    for reference in model.references {
        let expected = format!(
            "({tenant}, {}) -> {} ({}, {})",
            reference.column, reference.table, reference.tenant_column, reference.key_column
        );
        let pairs = [
            (tenant, reference.tenant_column),
            (reference.column, reference.key_column),
        ];
        let composite = |fk: &DbForeignKey| {
            same(dialect, &fk.references_table, reference.table)
                && fk.columns.len() == pairs.len()
                && pairs.iter().all(|(from, to)| {
                    fk.columns
                        .iter()
                        .zip(&fk.references_columns)
                        .any(|(c, r)| same(dialect, c, from) && same(dialect, r, to))
                })
        };
        if schema.foreign_keys.iter().any(composite) {
            continue;
        }
        let on_column: Vec<usize> = (0..schema.foreign_keys.len())
            .filter(|&i| {
                schema.foreign_keys[i]
                    .columns
                    .iter()
                    .any(|c| same(dialect, c, reference.column))
            })
            .collect();
        if on_column.is_empty() {
            findings.push(Finding::MissingForeignKey {
                table: table(),
                column: reference.column.to_owned(),
                expected,
            });
            continue;
        }
        for i in on_column {
            let fk = &schema.foreign_keys[i];
            findings.push(Finding::ForeignKeyNotComposite {
                table: table(),
                name: fk.name.clone(),
                columns: fk.columns.clone(),
                references_table: fk.references_table.clone(),
                references_columns: fk.references_columns.clone(),
                expected: expected.clone(),
            });
            reported.push(i);
        }
    }
    for (i, fk) in schema.foreign_keys.iter().enumerate() {
        let has_tenant = fk.columns.iter().any(|c| same(dialect, c, tenant));
        if !has_tenant && !reported.contains(&i) {
            findings.push(Finding::ForeignKeyWithoutTenant {
                table: table(),
                name: fk.name.clone(),
                columns: fk.columns.clone(),
                references_table: fk.references_table.clone(),
                references_columns: fk.references_columns.clone(),
            });
            reported.push(i);
        }
    }

    for index in schema.indexes.iter().filter(|i| !i.unique) {
        // InnoDB creates an index named after a foreign key that no index serves; when that
        // key is already reported, its index is the same mistake.
        let for_reported_fk = dialect == Dialect::MySql
            && reported.iter().any(|&i| {
                let fk = &schema.foreign_keys[i];
                fk.name.as_deref() == Some(index.name.as_str()) && fk.columns == index.columns
            });
        if !leads_with_tenant(&index.columns) && !for_reported_fk {
            findings.push(Finding::IndexWithoutTenant {
                table: table(),
                index: index.name.clone(),
                columns: index.columns.clone(),
            });
        }
    }
}

/// SQLite's type affinity of a declared type, by the rules of its documentation (3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Affinity {
    Integer,
    Text,
    Blob,
    Real,
    Numeric,
}

fn sqlite_affinity(declared: &str) -> Affinity {
    let t = declared.to_ascii_uppercase();
    if t.contains("INT") {
        Affinity::Integer
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        Affinity::Text
    } else if t.contains("BLOB") || t.is_empty() {
        Affinity::Blob
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        Affinity::Real
    } else {
        Affinity::Numeric
    }
}

/// Whether a column of this type can hold the field's values as sqlx binds and decodes them.
/// Families, not exact types: an `i32` field in a `BIGINT` column passes.
fn type_fits(dialect: Dialect, kind: Kind, base_type: &str) -> bool {
    match dialect {
        Dialect::Sqlite => {
            // A column without a declared type takes any value.
            if base_type.trim().is_empty() {
                return true;
            }
            let affinity = sqlite_affinity(base_type);
            match kind {
                Kind::Bool | Kind::I32 | Kind::I64 => {
                    matches!(affinity, Affinity::Integer | Affinity::Numeric)
                }
                Kind::F64 => matches!(affinity, Affinity::Real | Affinity::Numeric),
                Kind::Text => affinity == Affinity::Text,
                // sqlx stores a UUID as a 16-byte blob, which no affinity converts; a
                // declared `UUID` has NUMERIC affinity and keeps the blob as it is.
                Kind::Uuid => {
                    affinity == Affinity::Blob || base_type.to_ascii_uppercase().contains("UUID")
                }
                // Stored as ISO 8601 text; DATE and DATETIME have NUMERIC affinity, which
                // leaves such text alone.
                Kind::Date | Kind::DateTime => {
                    matches!(affinity, Affinity::Text | Affinity::Numeric)
                }
            }
        }
        Dialect::MySql => {
            let t = base_type.to_ascii_lowercase();
            let t = t.as_str();
            match kind {
                Kind::Bool => matches!(t, "tinyint" | "bit" | "bool" | "boolean"),
                Kind::I32 | Kind::I64 => matches!(
                    t,
                    "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint"
                ),
                Kind::F64 => matches!(t, "float" | "double" | "real"),
                Kind::Text => matches!(
                    t,
                    "char"
                        | "varchar"
                        | "tinytext"
                        | "text"
                        | "mediumtext"
                        | "longtext"
                        | "enum"
                        | "set"
                        | "json"
                ),
                Kind::Uuid => matches!(t, "binary" | "varbinary" | "uuid"),
                Kind::Date => t == "date",
                Kind::DateTime => matches!(t, "datetime" | "timestamp"),
            }
        }
        Dialect::Postgres => match kind {
            Kind::Bool => base_type == "bool",
            Kind::I32 | Kind::I64 => matches!(base_type, "int2" | "int4" | "int8"),
            Kind::F64 => matches!(base_type, "float4" | "float8"),
            Kind::Text => matches!(base_type, "text" | "varchar" | "bpchar" | "name" | "citext"),
            Kind::Uuid => base_type == "uuid",
            Kind::Date => base_type == "date",
            // sqlx decodes `DateTime<Utc>` from `timestamptz` only.
            Kind::DateTime => base_type == "timestamptz",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn every_finding_names_its_table_and_object() {
        let cases = [
            (
                Finding::PrimaryKey {
                    table: "tasks".into(),
                    expected: s(&["tenant_id", "id"]),
                    actual: vec![],
                },
                "tasks: no primary key, expected (tenant_id, id)",
            ),
            (
                Finding::UniqueWithoutTenant {
                    table: "projects".into(),
                    index: "projects_name_key".into(),
                    columns: s(&["name"]),
                },
                "projects: unique index projects_name_key (name) does not lead with the tenant column, so it is unique across tenants",
            ),
            (
                Finding::MissingUnique {
                    table: "projects".into(),
                    columns: s(&["tenant_id", "name"]),
                },
                "projects: declared unique(name) has no UNIQUE (tenant_id, name)",
            ),
            (
                Finding::ForeignKeyNotComposite {
                    table: "tasks".into(),
                    name: None,
                    columns: s(&["project_id"]),
                    references_table: "projects".into(),
                    references_columns: s(&["id"]),
                    expected: "(tenant_id, project_id) -> projects (tenant_id, id)".into(),
                },
                "tasks: foreign key (project_id) -> projects (id) is not the composite (tenant_id, project_id) -> projects (tenant_id, id)",
            ),
            (
                Finding::ForeignKeyWithoutTenant {
                    table: "tasks".into(),
                    name: Some("tasks_owner_fk".into()),
                    columns: s(&["owner"]),
                    references_table: "users".into(),
                    references_columns: s(&["id"]),
                },
                "tasks: foreign key tasks_owner_fk (owner) -> users (id) does not include the tenant column",
            ),
            (
                Finding::Nullability {
                    table: "tasks".into(),
                    column: "due_on".into(),
                    model_nullable: true,
                },
                "tasks: column due_on is NOT NULL, but its field is an Option",
            ),
            (
                Finding::ColumnType {
                    table: "tasks".into(),
                    column: "points".into(),
                    declared: "text".into(),
                    expected: Kind::I32,
                },
                "tasks: column points has type \"text\", which does not hold a 32-bit integer",
            ),
            (
                Finding::RoleIsSuperuser {
                    role: "postgres".into(),
                },
                "role postgres is a superuser, and superusers bypass row-level security",
            ),
        ];
        for (finding, text) in cases {
            assert_eq!(finding.to_string(), text);
        }
    }

    #[test]
    fn sqlite_affinity_follows_the_documented_rules() {
        assert_eq!(sqlite_affinity("BIGINT"), Affinity::Integer);
        assert_eq!(sqlite_affinity("VARCHAR(20)"), Affinity::Text);
        assert_eq!(sqlite_affinity(""), Affinity::Blob);
        assert_eq!(sqlite_affinity("DOUBLE PRECISION"), Affinity::Real);
        assert_eq!(sqlite_affinity("BOOLEAN"), Affinity::Numeric);
        assert_eq!(sqlite_affinity("DATETIME"), Affinity::Numeric);
    }

    #[test]
    fn type_families() {
        assert!(type_fits(Dialect::Sqlite, Kind::Uuid, "BLOB"));
        assert!(!type_fits(Dialect::Sqlite, Kind::Uuid, "INTEGER"));
        assert!(type_fits(Dialect::Sqlite, Kind::Bool, "BOOLEAN"));
        assert!(!type_fits(Dialect::Sqlite, Kind::Text, "INTEGER"));
        assert!(type_fits(Dialect::MySql, Kind::Uuid, "binary"));
        assert!(!type_fits(Dialect::MySql, Kind::Uuid, "varchar"));
        assert!(type_fits(Dialect::MySql, Kind::Bool, "tinyint"));
        assert!(type_fits(Dialect::Postgres, Kind::I32, "int8"));
        assert!(!type_fits(Dialect::Postgres, Kind::DateTime, "timestamp"));
        assert!(!type_fits(Dialect::Postgres, Kind::Text, "uuid"));
    }
}
