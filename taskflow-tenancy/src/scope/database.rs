//! [`TenantDb`], the handle of one database: its pool, its tenants table and the verified ways
//! to get a [`TenantScope`] for it.

// The public futures here are declared `impl Future + Send` rather than written as `async fn`:
// callers that name a concrete backend (an axum handler, a spawned task) then need not prove
// `Send` through sqlx's higher-ranked executor bounds, which rustc cannot yet do
// (rust-lang/rust#100013).
#![allow(clippy::manual_async_fn)]

use std::future::Future;

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::{ColumnIndex, Database, Decode, Executor, FromRow, Pool, Row, Type};

use crate::error::{Error, Result};
use crate::query::backend::{Backend, Dialect, Entry};
use crate::query::model::ModelInfo;
use crate::query::sql::Sql;
use crate::query::value::{SqlValue, Value};
use crate::scope::admin::{AdminCapability, AsAdminCapability};
use crate::scope::open::OpenTx;
use crate::scope::tenant::DatabaseId;
use crate::scope::tenant::{Tenant, TenantId, TenantScope};
use crate::scope::tx::TenantTx;

/// Subdomains that name no tenant: they belong to the platform.
pub const RESERVED_SUBDOMAINS: &[&str] = &[
    "www",
    "api",
    "admin",
    "app",
    "static",
    "assets",
    "cdn",
    "mail",
    "smtp",
    "ftp",
    "status",
    "docs",
    "help",
    "support",
    "blog",
    "dashboard",
    "console",
    "auth",
    "login",
    "signup",
    "billing",
    "root",
    "system",
    "internal",
    "localhost",
];

/// Checks a subdomain: `[a-z0-9](-?[a-z0-9])*`, 3 to 63 characters, not reserved.
///
/// ```
/// use taskflow_tenancy::validate_subdomain;
///
/// assert!(validate_subdomain("acme-corp").is_ok());
/// assert!(validate_subdomain("ab").is_err());
/// assert!(validate_subdomain("Acme").is_err());
/// assert!(validate_subdomain("a--b").is_err());
/// assert!(validate_subdomain("www").is_err());
/// ```
pub fn validate_subdomain(subdomain: &str) -> Result<()> {
    let invalid = |message: &str| {
        Err(Error::InvalidTenant {
            field: "subdomain",
            message: message.to_owned(),
        })
    };
    if !(3..=63).contains(&subdomain.len()) {
        return invalid("must be 3 to 63 characters long");
    }
    let bytes = subdomain.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let well_formed = alnum(bytes[0])
        && alnum(bytes[bytes.len() - 1])
        && bytes.iter().all(|&b| alnum(b) || b == b'-')
        && !subdomain.contains("--");
    if !well_formed {
        return invalid("must be lowercase letters and digits, with single hyphens between them");
    }
    if RESERVED_SUBDOMAINS.contains(&subdomain) {
        return invalid("is reserved");
    }
    Ok(())
}

impl<'r, R: Row> FromRow<'r, R> for Tenant
where
    &'r str: ColumnIndex<R>,
    TenantId: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    bool: Decode<'r, R::Database> + Type<R::Database>,
    DateTime<Utc>: Decode<'r, R::Database> + Type<R::Database>,
{
    fn from_row(row: &'r R) -> sqlx::Result<Self> {
        Ok(Tenant {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            subdomain: row.try_get("subdomain")?,
            is_active: row.try_get("is_active")?,
            created_at: row.try_get("created_at")?,
        })
    }
}

