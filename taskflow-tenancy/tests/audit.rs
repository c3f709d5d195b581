//! The schema audit on real databases: a schema that follows the conventions passes with no
//! findings on SQLite, MariaDB and PostgreSQL, and each schema broken in one way is caught with
//! exactly the finding that names the table, the object and the mistake.
//!
//! MariaDB and PostgreSQL cases run when `TASKFLOW_TEST_MYSQL_URL` / `TASKFLOW_TEST_POSTGRES_URL`
//! are set; each case gets a fresh database, dropped again when the case passes.

#![allow(missing_docs)]

use chrono::{DateTime, NaiveDate, Utc};
use taskflow_tenancy::audit::{
    AuditOptions, AuditReport, Finding, audit_schema, audit_schema_with,
};
use taskflow_tenancy::{Dialect, Kind, ModelInfo, TenantId, TenantModel, tenant_scoped};
use uuid::Uuid;

#[tenant_scoped(table = "projects", unique(name))]
#[derive(Debug, Clone)]
pub struct Project {
    pub tenant_id: TenantId,
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[tenant_scoped(table = "tasks", unique(project_id, title))]
#[derive(Debug, Clone)]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: Uuid,
    #[tenant_scoped(references = Project)]
    pub project_id: Uuid,
    pub title: String,
    pub status: String,
    pub done: bool,
    pub points: i32,
    pub due_on: Option<NaiveDate>,
}

const MODELS: [ModelInfo; 2] = [Project::INFO, Task::INFO];

/// One mistake each; `None` is the schema as the conventions want it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Defect {
    None,
    PkWithoutTenant,
    PkWrongOrder,
    GlobalUnique,
    FkNotComposite,
    IndexNotLeading,
    MissingColumn,
    NullableMismatch,
    NullableTenant,
    MissingTable,
    ExtraRequiredColumn,
    WrongType,
    FkWithoutTenant,
    MissingForeignKey,
    MissingDeclaredUnique,
}

struct Types {
    uuid: &'static str,
    text: &'static str,
    timestamp: &'static str,
    boolean: &'static str,
    int: &'static str,
    date: &'static str,
}

fn types(dialect: Dialect) -> Types {
    match dialect {
        Dialect::Sqlite => Types {
            uuid: "BLOB",
            text: "TEXT",
            timestamp: "TEXT",
            boolean: "BOOLEAN",
            int: "INTEGER",
            date: "DATE",
        },
        Dialect::MySql => Types {
            uuid: "BINARY(16)",
            text: "VARCHAR(200)",
            timestamp: "DATETIME(6)",
            boolean: "BOOLEAN",
            int: "INT",
            date: "DATE",
        },
        Dialect::Postgres => Types {
            uuid: "UUID",
            text: "TEXT",
            timestamp: "TIMESTAMPTZ",
            boolean: "BOOLEAN",
            int: "INTEGER",
            date: "DATE",
        },
        _ => unreachable!("no other dialects"),
    }
}

