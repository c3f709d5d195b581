//! The smallest complete use of `taskflow-tenancy`: two tenants sharing one SQLite database.
//!
//! Run with:
//!
//! ```text
//! cargo run -p example-quickstart
//! ```
//!
//! It declares two tenant-scoped models (`Project`, and `Task` referencing `Project`), creates
//! their tables with the tenancy conventions (`PRIMARY KEY (tenant_id, id)`, composite foreign
//! key, `UNIQUE (tenant_id, name)`), creates the tenants Acme and Globex, and does scoped CRUD
//! for Acme: insert, a filtered and ordered list, an update through a patch, a delete. Then it
//! shows what Globex gets when it tries the same ids: nothing to count, nothing to read, nothing
//! to change, and a task pointing at Acme's project is refused by the database itself.
//!
//! Every step prints one plain line; the program exits non-zero if any of them does not hold.

use std::error::Error;
use std::str::FromStr;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use taskflow_tenancy::{AdminCapability, TenantId, TenantStore, tenant_scoped};
use uuid::Uuid;

/// A project; its name is unique within a tenant (two tenants may both have a "Website").
#[tenant_scoped(table = "projects", unique(name))]
#[derive(Debug, Clone)]
pub struct Project {
    /// The tenant that owns the project.
    pub tenant_id: TenantId,
    /// The project's id, unique within the tenant.
    pub id: Uuid,
    /// The project's name.
    pub name: String,
}

/// A task in a project of the same tenant.
#[tenant_scoped(table = "tasks")]
#[derive(Debug, Clone)]
pub struct Task {
    /// The tenant that owns the task.
    pub tenant_id: TenantId,
    /// The task's id, unique within the tenant.
    pub id: Uuid,
    /// The project the task belongs to: a composite foreign key, so always the same tenant's.
    #[tenant_scoped(references = Project)]
    pub project_id: Uuid,
    /// What to do.
    pub title: String,
    /// Whether it is done.
    pub done: bool,
}