/// The handle of one database: its pool, its tenants table, and the only way to run a tenant's
/// queries there.
///
/// A `TenantDb` has an identity ([`TenantDb::id`]). Every [`TenantScope`] it issues (by a
/// lookup here, through the tower layer over it, or from the job runner over it) carries that
/// identity, and [`TenantDb::begin`] refuses a scope that carries another with
/// [`Error::ForeignScope`]: a scope verified against a scratch database or a lagging replica
/// cannot reach this database's rows. Clones share the identity and the pool.
///
/// Writing to the tenants table (create, suspend, resume, purge) needs an [`AdminCapability`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// use taskflow_tenancy::{AdminCapability, Error, TenantDb};
///
/// let db = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
/// db.migrate().await?;
/// let admin = AdminCapability::grant("signup", "new organization")?;
/// let acme = db.create(&admin, "Acme", "acme").await?;
///
/// db.suspend(&admin, acme.id).await?;
/// assert!(matches!(db.scope(acme.id).await, Err(Error::TenantSuspended(_))));
/// db.resume(&admin, acme.id).await?;
/// let scope = db.scope(acme.id).await?;
/// assert_eq!(scope.tenant_id(), acme.id);
///
/// // A second handle (here on the same pool) has its own identity: its scopes are not ours.
/// let other = TenantDb::new(db.pool().clone());
/// let foreign = other.scope(acme.id).await?;
/// assert!(matches!(db.begin(&foreign).await, Err(Error::ForeignScope)));
/// db.begin(&scope).await?.commit().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct TenantDb<DB: Database> {
    pool: Pool<DB>,
    id: DatabaseId,
    writer: Writer,
}

/// On SQLite, the one writer of the handle: a write transaction waits for it in line before it
/// takes a connection and `BEGIN IMMEDIATE`, instead of every writer polling the database's
/// write lock in SQLite's sleeping busy handler, whose backoff (up to 100 ms a try) is what
/// gives contended writes their long tail. SQLite allows one writer at a time anyway; this
/// makes the wait a queue in the process. Writers in other processes still meet the busy
/// handler.
#[derive(Debug, Clone)]
struct Writer(WriterLine);

/// A place in [`Writer`]'s line, held by a write transaction until it ends.
pub(crate) type WriterPermit = Option<tokio::sync::OwnedSemaphorePermit>;

/// The line of [`Writer`] itself, for a transaction that joins it later.
pub(crate) type WriterLine = Option<std::sync::Arc<tokio::sync::Semaphore>>;

// By hand: a derive would ask for `DB: Clone`, which the sqlx database types are not.
impl<DB: Database> Clone for TenantDb<DB> {
    fn clone(&self) -> Self {
        TenantDb {
            pool: self.pool.clone(),
            id: self.id,
            writer: self.writer.clone(),
        }
    }
}

impl<DB: Database> TenantDb<DB> {
    /// The handle's identity, carried by every scope it issues.
    ///
    /// See [`DatabaseId`] for an example.
    pub fn id(&self) -> DatabaseId {
        self.id
    }

    /// The pool, for what is not one tenant's work: migrations, health checks, the operator's
    /// own tables. SQL run on it directly is outside this crate's guarantee.
    pub fn pool(&self) -> &Pool<DB> {
        &self.pool
    }

    /// [`Error::ForeignScope`] unless `scope` was issued by this handle.
    pub(crate) fn check(&self, scope: &TenantScope) -> Result<()> {
        if scope.database() == self.id {
            Ok(())
        } else {
            Err(Error::ForeignScope)
        }
    }

    pub(crate) fn admit(&self, tenant: Tenant) -> TenantScope {
        TenantScope::verified(tenant, self.id)
    }

    /// The line write transactions of this handle wait in (SQLite only).
    pub(crate) fn writer_line(&self) -> WriterLine {
        self.writer.0.clone()
    }

    /// Checks out a connection, waits for this handle's writer turn on it (on SQLite;
    /// elsewhere at once), then begins a transaction that will write.
    ///
    /// Connection first, turn second: the order a deferred [`TenantTx`](crate::TenantTx) takes
    /// them in (it holds its connection from `begin` and waits for the turn at its first
    /// write). Taken the other way round, a writer holding the turn could wait for a
    /// connection that every deferred transaction in line holds.
    pub(crate) async fn begin_write(&self, entry: Entry) -> Result<(WriterPermit, OpenTx<DB>)>
    where
        DB: Backend,
    {
        let conn = self.pool.acquire().await?;
        let permit = match &self.writer.0 {
            Some(line) => Some(
                std::sync::Arc::clone(line)
                    .acquire_owned()
                    .await
                    .expect("the writer's line is never closed"),
            ),
            None => None,
        };
        let tx = OpenTx::begin(conn, DB::begin_entered(entry)).await?;
        Ok((permit, tx))
    }
}

