//! Background jobs that carry their tenant (feature `jobs`).
//!
//! A request handler enqueues a job in its tenant transaction ([`enqueue`]): the job row
//! records the tenant.
//! A [`JobRunner`] claims the job, looks the tenant up again (it may have been suspended or
//! deleted since), and only then gives the [`JobHandler`] a fresh scope for that tenant, so the
//! handler runs the same scoped query builders a request handler does.
//!
//! The SQL database holds every job's state (the `jobs` table, made by [`JobStore::migrate`]):
//! a queue in front of it can come and go without losing acknowledged work, and the status,
//! progress and result of a job are read from the database with the tenant's scope.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! use taskflow_tenancy::jobs::{self, JobContext, JobRunner, JobStatus, JobStore, handler_fn};
//! use taskflow_tenancy::{AdminCapability, TenantDb};
//!
//! let db = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
//! db.migrate().await?;
//! JobStore::new(db.pool().clone()).migrate().await?;
//! let admin = AdminCapability::grant("docs", "example tenants")?;
//! db.create(&admin, "Acme", "acme").await?;
//! db.create(&admin, "Globex", "globex").await?;
//! let acme = db.scope_by_subdomain("acme").await?;
//! let globex = db.scope_by_subdomain("globex").await?;
//!
//! // In a request handler, in the request's tenant transaction:
//! let mut tx = db.begin(&acme).await?;
//! let id = jobs::enqueue(&mut tx, "greet", serde_json::json!({"name": "Ada"})).await?;
//! tx.commit().await?;
//!
//! // In the worker, on the same handle:
//! let runner = JobRunner::new(db.clone()).register(
//!     "greet",
//!     handler_fn(|ctx: JobContext<sqlx::Sqlite>| async move {
//!         ctx.progress(50).await?;
//!         let name = ctx.payload()["name"].as_str().unwrap_or("nobody").to_owned();
//!         Ok(Some(format!("hello {name} from {}", ctx.scope().tenant().name)))
//!     }),
//! );
//! assert_eq!(runner.run_until_idle().await?, 1);
//!
//! let mut tx = db.begin_read(&acme).await?;
//! let job = jobs::get(&mut tx, id).await?.expect("the job of this tenant");
//! assert_eq!(job.status, JobStatus::Done);
//! assert_eq!(job.result.as_deref(), Some("hello Ada from Acme"));
//! drop(tx);
//! // Another tenant's transaction does not find it.
//! let mut tx = db.begin_read(&globex).await?;
//! assert!(jobs::get(&mut tx, id).await?.is_none());
//! # Ok(())
//! # }
//! ```
//!
//! # Semantics
//!
//! - **At least once, never twice at a time.** A job is claimed by one conditional `UPDATE`
//!   whose row count says who won, on SQLite, MariaDB/MySQL and PostgreSQL alike. A claim is a
//!   lease ([`JobRunner::lease`]) that the runner renews while the handler runs; a job whose
//!   worker died is claimable again once its lease has expired, up to
//!   [`JobRunner::max_attempts`] claims, after which it is marked failed. Handlers should
//!   therefore be safe to run again from the start.
//! - **A handler error is final.** The job is marked `failed` with the error's text; it is not
//!   retried (enqueue a new job to try again).
//! - **Suspended and deleted tenants.** A job whose tenant is suspended when it is claimed is
//!   marked `failed` with the error `tenant <id> is suspended` and its handler does not run: a
//!   report asked for before a suspension is not produced after it. Deleting a tenant deletes
//!   its jobs (`ON DELETE CASCADE`).
//! - **Logs.** Each run is inside a `job` span with `tenant`, `job` and `kind` fields; with
//!   feature `tower`, the handler also runs with its tenant set for
//!   `layer::current_tenant_for_logs`, as a request handler does.
//! - **Shutdown.** [`JobWorkers::shutdown`] lets each worker finish the job it is running and
//!   claim no more.
//! - **Clocks.** Leases are timestamps written by the workers: keep worker clocks in sync (NTP)
//!   to well under the lease.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::{ColumnIndex, Database, Decode, Executor, FromRow, Pool, Row, Type};
use tokio::sync::watch;
use tracing::Instrument;
use uuid::Uuid;

use crate::tx::{FetchRows, TenantConn};
use crate::{
    Backend, Dialect, Result, SqlValue, Tenant, TenantDb, TenantId, TenantScope, TenantTx, Value,
};

