//! What the benchmarks in `benches/` share: the benchmarked model, a seeded SQLite file, and each
//! benchmarked operation written twice, with the generated builder and by hand with sqlx
//! (`sqlx::query_as` with a static string and `.bind`).
//!
//! Both versions of an operation run the same statement shape and decode into the same
//! [`Task`] with the same `FromRow` impl, so the difference between them is what the builder
//! adds: building the SQL text, converting values, binding arguments.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use taskflow_benches::{by_hand, fixture, with_builder};
//!
//! let f = fixture().await;
//! assert_eq!(with_builder::get(&f).await, by_hand::get(&f).await);
//! assert_eq!(with_builder::list(&f).await, by_hand::list(&f).await);
//! with_builder::insert(&f, 1_000_001).await;
//! by_hand::insert(&f, 1_000_002).await;
//! # }
//! ```

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use taskflow_tenancy::{AdminCapability, TenantId, TenantScope, TenantStore, tenant_scoped};

/// The benchmarked model: a task row of five columns.
#[tenant_scoped(table = "tasks")]
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// Owner.
    pub tenant_id: TenantId,
    /// Key within the tenant.
    pub id: i64,
    /// Free text.
    pub title: String,
    /// `todo`, `doing` or `done`.
    pub status: String,
    /// 1 to 4.
    pub priority: i32,
}

const SCHEMA: &[&str] = &[
    "CREATE TABLE tasks (
        tenant_id BLOB NOT NULL REFERENCES tenants (id),
        id INTEGER NOT NULL,
        title TEXT NOT NULL,
        status TEXT NOT NULL,
        priority INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, id)
    )",
    "CREATE INDEX tasks_by_status ON tasks (tenant_id, status, id)",
];

/// Rows per tenant in a fresh [`fixture`]; ids run from 1 to `ROWS`, so inserts use larger ids.
pub const ROWS: i64 = 1_000;

/// The key [`with_builder::get`] and [`by_hand::get`] look up.
pub const KEY: i64 = 500;

const STATUSES: [&str; 3] = ["todo", "doing", "done"];

/// A seeded database file, removed when dropped.
///
/// See the crate docs for an example.
#[derive(Debug)]
pub struct Fixture {
    /// A pool on the file.
    pub pool: SqlitePool,
    /// The scope of the tenant the operations act for.
    pub scope: TenantScope,
    _dir: tempfile::TempDir,
}

/// A fresh database file with two tenants of [`ROWS`] tasks each (so that every query has
/// another tenant's rows to skip), statuses cycling through `todo`, `doing`, `done`.
///
/// WAL with `synchronous = NORMAL`, the usual production setting, so that an insert does not
/// wait for an fsync whose cost depends on the disk rather than on the code measured.
///
/// See the crate docs for an example.
///
/// # Panics
///
/// When the database cannot be created: a benchmark has nothing to measure then.
pub async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = SqliteConnectOptions::new()
        .filename(dir.path().join("bench.db"))
        .create_if_missing(true)
        .foreign_keys(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal);
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .expect("open the database");
    let store = TenantStore::new(pool.clone());
    store.migrate().await.expect("tenants table");
    for statement in SCHEMA {
        sqlx::query(*statement)
            .execute(&pool)
            .await
            .expect("schema");
    }
    let admin = AdminCapability::grant("benches", "seed the benchmark tenants").expect("grant");
    let mut scopes = Vec::new();
    for subdomain in ["acme", "globex"] {
        let tenant = store
            .create(&admin, subdomain, subdomain)
            .await
            .expect("tenant");
        let scope = store.scope(tenant.id).await.expect("scope");
        let rows = (1..=ROWS).map(|id| NewTask {
            id,
            title: format!("Task number {id} of {subdomain}"),
            status: STATUSES[(id % 3) as usize].to_owned(),
            priority: (id % 4 + 1) as i32,
        });
        let mut tx = pool.begin().await.expect("begin");
        Task::scoped(&scope)
            .insert_many(&mut *tx, rows)
            .await
            .expect("seed rows");
        tx.commit().await.expect("commit");
        scopes.push(scope);
    }
    sqlx::query("ANALYZE")
        .execute(&pool)
        .await
        .expect("analyze");
    Fixture {
        pool,
        scope: scopes.swap_remove(0),
        _dir: dir,
    }
}

/// The operations with the generated builder.
///
/// They panic on a database error: a benchmark has nothing to measure then.
pub mod with_builder {
    use super::{Fixture, KEY, NewTask, Task};

    /// The task [`KEY`] of the fixture's tenant.
    ///
    /// See the crate docs for an example.
    pub async fn get(f: &Fixture) -> Option<Task> {
        Task::scoped(&f.scope)
            .get(&f.pool, KEY)
            .await
            .expect("builder get")
    }

    /// The first 50 `todo` tasks of the fixture's tenant, by id.
    ///
    /// See the crate docs for an example.
    pub async fn list(f: &Fixture) -> Vec<Task> {
        Task::scoped(&f.scope)
            .filter(Task::STATUS.eq("todo"))
            .order_by(Task::ID.asc())
            .limit(50)
            .fetch_all(&f.pool)
            .await
            .expect("builder list")
    }

    /// Inserts task `id` for the fixture's tenant.
    ///
    /// See the crate docs for an example.
    pub async fn insert(f: &Fixture, id: i64) -> Task {
        Task::scoped(&f.scope)
            .insert(
                &f.pool,
                NewTask {
                    id,
                    title: "A task added by the benchmark".to_owned(),
                    status: "todo".to_owned(),
                    priority: 2,
                },
            )
            .await
            .expect("builder insert")
    }
}

/// The same operations written by hand with sqlx.
///
/// They panic on a database error: a benchmark has nothing to measure then.
pub mod by_hand {
    use super::{Fixture, KEY, Task};

    const GET: &str = "SELECT tenant_id, id, title, status, priority FROM tasks \
                       WHERE tenant_id = ? AND id = ?";
    const LIST: &str = "SELECT tenant_id, id, title, status, priority FROM tasks \
                        WHERE tenant_id = ? AND status = ? ORDER BY id LIMIT 50";
    const INSERT: &str =
        "INSERT INTO tasks (tenant_id, id, title, status, priority) VALUES (?, ?, ?, ?, ?)";

    /// The task [`KEY`] of the fixture's tenant.
    ///
    /// See the crate docs for an example.
    pub async fn get(f: &Fixture) -> Option<Task> {
        sqlx::query_as::<_, Task>(GET)
            .bind(f.scope.tenant_id())
            .bind(KEY)
            .fetch_optional(&f.pool)
            .await
            .expect("hand-written get")
    }

    /// The first 50 `todo` tasks of the fixture's tenant, by id.
    ///
    /// See the crate docs for an example.
    pub async fn list(f: &Fixture) -> Vec<Task> {
        sqlx::query_as::<_, Task>(LIST)
            .bind(f.scope.tenant_id())
            .bind("todo")
            .fetch_all(&f.pool)
            .await
            .expect("hand-written list")
    }

    /// Inserts task `id` for the fixture's tenant; returns the rows affected (1).
    ///
    /// See the crate docs for an example.
    pub async fn insert(f: &Fixture, id: i64) -> u64 {
        sqlx::query(INSERT)
            .bind(f.scope.tenant_id())
            .bind(id)
            .bind("A task added by the benchmark".to_owned())
            .bind("todo".to_owned())
            .bind(2_i32)
            .execute(&f.pool)
            .await
            .expect("hand-written insert")
            .rows_affected()
    }
}
