//! PostgreSQL: the row-level security checks of [`AuditOptions::row_level_security`].
//!
//! [`AuditOptions::row_level_security`]: super::AuditOptions::row_level_security

use sqlx::{PgPool, Postgres};

use super::findings::Finding;
use crate::error::Result;
use crate::postgres::{POLICY_NAME, jobs_condition, tenant_condition};
use crate::query::model::ModelInfo;

/// The connecting role's attributes.
struct Role {
    name: String,
    superuser: bool,
    bypass_rls: bool,
}

/// Every row-level security finding for `models` (and the library's `jobs` table, when it
/// exists), appended to `findings`.
pub(super) async fn check(
    pool: &PgPool,
    models: &[ModelInfo],
    findings: &mut Vec<Finding>,
) -> Result<()> {
    let role = load_role(pool).await?;
    // Reported first, once: they void every policy below.
    if role.superuser {
        findings.push(Finding::RoleIsSuperuser {
            role: role.name.clone(),
        });
    } else if role.bypass_rls {
        findings.push(Finding::RoleBypassesRls {
            role: role.name.clone(),
        });
    }
    // A role that may read (or set) the entry key can sign an entry for any tenant.
    let exposed: Option<bool> = sqlx::query_scalar(
        "SELECT has_table_privilege(current_user, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE') \
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relname = 'taskflow_entry_key'",
    )
    .fetch_optional(pool)
    .await?;
    if exposed == Some(true) && !role.superuser {
        findings.push(Finding::EntryKeyExposed {
            role: role.name.clone(),
        });
    }
    let mut tables: Vec<(&str, String, String)> = Vec::new();
    for model in models {
        if table_exists(pool, model.table).await? {
            let condition = tenant_condition(model.tenant_column);
            tables.push((model.table, model.tenant_column.to_owned(), condition));
        }
    }
    if !models.iter().any(|m| m.table == "jobs") && table_exists(pool, "jobs").await? {
        tables.push(("jobs", "tenant_id".to_owned(), jobs_condition()));
    }
    for (table, tenant_column, condition) in &tables {
        check_table(pool, table, tenant_column, condition, &role, findings).await?;
    }
    Ok(())
}

async fn load_role(pool: &PgPool) -> Result<Role> {
    let (name, superuser, bypass_rls): (String, bool, bool) = sqlx::query_as(
        "SELECT rolname::text, rolsuper, rolbypassrls FROM pg_catalog.pg_roles \
         WHERE rolname = current_user",
    )
    .fetch_one(pool)
    .await?;
    Ok(Role {
        name,
        superuser,
        bypass_rls,
    })
}

async fn table_exists(pool: &PgPool, table: &str) -> Result<bool> {
    Ok(sqlx::query_scalar::<Postgres, bool>(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relname = $1 AND c.relkind IN ('r', 'p'))",
    )
    .bind(table)
    .fetch_one(pool)
    .await?)
}

async fn check_table(
    pool: &PgPool,
    table: &str,
    tenant_column: &str,
    condition: &str,
    role: &Role,
    findings: &mut Vec<Finding>,
) -> Result<()> {
    // Membership with inherited privileges counts as ownership: PostgreSQL checks the owner
    // with the same rule when it decides whether row security applies.
    let (enabled, forced, owns): (bool, bool, bool) = sqlx::query_as(
        "SELECT c.relrowsecurity, c.relforcerowsecurity, \
         pg_has_role(current_user, c.relowner, 'USAGE') \
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relname = $1",
    )
    .bind(table)
    .fetch_one(pool)
    .await?;
    let table_name = || table.to_owned();
    if !enabled {
        findings.push(Finding::RlsNotEnabled {
            table: table_name(),
        });
    }
    if !forced {
        findings.push(Finding::RlsNotForced {
            table: table_name(),
        });
        // A superuser passes `pg_has_role` for every table; it is reported once, as such.
        if owns && !role.superuser {
            findings.push(Finding::RoleOwnsTable {
                table: table_name(),
                role: role.name.clone(),
            });
        }
    }
    check_policies(pool, table, tenant_column, condition, findings).await?;
    check_views(pool, table, findings).await?;
    check_functions(pool, table, findings).await?;
    Ok(())
}

/// A policy as `pg_policies` shows it: name, permissive, command, `USING`, `WITH CHECK`.
type Policy = (String, bool, String, Option<String>, Option<String>);

