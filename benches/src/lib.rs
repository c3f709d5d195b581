//! What the benchmarks in `benches/` share: the benchmarked model, a seeded SQLite file, and each
//! benchmarked operation written twice, with the generated builder and by hand with sqlx
//! (`sqlx::query_as` with a static string and `.bind`).
//!
//! Both versions of an operation take the same [`TenantTx`] (the builder runs on it, the
//! hand-written statement on its raw connection, [`TenantTx::raw`]), run the same statement
//! shape and decode into the same [`Task`] with the same `FromRow` impl, so the difference
//! between them is what the builder adds: building the SQL text, converting values, binding
//! arguments. The benchmarks open the transaction once, outside the measured loop.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use taskflow_benches::{by_hand, fixture, with_builder};
//!
//! let f = fixture().await;
//! let mut tx = f.db.begin_read(&f.scope).await.unwrap();
//! assert_eq!(with_builder::get(&mut tx).await, by_hand::get(&mut tx).await);
//! assert_eq!(with_builder::list(&mut tx).await, by_hand::list(&mut tx).await);
//! drop(tx);
//! let mut tx = f.db.begin(&f.scope).await.unwrap();
//! with_builder::insert(&mut tx, 1_000_001).await;
//! by_hand::insert(&mut tx, 1_000_002).await;
//! tx.commit().await.unwrap();
//! # }
//! ```

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use taskflow_tenancy::{AdminCapability, TenantDb, TenantId, TenantScope, TenantTx, tenant_scoped};

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

/// The transaction every benchmarked operation runs on: one tenant's, on the fixture's file.
pub type Tx = TenantTx<sqlx::Sqlite>;

/// A seeded database file, removed when dropped.
///
/// See the crate docs for an example.
#[derive(Debug)]
pub struct Fixture {
    /// The handle of the file's database (a pool of up to 4 connections), which opens the
    /// operations' transactions.
    pub db: TenantDb<sqlx::Sqlite>,
    /// The scope of the tenant the operations act for, issued by [`Fixture::db`].
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
    let db = TenantDb::new(pool);
    db.migrate().await.expect("tenants table");
    for statement in SCHEMA {
        sqlx::query(*statement)
            .execute(db.pool())
            .await
            .expect("schema");
    }
    let admin = AdminCapability::grant("benches", "seed the benchmark tenants").expect("grant");
    let mut scopes = Vec::new();
    for subdomain in ["acme", "globex"] {
        // The tenant and its rows in one transaction.
        let (_, mut tx) = db
            .create_and_begin(&admin, subdomain, subdomain)
            .await
            .expect("tenant");
        let rows = (1..=ROWS).map(|id| NewTask {
            id,
            title: format!("Task number {id} of {subdomain}"),
            status: STATUSES[(id % 3) as usize].to_owned(),
            priority: (id % 4 + 1) as i32,
        });
        Task::scoped(&mut tx)
            .insert_many(rows)
            .await
            .expect("seed rows");
        scopes.push(tx.scope().clone());
        tx.commit().await.expect("commit");
    }
    sqlx::query("ANALYZE")
        .execute(db.pool())
        .await
        .expect("analyze");
    Fixture {
        db,
        scope: scopes.swap_remove(0),
        _dir: dir,
    }
}

/// The operations with the generated builder, on the tenant transaction `tx`.
///
/// They panic on a database error: a benchmark has nothing to measure then.
pub mod with_builder {
    use super::{KEY, NewTask, Task, Tx};

    /// The task [`KEY`] of the transaction's tenant.
    ///
    /// See the crate docs for an example.
    pub async fn get(tx: &mut Tx) -> Option<Task> {
        Task::scoped(tx).get(KEY).await.expect("builder get")
    }

    /// The first 50 `todo` tasks of the transaction's tenant, by id.
    ///
    /// See the crate docs for an example.
    pub async fn list(tx: &mut Tx) -> Vec<Task> {
        Task::scoped(tx)
            .filter(Task::STATUS.eq("todo"))
            .order_by(Task::ID.asc())
            .limit(50)
            .fetch_all()
            .await
            .expect("builder list")
    }

    /// Inserts task `id` for the transaction's tenant.
    ///
    /// See the crate docs for an example.
    pub async fn insert(tx: &mut Tx, id: i64) -> Task {
        Task::scoped(tx)
            .insert(NewTask {
                id,
                title: "A task added by the benchmark".to_owned(),
                status: "todo".to_owned(),
                priority: 2,
            })
            .await
            .expect("builder insert")
    }
}

/// The same operations written by hand with sqlx, on the raw connection of the tenant
/// transaction `tx` ([`TenantTx::raw`](taskflow_tenancy::TenantTx::raw)), binding its tenant
/// themselves.
///
/// They panic on a database error: a benchmark has nothing to measure then.
pub mod by_hand {
    use super::{KEY, Task, Tx};

    const GET: &str = "SELECT tenant_id, id, title, status, priority FROM tasks \
                       WHERE tenant_id = ? AND id = ?";
    const LIST: &str = "SELECT tenant_id, id, title, status, priority FROM tasks \
                        WHERE tenant_id = ? AND status = ? ORDER BY id LIMIT 50";
    const INSERT: &str =
        "INSERT INTO tasks (tenant_id, id, title, status, priority) VALUES (?, ?, ?, ?, ?)";

    /// The task [`KEY`] of the transaction's tenant.
    ///
    /// See the crate docs for an example.
    pub async fn get(tx: &mut Tx) -> Option<Task> {
        sqlx::query_as::<_, Task>(GET)
            .bind(tx.tenant_id())
            .bind(KEY)
            .fetch_optional(tx.raw())
            .await
            .expect("hand-written get")
    }

    /// The first 50 `todo` tasks of the transaction's tenant, by id.
    ///
    /// See the crate docs for an example.
    pub async fn list(tx: &mut Tx) -> Vec<Task> {
        sqlx::query_as::<_, Task>(LIST)
            .bind(tx.tenant_id())
            .bind("todo")
            .fetch_all(tx.raw())
            .await
            .expect("hand-written list")
    }

    /// Inserts task `id` for the transaction's tenant; returns the rows affected (1).
    ///
    /// See the crate docs for an example.
    pub async fn insert(tx: &mut Tx, id: i64) -> u64 {
        sqlx::query(INSERT)
            .bind(tx.tenant_id())
            .bind(id)
            .bind("A task added by the benchmark".to_owned())
            .bind("todo".to_owned())
            .bind(2_i32)
            .execute(tx.raw())
            .await
            .expect("hand-written insert")
            .rows_affected()
    }
}
