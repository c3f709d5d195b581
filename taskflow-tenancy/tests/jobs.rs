//! The job runner on SQLite, MariaDB and PostgreSQL (fresh database per test): a job runs with
//! a scope of its own tenant, its progress and result are stored and readable only by that
//! tenant, suspended tenants' jobs do not run, handler errors fail the job, competing runners
//! never run a job twice, and a job whose worker died is claimed again once its lease expires.
#![cfg(all(feature = "jobs", feature = "sqlite"))]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::{Executor, FromRow, Pool};
use taskflow_tenancy::jobs::{
    self, Job, JobContext, JobHandler, JobResult, JobRunner, JobStatus, JobStore, handler_fn,
};
use taskflow_tenancy::{
    AdminCapability, Backend, Dialect, Error, FetchRows, Tenant, TenantDb, TenantId, TenantModel,
    TenantScope, TenantTx, tenant_scoped,
};
use tokio::sync::Semaphore;
use uuid::Uuid;

/// A tenant-scoped table the handlers read.
#[tenant_scoped(table = "notes")]
#[derive(Debug, Clone)]
pub struct Note {
    /// The owner.
    pub tenant_id: TenantId,
    /// The key.
    pub id: Uuid,
    /// What the report lists.
    pub body: String,
}

fn notes_ddl(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => {
            "CREATE TABLE notes (tenant_id BLOB NOT NULL REFERENCES tenants (id), \
             id BLOB NOT NULL, body TEXT NOT NULL, PRIMARY KEY (tenant_id, id))"
        }
        Dialect::MySql => {
            "CREATE TABLE notes (tenant_id BINARY(16) NOT NULL, id BINARY(16) NOT NULL, \
             body VARCHAR(200) NOT NULL, PRIMARY KEY (tenant_id, id), \
             FOREIGN KEY (tenant_id) REFERENCES tenants (id))"
        }
        _ => {
            "CREATE TABLE notes (tenant_id UUID NOT NULL REFERENCES tenants (id), \
             id UUID NOT NULL, body TEXT NOT NULL, PRIMARY KEY (tenant_id, id))"
        }
    }
}

struct Fixture<DB: sqlx::Database> {
    db: TenantDb<DB>,
    admin: AdminCapability,
    acme: TenantScope,
    globex: TenantScope,
}

