//! The holes a hostile review found, each tried again as a careless or malicious application
//! developer would, on every backend it applies to: a scope minted by a second handle on a
//! scratch database, crafted identifiers, a hand-written model that patches the tenant, a
//! suspended tenant kept alive by the cache's id entries, and cross-tenant statements that all
//! logged the same line.

#![allow(missing_docs)]

use std::sync::{Arc, Mutex};

use taskflow_tenancy::web::resolve::{TenantCache, TenantKey};
use taskflow_tenancy::{
    AdminCapability, Backend, Column, ColumnInfo, Dialect, Error, FetchRows, Kind, ModelInfo,
    NewRow, PatchRow, SqlValue, Tenant, TenantDb, TenantId, TenantModel, TenantTx, Value,
    tenant_scoped,
};

#[tenant_scoped(table = "notes")]
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub tenant_id: TenantId,
    pub id: i64,
    pub body: String,
}

fn notes_ddl(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => {
            "CREATE TABLE notes (tenant_id BLOB NOT NULL REFERENCES tenants (id), \
             id BIGINT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (tenant_id, id))"
        }
        Dialect::MySql => {
            "CREATE TABLE notes (tenant_id BINARY(16) NOT NULL, id BIGINT NOT NULL, \
             body TEXT NOT NULL, PRIMARY KEY (tenant_id, id), \
             FOREIGN KEY (tenant_id) REFERENCES tenants (id))"
        }
        _ => {
            "CREATE TABLE notes (tenant_id UUID NOT NULL REFERENCES tenants (id), \
             id BIGINT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (tenant_id, id))"
        }
    }
}

/// A fresh database of each backend, as a pool.
mod fresh {
    pub(crate) async fn sqlite() -> sqlx::SqlitePool {
        // Kept alive by the pool: the file is removed when the test process ends.
        let db = taskflow_tenancy::testkit::sqlite().await.unwrap();
        let pool = db.pool.clone();
        std::mem::forget(db);
        pool
    }

    pub(crate) async fn mysql() -> Option<sqlx::MySqlPool> {
        let url = taskflow_tenancy::testkit::mysql_url()?;
        Some(taskflow_tenancy::testkit::mysql(&url).await.unwrap().0)
    }

    pub(crate) async fn postgres() -> Option<sqlx::PgPool> {
        let url = taskflow_tenancy::testkit::postgres_url()?;
        Some(taskflow_tenancy::testkit::postgres(&url).await.unwrap().0)
    }
}

/// One `#[tokio::test]` per backend for a scenario generic over it, given two fresh pools.
macro_rules! on_every_backend {
    ($scenario:ident) => {
        mod $scenario {
            #[tokio::test]
            async fn sqlite() {
                super::$scenario(super::fresh::sqlite().await, super::fresh::sqlite().await).await;
            }

            #[tokio::test]
            async fn mysql() {
                let (Some(a), Some(b)) = (super::fresh::mysql().await, super::fresh::mysql().await)
                else {
                    return;
                };
                super::$scenario(a, b).await;
            }

            #[tokio::test]
            async fn postgres() {
                let (Some(a), Some(b)) = (
                    super::fresh::postgres().await,
                    super::fresh::postgres().await,
                ) else {
                    return;
                };
                super::$scenario(a, b).await;
            }
        }
    };
}

async fn with_notes<DB>(pool: sqlx::Pool<DB>) -> TenantDb<DB>
where
    DB: Backend,
    Tenant: for<'r> sqlx::FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'c> &'c sqlx::Pool<DB>: sqlx::Executor<'c, Database = DB>,
{
    let db = TenantDb::new(pool);
    db.migrate().await.unwrap();
    sqlx::raw_sql(notes_ddl(DB::DIALECT))
        .execute(db.pool())
        .await
        .unwrap();
    db
}

fn admin() -> AdminCapability {
    AdminCapability::grant("hardening test", "set up tenants to attack").unwrap()
}

