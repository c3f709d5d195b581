//! PostgreSQL's second wall: with `rls_policy_ddl` applied by the owner, an application role
//! that is neither owner nor superuser sees and changes only the scope's tenant inside a tenant
//! transaction (`TenantDb::begin`, which sets the tenant when it begins), even with raw SQL that
//! names no tenant, and nothing at all outside it, on the very connection the tenant transaction
//! used. The audit tells this role from the superuser
//! and from a table owner.
//!
//! Runs when `TASKFLOW_TEST_POSTGRES_URL` names a superuser on a server that lets new roles
//! log in without a password (trust authentication), as the local test server does.

#![cfg(feature = "postgres")]
#![allow(missing_docs)]

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgPool};
use taskflow_tenancy::audit::{AuditOptions, Finding, audit_schema_with};
use taskflow_tenancy::postgres::rls_policy_ddl;
use taskflow_tenancy::{
    AdminCapability, Error, ModelInfo, TenantDb, TenantId, TenantModel, tenant_scoped,
};
use uuid::Uuid;

#[tenant_scoped(table = "projects", unique(name))]
#[derive(Debug, Clone)]
pub struct Project {
    pub tenant_id: TenantId,
    pub id: Uuid,
    pub name: String,
}

#[tenant_scoped(table = "tasks")]
#[derive(Debug, Clone)]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: Uuid,
    #[tenant_scoped(references = Project)]
    pub project_id: Uuid,
    pub title: String,
    pub done: bool,
}

const MODELS: [ModelInfo; 2] = [Project::INFO, Task::INFO];

const SCHEMA: [&str; 2] = [
    "CREATE TABLE projects (tenant_id UUID NOT NULL REFERENCES tenants (id), id UUID NOT NULL, \
     name TEXT NOT NULL, PRIMARY KEY (tenant_id, id), UNIQUE (tenant_id, name))",
    "CREATE TABLE tasks (tenant_id UUID NOT NULL REFERENCES tenants (id), id UUID NOT NULL, \
     project_id UUID NOT NULL, title TEXT NOT NULL, done BOOLEAN NOT NULL, \
     PRIMARY KEY (tenant_id, id), \
     FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id))",
];

async fn run(pool: &PgPool, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Whether `result` failed on a row-level-security check (SQLSTATE 42501).
fn refused_by_policy<T: std::fmt::Debug>(result: Result<T, sqlx::Error>) -> bool {
    match result {
        Err(sqlx::Error::Database(e)) => {
            assert!(
                e.message().contains("row-level security"),
                "unexpected error: {e}"
            );
            e.code().as_deref() == Some("42501")
        }
        other => panic!("expected a row-level-security error, got {other:?}"),
    }
}

async fn count_tasks<'c, E: sqlx::PgExecutor<'c>>(executor: E) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM tasks")
        .fetch_one(executor)
        .await
        .unwrap()
}