async fn setup<DB>(pool: Pool<DB>) -> Fixture<DB>
where
    DB: Backend,
    Note: for<'r> FromRow<'r, DB::Row>,
    Job: for<'r> FromRow<'r, DB::Row>,
    Tenant: for<'r> FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    TenantTx<DB>: FetchRows<Note> + FetchRows<Job>,
{
    let db = TenantDb::new(pool.clone());
    db.migrate().await.unwrap();
    let store = JobStore::new(pool.clone());
    store.migrate().await.unwrap();
    // A second migration is a no-op, as a restarted app runs it again.
    store.migrate().await.unwrap();
    sqlx::raw_sql(notes_ddl(DB::DIALECT))
        .execute(&pool)
        .await
        .unwrap();
    let admin = AdminCapability::grant("tests", "job runner tests").unwrap();
    let a = db.create(&admin, "Acme", "acme").await.unwrap();
    let b = db.create(&admin, "Globex", "globex").await.unwrap();
    let acme = db.scope(a.id).await.unwrap();
    let globex = db.scope(b.id).await.unwrap();
    for (scope, body) in [(&acme, "a1"), (&acme, "a2"), (&globex, "b1")] {
        let mut tx = db.begin(scope).await.unwrap();
        Note::scoped(&mut tx)
            .insert(NewNote {
                id: Uuid::now_v7(),
                body: body.into(),
            })
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    Fixture {
        db,
        admin,
        acme,
        globex,
    }
}

impl<DB> Fixture<DB>
where
    DB: Backend,
    Job: for<'r> FromRow<'r, DB::Row>,
    Tenant: for<'r> FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    TenantTx<DB>: FetchRows<Job>,
{
    /// Enqueues a job for `scope`'s tenant in a transaction of its own, committed.
    async fn enqueue(&self, scope: &TenantScope, kind: &str, payload: serde_json::Value) -> Uuid {
        let mut tx = self.db.begin(scope).await.unwrap();
        let id = jobs::enqueue(&mut tx, kind, payload).await.unwrap();
        tx.commit().await.unwrap();
        id
    }

    /// The job `id` as a read connection of `scope`'s tenant sees it.
    async fn get(&self, scope: &TenantScope, id: Uuid) -> Option<Job> {
        let mut tx = self.db.begin_read(scope).await.unwrap();
        jobs::get(&mut tx, id).await.unwrap()
    }

    /// The `limit` newest jobs a read connection of `scope`'s tenant sees.
    async fn list(&self, scope: &TenantScope, limit: u32) -> Vec<Job> {
        let mut tx = self.db.begin_read(scope).await.unwrap();
        jobs::list(&mut tx, limit).await.unwrap()
    }
}

/// Polls `check` until it holds, for at most 30 s.
async fn wait_for<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Lists the notes its scope sees as a CSV, after reporting 40 % and waiting for a permit.
struct NotesReport {
    gate: Arc<Semaphore>,
}

impl<DB> JobHandler<DB> for NotesReport
where
    DB: Backend,
    Note: for<'r> FromRow<'r, DB::Row>,
    Job: for<'r> FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    TenantTx<DB>: FetchRows<Note>,
{
    async fn run(&self, ctx: JobContext<DB>) -> JobResult {
        let tenant = ctx.scope().tenant_id();
        #[cfg(feature = "tower")]
        {
            let logged = taskflow_tenancy::web::layer::current_tenant_for_logs();
            if logged != Some(tenant) {
                return Err(format!("logs name tenant {logged:?}, the scope {tenant}").into());
            }
        }
        // A read connection of the job's tenant, given back before the handler waits (on SQLite
        // a held write transaction would block the runner's progress writes).
        let mut tx = ctx.begin_read().await?;
        if tx.tenant_id() != tenant {
            return Err(format!("the transaction is for tenant {}", tx.tenant_id()).into());
        }
        let notes = Note::scoped(&mut tx)
            .order_by(Note::BODY.asc())
            .fetch_all()
            .await?;
        tx.commit().await?;
        if let Some(foreign) = notes.iter().find(|n| n.tenant_id != tenant) {
            return Err(format!("saw a note of tenant {}", foreign.tenant_id).into());
        }
        assert!(ctx.progress(40).await?, "the lease is held");
        self.gate.acquire().await?.forget();
        let mut csv = format!("title={}\nbody\n", ctx.payload()["title"].as_str().unwrap());
        for note in notes {
            csv.push_str(&note.body);
            csv.push('\n');
        }
        Ok(Some(csv))
    }
}

async fn runs_with_its_own_tenant_scope<DB>(pool: Pool<DB>)
where
    DB: Backend,
    Note: for<'r> FromRow<'r, DB::Row>,
    Job: for<'r> FromRow<'r, DB::Row>,
    Tenant: for<'r> FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    TenantTx<DB>: FetchRows<Note> + FetchRows<Job>,
{
    let f = setup(pool).await;
    let gate = Arc::new(Semaphore::new(0));
    let runner = JobRunner::new(f.db.clone()).register(
        "notes_report",
        NotesReport {
            gate: Arc::clone(&gate),
        },
    );

    let id = f
        .enqueue(&f.acme, "notes_report", json!({"title": "Acme notes"}))
        .await;
    let queued = f.get(&f.acme, id).await.unwrap();
    assert_eq!(queued.status, JobStatus::Queued);
    assert_eq!(queued.tenant_id, f.acme.tenant_id());
    // A transaction of another tenant does not find the job, queued or otherwise.
    assert!(f.get(&f.globex, id).await.is_none());
    assert!(f.list(&f.globex, 10).await.is_empty());

    let run = tokio::spawn({
        let runner = runner.clone();
        async move { runner.run_once().await }
    });
    // The progress the handler stored is visible while it runs.
    wait_for("progress 40", || async {
        let job = f.get(&f.acme, id).await.unwrap();
        job.status == JobStatus::Running && job.progress == 40
    })
    .await;
    let running = f.get(&f.acme, id).await.unwrap();
    assert_eq!(running.attempts, 1);
    assert!(running.started_at.is_some() && running.locked_until.is_some());
    assert!(running.finished_at.is_none() && running.result.is_none());
    assert!(f.get(&f.globex, id).await.is_none());

    gate.add_permits(1);
    let outcome = run.await.unwrap().unwrap().expect("a job ran");
    assert_eq!(outcome.id, id);
    assert_eq!(outcome.tenant_id, f.acme.tenant_id());
    assert_eq!(outcome.status, JobStatus::Done);
    assert_eq!(outcome.error, None);

    let done = f.get(&f.acme, id).await.unwrap();
    assert_eq!(done.status, JobStatus::Done);
    assert_eq!(done.progress, 100);
    // Only Acme's notes: Globex's "b1" is not in the report.
    assert_eq!(
        done.result.as_deref(),
        Some("title=Acme notes\nbody\na1\na2\n")
    );
    assert_eq!(done.error, None);
    assert!(done.finished_at.unwrap() >= done.started_at.unwrap());
    assert_eq!(done.locked_until, None);
    assert!(f.get(&f.globex, id).await.is_none());

    // The same handler for Globex sees Globex's note only.
    let other = f
        .enqueue(&f.globex, "notes_report", json!({"title": "G"}))
        .await;
    gate.add_permits(1);
    assert_eq!(runner.run_until_idle().await.unwrap(), 1);
    let job = f.get(&f.globex, other).await.unwrap();
    assert_eq!(job.result.as_deref(), Some("title=G\nbody\nb1\n"));
    assert!(f.get(&f.acme, other).await.is_none());
    let listed: Vec<Uuid> = f.list(&f.acme, 10).await.iter().map(|j| j.id).collect();
    assert_eq!(listed, [id]);

    // Nothing left: the runner is idle.
    assert!(runner.run_once().await.unwrap().is_none());
}

async fn enqueue_joins_the_transaction<DB>(pool: Pool<DB>)
where
    DB: Backend,
    Note: for<'r> FromRow<'r, DB::Row>,
    Job: for<'r> FromRow<'r, DB::Row>,
    Tenant: for<'r> FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    TenantTx<DB>: FetchRows<Note> + FetchRows<Job>,
{
    let f = setup(pool).await;
    let mut tx = f.db.begin(&f.acme).await.unwrap();
    let dropped = jobs::enqueue(&mut tx, "noop", json!(null)).await.unwrap();
    // Inside the transaction, the job is there.
    assert!(jobs::get(&mut tx, dropped).await.unwrap().is_some());
    tx.rollback().await.unwrap();
    assert!(f.get(&f.acme, dropped).await.is_none());

    let mut tx = f.db.begin(&f.acme).await.unwrap();
    let kept = jobs::enqueue(&mut tx, "noop", json!({"n": 1}))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let job = f.get(&f.acme, kept).await.unwrap();
    assert_eq!(job.payload, json!({"n": 1}));

    // A runner without a handler for the kind leaves the job alone.
    let other = JobRunner::new(f.db.clone()).register(
        "something_else",
        handler_fn(|_: JobContext<DB>| async { Ok(None) }),
    );
    assert!(other.run_once().await.unwrap().is_none());
    assert_eq!(
        f.get(&f.acme, kept).await.unwrap().status,
        JobStatus::Queued
    );
}

async fn suspended_and_deleted_tenants_jobs_do_not_run<DB>(pool: Pool<DB>)
where
    DB: Backend,
    Note: for<'r> FromRow<'r, DB::Row>,
    Job: for<'r> FromRow<'r, DB::Row>,
    Tenant: for<'r> FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    TenantTx<DB>: FetchRows<Note> + FetchRows<Job>,
{
    let f = setup(pool).await;
    let runs = Arc::new(AtomicUsize::new(0));
    let runner = JobRunner::new(f.db.clone()).register(
        "count",
        handler_fn({
            let runs = Arc::clone(&runs);
            move |_: JobContext<DB>| {
                let runs = Arc::clone(&runs);
                async move {
                    runs.fetch_add(1, Ordering::SeqCst);
                    Ok(None)
                }
            }
        }),
    );
    let globex_id = f.globex.tenant_id();
    let id = f.enqueue(&f.globex, "count", json!(null)).await;
    f.db.suspend(&f.admin, globex_id).await.unwrap();

    let outcome = runner
        .run_once()
        .await
        .unwrap()
        .expect("the job was claimed");
    assert_eq!(outcome.status, JobStatus::Failed);
    let expected = format!("tenant {globex_id} is suspended");
    assert_eq!(outcome.error.as_deref(), Some(expected.as_str()));
    assert_eq!(runs.load(Ordering::SeqCst), 0, "the handler did not run");
    // Not claimed again: failing it was final.
    assert!(runner.run_once().await.unwrap().is_none());

    let operator = f.db.admin_scope(&f.admin, globex_id).await.unwrap();
    let job = f.get(&operator, id).await.unwrap();
    assert_eq!(job.status, JobStatus::Failed);
    assert_eq!(job.error.as_deref(), Some(expected.as_str()));
    assert_eq!(job.result, None);

    // Resumed, a new job runs again.
    f.db.resume(&f.admin, globex_id).await.unwrap();
    let globex = f.db.scope(globex_id).await.unwrap();
    f.enqueue(&globex, "count", json!(null)).await;
    assert_eq!(runner.run_until_idle().await.unwrap(), 1);
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    // Purging a tenant deletes its jobs with it: nothing is left to run.
    let acme_id = f.acme.tenant_id();
    let orphan = f.enqueue(&f.acme, "count", json!(null)).await;
    let deleted = f.db.purge(&f.admin, acme_id, &[Note::INFO]).await.unwrap();
    assert_eq!(deleted, 3, "two notes and the tenant");
    assert!(runner.run_once().await.unwrap().is_none());
    assert!(f.get(&f.acme, orphan).await.is_none());
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

async fn handler_errors_fail_the_job<DB>(pool: Pool<DB>)
where
    DB: Backend,
    Note: for<'r> FromRow<'r, DB::Row>,
    Job: for<'r> FromRow<'r, DB::Row>,
    Tenant: for<'r> FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    TenantTx<DB>: FetchRows<Note> + FetchRows<Job>,
{
    let f = setup(pool).await;
    let runner = JobRunner::new(f.db.clone())
        .register(
            "explode",
            handler_fn(|ctx: JobContext<DB>| async move {
                ctx.progress(10).await?;
                Err(format!("no project {} in this tenant", ctx.payload()["project"]).into())
            }),
        )
        .register(
            "panic",
            handler_fn(|_: JobContext<DB>| async move {
                if true {
                    panic!("handler bug");
                }
                Ok(None)
            }),
        );
    let exploded = f.enqueue(&f.acme, "explode", json!({"project": 42})).await;
    let outcome = runner.run_once().await.unwrap().unwrap();
    assert_eq!(outcome.status, JobStatus::Failed);
    let job = f.get(&f.acme, exploded).await.unwrap();
    assert_eq!(job.status, JobStatus::Failed);
    assert_eq!(job.error.as_deref(), Some("no project 42 in this tenant"));
    assert_eq!(job.progress, 10);
    assert_eq!(job.result, None);
    assert!(job.finished_at.is_some());

    // A panicking handler fails its job, not the runner.
    let panicked = f.enqueue(&f.acme, "panic", json!(null)).await;
    let outcome = runner.run_once().await.unwrap().unwrap();
    assert_eq!(outcome.id, panicked);
    let job = f.get(&f.acme, panicked).await.unwrap();
    assert_eq!(job.status, JobStatus::Failed);
    assert_eq!(job.error.as_deref(), Some("the handler panicked"));
    assert!(runner.run_once().await.unwrap().is_none());
}

/// Records each run of each job.
#[derive(Clone, Default)]
struct Tally {
    runs: Arc<Mutex<HashMap<Uuid, u32>>>,
}

impl<DB> JobHandler<DB> for Tally
where
    DB: Backend,
    Job: for<'r> FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    async fn run(&self, ctx: JobContext<DB>) -> JobResult {
        *self.runs.lock().unwrap().entry(ctx.job_id()).or_default() += 1;
        // Long enough that the other runner's workers are polling meanwhile.
        tokio::time::sleep(Duration::from_millis(u64::from(
            ctx.job_id().as_bytes()[15] % 8,
        )))
        .await;
        Ok(Some(ctx.scope().tenant_id().to_string()))
    }
}