/// Hole 1: a second handle on a scratch database (one raw `INSERT INTO tenants` of the
/// victim's id, active) mints a scope for the victim; the real handle refuses it, for writes
/// and reads alike, and the victim's rows (and its suspension) stand.
async fn a_scope_from_another_handle_is_refused<DB>(real: sqlx::Pool<DB>, scratch: sqlx::Pool<DB>)
where
    DB: Backend,
    Tenant: for<'r> sqlx::FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'c> &'c sqlx::Pool<DB>: sqlx::Executor<'c, Database = DB>,
    TenantTx<DB>: FetchRows<Note>,
    Note: for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let real = with_notes(real).await;
    let victim = real.create(&admin(), "Victim", "victim").await.unwrap();
    let scope = real.scope(victim.id).await.unwrap();
    let mut tx = real.begin(&scope).await.unwrap();
    Note::scoped(&mut tx)
        .insert(NewNote {
            id: 1,
            body: "the victim's secret".into(),
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    real.suspend(&admin(), victim.id).await.unwrap();

    let scratch = TenantDb::new(scratch);
    scratch.migrate().await.unwrap();
    let insert = format!(
        "INSERT INTO tenants (id, name, subdomain, is_active, created_at) VALUES ({}, {}, {}, {}, {})",
        DB::DIALECT.placeholder(1),
        DB::DIALECT.placeholder(2),
        DB::DIALECT.placeholder(3),
        DB::DIALECT.placeholder(4),
        DB::DIALECT.placeholder(5),
    );
    DB::execute(
        scratch.pool(),
        insert,
        vec![
            victim.id.to_value(),
            Value::Text("Victim".into()),
            Value::Text("victim".into()),
            Value::Bool(true),
            Value::DateTime(victim.created_at),
        ],
    )
    .await
    .unwrap();
    let forged = scratch
        .scope(victim.id)
        .await
        .expect("the scratch handle vouches");
    assert_eq!(forged.tenant_id(), victim.id);
    assert_ne!(forged.database(), real.id());

    assert!(matches!(
        real.begin(&forged).await,
        Err(Error::ForeignScope)
    ));
    assert!(matches!(
        real.begin_read(&forged).await,
        Err(Error::ForeignScope)
    ));

    // The victim is still suspended, its note untouched: the admin path still sees it.
    assert!(matches!(
        real.scope(victim.id).await,
        Err(Error::TenantSuspended(_))
    ));
    let admin_scope = real.admin_scope(&admin(), victim.id).await.unwrap();
    let mut tx = real.begin_read(&admin_scope).await.unwrap();
    let notes = Note::scoped(&mut tx).fetch_all().await.unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].body, "the victim's secret");
}

on_every_backend!(a_scope_from_another_handle_is_refused);

/// A hand-written model whose every name is attacker-chosen: a table name with a quote and a
/// comment, and a patch that assigns the tenant column.
pub struct Forged {
    tenant_id: TenantId,
    id: i64,
}

pub struct NewForged {
    id: i64,
}

#[derive(Default)]
pub struct ForgedPatch {
    tenant: Option<TenantId>,
}

impl NewRow<Forged> for NewForged {
    fn into_parts(self, tenant_id: TenantId) -> (Vec<Value>, Forged) {
        (
            vec![Value::I64(self.id)],
            Forged {
                tenant_id,
                id: self.id,
            },
        )
    }
}

impl PatchRow for ForgedPatch {
    fn assignments(&self) -> Vec<(&'static str, Value)> {
        self.tenant
            .map(|t| vec![("tenant_id", t.to_value())])
            .unwrap_or_default()
    }
}

impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for Forged {
    fn from_row(_: &'r R) -> sqlx::Result<Self> {
        Err(sqlx::Error::RowNotFound)
    }
}

const NOTES_COLUMNS: &[ColumnInfo] = &[
    ColumnInfo {
        name: "id",
        kind: Kind::I64,
        nullable: false,
    },
    ColumnInfo {
        name: "body",
        kind: Kind::Text,
        nullable: false,
    },
];

macro_rules! forged_model {
    ($ty:ident, $table:literal) => {
        impl TenantModel for $ty {
            type Key = i64;
            type New = NewForged;
            type Patch = ForgedPatch;
            const INFO: ModelInfo = ModelInfo {
                name: stringify!($ty),
                table: $table,
                tenant_column: "tenant_id",
                key_column: "id",
                columns: NOTES_COLUMNS,
                unique: &[],
                references: &[],
            };

            fn tenant_id(&self) -> TenantId {
                self.tenant_id
            }

            fn key(&self) -> i64 {
                self.id
            }

            fn value_of(&self, _: &str) -> Option<Value> {
                None
            }
        }
    };
}

