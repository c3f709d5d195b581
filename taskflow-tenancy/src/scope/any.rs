//! [`AnyTenantDb`] and [`AnyTenantTx`]: a handle and a tenant connection on whichever backend a
//! URL names at run time (features `sqlite`, `mysql` and `postgres` together).

// The public futures here are declared `impl Future + Send` rather than written as `async fn`:
// callers that name a concrete backend (an axum handler, a spawned task) then need not prove
// `Send` through sqlx's higher-ranked executor bounds, which rustc cannot yet do
// (rust-lang/rust#100013).
#![allow(clippy::manual_async_fn)]

use std::borrow::Cow;
use std::future::Future;

use sqlx::FromRow;
use sqlx::mysql::MySqlRow;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

use crate::error::Result;
use crate::query::backend::Dialect;
use crate::query::value::Value;
use crate::scope::admin::AsAdminCapability;
use crate::scope::database::TenantDb;
use crate::scope::tenant::{Tenant, TenantId, TenantScope};
use crate::scope::tx::TenantTx;
use crate::scope::tx::{FetchRows, TenantConn, sealed};

/// A [`TenantDb`] on one of the three backends, chosen at run time: for an application that
/// reads its database from a URL, as TaskFlow does. Handlers written against [`AnyTenantTx`]
/// run unchanged on each.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// use taskflow_tenancy::{tenant_scoped, AdminCapability, AnyTenantDb, TenantDb, TenantId};
///
/// #[tenant_scoped(table = "notes")]
/// pub struct Note { pub tenant_id: TenantId, pub id: i64 }
///
/// let db = AnyTenantDb::from(TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?));
/// db.migrate().await?;
/// let AnyTenantDb::Sqlite(sqlite) = &db else { unreachable!() };
/// sqlx::query("CREATE TABLE notes (tenant_id BLOB NOT NULL, id INTEGER NOT NULL, \
///              PRIMARY KEY (tenant_id, id))").execute(sqlite.pool()).await?;
/// db.create(&AdminCapability::grant("docs", "example")?, "Acme", "acme").await?;
///
/// let scope = db.scope_by_subdomain("acme").await?;
/// let mut tx = db.begin(&scope).await?;
/// Note::scoped(&mut tx).insert(NewNote { id: 1 }).await?;
/// assert_eq!(Note::scoped(&mut tx).count().await?, 1);
/// tx.commit().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub enum AnyTenantDb {
    /// SQLite.
    Sqlite(TenantDb<sqlx::Sqlite>),
    /// MySQL or MariaDB.
    MySql(TenantDb<sqlx::MySql>),
    /// PostgreSQL.
    Postgres(TenantDb<sqlx::Postgres>),
}

/// A [`TenantTx`] of an [`AnyTenantDb`].
///
/// See [`AnyTenantDb`] for an example.
#[derive(Debug)]
pub enum AnyTenantTx {
    /// On SQLite.
    Sqlite(TenantTx<sqlx::Sqlite>),
    /// On MySQL or MariaDB.
    MySql(TenantTx<sqlx::MySql>),
    /// On PostgreSQL.
    Postgres(TenantTx<sqlx::Postgres>),
}

macro_rules! each {
    ($value:expr, $inner:ident => $body:expr) => {
        match $value {
            Self::Sqlite($inner) => $body,
            Self::MySql($inner) => $body,
            Self::Postgres($inner) => $body,
        }
    };
}

macro_rules! each_into {
    ($value:expr, $inner:ident => $body:expr) => {
        match $value {
            Self::Sqlite($inner) => AnyTenantTx::Sqlite($body),
            Self::MySql($inner) => AnyTenantTx::MySql($body),
            Self::Postgres($inner) => AnyTenantTx::Postgres($body),
        }
    };
}

impl From<TenantDb<sqlx::Sqlite>> for AnyTenantDb {
    fn from(db: TenantDb<sqlx::Sqlite>) -> Self {
        AnyTenantDb::Sqlite(db)
    }
}