/// Where a job is in its life.
///
/// ```
/// use taskflow_tenancy::jobs::JobStatus;
///
/// assert_eq!(JobStatus::Queued.as_str(), "queued");
/// assert_eq!("failed".parse::<JobStatus>(), Ok(JobStatus::Failed));
/// assert!(JobStatus::Done.is_finished());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    /// Waiting for a worker.
    Queued,
    /// Claimed by a worker, whose lease is in `locked_until`.
    Running,
    /// The handler returned `Ok`.
    Done,
    /// The handler returned an error, or the job could not run (see `error`).
    Failed,
}

impl JobStatus {
    /// The text stored in the `status` column.
    ///
    /// See [`JobStatus`] for an example.
    pub const fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }

    /// Whether the job is over, one way or the other.
    ///
    /// See [`JobStatus`] for an example.
    pub const fn is_finished(self) -> bool {
        matches!(self, JobStatus::Done | JobStatus::Failed)
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for JobStatus {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "queued" => Ok(JobStatus::Queued),
            "running" => Ok(JobStatus::Running),
            "done" => Ok(JobStatus::Done),
            "failed" => Ok(JobStatus::Failed),
            other => Err(format!("unknown job status `{other}`")),
        }
    }
}

/// A job as stored in the `jobs` table, read with [`get`] or [`list`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// # use taskflow_tenancy::{AdminCapability, TenantDb};
/// use taskflow_tenancy::jobs::{self, JobStatus, JobStore};
///
/// # let db = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
/// # db.migrate().await?;
/// # db.create(&AdminCapability::grant("docs", "example")?, "Acme", "acme").await?;
/// # let scope = db.scope_by_subdomain("acme").await?;
/// JobStore::new(db.pool().clone()).migrate().await?;
/// let mut tx = db.begin(&scope).await?;
/// let id = jobs::enqueue(&mut tx, "report", serde_json::json!({"project": 7})).await?;
///
/// let job = jobs::get(&mut tx, id).await?.unwrap();
/// assert_eq!((job.status, job.progress, job.attempts), (JobStatus::Queued, 0, 0));
/// assert_eq!(job.kind, "report");
/// assert_eq!(job.payload["project"], 7);
/// assert_eq!(job.tenant_id, scope.tenant_id());
/// assert!(job.result.is_none() && job.error.is_none() && job.started_at.is_none());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Job {
    /// The tenant the job works for.
    pub tenant_id: TenantId,
    /// The job's id (a v7 UUID: ids sort by creation time).
    pub id: Uuid,
    /// Which [`JobHandler`] runs it.
    pub kind: String,
    /// The handler's input.
    pub payload: serde_json::Value,
    /// Where the job is.
    pub status: JobStatus,
    /// 0 to 100, as last reported by [`JobContext::progress`]; 100 once done.
    pub progress: i32,
    /// How many times a worker has claimed the job.
    pub attempts: i32,
    /// Why the job failed.
    pub error: Option<String>,
    /// What the handler returned (a CSV report, say).
    pub result: Option<String>,
    /// When it was enqueued.
    pub created_at: DateTime<Utc>,
    /// When a worker last claimed it.
    pub started_at: Option<DateTime<Utc>>,
    /// When it was done or failed.
    pub finished_at: Option<DateTime<Utc>>,
    /// Until when the worker running it holds it; past that, another worker may claim it.
    pub locked_until: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "tenant_id, id, kind, payload, status, progress, attempts, error, result, \
                       created_at, started_at, finished_at, locked_until";

impl<'r, R: Row> FromRow<'r, R> for Job
where
    &'r str: ColumnIndex<R>,
    Uuid: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    i32: Decode<'r, R::Database> + Type<R::Database>,
    DateTime<Utc>: Decode<'r, R::Database> + Type<R::Database>,
{
    fn from_row(row: &'r R) -> sqlx::Result<Self> {
        let decode =
            |column: &str, e: Box<dyn std::error::Error + Send + Sync>| sqlx::Error::ColumnDecode {
                index: column.to_owned(),
                source: e,
            };
        let payload: String = row.try_get("payload")?;
        let status: String = row.try_get("status")?;
        Ok(Job {
            tenant_id: TenantId::from_uuid(row.try_get("tenant_id")?),
            id: row.try_get("id")?,
            kind: row.try_get("kind")?,
            payload: serde_json::from_str(&payload).map_err(|e| decode("payload", e.into()))?,
            status: status
                .parse()
                .map_err(|e: String| decode("status", e.into()))?,
            progress: row.try_get("progress")?,
            attempts: row.try_get("attempts")?,
            error: row.try_get("error")?,
            result: row.try_get("result")?,
            created_at: row.try_get("created_at")?,
            started_at: row.try_get("started_at")?,
            finished_at: row.try_get("finished_at")?,
            locked_until: row.try_get("locked_until")?,
        })
    }
}

