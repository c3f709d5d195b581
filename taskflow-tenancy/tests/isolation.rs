//! Property test of the invariant **no operation reads or writes another tenant's row**.
//!
//! Each case creates 2 to 5 tenants, then runs a random sequence of inserts, bulk inserts,
//! updates and deletes (by key and by filter), gets, filtered and ordered lists with limit,
//! offset and keyset pagination, counts and `exists`, each by a random tenant and with keys
//! drawn from every tenant's rows (and unused ones), so that most steps aim at rows of other
//! tenants. Each step runs in a tenant transaction of its own (`TenantDb::begin`), committed
//! when it succeeds and rolled back when the database refuses it. The same steps run on an
//! in-memory reference model (`isolation/reference.rs`), and after each one:
//!
//! - the database's answer equals the model's: rows (in order), counts, affected rows, and
//!   which writes the database refuses (a per-tenant unique, or a task pointing at a project
//!   only another tenant has) and with which kind of constraint;
//! - every row returned to tenant T has `tenant_id == T`;
//! - the whole database, read across tenants with an admin capability, equals the model, so
//!   no write reached another tenant's rows and refused writes changed nothing.
//!
//! SQLite always runs (a real file); MariaDB and PostgreSQL run when
//! `TASKFLOW_TEST_MYSQL_URL` / `TASKFLOW_TEST_POSTGRES_URL` are set, each in a fresh database.
//! `PROPTEST_CASES` sets the number of cases (CI uses 256).

use taskflow_tenancy::{TenantDb, TenantId, tenant_scoped};
use tokio::runtime::Runtime;

// A test crate's root resolves modules beside it, not in `isolation/`.
#[path = "isolation/reference.rs"]
mod reference;
#[path = "isolation/system.rs"]
mod system;

#[tenant_scoped(table = "projects", unique(name))]
#[derive(Debug, Clone)]
struct Project {
    tenant_id: TenantId,
    id: i64,
    name: String,
    rank: i32,
}

#[tenant_scoped(table = "tasks")]
#[derive(Debug, Clone)]
struct Task {
    tenant_id: TenantId,
    id: i64,
    #[tenant_scoped(references = Project)]
    project_id: i64,
    title: String,
    points: i32,
    note: Option<String>,
}

/// The schema conventions on each backend: the tenant leads the primary key, the unique
/// constraint and every index, and the reference from tasks to projects includes the tenant.
/// `rank` is quoted because MySQL reserves it.
const SQLITE_SCHEMA: &str = r#"
CREATE TABLE projects (
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    id INTEGER NOT NULL,
    name TEXT NOT NULL,
    "rank" INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT projects_name_key UNIQUE (tenant_id, name)
);
CREATE INDEX projects_rank_idx ON projects (tenant_id, "rank");
CREATE TABLE tasks (
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    id INTEGER NOT NULL,
    project_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    points INTEGER NOT NULL,
    note TEXT,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT tasks_project_fkey FOREIGN KEY (tenant_id, project_id)
        REFERENCES projects (tenant_id, id)
);
CREATE INDEX tasks_project_idx ON tasks (tenant_id, project_id);
"#;

const MYSQL_SCHEMA: &str = r#"
CREATE TABLE projects (
    tenant_id BINARY(16) NOT NULL,
    id BIGINT NOT NULL,
    name VARCHAR(100) NOT NULL,
    `rank` INT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT projects_name_key UNIQUE (tenant_id, name),
    INDEX projects_rank_idx (tenant_id, `rank`),
    CONSTRAINT projects_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id)
) ENGINE = InnoDB;
CREATE TABLE tasks (
    tenant_id BINARY(16) NOT NULL,
    id BIGINT NOT NULL,
    project_id BIGINT NOT NULL,
    title VARCHAR(100) NOT NULL,
    points INT NOT NULL,
    note VARCHAR(100),
    PRIMARY KEY (tenant_id, id),
    INDEX tasks_project_idx (tenant_id, project_id),
    CONSTRAINT tasks_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id),
    CONSTRAINT tasks_project_fkey FOREIGN KEY (tenant_id, project_id)
        REFERENCES projects (tenant_id, id)
) ENGINE = InnoDB;
"#;

const POSTGRES_SCHEMA: &str = r#"
CREATE TABLE projects (
    tenant_id UUID NOT NULL REFERENCES tenants (id),
    id BIGINT NOT NULL,
    name TEXT NOT NULL,
    "rank" INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT projects_name_key UNIQUE (tenant_id, name)
);
CREATE INDEX projects_rank_idx ON projects (tenant_id, "rank");
CREATE TABLE tasks (
    tenant_id UUID NOT NULL REFERENCES tenants (id),
    id BIGINT NOT NULL,
    project_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    points INTEGER NOT NULL,
    note TEXT,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT tasks_project_fkey FOREIGN KEY (tenant_id, project_id)
        REFERENCES projects (tenant_id, id)
);
CREATE INDEX tasks_project_idx ON tasks (tenant_id, project_id);
"#;

/// One current-thread runtime per test: the proptest closures are synchronous and block on it.
fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

#[test]
fn sqlite_no_operation_reads_or_writes_another_tenants_row() {
    let runtime = runtime();
    let opened = runtime.block_on(async {
        let file = taskflow_tenancy::testkit::sqlite().await?;
        let db = TenantDb::new(file.pool.clone());
        db.migrate().await?;
        sqlx::raw_sql(SQLITE_SCHEMA).execute(db.pool()).await?;
        Ok::<_, taskflow_tenancy::Error>((db, file))
    });
    let (db, file) = opened.expect("a SQLite file with the test schema");
    system::check("sqlite", runtime, db, Box::new(file));
}

#[cfg(feature = "mysql")]
#[test]
fn mysql_no_operation_reads_or_writes_another_tenants_row() {
    let Some(url) = taskflow_tenancy::testkit::mysql_url() else {
        return;
    };
    let runtime = runtime();
    let db = runtime.block_on(async {
        let (fresh, database) = taskflow_tenancy::testkit::mysql(&url).await?;
        fresh.close().await;
        // sqlx 0.9.0 leaves Nagle's algorithm on (launchbadge/sqlx#4335): each time its
        // statement cache (100 by default) evicts, the next statement waits ~40 ms for a
        // delayed ACK. Every random filter is a new statement, so keep them all cached.
        let options = url
            .parse::<sqlx::mysql::MySqlConnectOptions>()?
            .database(&database)
            .statement_cache_capacity(4096);
        let pool = sqlx::mysql::MySqlPoolOptions::new()
            .max_connections(2)
            .connect_with(options)
            .await?;
        let db = TenantDb::new(pool);
        db.migrate().await?;
        sqlx::raw_sql(MYSQL_SCHEMA).execute(db.pool()).await?;
        Ok::<_, taskflow_tenancy::Error>(db)
    });
    let db = db.expect("a MariaDB database with the test schema");
    system::check("mysql", runtime, db, Box::new(()));
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_no_operation_reads_or_writes_another_tenants_row() {
    let Some(url) = taskflow_tenancy::testkit::postgres_url() else {
        return;
    };
    let runtime = runtime();
    let db = runtime.block_on(async {
        let (pool, _) = taskflow_tenancy::testkit::postgres(&url).await?;
        let db = TenantDb::new(pool);
        db.migrate().await?;
        sqlx::raw_sql(POSTGRES_SCHEMA).execute(db.pool()).await?;
        Ok::<_, taskflow_tenancy::Error>(db)
    });
    let db = db.expect("a PostgreSQL database with the test schema");
    system::check("postgres", runtime, db, Box::new(()));
}
