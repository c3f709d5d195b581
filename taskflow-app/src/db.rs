//! The database: a [`AnyTenantDb`] handle on whichever backend `DATABASE_URL` names, with the
//! pool settings TaskFlow wants on each, its migrations, and its health check.
//!
//! Everything a tenant's request does runs on that handle's tenant transactions
//! (`taskflow_tenancy::web::axum::RequestTx`); this module is only what is not one tenant's work.

mod health;

use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use taskflow_tenancy::jobs::JobStore;
use taskflow_tenancy::{AnyTenantDb, TenantDb};

pub use health::{DbHealth, PROBE_EVERY};

/// How long a request waits for a pooled connection before it answers `503 unavailable`.
/// sqlx's default is 30 s: while the database is down every request would hang that long
/// (the pool retries its connects until then). Under overload, too, an answer in half a second
/// that says "try again" serves a client better than one that queues for half a minute.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_millis(500);

/// Why the database could not be opened or migrated.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// `DATABASE_URL` names no supported database.
    #[error("DATABASE_URL must start with sqlite:, mysql: or postgres: (got {0:?})")]
    UnsupportedUrl(String),
    /// The driver refused to connect or to run a statement.
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    /// A migration failed.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The background jobs' table could not be made.
    #[error(transparent)]
    Jobs(#[from] taskflow_tenancy::Error),
}

macro_rules! migrations {
    ($backend:literal) => {
        vec![
            migrations!(@one $backend, 1, "0001", "tenants"),
            migrations!(@one $backend, 2, "0002", "users"),
            migrations!(@one $backend, 3, "0003", "projects"),
            migrations!(@one $backend, 4, "0004", "tasks"),
            migrations!(@one $backend, 5, "0005", "comments"),
            migrations!(@one $backend, 6, "0006", "reports"),
        ]
    };
    (@one $backend:literal, $version:literal, $file:literal, $name:literal) => {
        Migration::new(
            $version,
            Cow::Borrowed($name),
            MigrationType::Simple,
            SqlStr::from_static(include_str!(concat!(
                "../migrations/", $backend, "/", $file, "_", $name, ".sql"
            ))),
            false,
        )
    };
}

/// The migrations of a backend, embedded in the binary so that `taskflow-app migrate` needs no
/// files next to it. File names are `{version}_{name}.sql` with a four-digit version.
fn migrator(backend: &str) -> Migrator {
    let migrations = match backend {
        "sqlite" => {
            let mut migrations = migrations!("sqlite");
            migrations.push(migrations!(@one "sqlite", 7, "0007", "report_list"));
            migrations.push(migrations!(@one "sqlite", 8, "0008", "task_status_order"));
            migrations.push(migrations!(@one "sqlite", 9, "0009", "idempotency_keys"));
            migrations.push(migrations!(@one "sqlite", 10, "0010", "revoked_tokens"));
            migrations.push(migrations!(@one "sqlite", 11, "0011", "sessions_ended_at"));
            migrations.push(migrations!(@one "sqlite", 12, "0012", "project_trash"));
            migrations.push(migrations!(@one "sqlite", 13, "0013", "invitations"));
            migrations.push(migrations!(@one "sqlite", 14, "0014", "password_resets"));
            migrations.push(migrations!(@one "sqlite", 15, "0015", "task_events"));
            migrations.push(migrations!(@one "sqlite", 16, "0016", "task_search"));
            migrations
        }
        "mysql" => {
            let mut migrations = migrations!("mysql");
            migrations.push(migrations!(@one "mysql", 7, "0007", "report_list"));
            migrations.push(migrations!(@one "mysql", 8, "0008", "task_status_order"));
            migrations.push(migrations!(@one "mysql", 9, "0009", "exact_uniqueness"));
            migrations.push(migrations!(@one "mysql", 10, "0010", "idempotency_keys"));
            migrations.push(migrations!(@one "mysql", 11, "0011", "revoked_tokens"));
            migrations.push(migrations!(@one "mysql", 12, "0012", "sessions_ended_at"));
            migrations.push(migrations!(@one "mysql", 13, "0013", "project_trash"));
            migrations.push(migrations!(@one "mysql", 14, "0014", "invitations"));
            migrations.push(migrations!(@one "mysql", 15, "0015", "password_resets"));
            migrations.push(migrations!(@one "mysql", 16, "0016", "task_events"));
            migrations.push(migrations!(@one "mysql", 17, "0017", "task_search"));
            migrations
        }
        _ => {
            let mut migrations = migrations!("postgres");
            migrations.push(migrations!(@one "postgres", 7, "0007", "row_level_security"));
            migrations.push(migrations!(@one "postgres", 8, "0008", "report_list"));
            migrations.push(migrations!(@one "postgres", 9, "0009", "tenant_entries"));
            migrations.push(migrations!(@one "postgres", 10, "0010", "signed_tenant_entry"));
            migrations.push(migrations!(@one "postgres", 11, "0011", "task_status_order"));
            migrations.push(migrations!(@one "postgres", 12, "0012", "idempotency_keys"));
            migrations.push(migrations!(@one "postgres", 13, "0013", "revoked_tokens"));
            migrations.push(migrations!(@one "postgres", 14, "0014", "sessions_ended_at"));
            migrations.push(migrations!(@one "postgres", 15, "0015", "project_trash"));
            migrations.push(migrations!(@one "postgres", 16, "0016", "invitations"));
            migrations.push(migrations!(@one "postgres", 17, "0017", "password_resets"));
            migrations.push(migrations!(@one "postgres", 18, "0018", "task_events"));
            migrations.push(migrations!(@one "postgres", 19, "0019", "task_search"));
            migrations
        }
    };
    Migrator::with_migrations(migrations)
}

