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

mod handler;
mod runner;
mod store;

pub use handler::{FnHandler, JobContext, JobHandler, JobResult, handler_fn};
pub use runner::{JobOutcome, JobRunner, JobWorkers, ShutdownHandle, Wakeup, WakeupFuture};
pub use store::{Job, JobStatus, JobStore, QueueDepth, delete, enqueue, get, get_many, list};
