//! [`TenantTx`]: one connection of one database, entered for one tenant, and the only thing the
//! generated query builders run on.

// The public futures here are declared `impl Future + Send` rather than written as `async fn`:
// callers that name a concrete backend (an axum handler, a spawned task) then need not prove
// `Send` through sqlx's higher-ranked executor bounds, which rustc cannot yet do
// (rust-lang/rust#100013).
#![allow(clippy::manual_async_fn)]

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::{Database, Executor, FromRow};

use crate::error::Error;
use crate::error::Result;
use crate::query::backend::{Backend, Dialect, Entry};
use crate::query::value::Value;
use crate::scope::database::{TenantDb, WriterLine, WriterPermit};
use crate::scope::open::OpenTx;
use crate::scope::tenant::{TenantId, TenantScope};

/// One tenant's connection: checked out once from a [`TenantDb`]'s pool for a scope that handle
/// issued, and entered for that tenant once.
///
/// It is what `Model::scoped(&mut tx)` takes: the builder reads the tenant from the
/// transaction itself, so the tenant of the `WHERE` clause and the tenant the connection was
/// entered for cannot differ. There is no way to enter another tenant on it, nor to nest a
/// second tenant inside it.
///
/// - [`TenantDb::begin`] opens a transaction (on SQLite with `BEGIN IMMEDIATE`, so that a
///   request that reads and then writes takes the write lock up front instead of failing to
///   upgrade); [`commit`](TenantTx::commit) makes its writes durable, dropping it rolls back.
/// - [`TenantDb::begin_read`] is for reads: on SQLite and MySQL a plain pooled connection (no
///   `BEGIN`/`COMMIT` round trips), on PostgreSQL a transaction (the row-level security setting
///   is transaction-local).
/// - On PostgreSQL both set the tenant for row-level security once, when they begin
///   ([`crate::postgres`] says what that does and does not cover).
///
/// Raw SQL on the connection ([`TenantTx::raw`]) is possible and explicit; it is outside the
/// compile-time guarantee.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// use taskflow_tenancy::{tenant_scoped, AdminCapability, TenantDb, TenantId};
///
/// #[tenant_scoped(table = "notes")]
/// pub struct Note { pub tenant_id: TenantId, pub id: i64, pub body: String }
///
/// let db = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
/// db.migrate().await?;
/// sqlx::query("CREATE TABLE notes (tenant_id BLOB NOT NULL, id INTEGER NOT NULL, \
///              body TEXT NOT NULL, PRIMARY KEY (tenant_id, id))")
///     .execute(db.pool()).await?;
/// let admin = AdminCapability::grant("docs", "example tenant")?;
/// db.create(&admin, "Acme", "acme").await?;
/// let acme = db.scope_by_subdomain("acme").await?;
///
/// let mut tx = db.begin(&acme).await?;
/// Note::scoped(&mut tx).insert(NewNote { id: 1, body: "hello".into() }).await?;
/// assert_eq!(Note::scoped(&mut tx).count().await?, 1);
/// tx.commit().await?;
///
/// // Dropped without commit: rolled back.
/// let mut tx = db.begin(&acme).await?;
/// Note::scoped(&mut tx).delete_by_key(1).await?;
/// drop(tx);
/// let mut tx = db.begin_read(&acme).await?;
/// assert_eq!(Note::scoped(&mut tx).count().await?, 1);
/// # Ok(())
/// # }
/// ```
pub struct TenantTx<DB: Database> {
    conn: Conn<DB>,
    scope: TenantScope,
    /// Dropped after `conn` (fields drop in order): the next writer begins once this
    /// transaction has ended.
    writer: WriterPermit,
    /// Where a deferred transaction waits for its writer turn when it first writes.
    line: WriterLine,
    /// Whether anything may have written on this connection: a builder's write, or SQL of the
    /// caller's own (`raw`, `raw_for_write`), which the library cannot see into. A transaction
    /// that wrote nothing ends with a queued `ROLLBACK` instead of a `COMMIT` it waits for.
    wrote: bool,
}