/// SQL text and its bound values, numbered for the dialect as they are pushed.
struct Statement {
    dialect: Dialect,
    text: String,
    values: Vec<Value>,
}

impl Statement {
    fn new(dialect: Dialect) -> Self {
        Statement {
            dialect,
            text: String::new(),
            values: Vec::new(),
        }
    }

    fn sql(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    fn bind(&mut self, value: Value) -> &mut Self {
        self.values.push(value);
        self.dialect
            .push_placeholder(&mut self.text, self.values.len());
        self
    }

    fn take(&mut self) -> (String, Vec<Value>) {
        (
            std::mem::take(&mut self.text),
            std::mem::take(&mut self.values),
        )
    }
}

/// `{head} WHERE tenant_id = <scope's tenant> AND id IN (<ids>)`, or `None` for no ids (an
/// empty `IN ()` is not SQL).
fn of_tenant_among(
    dialect: Dialect,
    head: &str,
    tenant: TenantId,
    ids: &[Uuid],
) -> Option<(String, Vec<Value>)> {
    let (first, rest) = ids.split_first()?;
    let mut st = Statement::new(dialect);
    st.sql(head)
        .sql(" WHERE tenant_id = ")
        .bind(tenant.to_value())
        .sql(" AND id IN (")
        .bind(Value::Uuid(*first));
    for id in rest {
        st.sql(", ").bind(Value::Uuid(*id));
    }
    st.sql(")");
    Some(st.take())
}

/// Longer leases would only delay the recovery of a dead worker's jobs.
const MAX_LEASE: Duration = Duration::from_secs(7 * 24 * 3600);

/// Timestamps are kept to microseconds, which every backend stores exactly, so that a value
/// written and read back compares equal (and SQLite's text timestamps sort correctly).
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn after(lease: Duration) -> DateTime<Utc> {
    now() + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::days(7))
}

/// The `jobs` table itself: its schema, and the claims and leases of the runner. A tenant's
/// jobs are enqueued and read with the functions of this module on its tenant transaction
/// ([`enqueue`], [`get`], [`get_many`], [`list`], [`delete`]).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// # use taskflow_tenancy::{AdminCapability, TenantDb};
/// use taskflow_tenancy::jobs::{self, JobStore};
///
/// # let db = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
/// # db.migrate().await?;
/// # db.create(&AdminCapability::grant("docs", "example")?, "Acme", "acme").await?;
/// # let scope = db.scope_by_subdomain("acme").await?;
/// JobStore::new(db.pool().clone()).migrate().await?;
///
/// // Enqueued in the handler's transaction: the job exists only if the transaction commits.
/// let mut tx = db.begin(&scope).await?;
/// let id = jobs::enqueue(&mut tx, "report", serde_json::json!({})).await?;
/// tx.rollback().await?;
/// let mut tx = db.begin_read(&scope).await?;
/// assert!(jobs::get(&mut tx, id).await?.is_none());
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct JobStore<DB: Database> {
    pool: Pool<DB>,
}

// By hand: a derive would ask for `DB: Clone`, which the sqlx database types are not.
impl<DB: Database> Clone for JobStore<DB> {
    fn clone(&self) -> Self {
        JobStore {
            pool: self.pool.clone(),
        }
    }
}