/// The statements that build `defect`'s schema (after the tenants table).
fn schema(dialect: Dialect, defect: Defect) -> Vec<String> {
    use Defect::*;
    let Types {
        uuid,
        text,
        timestamp,
        boolean,
        int,
        date,
    } = types(dialect);
    let mut statements = Vec::new();

    let name_unique = if defect == GlobalUnique {
        "UNIQUE (name)"
    } else {
        "UNIQUE (tenant_id, name)"
    };
    statements.push(format!(
        "CREATE TABLE projects (tenant_id {uuid} NOT NULL, id {uuid} NOT NULL, \
         name {text} NOT NULL, created_at {timestamp} NOT NULL, \
         CONSTRAINT projects_pkey PRIMARY KEY (tenant_id, id), \
         CONSTRAINT projects_name_key {name_unique}, \
         CONSTRAINT projects_tenant_fk FOREIGN KEY (tenant_id) REFERENCES tenants (id))"
    ));
    if defect == FkNotComposite {
        // MariaDB and PostgreSQL refuse a foreign key to `projects (id)` unless `id` alone
        // is indexed (unique, on PostgreSQL): the broken key needs a second mistake.
        statements.push("CREATE UNIQUE INDEX projects_id_key ON projects (id)".into());
    }
    if defect == MissingTable {
        return statements;
    }

    // PostgreSQL and MariaDB make every primary-key column NOT NULL, so a nullable tenant
    // column there means a primary key without it; SQLite keeps NULLs in a rowid table's key.
    let server = dialect != Dialect::Sqlite;
    let primary_key = match defect {
        PkWithoutTenant => "(id)",
        NullableTenant if server => "(id)",
        PkWrongOrder => "(id, tenant_id)",
        _ => "(tenant_id, id)",
    };
    let mut columns = vec![
        format!(
            "tenant_id {uuid}{}",
            if defect == NullableTenant {
                ""
            } else {
                " NOT NULL"
            }
        ),
        format!("id {uuid} NOT NULL"),
        format!("project_id {uuid} NOT NULL"),
        format!(
            "title {text}{}",
            if defect == NullableMismatch {
                ""
            } else {
                " NOT NULL"
            }
        ),
        format!("status {text} NOT NULL DEFAULT 'todo'"),
    ];
    if defect != MissingColumn {
        columns.push(format!("done {boolean} NOT NULL"));
    }
    columns.push(format!(
        "points {} NOT NULL",
        if defect == WrongType { text } else { int }
    ));
    columns.push(format!("due_on {date}"));
    // Columns the model does not know are fine while inserts through it still work.
    columns.push(format!("archived_at {timestamp}"));
    columns.push(format!("priority {int} NOT NULL DEFAULT 0"));
    if defect == ExtraRequiredColumn {
        columns.push(format!("owner {text} NOT NULL"));
    }
    if defect == FkWithoutTenant {
        columns.push(format!("moved_from {uuid}"));
    }
    columns.push(format!("CONSTRAINT tasks_pkey PRIMARY KEY {primary_key}"));
    if defect != MissingDeclaredUnique {
        columns.push("CONSTRAINT tasks_title_key UNIQUE (tenant_id, project_id, title)".into());
    }
    match defect {
        FkNotComposite => columns.push(
            "CONSTRAINT tasks_project_fk FOREIGN KEY (project_id) REFERENCES projects (id)".into(),
        ),
        MissingForeignKey => {}
        _ => columns.push(
            "CONSTRAINT tasks_project_fk FOREIGN KEY (tenant_id, project_id) \
             REFERENCES projects (tenant_id, id)"
                .into(),
        ),
    }
    columns
        .push("CONSTRAINT tasks_tenant_fk FOREIGN KEY (tenant_id) REFERENCES tenants (id)".into());
    if defect == FkWithoutTenant {
        columns.push(
            "CONSTRAINT tasks_moved_from_fk FOREIGN KEY (moved_from) REFERENCES tenants (id)"
                .into(),
        );
    }
    statements.push(format!("CREATE TABLE tasks ({})", columns.join(", ")));
    statements.push(format!(
        "CREATE INDEX tasks_status_idx ON tasks {}",
        if defect == IndexNotLeading {
            "(status)"
        } else {
            "(tenant_id, status)"
        }
    ));
    statements
}

fn names(columns: &[&str]) -> Vec<String> {
    columns.iter().map(|c| (*c).to_owned()).collect()
}