forged_model!(Forged, "notes");

/// The same, on a table name that closes the quote and comments out the tenant condition.
pub struct Injected(Forged);

impl NewRow<Injected> for NewForged {
    fn into_parts(self, tenant_id: TenantId) -> (Vec<Value>, Injected) {
        let (values, row) = <NewForged as NewRow<Forged>>::into_parts(self, tenant_id);
        (values, Injected(row))
    }
}

impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for Injected {
    fn from_row(_: &'r R) -> sqlx::Result<Self> {
        Err(sqlx::Error::RowNotFound)
    }
}

impl TenantModel for Injected {
    type Key = i64;
    type New = NewForged;
    type Patch = ForgedPatch;
    const INFO: ModelInfo = ModelInfo {
        name: "Injected",
        table: "notes\" --",
        tenant_column: "tenant_id",
        key_column: "id",
        columns: NOTES_COLUMNS,
        unique: &[],
        references: &[],
    };

    fn tenant_id(&self) -> TenantId {
        self.0.tenant_id
    }

    fn key(&self) -> i64 {
        self.0.id
    }

    fn value_of(&self, _: &str) -> Option<Value> {
        None
    }
}

/// Hole 5: identifiers are checked and a patch never assigns the tenant, whatever a
/// hand-written model says; nothing reaches the database, and the other tenant's row stays
/// where it was.
async fn hand_written_models_cannot_cross_tenants<DB>(pool: sqlx::Pool<DB>, _: sqlx::Pool<DB>)
where
    DB: Backend,
    Tenant: for<'r> sqlx::FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'c> &'c sqlx::Pool<DB>: sqlx::Executor<'c, Database = DB>,
    TenantTx<DB>: FetchRows<Note> + FetchRows<Injected> + FetchRows<Forged>,
    Note: for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let db = with_notes(pool).await;
    let acme = db.create(&admin(), "Acme", "acme").await.unwrap();
    let globex = db.create(&admin(), "Globex", "globex").await.unwrap();
    let globex_scope = db.scope(globex.id).await.unwrap();
    let mut tx = db.begin(&globex_scope).await.unwrap();
    Note::scoped(&mut tx)
        .insert(NewNote {
            id: 7,
            body: "Globex's".into(),
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let acme_scope = db.scope(acme.id).await.unwrap();
    let mut tx = db.begin(&acme_scope).await.unwrap();
    let refused = |result: taskflow_tenancy::Result<_>| {
        assert!(
            matches!(result, Err(Error::InvalidQuery(_))),
            "the builder refuses before any SQL"
        )
    };
    refused(
        Injected::scoped_for_test(&mut tx)
            .fetch_all()
            .await
            .map(drop),
    );
    refused(Injected::scoped_for_test(&mut tx).delete().await.map(drop));
    refused(Injected::scoped_for_test(&mut tx).count().await.map(drop));
    // A patch that moves Globex's row (or any row) to another tenant is refused outright.
    let move_to_acme = ForgedPatch {
        tenant: Some(acme.id),
    };
    refused(
        Forged::scoped_for_test(&mut tx)
            .update(&move_to_acme)
            .await
            .map(drop),
    );
    tx.commit().await.unwrap();

    let mut tx = db.begin_read(&globex_scope).await.unwrap();
    let notes = Note::scoped(&mut tx).fetch_all().await.unwrap();
    assert_eq!(notes.len(), 1, "Globex's row is still Globex's");
    drop(tx);
    let mut tx = db.begin_read(&acme_scope).await.unwrap();
    assert_eq!(Note::scoped(&mut tx).count().await.unwrap(), 0);
}

on_every_backend!(hand_written_models_cannot_cross_tenants);

/// `Model::scoped` for the hand-written models, as `#[tenant_scoped]` would generate it.
trait ScopedForTest: TenantModel {
    fn scoped_for_test<C: taskflow_tenancy::TenantConn>(
        tx: &mut C,
    ) -> taskflow_tenancy::Scoped<'_, Self, C> {
        taskflow_tenancy::Scoped::__new(tx)
    }
}

impl ScopedForTest for Forged {}
impl ScopedForTest for Injected {}

