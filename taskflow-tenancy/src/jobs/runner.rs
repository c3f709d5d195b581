//! [`JobRunner`]: claims jobs, re-checks their tenant and runs their handlers, on the calling
//! task or on background workers.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use sqlx::{Database, Executor, FromRow};
use tokio::sync::watch;
use tracing::Instrument;
use uuid::Uuid;

use super::handler::{ErasedHandler, JobContext, JobHandler};
use super::store::{Job, JobStatus, JobStore, Lease, MAX_LEASE, now};
use crate::error::Result;
use crate::query::backend::Backend;
use crate::scope::database::TenantDb;
use crate::scope::tenant::{Tenant, TenantId};

/// How one run of [`JobRunner::run_once`] ended.
///
/// See [`JobRunner`] for an example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobOutcome {
    /// The job's tenant.
    pub tenant_id: TenantId,
    /// The job.
    pub id: Uuid,
    /// Its kind.
    pub kind: String,
    /// `Done` or `Failed` (or `Running` if the lease was lost to another worker meanwhile,
    /// in which case nothing of this run was recorded).
    pub status: JobStatus,
    /// The error text of a failed job.
    pub error: Option<String>,
}

/// Aborts the handler's task if the run is dropped, as a crashed worker would stop it.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Claims and runs jobs: the verified source of the scopes job handlers get.
///
/// Register a [`JobHandler`] per kind; a runner only claims the kinds it has handlers for.
/// [`JobRunner::run_once`] and [`JobRunner::run_until_idle`] run jobs on the calling task
/// (tests, a `worker --once` command); [`JobRunner::start`] runs N workers in the background
/// until [`JobWorkers::shutdown`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
/// use taskflow_tenancy::jobs::{self, JobContext, JobRunner, JobStatus, JobStore, handler_fn};
/// use taskflow_tenancy::{AdminCapability, TenantDb, TenantScope};
///
/// let tenants = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
/// tenants.migrate().await?;
/// JobStore::new(tenants.pool().clone()).migrate().await?;
/// let admin = AdminCapability::grant("docs", "example tenants")?;
/// let globex = tenants.create(&admin, "Globex", "globex").await?;
/// let scope = tenants.scope(globex.id).await?;
/// let enqueue = async |scope: &TenantScope, kind: &str| -> taskflow_tenancy::Result<uuid::Uuid> {
///     let mut tx = tenants.begin(scope).await?;
///     let id = jobs::enqueue(&mut tx, kind, serde_json::Value::Null).await?;
///     tx.commit().await?;
///     Ok(id)
/// };
///
/// let runner = JobRunner::new(tenants.clone())
///     .register("fail", handler_fn(|_ctx: JobContext<sqlx::Sqlite>| async { Err("no data".into()) }))
///     .register("ok", handler_fn(|_ctx: JobContext<sqlx::Sqlite>| async { Ok(None) }));
///
/// enqueue(&scope, "fail").await?;
/// let outcome = runner.run_once().await?.unwrap();
/// assert_eq!((outcome.status, outcome.error.as_deref()), (JobStatus::Failed, Some("no data")));
///
/// // A suspended tenant's job does not run.
/// enqueue(&scope, "ok").await?;
/// tenants.suspend(&admin, globex.id).await?;
/// let outcome = runner.run_once().await?.unwrap();
/// assert_eq!(outcome.status, JobStatus::Failed);
/// assert_eq!(outcome.error, Some(format!("tenant {} is suspended", globex.id)));
/// assert!(runner.run_once().await?.is_none());
///
/// // In the background, with two workers, until shutdown.
/// tenants.resume(&admin, globex.id).await?;
/// let scope = tenants.scope(globex.id).await?;
/// let id = enqueue(&scope, "ok").await?;
/// let workers = runner.poll_interval(std::time::Duration::from_millis(10)).start(2);
/// let finished = async || -> taskflow_tenancy::Result<bool> {
///     let mut tx = tenants.begin_read(&scope).await?;
///     Ok(jobs::get(&mut tx, id).await?.unwrap().status.is_finished())
/// };
/// while !finished().await? {
///     tokio::time::sleep(std::time::Duration::from_millis(10)).await;
/// }
/// workers.shutdown().await;
/// # Ok(())
/// # }
/// ```
pub struct JobRunner<DB: Database> {
    jobs: JobStore<DB>,
    tenants: TenantDb<DB>,
    handlers: HashMap<String, Arc<dyn ErasedHandler<DB>>>,
    kinds: Vec<String>,
    lease: Duration,
    poll_interval: Duration,
    max_attempts: i32,
    wakeup: Option<Arc<dyn Wakeup>>,
}