async fn competing_runners_never_run_a_job_twice<DB>(pool: Pool<DB>)
where
    DB: Backend,
    Note: for<'r> FromRow<'r, DB::Row>,
    Job: for<'r> FromRow<'r, DB::Row>,
    Tenant: for<'r> FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    TenantTx<DB>: FetchRows<Note> + FetchRows<Job>,
{
    const JOBS: usize = 40;
    let f = setup(pool).await;
    let mut ids = Vec::new();
    for n in 0..JOBS {
        let scope = if n % 2 == 0 { &f.acme } else { &f.globex };
        let id = f.enqueue(scope, "tally", json!({"n": n})).await;
        ids.push((scope.clone(), id));
    }
    let tally = Tally::default();
    let start = |tally: &Tally| {
        JobRunner::new(f.db.clone())
            .register("tally", tally.clone())
            .poll_interval(Duration::from_millis(5))
            .start(3)
    };
    let first = start(&tally);
    let second = start(&tally);
    wait_for("every job to finish", || async {
        for (scope, id) in &ids {
            let job = f.get(scope, *id).await.unwrap();
            if !job.status.is_finished() {
                return false;
            }
        }
        true
    })
    .await;
    first.shutdown().await;
    second.shutdown().await;

    let runs = tally.runs.lock().unwrap().clone();
    assert_eq!(runs.len(), JOBS, "every job ran");
    let twice: Vec<_> = runs.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "jobs run more than once: {twice:?}");
    for (scope, id) in &ids {
        let job = f.get(scope, *id).await.unwrap();
        assert_eq!(job.status, JobStatus::Done);
        assert_eq!(job.attempts, 1);
        assert_eq!(job.result, Some(scope.tenant_id().to_string()));
    }
}