/// The page size of a SQLite database TaskFlow creates (it has no effect on an existing one).
/// 16 KiB instead of SQLite's 4 KiB: wide task rows and their composite index keys fit more per
/// page, so B-trees are shallower and split less; a bulk load of ten million tasks takes about
/// a fifth less time (benches/README.md, "Seed: bulk load on SQLite").
const PAGE_SIZE: u32 = 16 * 1024;

/// How SQLite syncs the write-ahead log of a database TaskFlow serves (see [`connect`]).
const SQLITE_SYNCHRONOUS: SqliteSynchronous = SqliteSynchronous::Normal;

/// Opens the database `url` names (`sqlite:`, `mysql:`/`mariadb:` or `postgres:`/`postgresql:`).
/// A SQLite file is created if missing (with 16 KiB pages), and always has foreign keys on:
/// the composite keys are only a wall if SQLite enforces them.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let db = taskflow_app::db::connect("sqlite::memory:").await?;
/// assert_eq!(taskflow_app::db::backend_name(&db), "sqlite");
/// taskflow_app::db::migrate(&db).await?;
/// taskflow_app::db::ping(&db).await?;
/// # Ok(())
/// # }
/// ```
pub async fn connect(url: &str) -> Result<AnyTenantDb, DbError> {
    let scheme = url.split(':').next().unwrap_or_default();
    match scheme {
        "sqlite" => {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .foreign_keys(true)
                .journal_mode(SqliteJournalMode::Wal)
                // In write-ahead-log mode `NORMAL` syncs the log at checkpoints instead of at
                // every commit: a committed transaction survives the process being killed and
                // the database stays consistent, but a power loss or an operating-system crash
                // can undo the last commits before the next checkpoint. `FULL` (SQLite's
                // default) waits for the disk on every commit, and the writers queue behind it.
                .synchronous(SQLITE_SYNCHRONOUS)
                .page_size(PAGE_SIZE);
            // An in-memory database is one per connection: keep it to one.
            let max = if url.contains(":memory:") { 1 } else { 8 };
            let pool = SqlitePoolOptions::new()
                .max_connections(max)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_with(options)
                .await?;
            Ok(TenantDb::new(pool).into())
        }
        "mysql" | "mariadb" => {
            let url = url.replacen("mariadb:", "mysql:", 1);
            // sqlx 0.9.0 leaves Nagle's algorithm on for MySQL (launchbadge/sqlx#4335), so
            // re-preparing a statement evicted from a connection's cache stalls ~40 ms.
            // The app has a few hundred statement shapes: keep them all prepared (the
            // server's max_prepared_stmt_count, 16382 by default, has room for it).
            let options = MySqlConnectOptions::from_str(&url)?.statement_cache_capacity(512);
            let pool = MySqlPoolOptions::new()
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_with(options)
                .await?;
            Ok(TenantDb::new(pool).into())
        }
        "postgres" | "postgresql" => {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_with(options)
                .await?;
            Ok(TenantDb::new(pool).into())
        }
        _ => Err(DbError::UnsupportedUrl(scheme.to_owned())),
    }
}

/// [`connect`] for a bulk load (`taskflow-app seed`). On SQLite: one connection with a 256 MiB
/// page cache (16 KiB pages for a new file, as [`connect`]) that does not wait for the disk
/// (`synchronous = OFF`: an operating system crash during the load can lose or damage what it
/// wrote, an application crash cannot) and keeps a rollback journal instead of the write-ahead
/// log (`journal_mode = DELETE`). A load is one large transaction: the log would take every
/// page it writes once more, where the rollback journal keeps only the pages that held data
/// before, none for a new database. The next [`connect`] turns the log back on. While another
/// process has the database open, the log cannot be left and the load goes through it. Other
/// databases are opened as usual.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let url = format!("sqlite://{}", dir.path().join("bulk.db").display());
/// let db = taskflow_app::db::connect_for_bulk_load(&url).await?;
/// taskflow_app::db::migrate(&db).await?;
/// assert_eq!(taskflow_app::db::backend_name(&db), "sqlite");
/// # Ok(())
/// # }
/// ```
pub async fn connect_for_bulk_load(url: &str) -> Result<AnyTenantDb, DbError> {
    if url.split(':').next() != Some("sqlite") {
        return connect(url).await;
    }
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .foreign_keys(true)
        .page_size(PAGE_SIZE)
        .synchronous(SqliteSynchronous::Off)
        .pragma("cache_size", "-262144");
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    // Leaving the write-ahead log needs the database to itself. While another process has
    // it open (a running server), the load goes through the log: slower, as safe.
    if let Err(err) = sqlx::query("PRAGMA journal_mode = DELETE")
        .execute(&pool)
        .await
    {
        tracing::warn!(
            "the database is open elsewhere ({err}): loading through its write-ahead log, which is slower"
        );
    }
    Ok(TenantDb::new(pool).into())
}