impl From<TenantDb<sqlx::MySql>> for AnyTenantDb {
    fn from(db: TenantDb<sqlx::MySql>) -> Self {
        AnyTenantDb::MySql(db)
    }
}

impl From<TenantDb<sqlx::Postgres>> for AnyTenantDb {
    fn from(db: TenantDb<sqlx::Postgres>) -> Self {
        AnyTenantDb::Postgres(db)
    }
}

// Not `async fn`: the declared `Send` is what axum handlers and the tower layer rely on.
#[allow(clippy::manual_async_fn)]
impl AnyTenantDb {
    /// The identity of the handle inside: see [`TenantDb::id`].
    pub fn id(&self) -> crate::scope::tenant::DatabaseId {
        each!(self, db => db.id())
    }

    /// The [`Dialect`] of the backend.
    pub fn dialect(&self) -> Dialect {
        match self {
            AnyTenantDb::Sqlite(_) => Dialect::Sqlite,
            AnyTenantDb::MySql(_) => Dialect::MySql,
            AnyTenantDb::Postgres(_) => Dialect::Postgres,
        }
    }

    /// [`TenantDb::migrate`]: the tenants table.
    pub fn migrate(&self) -> impl Future<Output = Result<()>> + Send + '_ {
        async move { each!(self, db => db.migrate().await) }
    }

    /// [`TenantDb::begin`].
    pub fn begin<'a>(
        &'a self,
        scope: &'a TenantScope,
    ) -> impl Future<Output = Result<AnyTenantTx>> + Send + 'a {
        async move { Ok(each_into!(self, db => db.begin(scope).await?)) }
    }

    /// [`TenantDb::begin_read`].
    pub fn begin_read<'a>(
        &'a self,
        scope: &'a TenantScope,
    ) -> impl Future<Output = Result<AnyTenantTx>> + Send + 'a {
        async move { Ok(each_into!(self, db => db.begin_read(scope).await?)) }
    }

    /// [`TenantDb::scope`].
    pub fn scope(&self, id: TenantId) -> impl Future<Output = Result<TenantScope>> + Send + '_ {
        async move { each!(self, db => db.scope(id).await) }
    }

    /// [`TenantDb::scope_by_subdomain`].
    pub fn scope_by_subdomain<'a>(
        &'a self,
        subdomain: &'a str,
    ) -> impl Future<Output = Result<TenantScope>> + Send + 'a {
        async move { each!(self, db => db.scope_by_subdomain(subdomain).await) }
    }

    /// [`TenantDb::admin_scope`].
    pub fn admin_scope<'a>(
        &'a self,
        admin: &'a impl AsAdminCapability,
        id: TenantId,
    ) -> impl Future<Output = Result<TenantScope>> + Send + 'a {
        async move { each!(self, db => db.admin_scope(admin, id).await) }
    }

    /// [`TenantDb::get`].
    pub fn get(&self, id: TenantId) -> impl Future<Output = Result<Option<Tenant>>> + Send + '_ {
        async move { each!(self, db => db.get(id).await) }
    }

    /// [`TenantDb::get_by_subdomain`].
    pub fn get_by_subdomain<'a>(
        &'a self,
        subdomain: &'a str,
    ) -> impl Future<Output = Result<Option<Tenant>>> + Send + 'a {
        async move { each!(self, db => db.get_by_subdomain(subdomain).await) }
    }

    /// [`TenantDb::create`].
    pub fn create<'a>(
        &'a self,
        admin: &'a impl AsAdminCapability,
        name: &'a str,
        subdomain: &'a str,
    ) -> impl Future<Output = Result<Tenant>> + Send + 'a {
        async move { each!(self, db => db.create(admin, name, subdomain).await) }
    }

    /// [`TenantDb::create_and_begin`].
    pub fn create_and_begin<'a>(
        &'a self,
        admin: &'a impl AsAdminCapability,
        name: &'a str,
        subdomain: &'a str,
    ) -> impl Future<Output = Result<(Tenant, AnyTenantTx)>> + Send + 'a {
        async move {
            Ok(match self {
                AnyTenantDb::Sqlite(db) => {
                    let (t, tx) = db.create_and_begin(admin, name, subdomain).await?;
                    (t, AnyTenantTx::Sqlite(tx))
                }
                AnyTenantDb::MySql(db) => {
                    let (t, tx) = db.create_and_begin(admin, name, subdomain).await?;
                    (t, AnyTenantTx::MySql(tx))
                }
                AnyTenantDb::Postgres(db) => {
                    let (t, tx) = db.create_and_begin(admin, name, subdomain).await?;
                    (t, AnyTenantTx::Postgres(tx))
                }
            })
        }
    }

    /// [`TenantDb::list`].
    pub fn list<'a>(
        &'a self,
        admin: &'a impl AsAdminCapability,
    ) -> impl Future<Output = Result<Vec<Tenant>>> + Send + 'a {
        async move { each!(self, db => db.list(admin).await) }
    }

    /// [`TenantDb::set_active`].
    pub fn set_active<'a>(
        &'a self,
        admin: &'a impl AsAdminCapability,
        id: TenantId,
        active: bool,
    ) -> impl Future<Output = Result<Tenant>> + Send + 'a {
        async move { each!(self, db => db.set_active(admin, id, active).await) }
    }
}

