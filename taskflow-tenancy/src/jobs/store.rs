//! The `jobs` table: a job's state, the claims and leases of the runner, and a tenant's jobs,
//! enqueued and read on its tenant transaction.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::{ColumnIndex, Database, Decode, Executor, FromRow, Pool, Row, Type};
use uuid::Uuid;

use crate::error::Result;
use crate::query::backend::{Backend, Dialect};
use crate::query::sql::Sql;
use crate::query::value::{SqlValue, Value};
use crate::scope::tenant::TenantId;
use crate::scope::tx::{FetchRows, TenantConn};

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
    /// Which [`JobHandler`](crate::jobs::JobHandler) runs it.
    pub kind: String,
    /// The handler's input.
    pub payload: serde_json::Value,
    /// Where the job is.
    pub status: JobStatus,
    /// 0 to 100, as last reported by [`JobContext::progress`](crate::jobs::JobContext::progress); 100 once done.
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

/// `{head} WHERE tenant_id = <scope's tenant> AND id IN (<ids>)`, or `None` for no ids (an
/// empty `IN ()` is not SQL).
fn of_tenant_among(
    dialect: Dialect,
    head: &str,
    tenant: TenantId,
    ids: &[Uuid],
) -> Option<(String, Vec<Value>)> {
    let (first, rest) = ids.split_first()?;
    let mut st = Sql::new(dialect);
    st.push(head)
        .push(" WHERE tenant_id = ")
        .bind(tenant.to_value())
        .push(" AND id IN (")
        .bind(Value::Uuid(*first));
    for id in rest {
        st.push(", ").bind(Value::Uuid(*id));
    }
    st.push(")");
    Some(st.take())
}

/// Longer leases would only delay the recovery of a dead worker's jobs.
pub(super) const MAX_LEASE: Duration = Duration::from_secs(7 * 24 * 3600);

/// Timestamps are kept to microseconds, which every backend stores exactly, so that a value
/// written and read back compares equal (and SQLite's text timestamps sort correctly).
pub(super) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn after(lease: Duration) -> DateTime<Utc> {
    now() + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::days(7))
}