enum Conn<DB: Database> {
    Transaction(OpenTx<DB>),
    Pooled(PoolConnection<DB>),
    /// SQLite's write transactions: a pooled connection whose `BEGIN IMMEDIATE` waits for the
    /// first write, so that the reads before it run beside other writers instead of holding
    /// the database's one write lock.
    Deferred(PoolConnection<DB>),
    /// The deferred transaction failed to begin: the connection is gone.
    Lost,
}

impl<DB: Database> fmt::Debug for TenantTx<DB> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantTx")
            .field("scope", &self.scope)
            .field("transaction", &matches!(self.conn, Conn::Transaction(_)))
            .finish()
    }
}

impl<DB: Backend> TenantTx<DB> {
    /// A transaction that began entered for `scope`'s tenant
    /// (`Backend::begin_entered(Entry::Tenant(..))`).
    /// `wrote`: whether the transaction already holds a write (the new tenant's row of
    /// [`TenantDb::create_and_begin`]).
    pub(crate) fn entered(
        tx: OpenTx<DB>,
        scope: TenantScope,
        writer: WriterPermit,
        wrote: bool,
    ) -> Self {
        TenantTx {
            conn: Conn::Transaction(tx),
            scope,
            writer,
            line: None,
            wrote,
        }
    }

    /// The scope this connection was entered for.
    ///
    /// See [`TenantTx`] for an example.
    pub fn scope(&self) -> &TenantScope {
        &self.scope
    }

    /// The tenant every statement on this connection binds.
    ///
    /// See [`TenantTx`] for an example.
    pub fn tenant_id(&self) -> TenantId {
        self.scope.tenant_id()
    }

    /// Whether its writes are one transaction (from [`TenantDb::begin`], or any on
    /// PostgreSQL) rather than a plain read connection. On SQLite the transaction begins at the
    /// first write, with `BEGIN IMMEDIATE` after the handle's writer before it has ended: the
    /// reads before it are outside it, as on a read connection.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> taskflow_tenancy::Result<()> {
    /// # use taskflow_tenancy::{AdminCapability, TenantDb};
    /// # let db = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
    /// # db.migrate().await?;
    /// # db.create(&AdminCapability::grant("docs", "example")?, "Acme", "acme").await?;
    /// let scope = db.scope_by_subdomain("acme").await?;
    /// assert!(db.begin(&scope).await?.is_transaction());
    /// assert!(!db.begin_read(&scope).await?.is_transaction());
    /// # Ok(())
    /// # }
    /// ```
    pub fn is_transaction(&self) -> bool {
        matches!(self.conn, Conn::Transaction(_) | Conn::Deferred(_))
    }

    /// Commits the transaction (a read connection just goes back to the pool).
    ///
    /// A transaction on which nothing wrote (only the builders' reads ran on it, and
    /// [`TenantTx::raw`] was never called) has nothing to commit: it ends at once with a
    /// `ROLLBACK` queued on the connection, which goes out with the pool's check of the
    /// returned connection, so a read answers one round trip sooner.
    pub fn commit(self) -> impl Future<Output = Result<()>> + Send {
        async move {
            // The whole transaction moves into the future (an `async move` block that named
            // only `self.conn` would take just that field, and the writer's turn would end
            // when this function returns, before the `COMMIT` runs).
            let TenantTx {
                conn,
                writer,
                wrote,
                ..
            } = self;
            match conn {
                Conn::Transaction(tx) if !wrote => tx.end_unwritten(),
                Conn::Transaction(tx) => tx.commit().await?,
                Conn::Pooled(conn) | Conn::Deferred(conn) => drop(conn),
                Conn::Lost => return Err(lost()),
            }
            drop(writer);
            Ok(())
        }
    }

    /// Rolls the transaction back; dropping it does the same.
    pub fn rollback(self) -> impl Future<Output = Result<()>> + Send {
        async move {
            // As in `commit`: the writer's turn ends after the `ROLLBACK`.
            let TenantTx { conn, writer, .. } = self;
            match conn {
                Conn::Transaction(tx) => tx.rollback().await?,
                Conn::Pooled(conn) | Conn::Deferred(conn) => drop(conn),
                Conn::Lost => {}
            }
            drop(writer);
            Ok(())
        }
    }

