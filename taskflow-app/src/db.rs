//! The database: one pool of whichever backend `DATABASE_URL` names, its migrations, and the
//! tenant lookup the tenant layer caches.
//!
//! Handlers run the same model code on every backend. [`with_pool!`](crate::with_pool) expands
//! an expression once per backend with `pool` bound to the concrete pool, so every query is
//! compiled against a concrete sqlx database (and the library's `Send` futures stay provable).

use std::borrow::Cow;
use std::future::Future;
use std::str::FromStr;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{MySqlPool, PgPool, SqlStr, SqlitePool};
use taskflow_tenancy::jobs::JobStore;
use taskflow_tenancy::resolve::{StoredTenant, TenantLookup};
use taskflow_tenancy::{TenantId, TenantScope, TenantStore, postgres};

/// A pool on one of the three supported databases.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let db = taskflow_app::db::Db::connect("sqlite::memory:").await?;
/// assert_eq!(db.backend_name(), "sqlite");
/// db.migrate().await?;
/// db.ping().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub enum Db {
    /// SQLite: a file next to the app, no server needed.
    Sqlite(SqlitePool),
    /// MySQL 8 or MariaDB 10.11+.
    MySql(MySqlPool),
    /// PostgreSQL.
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the concrete pool of `$db` (a `&Db`), once per backend.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use taskflow_app::with_pool;
///
/// let db = taskflow_app::db::Db::connect("sqlite::memory:").await?;
/// let one: i64 = with_pool!(&db, pool => sqlx::query_scalar("SELECT 1").fetch_one(pool).await)?;
/// assert_eq!(one, 1);
/// # Ok(())
/// # }
/// ```
#[macro_export]
macro_rules! with_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::MySql($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to a connection that acts for `$scope` (a `&TenantScope`),
/// once per backend, and evaluates to the body's `Result`.
///
/// On PostgreSQL the connection is a transaction opened with
/// [`begin_scoped`](taskflow_tenancy::postgres::begin_scoped), so the row-level security
/// policies admit the scope's tenant only; it commits when the body returns `Ok` and rolls back
/// otherwise. On SQLite and MySQL it is a pooled connection. The body reaches it as
/// `&mut *conn`; the form `with_scoped!(db, scope, pool, conn => ..)` also binds the pool.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use taskflow_app::with_scoped;
/// use taskflow_tenancy::TenantStore;
///
/// let db = taskflow_app::db::Db::connect("sqlite::memory:").await?;
/// db.migrate().await?;
/// taskflow_app::seed::demo_if_empty(&db).await?;
/// let taskflow_app::db::Db::Sqlite(pool) = &db else { unreachable!() };
/// let scope = TenantStore::new(pool.clone()).scope_by_subdomain("acme").await?;
///
/// let projects = with_scoped!(&db, &scope, conn => {
///     taskflow_app::model::Project::scoped(&scope).count(&mut *conn).await
/// })?;
/// assert!(projects > 0);
/// # Ok(())
/// # }
/// ```
#[macro_export]
macro_rules! with_scoped {
    ($db:expr, $scope:expr, $conn:ident => $body:expr) => {
        $crate::with_scoped!($db, $scope, pool, $conn => $body)
    };
    ($db:expr, $scope:expr, $pool:ident, $conn:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $crate::with_scoped!(@on sqlx::Sqlite, $pool, $scope, $conn => $body),
            $crate::db::Db::MySql($pool) => $crate::with_scoped!(@on sqlx::MySql, $pool, $scope, $conn => $body),
            $crate::db::Db::Postgres($pool) => $crate::with_scoped!(@on sqlx::Postgres, $pool, $scope, $conn => $body),
        }
    };
    (@on $backend:ty, $pool:ident, $scope:expr, $conn:ident => $body:expr) => {
        match <$backend as $crate::db::TenantConnection>::open($pool, $scope).await {
            Ok(mut $conn) => match $body {
                Ok(value) => <$backend as $crate::db::TenantConnection>::finish($conn)
                    .await
                    .map(|()| value)
                    .map_err(Into::into),
                Err(err) => Err(err),
            },
            Err(err) => Err(err.into()),
        }
    };
}

