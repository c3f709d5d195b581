//! Demo data: the two demo organizations `serve` creates on an empty database ([`demo_if_empty`]:
//! people, projects, a few hundred tasks with history and comments, a report),
//! and the bulk data of `taskflow-app seed` ([`seed`]).
//!
//! Every row goes through the library like any other: tenants and their rows in one audited
//! `AdminTx` (an `AdminCapability`'s transaction across tenants), each tenant's rows through
//! the scoped builders on that tenant once entered, projects and tasks with
//! `Scoped::insert_many` (multi-row `INSERT`s). A seed is one transaction: it writes
//! everything or, when anything fails, nothing.
//!
//! On SQLite the task list indexes are dropped at the start of that transaction and made again
//! at its end: one sorted build of each index is cheaper than keeping it up to date row by row
//! through millions of inserts. SQLite's DDL is transactional, so a failed or interrupted seed
//! leaves the indexes as they were (benches/README.md, "Seed: bulk load on SQLite").

use chrono::Days;
use taskflow_tenancy::{AdminCapability, AnyTenantDb};
use uuid::Uuid;

use crate::model::{
    Comment, NewComment, NewProject, NewReport, NewTask, NewTaskEvent, NewUser, Project, Report,
    Task, TaskEvent, User, now,
};
use crate::password;

/// The password of every demo and seeded owner. It is public: demo data is for a laptop.
pub const DEMO_PASSWORD: &str = "taskflow-demo";

/// The organizations `serve` creates on an empty database: `(name, subdomain)`.
pub const DEMO_TENANTS: [(&str, &str); 2] = [("Acme Corp", "acme"), ("Globex", "globex")];

/// Why demo data could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The library refused (a subdomain already taken, say) or the database failed.
    #[error(transparent)]
    Tenancy(#[from] taskflow_tenancy::Error),
    /// The database failed outside a builder (a transaction could not start or commit).
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    /// The owner's password could not be hashed.
    #[error(transparent)]
    Password(#[from] password::PasswordError),
}

/// How much `taskflow-app seed` writes.
///
/// ```
/// let plan = taskflow_app::seed::SeedPlan { tenants: 2, projects: 3, tasks: 4, prefix: "demo".into() };
/// // Per tenant: its owner, 3 projects and 3 × 4 tasks.
/// assert_eq!(plan.rows_per_tenant(), 1 + 3 + 12);
/// ```
#[derive(Debug, Clone)]
pub struct SeedPlan {
    /// How many tenants, with subdomains `{prefix}-1`, `{prefix}-2`, ...
    pub tenants: u64,
    /// Projects per tenant.
    pub projects: u64,
    /// Tasks per project.
    pub tasks: u64,
    /// The start of every subdomain.
    pub prefix: String,
}

impl SeedPlan {
    /// Rows written per tenant, not counting the tenant itself: the owner, projects and tasks.
    ///
    /// See [`SeedPlan`] for an example.
    pub fn rows_per_tenant(&self) -> u64 {
        1 + self.projects + self.projects * self.tasks
    }
}

/// What one tenant gets: an owner, and projects with generated tasks.
struct TenantSpec<'a> {
    name: &'a str,
    subdomain: &'a str,
    owner_hash: &'a str,
    projects: &'a [String],
    tasks: u64,
    task_title: &'a (dyn Fn(u64) -> String + Sync),
}

fn new_tasks<'a>(
    project_id: Uuid,
    owner: Uuid,
    spec: &'a TenantSpec<'a>,
) -> impl Iterator<Item = NewTask> + 'a {
    const STATUSES: [&str; 3] = ["todo", "in_progress", "done"];
    const PRIORITIES: [&str; 3] = ["medium", "high", "low"];
    let today = now().date_naive();
    (0..spec.tasks).map(move |n| {
        let at = now();
        let i = n as usize;
        NewTask {
            id: Uuid::now_v7(),
            project_id,
            title: (spec.task_title)(n),
            description: None,
            status: STATUSES[i % 3].to_owned(),
            priority: PRIORITIES[i % 3].to_owned(),
            assignee_id: (n % 2 == 0).then_some(owner),
            due_date: (n % 4 == 1)
                .then(|| today.checked_add_days(Days::new(n % 30 + 1)))
                .flatten(),
            created_at: at,
            updated_at: at,
        }
    })
}