/// The tenant policy must be there exactly as the library writes it, and no other permissive
/// policy may widen it: permissive policies are joined with `OR`, so one `USING (true)` beside
/// it admits every tenant's rows.
async fn check_policies(
    pool: &PgPool,
    table: &str,
    tenant_column: &str,
    condition: &str,
    findings: &mut Vec<Finding>,
) -> Result<()> {
    let expected = deparsed(pool, tenant_column, condition).await?;
    let policies: Vec<Policy> = sqlx::query_as(
        "SELECT policyname::text, permissive = 'PERMISSIVE', cmd, qual, with_check \
         FROM pg_catalog.pg_policies WHERE schemaname = current_schema() AND tablename = $1 \
         ORDER BY policyname",
    )
    .bind(table)
    .fetch_all(pool)
    .await?;
    let mut tenant_policy = false;
    for (name, permissive, cmd, qual, with_check) in policies {
        if !permissive {
            // A restrictive policy is joined with `AND`: it can only narrow what is admitted.
            continue;
        }
        let exact = name == POLICY_NAME
            && cmd == "ALL"
            && qual.as_deref() == Some(expected.as_str())
            && with_check.as_deref().or(qual.as_deref()) == Some(expected.as_str());
        if exact {
            tenant_policy = true;
        } else {
            findings.push(Finding::ExtraPermissivePolicy {
                table: table.to_owned(),
                policy: name,
            });
        }
    }
    if !tenant_policy {
        findings.push(Finding::MissingTenantPolicy {
            table: table.to_owned(),
        });
    }
    Ok(())
}

/// `condition` as PostgreSQL stores and shows it in `pg_policies`: the server deparses a policy
/// on a temporary table with the same tenant column, in a transaction that is rolled back, so
/// that the comparison does not depend on how a server version prints an expression.
async fn deparsed(pool: &PgPool, tenant_column: &str, condition: &str) -> Result<String> {
    let column = crate::query::backend::Dialect::Postgres.quote(tenant_column);
    let mut tx = pool.begin().await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE TEMPORARY TABLE taskflow_audit_probe ({column} uuid) ON COMMIT DROP; \
         CREATE POLICY taskflow_audit_probe ON pg_temp.taskflow_audit_probe \
         FOR ALL USING ({condition})"
    )))
    .execute(&mut *tx)
    .await?;
    let qual: String = sqlx::query_scalar(
        "SELECT qual FROM pg_catalog.pg_policies \
         WHERE tablename = 'taskflow_audit_probe' \
         AND schemaname = (SELECT nspname FROM pg_catalog.pg_namespace \
                           WHERE oid = pg_catalog.pg_my_temp_schema())",
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.rollback().await?;
    Ok(qual)
}

/// A view runs its query with its owner's rights (unless it is `security_invoker`), so a view
/// over a tenant table owned by a role that bypasses row-level security shows every tenant's
/// rows to whoever may read the view. A materialized view copies rows out from under the
/// policies whoever owns it.
async fn check_views(pool: &PgPool, table: &str, findings: &mut Vec<Finding>) -> Result<()> {
    let views: Vec<(String, String)> = sqlx::query_as(
        "SELECT DISTINCT v.relname::text, r.rolname::text \
         FROM pg_catalog.pg_depend d \
         JOIN pg_catalog.pg_rewrite w ON w.oid = d.objid \
         JOIN pg_catalog.pg_class v ON v.oid = w.ev_class \
         JOIN pg_catalog.pg_class t ON t.oid = d.refobjid \
         JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace \
         JOIN pg_catalog.pg_roles r ON r.oid = v.relowner \
         WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass \
           AND d.refclassid = 'pg_catalog.pg_class'::regclass \
           AND n.nspname = current_schema() AND t.relname = $1 AND v.oid <> t.oid \
           AND (v.relkind = 'm' OR (v.relkind = 'v' \
                AND (r.rolsuper OR r.rolbypassrls \
                     OR (v.relowner = t.relowner AND NOT t.relforcerowsecurity)) \
                AND NOT COALESCE(v.reloptions @> ARRAY['security_invoker=true'] \
                                 OR v.reloptions @> ARRAY['security_invoker=on'], false))) \
         ORDER BY 1",
    )
    .bind(table)
    .fetch_all(pool)
    .await?;
    for (view, owner) in views {
        findings.push(Finding::RlsBypassingView {
            table: table.to_owned(),
            view,
            owner,
        });
    }
    Ok(())
}

/// A `SECURITY DEFINER` function runs with its owner's rights: one owned by a role that
/// bypasses row-level security and that reads the table (by name in its body, or by a
/// dependency of an SQL-standard body) hands every tenant's rows to whoever may call it.
async fn check_functions(pool: &PgPool, table: &str, findings: &mut Vec<Finding>) -> Result<()> {
    let functions: Vec<(String, String)> = sqlx::query_as(
        "SELECT DISTINCT p.oid::regprocedure::text, r.rolname::text \
         FROM pg_catalog.pg_proc p \
         JOIN pg_catalog.pg_roles r ON r.oid = p.proowner \
         JOIN pg_catalog.pg_class t ON t.relname = $1 \
         JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema() \
         WHERE p.prosecdef AND (r.rolsuper OR r.rolbypassrls) \
           AND (p.prosrc ~* ('\\m' || $1 || '\\M') \
                OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend d \
                           WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid \
                             AND d.refclassid = 'pg_catalog.pg_class'::regclass \
                             AND d.refobjid = t.oid)) \
         ORDER BY 1",
    )
    .bind(table)
    .fetch_all(pool)
    .await?;
    for (function, owner) in functions {
        findings.push(Finding::RlsBypassingFunction {
            table: table.to_owned(),
            function,
            owner,
        });
    }
    Ok(())
}
