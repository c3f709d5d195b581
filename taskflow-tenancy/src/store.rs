//! The tenants table and the verified ways to get a [`TenantScope`].

use std::future::Future;

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::{ColumnIndex, Database, Decode, Executor, FromRow, Pool, Row, Type};

use crate::{
    AdminCapability, AsAdminCapability, Backend, Dialect, Error, ModelInfo, Result, SqlValue,
    Tenant, TenantId, TenantScope, Value,
};

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

/// The tenants table, over an sqlx pool of any supported backend.
///
/// Looking a tenant up here is one of the verified ways to get a [`TenantScope`]; writing to
/// the table (create, suspend, resume, purge) needs an [`AdminCapability`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// use taskflow_tenancy::{AdminCapability, Error, TenantStore};
///
/// let store = TenantStore::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
/// store.migrate().await?;
/// let admin = AdminCapability::grant("signup", "new organization")?;
/// let acme = store.create(&admin, "Acme", "acme").await?;
///
/// store.suspend(&admin, acme.id).await?;
/// assert!(matches!(store.scope(acme.id).await, Err(Error::TenantSuspended(_))));
/// store.resume(&admin, acme.id).await?;
/// assert_eq!(store.scope(acme.id).await?.tenant_id(), acme.id);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct TenantStore<DB: Database> {
    pool: Pool<DB>,
}

// By hand: a derive would ask for `DB: Clone`, which the sqlx database types are not.
impl<DB: Database> Clone for TenantStore<DB> {
    fn clone(&self) -> Self {
        TenantStore {
            pool: self.pool.clone(),
        }
    }
}