/// What the audit must report for `defect`, and nothing else.
fn expected(dialect: Dialect, defect: Defect) -> Vec<Finding> {
    use Defect::*;
    let sqlite = dialect == Dialect::Sqlite;
    // SQLite names the index of an inline constraint itself and keeps no foreign-key names.
    let fk_name = |name: &str| (!sqlite).then(|| name.to_owned());
    let tasks = || "tasks".to_owned();
    let primary_key = |actual: &[&str]| Finding::PrimaryKey {
        table: tasks(),
        expected: names(&["tenant_id", "id"]),
        actual: names(actual),
    };
    match defect {
        None => vec![],
        PkWithoutTenant => vec![primary_key(&["id"])],
        PkWrongOrder => vec![primary_key(&["id", "tenant_id"])],
        GlobalUnique => vec![
            Finding::UniqueWithoutTenant {
                table: "projects".into(),
                index: if sqlite {
                    "sqlite_autoindex_projects_2".into()
                } else {
                    "projects_name_key".into()
                },
                columns: names(&["name"]),
            },
            Finding::MissingUnique {
                table: "projects".into(),
                columns: names(&["tenant_id", "name"]),
            },
        ],
        FkNotComposite => vec![
            Finding::UniqueWithoutTenant {
                table: "projects".into(),
                index: "projects_id_key".into(),
                columns: names(&["id"]),
            },
            Finding::ForeignKeyNotComposite {
                table: tasks(),
                name: fk_name("tasks_project_fk"),
                columns: names(&["project_id"]),
                references_table: "projects".into(),
                references_columns: names(&["id"]),
                expected: "(tenant_id, project_id) -> projects (tenant_id, id)".into(),
            },
        ],
        IndexNotLeading => vec![Finding::IndexWithoutTenant {
            table: tasks(),
            index: "tasks_status_idx".into(),
            columns: names(&["status"]),
        }],
        MissingColumn => vec![Finding::MissingColumn {
            table: tasks(),
            column: "done".into(),
        }],
        NullableMismatch => vec![Finding::Nullability {
            table: tasks(),
            column: "title".into(),
            model_nullable: false,
        }],
        NullableTenant => {
            let mut findings = vec![Finding::NullableTenantColumn {
                table: tasks(),
                column: "tenant_id".into(),
            }];
            if !sqlite {
                findings.push(primary_key(&["id"]));
            }
            findings
        }
        MissingTable => vec![Finding::MissingTable { table: tasks() }],
        ExtraRequiredColumn => vec![Finding::ExtraRequiredColumn {
            table: tasks(),
            column: "owner".into(),
        }],
        WrongType => vec![Finding::ColumnType {
            table: tasks(),
            column: "points".into(),
            declared: match dialect {
                Dialect::Sqlite => "TEXT",
                Dialect::MySql => "varchar(200)",
                _ => "text",
            }
            .into(),
            expected: Kind::I32,
        }],
        FkWithoutTenant => vec![Finding::ForeignKeyWithoutTenant {
            table: tasks(),
            name: fk_name("tasks_moved_from_fk"),
            columns: names(&["moved_from"]),
            references_table: "tenants".into(),
            references_columns: names(&["id"]),
        }],
        MissingForeignKey => vec![Finding::MissingForeignKey {
            table: tasks(),
            column: "project_id".into(),
            expected: "(tenant_id, project_id) -> projects (tenant_id, id)".into(),
        }],
        MissingDeclaredUnique => vec![Finding::MissingUnique {
            table: tasks(),
            columns: names(&["tenant_id", "project_id", "title"]),
        }],
    }
}

fn assert_report(backend: &str, dialect: Dialect, defect: Defect, report: &AuditReport) {
    eprint!("{backend} {defect:?}:\n{report}");
    assert_eq!(
        report.findings(),
        expected(dialect, defect),
        "{backend} {defect:?}"
    );
    assert_eq!(report.is_clean(), defect == Defect::None);
    let lines: Vec<String> = report.findings().iter().map(|f| f.to_string()).collect();
    assert_eq!(report.to_string().lines().collect::<Vec<_>>(), lines);
    for finding in report.findings() {
        if let Some(table) = finding.table() {
            assert!(finding.to_string().starts_with(&format!("{table}: ")));
        }
    }
}

async fn sqlite_case(defect: Defect) {
    let db = taskflow_tenancy::testkit::sqlite().await.unwrap();
    build(&db.pool, Dialect::Sqlite, defect).await;
    let report = audit_schema(&db.pool, &MODELS).await.unwrap();
    assert_report("SQLite", Dialect::Sqlite, defect, &report);
    // SQLite has no row-level security: asking for its checks changes nothing.
    let with_rls = audit_schema_with(
        &db.pool,
        &MODELS,
        AuditOptions::new().row_level_security(true),
    )
    .await
    .unwrap();
    assert_eq!(with_rls, report);
}