impl<DB: Database> Clone for JobRunner<DB> {
    fn clone(&self) -> Self {
        JobRunner {
            jobs: self.jobs.clone(),
            tenants: self.tenants.clone(),
            handlers: self.handlers.clone(),
            kinds: self.kinds.clone(),
            lease: self.lease,
            poll_interval: self.poll_interval,
            max_attempts: self.max_attempts,
            wakeup: self.wakeup.clone(),
        }
    }
}

impl<DB: Database> fmt::Debug for JobRunner<DB> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobRunner")
            .field("kinds", &self.kinds)
            .field("lease", &self.lease)
            .field("poll_interval", &self.poll_interval)
            .field("max_attempts", &self.max_attempts)
            .field("wakeup", &self.wakeup.is_some())
            .finish()
    }
}

impl<DB> JobRunner<DB>
where
    DB: Backend,
    Job: for<'r> FromRow<'r, DB::Row>,
    Tenant: for<'r> FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    /// A runner on the database of `db` with no handlers, a 60 s lease, a 1 s poll interval
    /// and 3 attempts. The scopes it gives handlers are `db`'s.
    ///
    /// See [`JobRunner`] for an example.
    pub fn new(db: TenantDb<DB>) -> Self {
        JobRunner {
            jobs: JobStore::new(db.pool().clone()),
            tenants: db,
            handlers: HashMap::new(),
            kinds: Vec::new(),
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_secs(1),
            max_attempts: 3,
            wakeup: None,
        }
    }

    /// Runs jobs of `kind` with `handler` (replacing an earlier handler of that kind).
    ///
    /// See [`JobRunner`] for an example.
    #[must_use]
    pub fn register(mut self, kind: &str, handler: impl JobHandler<DB>) -> Self {
        if self
            .handlers
            .insert(kind.to_owned(), Arc::new(handler))
            .is_none()
        {
            self.kinds.push(kind.to_owned());
        }
        self
    }

    /// How long a claim holds a job without news from its worker (30 ms to 7 days). The
    /// runner renews it every third of that while the handler runs; after a crash, the job
    /// waits this long at most before another worker takes it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let pool = taskflow_tenancy::TenantDb::new(sqlx::SqlitePool::connect_lazy("sqlite::memory:").unwrap());
    /// use std::time::Duration;
    /// let runner = taskflow_tenancy::jobs::JobRunner::new(pool).lease(Duration::from_secs(30));
    /// assert!(format!("{runner:?}").contains("30s"));
    /// # }
    /// ```
    #[must_use]
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease.clamp(Duration::from_millis(30), MAX_LEASE);
        self
    }

    /// How long an idle background worker waits before looking for jobs again.
    ///
    /// See [`JobRunner`] for an example.
    #[must_use]
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Idle background workers wait on `wakeup` (at most the poll interval) instead of
    /// sleeping, so a job enqueued elsewhere starts as soon as its wake-up arrives. The
    /// database stays the source of truth: a wake-up only makes a worker look for jobs, and a
    /// lost one delays a job by one poll interval at most.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let pool = taskflow_tenancy::TenantDb::new(sqlx::SqlitePool::connect_lazy("sqlite::memory:").unwrap());
    /// use std::time::Duration;
    /// use taskflow_tenancy::jobs::{JobRunner, Wakeup};
    ///
    /// /// Wakes workers from within the process.
    /// struct Local(tokio::sync::Notify);
    ///
    /// impl Wakeup for Local {
    ///     fn wait(&self, timeout: Duration) -> taskflow_tenancy::jobs::WakeupFuture<'_> {
    ///         Box::pin(async move {
    ///             let _ = tokio::time::timeout(timeout, self.0.notified()).await;
    ///         })
    ///     }
    /// }
    ///
    /// let runner = JobRunner::new(pool).wake_on(Local(tokio::sync::Notify::new()));
    /// assert!(format!("{runner:?}").contains("wakeup: true"));
    /// # }
    /// ```
    #[must_use]
    pub fn wake_on(mut self, wakeup: impl Wakeup) -> Self {
        self.wakeup = Some(Arc::new(wakeup));
        self
    }

    /// How many claims a job gets before a job whose lease keeps expiring (its worker keeps
    /// dying on it) is marked failed. At least 1.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let pool = taskflow_tenancy::TenantDb::new(sqlx::SqlitePool::connect_lazy("sqlite::memory:").unwrap());
    /// let runner = taskflow_tenancy::jobs::JobRunner::new(pool).max_attempts(5);
    /// assert!(format!("{runner:?}").contains("max_attempts: 5"));
    /// # }
    /// ```
    #[must_use]
    pub fn max_attempts(mut self, attempts: u16) -> Self {
        self.max_attempts = i32::from(attempts.max(1));
        self
    }

    /// The job store the runner claims from.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let pool = taskflow_tenancy::TenantDb::new(sqlx::SqlitePool::connect_lazy("sqlite::memory:").unwrap());
    /// let runner = taskflow_tenancy::jobs::JobRunner::new(pool);
    /// assert!(!runner.store().pool().is_closed());
    /// # }
    /// ```
    pub fn store(&self) -> &JobStore<DB> {
        &self.jobs
    }

    /// Claims one job of a registered kind and runs it to the end on this task; `None` when
    /// no job is waiting.
    ///
    /// See [`JobRunner`] for an example.
    pub fn run_once(&self) -> impl Future<Output = Result<Option<JobOutcome>>> + Send + '_ {
        self.claim_and_run()
    }

    async fn claim_and_run(&self) -> Result<Option<JobOutcome>> {
        if self.kinds.is_empty() {
            return Ok(None);
        }
        let at = now();
        for job in self.jobs.candidates(&self.kinds, at).await? {
            if job.status == JobStatus::Running && job.attempts >= self.max_attempts {
                let error = format!(
                    "gave up after {} attempts: the worker's lease expired each time",
                    job.attempts
                );
                if self.jobs.give_up(&job, at, &error).await? {
                    tracing::warn!(tenant = %job.tenant_id, job = %job.id, kind = %job.kind, "{error}");
                    return Ok(Some(JobOutcome {
                        tenant_id: job.tenant_id,
                        id: job.id,
                        kind: job.kind,
                        status: JobStatus::Failed,
                        error: Some(error),
                    }));
                }
                continue;
            }
            let token = Uuid::new_v4();
            if !self.jobs.claim(&job, token, at, self.lease).await? {
                continue;
            }
            let lease = Lease {
                tenant_id: job.tenant_id,
                job_id: job.id,
                token,
            };
            let span = tracing::info_span!("job", tenant = %job.tenant_id, job = %job.id, kind = %job.kind);
            return self
                .run_claimed(job, lease)
                .instrument(span)
                .await
                .map(Some);
        }
        Ok(None)
    }

    /// Runs jobs with [`JobRunner::run_once`] until none is waiting; returns how many ran.
    ///
    /// See the [module docs](crate::jobs) for an example.
    #[allow(clippy::manual_async_fn)]
    pub fn run_until_idle(&self) -> impl Future<Output = Result<usize>> + Send + '_ {
        async move {
            let mut ran = 0;
            while self.run_once().await?.is_some() {
                ran += 1;
            }
            Ok(ran)
        }
    }

    async fn run_claimed(&self, job: Job, lease: Lease) -> Result<JobOutcome> {
        let mut outcome = JobOutcome {
            tenant_id: job.tenant_id,
            id: job.id,
            kind: job.kind.clone(),
            status: JobStatus::Failed,
            error: None,
        };
        // The tenant may have been suspended or deleted since the job was enqueued: the check
        // every scope goes through is made again now, not trusted from enqueue time.
        let scope = match self.tenants.verify(self.tenants.get(job.tenant_id).await?) {
            Ok(scope) => scope,
            Err(e) => {
                let error = e.to_string();
                tracing::warn!(error = %error, "job not run");
                self.jobs
                    .finish(&lease, JobStatus::Failed, None, Some(error.clone()))
                    .await?;
                outcome.error = Some(error);
                return Ok(outcome);
            }
        };
        let handler = Arc::clone(&self.handlers[&job.kind]);
        let ctx = JobContext {
            scope: scope.clone(),
            db: self.tenants.clone(),
            job,
            store: self.jobs.clone(),
            lease: lease.clone(),
            lease_length: self.lease,
        };
        tracing::info!("job started");
        // A task of its own, so that a panicking handler fails its job instead of the worker.
        #[cfg(feature = "tower")]
        let task = crate::web::layer::spawn_scoped(scope, move |_| handler.run_boxed(ctx));
        #[cfg(not(feature = "tower"))]
        let task = {
            drop(scope);
            tokio::spawn(handler.run_boxed(ctx).in_current_span())
        };
        let mut task = AbortOnDrop(task);
        let renew_every = self.lease / 3;
        let joined = loop {
            tokio::select! {
                joined = &mut task.0 => break joined,
                () = tokio::time::sleep(renew_every) => {
                    if !self.jobs.renew(&lease, self.lease, None).await? {
                        tracing::warn!("job lease lost to another worker: stopping this run");
                        outcome.status = JobStatus::Running;
                        return Ok(outcome);
                    }
                }
            }
        };
        let (status, result, error) = match joined {
            Ok(Ok(result)) => (JobStatus::Done, result, None),
            Ok(Err(e)) => (JobStatus::Failed, None, Some(e.to_string())),
            Err(e) if e.is_panic() => (
                JobStatus::Failed,
                None,
                Some("the handler panicked".to_owned()),
            ),
            Err(_) => (
                JobStatus::Failed,
                None,
                Some("the handler was cancelled".to_owned()),
            ),
        };
        if self
            .jobs
            .finish(&lease, status, result, error.clone())
            .await?
        {
            match &error {
                None => tracing::info!("job done"),
                Some(error) => tracing::warn!(error = %error, "job failed"),
            }
            outcome.status = status;
            outcome.error = error;
        } else {
            tracing::warn!("job lease lost to another worker: its outcome is not recorded");
            outcome.status = JobStatus::Running;
        }
        Ok(outcome)
    }

    /// Starts `workers` background tasks (at least one) that run jobs until
    /// [`JobWorkers::shutdown`].
    ///
    /// See [`JobRunner`] for an example.
    pub fn start(&self, workers: usize) -> JobWorkers
    where
        DB: 'static,
        Self: Send + Sync + 'static,
    {
        let (stop, stopped) = watch::channel(false);
        let tasks = (0..workers.max(1))
            .map(|n| {
                let runner = self.clone();
                let mut stopped = stopped.clone();
                tokio::spawn(
                    async move {
                        while !*stopped.borrow() {
                            let idle = match runner.run_once().await {
                                Ok(Some(_)) => false,
                                Ok(None) => true,
                                Err(e) => {
                                    tracing::error!(error = %e, "job worker could not claim or record a job");
                                    true
                                }
                            };
                            if idle {
                                let wait = async {
                                    match &runner.wakeup {
                                        Some(wakeup) => wakeup.wait(runner.poll_interval).await,
                                        None => tokio::time::sleep(runner.poll_interval).await,
                                    }
                                };
                                tokio::select! {
                                    () = wait => {}
                                    // Once `JobWorkers` is dropped there is no one left
                                    // to signal: keep polling rather than spin.
                                    Ok(()) = stopped.changed() => {}
                                }
                            }
                        }
                    }
                    .instrument(tracing::info_span!("job_worker", worker = n)),
                )
            })
            .collect();
        JobWorkers { stop, tasks }
    }
}