/// Hole 5: a column made at run time from a crafted name is refused before any SQL exists.
#[test]
#[should_panic(expected = "plain SQL identifier")]
fn a_crafted_column_name_is_refused() {
    let name: &'static str = Box::leak(String::from("body\" IS NOT NULL OR \"x").into_boxed_str());
    let _ = Column::<Note, String>::__new(name);
}

/// Hole 6: forgetting a tenant by subdomain forgets it under its id too, so a suspension
/// takes effect at once for lookups by id (a token's `tid`, a job).
#[tokio::test]
async fn invalidating_a_subdomain_drops_the_tenants_id_entries() {
    let db = with_notes(fresh::sqlite().await).await;
    let acme = db.create(&admin(), "Acme", "acme").await.unwrap();
    let cache = TenantCache::new(db.clone());
    let by_id = TenantKey::id(acme.id);
    let cached = cache.get(&by_id).await.unwrap().unwrap();
    assert!(cached.tenant().is_active);

    db.suspend(&admin(), acme.id).await.unwrap();
    cache.invalidate("acme");
    let fresh = cache.get(&by_id).await.unwrap().unwrap();
    assert!(
        !fresh.tenant().is_active,
        "the id entry went with the subdomain"
    );
}

/// Hole 6: a cross-tenant count and a cross-tenant delete log what they ran: the operation,
/// the table and the rows, at run time, not one line for both when the builder was made.
#[tokio::test(flavor = "current_thread")]
async fn cross_tenant_statements_log_what_they_ran() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    tracing::callsite::rebuild_interest_cache();

    let db = with_notes(fresh::sqlite().await).await;
    for subdomain in ["acme", "globex"] {
        let tenant = db.create(&admin(), subdomain, subdomain).await.unwrap();
        let mut tx = db.begin(&db.scope(tenant.id).await.unwrap()).await.unwrap();
        for id in 0..3 {
            Note::scoped(&mut tx)
                .insert(NewNote {
                    id,
                    body: "x".into(),
                })
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
    }
    let operator = AdminCapability::grant("operator", "usage report, then cleanup").unwrap();
    assert_eq!(
        Note::all_tenants(&operator).count(db.pool()).await.unwrap(),
        6
    );
    let deleted = Note::all_tenants(&operator)
        .filter(Note::ID.eq(0))
        .delete(db.pool())
        .await
        .unwrap();
    assert_eq!(deleted, 2);

    let output = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let line = |operation: &str| {
        output
            .lines()
            .find(|l| l.contains(&format!("operation=\"{operation}\"")))
            .unwrap_or_else(|| panic!("no {operation} line in:\n{output}"))
            .to_owned()
    };
    let count = line("count");
    assert!(
        count.contains("table=\"notes\"") && count.contains("rows=6"),
        "{count}"
    );
    let delete = line("delete");
    assert!(
        delete.contains("table=\"notes\"") && delete.contains("rows=2"),
        "{delete}"
    );
    assert_ne!(count, delete);
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// PostgreSQL: two tenants with a note each and a job each, the notes and jobs tables under
/// row-level security, and a pool of an application role that owns nothing and bypasses
/// nothing. `None` without a PostgreSQL server.
#[cfg(feature = "postgres")]
struct Rls {
    owner: sqlx::PgPool,
    app: TenantDb<sqlx::Postgres>,
    acme: taskflow_tenancy::TenantScope,
    globex: taskflow_tenancy::TenantScope,
    role: String,
}

#[cfg(feature = "postgres")]
async fn rls() -> Option<Rls> {
    use std::str::FromStr;

    use taskflow_tenancy::jobs::{self, JobStore};
    use taskflow_tenancy::postgres::rls_policy_ddl;

    let url = taskflow_tenancy::testkit::postgres_url()?;
    let (owner, db_url) = taskflow_tenancy::testkit::postgres(&url).await.unwrap();
    let owner_db = with_notes(owner.clone()).await;
    JobStore::new(owner.clone()).migrate().await.unwrap();
    for statement in rls_policy_ddl(&Note::INFO) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
            .execute(&owner)
            .await
            .unwrap();
    }
    let role = format!("tf_app_{}", uuid::Uuid::new_v4().simple());
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE ROLE \"{role}\" LOGIN NOSUPERUSER NOBYPASSRLS; \
         GRANT SELECT, INSERT, UPDATE, DELETE ON notes, jobs TO \"{role}\"; \
         GRANT SELECT ON tenants TO \"{role}\""
    )))
    .execute(&owner)
    .await
    .unwrap();
    for (name, subdomain) in [("Acme", "acme"), ("Globex", "globex")] {
        owner_db.create(&admin(), name, subdomain).await.unwrap();
    }
    let options = sqlx::postgres::PgConnectOptions::from_str(&db_url)
        .unwrap()
        .username(&role);
    let app = TenantDb::new(
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(2)
            .connect_with(options)
            .await
            .unwrap(),
    );
    let acme = app.scope_by_subdomain("acme").await.unwrap();
    let globex = app.scope_by_subdomain("globex").await.unwrap();
    for scope in [&acme, &globex] {
        let mut tx = app.begin(scope).await.unwrap();
        let body = format!("{}'s note", scope.tenant().name);
        Note::scoped(&mut tx)
            .insert(NewNote { id: 1, body })
            .await
            .unwrap();
        jobs::enqueue(
            &mut tx,
            "report",
            serde_json::json!({"of": scope.tenant().name}),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    Some(Rls {
        owner,
        app,
        acme,
        globex,
        role,
    })
}

#[cfg(feature = "postgres")]
async fn raw_count(tx: &mut TenantTx<sqlx::Postgres>, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(tx.raw())
        .await
        .unwrap()
}

/// Hole 3: inside Acme's transaction, raw SQL that names Globex (by a setting, by entering
/// again, from a savepoint) still sees Acme's rows only; Globex's jobs are hidden too.
#[cfg(feature = "postgres")]
#[tokio::test]
async fn raw_sql_cannot_move_a_tenant_transaction_to_another_tenant() {
    use sqlx::Connection;

    let Some(f) = rls().await else {
        return;
    };
    let globex = f.globex.tenant_id().to_string();
    let mut tx = f.app.begin(&f.acme).await.unwrap();
    assert_eq!(raw_count(&mut tx, "SELECT count(*) FROM notes").await, 1);
    assert_eq!(raw_count(&mut tx, "SELECT count(*) FROM jobs").await, 1);

    // The setting the policies once read is anyone's to set; they no longer read it.
    sqlx::query("SELECT set_config('taskflow.tenant_id', $1, true)")
        .bind(&globex)
        .execute(tx.raw())
        .await
        .unwrap();
    let body: String = sqlx::query_scalar("SELECT body FROM notes")
        .fetch_one(tx.raw())
        .await
        .unwrap();
    assert_eq!(body, "Acme's note");
    let of_globex = format!("SELECT count(*) FROM notes WHERE tenant_id = '{globex}'");
    assert_eq!(raw_count(&mut tx, &of_globex).await, 0);
    let globex_jobs = format!("SELECT count(*) FROM jobs WHERE tenant_id = '{globex}'");
    assert_eq!(raw_count(&mut tx, &globex_jobs).await, 0);

    // Entering again is refused, in a savepoint or not; releasing a savepoint changes nothing.
    {
        let mut savepoint = tx.raw().begin().await.unwrap();
        let again = sqlx::query("SELECT taskflow_enter_tenant($1::uuid)")
            .bind(&globex)
            .execute(&mut *savepoint)
            .await;
        let err = again.expect_err("a second entry is refused");
        assert!(
            err.to_string().contains("already entered a tenant"),
            "{err}"
        );
        savepoint.rollback().await.unwrap();
    }
    {
        let mut savepoint = tx.raw().begin().await.unwrap();
        assert!(
            sqlx::query("SELECT taskflow_enter_admin()")
                .execute(&mut *savepoint)
                .await
                .is_err(),
            "a tenant transaction cannot become an admin one"
        );
        savepoint.rollback().await.unwrap();
    }
    {
        let savepoint = tx.raw().begin().await.unwrap();
        savepoint.commit().await.unwrap();
    }
    assert_eq!(raw_count(&mut tx, "SELECT count(*) FROM notes").await, 1);
    assert_eq!(raw_count(&mut tx, &of_globex).await, 0);
    // Nor can it read the key that signs the entry, and a signature of its own makes the
    // transaction see nothing rather than another tenant.
    {
        let mut savepoint = tx.raw().begin().await.unwrap();
        let key = sqlx::query("SELECT key FROM taskflow_entry_key")
            .execute(&mut *savepoint)
            .await;
        assert!(key.is_err(), "the key is the owner's");
        savepoint.rollback().await.unwrap();
    }
    {
        let mut savepoint = tx.raw().begin().await.unwrap();
        sqlx::query(
            "SELECT set_config('taskflow.entry', \
                    $1 || ':' || split_part(current_setting('taskflow.entry'), ':', 2), true)",
        )
        .bind(&globex)
        .execute(&mut *savepoint)
        .await
        .unwrap();
        let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM notes")
            .fetch_one(&mut *savepoint)
            .await
            .unwrap();
        assert_eq!(seen, 0, "Acme's signature does not admit Globex");
        savepoint.rollback().await.unwrap();
    }
    assert_eq!(raw_count(&mut tx, "SELECT count(*) FROM notes").await, 1);
    assert_eq!(raw_count(&mut tx, &of_globex).await, 0);
    tx.commit().await.unwrap();

    // A transaction of the role's own enters a tenant only in the statement that begins it.
    let mut own = f.app.pool().begin().await.unwrap();
    let late = sqlx::query("SELECT taskflow_enter_tenant($1::uuid)")
        .bind(&globex)
        .execute(&mut *own)
        .await
        .expect_err("too late to enter");
    assert!(
        late.to_string()
            .contains("only by the statement that begins"),
        "{late}"
    );
    drop(own);

    // Outside any tenant transaction the role sees no note; the job runner sees every job.
    let notes: i64 = sqlx::query_scalar("SELECT count(*) FROM notes")
        .fetch_one(f.app.pool())
        .await
        .unwrap();
    assert_eq!(notes, 0);
    let jobs: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs")
        .fetch_one(f.app.pool())
        .await
        .unwrap();
    assert_eq!(jobs, 2);
}

/// A begin whose caller goes away while the server runs it (an HTTP client that hangs up
/// mid-request) leaves no transaction behind on a pooled connection: every later tenant
/// transaction begins, enters its own tenant and sees its own rows.
#[cfg(feature = "postgres")]
#[tokio::test]
async fn a_begin_dropped_midway_leaves_no_transaction_on_the_pool() {
    let Some(f) = rls().await else {
        return;
    };
    // While the owner holds the entry key locked, a begin waits inside its entry.
    let mut lock = f.owner.begin().await.unwrap();
    sqlx::query("LOCK TABLE taskflow_entry_key IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    // As many as the pool has connections (2), each dropped while its entry waits.
    for _ in 0..2 {
        let begin = f.app.begin(&f.acme);
        let waited = tokio::time::timeout(std::time::Duration::from_millis(300), begin).await;
        assert!(waited.is_err(), "the begin waits for the key");
    }
    lock.rollback().await.unwrap();
    for scope in [&f.acme, &f.globex, &f.acme, &f.globex] {
        let mut tx = f
            .app
            .begin(scope)
            .await
            .expect("a connection outside any transaction");
        let body: String = sqlx::query_scalar("SELECT body FROM notes")
            .fetch_one(tx.raw())
            .await
            .unwrap();
        assert_eq!(body, format!("{}'s note", scope.tenant().name));
        tx.commit().await.unwrap();
    }
}

/// A transaction that wrote nothing ends with a queued `ROLLBACK`; one on which anything may
/// have written commits: a builder's write and raw SQL on a read transaction are kept, and the
/// connection serves the next transaction of another tenant cleanly.
#[cfg(feature = "postgres")]
#[tokio::test]
async fn a_read_transaction_commits_whatever_wrote_on_it() {
    let Some(f) = rls().await else {
        return;
    };
    let mut tx = f.app.begin_read(&f.acme).await.unwrap();
    Note::scoped(&mut tx)
        .insert(NewNote {
            id: 2,
            body: "by the builder".into(),
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = f.app.begin_read(&f.acme).await.unwrap();
    sqlx::query("INSERT INTO notes (tenant_id, id, body) VALUES ($1, 3, 'by raw SQL')")
        .bind(f.acme.tenant_id().as_uuid())
        .execute(tx.raw())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // Reads only, on both pooled connections: nothing to commit.
    for scope in [&f.globex, &f.acme, &f.globex] {
        let mut tx = f.app.begin_read(scope).await.unwrap();
        assert!(!Note::scoped(&mut tx).fetch_all().await.unwrap().is_empty());
        tx.commit().await.unwrap();
    }
    let mut tx = f.app.begin_read(&f.acme).await.unwrap();
    let ids: Vec<i64> = Note::scoped(&mut tx)
        .order_by(Note::ID.asc())
        .fetch_all()
        .await
        .unwrap()
        .into_iter()
        .map(|note| note.id)
        .collect();
    assert_eq!(ids, [1, 2, 3]);
    tx.commit().await.unwrap();
}

/// Hole 4: the audit compares the tenant policy exactly and is not talked past by a policy
/// that widens it, an `OR ... IS NULL` escape, a view or a security definer function owned by
/// a role that bypasses row-level security, or a `jobs` table outside the policies.
#[cfg(feature = "postgres")]
#[tokio::test]
async fn the_row_level_security_audit_cannot_be_talked_past() {
    use taskflow_tenancy::audit::{AuditOptions, Finding, audit_schema_with};

    let Some(f) = rls().await else {
        return;
    };
    let audit = || async {
        audit_schema_with(
            f.app.pool(),
            &[Note::INFO],
            AuditOptions::new().row_level_security(true),
        )
        .await
        .unwrap()
        .into_findings()
    };
    let owner_pool = &f.owner;
    let owner = |sql: String| async move {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(owner_pool)
            .await
            .unwrap()
    };
    assert_eq!(audit().await, []);

    owner("CREATE POLICY everyone ON notes FOR SELECT USING (true)".into()).await;
    assert_eq!(
        audit().await,
        [Finding::ExtraPermissivePolicy {
            table: "notes".into(),
            policy: "everyone".into(),
        }]
    );
    owner("DROP POLICY everyone ON notes".into()).await;

    owner(
        "ALTER POLICY taskflow_tenant_isolation ON notes \
         USING (tenant_id = (SELECT taskflow_current_tenant()) \
                OR (SELECT taskflow_current_tenant()) IS NULL)"
            .into(),
    )
    .await;
    let findings = audit().await;
    assert!(
        findings.contains(&Finding::MissingTenantPolicy {
            table: "notes".into()
        }),
        "{findings:?}"
    );
    for statement in taskflow_tenancy::postgres::rls_policy_ddl(&Note::INFO) {
        owner(statement).await;
    }
    assert_eq!(audit().await, []);

    // The test kit's owner is a superuser: whatever it owns bypasses row-level security.
    owner(format!(
        "CREATE VIEW all_notes AS SELECT * FROM notes; GRANT SELECT ON all_notes TO \"{}\"",
        f.role
    ))
    .await;
    owner(
        "CREATE FUNCTION note_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER \
         AS $$ SELECT count(*) FROM notes $$"
            .into(),
    )
    .await;
    let findings = audit().await;
    assert!(
        findings.iter().any(|f| matches!(f,
            Finding::RlsBypassingView { table, view, .. } if table == "notes" && view == "all_notes")),
        "{findings:?}"
    );
    assert!(
        findings.iter().any(|f| matches!(f,
            Finding::RlsBypassingFunction { table, function, .. }
                if table == "notes" && function == "note_count()")),
        "{findings:?}"
    );
    // What the audit warns of is real: through the view, the role reads both tenants' notes.
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM all_notes")
        .fetch_one(f.app.pool())
        .await
        .unwrap();
    assert_eq!(seen, 2);
    owner("DROP VIEW all_notes; DROP FUNCTION note_count()".into()).await;
    owner("CREATE VIEW own_notes WITH (security_invoker = true) AS SELECT * FROM notes".into())
        .await;
    assert_eq!(
        audit().await,
        [],
        "a security invoker view runs as its caller"
    );

    // A role that may read the entry key could sign an entry for any tenant.
    owner(format!(
        "GRANT SELECT ON taskflow_entry_key TO \"{}\"",
        f.role
    ))
    .await;
    assert_eq!(
        audit().await,
        [Finding::EntryKeyExposed {
            role: f.role.clone()
        }]
    );
    owner(format!(
        "REVOKE ALL ON taskflow_entry_key FROM \"{}\"",
        f.role
    ))
    .await;

    owner("DROP POLICY taskflow_tenant_isolation ON jobs".into()).await;
    assert_eq!(
        audit().await,
        [Finding::MissingTenantPolicy {
            table: "jobs".into()
        }]
    );
}