/// The tables, written with the conventions the library relies on: every key, unique and
/// foreign key leads with `tenant_id`, so a row can never point into another tenant.
const SCHEMA: &[&str] = &[
    "CREATE TABLE projects (
        tenant_id BLOB NOT NULL REFERENCES tenants (id),
        id BLOB NOT NULL,
        name TEXT NOT NULL,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, name)
    )",
    "CREATE TABLE tasks (
        tenant_id BLOB NOT NULL REFERENCES tenants (id),
        id BLOB NOT NULL,
        project_id BLOB NOT NULL,
        title TEXT NOT NULL,
        done BOOLEAN NOT NULL,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id)
    )",
    "CREATE INDEX tasks_by_project ON tasks (tenant_id, project_id)",
];

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let pool = connect().await?;
    let store = TenantStore::new(pool.clone());
    store.migrate().await?;
    for statement in SCHEMA {
        sqlx::query(*statement).execute(&pool).await?;
    }
    println!("schema: tenants, projects and tasks created (composite keys, foreign keys on)");

    // Creating tenants crosses tenants, so it needs an admin capability, asked for with a reason.
    let admin = AdminCapability::grant("quickstart", "create the two example tenants")?;
    let acme_tenant = store.create(&admin, "Acme", "acme").await?;
    let globex_tenant = store.create(&admin, "Globex", "globex").await?;
    println!(
        "tenants: created acme ({}) and globex ({})",
        acme_tenant.id, globex_tenant.id
    );

    // In a web app the scope comes from the request's host; here from the store directly.
    let acme = store.scope_by_subdomain("acme").await?;
    let globex = store.scope_by_subdomain("globex").await?;

    // --- Acme: scoped CRUD -------------------------------------------------------------------
    let website = Project::scoped(&acme)
        .insert(
            &pool,
            NewProject {
                id: Uuid::now_v7(),
                name: "Website".into(),
            },
        )
        .await?;
    println!("acme: inserted project {:?} ({})", website.name, website.id);

    let mut task_ids = Vec::new();
    for (title, done) in [
        ("Write copy", false),
        ("Buy domain", true),
        ("Design logo", false),
    ] {
        let task = Task::scoped(&acme)
            .insert(
                &pool,
                NewTask {
                    id: Uuid::now_v7(),
                    project_id: website.id,
                    title: title.into(),
                    done,
                },
            )
            .await?;
        println!("acme: inserted task {:?} (done: {})", task.title, task.done);
        task_ids.push(task.id);
    }

    let open = Task::scoped(&acme)
        .filter(Task::PROJECT_ID.eq(website.id))
        .filter(Task::DONE.eq(false))
        .order_by(Task::TITLE.asc())
        .fetch_all(&pool)
        .await?;
    let titles: Vec<&str> = open.iter().map(|t| t.title.as_str()).collect();
    println!("acme: open tasks by title: {titles:?}");

    let finished = TaskPatch {
        done: Some(true),
        ..TaskPatch::default()
    };
    let design_logo = open
        .iter()
        .find(|t| t.title == "Design logo")
        .ok_or("the open tasks should include \"Design logo\"")?;
    let updated = Task::scoped(&acme)
        .update_by_key(&pool, design_logo.id, &finished)
        .await?;
    check(updated, "acme: updating its own task should find it")?;
    let still_open = Task::scoped(&acme)
        .filter(Task::DONE.eq(false))
        .count(&pool)
        .await?;
    println!("acme: marked \"Design logo\" done; open tasks left: {still_open}");

    let buy_domain = task_ids[1];
    let deleted = Task::scoped(&acme).delete_by_key(&pool, buy_domain).await?;
    check(deleted, "acme: deleting its own task should find it")?;
    let remaining = Task::scoped(&acme).count(&pool).await?;
    println!("acme: deleted \"Buy domain\"; tasks left: {remaining}");

    // --- Globex: the same ids lead nowhere ---------------------------------------------------
    let seen =
        Task::scoped(&globex).count(&pool).await? + Project::scoped(&globex).count(&pool).await?;
    println!("globex: counts {seen} rows of projects and tasks");
    check(seen == 0, "globex should see no rows")?;

    let project = Project::scoped(&globex).get(&pool, website.id).await?;
    let task = Task::scoped(&globex).get(&pool, task_ids[0]).await?;
    println!(
        "globex: get acme's project by id -> {}, acme's task by id -> {}",
        found(project.is_some()),
        found(task.is_some())
    );
    check(
        project.is_none() && task.is_none(),
        "globex should not read acme's rows",
    )?;

    let hijack = TaskPatch {
        title: Some("hijacked".into()),
        ..TaskPatch::default()
    };
    let mut updated = 0;
    let mut deleted = 0;
    for id in &task_ids {
        updated += u64::from(
            Task::scoped(&globex)
                .update_by_key(&pool, *id, &hijack)
                .await?,
        );
        deleted += u64::from(Task::scoped(&globex).delete_by_key(&pool, *id).await?);
    }
    println!("globex: update by acme's task ids -> {updated} rows, delete -> {deleted} rows");
    check(
        updated == 0 && deleted == 0,
        "globex should not change acme's rows",
    )?;

    let refused = Task::scoped(&globex)
        .insert(
            &pool,
            NewTask {
                id: Uuid::now_v7(),
                project_id: website.id,
                title: "Smuggled into acme's project".into(),
                done: false,
            },
        )
        .await;
    match refused {
        Err(e) if e.is_foreign_key_violation() => println!(
            "globex: insert of a task in acme's project -> refused by the database (foreign key)"
        ),
        Err(e) => return Err(e.into()),
        Ok(_) => return Err("globex could insert a task into acme's project".into()),
    }

    // Uniqueness is per tenant: Globex may have its own "Website".
    Project::scoped(&globex)
        .insert(
            &pool,
            NewProject {
                id: Uuid::now_v7(),
                name: "Website".into(),
            },
        )
        .await?;
    println!("globex: inserted its own project \"Website\" (names are unique per tenant)");

    let acme_tasks = Task::scoped(&acme)
        .order_by(Task::TITLE.asc())
        .fetch_all(&pool)
        .await?;
    let titles: Vec<&str> = acme_tasks.iter().map(|t| t.title.as_str()).collect();
    println!("acme: tasks after globex's attempts: {titles:?}");
    check(
        titles == ["Design logo", "Write copy"],
        "acme's tasks should be untouched",
    )?;

    println!("done: globex saw and changed none of acme's rows");
    Ok(())
}

/// One in-memory SQLite database with foreign keys on.
///
/// Each connection to `sqlite::memory:` is its own empty database, so the pool holds exactly
/// one connection and never lets it expire.
async fn connect() -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
    SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(options)
        .await
}

fn found(present: bool) -> &'static str {
    if present { "found" } else { "None" }
}

fn check(holds: bool, what: &'static str) -> Result<(), Box<dyn Error>> {
    if holds { Ok(()) } else { Err(what.into()) }
}