/// How a backend opens a connection that acts for one tenant: see [`with_scoped!`].
///
/// PostgreSQL opens a transaction with the tenant's row-level security setting; SQLite and
/// MySQL have no such setting, and open a pooled connection.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use taskflow_app::db::TenantConnection;
/// use taskflow_tenancy::TenantStore;
///
/// let db = taskflow_app::db::Db::connect("sqlite::memory:").await?;
/// db.migrate().await?;
/// taskflow_app::seed::demo_if_empty(&db).await?;
/// let taskflow_app::db::Db::Sqlite(pool) = &db else { unreachable!() };
/// let scope = TenantStore::new(pool.clone()).scope_by_subdomain("acme").await?;
///
/// let conn = sqlx::Sqlite::open(pool, &scope).await?;
/// sqlx::Sqlite::finish(conn).await?;
/// # Ok(())
/// # }
/// ```
pub trait TenantConnection: sqlx::Database {
    /// The connection handed to the body: derefs to the backend's connection.
    type Conn: std::ops::DerefMut<Target = Self::Connection> + Send;

    /// Opens a connection that acts for `scope`.
    fn open<'a>(
        pool: &'a sqlx::Pool<Self>,
        scope: &'a TenantScope,
    ) -> impl Future<Output = taskflow_tenancy::Result<Self::Conn>> + Send + 'a;

    /// Ends it: commits on PostgreSQL, returns the connection to the pool elsewhere.
    fn finish(conn: Self::Conn) -> impl Future<Output = Result<(), sqlx::Error>> + Send;
}

macro_rules! pooled_connection {
    ($backend:ty) => {
        // Not `async fn`: the declared `Send` is what handlers' futures rely on.
        #[allow(clippy::manual_async_fn)]
        impl TenantConnection for $backend {
            type Conn = sqlx::pool::PoolConnection<$backend>;

            fn open<'a>(
                pool: &'a sqlx::Pool<Self>,
                _scope: &'a TenantScope,
            ) -> impl Future<Output = taskflow_tenancy::Result<Self::Conn>> + Send + 'a {
                async move { Ok(pool.acquire().await?) }
            }

            fn finish(conn: Self::Conn) -> impl Future<Output = Result<(), sqlx::Error>> + Send {
                drop(conn);
                std::future::ready(Ok(()))
            }
        }
    };
}

pooled_connection!(sqlx::Sqlite);
pooled_connection!(sqlx::MySql);

#[allow(clippy::manual_async_fn)]
impl TenantConnection for sqlx::Postgres {
    type Conn = sqlx::Transaction<'static, sqlx::Postgres>;

    fn open<'a>(
        pool: &'a sqlx::Pool<Self>,
        scope: &'a TenantScope,
    ) -> impl Future<Output = taskflow_tenancy::Result<Self::Conn>> + Send + 'a {
        async move { postgres::begin_scoped(pool, scope).await }
    }

    fn finish(conn: Self::Conn) -> impl Future<Output = Result<(), sqlx::Error>> + Send {
        conn.commit()
    }
}