/// `sqlite`, `mysql` or `postgres`.
///
/// See [`connect`] for an example.
pub fn backend_name(db: &AnyTenantDb) -> &'static str {
    match db {
        AnyTenantDb::Sqlite(_) => "sqlite",
        AnyTenantDb::MySql(_) => "mysql",
        AnyTenantDb::Postgres(_) => "postgres",
    }
}

/// Applies the pending migrations of this backend. The `jobs` table of the background jobs is
/// the library's own: it is made (if missing) after the app's migrations, which create the
/// `tenants` table it refers to.
///
/// See [`connect`] for an example.
pub async fn migrate(db: &AnyTenantDb) -> Result<(), DbError> {
    let migrator = migrator(backend_name(db));
    match db {
        AnyTenantDb::Sqlite(db) => {
            migrator.run(db.pool()).await?;
            JobStore::new(db.pool().clone()).migrate().await?;
        }
        AnyTenantDb::MySql(db) => {
            migrator.run(db.pool()).await?;
            JobStore::new(db.pool().clone()).migrate().await?;
        }
        AnyTenantDb::Postgres(db) => {
            migrator.run(db.pool()).await?;
            JobStore::new(db.pool().clone()).migrate().await?;
        }
    }
    Ok(())
}

/// Whether the database answers a trivial query.
///
/// See [`connect`] for an example.
pub async fn ping(db: &AnyTenantDb) -> Result<(), sqlx::Error> {
    const PING: &str = "SELECT 1";
    match db {
        AnyTenantDb::Sqlite(db) => sqlx::query(PING).execute(db.pool()).await.map(drop),
        AnyTenantDb::MySql(db) => sqlx::query(PING).execute(db.pool()).await.map(drop),
        AnyTenantDb::Postgres(db) => sqlx::query(PING).execute(db.pool()).await.map(drop),
    }
}

#[cfg(test)]
mod tests {
    /// The SQL of a migration file without its leading comment lines.
    fn statements_of(file: &str) -> String {
        file.lines()
            .skip_while(|line| line.starts_with("--"))
            .map(|line| format!("{line}\n"))
            .collect()
    }

    /// The statements as a migration file holds them.
    fn as_file(statements: &[String]) -> String {
        format!("{};\n", statements.join(";\n\n"))
    }

    #[test]
    fn the_postgres_entry_migration_is_the_librarys_ddl() {
        let file = include_str!("../migrations/postgres/0010_signed_tenant_entry.sql");
        let ddl = taskflow_tenancy::postgres::tenant_entry_ddl("public");
        assert_eq!(statements_of(file), as_file(&ddl));
    }

    #[test]
    fn the_postgres_policies_are_the_librarys() {
        // 0009 moved every policy of its day onto `taskflow_current_tenant()`; its entries
        // table and functions are replaced by 0010, its policies stand. Later tables end
        // their own migration with theirs.
        let policies = |models: &[taskflow_tenancy::ModelInfo]| -> Vec<String> {
            models
                .iter()
                .flat_map(taskflow_tenancy::postgres::rls_policy_ddl)
                .collect()
        };
        let (first, later) = crate::model::MODELS.split_at(5);
        let file = include_str!("../migrations/postgres/0009_tenant_entries.sql");
        assert!(statements_of(file).ends_with(&as_file(&policies(first))));
        let files = [
            include_str!("../migrations/postgres/0012_idempotency_keys.sql"),
            include_str!("../migrations/postgres/0013_revoked_tokens.sql"),
            include_str!("../migrations/postgres/0016_invitations.sql"),
            include_str!("../migrations/postgres/0017_password_resets.sql"),
            include_str!("../migrations/postgres/0018_task_events.sql"),
        ];
        assert_eq!(
            later.len(),
            files.len(),
            "a new tenant table's migration is checked here"
        );
        for (model, file) in later.iter().zip(files) {
            let policy = policies(std::slice::from_ref(model));
            assert!(
                statements_of(file).ends_with(&as_file(&policy)),
                "{}",
                model.table
            );
        }
    }
}
