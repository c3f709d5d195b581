//! The database: one pool of whichever backend `DATABASE_URL` names, opened with taskflow-app's
//! settings (`taskflow-app/src/db.rs`, `connect`), taskflow-app's own migrations, and the
//! request's connection ([`Conn`]), which begins and ends transactions where the app's request
//! transaction does.

use std::borrow::Cow;
use std::str::FromStr;
use std::sync::Arc;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Database, MySql, MySqlPool, PgPool, Postgres, SqlStr, Sqlite, SqlitePool, Transaction};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::queries::Statements;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/migrations.rs"));
}

/// Why the database could not be opened or migrated.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DbError {
    /// `DATABASE_URL` names no supported database.
    #[error("DATABASE_URL must start with sqlite:, mysql: or postgres: (got {0:?})")]
    UnsupportedUrl(String),
    /// The driver refused to connect or to run a statement.
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    /// A migration failed.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// On PostgreSQL the role is bound by row-level security, which the baseline does not
    /// enter: it would see no rows at all.
    #[error(
        "PostgreSQL role {0:?} is bound by taskflow-app's row-level security, which the baseline \
         does not enter: connect as a superuser or a role with BYPASSRLS"
    )]
    BoundByRowLevelSecurity(String),
}

/// Which database the pool is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    MySql,
    Postgres,
}

/// The page size of a SQLite database the baseline creates, as taskflow-app's (16 KiB).
const PAGE_SIZE: u32 = 16 * 1024;

/// How SQLite syncs the write-ahead log, as taskflow-app's `SQLITE_SYNCHRONOUS` when this was
/// written: `NORMAL`, which syncs the log at checkpoints instead of at every commit. Keep the
/// two equal, or the comparison measures the disk rather than the library.
const SQLITE_SYNCHRONOUS: SqliteSynchronous = SqliteSynchronous::Normal;

/// The pool, and what every request needs along with it.
#[derive(Debug, Clone)]
pub(crate) struct Db {
    pool: Pool,
    /// The statements, rendered for this backend once at start.
    pub(crate) sql: &'static Statements,
    /// SQLite has one writer at a time; writers queue here, in the process, rather than in
    /// SQLite's busy handler, which sleeps in steps of milliseconds (taskflow-tenancy does the
    /// same for the app).
    writer: Arc<Semaphore>,
}

/// The pool of one backend.
#[derive(Debug, Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    MySql(MySqlPool),
    Postgres(PgPool),
}

/// Runs `$body` once per backend with `$pool` bound to the concrete pool of `$db` (a `&Pool`):
/// the body is written once and type-checked against each backend's types.
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Pool::Sqlite($pool) => $body,
            $crate::db::Pool::MySql($pool) => $body,
            $crate::db::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Runs `$body` once per backend with `$conn` bound to the request's concrete connection
/// (a `&mut <DB as Database>::Connection`) inside the [`Conn`] `$req`.
macro_rules! on_conn {
    ($req:expr, $conn:ident => $body:expr) => {
        match $req.handle() {
            $crate::db::Handle::Sqlite($conn) => $body,
            $crate::db::Handle::MySql($conn) => $body,
            $crate::db::Handle::Postgres($conn) => $body,
        }
    };
}
pub(crate) use on_conn;

/// Opens the database `url` names (`sqlite:`, `mysql:`/`mariadb:` or `postgres:`/`postgresql:`)
/// with taskflow-app's settings: on SQLite the file is created if missing (16 KiB pages), with
/// foreign keys on, the write-ahead log and [`SQLITE_SYNCHRONOUS`], in a pool of 8 (1 for
/// `:memory:`). MySQL keeps 512 prepared statements per connection; PostgreSQL and MySQL take
/// sqlx's default pool size.
pub(crate) async fn connect(url: &str) -> Result<Db, DbError> {
    let scheme = url.split(':').next().unwrap_or_default();
    let pool = match scheme {
        "sqlite" => {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .foreign_keys(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SQLITE_SYNCHRONOUS)
                .page_size(PAGE_SIZE);
            let max = if url.contains(":memory:") { 1 } else { 8 };
            let pool = SqlitePoolOptions::new()
                .max_connections(max)
                .connect_with(options)
                .await?;
            Pool::Sqlite(pool)
        }
        "mysql" | "mariadb" => {
            let url = url.replacen("mariadb:", "mysql:", 1);
            // As the app: sqlx 0.9.0 leaves Nagle's algorithm on for MySQL
            // (launchbadge/sqlx#4335), so a statement re-prepared after eviction stalls.
            let options = MySqlConnectOptions::from_str(&url)?.statement_cache_capacity(512);
            Pool::MySql(MySqlPoolOptions::new().connect_with(options).await?)
        }
        "postgres" | "postgresql" => {
            let options = PgConnectOptions::from_str(url)?;
            Pool::Postgres(PgPoolOptions::new().connect_with(options).await?)
        }
        _ => return Err(DbError::UnsupportedUrl(scheme.to_owned())),
    };
    let dialect = match pool {
        Pool::Sqlite(_) => Dialect::Sqlite,
        Pool::MySql(_) => Dialect::MySql,
        Pool::Postgres(_) => Dialect::Postgres,
    };
    Ok(Db {
        pool,
        sql: Box::leak(Box::new(Statements::render(dialect))),
        writer: Arc::new(Semaphore::new(1)),
    })
}