// The public futures here are declared `Send` rather than written as `async fn`: that spares
// callers that name a concrete backend (an axum handler, a spawned task) from proving `Send`
// through sqlx's higher-ranked executor bounds, which rustc cannot yet do
// (rust-lang/rust#100013).
impl<DB> JobStore<DB>
where
    DB: Backend,
    Job: for<'r> FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    /// A store over `pool`, using the table `jobs`.
    ///
    /// See [`JobStore`] for an example.
    pub fn new(pool: Pool<DB>) -> Self {
        JobStore { pool }
    }

    /// The pool the store works on.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> taskflow_tenancy::Result<()> {
    /// let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
    /// let jobs = taskflow_tenancy::jobs::JobStore::new(pool);
    /// assert!(!jobs.pool().is_closed());
    /// # Ok(())
    /// # }
    /// ```
    pub fn pool(&self) -> &Pool<DB> {
        &self.pool
    }

    /// The statements that create the `jobs` table and its indexes on this backend, in order.
    ///
    /// The table follows the tenant conventions (`PRIMARY KEY (tenant_id, id)`, a foreign key
    /// to `tenants` that deletes a tenant's jobs with it, an index leading with `tenant_id` for
    /// a tenant's job list) and has one more index, on `(status, created_at)`, for claiming.
    /// It needs the `tenants` table ([`TenantDb::migrate`]) first.
    ///
    /// ```
    /// use taskflow_tenancy::jobs::JobStore;
    ///
    /// let ddl = JobStore::<sqlx::Sqlite>::schema();
    /// assert!(ddl[0].contains("PRIMARY KEY (tenant_id, id)"));
    /// ```
    pub fn schema() -> &'static [&'static str] {
        match DB::DIALECT {
            Dialect::Sqlite => &[
                "CREATE TABLE IF NOT EXISTS jobs (\n\
                 tenant_id BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,\n\
                 id BLOB NOT NULL,\n\
                 kind TEXT NOT NULL,\n\
                 payload TEXT NOT NULL,\n\
                 status TEXT NOT NULL DEFAULT 'queued',\n\
                 progress INTEGER NOT NULL DEFAULT 0,\n\
                 attempts INTEGER NOT NULL DEFAULT 0,\n\
                 error TEXT,\n\
                 result TEXT,\n\
                 created_at TEXT NOT NULL,\n\
                 started_at TEXT,\n\
                 finished_at TEXT,\n\
                 locked_until TEXT,\n\
                 lease_token BLOB,\n\
                 PRIMARY KEY (tenant_id, id))",
                "CREATE INDEX IF NOT EXISTS jobs_tenant_created_idx ON jobs (tenant_id, created_at)",
                "CREATE INDEX IF NOT EXISTS jobs_claim_idx ON jobs (status, created_at)",
            ],
            Dialect::MySql => &["CREATE TABLE IF NOT EXISTS jobs (\n\
                 tenant_id BINARY(16) NOT NULL,\n\
                 id BINARY(16) NOT NULL,\n\
                 kind VARCHAR(100) NOT NULL,\n\
                 payload LONGTEXT NOT NULL,\n\
                 status VARCHAR(16) NOT NULL DEFAULT 'queued',\n\
                 progress INT NOT NULL DEFAULT 0,\n\
                 attempts INT NOT NULL DEFAULT 0,\n\
                 error TEXT,\n\
                 result LONGTEXT,\n\
                 created_at DATETIME(6) NOT NULL,\n\
                 started_at DATETIME(6),\n\
                 finished_at DATETIME(6),\n\
                 locked_until DATETIME(6),\n\
                 lease_token BINARY(16),\n\
                 PRIMARY KEY (tenant_id, id),\n\
                 INDEX jobs_tenant_created_idx (tenant_id, created_at),\n\
                 INDEX jobs_claim_idx (status, created_at),\n\
                 CONSTRAINT jobs_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) \
                 ON DELETE CASCADE)"],
            Dialect::Postgres => &[
                "CREATE TABLE IF NOT EXISTS jobs (\n\
                 tenant_id UUID NOT NULL,\n\
                 id UUID NOT NULL,\n\
                 kind TEXT NOT NULL,\n\
                 payload TEXT NOT NULL,\n\
                 status TEXT NOT NULL DEFAULT 'queued',\n\
                 progress INTEGER NOT NULL DEFAULT 0,\n\
                 attempts INTEGER NOT NULL DEFAULT 0,\n\
                 error TEXT,\n\
                 result TEXT,\n\
                 created_at TIMESTAMPTZ NOT NULL,\n\
                 started_at TIMESTAMPTZ,\n\
                 finished_at TIMESTAMPTZ,\n\
                 locked_until TIMESTAMPTZ,\n\
                 lease_token UUID,\n\
                 PRIMARY KEY (tenant_id, id),\n\
                 CONSTRAINT jobs_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) \
                 ON DELETE CASCADE)",
                "CREATE INDEX IF NOT EXISTS jobs_tenant_created_idx ON jobs (tenant_id, created_at)",
                "CREATE INDEX IF NOT EXISTS jobs_claim_idx ON jobs (status, created_at)",
            ],
        }
    }

    /// Creates the `jobs` table and its indexes if they do not exist; on PostgreSQL also puts
    /// it under row-level security ([`postgres::jobs_policy_ddl`](crate::postgres::jobs_policy_ddl)):
    /// a tenant transaction sees its tenant's jobs only. It needs the tenants table and, on
    /// PostgreSQL, the tenant entries ([`TenantDb::migrate`]) first; run it as the tables' owner.
    ///
    /// See [`JobStore`] for an example.
    #[allow(clippy::manual_async_fn)]
    pub fn migrate(&self) -> impl Future<Output = Result<()>> + Send + '_ {
        async move {
            for ddl in Self::schema() {
                DB::execute(&self.pool, (*ddl).to_owned(), Vec::new()).await?;
            }
            #[cfg(feature = "postgres")]
            if let Some(pool) =
                (&self.pool as &(dyn std::any::Any + Send + Sync)).downcast_ref::<sqlx::PgPool>()
            {
                crate::postgres::migrate_jobs_policy(pool).await?;
            }
            Ok(())
        }
    }

    /// Jobs of the given kinds that a worker may claim now: queued, or running on an
    /// expired lease. A plain read: claiming is the conditional update in [`Self::claim`].
    async fn candidates(&self, kinds: &[String], at: DateTime<Utc>) -> Result<Vec<Job>> {
        let mut st = Statement::new(DB::DIALECT);
        st.sql(&format!("SELECT {COLUMNS} FROM jobs WHERE kind IN ("));
        for (i, kind) in kinds.iter().enumerate() {
            if i > 0 {
                st.sql(", ");
            }
            st.bind(Value::Text(kind.clone()));
        }
        st.sql(") AND (status = 'queued' OR (status = 'running' AND locked_until < ")
            .bind(Value::DateTime(at))
            .sql(")) ORDER BY created_at, id LIMIT 8");
        let (sql, values) = st.take();
        DB::fetch_all(&self.pool, sql, values).await
    }

    /// Takes the job if it is still claimable: the row count of this one statement says whether
    /// this worker won, whatever the backend and however many workers race for it.
    async fn claim(
        &self,
        job: &Job,
        token: Uuid,
        at: DateTime<Utc>,
        lease: Duration,
    ) -> Result<bool> {
        let mut st = Statement::new(DB::DIALECT);
        st.sql("UPDATE jobs SET status = 'running', progress = 0, attempts = attempts + 1, error = NULL, started_at = ")
            .bind(Value::DateTime(at))
            .sql(", locked_until = ")
            .bind(Value::DateTime(after(lease)))
            .sql(", lease_token = ")
            .bind(Value::Uuid(token))
            .sql(" WHERE tenant_id = ")
            .bind(job.tenant_id.to_value())
            .sql(" AND id = ")
            .bind(Value::Uuid(job.id))
            .sql(" AND (status = 'queued' OR (status = 'running' AND locked_until < ")
            .bind(Value::DateTime(at))
            .sql("))");
        let (sql, values) = st.take();
        Ok(DB::execute(&self.pool, sql, values).await? == 1)
    }

    /// Marks failed a job whose lease expired once too often, if no other worker got to it.
    async fn give_up(&self, job: &Job, at: DateTime<Utc>, error: &str) -> Result<bool> {
        let mut st = Statement::new(DB::DIALECT);
        st.sql("UPDATE jobs SET status = 'failed', error = ")
            .bind(Value::Text(error.to_owned()))
            .sql(", finished_at = ")
            .bind(Value::DateTime(at))
            .sql(", locked_until = NULL, lease_token = NULL WHERE tenant_id = ")
            .bind(job.tenant_id.to_value())
            .sql(" AND id = ")
            .bind(Value::Uuid(job.id))
            .sql(" AND status = 'running' AND locked_until < ")
            .bind(Value::DateTime(at));
        let (sql, values) = st.take();
        Ok(DB::execute(&self.pool, sql, values).await? == 1)
    }

    /// Writes what the claimed job came to, if this worker still holds its lease.
    async fn finish(
        &self,
        lease: &Lease,
        status: JobStatus,
        result: Option<String>,
        error: Option<String>,
    ) -> Result<bool> {
        let mut st = Statement::new(DB::DIALECT);
        st.sql("UPDATE jobs SET status = ")
            .bind(Value::Text(status.as_str().to_owned()));
        if status == JobStatus::Done {
            st.sql(", progress = 100");
        }
        st.sql(", result = ")
            .bind(result.to_value())
            .sql(", error = ")
            .bind(error.to_value())
            .sql(", finished_at = ")
            .bind(Value::DateTime(now()))
            .sql(", locked_until = NULL, lease_token = NULL");
        lease.where_held(&mut st);
        let (sql, values) = st.take();
        Ok(DB::execute(&self.pool, sql, values).await? == 1)
    }

    /// Extends the lease, and stores the progress if given; `false` once the lease is lost.
    async fn renew(&self, lease: &Lease, length: Duration, progress: Option<i32>) -> Result<bool> {
        let mut st = Statement::new(DB::DIALECT);
        st.sql("UPDATE jobs SET locked_until = ")
            .bind(Value::DateTime(after(length)));
        if let Some(progress) = progress {
            st.sql(", progress = ").bind(Value::I32(progress));
        }
        lease.where_held(&mut st);
        let (sql, values) = st.take();
        Ok(DB::execute(&self.pool, sql, values).await? == 1)
    }
}

