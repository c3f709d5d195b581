//! What the audit reports: one [`Finding`] per way the schema lets rows cross tenants, and the
//! [`AuditReport`] that holds them.

use std::fmt;

use crate::query::value::Kind;

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
    /// PostgreSQL: the connecting role may read or change `taskflow_entry_key`, the key that
    /// signs which tenant each transaction entered, and so make its transaction any tenant's.
    /// Revoke it (a `GRANT ... ON ALL TABLES` grants it too).
    EntryKeyExposed {
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
    /// PostgreSQL: the table has no policy `taskflow_tenant_isolation` for all commands whose
    /// `USING` and `WITH CHECK` are exactly the library's condition on the entered tenant
    /// ([`postgres::rls_policy_ddl`](crate::postgres::rls_policy_ddl); for `jobs`,
    /// [`postgres::jobs_policy_ddl`](crate::postgres::jobs_policy_ddl)).
    MissingTenantPolicy {
        /// The table.
        table: String,
    },
    /// PostgreSQL: a permissive policy other than the exact tenant policy. Permissive policies
    /// are joined with `OR`, so it widens what the tenant policy admits (a `USING (true)`, an
    /// `OR ... IS NULL`, a policy for one command).
    ExtraPermissivePolicy {
        /// The table.
        table: String,
        /// The policy.
        policy: String,
    },
    /// PostgreSQL: a view over the table that runs as a role that bypasses row-level security
    /// (a superuser, `BYPASSRLS`, or the owner of a table whose security is not forced), and is
    /// not `security_invoker`; or a materialized view, which copies rows out from under the
    /// policies.
    RlsBypassingView {
        /// The tenant table.
        table: String,
        /// The view.
        view: String,
        /// The view's owner.
        owner: String,
    },
    /// PostgreSQL: a `SECURITY DEFINER` function owned by a role that bypasses row-level
    /// security and that reads the table.
    RlsBypassingFunction {
        /// The tenant table.
        table: String,
        /// The function, with its argument types.
        function: String,
        /// The function's owner.
        owner: String,
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
            | Finding::MissingTenantPolicy { table }
            | Finding::ExtraPermissivePolicy { table, .. }
            | Finding::RlsBypassingView { table, .. }
            | Finding::RlsBypassingFunction { table, .. } => Some(table),
            Finding::RoleIsSuperuser { .. }
            | Finding::RoleBypassesRls { .. }
            | Finding::EntryKeyExposed { .. } => None,
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
            Finding::EntryKeyExposed { role } => write!(
                f,
                "role {role} may read or change taskflow_entry_key, and so enter any tenant: revoke it"
            ),
            Finding::RlsNotForced { table } => write!(
                f,
                "{table}: row-level security is not forced, so the table owner bypasses it"
            ),
            Finding::MissingTenantPolicy { table } => write!(
                f,
                "{table}: no policy filters rows on the entered tenant exactly as the library writes it"
            ),
            Finding::ExtraPermissivePolicy { table, policy } => write!(
                f,
                "{table}: permissive policy {policy} is not the tenant policy, and widens it"
            ),
            Finding::RlsBypassingView { table, view, owner } => write!(
                f,
                "{table}: view {view} runs as {owner}, which bypasses row-level security"
            ),
            Finding::RlsBypassingFunction {
                table,
                function,
                owner,
            } => write!(
                f,
                "{table}: security definer function {function} runs as {owner}, which bypasses row-level security"
            ),
        }
    }
}

/// What [`audit_schema`](super::audit_schema) found: empty when the database agrees with every
/// model.
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
    pub(super) findings: Vec<Finding>,
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