/// The owner and projects of one tenant, ready to insert.
fn tenant_rows(spec: &TenantSpec<'_>) -> (NewUser, Vec<NewProject>) {
    let owner = NewUser {
        id: Uuid::now_v7(),
        email: format!("owner@{}.example", spec.subdomain),
        name: format!("{} Owner", spec.name),
        role: "owner".to_owned(),
        password_hash: spec.owner_hash.to_owned(),
        created_at: now(),
        sessions_ended_at: None,
    };
    let projects = spec
        .projects
        .iter()
        .map(|name| {
            let at = now();
            NewProject {
                id: Uuid::now_v7(),
                name: name.clone(),
                description: Some(format!("Demo project of {}", spec.name)),
                created_at: at,
                updated_at: at,
                deleted_at: None,
            }
        })
        .collect();
    (owner, projects)
}

/// Writes one tenant and all its rows inside the admin transaction `$tx`, and evaluates to
/// the rows written (the tenant's own row not counted). A macro, not a function: it is
/// expanded once per backend, where `$tx` has that backend's type.
macro_rules! create_tenant {
    ($tx:expr, $spec:expr) => {
        async {
            let spec: &TenantSpec<'_> = $spec;
            let (owner, projects) = tenant_rows(spec);
            let project_ids: Vec<Uuid> = projects.iter().map(|p| p.id).collect();
            let scope = $tx.create_tenant(spec.name, spec.subdomain).await?;
            let mut tenant = $tx.enter(&scope).await?;
            let owner = User::scoped(&mut tenant).insert(owner).await?;
            let mut rows = 1 + Project::scoped(&mut tenant).insert_many(projects).await?;
            for project_id in &project_ids {
                rows += Task::scoped(&mut tenant)
                    .insert_many(new_tasks(*project_id, owner.id, spec))
                    .await?;
            }
            Ok::<u64, SeedError>(rows)
        }
    };
}

/// Runs `$body` once per backend with `$db` bound to the concrete handle of `$any`.
macro_rules! on_backend {
    ($any:expr, $db:ident => $body:expr) => {
        match $any {
            AnyTenantDb::Sqlite($db) => $body,
            AnyTenantDb::MySql($db) => $body,
            AnyTenantDb::Postgres($db) => $body,
        }
    };
}

/// Secondary indexes a bulk load drops first and makes again at the end, inside its
/// transaction. Only SQLite takes part: its DDL is transactional, so a failed load restores
/// the indexes with everything else. MySQL commits DDL on its own, and the PostgreSQL seed is
/// not a bulk path worth the difference.
trait DeferIndexes {
    /// Drops the secondary indexes of `table` (the ones a migration made, not those of a
    /// primary key or a unique constraint); returns the statements that make them again.
    /// By default none.
    fn drop_indexes<'a>(
        &'a mut self,
        _table: &'a str,
    ) -> impl Future<Output = Result<Vec<String>, sqlx::Error>> + Send + 'a {
        std::future::ready(Ok(Vec::new()))
    }

    /// Runs the statements [`DeferIndexes::drop_indexes`] returned.
    fn restore_indexes(
        &mut self,
        _statements: Vec<String>,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send + '_ {
        std::future::ready(Ok(()))
    }
}

impl DeferIndexes for sqlx::SqliteConnection {
    async fn drop_indexes(&mut self, table: &str) -> Result<Vec<String>, sqlx::Error> {
        // `sql` is NULL for the indexes SQLite makes itself for keys and unique constraints.
        let indexes: Vec<(String, String)> = sqlx::query_as(
            "SELECT name, sql FROM sqlite_master \
             WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name",
        )
        .bind(table)
        .fetch_all(&mut *self)
        .await?;
        let mut statements = Vec::with_capacity(indexes.len());
        for (name, sql) in indexes {
            // The name comes from the schema itself, quoted as an identifier.
            let drop = format!("DROP INDEX \"{}\"", name.replace('"', "\"\""));
            sqlx::query(sqlx::AssertSqlSafe(drop))
                .execute(&mut *self)
                .await?;
            statements.push(sql);
        }
        Ok(statements)
    }

    async fn restore_indexes(&mut self, statements: Vec<String>) -> Result<(), sqlx::Error> {
        for sql in statements {
            // The statements are the schema's own `CREATE INDEX`, read back from sqlite_master.
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *self)
                .await?;
        }
        Ok(())
    }
}

impl DeferIndexes for sqlx::MySqlConnection {}