impl<DB> TenantStore<DB>
where
    DB: Backend,
    Tenant: for<'r> FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    /// A store over `pool`, using the table `tenants`.
    pub fn new(pool: Pool<DB>) -> Self {
        TenantStore { pool }
    }

    /// The pool the store runs on.
    pub fn pool(&self) -> &Pool<DB> {
        &self.pool
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

    /// Creates the tenants table if it does not exist.
    pub async fn migrate(&self) -> Result<()> {
        DB::execute(&self.pool, Self::schema().to_owned(), Vec::new()).await?;
        Ok(())
    }

    async fn fetch(&self, column: &str, value: Value) -> Result<Option<Tenant>> {
        let dialect = DB::DIALECT;
        let sql = format!(
            "SELECT id, name, subdomain, is_active, created_at FROM tenants WHERE {} = {}",
            dialect.quote(column),
            dialect.placeholder(1)
        );
        DB::fetch_optional(&self.pool, sql, vec![value]).await
    }

    /// The tenant with this id, active or not. A plain lookup: it issues no scope.
    pub async fn get(&self, id: TenantId) -> Result<Option<Tenant>> {
        self.fetch("id", id.to_value()).await
    }

    /// The tenant with this subdomain (compared lowercase), active or not.
    pub async fn get_by_subdomain(&self, subdomain: &str) -> Result<Option<Tenant>> {
        self.fetch("subdomain", Value::Text(subdomain.to_ascii_lowercase()))
            .await
    }

    /// A scope for the tenant with this id: [`Error::TenantNotFound`] if there is none,
    /// [`Error::TenantSuspended`] if it is suspended.
    pub async fn scope(&self, id: TenantId) -> Result<TenantScope> {
        Self::verify(self.get(id).await?)
    }

    /// A scope for the tenant with this subdomain, with the same checks as [`TenantStore::scope`].
    pub async fn scope_by_subdomain(&self, subdomain: &str) -> Result<TenantScope> {
        Self::verify(self.get_by_subdomain(subdomain).await?)
    }

    /// The check every scope goes through: the tenant exists and is active.
    pub(crate) fn verify(tenant: Option<Tenant>) -> Result<TenantScope> {
        match tenant {
            None => Err(Error::TenantNotFound),
            Some(t) if !t.is_active => Err(Error::TenantSuspended(t.id)),
            Some(t) => Ok(TenantScope::verified(t)),
        }
    }

    /// A scope for any existing tenant, suspended ones included, for operator work on its
    /// data. The use is audited.
    pub async fn admin_scope(
        &self,
        admin: &impl AsAdminCapability,
        id: TenantId,
    ) -> Result<TenantScope> {
        let admin = admin.as_admin_capability();
        admin.record_use(&format!("admin_scope {id}"));
        match self.get(id).await? {
            Some(t) => Ok(TenantScope::verified(t)),
            None => Err(Error::TenantNotFound),
        }
    }

    /// [`TenantStore::admin_scope`] looked up on a given executor: in the transaction that
    /// created the tenant with [`TenantStore::create_in`], before it commits, so that the
    /// tenant's first rows (its owner) are written through the scoped builders in that same
    /// transaction. The use is audited.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> taskflow_tenancy::Result<()> {
    /// use taskflow_tenancy::{AdminCapability, TenantStore};
    ///
    /// let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
    /// let store = TenantStore::new(pool.clone());
    /// store.migrate().await?;
    /// let admin = AdminCapability::grant("signup", "create a tenant and its owner")?;
    ///
    /// let mut tx = pool.begin().await?;
    /// let acme = store.create_in(&mut *tx, &admin, "Acme", "acme").await?;
    /// let scope = store.admin_scope_in(&mut *tx, &admin, acme.id).await?;
    /// assert_eq!(scope.tenant_id(), acme.id);
    /// tx.commit().await?;
    /// # Ok(())
    /// # }
    /// ```
    #[allow(clippy::manual_async_fn)]
    pub fn admin_scope_in<'e, 'c: 'e, E>(
        &self,
        executor: E,
        admin: &impl AsAdminCapability,
        id: TenantId,
    ) -> impl Future<Output = Result<TenantScope>> + Send + 'e
    where
        E: 'e + Executor<'c, Database = DB>,
    {
        admin
            .as_admin_capability()
            .record_use(&format!("admin_scope {id}"));
        let sql = format!(
            "SELECT id, name, subdomain, is_active, created_at FROM tenants WHERE id = {}",
            DB::DIALECT.placeholder(1)
        );
        let fetch = DB::fetch_optional::<E, Tenant>(executor, sql, vec![id.to_value()]);
        async move {
            match fetch.await? {
                Some(t) => Ok(TenantScope::verified(t)),
                None => Err(Error::TenantNotFound),
            }
        }
    }

    /// Creates an active tenant. [`Error::InvalidTenant`] for a bad name or subdomain,
    /// [`Error::SubdomainTaken`] when the subdomain is in use.
    pub async fn create(
        &self,
        admin: &impl AsAdminCapability,
        name: &str,
        subdomain: &str,
    ) -> Result<Tenant> {
        self.create_in(&self.pool, admin, name, subdomain).await
    }

    /// [`TenantStore::create`] on a given executor, so that the tenant and its first rows
    /// (an owner account, say) can be created in one transaction.
    // Not `async fn`: on a transaction's connection, a caller's future could not prove `Send`
    // through sqlx's higher-ranked executor bounds (rust-lang/rust#100013); the checks run
    // now and the returned future declares `Send`.
    #[allow(clippy::manual_async_fn)]
    pub fn create_in<'e, 'c: 'e, E>(
        &self,
        executor: E,
        admin: &impl AsAdminCapability,
        name: &str,
        subdomain: &str,
    ) -> impl Future<Output = Result<Tenant>> + Send + 'e
    where
        E: 'e + Executor<'c, Database = DB>,
    {
        let admin = admin.as_admin_capability();
        let name = name.trim();
        let checked = if name.is_empty() || name.chars().count() > 200 {
            Err(Error::InvalidTenant {
                field: "name",
                message: "must be 1 to 200 characters long".into(),
            })
        } else {
            validate_subdomain(subdomain)
        };
        let insert = checked.map(|()| {
            admin.record_use(&format!("create tenant {subdomain}"));
            let tenant = Tenant {
                id: TenantId::new_v7(),
                name: name.to_owned(),
                subdomain: subdomain.to_owned(),
                is_active: true,
                created_at: Utc::now().trunc_subsecs(6),
            };
            let dialect = DB::DIALECT;
            let sql = format!(
                "INSERT INTO tenants (id, name, subdomain, is_active, created_at) VALUES ({})",
                (1..=5)
                    .map(|n| dialect.placeholder(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let values = vec![
                tenant.id.to_value(),
                Value::Text(tenant.name.clone()),
                Value::Text(tenant.subdomain.clone()),
                Value::Bool(true),
                Value::DateTime(tenant.created_at),
            ];
            (tenant, DB::execute(executor, sql, values))
        });
        async move {
            let (tenant, execute) = insert?;
            match execute.await {
                Ok(_) => Ok(tenant),
                Err(e) if e.unique_violation().is_some() => Err(Error::SubdomainTaken),
                Err(e) => Err(e),
            }
        }
    }

    /// Every tenant, oldest first.
    pub async fn list(&self, admin: &impl AsAdminCapability) -> Result<Vec<Tenant>> {
        admin.as_admin_capability().record_use("list tenants");
        let sql = "SELECT id, name, subdomain, is_active, created_at FROM tenants \
                   ORDER BY created_at, id"
            .to_owned();
        DB::fetch_all(&self.pool, sql, Vec::new()).await
    }

    /// Sets whether the tenant is active; returns the updated tenant.
    pub async fn set_active(
        &self,
        admin: &impl AsAdminCapability,
        id: TenantId,
        active: bool,
    ) -> Result<Tenant> {
        let verb = if active { "resume" } else { "suspend" };
        admin
            .as_admin_capability()
            .record_use(&format!("{verb} tenant {id}"));
        let dialect = DB::DIALECT;
        let sql = format!(
            "UPDATE tenants SET is_active = {} WHERE id = {}",
            dialect.placeholder(1),
            dialect.placeholder(2)
        );
        DB::execute(&self.pool, sql, vec![Value::Bool(active), id.to_value()]).await?;
        self.get(id).await?.ok_or(Error::TenantNotFound)
    }

    /// Suspends the tenant: no new scope is issued for it until it is resumed.
    pub async fn suspend(&self, admin: &impl AsAdminCapability, id: TenantId) -> Result<Tenant> {
        self.set_active(admin, id, false).await
    }

    /// Resumes a suspended tenant.
    pub async fn resume(&self, admin: &impl AsAdminCapability, id: TenantId) -> Result<Tenant> {
        self.set_active(admin, id, true).await
    }

    /// Deletes the tenant and every row it owns in `models`, in one transaction. List the
    /// models children first (tasks before projects) so that foreign keys allow each delete.
    /// Returns how many rows were deleted, the tenant's own row included.
    pub async fn purge(
        &self,
        admin: &impl AsAdminCapability,
        id: TenantId,
        models: &[ModelInfo],
    ) -> Result<u64> {
        let admin: &AdminCapability = admin.as_admin_capability();
        admin.record_use(&format!("purge tenant {id}"));
        let dialect = DB::DIALECT;
        let mut tx = self.pool.begin().await?;
        let mut deleted = 0;
        for model in models {
            let sql = format!(
                "DELETE FROM {} WHERE {} = {}",
                dialect.quote(model.table),
                dialect.quote(model.tenant_column),
                dialect.placeholder(1)
            );
            deleted += DB::execute(&mut *tx, sql, vec![id.to_value()]).await?;
        }
        let sql = format!("DELETE FROM tenants WHERE id = {}", dialect.placeholder(1));
        deleted += DB::execute(&mut *tx, sql, vec![id.to_value()]).await?;
        tx.commit().await?;
        Ok(deleted)
    }
}
