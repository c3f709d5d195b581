//! What a job's handler is and gets: [`JobHandler`] and [`JobContext`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use sqlx::{Database, Executor, FromRow};
use uuid::Uuid;

use super::store::{Job, JobStore, Lease};
use crate::error::Result;
use crate::query::backend::Backend;
use crate::scope::database::TenantDb;
use crate::scope::tenant::TenantScope;
use crate::scope::tx::TenantTx;

/// What a [`JobHandler`] returns: the job's result text (a CSV, say) or `None`, or an error
/// whose text is stored in the job's `error`.
pub type JobResult = std::result::Result<Option<String>, Box<dyn std::error::Error + Send + Sync>>;

/// What a handler gets to run one job: a fresh [`TenantScope`] for the job's tenant, the
/// payload, the pool, and a way to report progress.
///
/// See the [module docs](crate::jobs) for an example.
pub struct JobContext<DB: Database> {
    pub(super) scope: TenantScope,
    pub(super) db: TenantDb<DB>,
    pub(super) job: Job,
    pub(super) store: JobStore<DB>,
    pub(super) lease: Lease,
    pub(super) lease_length: Duration,
}

impl<DB: Database> fmt::Debug for JobContext<DB> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobContext")
            .field("scope", &self.scope)
            .field("job", &self.job.id)
            .field("kind", &self.job.kind)
            .finish()
    }
}

impl<DB> JobContext<DB>
where
    DB: Backend,
    Job: for<'r> FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    /// The scope of the job's tenant, verified when this run started: the tenant exists and
    /// is active. Every query of the handler takes it.
    ///
    /// See the [module docs](crate::jobs) for an example.
    pub fn scope(&self) -> &TenantScope {
        &self.scope
    }

    /// A tenant transaction for the job's tenant on the runner's database, as a request
    /// handler gets one: the handler's queries run on it, and it commits when the handler
    /// commits it.
    ///
    /// See the [module docs](crate::jobs) for an example.
    pub fn begin(&self) -> impl Future<Output = Result<TenantTx<DB>>> + Send + '_ {
        self.db.begin(&self.scope)
    }

    /// [`JobContext::begin`] for reads only: see [`TenantDb::begin_read`].
    pub fn begin_read(&self) -> impl Future<Output = Result<TenantTx<DB>>> + Send + '_ {
        self.db.begin_read(&self.scope)
    }

    /// The job's id.
    ///
    /// See the [module docs](crate::jobs) for an example.
    pub fn job_id(&self) -> Uuid {
        self.job.id
    }

    /// The job's kind.
    ///
    /// See the [module docs](crate::jobs) for an example.
    pub fn kind(&self) -> &str {
        &self.job.kind
    }

    /// The payload it was enqueued with.
    ///
    /// See the [module docs](crate::jobs) for an example.
    pub fn payload(&self) -> &serde_json::Value {
        &self.job.payload
    }

    /// Which claim of the job this is: 1 the first time, more after a worker died with it.
    ///
    /// See the [module docs](crate::jobs) for an example.
    pub fn attempt(&self) -> i32 {
        self.job.attempts + 1
    }

    /// Stores the progress (clamped to 0..=100) for readers of the job, and renews the lease.
    ///
    /// Returns `false` when this run no longer holds the job (its lease expired and another
    /// worker claimed it): the handler should stop, as what it returns will not be recorded.
    ///
    /// See the [module docs](crate::jobs) for an example.
    pub fn progress(&self, percent: i32) -> impl Future<Output = Result<bool>> + Send + '_ {
        self.store
            .renew(&self.lease, self.lease_length, Some(percent.clamp(0, 100)))
    }
}

/// Runs jobs of one kind.
///
/// The handler gets a [`JobContext`] with a fresh scope of the job's tenant and returns the
/// job's result. Implement it on a struct that holds what the handler needs, or wrap an async
/// closure with [`handler_fn`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
/// # use taskflow_tenancy::{AdminCapability, TenantDb};
/// use taskflow_tenancy::jobs::{self, JobContext, JobHandler, JobResult, JobRunner, JobStore};
///
/// struct CountTenants;
///
/// impl JobHandler<sqlx::Sqlite> for CountTenants {
///     async fn run(&self, ctx: JobContext<sqlx::Sqlite>) -> JobResult {
///         Ok(Some(ctx.scope().tenant().subdomain.clone()))
///     }
/// }
///
/// # let db = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
/// # db.migrate().await?;
/// # db.create(&AdminCapability::grant("docs", "example")?, "Acme", "acme").await?;
/// # let scope = db.scope_by_subdomain("acme").await?;
/// JobStore::new(db.pool().clone()).migrate().await?;
/// let mut tx = db.begin(&scope).await?;
/// let id = jobs::enqueue(&mut tx, "whoami", serde_json::Value::Null).await?;
/// tx.commit().await?;
/// JobRunner::new(db.clone()).register("whoami", CountTenants).run_until_idle().await?;
/// let mut tx = db.begin_read(&scope).await?;
/// assert_eq!(jobs::get(&mut tx, id).await?.unwrap().result.as_deref(), Some("acme"));
/// # Ok(())
/// # }
/// ```
pub trait JobHandler<DB: Database>: Send + Sync + 'static {
    /// Runs one job. An `Err` marks the job failed with the error's text.
    fn run(&self, ctx: JobContext<DB>) -> impl Future<Output = JobResult> + Send;
}

/// A [`JobHandler`] made from an async function; see [`handler_fn`].
#[derive(Clone, Copy)]
pub struct FnHandler<F>(F);

impl<F> fmt::Debug for FnHandler<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FnHandler")
    }
}

/// A [`JobHandler`] from an async function of the [`JobContext`].
///
/// See the [module docs](crate::jobs) for an example.
pub fn handler_fn<F>(f: F) -> FnHandler<F> {
    FnHandler(f)
}

impl<DB, F, Fut> JobHandler<DB> for FnHandler<F>
where
    DB: Database,
    F: Fn(JobContext<DB>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = JobResult> + Send,
{
    fn run(&self, ctx: JobContext<DB>) -> impl Future<Output = JobResult> + Send {
        (self.0)(ctx)
    }
}

type BoxedRun = Pin<Box<dyn Future<Output = JobResult> + Send + 'static>>;

/// [`JobHandler`] with its future boxed, so that handlers of different types share one map.
pub(super) trait ErasedHandler<DB: Database>: Send + Sync {
    fn run_boxed(self: Arc<Self>, ctx: JobContext<DB>) -> BoxedRun;
}

impl<DB: Database, H: JobHandler<DB>> ErasedHandler<DB> for H {
    fn run_boxed(self: Arc<Self>, ctx: JobContext<DB>) -> BoxedRun {
        Box::pin(async move { self.run(ctx).await })
    }
}