impl DeferIndexes for sqlx::PgConnection {}

/// Whether the database has no tenant at all.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let db = taskflow_app::db::connect("sqlite::memory:").await?;
/// taskflow_app::db::migrate(&db).await?;
/// assert!(taskflow_app::seed::has_no_tenants(&db).await?);
/// # Ok(())
/// # }
/// ```
pub async fn has_no_tenants(db: &AnyTenantDb) -> Result<bool, sqlx::Error> {
    const ANY: &str = "SELECT 1 FROM tenants LIMIT 1";
    on_backend!(db, db => sqlx::query(ANY)
        .fetch_optional(db.pool())
        .await
        .map(|row| row.is_none()))
}

/// The people of each demo organization besides its owner: `(name, email local part, role)`;
/// every one logs in with [`DEMO_PASSWORD`].
pub const DEMO_PEOPLE: [(&str, &str, &str); 3] = [
    ("Ada Lovelace", "ada", "admin"),
    ("Max Mustermann", "max", "member"),
    ("Mia Wong", "mia", "member"),
];

/// How many tasks each demo project holds.
pub const DEMO_TASKS_PER_PROJECT: u64 = 75;

/// The projects of each demo organization, in [`DEMO_TENANTS`] order.
const DEMO_PROJECTS: [[&str; 4]; 2] = [
    [
        "Website relaunch",
        "Customer onboarding",
        "Mobile app",
        "Autumn campaign",
    ],
    [
        "Mobile app",
        "Quarterly planning",
        "Data platform",
        "Hiring",
    ],
];

/// Task titles a demo project draws from, with a description for some.
const DEMO_TASKS: [(&str, Option<&str>); 25] = [
    (
        "Write the brief",
        Some("One page: goal, audience, deadline, budget."),
    ),
    (
        "Review the design",
        Some("Check the mock-ups against the brief and the style guide."),
    ),
    (
        "Fix the login page",
        Some("Error messages overlap the form on narrow screens."),
    ),
    ("Plan the launch", None),
    (
        "Interview five customers",
        Some("Ask what they tried before and why it failed."),
    ),
    ("Set up analytics", None),
    (
        "Draft the announcement",
        Some("Blog post and a short version for the newsletter."),
    ),
    ("Update the pricing page", None),
    (
        "Migrate the old accounts",
        Some("Export, clean up duplicates, import; keep a backup."),
    ),
    ("Write the onboarding emails", None),
    (
        "Accessibility audit",
        Some("Keyboard only, a screen reader, and the contrast checker."),
    ),
    ("Load test the API", None),
    ("Choose the font pairing", None),
    ("Translate the app into German", None),
    (
        "Renew the TLS certificates",
        Some("They expire at the end of the month."),
    ),
    ("Prepare the board meeting", None),
    ("Clean up the backlog", None),
    (
        "Record a product demo",
        Some("Three minutes, no sound needed: captions."),
    ),
    ("Collect customer quotes", None),
    ("Budget for next quarter", None),
    ("Fix the flaky checkout test", None),
    ("Write the FAQ", None),
    ("Photograph the team", None),
    ("Set up the status page", None),
    (
        "Retrospective",
        Some("What went well, what did not, what we change."),
    ),
];

/// What demo comments say.
const DEMO_COMMENTS: [&str; 6] = [
    "I can take this one.",
    "Blocked until the designs are signed off.",
    "Done on staging, please have a look.",
    "Moved the deadline: the supplier is late.",
    "Looks good to me.",
    "Can we split this into two tasks?",
];