/// Enqueues a job of `kind` for the tenant of `tx` and returns its id.
///
/// It runs in the handler's tenant transaction, so the job exists exactly when what it will
/// read does: a rolled-back transaction enqueues nothing.
///
/// See the [module docs](self) and [`Job`] for examples.
pub fn enqueue<'t, C: TenantConn + ?Sized>(
    tx: &'t mut C,
    kind: &str,
    payload: serde_json::Value,
) -> impl Future<Output = Result<Uuid>> + Send + 't {
    let tenant_id = tx.__tenant();
    let kind = kind.to_owned();
    let id = Uuid::now_v7();
    let mut st = Statement::new(tx.__dialect());
    st.sql("INSERT INTO jobs (tenant_id, id, kind, payload, status, progress, attempts, created_at) VALUES (")
        .bind(tenant_id.to_value())
        .sql(", ")
        .bind(Value::Uuid(id))
        .sql(", ")
        .bind(Value::Text(kind.clone()))
        .sql(", ")
        .bind(Value::Text(payload.to_string()))
        .sql(", 'queued', 0, 0, ")
        .bind(Value::DateTime(now()))
        .sql(")");
    let (sql, values) = st.take();
    async move {
        tx.__execute(sql.into(), values).await?;
        tracing::debug!(tenant = %tenant_id, job = %id, kind, "job enqueued");
        Ok(id)
    }
}

