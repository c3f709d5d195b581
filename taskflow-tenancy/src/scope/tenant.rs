//! Tenants, their ids, and the scope that proves code acts for one verified tenant.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The id of a tenant: a UUID.
///
/// A `TenantId` is plain data. Holding one proves nothing; queries need a [`TenantScope`].
///
/// ```
/// use taskflow_tenancy::TenantId;
///
/// let id: TenantId = "67e55044-10b1-426f-9247-bb680e5fe0c8".parse().unwrap();
/// assert_eq!(id.to_string(), "67e55044-10b1-426f-9247-bb680e5fe0c8");
/// ```
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct TenantId(Uuid);

impl TenantId {
    /// Wraps a UUID.
    ///
    /// ```
    /// use taskflow_tenancy::TenantId;
    /// use uuid::Uuid;
    ///
    /// assert_eq!(TenantId::from_uuid(Uuid::nil()).as_uuid(), Uuid::nil());
    /// ```
    pub const fn from_uuid(id: Uuid) -> Self {
        TenantId(id)
    }

    /// A new random (v7, time-ordered) id.
    ///
    /// ```
    /// use taskflow_tenancy::TenantId;
    ///
    /// assert_ne!(TenantId::new_v7(), TenantId::new_v7());
    /// ```
    pub fn new_v7() -> Self {
        TenantId(Uuid::now_v7())
    }

    /// The UUID inside.
    ///
    /// ```
    /// use taskflow_tenancy::TenantId;
    ///
    /// let id = TenantId::new_v7();
    /// assert_eq!(TenantId::from_uuid(id.as_uuid()), id);
    /// ```
    pub const fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl fmt::Debug for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TenantId({})", self.0)
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for TenantId {
    type Err = uuid::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(TenantId)
    }
}

impl From<Uuid> for TenantId {
    fn from(id: Uuid) -> Self {
        TenantId(id)
    }
}

impl From<TenantId> for Uuid {
    fn from(id: TenantId) -> Self {
        id.0
    }
}

/// The identity of one [`TenantDb`](crate::TenantDb) handle: every scope it issues carries it,
/// and its transactions refuse scopes that carry another.
///
/// Each [`TenantDb::new`](crate::TenantDb::new) makes a new identity (clones of a handle share
/// it), so a second handle on a scratch database, or on a lagging replica, cannot lend its
/// scopes to the first.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// use taskflow_tenancy::TenantDb;
///
/// let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
/// let one = TenantDb::new(pool.clone());
/// let other = TenantDb::new(pool);
/// assert_eq!(one.id(), one.clone().id());
/// assert_ne!(one.id(), other.id());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DatabaseId(u64);

impl DatabaseId {
    /// A fresh identity, never handed out before in this process.
    pub(crate) fn next() -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(1);
        DatabaseId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

impl fmt::Debug for DatabaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseId({})", self.0)
    }
}

/// A tenant as stored in the tenants table.
///
/// ```
/// use taskflow_tenancy::{Tenant, TenantId};
///
/// let t = Tenant {
///     id: TenantId::new_v7(),
///     name: "Acme".into(),
///     subdomain: "acme".into(),
///     is_active: true,
///     created_at: chrono::Utc::now(),
/// };
/// assert_eq!(t.subdomain, "acme");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Tenant {
    /// The tenant's id.
    pub id: TenantId,
    /// Display name.
    pub name: String,
    /// The subdomain the tenant is addressed by, lowercase.
    pub subdomain: String,
    /// `false` while the tenant is suspended.
    pub is_active: bool,
    /// When the tenant was created.
    pub created_at: DateTime<Utc>,
}

/// Proof that the holder acts for one verified, active tenant.
///
/// Every query on a `#[tenant_scoped]` model takes a `&TenantScope`, and binds its tenant id.
/// A scope cannot be built from a bare [`TenantId`], a struct literal, `Default` or serde: it
/// comes only from the verified paths of this crate:
///
/// - [`TenantDb::scope`](crate::TenantDb::scope) and
///   [`TenantDb::scope_by_subdomain`](crate::TenantDb::scope_by_subdomain), which look the
///   tenant up and refuse unknown and suspended tenants;
/// - [`TenantDb::admin_scope`](crate::TenantDb::admin_scope), with an audited
///   [`AdminCapability`](crate::AdminCapability) (also for suspended tenants);
/// - the tower layer (from the request's host) and the job runner (from a persisted job).
///
/// A scope carries the [`DatabaseId`] of the handle that verified it, and only that handle's
/// [`begin`](crate::TenantDb::begin) turns it into a [`TenantTx`](crate::TenantTx), the one
/// thing queries run on. Cloning a scope is cheap and keeps the proof: it is the same verified
/// tenant of the same database.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// use taskflow_tenancy::{AdminCapability, TenantDb};
///
/// let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
/// let db = TenantDb::new(pool);
/// db.migrate().await?;
/// let admin = AdminCapability::grant("docs", "create the example tenant")?;
/// let acme = db.create(&admin, "Acme", "acme").await?;
///
/// let scope = db.scope_by_subdomain("acme").await?;
/// assert_eq!(scope.tenant_id(), acme.id);
/// assert_eq!(scope.tenant().name, "Acme");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct TenantScope {
    tenant: Arc<Tenant>,
    database: DatabaseId,
}

impl TenantScope {
    /// Only the verified paths of this crate call this: the handle's lookups, the admin
    /// capability, the tower layer and the job runner, each with the identity of the
    /// [`TenantDb`](crate::TenantDb) whose tenants table vouched for the tenant.
    pub(crate) fn verified(tenant: Tenant, database: DatabaseId) -> Self {
        TenantScope {
            tenant: Arc::new(tenant),
            database,
        }
    }

    /// [`TenantScope::verified`] for a tenant already shared, as the tower layer's cache holds
    /// them, so that a cache hit copies no strings.
    #[cfg_attr(not(feature = "tower"), allow(dead_code))]
    pub(crate) fn verified_shared(tenant: Arc<Tenant>, database: DatabaseId) -> Self {
        TenantScope { tenant, database }
    }

    /// The identity of the database handle that verified this scope: the only handle whose
    /// [`begin`](crate::TenantDb::begin) accepts it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> taskflow_tenancy::Result<()> {
    /// use taskflow_tenancy::{AdminCapability, TenantDb};
    ///
    /// let db = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
    /// db.migrate().await?;
    /// db.create(&AdminCapability::grant("docs", "example tenant")?, "Acme", "acme").await?;
    /// let scope = db.scope_by_subdomain("acme").await?;
    /// assert_eq!(scope.database(), db.id());
    /// # Ok(())
    /// # }
    /// ```
    pub fn database(&self) -> DatabaseId {
        self.database
    }

    /// The id every query of this scope binds.
    ///
    /// See [`TenantScope`] for an example.
    pub fn tenant_id(&self) -> TenantId {
        self.tenant.id
    }

    /// The tenant as it was when the scope was issued.
    ///
    /// See [`TenantScope`] for an example.
    pub fn tenant(&self) -> &Tenant {
        &self.tenant
    }
}

impl fmt::Debug for TenantScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantScope")
            .field("tenant_id", &self.tenant.id)
            .field("subdomain", &self.tenant.subdomain)
            .field("database", &self.database)
            .finish()
    }
}