/// The depth of the job queue over every tenant ([`JobStore::depth`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct QueueDepth {
    /// Jobs waiting for a worker.
    pub queued: u64,
    /// Jobs a worker has claimed (their lease may have expired).
    pub running: u64,
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
    /// It needs the `tenants` table ([`TenantDb::migrate`](crate::TenantDb::migrate)) first.
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
    /// PostgreSQL, the tenant entry key and functions ([`TenantDb::migrate`](crate::TenantDb::migrate)) first; run it as the tables' owner.
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

    /// How many jobs of every tenant wait for a worker, and how many are running: the queue's
    /// depth, for an operator's gauge. Two counts on the claim index; no tenant's data.
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
    /// let store = JobStore::new(db.pool().clone());
    /// store.migrate().await?;
    /// let mut tx = db.begin(&scope).await?;
    /// jobs::enqueue(&mut tx, "report", serde_json::json!({})).await?;
    /// tx.commit().await?;
    /// let depth = store.depth().await?;
    /// assert_eq!((depth.queued, depth.running), (1, 0));
    /// # Ok(())
    /// # }
    /// ```
    #[allow(clippy::manual_async_fn)]
    pub fn depth(&self) -> impl Future<Output = Result<QueueDepth>> + Send + '_ {
        async move {
            let count = |status: JobStatus| {
                DB::fetch_count(
                    &self.pool,
                    format!("SELECT COUNT(*) FROM jobs WHERE status = '{status}'"),
                    Vec::new(),
                )
            };
            let queued = count(JobStatus::Queued).await?;
            let running = count(JobStatus::Running).await?;
            Ok(QueueDepth {
                queued: u64::try_from(queued).unwrap_or(0),
                running: u64::try_from(running).unwrap_or(0),
            })
        }
    }

    /// Jobs of the given kinds that a worker may claim now: queued, or running on an
    /// expired lease. A plain read: claiming is the conditional update in [`Self::claim`].
    pub(super) async fn candidates(&self, kinds: &[String], at: DateTime<Utc>) -> Result<Vec<Job>> {
        let mut st = Sql::new(DB::DIALECT);
        st.push(&format!("SELECT {COLUMNS} FROM jobs WHERE kind IN ("));
        for (i, kind) in kinds.iter().enumerate() {
            if i > 0 {
                st.push(", ");
            }
            st.bind(Value::Text(kind.clone()));
        }
        st.push(") AND (status = 'queued' OR (status = 'running' AND locked_until < ")
            .bind(Value::DateTime(at))
            .push(")) ORDER BY created_at, id LIMIT 8");
        let (sql, values) = st.take();
        DB::fetch_all(&self.pool, sql, values).await
    }

    /// Takes the job if it is still claimable: the row count of this one statement says whether
    /// this worker won, whatever the backend and however many workers race for it.
    pub(super) async fn claim(
        &self,
        job: &Job,
        token: Uuid,
        at: DateTime<Utc>,
        lease: Duration,
    ) -> Result<bool> {
        let mut st = Sql::new(DB::DIALECT);
        st.push("UPDATE jobs SET status = 'running', progress = 0, attempts = attempts + 1, error = NULL, started_at = ")
            .bind(Value::DateTime(at))
            .push(", locked_until = ")
            .bind(Value::DateTime(after(lease)))
            .push(", lease_token = ")
            .bind(Value::Uuid(token))
            .push(" WHERE tenant_id = ")
            .bind(job.tenant_id.to_value())
            .push(" AND id = ")
            .bind(Value::Uuid(job.id))
            .push(" AND (status = 'queued' OR (status = 'running' AND locked_until < ")
            .bind(Value::DateTime(at))
            .push("))");
        let (sql, values) = st.take();
        Ok(DB::execute(&self.pool, sql, values).await? == 1)
    }

    /// Marks failed a job whose lease expired once too often, if no other worker got to it.
    pub(super) async fn give_up(&self, job: &Job, at: DateTime<Utc>, error: &str) -> Result<bool> {
        let mut st = Sql::new(DB::DIALECT);
        st.push("UPDATE jobs SET status = 'failed', error = ")
            .bind(Value::Text(error.to_owned()))
            .push(", finished_at = ")
            .bind(Value::DateTime(at))
            .push(", locked_until = NULL, lease_token = NULL WHERE tenant_id = ")
            .bind(job.tenant_id.to_value())
            .push(" AND id = ")
            .bind(Value::Uuid(job.id))
            .push(" AND status = 'running' AND locked_until < ")
            .bind(Value::DateTime(at));
        let (sql, values) = st.take();
        Ok(DB::execute(&self.pool, sql, values).await? == 1)
    }

    /// Writes what the claimed job came to, if this worker still holds its lease.
    pub(super) async fn finish(
        &self,
        lease: &Lease,
        status: JobStatus,
        result: Option<String>,
        error: Option<String>,
    ) -> Result<bool> {
        let mut st = Sql::new(DB::DIALECT);
        st.push("UPDATE jobs SET status = ")
            .bind(Value::Text(status.as_str().to_owned()));
        if status == JobStatus::Done {
            st.push(", progress = 100");
        }
        st.push(", result = ")
            .bind(result.to_value())
            .push(", error = ")
            .bind(error.to_value())
            .push(", finished_at = ")
            .bind(Value::DateTime(now()))
            .push(", locked_until = NULL, lease_token = NULL");
        lease.where_held(&mut st);
        let (sql, values) = st.take();
        Ok(DB::execute(&self.pool, sql, values).await? == 1)
    }

    /// Extends the lease, and stores the progress if given; `false` once the lease is lost.
    pub(super) async fn renew(
        &self,
        lease: &Lease,
        length: Duration,
        progress: Option<i32>,
    ) -> Result<bool> {
        let mut st = Sql::new(DB::DIALECT);
        st.push("UPDATE jobs SET locked_until = ")
            .bind(Value::DateTime(after(length)));
        if let Some(progress) = progress {
            st.push(", progress = ").bind(Value::I32(progress));
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
/// See the [module docs](crate::jobs) and [`Job`] for examples.
pub fn enqueue<'t, C: TenantConn + ?Sized>(
    tx: &'t mut C,
    kind: &str,
    payload: serde_json::Value,
) -> impl Future<Output = Result<Uuid>> + Send + 't {
    let tenant_id = tx.__tenant();
    let kind = kind.to_owned();
    let id = Uuid::now_v7();
    let mut st = Sql::new(tx.__dialect());
    st.push("INSERT INTO jobs (tenant_id, id, kind, payload, status, progress, attempts, created_at) VALUES (")
        .bind(tenant_id.to_value())
        .push(", ")
        .bind(Value::Uuid(id))
        .push(", ")
        .bind(Value::Text(kind.clone()))
        .push(", ")
        .bind(Value::Text(payload.to_string()))
        .push(", 'queued', 0, 0, ")
        .bind(Value::DateTime(now()))
        .push(")");
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
/// See the [module docs](crate::jobs) and [`Job`] for examples.
pub fn get<'t, C: FetchRows<Job> + ?Sized>(
    tx: &'t mut C,
    id: Uuid,
) -> impl Future<Output = Result<Option<Job>>> + Send + 't {
    let mut st = Sql::new(tx.__dialect());
    st.push(&format!("SELECT {COLUMNS} FROM jobs WHERE tenant_id = "))
        .bind(tx.__tenant().to_value())
        .push(" AND id = ")
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
    let mut st = Sql::new(tx.__dialect());
    st.push(&format!("SELECT {COLUMNS} FROM jobs WHERE tenant_id = "))
        .bind(tx.__tenant().to_value())
        .push(&format!(" ORDER BY created_at DESC, id DESC LIMIT {limit}"));
    let (sql, values) = st.take();
    tx.__fetch_all(sql.into(), values)
}

/// One claim of one job: writes made under it land only while no other worker has taken the
/// job over after the lease expired.
#[derive(Debug, Clone)]
pub(super) struct Lease {
    pub(super) tenant_id: TenantId,
    pub(super) job_id: Uuid,
    pub(super) token: Uuid,
}

impl Lease {
    fn where_held(&self, st: &mut Sql) {
        st.push(" WHERE tenant_id = ")
            .bind(self.tenant_id.to_value())
            .push(" AND id = ")
            .bind(Value::Uuid(self.job_id))
            .push(" AND status = 'running' AND lease_token = ")
            .bind(Value::Uuid(self.token));
    }
}