/// Deletes the jobs among `ids` of the tenant of `tx` (in the transaction that deletes what
/// the jobs were for, say); another tenant's ids are left alone. Returns how many were
/// deleted. A job a worker is running finishes, but its outcome is not recorded (the worker
/// logs a lost lease).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// # use taskflow_tenancy::{AdminCapability, TenantDb};
/// use taskflow_tenancy::jobs::{self, JobStore};
///
/// # let db = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
/// # db.migrate().await?;
/// # let admin = AdminCapability::grant("docs", "example tenants")?;
/// # db.create(&admin, "Acme", "acme").await?;
/// # db.create(&admin, "Globex", "globex").await?;
/// # let acme = db.scope_by_subdomain("acme").await?;
/// # let globex = db.scope_by_subdomain("globex").await?;
/// JobStore::new(db.pool().clone()).migrate().await?;
/// let mut theirs_tx = db.begin(&globex).await?;
/// let theirs = jobs::enqueue(&mut theirs_tx, "report", serde_json::json!(2)).await?;
/// theirs_tx.commit().await?;
///
/// let mut tx = db.begin(&acme).await?;
/// let mine = jobs::enqueue(&mut tx, "report", serde_json::json!(1)).await?;
/// assert_eq!(jobs::delete(&mut tx, &[mine, theirs]).await?, 1);
/// assert!(jobs::get(&mut tx, mine).await?.is_none());
/// assert_eq!(jobs::delete(&mut tx, &[]).await?, 0);
/// tx.commit().await?;
/// let mut tx = db.begin(&globex).await?;
/// assert!(jobs::get(&mut tx, theirs).await?.is_some());
/// # Ok(())
/// # }
/// ```
pub fn delete<'t, C: TenantConn + ?Sized>(
    tx: &'t mut C,
    ids: &[Uuid],
) -> impl Future<Output = Result<u64>> + Send + 't {
    let statement = of_tenant_among(tx.__dialect(), "DELETE FROM jobs", tx.__tenant(), ids);
    async move {
        match statement {
            Some((sql, values)) => tx.__execute(sql.into(), values).await,
            None => Ok(0),
        }
    }
}