/// Writes one demo organization inside the admin transaction `$tx`: its owner and
/// [`DEMO_PEOPLE`], its projects with [`DEMO_TASKS_PER_PROJECT`] tasks each (statuses,
/// priorities, assignees and due dates spread over overdue, this week, later and none), each
/// task's "created" history, comments, and a report of the first project queued for the job
/// workers (finished moments after `serve` starts). A macro for the reason `create_tenant!`
/// is one.
macro_rules! create_demo_tenant {
    ($tx:expr, $name:expr, $subdomain:expr, $projects:expr, $hash:expr) => {
        async {
            let (name, subdomain, hash): (&str, &str, &str) = ($name, $subdomain, $hash);
            let scope = $tx.create_tenant(name, subdomain).await?;
            let mut tenant = $tx.enter(&scope).await?;
            let person = |name: &str, local: &str, role: &str| NewUser {
                id: Uuid::now_v7(),
                email: format!("{local}@{subdomain}.example"),
                name: name.to_owned(),
                role: role.to_owned(),
                password_hash: hash.to_owned(),
                created_at: now(),
                sessions_ended_at: None,
            };
            let mut people = vec![person(&format!("{name} Owner"), "owner", "owner")];
            people.extend(DEMO_PEOPLE.iter().map(|(n, l, r)| person(n, l, r)));
            let ids: Vec<Uuid> = people.iter().map(|p| p.id).collect();
            User::scoped(&mut tenant).insert_many(people).await?;
            let today = now().date_naive();
            let mut first_project = None;
            for (p, project_name) in $projects.iter().enumerate() {
                let at = now();
                let project = Project::scoped(&mut tenant)
                    .insert(NewProject {
                        id: Uuid::now_v7(),
                        name: (*project_name).to_owned(),
                        description: Some(format!("Demo project of {name}")),
                        created_at: at,
                        updated_at: at,
                        deleted_at: None,
                    })
                    .await?;
                first_project.get_or_insert(project.id);
                let tasks: Vec<NewTask> = (0..DEMO_TASKS_PER_PROJECT)
                    .map(|n| {
                        let i = (n as usize) + p * 7;
                        let (title, description) = DEMO_TASKS[i % DEMO_TASKS.len()];
                        let round = i / DEMO_TASKS.len();
                        let due = match i % 5 {
                            0 => today.checked_sub_days(Days::new(1 + (n % 9))),
                            1 | 2 => today.checked_add_days(Days::new(n % 7)),
                            3 => today.checked_add_days(Days::new(8 + n % 40)),
                            _ => None,
                        };
                        let at = now();
                        NewTask {
                            id: Uuid::now_v7(),
                            project_id: project.id,
                            title: if round == 0 {
                                title.to_owned()
                            } else {
                                format!("{title} ({})", round + 1)
                            },
                            description: description.map(str::to_owned),
                            status: ["todo", "in_progress", "done", "todo"][i % 4].to_owned(),
                            priority: ["medium", "high", "low"][i % 3].to_owned(),
                            assignee_id: (i % 6 != 5).then(|| ids[i % ids.len()]),
                            due_date: due,
                            created_at: at,
                            updated_at: at,
                        }
                    })
                    .collect();
                let history: Vec<NewTaskEvent> = tasks
                    .iter()
                    .map(|t| NewTaskEvent {
                        id: Uuid::now_v7(),
                        task_id: t.id,
                        actor_id: Some(ids[0]),
                        kind: "created".to_owned(),
                        changes: serde_json::json!({
                            "title": t.title, "status": t.status, "priority": t.priority,
                        })
                        .to_string(),
                        created_at: t.created_at,
                    })
                    .collect();
                let comments: Vec<NewComment> = tasks
                    .iter()
                    .enumerate()
                    .filter(|(n, _)| n % 4 == 0)
                    .map(|(n, t)| NewComment {
                        id: Uuid::now_v7(),
                        task_id: t.id,
                        author_id: Some(ids[(n / 4 + 1) % ids.len()]),
                        body: DEMO_COMMENTS[(n / 4) % DEMO_COMMENTS.len()].to_owned(),
                        created_at: now(),
                    })
                    .collect();
                Task::scoped(&mut tenant).insert_many(tasks).await?;
                TaskEvent::scoped(&mut tenant).insert_many(history).await?;
                Comment::scoped(&mut tenant).insert_many(comments).await?;
            }
            if let Some(project_id) = first_project {
                let job_id = taskflow_tenancy::jobs::enqueue(
                    &mut tenant,
                    crate::reports::KIND,
                    crate::reports::payload(project_id),
                )
                .await?;
                Report::scoped(&mut tenant)
                    .insert(NewReport {
                        id: Uuid::now_v7(),
                        project_id,
                        job_id,
                        created_at: now(),
                    })
                    .await?;
            }
            Ok::<(), SeedError>(())
        }
    };
}

