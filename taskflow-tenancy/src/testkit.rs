//! Fresh databases for tests (feature `testkit`): a real SQLite file, and a new MariaDB/MySQL
//! or PostgreSQL database per call on the servers named by `TASKFLOW_TEST_MYSQL_URL` and
//! `TASKFLOW_TEST_POSTGRES_URL`.
//!
//! When a URL is unset, [`mysql_url`] and [`postgres_url`] return `None` so that a developer
//! without the servers can still run the suite; when `TASKFLOW_REQUIRE_SERVERS=1` is set (as
//! `.ci/run` does), a missing URL panics instead of letting the test skip silently.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> taskflow_tenancy::Result<()> {
//! let db = taskflow_tenancy::testkit::sqlite().await?;
//! sqlx::query("CREATE TABLE t (x INTEGER)").execute(&db.pool).await?;
//! assert!(db.path().exists());
//! # Ok(())
//! # }
//! ```

use std::path::{Path, PathBuf};

use crate::error::Result;

/// A fresh SQLite database in a file of its own, removed when this value is dropped.
#[cfg(feature = "sqlite")]
#[derive(Debug)]
pub struct SqliteDb {
    /// A pool on the file.
    pub pool: sqlx::SqlitePool,
    path: PathBuf,
    _dir: tempfile::TempDir,
}

#[cfg(feature = "sqlite")]
impl SqliteDb {
    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A fresh SQLite database file with foreign keys on, as every TaskFlow connection has them.
#[cfg(feature = "sqlite")]
pub async fn sqlite() -> Result<SqliteDb> {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
    let dir = tempfile::tempdir().map_err(sqlx::Error::Io)?;
    let path = dir.path().join("test.db");
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .foreign_keys(true)
        .journal_mode(SqliteJournalMode::Wal);
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await?;
    Ok(SqliteDb {
        pool,
        path,
        _dir: dir,
    })
}

fn server_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("TASKFLOW_REQUIRE_SERVERS").as_deref() == Ok("1") => {
            panic!("{var} is not set, and TASKFLOW_REQUIRE_SERVERS=1 forbids skipping this test")
        }
        _ => {
            eprintln!("{var} is not set: skipping the tests that need this server");
            None
        }
    }
}

/// `TASKFLOW_TEST_REDIS_URL`, e.g. `redis://127.0.0.1:6379`.
pub fn redis_url() -> Option<String> {
    server_url("TASKFLOW_TEST_REDIS_URL")
}

/// `TASKFLOW_TEST_MYSQL_URL`, e.g. `mysql://root@127.0.0.1:3306/test`.
pub fn mysql_url() -> Option<String> {
    server_url("TASKFLOW_TEST_MYSQL_URL")
}

/// `TASKFLOW_TEST_POSTGRES_URL`, e.g. `postgres://postgres@127.0.0.1:5432/test`.
pub fn postgres_url() -> Option<String> {
    server_url("TASKFLOW_TEST_POSTGRES_URL")
}

#[cfg(any(feature = "mysql", feature = "postgres"))]
fn fresh_name() -> String {
    format!("tf_test_{}", uuid::Uuid::new_v4().simple())
}

/// Replaces the database (path) part of a server URL.
#[cfg(any(feature = "mysql", feature = "postgres", test))]
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let authority_end = base[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..authority_end], database);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A new, empty MariaDB/MySQL database on the server at `url`, and a pool on it.
#[cfg(feature = "mysql")]
pub async fn mysql(url: &str) -> Result<(sqlx::MySqlPool, String)> {
    use sqlx::Connection;
    let name = fresh_name();
    let mut admin = sqlx::MySqlConnection::connect(url).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE `{name}`")))
        .execute(&mut admin)
        .await?;
    admin.close().await?;
    // sqlx 0.9.0 leaves Nagle's algorithm on for MySQL (launchbadge/sqlx#4335): every statement
    // evicted from a connection's cache stalls the next one by ~40 ms. Tests run many query
    // shapes, so keep them all prepared.
    let options: sqlx::mysql::MySqlConnectOptions = with_database(url, &name).parse()?;
    let pool = sqlx::mysql::MySqlPoolOptions::new()
        .max_connections(8)
        .connect_with(options.statement_cache_capacity(4096))
        .await?;
    Ok((pool, name))
}

/// A new, empty PostgreSQL database on the server at `url`, and a pool on it, with the URL
/// of the new database (to connect as another role, say).
#[cfg(feature = "postgres")]
pub async fn postgres(url: &str) -> Result<(sqlx::PgPool, String)> {
    use sqlx::Connection;
    let name = fresh_name();
    let mut admin = sqlx::PgConnection::connect(url).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut admin)
        .await?;
    admin.close().await?;
    let new_url = with_database(url, &name);
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(8)
        .connect(&new_url)
        .await?;
    Ok((pool, new_url))
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_the_database_of_a_url() {
        assert_eq!(
            with_database("mysql://root@127.0.0.1:3306/test", "x"),
            "mysql://root@127.0.0.1:3306/x"
        );
        assert_eq!(
            with_database(
                "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
                "y"
            ),
            "postgres://postgres@127.0.0.1:5432/y?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "z"), "postgres://h/z");
    }
}
