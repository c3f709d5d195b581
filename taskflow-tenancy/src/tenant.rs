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
/// - [`TenantStore::scope`](crate::TenantStore::scope) and
///   [`TenantStore::scope_by_subdomain`](crate::TenantStore::scope_by_subdomain), which look the
///   tenant up and refuse unknown and suspended tenants;
/// - [`TenantStore::admin_scope`](crate::TenantStore::admin_scope), with an audited
///   [`AdminCapability`](crate::AdminCapability) (also for suspended tenants).
///
/// Cloning a scope is cheap and keeps the proof: it is the same verified tenant.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// use taskflow_tenancy::{AdminCapability, TenantStore};
///
/// let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
/// let store = TenantStore::new(pool);
/// store.migrate().await?;
/// let admin = AdminCapability::grant("docs", "create the example tenant")?;
/// let acme = store.create(&admin, "Acme", "acme").await?;
///
/// let scope = store.scope_by_subdomain("acme").await?;
/// assert_eq!(scope.tenant_id(), acme.id);
/// assert_eq!(scope.tenant().name, "Acme");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct TenantScope {
    tenant: Arc<Tenant>,
}

impl TenantScope {
    /// Only the verified paths of this crate call this: the store, the admin capability, the
    /// tower layer and the job runner.
    pub(crate) fn verified(tenant: Tenant) -> Self {
        TenantScope {
            tenant: Arc::new(tenant),
        }
    }

    /// [`TenantScope::verified`] for a tenant already shared, as the tower layer's cache holds
    /// them, so that a cache hit copies no strings.
    #[cfg_attr(not(feature = "tower"), allow(dead_code))]
    pub(crate) fn verified_shared(tenant: Arc<Tenant>) -> Self {
        TenantScope { tenant }
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
            .finish()
    }
}

/// Something that is a verified [`TenantScope`]; only `TenantScope` itself is.
///
/// Queries on tenant-scoped models take `&impl AsTenantScope`, so that passing a `TenantId`,
/// a `Uuid` or anything else says plainly what is missing.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `TenantScope`: tenant-scoped queries need a verified scope",
    label = "expected `&TenantScope` here",
    note = "get a scope from `TenantStore::scope`, the `TenantLayer` request extension or the job runner; a bare id proves nothing",
    note = "to cross tenants on purpose, use `Model::all_tenants(&admin)` with an `AdminCapability`"
)]
pub trait AsTenantScope: sealed::Sealed {
    /// The scope itself.
    fn as_tenant_scope(&self) -> &TenantScope;
}

impl AsTenantScope for TenantScope {
    fn as_tenant_scope(&self) -> &TenantScope {
        self
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::TenantScope {}
}