impl AnyTenantTx {
    /// [`TenantTx::scope`].
    pub fn scope(&self) -> &TenantScope {
        each!(self, tx => tx.scope())
    }

    /// [`TenantTx::tenant_id`].
    pub fn tenant_id(&self) -> TenantId {
        each!(self, tx => tx.tenant_id())
    }

    /// [`TenantTx::is_transaction`].
    pub fn is_transaction(&self) -> bool {
        each!(self, tx => tx.is_transaction())
    }

    /// [`TenantTx::commit`].
    pub fn commit(self) -> impl Future<Output = Result<()>> + Send {
        async move { each!(self, tx => tx.commit().await) }
    }

    /// [`TenantTx::rollback`].
    pub fn rollback(self) -> impl Future<Output = Result<()>> + Send {
        async move { each!(self, tx => tx.rollback().await) }
    }
}

impl sealed::Sealed for AnyTenantTx {}

impl TenantConn for AnyTenantTx {
    fn __dialect(&self) -> Dialect {
        each!(self, tx => tx.__dialect())
    }

    fn __tenant(&self) -> TenantId {
        each!(self, tx => tx.__tenant())
    }

    fn __execute<'a>(
        &'a mut self,
        sql: Cow<'static, str>,
        values: Vec<Value>,
    ) -> impl Future<Output = Result<u64>> + Send + 'a {
        async move { each!(self, tx => tx.__execute(sql, values).await) }
    }

    fn __fetch_count<'a>(
        &'a mut self,
        sql: Cow<'static, str>,
        values: Vec<Value>,
    ) -> impl Future<Output = Result<i64>> + Send + 'a {
        async move { each!(self, tx => tx.__fetch_count(sql, values).await) }
    }
}

impl<O> FetchRows<O> for AnyTenantTx
where
    O: for<'r> FromRow<'r, SqliteRow>
        + for<'r> FromRow<'r, MySqlRow>
        + for<'r> FromRow<'r, PgRow>
        + Send
        + Unpin
        + 'static,
{
    fn __fetch_all<'a>(
        &'a mut self,
        sql: Cow<'static, str>,
        values: Vec<Value>,
    ) -> impl Future<Output = Result<Vec<O>>> + Send + 'a {
        async move { each!(self, tx => tx.__fetch_all(sql, values).await) }
    }

    fn __fetch_optional<'a>(
        &'a mut self,
        sql: Cow<'static, str>,
        values: Vec<Value>,
    ) -> impl Future<Output = Result<Option<O>>> + Send + 'a {
        async move { each!(self, tx => tx.__fetch_optional(sql, values).await) }
    }
}