    /// The connection itself, for SQL the builders cannot express.
    ///
    /// **Outside the compile-time guarantee**: nothing checks that such SQL binds the tenant.
    /// On PostgreSQL with row-level security the policies still filter what it reads and
    /// writes by the tenant this connection was entered for; on SQLite and MySQL nothing does.
    /// Review it as you would `unsafe`. On SQLite, before the transaction's first write, the
    /// connection is outside the transaction: write raw SQL after
    /// [`TenantTx::raw_for_write`] instead.
    ///
    /// # Panics
    ///
    /// If a write on this transaction already failed to begin it (SQLite: the database stayed
    /// locked past the busy timeout, or went away): the transaction has no connection left,
    /// and every builder on it answers with an error. Drop it and begin another.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> taskflow_tenancy::Result<()> {
    /// # use taskflow_tenancy::{AdminCapability, TenantDb};
    /// # let db = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
    /// # db.migrate().await?;
    /// # db.create(&AdminCapability::grant("docs", "example")?, "Acme", "acme").await?;
    /// let scope = db.scope_by_subdomain("acme").await?;
    /// let mut tx = db.begin_read(&scope).await?;
    /// let one: i64 = sqlx::query_scalar("SELECT 1").fetch_one(tx.raw()).await?;
    /// assert_eq!(one, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn raw(&mut self) -> &mut DB::Connection {
        self.wrote = true;
        self.reads()
    }

    /// The connection for the builders' reads, which write nothing.
    fn reads(&mut self) -> &mut DB::Connection {
        match &mut self.conn {
            Conn::Transaction(tx) => tx,
            Conn::Pooled(conn) | Conn::Deferred(conn) => conn,
            Conn::Lost => panic!("{}", lost()),
        }
    }

    /// [`TenantTx::raw`] inside the write transaction: on SQLite it begins the deferred
    /// transaction first (waiting for the handle's writer), as the builders' writes do.
    /// Outside the compile-time guarantee, as all raw SQL is.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> taskflow_tenancy::Result<()> {
    /// # use taskflow_tenancy::{AdminCapability, TenantDb};
    /// # let db = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
    /// # db.migrate().await?;
    /// # db.create(&AdminCapability::grant("docs", "example")?, "Acme", "acme").await?;
    /// let scope = db.scope_by_subdomain("acme").await?;
    /// let mut tx = db.begin(&scope).await?;
    /// sqlx::query("CREATE TABLE scratch (x INTEGER)").execute(tx.raw_for_write().await?).await?;
    /// drop(tx);
    /// let missing = sqlx::query("SELECT x FROM scratch").execute(db.pool()).await;
    /// assert!(missing.is_err(), "rolled back with the transaction");
    /// # Ok(())
    /// # }
    /// ```
    pub fn raw_for_write(&mut self) -> impl Future<Output = Result<&mut DB::Connection>> + Send {
        async move {
            self.wrote = true;
            if matches!(self.conn, Conn::Deferred(_)) {
                let Conn::Deferred(conn) = std::mem::replace(&mut self.conn, Conn::Lost) else {
                    unreachable!("matched above");
                };
                let permit = match &self.line {
                    Some(line) => Some(
                        Arc::clone(line)
                            .acquire_owned()
                            .await
                            .expect("the writer's line is never closed"),
                    ),
                    None => None,
                };
                let tx = OpenTx::begin(conn, sqlx::SqlStr::from_static(DB::BEGIN_WRITE)).await?;
                self.conn = Conn::Transaction(tx);
                self.writer = permit;
            }
            match &mut self.conn {
                Conn::Transaction(tx) => Ok(&mut **tx),
                Conn::Pooled(conn) => Ok(&mut **conn),
                Conn::Deferred(_) | Conn::Lost => Err(lost()),
            }
        }
    }
}

fn lost() -> Error {
    Error::InvalidQuery("the transaction failed to begin and has no connection: open a new one")
}

