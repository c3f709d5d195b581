//! Redis wake-ups for background workers, tenant changes told to every process
//! ([`TenantBroadcast`]), and live events of each tenant for its own subscribers
//! ([`TenantEvents`]) (feature `redis`).
//!
//! The jobs table stays the source of truth for every job (see [`crate::jobs`]); Redis only
//! carries wake-ups. After the transaction that enqueued a job commits, the enqueuer pushes the
//! job's id onto a Redis list with [`RedisWakeups::notify`]; idle workers block on that list
//! ([`JobRunner::wake_on`](crate::jobs::JobRunner::wake_on)) and look for jobs the moment one
//! arrives, from any process on any machine. A lost wake-up (Redis restarted, the push failed
//! after the commit) delays the job by one poll interval at most; a wake-up never carries a
//! tenant or grants anything: the worker claims and re-checks the job in the database.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> taskflow_tenancy::Result<()> {
//! use std::time::Duration;
//! use taskflow_tenancy::jobs::{self, JobContext, JobRunner, handler_fn};
//! use taskflow_tenancy::redis::RedisWakeups;
//! use taskflow_tenancy::TenantDb;
//!
//! let db = TenantDb::new(sqlx::SqlitePool::connect("sqlite://app.db").await?);
//! let wakeups = RedisWakeups::connect("redis://127.0.0.1:6379", "myapp").await?;
//!
//! // In the worker process: wait on Redis, poll the database every 30 s regardless.
//! let workers = JobRunner::new(db.clone())
//!     .register("greet", handler_fn(|_ctx: JobContext<sqlx::Sqlite>| async { Ok(None) }))
//!     .poll_interval(Duration::from_secs(30))
//!     .wake_on(wakeups.clone())
//!     .start(2);
//!
//! // In the web process, with a request's scope:
//! let scope = db.scope_by_subdomain("acme").await?;
//! let mut tx = db.begin(&scope).await?;
//! let id = jobs::enqueue(&mut tx, "greet", serde_json::Value::Null).await?;
//! tx.commit().await?;
//! wakeups.notify(id).await?;
//! # workers.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod broadcast;
mod events;

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use redis::AsyncConnectionConfig;
use redis::aio::{ConnectionManager, MultiplexedConnection};
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::jobs::{Wakeup, WakeupFuture};

pub use broadcast::{ACK_TIMEOUT, FALLBACK_TTL, TenantBroadcast, TenantChange};
pub use events::{EVENT_BUFFER, Received, TenantEvent, TenantEvents, TenantSubscription};

/// How long a push or a ping may take before Redis counts as down.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a worker waits after a failed wake-up wait before it tries Redis again.
const RETRY_AFTER: Duration = Duration::from_millis(500);

/// Wake-ups kept in the list when no worker takes them: enough for any burst, bounded when
/// no worker runs at all.
const KEPT: isize = 10_000;

/// A Redis list of job wake-ups: [`notify`](RedisWakeups::notify) pushes, workers wait on it
/// through [`Wakeup`]. Cloning shares the connections.
///
/// See the [module docs](self) for an example.
#[derive(Clone)]
pub struct RedisWakeups {
    client: redis::Client,
    key: Arc<str>,
    sender: ConnectionManager,
    /// Idle connections for blocking pops: a blocked `BRPOP` holds its connection, so each
    /// waiting worker takes one of its own.
    waiters: Arc<Mutex<Vec<MultiplexedConnection>>>,
}

