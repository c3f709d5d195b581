//! Reports computed in the background: [`ReportJob`] turns a project's tasks into CSV, and
//! [`start`] runs it (and any other job) on the app's database.
//!
//! The job runs with the scope the runner verifies when it claims the job, not the one of the
//! request that asked for it: a tenant suspended in between gets no report.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use taskflow_tenancy::jobs::{JobContext, JobHandler, JobResult, JobRunner, JobWorkers};
use taskflow_tenancy::redis::RedisWakeups;
use uuid::Uuid;

use taskflow_tenancy::AnyTenantDb;

use crate::model::{Task, User};

/// The job kind of a report.
pub const KIND: &str = "project_report";

/// How many tasks the job reads at a time, reporting progress after each batch.
const BATCH: u64 = 200;

/// The CSV columns, in order.
const HEADER: [&str; 10] = [
    "id",
    "title",
    "description",
    "status",
    "priority",
    "assignee_id",
    "assignee",
    "due_date",
    "created_at",
    "updated_at",
];

/// What a report job is given: the project whose tasks it lists.
///
/// ```
/// let payload = taskflow_app::reports::payload(uuid::Uuid::nil());
/// assert_eq!(payload["project_id"], "00000000-0000-0000-0000-000000000000");
/// ```
pub fn payload(project_id: Uuid) -> serde_json::Value {
    serde_json::json!({ "project_id": project_id })
}

