//! The checks of one table's schema against its model.

use super::catalog::{DbForeignKey, TableSchema};
use super::findings::Finding;
use crate::query::backend::Dialect;
use crate::query::model::ModelInfo;
use crate::query::value::Kind;

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

pub(super) fn check_table(
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