/// Binds a tenant to the transaction open on a connection, until it ends, for a transaction
/// that learns its tenant part-way (signup, seeding): on PostgreSQL the row-level security
/// setting ([`set_tenant`](taskflow_tenancy::postgres::set_tenant)); SQLite and MySQL have no
/// such setting, and it does nothing.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use taskflow_app::db::EnterScope;
/// use taskflow_tenancy::TenantStore;
///
/// let db = taskflow_app::db::Db::connect("sqlite::memory:").await?;
/// db.migrate().await?;
/// taskflow_app::seed::demo_if_empty(&db).await?;
/// let taskflow_app::db::Db::Sqlite(pool) = &db else { unreachable!() };
/// let scope = TenantStore::new(pool.clone()).scope_by_subdomain("acme").await?;
///
/// let mut tx = pool.begin().await?;
/// tx.enter_scope(&scope).await?;
/// tx.commit().await?;
/// # Ok(())
/// # }
/// ```
pub trait EnterScope {
    /// Binds `scope` to the open transaction.
    fn enter_scope<'a>(
        &'a mut self,
        scope: &'a TenantScope,
    ) -> impl Future<Output = taskflow_tenancy::Result<()>> + Send + 'a;
}

macro_rules! no_tenant_setting {
    ($($connection:ty),*) => {$(
        impl EnterScope for $connection {
            fn enter_scope<'a>(
                &'a mut self,
                _scope: &'a TenantScope,
            ) -> impl Future<Output = taskflow_tenancy::Result<()>> + Send + 'a {
                std::future::ready(Ok(()))
            }
        }
    )*};
}

no_tenant_setting!(sqlx::SqliteConnection, sqlx::MySqlConnection);

impl EnterScope for sqlx::PgConnection {
    fn enter_scope<'a>(
        &'a mut self,
        scope: &'a TenantScope,
    ) -> impl Future<Output = taskflow_tenancy::Result<()>> + Send + 'a {
        postgres::set_tenant(self, scope)
    }
}

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
            migrations
        }
        "mysql" => {
            let mut migrations = migrations!("mysql");
            migrations.push(migrations!(@one "mysql", 7, "0007", "report_list"));
            migrations
        }
        _ => {
            let mut migrations = migrations!("postgres");
            migrations.push(migrations!(@one "postgres", 7, "0007", "row_level_security"));
            migrations.push(migrations!(@one "postgres", 8, "0008", "report_list"));
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

impl Db {
    /// Opens a pool on `url` (`sqlite:`, `mysql:`/`mariadb:` or `postgres:`/`postgresql:`).
    /// A SQLite file is created if missing (with 16 KiB pages), and always has foreign keys on:
    /// the composite keys are only a wall if SQLite enforces them.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => {
                let options = SqliteConnectOptions::from_str(url)?
                    .create_if_missing(true)
                    .foreign_keys(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .page_size(PAGE_SIZE);
                // An in-memory database is one per connection: keep it to one.
                let max = if url.contains(":memory:") { 1 } else { 8 };
                let pool = SqlitePoolOptions::new()
                    .max_connections(max)
                    .connect_with(options)
                    .await?;
                Ok(Db::Sqlite(pool))
            }
            "mysql" | "mariadb" => {
                let url = url.replacen("mariadb:", "mysql:", 1);
                // sqlx 0.9.0 leaves Nagle's algorithm on for MySQL (launchbadge/sqlx#4335), so
                // re-preparing a statement evicted from a connection's cache stalls ~40 ms.
                // The app has a few hundred statement shapes: keep them all prepared (the
                // server's max_prepared_stmt_count, 16382 by default, has room for it).
                let options = MySqlConnectOptions::from_str(&url)?.statement_cache_capacity(512);
                Ok(Db::MySql(
                    MySqlPoolOptions::new().connect_with(options).await?,
                ))
            }
            "postgres" | "postgresql" => {
                let options = PgConnectOptions::from_str(url)?;
                Ok(Db::Postgres(
                    PgPoolOptions::new().connect_with(options).await?,
                ))
            }
            _ => Err(DbError::UnsupportedUrl(scheme.to_owned())),
        }
    }

    /// [`Db::connect`] for a bulk load (`taskflow-app seed`). On SQLite: one connection with a
    /// 256 MiB page cache (16 KiB pages for a new file, as [`Db::connect`]) that does not wait for the disk (`synchronous = OFF`: an operating
    /// system crash during the load can lose or damage what it wrote, an application crash
    /// cannot) and keeps a rollback journal instead of the write-ahead log (`journal_mode =
    /// DELETE`). A load is one large transaction: the log would take every page it writes once
    /// more, where the rollback journal keeps only the pages that held data before, none for
    /// a new database. The next [`Db::connect`] turns the log back on. While another process
    /// has the database open, the log cannot be left and the load goes through it. Other
    /// databases are opened as usual.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = tempfile::tempdir()?;
    /// let url = format!("sqlite://{}", dir.path().join("bulk.db").display());
    /// let db = taskflow_app::db::Db::connect_for_bulk_load(&url).await?;
    /// db.migrate().await?;
    /// assert_eq!(db.backend_name(), "sqlite");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect_for_bulk_load(url: &str) -> Result<Db, DbError> {
        if url.split(':').next() != Some("sqlite") {
            return Db::connect(url).await;
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
        Ok(Db::Sqlite(pool))
    }

    /// `sqlite`, `mysql` or `postgres`.
    ///
    /// See [`Db`] for an example.
    pub fn backend_name(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::MySql(_) => "mysql",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Applies the pending migrations of this backend.
    ///
    /// See [`Db`] for an example.
    /// The `jobs` table of the background jobs is the library's own: it is made (if missing)
    /// after the app's migrations, which create the `tenants` table it refers to.
    pub async fn migrate(&self) -> Result<(), DbError> {
        let migrator = migrator(self.backend_name());
        with_pool!(self, pool => migrator.run(pool).await)?;
        with_pool!(self, pool => JobStore::new(pool.clone()).migrate().await)?;
        Ok(())
    }

    /// Whether the database answers a trivial query.
    ///
    /// See [`Db`] for an example.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        with_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(drop))
    }

    /// The tenants table of this database, for the tenant layer's cache.
    pub fn tenants(&self) -> Tenants {
        match self {
            Db::Sqlite(pool) => Tenants::Sqlite(TenantStore::new(pool.clone())),
            Db::MySql(pool) => Tenants::MySql(TenantStore::new(pool.clone())),
            Db::Postgres(pool) => Tenants::Postgres(TenantStore::new(pool.clone())),
        }
    }
}

