//! Whether the database answers, known without waiting for it.
//!
//! When the database goes away, a request that asks the pool for a connection waits for the
//! pool's acquire timeout while the pool retries; every request of an outage would hang that
//! long. [`DbHealth`] keeps one connection of its own outside the pool and pings the database
//! on it every [`PROBE_EVERY`]; while a ping fails, requests that need the database answer
//! `503 unavailable` at once (see `http::app`), and readiness says so. The probe goes on
//! while the database is down and marks it up again at its first answer, so the service comes
//! back by itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::{ConnectOptions, Connection};
use taskflow_tenancy::AnyTenantDb;

/// How often the probe pings the database.
pub const PROBE_EVERY: Duration = Duration::from_millis(200);

/// How long a connect or a ping of the probe may take before the database counts as down.
const PROBE_TIMEOUT: Duration = Duration::from_millis(500);

/// The database's health as its probe last saw it. Clones share it; the probe stops when the
/// last clone is dropped.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let db = taskflow_app::db::connect("sqlite::memory:").await?;
/// let health = taskflow_app::db::DbHealth::watch(&db);
/// assert!(health.is_up(), "a database counts as up until a ping fails");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct DbHealth {
    up: Arc<AtomicBool>,
}

impl DbHealth {
    /// Starts probing the database of `db` on a connection of its own.
    pub fn watch(db: &AnyTenantDb) -> DbHealth {
        let up = Arc::new(AtomicBool::new(true));
        let probe = Arc::downgrade(&up);
        match db {
            AnyTenantDb::Sqlite(db) => spawn_probe(db.pool().connect_options(), probe),
            AnyTenantDb::MySql(db) => spawn_probe(db.pool().connect_options(), probe),
            AnyTenantDb::Postgres(db) => spawn_probe(db.pool().connect_options(), probe),
        }
        DbHealth { up }
    }

    /// A health that is always up, for an app whose database is not probed.
    pub fn always_up() -> DbHealth {
        DbHealth {
            up: Arc::new(AtomicBool::new(true)),
        }
    }

    /// Whether the database answered the probe's last ping.
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }
}

fn spawn_probe<O>(options: Arc<O>, up: std::sync::Weak<AtomicBool>)
where
    O: ConnectOptions + 'static,
    O::Connection: Sized + Send,
{
    tokio::spawn(async move {
        let mut conn: Option<O::Connection> = None;
        let mut ticks = tokio::time::interval(PROBE_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let Some(up) = up.upgrade() else { return };
            let answered = match conn.as_mut() {
                Some(open) => matches!(
                    tokio::time::timeout(PROBE_TIMEOUT, open.ping()).await,
                    Ok(Ok(()))
                ),
                None => match tokio::time::timeout(PROBE_TIMEOUT, options.connect()).await {
                    Ok(Ok(open)) => {
                        conn = Some(open);
                        true
                    }
                    _ => false,
                },
            };
            if !answered {
                // A connection that failed once is not trusted again: the next probe opens
                // a new one.
                conn = None;
            }
            let was_up = up.swap(answered, Ordering::AcqRel);
            match (was_up, answered) {
                (true, false) => tracing::warn!("the database does not answer: answering 503"),
                (false, true) => tracing::info!("the database answers again"),
                _ => {}
            }
        }
    });
}
