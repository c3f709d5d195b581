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
//! key, `UNIQUE (tenant_id, name)`), opens the database's handle (`TenantDb`), creates the
//! tenants Acme and Globex, and does scoped CRUD for Acme in one transaction of Acme's
//! (`db.begin(&scope)`, then `Model::scoped(&mut tx)`): insert, a filtered and ordered list, an
//! update through a patch, a delete. Then it shows what Globex gets when it tries the same ids
//! in a transaction of its own: nothing to count, nothing to read, nothing to change, and a task
//! pointing at Acme's project is refused by the database itself. Last, a scope issued by a
//! second handle is refused by the first (`Error::ForeignScope`).
//!
//! Every step prints one plain line; the program exits non-zero if any of them does not hold.

use std::error::Error;
use std::str::FromStr;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use taskflow_tenancy::{AdminCapability, TenantDb, TenantId, tenant_scoped};
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
    // The handle of the database: its pool, its tenants table, and the only way to a tenant's
    // queries. The pool itself is for what is no tenant's work, like creating the schema.
    let db = TenantDb::new(connect().await?);
    db.migrate().await?;
    for statement in SCHEMA {
        sqlx::query(*statement).execute(db.pool()).await?;
    }
    println!("schema: tenants, projects and tasks created (composite keys, foreign keys on)");

    // Creating tenants crosses tenants, so it needs an admin capability, asked for with a reason.
    let admin = AdminCapability::grant("quickstart", "create the two example tenants")?;
    let acme_tenant = db.create(&admin, "Acme", "acme").await?;
    let globex_tenant = db.create(&admin, "Globex", "globex").await?;
    println!(
        "tenants: created acme ({}) and globex ({})",
        acme_tenant.id, globex_tenant.id
    );

    // In a web app the scope comes from the request's host; here from the handle directly.
    let acme = db.scope_by_subdomain("acme").await?;
    let globex = db.scope_by_subdomain("globex").await?;

    // --- Acme: scoped CRUD, in one transaction of Acme's -------------------------------------
    // The pool has one connection: each transaction ends before the next one begins.
    let mut tx = db.begin(&acme).await?;
    let website = Project::scoped(&mut tx)
        .insert(NewProject {
            id: Uuid::now_v7(),
            name: "Website".into(),
        })
        .await?;
    println!("acme: inserted project {:?} ({})", website.name, website.id);

    let mut task_ids = Vec::new();
    for (title, done) in [
        ("Write copy", false),
        ("Buy domain", true),
        ("Design logo", false),
    ] {
        let task = Task::scoped(&mut tx)
            .insert(NewTask {
                id: Uuid::now_v7(),
                project_id: website.id,
                title: title.into(),
                done,
            })
            .await?;
        println!("acme: inserted task {:?} (done: {})", task.title, task.done);
        task_ids.push(task.id);
    }

    let open = Task::scoped(&mut tx)
        .filter(Task::PROJECT_ID.eq(website.id))
        .filter(Task::DONE.eq(false))
        .order_by(Task::TITLE.asc())
        .fetch_all()
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
    let updated = Task::scoped(&mut tx)
        .update_by_key(design_logo.id, &finished)
        .await?;
    check(updated, "acme: updating its own task should find it")?;
    let still_open = Task::scoped(&mut tx)
        .filter(Task::DONE.eq(false))
        .count()
        .await?;
    println!("acme: marked \"Design logo\" done; open tasks left: {still_open}");

    let buy_domain = task_ids[1];
    let deleted = Task::scoped(&mut tx).delete_by_key(buy_domain).await?;
    check(deleted, "acme: deleting its own task should find it")?;
    let remaining = Task::scoped(&mut tx).count().await?;
    println!("acme: deleted \"Buy domain\"; tasks left: {remaining}");
    tx.commit().await?;

    // --- Globex: the same ids lead nowhere ---------------------------------------------------
    let mut tx = db.begin(&globex).await?;
    let seen = Task::scoped(&mut tx).count().await? + Project::scoped(&mut tx).count().await?;
    println!("globex: counts {seen} rows of projects and tasks");
    check(seen == 0, "globex should see no rows")?;

    let project = Project::scoped(&mut tx).get(website.id).await?;
    let task = Task::scoped(&mut tx).get(task_ids[0]).await?;
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
        updated += u64::from(Task::scoped(&mut tx).update_by_key(*id, &hijack).await?);
        deleted += u64::from(Task::scoped(&mut tx).delete_by_key(*id).await?);
    }
    println!("globex: update by acme's task ids -> {updated} rows, delete -> {deleted} rows");
    check(
        updated == 0 && deleted == 0,
        "globex should not change acme's rows",
    )?;

    let refused = Task::scoped(&mut tx)
        .insert(NewTask {
            id: Uuid::now_v7(),
            project_id: website.id,
            title: "Smuggled into acme's project".into(),
            done: false,
        })
        .await;
    match refused {
        Err(e) if e.is_foreign_key_violation() => println!(
            "globex: insert of a task in acme's project -> refused by the database (foreign key)"
        ),
        Err(e) => return Err(e.into()),
        Ok(_) => return Err("globex could insert a task into acme's project".into()),
    }

    // Uniqueness is per tenant: Globex may have its own "Website". The refused statement above
    // changed nothing, so the transaction goes on.
    Project::scoped(&mut tx)
        .insert(NewProject {
            id: Uuid::now_v7(),
            name: "Website".into(),
        })
        .await?;
    println!("globex: inserted its own project \"Website\" (names are unique per tenant)");
    tx.commit().await?;

    // Reads only: a read connection of Acme's, no transaction needed.
    let mut tx = db.begin_read(&acme).await?;
    let acme_tasks = Task::scoped(&mut tx)
        .order_by(Task::TITLE.asc())
        .fetch_all()
        .await?;
    drop(tx);
    let titles: Vec<&str> = acme_tasks.iter().map(|t| t.title.as_str()).collect();
    println!("acme: tasks after globex's attempts: {titles:?}");
    check(
        titles == ["Design logo", "Write copy"],
        "acme's tasks should be untouched",
    )?;

    // --- A scope belongs to the handle that issued it -----------------------------------------
    // A second handle (in a real app another database: a scratch copy, a lagging replica; here
    // the same pool) has its own identity. Its scope for Acme does not open a transaction on
    // `db`: nothing runs.
    let second = TenantDb::new(db.pool().clone());
    let foreign = second.scope_by_subdomain("acme").await?;
    match db.begin(&foreign).await {
        Err(taskflow_tenancy::Error::ForeignScope) => println!(
            "second handle: its scope for acme -> refused by the first handle (ForeignScope)"
        ),
        Err(e) => return Err(e.into()),
        Ok(_) => return Err("a scope of another handle opened a transaction".into()),
    }

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