/// Starts and then never finishes, as a worker that hangs or dies would.
#[derive(Clone, Default)]
struct Hang {
    started: Arc<AtomicUsize>,
    finished: Arc<AtomicUsize>,
}

impl<DB: sqlx::Database> JobHandler<DB> for Hang {
    async fn run(&self, _ctx: JobContext<DB>) -> JobResult {
        self.started.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(3600)).await;
        self.finished.fetch_add(1, Ordering::SeqCst);
        Ok(None)
    }
}

async fn an_expired_lease_is_claimed_again<DB>(pool: Pool<DB>)
where
    DB: Backend,
    Note: for<'r> FromRow<'r, DB::Row>,
    Job: for<'r> FromRow<'r, DB::Row>,
    Tenant: for<'r> FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    TenantTx<DB>: FetchRows<Note> + FetchRows<Job>,
{
    const LEASE: Duration = Duration::from_secs(1);
    let f = setup(pool).await;
    let hang = Hang::default();
    let crashing = JobRunner::new(f.db.clone())
        .register("report", hang.clone())
        .lease(LEASE);
    let healthy = JobRunner::new(f.db.clone())
        .register(
            "report",
            handler_fn(|ctx: JobContext<DB>| async move {
                Ok(Some(format!("attempt {}", ctx.attempt())))
            }),
        )
        .lease(LEASE);

    // The worker claims the job, then dies with it.
    let id = f.enqueue(&f.acme, "report", json!(null)).await;
    let worker = tokio::spawn({
        let crashing = crashing.clone();
        async move { crashing.run_once().await }
    });
    wait_for("the handler to start", || async {
        hang.started.load(Ordering::SeqCst) == 1
    })
    .await;
    worker.abort();
    assert!(worker.await.unwrap_err().is_cancelled());
    let held = f.get(&f.acme, id).await.unwrap();
    assert_eq!((held.status, held.attempts), (JobStatus::Running, 1));

    // While the lease runs, no one else takes the job.
    assert!(healthy.run_once().await.unwrap().is_none());

    tokio::time::sleep(LEASE + Duration::from_millis(200)).await;
    let outcome = healthy
        .run_once()
        .await
        .unwrap()
        .expect("the job is claimable again");
    assert_eq!((outcome.id, outcome.status), (id, JobStatus::Done));
    let job = f.get(&f.acme, id).await.unwrap();
    assert_eq!(job.status, JobStatus::Done);
    assert_eq!(job.attempts, 2);
    assert_eq!(job.result.as_deref(), Some("attempt 2"));
    assert_eq!(
        hang.finished.load(Ordering::SeqCst),
        0,
        "the dead run was stopped"
    );

    // A job whose workers keep dying is given up after `max_attempts` claims.
    let poison = f.enqueue(&f.acme, "report", json!(null)).await;
    let worker = tokio::spawn({
        let crashing = crashing.max_attempts(1);
        async move { crashing.run_once().await }
    });
    wait_for("the handler to start again", || async {
        hang.started.load(Ordering::SeqCst) == 2
    })
    .await;
    worker.abort();
    let _ = worker.await;
    tokio::time::sleep(LEASE + Duration::from_millis(200)).await;
    let outcome = healthy
        .max_attempts(1)
        .run_once()
        .await
        .unwrap()
        .expect("the poison job is given up");
    assert_eq!((outcome.id, outcome.status), (poison, JobStatus::Failed));
    let job = f.get(&f.acme, poison).await.unwrap();
    assert_eq!(job.status, JobStatus::Failed);
    assert_eq!(
        job.error.as_deref(),
        Some("gave up after 1 attempts: the worker's lease expired each time")
    );
}