impl<DB> TenantDb<DB>
where
    DB: Backend,
    Tenant: for<'r> FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    /// The handle of the database behind `pool`, with a new identity and the table `tenants`.
    pub fn new(pool: Pool<DB>) -> Self {
        let writer = Writer(
            (DB::DIALECT == Dialect::Sqlite)
                .then(|| std::sync::Arc::new(tokio::sync::Semaphore::new(1))),
        );
        TenantDb {
            pool,
            id: DatabaseId::next(),
            writer,
        }
    }

    /// The `CREATE TABLE` statement of the tenants table on this backend.
    pub fn schema() -> &'static str {
        match DB::DIALECT {
            Dialect::Sqlite => {
                "CREATE TABLE IF NOT EXISTS tenants (\n\
                 id BLOB NOT NULL PRIMARY KEY,\n\
                 name TEXT NOT NULL,\n\
                 subdomain TEXT NOT NULL UNIQUE,\n\
                 is_active BOOLEAN NOT NULL DEFAULT 1,\n\
                 created_at TEXT NOT NULL)"
            }
            Dialect::MySql => {
                "CREATE TABLE IF NOT EXISTS tenants (\n\
                 id BINARY(16) NOT NULL PRIMARY KEY,\n\
                 name VARCHAR(200) NOT NULL,\n\
                 subdomain VARCHAR(63) NOT NULL,\n\
                 is_active BOOLEAN NOT NULL DEFAULT TRUE,\n\
                 created_at DATETIME(6) NOT NULL,\n\
                 CONSTRAINT tenants_subdomain_key UNIQUE (subdomain))"
            }
            Dialect::Postgres => {
                "CREATE TABLE IF NOT EXISTS tenants (\n\
                 id UUID NOT NULL PRIMARY KEY,\n\
                 name TEXT NOT NULL,\n\
                 subdomain TEXT NOT NULL,\n\
                 is_active BOOLEAN NOT NULL DEFAULT TRUE,\n\
                 created_at TIMESTAMPTZ NOT NULL,\n\
                 CONSTRAINT tenants_subdomain_key UNIQUE (subdomain))"
            }
        }
    }

    /// Creates the tenants table if it does not exist; on PostgreSQL also the tenant entry key and functions
    /// of row-level security ([`postgres::tenant_entry_ddl`](crate::postgres::tenant_entry_ddl)),
    /// which every tenant transaction there uses. Run it as the owner of the tables.
    pub fn migrate(&self) -> impl Future<Output = Result<()>> + Send {
        async move {
            DB::execute(&self.pool, Self::schema().to_owned(), Vec::new()).await?;
            #[cfg(feature = "postgres")]
            if let Some(pool) =
                (&self.pool as &(dyn std::any::Any + Send + Sync)).downcast_ref::<sqlx::PgPool>()
            {
                crate::postgres::migrate_entries(pool).await?;
            }
            Ok(())
        }
    }

    async fn fetch(&self, column: &str, value: Value) -> Result<Option<Tenant>> {
        let (sql, values) = Sql::new(DB::DIALECT)
            .push("SELECT id, name, subdomain, is_active, created_at FROM tenants WHERE ")
            .ident(column)
            .push(" = ")
            .bind(value)
            .take();
        DB::fetch_optional(&self.pool, sql, values).await
    }

    /// The tenant with this id, active or not. A plain lookup: it issues no scope.
    pub fn get(&self, id: TenantId) -> impl Future<Output = Result<Option<Tenant>>> + Send {
        async move { self.fetch("id", id.to_value()).await }
    }

    /// The tenant with this subdomain (compared lowercase), active or not.
    pub fn get_by_subdomain(
        &self,
        subdomain: &str,
    ) -> impl Future<Output = Result<Option<Tenant>>> + Send {
        async move {
            self.fetch("subdomain", Value::Text(subdomain.to_ascii_lowercase()))
                .await
        }
    }

    /// A scope for the tenant with this id: [`Error::TenantNotFound`] if there is none,
    /// [`Error::TenantSuspended`] if it is suspended.
    pub fn scope(&self, id: TenantId) -> impl Future<Output = Result<TenantScope>> + Send {
        async move { self.verify(self.get(id).await?) }
    }

    /// A scope for the tenant with this subdomain, with the same checks as [`TenantDb::scope`].
    pub fn scope_by_subdomain(
        &self,
        subdomain: &str,
    ) -> impl Future<Output = Result<TenantScope>> + Send {
        async move { self.verify(self.get_by_subdomain(subdomain).await?) }
    }

    /// The check every scope goes through: the tenant exists and is active.
    pub(crate) fn verify(&self, tenant: Option<Tenant>) -> Result<TenantScope> {
        match tenant {
            None => Err(Error::TenantNotFound),
            Some(t) if !t.is_active => Err(Error::TenantSuspended(t.id)),
            Some(t) => Ok(self.admit(t)),
        }
    }

    /// A scope for any existing tenant, suspended ones included, for operator work on its
    /// data. The use is audited.
    pub fn admin_scope(
        &self,
        admin: &impl AsAdminCapability,
        id: TenantId,
    ) -> impl Future<Output = Result<TenantScope>> + Send {
        async move {
            let admin = admin.as_admin_capability();
            admin.record_use(&format!("admin_scope {id}"));
            match self.get(id).await? {
                Some(t) => Ok(self.admit(t)),
                None => Err(Error::TenantNotFound),
            }
        }
    }

    /// Creates an active tenant. [`Error::InvalidTenant`] for a bad name or subdomain,
    /// [`Error::SubdomainTaken`] when the subdomain is in use.
    pub fn create(
        &self,
        admin: &impl AsAdminCapability,
        name: &str,
        subdomain: &str,
    ) -> impl Future<Output = Result<Tenant>> + Send {
        async move {
            let (tenant, tx) = self.create_and_begin(admin, name, subdomain).await?;
            tx.commit().await?;
            Ok(tenant)
        }
    }

    /// Creates an active tenant in a new transaction and returns that transaction, entered
    /// for the new tenant, so that its first rows (an owner account, say) are written through
    /// the scoped builders before anything commits: the tenant and its rows exist together or
    /// not at all. The use of `admin` is audited.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> taskflow_tenancy::Result<()> {
    /// use taskflow_tenancy::{AdminCapability, TenantDb};
    ///
    /// let db = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
    /// db.migrate().await?;
    /// let admin = AdminCapability::grant("signup", "create a tenant and its owner")?;
    ///
    /// let (acme, tx) = db.create_and_begin(&admin, "Acme", "acme").await?;
    /// assert_eq!(tx.tenant_id(), acme.id);
    /// // Rolled back (here by dropping it): no tenant was made.
    /// drop(tx);
    /// assert!(db.get(acme.id).await?.is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn create_and_begin(
        &self,
        admin: &impl AsAdminCapability,
        name: &str,
        subdomain: &str,
    ) -> impl Future<Output = Result<(Tenant, TenantTx<DB>)>> + Send {
        async move {
            let admin = admin.as_admin_capability();
            let (tenant, sql, values) = new_tenant::<DB>(name, subdomain)?;
            admin.record_use(&format!("create tenant {subdomain}"));
            let (permit, mut tx) = self.begin_write(Entry::Tenant(tenant.id)).await?;
            insert_tenant::<DB>(&mut *tx, sql, values).await?;
            let scope = self.admit(tenant.clone());
            let tx = TenantTx::entered(tx, scope, permit, true);
            Ok((tenant, tx))
        }
    }

    /// Every tenant, oldest first.
    pub fn list(
        &self,
        admin: &impl AsAdminCapability,
    ) -> impl Future<Output = Result<Vec<Tenant>>> + Send {
        async move {
            admin.as_admin_capability().record_use("list tenants");
            let sql = "SELECT id, name, subdomain, is_active, created_at FROM tenants \
                       ORDER BY created_at, id"
                .to_owned();
            DB::fetch_all(&self.pool, sql, Vec::new()).await
        }
    }

    /// Sets whether the tenant is active; returns the updated tenant.
    pub fn set_active(
        &self,
        admin: &impl AsAdminCapability,
        id: TenantId,
        active: bool,
    ) -> impl Future<Output = Result<Tenant>> + Send {
        async move {
            let verb = if active { "resume" } else { "suspend" };
            admin
                .as_admin_capability()
                .record_use(&format!("{verb} tenant {id}"));
            let (sql, values) = Sql::new(DB::DIALECT)
                .push("UPDATE tenants SET is_active = ")
                .bind(Value::Bool(active))
                .push(" WHERE id = ")
                .bind(id.to_value())
                .take();
            DB::execute(&self.pool, sql, values).await?;
            self.get(id).await?.ok_or(Error::TenantNotFound)
        }
    }

    /// Suspends the tenant: no new scope is issued for it until it is resumed.
    pub fn suspend(
        &self,
        admin: &impl AsAdminCapability,
        id: TenantId,
    ) -> impl Future<Output = Result<Tenant>> + Send {
        async move { self.set_active(admin, id, false).await }
    }

    /// Resumes a suspended tenant.
    pub fn resume(
        &self,
        admin: &impl AsAdminCapability,
        id: TenantId,
    ) -> impl Future<Output = Result<Tenant>> + Send {
        async move { self.set_active(admin, id, true).await }
    }

    /// Deletes the tenant and every row it owns in `models`, in one transaction. List the
    /// models children first (tasks before projects) so that foreign keys allow each delete.
    /// Returns how many rows were deleted, the tenant's own row included.
    pub fn purge(
        &self,
        admin: &impl AsAdminCapability,
        id: TenantId,
        models: &[ModelInfo],
    ) -> impl Future<Output = Result<u64>> + Send {
        async move {
            let admin: &AdminCapability = admin.as_admin_capability();
            admin.record_use(&format!("purge tenant {id}"));
            let mut tx = self.pool.begin().await?;
            let mut deleted = 0;
            for model in models {
                let (sql, values) = Sql::new(DB::DIALECT)
                    .push("DELETE FROM ")
                    .ident(model.table)
                    .push(" WHERE ")
                    .ident(model.tenant_column)
                    .push(" = ")
                    .bind(id.to_value())
                    .take();
                deleted += DB::execute(&mut *tx, sql, values).await?;
            }
            let (sql, values) = Sql::new(DB::DIALECT)
                .push("DELETE FROM tenants WHERE id = ")
                .bind(id.to_value())
                .take();
            deleted += DB::execute(&mut *tx, sql, values).await?;
            tx.commit().await?;
            Ok(deleted)
        }
    }
}