/// The job with this id of the tenant of `tx`; `None` if there is none, as for another
/// tenant's job.
///
/// See the [module docs](self) and [`Job`] for examples.
pub fn get<'t, C: FetchRows<Job> + ?Sized>(
    tx: &'t mut C,
    id: Uuid,
) -> impl Future<Output = Result<Option<Job>>> + Send + 't {
    let mut st = Statement::new(tx.__dialect());
    st.sql(&format!("SELECT {COLUMNS} FROM jobs WHERE tenant_id = "))
        .bind(tx.__tenant().to_value())
        .sql(" AND id = ")
        .bind(Value::Uuid(id));
    let (sql, values) = st.take();
    tx.__fetch_optional(sql.into(), values)
}

/// The jobs among `ids` of the tenant of `tx`, in no particular order: another tenant's ids
/// and unknown ones are left out. One query, for showing a page of things that have jobs.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// # use taskflow_tenancy::{AdminCapability, TenantDb};
/// use taskflow_tenancy::jobs::{self, JobStore};
///
/// # let db = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
/// # db.migrate().await?;
/// # let admin = AdminCapability::grant("docs", "example tenants")?;
/// # db.create(&admin, "Acme", "acme").await?;
/// # db.create(&admin, "Globex", "globex").await?;
/// # let acme = db.scope_by_subdomain("acme").await?;
/// # let globex = db.scope_by_subdomain("globex").await?;
/// JobStore::new(db.pool().clone()).migrate().await?;
/// let mut other = db.begin(&globex).await?;
/// let theirs = jobs::enqueue(&mut other, "report", serde_json::json!(2)).await?;
/// other.commit().await?;
///
/// let mut tx = db.begin(&acme).await?;
/// let mine = jobs::enqueue(&mut tx, "report", serde_json::json!(1)).await?;
/// let found = jobs::get_many(&mut tx, &[mine, theirs]).await?;
/// assert_eq!(found.iter().map(|j| j.id).collect::<Vec<_>>(), [mine]);
/// assert!(jobs::get_many(&mut tx, &[]).await?.is_empty());
/// # Ok(())
/// # }
/// ```
pub fn get_many<'t, C: FetchRows<Job> + ?Sized>(
    tx: &'t mut C,
    ids: &[Uuid],
) -> impl Future<Output = Result<Vec<Job>>> + Send + 't {
    let query = of_tenant_among(
        tx.__dialect(),
        &format!("SELECT {COLUMNS} FROM jobs"),
        tx.__tenant(),
        ids,
    );
    async move {
        match query {
            Some((sql, values)) => tx.__fetch_all(sql.into(), values).await,
            None => Ok(Vec::new()),
        }
    }
}

/// The `limit` most recent jobs of the tenant of `tx`, newest first.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// # use taskflow_tenancy::{AdminCapability, TenantDb};
/// use taskflow_tenancy::jobs::{self, JobStore};
///
/// # let db = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
/// # db.migrate().await?;
/// # db.create(&AdminCapability::grant("docs", "example")?, "Acme", "acme").await?;
/// # let scope = db.scope_by_subdomain("acme").await?;
/// JobStore::new(db.pool().clone()).migrate().await?;
/// let mut tx = db.begin(&scope).await?;
/// let first = jobs::enqueue(&mut tx, "report", serde_json::json!(1)).await?;
/// let second = jobs::enqueue(&mut tx, "report", serde_json::json!(2)).await?;
///
/// let ids: Vec<_> = jobs::list(&mut tx, 10).await?.into_iter().map(|j| j.id).collect();
/// assert_eq!(ids, [second, first]);
/// # Ok(())
/// # }
/// ```
pub fn list<C: FetchRows<Job> + ?Sized>(
    tx: &mut C,
    limit: u32,
) -> impl Future<Output = Result<Vec<Job>>> + Send + '_ {
    let mut st = Statement::new(tx.__dialect());
    st.sql(&format!("SELECT {COLUMNS} FROM jobs WHERE tenant_id = "))
        .bind(tx.__tenant().to_value())
        .sql(&format!(" ORDER BY created_at DESC, id DESC LIMIT {limit}"));
    let (sql, values) = st.take();
    tx.__fetch_all(sql.into(), values)
}