impl<DB> TenantDb<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    /// Checks out one connection for `scope` and begins a transaction on it, entered for the
    /// scope's tenant. [`Error::ForeignScope`](crate::Error::ForeignScope) if another handle
    /// issued the scope.
    ///
    /// See [`TenantTx`] for an example.
    pub fn begin(&self, scope: &TenantScope) -> impl Future<Output = Result<TenantTx<DB>>> + Send {
        async move {
            self.check(scope)?;
            if DB::DIALECT == Dialect::Sqlite {
                return Ok(TenantTx {
                    conn: Conn::Deferred(self.pool().acquire().await?),
                    scope: scope.clone(),
                    writer: None,
                    line: self.writer_line(),
                    wrote: false,
                });
            }
            let (permit, tx) = self.begin_write(Entry::Tenant(scope.tenant_id())).await?;
            Ok(TenantTx::entered(tx, scope.clone(), permit, false))
        }
    }

    /// Checks out one connection for `scope`'s reads: see [`TenantTx`] for what that is on each
    /// backend. [`Error::ForeignScope`](crate::Error::ForeignScope) if another handle issued
    /// the scope.
    pub fn begin_read(
        &self,
        scope: &TenantScope,
    ) -> impl Future<Output = Result<TenantTx<DB>>> + Send {
        async move {
            self.check(scope)?;
            if DB::DIALECT == Dialect::Postgres {
                let conn = self.pool().acquire().await?;
                let begin = DB::begin_entered(Entry::Tenant(scope.tenant_id()));
                let tx = OpenTx::begin(conn, begin).await?;
                return Ok(TenantTx::entered(tx, scope.clone(), None, false));
            }
            Ok(TenantTx {
                conn: Conn::Pooled(self.pool().acquire().await?),
                scope: scope.clone(),
                writer: None,
                line: None,
                wrote: false,
            })
        }
    }
}

/// Something the generated query builders run on: a [`TenantTx`] (or, with every backend
/// feature on, an [`AnyTenantTx`](crate::AnyTenantTx)). Sealed: a pool, a bare connection or an
/// sqlx transaction is not one, since nothing would say which tenant it acts for.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a tenant connection: tenant-scoped queries run on a `TenantTx`",
    label = "expected `&mut TenantTx<_>` here",
    note = "open one with `db.begin(&scope).await?` on the `TenantDb` that issued the scope; in an axum handler take the request's with the `RequestTx` extractor and write `Model::scoped(&mut *tx)`",
    note = "a pool, an sqlx connection or transaction, or a `TenantScope` alone says nothing about which tenant the connection acts for"
)]
pub trait TenantConn: Send + sealed::Sealed {
    #[doc(hidden)]
    fn __dialect(&self) -> Dialect;

    #[doc(hidden)]
    fn __tenant(&self) -> TenantId;

    #[doc(hidden)]
    fn __execute<'a>(
        &'a mut self,
        sql: Cow<'static, str>,
        values: Vec<Value>,
    ) -> impl Future<Output = Result<u64>> + Send + 'a;

    #[doc(hidden)]
    fn __fetch_count<'a>(
        &'a mut self,
        sql: Cow<'static, str>,
        values: Vec<Value>,
    ) -> impl Future<Output = Result<i64>> + Send + 'a;
}

/// A [`TenantConn`] whose rows decode into `O`: every `#[tenant_scoped]` model on every
/// backend. Sealed with [`TenantConn`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot read `{O}` rows: tenant-scoped reads run on a `TenantTx`",
    label = "expected `&mut TenantTx<_>` here",
    note = "open one with `db.begin(&scope).await?` (or `begin_read`) on the `TenantDb` that issued the scope; in an axum handler take the request's with the `RequestTx` extractor",
    note = "a pool, an sqlx connection or transaction, or a `TenantScope` alone says nothing about which tenant the connection acts for"
)]
pub trait FetchRows<O>: TenantConn {
    #[doc(hidden)]
    fn __fetch_all<'a>(
        &'a mut self,
        sql: Cow<'static, str>,
        values: Vec<Value>,
    ) -> impl Future<Output = Result<Vec<O>>> + Send + 'a;

    #[doc(hidden)]
    fn __fetch_optional<'a>(
        &'a mut self,
        sql: Cow<'static, str>,
        values: Vec<Value>,
    ) -> impl Future<Output = Result<Option<O>>> + Send + 'a;
}

pub(crate) mod sealed {
    pub trait Sealed {}
}