/// A new active tenant named `name` on `subdomain`, checked, with the `INSERT` that stores it.
pub(crate) fn new_tenant<DB: Backend>(
    name: &str,
    subdomain: &str,
) -> Result<(Tenant, String, Vec<Value>)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::InvalidTenant {
            field: "name",
            message: "must be 1 to 200 characters long".into(),
        });
    }
    validate_subdomain(subdomain)?;
    let tenant = Tenant {
        id: TenantId::new_v7(),
        name: name.to_owned(),
        subdomain: subdomain.to_owned(),
        is_active: true,
        created_at: Utc::now().trunc_subsecs(6),
    };
    let (sql, values) = Sql::new(DB::DIALECT)
        .push("INSERT INTO tenants (id, name, subdomain, is_active, created_at) VALUES (")
        .bind_list([
            tenant.id.to_value(),
            Value::Text(tenant.name.clone()),
            Value::Text(tenant.subdomain.clone()),
            Value::Bool(true),
            Value::DateTime(tenant.created_at),
        ])
        .push(")")
        .take();
    Ok((tenant, sql, values))
}

/// Runs the `INSERT` of [`new_tenant`]; a taken subdomain is [`Error::SubdomainTaken`].
pub(crate) async fn insert_tenant<'c, DB: Backend>(
    conn: &'c mut DB::Connection,
    sql: String,
    values: Vec<Value>,
) -> Result<()>
where
    &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    match DB::execute(conn, sql, values).await {
        Ok(_) => Ok(()),
        Err(e) if e.unique_violation().is_some() => Err(Error::SubdomainTaken),
        Err(e) => Err(e),
    }
}