/// One claim of one job: writes made under it land only while no other worker has taken the
/// job over after the lease expired.
#[derive(Debug, Clone)]
struct Lease {
    tenant_id: TenantId,
    job_id: Uuid,
    token: Uuid,
}

impl Lease {
    fn where_held(&self, st: &mut Statement) {
        st.sql(" WHERE tenant_id = ")
            .bind(self.tenant_id.to_value())
            .sql(" AND id = ")
            .bind(Value::Uuid(self.job_id))
            .sql(" AND status = 'running' AND lease_token = ")
            .bind(Value::Uuid(self.token));
    }
}

/// What a [`JobHandler`] returns: the job's result text (a CSV, say) or `None`, or an error
/// whose text is stored in the job's `error`.
pub type JobResult = std::result::Result<Option<String>, Box<dyn std::error::Error + Send + Sync>>;

/// What a handler gets to run one job: a fresh [`TenantScope`] for the job's tenant, the
/// payload, the pool, and a way to report progress.
///
/// See the [module docs](self) for an example.
pub struct JobContext<DB: Database> {
    scope: TenantScope,
    db: TenantDb<DB>,
    job: Job,
    store: JobStore<DB>,
    lease: Lease,
    lease_length: Duration,
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
    /// See the [module docs](self) for an example.
    pub fn scope(&self) -> &TenantScope {
        &self.scope
    }

    /// A tenant transaction for the job's tenant on the runner's database, as a request
    /// handler gets one: the handler's queries run on it, and it commits when the handler
    /// commits it.
    ///
    /// See the [module docs](self) for an example.
    pub fn begin(&self) -> impl Future<Output = Result<TenantTx<DB>>> + Send + '_ {
        self.db.begin(&self.scope)
    }

    /// [`JobContext::begin`] for reads only: see [`TenantDb::begin_read`].
    pub fn begin_read(&self) -> impl Future<Output = Result<TenantTx<DB>>> + Send + '_ {
        self.db.begin_read(&self.scope)
    }

    /// The job's id.
    ///
    /// See the [module docs](self) for an example.
    pub fn job_id(&self) -> Uuid {
        self.job.id
    }

    /// The job's kind.
    ///
    /// See the [module docs](self) for an example.
    pub fn kind(&self) -> &str {
        &self.job.kind
    }

    /// The payload it was enqueued with.
    ///
    /// See the [module docs](self) for an example.
    pub fn payload(&self) -> &serde_json::Value {
        &self.job.payload
    }

    /// Which claim of the job this is: 1 the first time, more after a worker died with it.
    ///
    /// See the [module docs](self) for an example.
    pub fn attempt(&self) -> i32 {
        self.job.attempts + 1
    }

    /// Stores the progress (clamped to 0..=100) for readers of the job, and renews the lease.
    ///
    /// Returns `false` when this run no longer holds the job (its lease expired and another
    /// worker claimed it): the handler should stop, as what it returns will not be recorded.
    ///
    /// See the [module docs](self) for an example.
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
/// See the [module docs](self) for an example.
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
trait ErasedHandler<DB: Database>: Send + Sync {
    fn run_boxed(self: Arc<Self>, ctx: JobContext<DB>) -> BoxedRun;
}

impl<DB: Database, H: JobHandler<DB>> ErasedHandler<DB> for H {
    fn run_boxed(self: Arc<Self>, ctx: JobContext<DB>) -> BoxedRun {
        Box::pin(async move { self.run(ctx).await })
    }
}

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
    /// See the [module docs](self) for an example.
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
        let task = crate::layer::spawn_scoped(scope, move |_| handler.run_boxed(ctx));
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