async fn shutdown_finishes_the_running_job<DB>(pool: Pool<DB>)
where
    DB: Backend,
    Note: for<'r> FromRow<'r, DB::Row>,
    Job: for<'r> FromRow<'r, DB::Row>,
    Tenant: for<'r> FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    TenantTx<DB>: FetchRows<Note> + FetchRows<Job>,
{
    let f = setup(pool).await;
    let gate = Arc::new(Semaphore::new(0));
    let workers = JobRunner::new(f.db.clone())
        .register(
            "notes_report",
            NotesReport {
                gate: Arc::clone(&gate),
            },
        )
        .poll_interval(Duration::from_millis(5))
        .start(2);
    let id = f
        .enqueue(&f.acme, "notes_report", json!({"title": "t"}))
        .await;
    wait_for("the job to report progress", || async {
        f.get(&f.acme, id).await.unwrap().progress == 40
    })
    .await;

    workers.shutdown_handle().shutdown();
    let stopping = tokio::spawn(workers.shutdown());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !stopping.is_finished(),
        "shutdown waits for the running job"
    );
    // Stopping workers claim nothing new.
    let later = f
        .enqueue(&f.globex, "notes_report", json!({"title": "later"}))
        .await;
    gate.add_permits(2);
    tokio::time::timeout(Duration::from_secs(30), stopping)
        .await
        .expect("shutdown ends once the job is done")
        .unwrap();
    let job = f.get(&f.acme, id).await.unwrap();
    assert_eq!(job.status, JobStatus::Done);
    assert_eq!(job.result.as_deref(), Some("title=t\nbody\na1\na2\n"));
    let job = f.get(&f.globex, later).await.unwrap();
    assert_eq!(job.status, JobStatus::Queued);
}