impl fmt::Debug for RedisWakeups {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisWakeups")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

fn queue_error(err: redis::RedisError) -> Error {
    Error::Queue(err.to_string())
}

/// `command`, or a queue error once [`COMMAND_TIMEOUT`] has passed.
async fn in_time<T>(command: impl Future<Output = redis::RedisResult<T>>) -> Result<T> {
    match tokio::time::timeout(COMMAND_TIMEOUT, command).await {
        Ok(answer) => answer.map_err(queue_error),
        Err(_) => Err(Error::Queue(format!(
            "no answer within {} s",
            COMMAND_TIMEOUT.as_secs()
        ))),
    }
}

impl RedisWakeups {
    /// Connects to the Redis server at `url` (`redis://host:port/db`) and checks that it
    /// answers. Wake-ups go to the list `{prefix}:jobs:wake`, so several apps (or test runs)
    /// can share one server.
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> taskflow_tenancy::Result<()> {
    /// let wakeups = taskflow_tenancy::redis::RedisWakeups::connect("redis://127.0.0.1/", "taskflow").await?;
    /// assert_eq!(wakeups.key(), "taskflow:jobs:wake");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect(url: &str, prefix: &str) -> Result<RedisWakeups> {
        let client = redis::Client::open(url).map_err(queue_error)?;
        let sender = in_time(ConnectionManager::new(client.clone())).await?;
        let wakeups = RedisWakeups {
            client,
            key: format!("{prefix}:jobs:wake").into(),
            sender,
            waiters: Arc::default(),
        };
        wakeups.ping().await?;
        Ok(wakeups)
    }

    /// The Redis list the wake-ups go through.
    ///
    /// See [`RedisWakeups::connect`] for an example.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Whether Redis answers, for a readiness check.
    ///
    /// See the [module docs](self) for an example of the type in use.
    pub async fn ping(&self) -> Result<()> {
        let mut conn = self.sender.clone();
        in_time(redis::cmd("PING").query_async::<String>(&mut conn))
            .await
            .map(drop)
    }

    /// Wakes one idle worker for `job`. Call it after the transaction that enqueued the job
    /// has committed, so the worker finds the job; an error means only that the job waits
    /// for the next poll.
    ///
    /// See the [module docs](self) for an example.
    pub async fn notify(&self, job: Uuid) -> Result<()> {
        let mut conn = self.sender.clone();
        let mut push = redis::pipe();
        push.cmd("LPUSH")
            .arg(&*self.key)
            .arg(job.to_string())
            .ignore()
            .cmd("LTRIM")
            .arg(&*self.key)
            .arg(0)
            .arg(KEPT - 1)
            .ignore();
        in_time(push.query_async::<()>(&mut conn)).await
    }

    /// Waits up to `timeout` for a wake-up on a connection of its own.
    async fn pop(&self, timeout: Duration) -> Result<Option<String>> {
        let idle = self.waiters.lock().await.pop();
        let mut conn = match idle {
            Some(conn) => conn,
            None => {
                // The pop blocks server-side for `timeout`; the client must not give up first.
                let config = AsyncConnectionConfig::new().set_response_timeout(None);
                self.client
                    .get_multiplexed_async_connection_with_config(&config)
                    .await
                    .map_err(queue_error)?
            }
        };
        // BRPOP takes seconds as a float; 0 would block forever.
        let seconds = timeout.as_secs_f64().max(0.01);
        let popped = redis::cmd("BRPOP")
            .arg(&*self.key)
            .arg(seconds)
            .query_async::<Option<(String, String)>>(&mut conn)
            .await
            .map_err(queue_error)?;
        self.waiters.lock().await.push(conn);
        Ok(popped.map(|(_, job)| job))
    }
}

impl Wakeup for RedisWakeups {
    fn wait(&self, timeout: Duration) -> WakeupFuture<'_> {
        Box::pin(async move {
            let started = tokio::time::Instant::now();
            // A little slack over the server-side block, for the round trip.
            let answer = tokio::time::timeout(timeout + Duration::from_secs(2), self.pop(timeout));
            match answer.await {
                Ok(Ok(_)) => {}
                Ok(Err(err)) => {
                    // A connection Redis dropped (a restart) fails once and is not kept; the
                    // next wait opens a new one. Waiting only [`RETRY_AFTER`] instead of the
                    // whole interval picks wake-ups up again right after Redis is back; while
                    // it is down, the runner looks in the database that often.
                    tracing::warn!(error = %err, "job wake-ups unavailable: polling the database");
                    tokio::time::sleep_until(started + timeout.min(RETRY_AFTER)).await;
                }
                Err(_) => {
                    tracing::warn!("job wake-up wait timed out: polling the database");
                }
            }
        })
    }
}