#[tokio::test]
async fn raw_sql_in_a_scoped_transaction_sees_one_tenant() {
    let Some(url) = taskflow_tenancy::testkit::postgres_url() else {
        return;
    };
    // The owner: the test kit's superuser, who creates the tables and their policies.
    let (owner, db_url) = taskflow_tenancy::testkit::postgres(&url).await.unwrap();
    let store = TenantDb::new(owner.clone());
    store.migrate().await.unwrap();
    for statement in SCHEMA {
        run(&owner, statement).await;
    }
    let admin = AdminCapability::grant("rls-test", "two tenants for the RLS test").unwrap();
    let acme = store.create(&admin, "Acme", "acme").await.unwrap();
    let globex = store.create(&admin, "Globex", "globex").await.unwrap();
    let (acme_scope, globex_scope) = (
        store.scope(acme.id).await.unwrap(),
        store.scope(globex.id).await.unwrap(),
    );
    let mut projects = Vec::new();
    for (scope, tasks) in [(&acme_scope, 3), (&globex_scope, 2)] {
        let mut tx = store.begin(scope).await.unwrap();
        let project = Project::scoped(&mut tx)
            .insert(NewProject {
                id: Uuid::now_v7(),
                name: "Rocket".into(),
            })
            .await
            .unwrap();
        for n in 0..tasks {
            Task::scoped(&mut tx)
                .insert(NewTask {
                    id: Uuid::now_v7(),
                    project_id: project.id,
                    title: format!("task {n}"),
                    done: false,
                })
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        projects.push(project);
    }
    for model in &MODELS {
        for statement in rls_policy_ddl(model) {
            run(&owner, &statement).await;
        }
    }
    // Idempotent: a second run replaces the policy instead of failing.
    for statement in rls_policy_ddl(&Task::INFO) {
        run(&owner, &statement).await;
    }

    // The application's role: may log in, owns nothing, bypasses nothing.
    let role = format!("tf_app_{}", Uuid::new_v4().simple());
    run(
        &owner,
        &format!("CREATE ROLE \"{role}\" LOGIN NOSUPERUSER NOBYPASSRLS"),
    )
    .await;
    run(
        &owner,
        &format!("GRANT SELECT, INSERT, UPDATE, DELETE ON projects, tasks TO \"{role}\""),
    )
    .await;
    run(&owner, &format!("GRANT SELECT ON tenants TO \"{role}\"")).await;
    let options = PgConnectOptions::from_str(&db_url).unwrap().username(&role);
    let app = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    // The role resolves tenants as the application does.
    let app_store = TenantDb::new(app.clone());
    // The owner's handle issued scopes for the same tenants, but they are not this handle's.
    assert!(matches!(
        app_store.begin(&acme_scope).await,
        Err(Error::ForeignScope)
    ));
    let acme_scope = app_store.scope_by_subdomain("acme").await.unwrap();
    let globex_scope = app_store.scope_by_subdomain("globex").await.unwrap();

    // Outside a tenant transaction the role sees no tenant's rows.
    assert_eq!(count_tasks(&app).await, 0);

    let mut tx = app_store.begin(&acme_scope).await.unwrap();
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(tx.raw())
        .await
        .unwrap();
    assert_eq!(count_tasks(tx.raw()).await, 3);
    let rows: Vec<(Uuid, String)> = sqlx::query_as("SELECT tenant_id, title FROM tasks")
        .fetch_all(tx.raw())
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|(tenant, _)| *tenant == acme.id.as_uuid()));
    // The builder's own tenant predicate and the policy agree; asking for Globex's rows in
    // Acme's transaction finds none, since the database hides them.
    assert_eq!(Task::scoped(&mut tx).count().await.unwrap(), 3);
    let globex_in_acme: i64 = sqlx::query_scalar("SELECT count(*) FROM tasks WHERE tenant_id = $1")
        .bind(globex.id.as_uuid())
        .fetch_one(tx.raw())
        .await
        .unwrap();
    assert_eq!(globex_in_acme, 0);
    let updated = sqlx::query("UPDATE tasks SET title = title || ' (seen)'")
        .execute(tx.raw())
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(updated, 3);
    let smuggle = "INSERT INTO tasks (tenant_id, id, project_id, title, done) \
                   VALUES ($1, $2, $3, 'smuggled', false)";
    {
        // A savepoint, so that the refused statements leave the transaction usable.
        let mut savepoint = tx.raw().begin().await.unwrap();
        let insert = sqlx::query(smuggle)
            .bind(globex.id.as_uuid())
            .bind(Uuid::now_v7())
            .bind(projects[1].id)
            .execute(&mut *savepoint)
            .await;
        assert!(refused_by_policy(insert));
        savepoint.rollback().await.unwrap();
        let mut savepoint = tx.raw().begin().await.unwrap();
        let moved = sqlx::query("UPDATE tasks SET tenant_id = $1")
            .bind(globex.id.as_uuid())
            .execute(&mut *savepoint)
            .await;
        assert!(refused_by_policy(moved));
        savepoint.rollback().await.unwrap();
    }
    sqlx::query(smuggle)
        .bind(acme.id.as_uuid())
        .bind(Uuid::now_v7())
        .bind(projects[0].id)
        .execute(tx.raw())
        .await
        .unwrap();
    assert_eq!(count_tasks(tx.raw()).await, 4);
    assert_eq!(Task::scoped(&mut tx).count().await.unwrap(), 4);
    tx.commit().await.unwrap();

    // The same pooled connection (the pool has one) carries no tenant after the commit.
    let pid_after: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&app)
        .await
        .unwrap();
    assert_eq!(pid_after, pid);
    let setting: Option<String> =
        sqlx::query_scalar("SELECT current_setting('taskflow.tenant_id', true)")
            .fetch_one(&app)
            .await
            .unwrap();
    assert!(setting.as_deref().unwrap_or("").is_empty(), "{setting:?}");
    assert_eq!(count_tasks(&app).await, 0);
    let all: Vec<(Uuid, Uuid, String)> = sqlx::query_as("SELECT tenant_id, id, title FROM tasks")
        .fetch_all(&app)
        .await
        .unwrap();
    assert!(all.is_empty());
    let touched = sqlx::query("UPDATE tasks SET done = true")
        .execute(&app)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(touched, 0);
    let unscoped = sqlx::query(smuggle)
        .bind(acme.id.as_uuid())
        .bind(Uuid::now_v7())
        .bind(projects[0].id)
        .execute(&app)
        .await;
    assert!(refused_by_policy(unscoped));

    // A read connection (`begin_read`, a transaction on PostgreSQL) works the same; Globex's
    // rows are Globex's and untouched by Acme's update.
    {
        let mut tx = app_store.begin_read(&globex_scope).await.unwrap();
        assert!(tx.is_transaction());
        let rows: Vec<(Uuid, String)> = sqlx::query_as("SELECT tenant_id, title FROM tasks")
            .fetch_all(tx.raw())
            .await
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert!(
            rows.iter()
                .all(|(t, title)| *t == globex.id.as_uuid() && !title.ends_with("(seen)"))
        );
        tx.rollback().await.unwrap();
    }

    // The superuser sees through the policy: the totals the role could not see.
    let by_tenant: Vec<(Uuid, i64, i64)> = sqlx::query_as(
        "SELECT tenant_id, count(*), count(*) FILTER (WHERE title LIKE '%(seen)') \
         FROM tasks GROUP BY tenant_id ORDER BY count(*) DESC",
    )
    .fetch_all(&owner)
    .await
    .unwrap();
    assert_eq!(
        by_tenant,
        [(acme.id.as_uuid(), 4, 3), (globex.id.as_uuid(), 2, 0)]
    );

    // The audit: clean for the application's role, the superuser named as such.
    let rls = AuditOptions::new().row_level_security(true);
    let as_app = audit_schema_with(&app, &MODELS, rls).await.unwrap();
    eprint!("audit as {role}:\n{as_app}");
    assert!(as_app.is_clean(), "{as_app}");
    let as_superuser = audit_schema_with(&owner, &MODELS, rls).await.unwrap();
    eprint!("audit as the superuser:\n{as_superuser}");
    let superuser: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&owner)
        .await
        .unwrap();
    assert_eq!(
        as_superuser.findings(),
        [Finding::RoleIsSuperuser { role: superuser }]
    );

    // An owner is bound only while security is forced: hand `tasks` to the role and stop
    // forcing, and the role sees every tenant's rows, which the audit reports.
    run(&owner, &format!("ALTER TABLE tasks OWNER TO \"{role}\"")).await;
    run(&owner, "ALTER TABLE tasks NO FORCE ROW LEVEL SECURITY").await;
    assert_eq!(count_tasks(&app).await, 6);
    let as_owner = audit_schema_with(&app, &MODELS, rls).await.unwrap();
    eprint!("audit as {role}, owner of tasks:\n{as_owner}");
    assert_eq!(
        as_owner.findings(),
        [
            Finding::RlsNotForced {
                table: "tasks".into()
            },
            Finding::RoleOwnsTable {
                table: "tasks".into(),
                role: role.clone(),
            },
        ]
    );

    app.close().await;
    run(
        &owner,
        &format!("REASSIGN OWNED BY \"{role}\" TO CURRENT_USER"),
    )
    .await;
    run(&owner, &format!("DROP OWNED BY \"{role}\"")).await;
    run(&owner, &format!("DROP ROLE \"{role}\"")).await;
    let database: String = sqlx::query_scalar("SELECT current_database()::text")
        .fetch_one(&owner)
        .await
        .unwrap();
    owner.close().await;
    let mut server = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE \"{database}\" WITH (FORCE)"
    )))
    .execute(&mut server)
    .await
    .unwrap();
}