/// A transaction across tenants, for operator work that must be all or nothing over several of
/// them (a bulk seed, a move): begun with an audited [`AdminCapability`](crate::AdminCapability)
/// by [`TenantDb::begin_admin`], it enters one tenant at a time with [`AdminTx::enter`], and the
/// scoped builders run on what that returns. Every entry is logged at the audit target.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// use taskflow_tenancy::{tenant_scoped, AdminCapability, TenantDb, TenantId};
///
/// #[tenant_scoped(table = "notes")]
/// pub struct Note { pub tenant_id: TenantId, pub id: i64 }
///
/// let db = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
/// db.migrate().await?;
/// sqlx::query("CREATE TABLE notes (tenant_id BLOB NOT NULL REFERENCES tenants (id), \
///              id INTEGER NOT NULL, PRIMARY KEY (tenant_id, id))").execute(db.pool()).await?;
/// let admin = AdminCapability::grant("seed", "two tenants with a note each, or nothing")?;
///
/// let mut tx = db.begin_admin(&admin).await?;
/// for subdomain in ["acme", "globex"] {
///     let scope = tx.create_tenant(subdomain, subdomain).await?;
///     let mut entered = tx.enter(&scope).await?;
///     Note::scoped(&mut entered).insert(NewNote { id: 1 }).await?;
/// }
/// tx.commit().await?;
/// assert_eq!(db.list(&admin).await?.len(), 2);
/// # Ok(())
/// # }
/// ```
pub struct AdminTx<DB: Database> {
    tx: OpenTx<DB>,
    writer: WriterPermit,
    db: TenantDb<DB>,
    capability: &'static str,
    reason: String,
}

impl<DB: Database> fmt::Debug for AdminTx<DB> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminTx")
            .field("capability", &self.capability)
            .field("reason", &self.reason)
            .finish_non_exhaustive()
    }
}

/// One tenant entered in an [`AdminTx`], until the next [`AdminTx::enter`]: what the scoped
/// builders run on there.
pub struct EnteredTenant<'a, DB: Database> {
    tx: &'a mut OpenTx<DB>,
    tenant: TenantId,
}

impl<DB: Database> fmt::Debug for EnteredTenant<'_, DB> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnteredTenant")
            .field("tenant", &self.tenant)
            .finish_non_exhaustive()
    }
}

impl<DB> TenantDb<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    /// Begins an [`AdminTx`] for `admin`'s work; the grant's use is audited.
    pub fn begin_admin(
        &self,
        admin: &impl crate::scope::admin::AsAdminCapability,
    ) -> impl Future<Output = Result<AdminTx<DB>>> + Send {
        let admin = admin.as_admin_capability();
        admin.record_use("begin an admin transaction");
        let (capability, reason) = (admin.name(), admin.reason().to_owned());
        async move {
            let (permit, tx) = self.begin_write(Entry::Admin).await?;
            Ok(AdminTx {
                tx,
                writer: permit,
                db: self.clone(),
                capability,
                reason,
            })
        }
    }
}