/// What the handler of [`runner_scopes_belong_to_its_handle`] saw in its run.
struct Seen {
    scope: TenantScope,
    /// `ctx.begin()` on the runner's handle worked, for the job's tenant.
    own_begin: Result<TenantId, String>,
    /// What the other handle's `begin` made of the handler's scope.
    foreign_begin: Result<(), String>,
}

async fn runner_scopes_belong_to_its_handle<DB>(pool: Pool<DB>)
where
    DB: Backend,
    Note: for<'r> FromRow<'r, DB::Row>,
    Job: for<'r> FromRow<'r, DB::Row>,
    Tenant: for<'r> FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    TenantTx<DB>: FetchRows<Note> + FetchRows<Job>,
{
    let f = setup(pool).await;
    // A second handle on the same pool: same tables, same tenants, another identity.
    let other = TenantDb::new(f.db.pool().clone());
    assert_ne!(other.id(), f.db.id());
    assert_eq!(f.acme.database(), f.db.id());

    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let runner = JobRunner::new(f.db.clone()).register(
        "whose",
        handler_fn({
            let (seen, other) = (Arc::clone(&seen), other.clone());
            move |ctx: JobContext<DB>| {
                let (seen, other) = (Arc::clone(&seen), other.clone());
                async move {
                    let own_begin = match ctx.begin().await {
                        Ok(tx) => {
                            let tenant = tx.tenant_id();
                            tx.rollback().await?;
                            Ok(tenant)
                        }
                        Err(e) => Err(format!("{e:?}")),
                    };
                    let foreign_begin = match other.begin(ctx.scope()).await {
                        Err(Error::ForeignScope) => Ok(()),
                        Err(e) => Err(format!("{e:?}")),
                        Ok(_) => Err("the other handle began a transaction".to_owned()),
                    };
                    seen.lock().unwrap().push(Seen {
                        scope: ctx.scope().clone(),
                        own_begin,
                        foreign_begin,
                    });
                    Ok(None)
                }
            }
        }),
    );
    let id = f.enqueue(&f.acme, "whose", json!(null)).await;
    let outcome = runner.run_once().await.unwrap().expect("a job ran");
    assert_eq!((outcome.id, outcome.status), (id, JobStatus::Done));
    assert_eq!(outcome.error, None);

    let seen = std::mem::take(&mut *seen.lock().unwrap());
    assert_eq!(seen.len(), 1, "the handler ran once");
    let Seen {
        scope,
        own_begin,
        foreign_begin,
    } = seen.into_iter().next().unwrap();
    // The runner's scope is of the job's tenant and of the runner's handle.
    assert_eq!(scope.tenant_id(), f.acme.tenant_id());
    assert_eq!(scope.database(), f.db.id());
    assert_ne!(scope.database(), other.id());
    assert_eq!(own_begin, Ok(f.acme.tenant_id()));
    // The other handle refuses it, inside the run and after it.
    assert_eq!(foreign_begin, Ok(()));
    assert!(matches!(
        other.begin(&scope).await,
        Err(Error::ForeignScope)
    ));
    // The runner's handle still takes it.
    let mut tx = f.db.begin(&scope).await.unwrap();
    assert_eq!(tx.tenant_id(), f.acme.tenant_id());
    assert!(jobs::get(&mut tx, id).await.unwrap().is_some());
    tx.rollback().await.unwrap();
}