/// taskflow-app's migrations of `backend`, embedded by `build.rs`.
fn migrator(dialect: Dialect) -> Migrator {
    let files = match dialect {
        Dialect::Sqlite => embedded::SQLITE,
        Dialect::MySql => embedded::MYSQL,
        Dialect::Postgres => embedded::POSTGRES,
    };
    let migrations = files
        .iter()
        .map(|&(version, name, sql)| {
            Migration::new(
                version,
                Cow::Borrowed(name),
                MigrationType::Simple,
                SqlStr::from_static(sql),
                false,
            )
        })
        .collect();
    let mut migrator = Migrator::with_migrations(migrations);
    // The app makes its jobs table outside these migrations; a database it migrated further
    // (a newer app) is still the schema the baseline reads.
    migrator.set_ignore_missing(true);
    migrator
}

impl Db {
    /// Which backend the pool is on.
    pub(crate) fn dialect(&self) -> Dialect {
        self.sql.dialect
    }

    /// The pool.
    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Applies taskflow-app's pending migrations. On PostgreSQL, first checks that the role
    /// is not bound by the app's row-level security, which the baseline does not enter.
    pub(crate) async fn migrate(&self) -> Result<(), DbError> {
        if let Pool::Postgres(pool) = &self.pool {
            let (role, free): (String, bool) = sqlx::query_as(
                "SELECT rolname::text, rolsuper OR rolbypassrls FROM pg_roles \
                 WHERE rolname = current_user",
            )
            .fetch_one(pool)
            .await?;
            if !free {
                return Err(DbError::BoundByRowLevelSecurity(role));
            }
        }
        let migrator = migrator(self.dialect());
        on_pool!(&self.pool, pool => migrator.run(pool).await?);
        Ok(())
    }

    /// A connection for a request that only reads (`GET`): a pooled connection, no
    /// transaction, as the app's read connection on SQLite and MySQL. (On PostgreSQL the app
    /// reads in a transaction that enters the tenant for row-level security; the baseline has
    /// no row-level security to enter.)
    pub(crate) async fn read(&self) -> Result<Conn, sqlx::Error> {
        let handle = on_pool!(&self.pool, pool => Handle::from(Pooled(pool.acquire().await?)));
        Ok(Conn {
            handle: Some(handle),
            sql: self.sql,
            sqlite_writer: None,
            permit: None,
        })
    }

    /// A connection for a request that may write (any method but `GET`, `HEAD`, `OPTIONS`), as
    /// the app's request transaction: on MySQL and PostgreSQL a transaction begun now; on
    /// SQLite a pooled connection that begins `BEGIN IMMEDIATE` on its first write (after
    /// taking the writer's turn), so that a request's reads do not hold the write lock.
    pub(crate) async fn write(&self) -> Result<Conn, sqlx::Error> {
        let handle = match &self.pool {
            Pool::Sqlite(pool) => Handle::Sqlite(Pooled(pool.acquire().await?)),
            Pool::MySql(pool) => Handle::MySql(InTx(pool.begin().await?)),
            Pool::Postgres(pool) => Handle::Postgres(InTx(pool.begin().await?)),
        };
        let sqlite_writer = matches!(self.pool, Pool::Sqlite(_)).then(|| Arc::clone(&self.writer));
        Ok(Conn {
            handle: Some(handle),
            sql: self.sql,
            sqlite_writer,
            permit: None,
        })
    }

    /// A transaction begun at once, for signup, which writes first: on SQLite `BEGIN
    /// IMMEDIATE` after the writer's turn.
    pub(crate) async fn begin_now(&self) -> Result<Conn, sqlx::Error> {
        let (handle, permit) = match &self.pool {
            Pool::Sqlite(pool) => {
                let permit = Arc::clone(&self.writer)
                    .acquire_owned()
                    .await
                    .expect("the writer's line is never closed");
                let tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                (Handle::Sqlite(InTx(tx)), Some(permit))
            }
            Pool::MySql(pool) => (Handle::MySql(InTx(pool.begin().await?)), None),
            Pool::Postgres(pool) => (Handle::Postgres(InTx(pool.begin().await?)), None),
        };
        Ok(Conn {
            handle: Some(handle),
            sql: self.sql,
            sqlite_writer: None,
            permit,
        })
    }
}