async fn build<DB>(pool: &sqlx::Pool<DB>, dialect: Dialect, defect: Defect)
where
    DB: taskflow_tenancy::Backend,
    taskflow_tenancy::Tenant: for<'r> sqlx::FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
{
    taskflow_tenancy::TenantDb::new(pool.clone())
        .migrate()
        .await
        .unwrap();
    for statement in schema(dialect, defect) {
        sqlx::query(sqlx::AssertSqlSafe(statement.clone()))
            .execute(pool)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
}

#[cfg(feature = "mysql")]
async fn mariadb_case(defect: Defect) {
    let Some(url) = taskflow_tenancy::testkit::mysql_url() else {
        return;
    };
    let (pool, name) = taskflow_tenancy::testkit::mysql(&url).await.unwrap();
    build(&pool, Dialect::MySql, defect).await;
    let report = audit_schema(&pool, &MODELS).await.unwrap();
    assert_report("MariaDB", Dialect::MySql, defect, &report);
    let with_rls = audit_schema_with(&pool, &MODELS, AuditOptions::new().row_level_security(true))
        .await
        .unwrap();
    assert_eq!(with_rls, report);
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE `{name}`")))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

#[cfg(feature = "postgres")]
async fn drop_postgres(url: &str, pool: sqlx::PgPool) {
    use sqlx::Connection;
    let (name,): (String,) = sqlx::query_as("SELECT current_database()::text")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    let mut admin = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE \"{name}\" WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
}

#[cfg(feature = "postgres")]
async fn postgres_case(defect: Defect) {
    let Some(url) = taskflow_tenancy::testkit::postgres_url() else {
        return;
    };
    let (pool, _) = taskflow_tenancy::testkit::postgres(&url).await.unwrap();
    build(&pool, Dialect::Postgres, defect).await;
    let report = audit_schema(&pool, &MODELS).await.unwrap();
    assert_report("PostgreSQL", Dialect::Postgres, defect, &report);
    drop_postgres(&url, pool).await;
}

macro_rules! cases {
    ($($name:ident => $defect:expr,)*) => {
        mod sqlite {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    sqlite_case($defect).await;
                }
            )*
        }

        #[cfg(feature = "mysql")]
        mod mariadb {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    mariadb_case($defect).await;
                }
            )*
        }

        #[cfg(feature = "postgres")]
        mod postgres {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    postgres_case($defect).await;
                }
            )*
        }
    };
}

cases! {
    correct_schema_is_clean => Defect::None,
    primary_key_without_tenant => Defect::PkWithoutTenant,
    primary_key_in_wrong_order => Defect::PkWrongOrder,
    unique_across_tenants => Defect::GlobalUnique,
    foreign_key_not_composite => Defect::FkNotComposite,
    index_not_leading_with_tenant => Defect::IndexNotLeading,
    missing_column => Defect::MissingColumn,
    nullability_mismatch => Defect::NullableMismatch,
    nullable_tenant_column => Defect::NullableTenant,
    missing_table => Defect::MissingTable,
    extra_required_column => Defect::ExtraRequiredColumn,
    incompatible_column_type => Defect::WrongType,
    foreign_key_without_tenant => Defect::FkWithoutTenant,
    missing_foreign_key => Defect::MissingForeignKey,
    missing_declared_unique => Defect::MissingDeclaredUnique,
}

/// With the row-level-security checks, the superuser the test kit connects as is reported,
/// and so are tables without security until `rls_policy_ddl` has run on them.
#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_row_level_security_checks() {
    use taskflow_tenancy::postgres::rls_policy_ddl;

    let Some(url) = taskflow_tenancy::testkit::postgres_url() else {
        return;
    };
    let (pool, _) = taskflow_tenancy::testkit::postgres(&url).await.unwrap();
    build(&pool, Dialect::Postgres, Defect::None).await;
    let (role, superuser): (String, bool) =
        sqlx::query_as("SELECT rolname::text, rolsuper FROM pg_roles WHERE rolname = current_user")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(
        superuser,
        "the test server's URL is expected to name a superuser"
    );
    let rls = AuditOptions::new().row_level_security(true);

    let report = audit_schema_with(&pool, &MODELS, rls).await.unwrap();
    eprint!("PostgreSQL, no row-level security yet:\n{report}");
    let mut expected = vec![Finding::RoleIsSuperuser { role: role.clone() }];
    for table in ["projects", "tasks"] {
        expected.push(Finding::RlsNotEnabled {
            table: table.into(),
        });
        expected.push(Finding::RlsNotForced {
            table: table.into(),
        });
        expected.push(Finding::MissingTenantPolicy {
            table: table.into(),
        });
    }
    assert_eq!(report.findings(), expected);

    for model in &MODELS {
        for statement in rls_policy_ddl(model) {
            sqlx::query(sqlx::AssertSqlSafe(statement))
                .execute(&pool)
                .await
                .unwrap();
        }
    }
    let report = audit_schema_with(&pool, &MODELS, rls).await.unwrap();
    eprint!("PostgreSQL, row-level security on:\n{report}");
    assert_eq!(report.findings(), [Finding::RoleIsSuperuser { role }]);
    // The schema checks alone do not look at the role.
    assert!(audit_schema(&pool, &MODELS).await.unwrap().is_clean());

    drop_postgres(&url, pool).await;
}