/// With a concrete backend, as in an axum handler or a spawned task, the futures are `Send`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn futures_on_a_concrete_backend_are_send() {
    let db = taskflow_tenancy::testkit::sqlite().await.unwrap();
    let f = setup(db.pool.clone()).await;
    let runner = JobRunner::new(f.db.clone()).register(
        "echo",
        handler_fn(|ctx: JobContext<sqlx::Sqlite>| async move {
            ctx.progress(50).await?;
            Ok(Some(ctx.payload().to_string()))
        }),
    );
    let (tenants, scope) = (f.db.clone(), f.acme.clone());
    let id = tokio::spawn(async move {
        let mut tx = tenants.begin(&scope).await?;
        let id = jobs::enqueue(&mut tx, "echo", json!([1, 2])).await?;
        tx.commit().await?;
        Ok::<_, taskflow_tenancy::Error>(id)
    })
    .await
    .unwrap()
    .unwrap();
    let ran = tokio::spawn(async move { runner.run_until_idle().await })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ran, 1);
    let (tenants, scope) = (f.db.clone(), f.acme.clone());
    let job = tokio::spawn(async move {
        let mut tx = tenants.begin_read(&scope).await?;
        jobs::get(&mut tx, id).await
    })
    .await
    .unwrap()
    .unwrap()
    .unwrap();
    assert_eq!(job.result.as_deref(), Some("[1,2]"));
}

/// Each scenario on each backend, on a fresh database.
macro_rules! on_every_backend {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $scenario() {
                    let db = taskflow_tenancy::testkit::sqlite().await.unwrap();
                    super::$scenario(db.pool.clone()).await;
                }
            )*
        }

        #[cfg(feature = "mysql")]
        mod mysql {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $scenario() {
                    let Some(url) = taskflow_tenancy::testkit::mysql_url() else {
                        return;
                    };
                    let (pool, _) = taskflow_tenancy::testkit::mysql(&url).await.unwrap();
                    super::$scenario(pool).await;
                }
            )*
        }

        #[cfg(feature = "postgres")]
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $scenario() {
                    let Some(url) = taskflow_tenancy::testkit::postgres_url() else {
                        return;
                    };
                    let (pool, _) = taskflow_tenancy::testkit::postgres(&url).await.unwrap();
                    super::$scenario(pool).await;
                }
            )*
        }
    };
}

on_every_backend!(
    runs_with_its_own_tenant_scope,
    enqueue_joins_the_transaction,
    suspended_and_deleted_tenants_jobs_do_not_run,
    handler_errors_fail_the_job,
    competing_runners_never_run_a_job_twice,
    an_expired_lease_is_claimed_again,
    shutdown_finishes_the_running_job,
    runner_scopes_belong_to_its_handle,
);