/// The tenant store of a [`Db`], whichever backend it is.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use taskflow_tenancy::resolve::TenantLookup;
///
/// let db = taskflow_app::db::Db::connect("sqlite::memory:").await?;
/// db.migrate().await?;
/// assert!(db.tenants().by_subdomain("acme").await?.is_none());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub enum Tenants {
    /// On SQLite.
    Sqlite(TenantStore<sqlx::Sqlite>),
    /// On MySQL or MariaDB.
    MySql(TenantStore<sqlx::MySql>),
    /// On PostgreSQL.
    Postgres(TenantStore<sqlx::Postgres>),
}

// Not `async fn`: the trait's declared `Send` is what lets the tenant layer's futures be
// proven `Send` (rust-lang/rust#100013).
#[allow(clippy::manual_async_fn)]
impl TenantLookup for Tenants {
    fn by_subdomain(
        &self,
        subdomain: &str,
    ) -> impl Future<Output = taskflow_tenancy::Result<Option<StoredTenant>>> + Send {
        async move {
            match self {
                Tenants::Sqlite(store) => store.by_subdomain(subdomain).await,
                Tenants::MySql(store) => store.by_subdomain(subdomain).await,
                Tenants::Postgres(store) => store.by_subdomain(subdomain).await,
            }
        }
    }

    fn by_id(
        &self,
        id: TenantId,
    ) -> impl Future<Output = taskflow_tenancy::Result<Option<StoredTenant>>> + Send {
        async move {
            match self {
                Tenants::Sqlite(store) => store.by_id(id).await,
                Tenants::MySql(store) => store.by_id(id).await,
                Tenants::Postgres(store) => store.by_id(id).await,
            }
        }
    }
}
