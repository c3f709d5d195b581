//! Demo data: the two demo organizations `serve` creates on an empty database ([`demo_if_empty`]),
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

use crate::model::{NewProject, NewTask, NewUser, Project, Task, User, now};
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

/// Creates the demo organizations of [`DEMO_TENANTS`] (each with an owner
/// `owner@{subdomain}.example` whose password is [`DEMO_PASSWORD`], a few projects and tasks)
/// when the database has no tenant; returns their subdomains, or nothing on a database that
/// already has a tenant, which it never touches.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let db = taskflow_app::db::connect("sqlite::memory:").await?;
/// taskflow_app::db::migrate(&db).await?;
/// assert_eq!(taskflow_app::seed::demo_if_empty(&db).await?, ["acme", "globex"]);
/// // The second time the database is not empty: nothing is added.
/// assert!(taskflow_app::seed::demo_if_empty(&db).await?.is_empty());
/// # Ok(())
/// # }
/// ```
pub async fn demo_if_empty(db: &AnyTenantDb) -> Result<Vec<&'static str>, SeedError> {
    if !has_no_tenants(db).await? {
        return Ok(Vec::new());
    }
    let admin = AdminCapability::grant("demo", "create demo tenants on an empty database")?;
    let owner_hash = password::hash(DEMO_PASSWORD).await?;
    const PROJECTS: [[&str; 2]; 2] = [
        ["Website relaunch", "Customer onboarding"],
        ["Mobile app", "Quarterly planning"],
    ];
    const TITLES: [&str; 4] = [
        "Write the brief",
        "Review the design",
        "Fix the login page",
        "Plan the launch",
    ];
    let title = |n: u64| TITLES[n as usize % TITLES.len()].to_owned();
    on_backend!(db, db => async {
        let mut tx = db.begin_admin(&admin).await?;
        let mut created = Vec::new();
        for ((name, subdomain), projects) in DEMO_TENANTS.into_iter().zip(PROJECTS) {
            let projects: Vec<String> = projects.iter().map(|p| (*p).to_owned()).collect();
            let spec = TenantSpec {
                name,
                subdomain,
                owner_hash: &owner_hash,
                projects: &projects,
                tasks: TITLES.len() as u64,
                task_title: &title,
            };
            create_tenant!(tx, &spec).await?;
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