/// The future [`Wakeup::wait`] returns.
pub type WakeupFuture<'a> = std::pin::Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// A signal that wakes idle workers early: see [`JobRunner::wake_on`]. The `redis` feature
/// has one on a Redis list, [`crate::redis::RedisWakeups`].
///
/// See [`JobRunner::wake_on`] for an example.
pub trait Wakeup: Send + Sync + 'static {
    /// Returns when a wake-up arrives or `timeout` has passed, whichever is first. An error
    /// of the signal's transport should be logged and waited out (up to `timeout`), not
    /// returned: the workers then fall back to polling.
    fn wait(&self, timeout: Duration) -> WakeupFuture<'_>;
}

/// Background workers started by [`JobRunner::start`].
///
/// Dropping this value leaves the workers running; call [`JobWorkers::shutdown`] to stop them.
///
/// See [`JobRunner`] for an example.
#[derive(Debug)]
pub struct JobWorkers {
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl JobWorkers {
    /// A handle that asks the workers to stop, for a signal handler, say.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let pool = taskflow_tenancy::TenantDb::new(sqlx::SqlitePool::connect_lazy("sqlite::memory:").unwrap());
    /// let workers = taskflow_tenancy::jobs::JobRunner::new(pool).start(1);
    /// let stop = workers.shutdown_handle();
    /// stop.shutdown();
    /// workers.shutdown().await;
    /// # }
    /// ```
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle(self.stop.clone())
    }

    /// Stops the workers: they claim nothing more, finish the job they are running, and end.
    /// Returns once they have.
    ///
    /// See [`JobRunner`] for an example.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "job worker ended abnormally");
            }
        }
    }
}

/// Asks [`JobWorkers`] to stop; see [`JobWorkers::shutdown_handle`].
#[derive(Debug, Clone)]
pub struct ShutdownHandle(watch::Sender<bool>);

impl ShutdownHandle {
    /// Asks the workers to stop after their current job.
    ///
    /// See [`JobWorkers::shutdown_handle`] for an example.
    pub fn shutdown(&self) {
        let _ = self.0.send(true);
    }
}