/// A cell that a spreadsheet would not run as a formula: text starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return gets a leading `'` (OWASP's advice on CSV injection), so that
/// a task titled `=HYPERLINK(...)` opens as the text it is.
///
/// ```
/// use taskflow_app::reports::inert;
///
/// assert_eq!(inert("=HYPERLINK(\"http://evil.example\")"), "'=HYPERLINK(\"http://evil.example\")");
/// assert_eq!(inert("-1"), "'-1");
/// assert_eq!(inert("Plan the launch"), "Plan the launch");
/// ```
pub fn inert(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The CSV of `tasks`, header first, quoted where a field needs it, with each assignee's name
/// from `names` (a former member's is empty) and every text cell [`inert`].
///
/// ```
/// let csv = taskflow_app::reports::to_csv(&[], &Default::default()).unwrap();
/// assert!(csv.starts_with("id,title,description,status"));
/// assert_eq!(csv.lines().count(), 1);
/// ```
pub fn to_csv(tasks: &[Task], names: &HashMap<Uuid, String>) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(HEADER)?;
    for task in tasks {
        let assignee = task
            .assignee_id
            .and_then(|id| names.get(&id))
            .map(|name| inert(name))
            .unwrap_or_default();
        writer.write_record([
            task.id.to_string(),
            inert(&task.title),
            inert(task.description.as_deref().unwrap_or_default()),
            task.status.clone(),
            task.priority.clone(),
            task.assignee_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            assignee,
            task.due_date.map(|d| d.to_string()).unwrap_or_default(),
            task.created_at.to_rfc3339(),
            task.updated_at.to_rfc3339(),
        ])?;
    }
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    // Every field written is a `String`, so the bytes are UTF-8.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The job handler of [`KIND`]: reads the project's tasks with the job's scope, batch by
/// batch, writes progress as it goes, and returns the CSV as the job's result.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
/// use taskflow_app::reports::{KIND, ReportJob, payload};
/// use taskflow_tenancy::jobs::{self, JobRunner};
/// use taskflow_tenancy::{AdminCapability, AnyTenantDb};
///
/// let db = taskflow_app::db::connect("sqlite::memory:").await?;
/// taskflow_app::db::migrate(&db).await?;
/// let AnyTenantDb::Sqlite(sqlite) = &db else { unreachable!() };
/// db.create(&AdminCapability::grant("docs", "example")?, "Acme", "acme").await?;
/// let scope = db.scope_by_subdomain("acme").await?;
///
/// let mut tx = db.begin(&scope).await?;
/// let id = jobs::enqueue(&mut tx, KIND, payload(uuid::Uuid::now_v7())).await?;
/// tx.commit().await?;
/// JobRunner::new(sqlite.clone()).register(KIND, ReportJob).run_until_idle().await?;
/// // No such project in the tenant: a report with its header only.
/// let mut tx = db.begin_read(&scope).await?;
/// let csv = jobs::get(&mut tx, id).await?.unwrap().result.unwrap();
/// assert_eq!(csv.lines().count(), 1);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportJob;

fn project_of(payload: &serde_json::Value) -> Result<Uuid, String> {
    payload["project_id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| "the report job has no project_id".to_owned())
}

/// `done` of `total`, as a percentage kept under 100 until the CSV is stored.
fn percent(done: usize, total: u64) -> i32 {
    if total == 0 {
        return 99;
    }
    let done = u64::try_from(done).unwrap_or(u64::MAX);
    i32::try_from((done.saturating_mul(99) / total).min(99)).unwrap_or(99)
}

macro_rules! report_job {
    ($db:ty) => {
        impl JobHandler<$db> for ReportJob {
            fn run(
                &self,
                ctx: JobContext<$db>,
            ) -> impl std::future::Future<Output = JobResult> + Send {
                async move {
                    let started = std::time::Instant::now();
                    let result: JobResult = async {
                        let project_id = project_of(ctx.payload())?;
                        let of_project = Task::PROJECT_ID.eq(project_id);
                        // Each read on a tenant connection of the job's own, released before the
                        // progress is written on another: a job never holds two connections.
                        let mut tx = ctx.begin_read().await?;
                        let total = Task::scoped(&mut tx)
                            .filter(of_project.clone())
                            .count()
                            .await?;
                        tx.commit().await?;
                        ctx.progress(0).await?;
                        let mut tasks: Vec<Task> = Vec::new();
                        loop {
                            let mut tx = ctx.begin_read().await?;
                            let mut page = Task::scoped(&mut tx)
                                .filter(of_project.clone())
                                .limit(BATCH);
                            page = match tasks.last() {
                                Some(last) => page.after_key(last.id),
                                None => page.order_by(Task::ID.asc()),
                            };
                            let batch = page.fetch_all().await?;
                            tx.commit().await?;
                            let more = batch.len() as u64 == BATCH;
                            tasks.extend(batch);
                            if !ctx.progress(percent(tasks.len(), total)).await? {
                                return Err("the job was taken over by another worker".into());
                            }
                            if !more {
                                break;
                            }
                        }
                        // The assignees' names, read once for the whole report.
                        let assignees: BTreeSet<Uuid> =
                            tasks.iter().filter_map(|t| t.assignee_id).collect();
                        let assignees: Vec<Uuid> = assignees.into_iter().collect();
                        let mut names = HashMap::new();
                        for chunk in assignees.chunks(BATCH as usize) {
                            let mut tx = ctx.begin_read().await?;
                            let users = User::scoped(&mut tx)
                                .filter(User::ID.is_in(chunk.iter().copied()))
                                .fetch_all()
                                .await?;
                            tx.commit().await?;
                            names.extend(users.into_iter().map(|u| (u.id, u.name)));
                        }
                        Ok(Some(to_csv(&tasks, &names)?))
                    }
                    .await;
                    crate::telemetry::record_job(KIND, result.is_ok(), started.elapsed());
                    result
                }
            }
        }
    };
}

report_job!(sqlx::Sqlite);
report_job!(sqlx::MySql);
report_job!(sqlx::Postgres);

/// Starts `workers` background workers that run the app's jobs on `db`, looking for new jobs
/// every `poll` when idle, or as soon as `wakeups` (Redis) says a job was enqueued. Stop them
/// with [`JobWorkers::shutdown`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let db = taskflow_app::db::connect("sqlite::memory:").await?;
/// taskflow_app::db::migrate(&db).await?;
/// let workers = taskflow_app::reports::start(&db, 1, std::time::Duration::from_millis(50), None);
/// workers.shutdown().await;
/// # Ok(())
/// # }
/// ```
pub fn start(
    db: &AnyTenantDb,
    workers: usize,
    poll: Duration,
    wakeups: Option<RedisWakeups>,
) -> JobWorkers {
    macro_rules! start_on {
        ($db:expr) => {{
            let mut runner = JobRunner::new($db.clone())
                .register(KIND, ReportJob)
                .poll_interval(poll);
            if let Some(wakeups) = wakeups {
                runner = runner.wake_on(wakeups);
            }
            runner.start(workers)
        }};
    }
    match db {
        AnyTenantDb::Sqlite(db) => start_on!(db),
        AnyTenantDb::MySql(db) => start_on!(db),
        AnyTenantDb::Postgres(db) => start_on!(db),
    }
}