/// Creates the demo organizations of [`DEMO_TENANTS`] in one transaction: in each, its owner
/// `owner@{subdomain}.example` and [`DEMO_PEOPLE`] (password [`DEMO_PASSWORD`]), four projects
/// of [`DEMO_TASKS_PER_PROJECT`] tasks with their history and comments, and a report queued for
/// the job workers. It does so only if the database has no tenant at all; returns their subdomains,
/// or nothing when the database already had tenants.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let db = taskflow_app::db::connect("sqlite::memory:").await?;
/// taskflow_app::db::migrate(&db).await?;
/// assert_eq!(taskflow_app::seed::demo_if_empty(&db).await?, ["acme", "globex"]);
/// // A second call finds tenants and writes nothing.
/// assert!(taskflow_app::seed::demo_if_empty(&db).await?.is_empty());
/// # Ok(())
/// # }
/// ```
pub async fn demo_if_empty(db: &AnyTenantDb) -> Result<Vec<&'static str>, SeedError> {
    if !has_no_tenants(db).await? {
        return Ok(Vec::new());
    }
    let admin = AdminCapability::grant("demo", "create demo tenants on an empty database")?;
    // One hash for every demo person: argon2 is slow on purpose, and they share the password.
    let hash = password::hash(DEMO_PASSWORD).await?;
    on_backend!(db, db => async {
        let mut tx = db.begin_admin(&admin).await?;
        let mut created = Vec::new();
        for ((name, subdomain), projects) in DEMO_TENANTS.into_iter().zip(DEMO_PROJECTS) {
            create_demo_tenant!(tx, name, subdomain, projects, &hash).await?;
            created.push(subdomain);
        }
        tx.commit().await?;
        Ok(created)
    }.await)
}

/// What [`seed`] reports as it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedProgress {
    /// A tenant is written, with this many rows (its own row included).
    Tenant {
        /// Rows written for this tenant.
        rows: u64,
    },
    /// Every tenant is written; the deferred indexes are being made (SQLite only).
    BuildingIndexes,
    /// Everything is being committed.
    Committing,
}

/// Writes `plan.tenants` tenants named `{prefix}-{n}`, each with an owner
/// `owner@{prefix}-{n}.example` (password [`DEMO_PASSWORD`]), `plan.projects` projects and
/// `plan.tasks` tasks in each project, in one transaction: all of it, or on any error nothing.
/// Reports each tenant written and the steps after the last one to `progress`. Returns the
/// rows written in all.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use taskflow_app::seed::{SeedPlan, SeedProgress, seed};
///
/// let db = taskflow_app::db::connect("sqlite::memory:").await?;
/// taskflow_app::db::migrate(&db).await?;
/// let plan = SeedPlan { tenants: 2, projects: 2, tasks: 5, prefix: "demo".into() };
/// let mut tenants = 0;
/// let rows = seed(&db, &plan, |step| {
///     if let SeedProgress::Tenant { .. } = step {
///         tenants += 1;
///     }
/// })
/// .await?;
/// assert_eq!(tenants, 2);
/// assert_eq!(rows, 2 * (1 + 1 + 2 + 10));
/// # Ok(())
/// # }
/// ```
pub async fn seed(
    db: &AnyTenantDb,
    plan: &SeedPlan,
    mut progress: impl FnMut(SeedProgress),
) -> Result<u64, SeedError> {
    let admin = AdminCapability::grant("seed", "write bulk demo data")?;
    // One hash for every owner: argon2 is slow on purpose, and they share the password.
    let owner_hash = password::hash(DEMO_PASSWORD).await?;
    let projects: Vec<String> = (1..=plan.projects)
        .map(|n| format!("Project {n}"))
        .collect();
    let title = |n: u64| format!("Task {}", n + 1);
    on_backend!(db, db => async {
        let mut tx = db.begin_admin(&admin).await?;
        let deferred = tx.raw().drop_indexes("tasks").await?;
        let mut total = 0;
        for n in 1..=plan.tenants {
            let subdomain = format!("{}-{n}", plan.prefix);
            let name = format!("Tenant {n}");
            let spec = TenantSpec {
                name: &name,
                subdomain: &subdomain,
                owner_hash: &owner_hash,
                projects: &projects,
                tasks: plan.tasks,
                task_title: &title,
            };
            let rows = 1 + create_tenant!(tx, &spec).await?;
            total += rows;
            progress(SeedProgress::Tenant { rows });
        }
        if !deferred.is_empty() {
            progress(SeedProgress::BuildingIndexes);
            tx.raw().restore_indexes(deferred).await?;
        }
        progress(SeedProgress::Committing);
        tx.commit().await?;
        Ok(total)
    }.await)
}