impl<DB> AdminTx<DB>
where
    DB: Backend,
    crate::scope::tenant::Tenant: for<'r> FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    /// Creates an active tenant in this transaction, with the checks of
    /// [`TenantDb::create`], and returns its scope (the tenant is in
    /// [`TenantScope::tenant`]), for [`AdminTx::enter`]; audited.
    pub fn create_tenant<'a>(
        &'a mut self,
        name: &'a str,
        subdomain: &'a str,
    ) -> impl Future<Output = Result<TenantScope>> + Send + 'a {
        async move {
            let (tenant, sql, values) = crate::scope::database::new_tenant::<DB>(name, subdomain)?;
            self.audit(&format!("create tenant {subdomain}"));
            crate::scope::database::insert_tenant::<DB>(&mut self.tx, sql, values).await?;
            Ok(self.db.admit(tenant))
        }
    }

    /// Enters `scope`'s tenant (which must be this handle's) for the builders, until the next
    /// call; on PostgreSQL this moves the row-level security setting to that tenant. Audited.
    pub fn enter<'a>(
        &'a mut self,
        scope: &TenantScope,
    ) -> impl Future<Output = Result<EnteredTenant<'a, DB>>> + Send + 'a {
        let checked = self.db.check(scope);
        let tenant = scope.tenant_id();
        async move {
            checked?;
            self.audit(&format!("enter tenant {tenant}"));
            DB::enter_tenant(&mut self.tx, tenant).await?;
            Ok(EnteredTenant {
                tx: &mut self.tx,
                tenant,
            })
        }
    }

    /// The connection itself, for SQL outside any tenant (schema work, say): outside the
    /// guarantee, as all raw SQL is.
    pub fn raw(&mut self) -> &mut DB::Connection {
        &mut self.tx
    }

    /// Commits everything done in the transaction.
    pub fn commit(self) -> impl Future<Output = Result<()>> + Send {
        async move {
            // The whole transaction moves into the future, so the writer's turn (SQLite)
            // ends after the `COMMIT`, not when this function returns.
            let AdminTx { tx, writer, .. } = self;
            tx.commit().await?;
            drop(writer);
            Ok(())
        }
    }

    fn audit(&self, action: &str) {
        tracing::info!(
            target: crate::scope::admin::AUDIT_TARGET,
            capability = self.capability,
            reason = %self.reason,
            action,
            "admin capability used"
        );
    }
}

// One impl per backend rather than one generic impl: with concrete types the futures' `Send`
// is provable through sqlx's higher-ranked executor bounds (rust-lang/rust#100013).
macro_rules! tenant_conn {
    ($feature:literal, $db:ty) => {
        tenant_conn!(@ $feature, $db, [], TenantTx<$db>, tx => tx.reads(), tx => tx.scope.tenant_id(),
            tx => tx.raw_for_write().await?);
        tenant_conn!(@ $feature, $db, ['e], EnteredTenant<'e, $db>, tx => &mut **tx.tx, tx => tx.tenant,
            tx => &mut **tx.tx);
    };
    (@ $feature:literal, $db:ty, [$($lt:lifetime)?], $ty:ty, $raw:ident => $raw_expr:expr, $t:ident => $tenant_expr:expr,
        $w:ident => $write_expr:expr) => {
        #[cfg(feature = $feature)]
        impl<$($lt)?> sealed::Sealed for $ty {}

        #[cfg(feature = $feature)]
        impl<$($lt)?> TenantConn for $ty {
            fn __dialect(&self) -> Dialect {
                <$db as Backend>::DIALECT
            }

            fn __tenant(&self) -> TenantId {
                let $t = self;
                $tenant_expr
            }

            fn __execute<'a>(
                &'a mut self,
                sql: Cow<'static, str>,
                values: Vec<Value>,
            ) -> impl Future<Output = Result<u64>> + Send + 'a {
                async move {
                    let $w = self;
                    <$db as Backend>::execute($write_expr, sql, values).await
                }
            }

            fn __fetch_count<'a>(
                &'a mut self,
                sql: Cow<'static, str>,
                values: Vec<Value>,
            ) -> impl Future<Output = Result<i64>> + Send + 'a {
                let $raw = self;
                <$db as Backend>::fetch_count($raw_expr, sql, values)
            }
        }

        #[cfg(feature = $feature)]
        impl<$($lt,)? O> FetchRows<O> for $ty
        where
            O: for<'r> FromRow<'r, <$db as Database>::Row> + Send + Unpin + 'static,
        {
            fn __fetch_all<'a>(
                &'a mut self,
                sql: Cow<'static, str>,
                values: Vec<Value>,
            ) -> impl Future<Output = Result<Vec<O>>> + Send + 'a {
                let $raw = self;
                <$db as Backend>::fetch_all($raw_expr, sql, values)
            }

            fn __fetch_optional<'a>(
                &'a mut self,
                sql: Cow<'static, str>,
                values: Vec<Value>,
            ) -> impl Future<Output = Result<Option<O>>> + Send + 'a {
                let $raw = self;
                <$db as Backend>::fetch_optional($raw_expr, sql, values)
            }
        }
    };
}

tenant_conn!("sqlite", sqlx::Sqlite);
tenant_conn!("mysql", sqlx::MySql);
tenant_conn!("postgres", sqlx::Postgres);