/// A connection that is either a plain pooled connection or in a transaction.
pub(crate) enum PooledOrTx<DB: Database> {
    /// Autocommit: each statement on its own.
    Pooled(PoolConnection<DB>),
    /// In a transaction, committed by [`Conn::commit`].
    InTx(Transaction<'static, DB>),
}
use PooledOrTx::{InTx, Pooled};

impl<DB: Database> PooledOrTx<DB> {
    /// The connection, to run statements on.
    pub(crate) fn conn(&mut self) -> &mut DB::Connection {
        match self {
            Pooled(conn) => conn,
            InTx(tx) => tx,
        }
    }
}

/// The request's connection, of one backend.
pub(crate) enum Handle {
    Sqlite(PooledOrTx<Sqlite>),
    MySql(PooledOrTx<MySql>),
    Postgres(PooledOrTx<Postgres>),
}

impl From<PooledOrTx<Sqlite>> for Handle {
    fn from(conn: PooledOrTx<Sqlite>) -> Self {
        Handle::Sqlite(conn)
    }
}

impl From<PooledOrTx<MySql>> for Handle {
    fn from(conn: PooledOrTx<MySql>) -> Self {
        Handle::MySql(conn)
    }
}

impl From<PooledOrTx<Postgres>> for Handle {
    fn from(conn: PooledOrTx<Postgres>) -> Self {
        Handle::Postgres(conn)
    }
}

/// One request's connection: taken once (by the user extractor, or by a handler that has no
/// user), used by every query of the request, and ended by [`Conn::commit`] when the request
/// succeeds. Dropped without a commit (the handler answered an error), its transaction is rolled
/// back before SQLite's writer turn is handed on.
pub(crate) struct Conn {
    handle: Option<Handle>,
    /// The statements of this backend.
    pub(crate) sql: &'static Statements,
    /// On SQLite, for a request that may write: the writer's line.
    sqlite_writer: Option<Arc<Semaphore>>,
    /// The writer's turn, held from `BEGIN IMMEDIATE` to the commit or rollback.
    permit: Option<OwnedSemaphorePermit>,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("writer", &self.permit.is_some())
            .finish_non_exhaustive()
    }
}

impl Conn {
    /// The connection, for [`on_conn!`].
    pub(crate) fn handle(&mut self) -> &mut Handle {
        // Only `commit` (which consumes the connection) and a `before_write` that failed (whose
        // error ends the request) leave no connection.
        self.handle
            .as_mut()
            .expect("a request's connection is used after its transaction failed to begin")
    }

    /// Makes the connection ready to write. On SQLite a write request's first write waits for
    /// the writer's turn and begins `BEGIN IMMEDIATE` on the connection the request already
    /// holds; elsewhere it is already in a transaction, or reads only.
    pub(crate) async fn before_write(&mut self) -> Result<(), sqlx::Error> {
        let Some(writer) = &self.sqlite_writer else {
            return Ok(());
        };
        let Some(Handle::Sqlite(Pooled(_))) = &self.handle else {
            return Ok(());
        };
        let permit = Arc::clone(writer)
            .acquire_owned()
            .await
            .expect("the writer's line is never closed");
        let Some(Handle::Sqlite(Pooled(conn))) = self.handle.take() else {
            unreachable!("matched above");
        };
        // `Transaction::begin` is what `Pool::begin_with` runs on a connection it has just
        // checked out; here the request checked it out already (taskflow-tenancy does the same),
        // so a request never gives its connection up to wait for another under load.
        let tx = Transaction::begin(conn, Some(SqlStr::from_static("BEGIN IMMEDIATE"))).await?;
        self.handle = Some(Handle::Sqlite(InTx(tx)));
        self.permit = Some(permit);
        Ok(())
    }

    /// Commits the request's transaction, if it has one, and gives the connection back.
    pub(crate) async fn commit(mut self) -> Result<(), sqlx::Error> {
        let result = match self.handle.take() {
            Some(Handle::Sqlite(InTx(tx))) => tx.commit().await,
            Some(Handle::MySql(InTx(tx))) => tx.commit().await,
            Some(Handle::Postgres(InTx(tx))) => tx.commit().await,
            _ => Ok(()),
        };
        self.permit = None;
        result
    }
}

impl Drop for Conn {
    /// An uncommitted transaction is rolled back: sqlx queues the rollback for the
    /// connection's next use, which is enough on MySQL and PostgreSQL. On SQLite the next writer,
    /// handed the turn at once, would find the write lock still held: there the rollback runs
    /// first, then the turn goes.
    fn drop(&mut self) {
        let Some(permit) = self.permit.take() else {
            return;
        };
        if let Some(Handle::Sqlite(InTx(tx))) = self.handle.take() {
            tokio::spawn(async move {
                if let Err(err) = tx.rollback().await {
                    tracing::warn!("a request's transaction did not roll back cleanly: {err}");
                }
                drop(permit);
            });
        }
    }
}
