//! Looking tenants up, through a cache in front of the tenants table.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use moka::sync::Cache;
use sqlx::{Executor, FromRow};

use super::{Key, TenantKey};
use crate::error::Result;
use crate::query::backend::Backend;
use crate::scope::database::TenantDb;
use crate::scope::tenant::{DatabaseId, Tenant, TenantId};

/// A tenant as read from a [`TenantDb`]: only the store can make one.
///
/// This is what keeps [`TenantLookup`] from being a back door to a
/// [`TenantScope`](crate::TenantScope): an implementation can count, time or log the store's
/// answers, but every tenant it hands out was read from the database.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// use taskflow_tenancy::web::resolve::TenantLookup;
/// use taskflow_tenancy::{AdminCapability, TenantDb};
///
/// let store = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
/// store.migrate().await?;
/// store.create(&AdminCapability::grant("docs", "example tenant")?, "Acme", "acme").await?;
///
/// let stored = store.by_subdomain("acme").await?.expect("acme exists");
/// assert_eq!(stored.tenant().name, "Acme");
/// assert!(stored.into_tenant().is_active);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTenant(Arc<Tenant>, DatabaseId);

impl StoredTenant {
    /// The tenant, as it was read.
    ///
    /// See [`StoredTenant`] for an example.
    pub fn tenant(&self) -> &Tenant {
        &self.0
    }

    /// The tenant, as plain data.
    ///
    /// See [`StoredTenant`] for an example.
    pub fn into_tenant(self) -> Tenant {
        Arc::unwrap_or_clone(self.0)
    }

    /// The identity of the handle whose tenants table it was read from.
    pub fn database(&self) -> DatabaseId {
        self.1
    }

    /// The shared tenant and its handle's identity, for minting a scope without copying it.
    pub(crate) fn into_shared(self) -> (Arc<Tenant>, DatabaseId) {
        (self.0, self.1)
    }

    pub(crate) fn from_store(tenant: Tenant, database: DatabaseId) -> Self {
        StoredTenant(Arc::new(tenant), database)
    }
}

/// Where the [`TenantCache`] reads tenants on a miss. [`TenantDb`] implements it.
///
/// Wrap a store to add metrics or logging; the answers are [`StoredTenant`]s, which only a
/// store makes, so a wrapper passes the store's answers on and cannot invent tenants.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use taskflow_tenancy::web::resolve::{StoredTenant, TenantLookup};
/// use taskflow_tenancy::{AdminCapability, Result, TenantId, TenantDb};
///
/// /// Counts how often the database is asked.
/// struct Counted<L> { inner: L, calls: AtomicUsize }
///
/// impl<L: TenantLookup> TenantLookup for Counted<L> {
///     async fn by_subdomain(&self, subdomain: &str) -> Result<Option<StoredTenant>> {
///         self.calls.fetch_add(1, Ordering::Relaxed);
///         self.inner.by_subdomain(subdomain).await
///     }
///     async fn by_id(&self, id: TenantId) -> Result<Option<StoredTenant>> {
///         self.calls.fetch_add(1, Ordering::Relaxed);
///         self.inner.by_id(id).await
///     }
/// }
///
/// let store = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
/// store.migrate().await?;
/// let acme = store.create(&AdminCapability::grant("docs", "example")?, "Acme", "acme").await?;
/// let counted = Counted { inner: store, calls: AtomicUsize::new(0) };
/// assert_eq!(counted.by_id(acme.id).await?.unwrap().tenant().subdomain, "acme");
/// assert!(counted.by_subdomain("nobody").await?.is_none());
/// assert_eq!(counted.calls.load(Ordering::Relaxed), 2);
/// # Ok(())
/// # }
/// ```
pub trait TenantLookup: Send + Sync + 'static {
    /// The tenant with this subdomain (lowercase), active or not.
    fn by_subdomain(
        &self,
        subdomain: &str,
    ) -> impl Future<Output = Result<Option<StoredTenant>>> + Send;

    /// The tenant with this id, active or not.
    fn by_id(&self, id: TenantId) -> impl Future<Output = Result<Option<StoredTenant>>> + Send;
}

// Not `async fn`: the declared `Send` bound spares callers that name the concrete store from
// proving `Send` through sqlx's higher-ranked executor bounds, which rustc cannot yet do
// (rust-lang/rust#100013).
#[allow(clippy::manual_async_fn)]
impl<DB> TenantLookup for TenantDb<DB>
where
    DB: Backend,
    Tenant: for<'r> FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    fn by_subdomain(
        &self,
        subdomain: &str,
    ) -> impl Future<Output = Result<Option<StoredTenant>>> + Send {
        async move {
            Ok(self
                .get_by_subdomain(subdomain)
                .await?
                .map(|t| StoredTenant::from_store(t, self.id())))
        }
    }

    fn by_id(&self, id: TenantId) -> impl Future<Output = Result<Option<StoredTenant>>> + Send {
        async move {
            Ok(self
                .get(id)
                .await?
                .map(|t| StoredTenant::from_store(t, self.id())))
        }
    }
}

#[cfg(all(feature = "sqlite", feature = "mysql", feature = "postgres"))]
#[allow(clippy::manual_async_fn)]
impl TenantLookup for crate::scope::any::AnyTenantDb {
    fn by_subdomain(
        &self,
        subdomain: &str,
    ) -> impl Future<Output = Result<Option<StoredTenant>>> + Send {
        async move {
            match self {
                crate::scope::any::AnyTenantDb::Sqlite(db) => db.by_subdomain(subdomain).await,
                crate::scope::any::AnyTenantDb::MySql(db) => db.by_subdomain(subdomain).await,
                crate::scope::any::AnyTenantDb::Postgres(db) => db.by_subdomain(subdomain).await,
            }
        }
    }

    fn by_id(&self, id: TenantId) -> impl Future<Output = Result<Option<StoredTenant>>> + Send {
        async move {
            match self {
                crate::scope::any::AnyTenantDb::Sqlite(db) => db.by_id(id).await,
                crate::scope::any::AnyTenantDb::MySql(db) => db.by_id(id).await,
                crate::scope::any::AnyTenantDb::Postgres(db) => db.by_id(id).await,
            }
        }
    }
}

impl<L: TenantLookup> TenantLookup for Arc<L> {
    fn by_subdomain(
        &self,
        subdomain: &str,
    ) -> impl Future<Output = Result<Option<StoredTenant>>> + Send {
        (**self).by_subdomain(subdomain)
    }

    fn by_id(&self, id: TenantId) -> impl Future<Output = Result<Option<StoredTenant>>> + Send {
        (**self).by_id(id)
    }
}

/// A tenant cache in front of a [`TenantLookup`], shared by every clone (and every layer made
/// with it).
///
/// - Known tenants, active or suspended, are kept for a time to live (default 60 s) and up to a
///   number of entries (default 10,000). Whether the tenant is active is checked on every
///   request, so [`TenantCache::invalidate`] or [`TenantCache::invalidate_id`] after a suspension
///   makes it take effect on the next request of this process; other processes see it within
///   the time to live.
/// - Unknown keys are kept in a second, bounded cache (default 10,000 entries for 30 s), so that
///   requests for a subdomain that does not exist do not each reach the database, and a flood of
///   random subdomains cannot grow memory past that bound. Invalidate a subdomain when a tenant
///   is created with it.
/// - A lookup that fails is not cached: the next request tries again.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// use std::time::Duration;
/// use taskflow_tenancy::web::resolve::{TenantCache, TenantKey};
/// use taskflow_tenancy::{AdminCapability, TenantDb};
///
/// let store = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
/// store.migrate().await?;
/// let admin = AdminCapability::grant("docs", "example")?;
/// let acme = store.create(&admin, "Acme", "acme").await?;
///
/// let cache = TenantCache::builder(store.clone())
///     .time_to_live(Duration::from_secs(300))
///     .max_unknown(1_000)
///     .build();
/// let key = TenantKey::subdomain("acme");
/// assert!(cache.get(&key).await?.unwrap().tenant().is_active);
///
/// store.suspend(&admin, acme.id).await?;
/// // Still the cached copy until this process is told ...
/// assert!(cache.get(&key).await?.unwrap().tenant().is_active);
/// cache.invalidate_id(acme.id);
/// // ... and the fresh one from the next request on.
/// assert!(!cache.get(&key).await?.unwrap().tenant().is_active);
///
/// assert!(cache.get(&TenantKey::subdomain("nobody")).await?.is_none());
/// cache.run_pending_tasks();
/// assert_eq!(cache.unknown_entry_count(), 1);
/// # Ok(())
/// # }
/// ```
pub struct TenantCache<L> {
    inner: Arc<CacheInner<L>>,
}

struct CacheInner<L> {
    lookup: L,
    tenants: Cache<TenantKey, StoredTenant>,
    unknown: Cache<TenantKey, ()>,
    /// Bumped by every invalidation, so that a lookup that raced with one does not put back
    /// what was just invalidated.
    generation: AtomicU64,
}

/// What the cache holds for a key, without asking the lookup.
pub(crate) enum Cached {
    Known(StoredTenant),
    Unknown,
    Miss,
}

impl<L> Clone for TenantCache<L> {
    fn clone(&self) -> Self {
        TenantCache {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<L> fmt::Debug for TenantCache<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantCache")
            .field("tenants", &self.inner.tenants.entry_count())
            .field("max_tenants", &self.inner.tenants.policy().max_capacity())
            .field("unknown", &self.inner.unknown.entry_count())
            .field("max_unknown", &self.inner.unknown.policy().max_capacity())
            .finish_non_exhaustive()
    }
}

impl<L: TenantLookup> TenantCache<L> {
    /// A cache with the default settings (see [`TenantCache`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> taskflow_tenancy::Result<()> {
    /// use taskflow_tenancy::TenantDb;
    /// use taskflow_tenancy::web::resolve::TenantCache;
    ///
    /// let store = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
    /// let cache = TenantCache::new(store);
    /// assert_eq!(cache.tenant_entry_count(), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(lookup: L) -> Self {
        Self::builder(lookup).build()
    }

    /// A builder for a cache with other settings.
    ///
    /// See [`TenantCache`] for an example.
    pub fn builder(lookup: L) -> TenantCacheBuilder<L> {
        TenantCacheBuilder {
            lookup,
            time_to_live: Duration::from_secs(60),
            max_tenants: 10_000,
            unknown_time_to_live: Duration::from_secs(30),
            max_unknown: 10_000,
        }
    }

    /// The lookup behind the cache.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> taskflow_tenancy::Result<()> {
    /// use taskflow_tenancy::TenantDb;
    /// use taskflow_tenancy::web::resolve::TenantCache;
    ///
    /// let store = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
    /// let cache = TenantCache::new(store);
    /// cache.lookup().migrate().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn lookup(&self) -> &L {
        &self.inner.lookup
    }

    pub(crate) fn cached(&self, key: &TenantKey) -> Cached {
        if let Some(stored) = self.inner.tenants.get(key) {
            Cached::Known(stored)
        } else if self.inner.unknown.contains_key(key) {
            Cached::Unknown
        } else {
            Cached::Miss
        }
    }

    /// The tenant a key names, from the cache or else from the lookup (and then cached);
    /// `None` when there is no such tenant. Suspended tenants are returned too: deciding what
    /// a suspension means is the caller's work.
    ///
    /// See [`TenantCache`] for an example.
    pub async fn get(&self, key: &TenantKey) -> Result<Option<StoredTenant>> {
        match self.cached(key) {
            Cached::Known(stored) => return Ok(Some(stored)),
            Cached::Unknown => return Ok(None),
            Cached::Miss => {}
        }
        let generation = self.inner.generation.load(Ordering::SeqCst);
        let found = match &key.0 {
            Key::Subdomain(subdomain) => self.inner.lookup.by_subdomain(subdomain).await?,
            Key::Id(id) => self.inner.lookup.by_id(*id).await?,
        };
        match &found {
            Some(stored) => self.put(&self.inner.tenants, key, stored.clone(), generation),
            None => self.put(&self.inner.unknown, key, (), generation),
        }
        Ok(found)
    }

    /// Caches a lookup's answer unless an invalidation ran since the lookup began: that answer
    /// may predate the change the invalidation announced.
    fn put<V>(&self, cache: &Cache<TenantKey, V>, key: &TenantKey, value: V, generation: u64)
    where
        V: Clone + Send + Sync + 'static,
    {
        let current = || self.inner.generation.load(Ordering::SeqCst);
        if current() != generation {
            return;
        }
        cache.insert(key.clone(), value);
        // An invalidation between the check and the insert may have missed the new entry.
        if current() != generation {
            cache.invalidate(key);
        }
    }

    /// Forgets what is cached for `subdomain`, known or unknown: call it after suspending,
    /// resuming or creating the tenant that has it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> taskflow_tenancy::Result<()> {
    /// use taskflow_tenancy::web::resolve::{TenantCache, TenantKey};
    /// use taskflow_tenancy::{AdminCapability, TenantDb};
    ///
    /// let store = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
    /// store.migrate().await?;
    /// let cache = TenantCache::new(store.clone());
    /// let key = TenantKey::subdomain("acme");
    /// assert!(cache.get(&key).await?.is_none());
    ///
    /// store.create(&AdminCapability::grant("signup", "new tenant")?, "Acme", "acme").await?;
    /// assert!(cache.get(&key).await?.is_none(), "the unknown entry still stands");
    /// cache.invalidate("acme");
    /// assert!(cache.get(&key).await?.is_some());
    /// # Ok(())
    /// # }
    /// ```
    pub fn invalidate(&self, subdomain: &str) {
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
        let key = TenantKey::subdomain(subdomain);
        let subdomain = subdomain.to_ascii_lowercase();
        self.inner.tenants.invalidate(&key);
        self.inner.unknown.invalidate(&key);
        // The tenant may be cached under its id alone (a job or a token looked it up so),
        // and under its subdomain as it was: drop every entry that is this tenant.
        let mut ids = Vec::new();
        for (_, stored) in self.inner.tenants.iter() {
            if stored.0.subdomain == subdomain {
                ids.push(stored.0.id);
            }
        }
        for id in ids {
            self.invalidate_tenant_entries(id);
        }
    }

    fn invalidate_tenant_entries(&self, id: TenantId) {
        self.inner.tenants.invalidate(&TenantKey::id(id));
        for (key, stored) in self.inner.tenants.iter() {
            if stored.0.id == id {
                self.inner.tenants.invalidate(&*key);
            }
        }
    }

    /// Forgets what is cached for the tenant with this id, under its id and its subdomain.
    ///
    /// It walks the cache to find the subdomain entries, which is fine for an operator action
    /// and not meant for every request.
    ///
    /// See [`TenantCache`] for an example.
    pub fn invalidate_id(&self, id: TenantId) {
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
        self.inner.unknown.invalidate(&TenantKey::id(id));
        self.invalidate_tenant_entries(id);
    }

    /// Forgets everything cached.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> taskflow_tenancy::Result<()> {
    /// use taskflow_tenancy::TenantDb;
    /// use taskflow_tenancy::web::resolve::{TenantCache, TenantKey};
    ///
    /// let store = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
    /// store.migrate().await?;
    /// let cache = TenantCache::new(store);
    /// cache.get(&TenantKey::subdomain("nobody")).await?;
    /// cache.invalidate_all();
    /// cache.run_pending_tasks();
    /// assert_eq!(cache.unknown_entry_count(), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn invalidate_all(&self) {
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
        self.inner.tenants.invalidate_all();
        self.inner.unknown.invalidate_all();
    }

    /// How many keys of known tenants are cached. Eventually consistent: call
    /// [`TenantCache::run_pending_tasks`] first for an exact count.
    ///
    /// See [`TenantCache::new`] for an example.
    pub fn tenant_entry_count(&self) -> u64 {
        self.inner.tenants.entry_count()
    }

    /// How many unknown keys are cached; never more than the configured
    /// [`max_unknown`](TenantCacheBuilder::max_unknown) once pending work has run.
    ///
    /// See [`TenantCache`] for an example.
    pub fn unknown_entry_count(&self) -> u64 {
        self.inner.unknown.entry_count()
    }

    /// Runs the caches' pending maintenance (evictions, expiry) now rather than on a later
    /// access.
    ///
    /// See [`TenantCache`] for an example.
    pub fn run_pending_tasks(&self) {
        self.inner.tenants.run_pending_tasks();
        self.inner.unknown.run_pending_tasks();
    }
}

/// Settings of a [`TenantCache`], from [`TenantCache::builder`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// use std::time::Duration;
/// use taskflow_tenancy::TenantDb;
/// use taskflow_tenancy::web::resolve::TenantCache;
///
/// let store = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
/// let cache = TenantCache::builder(store)
///     .time_to_live(Duration::from_secs(30))
///     .max_tenants(50_000)
///     .unknown_time_to_live(Duration::from_secs(10))
///     .max_unknown(2_000)
///     .build();
/// assert!(format!("{cache:?}").contains("max_unknown: Some(2000)"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
#[must_use]
pub struct TenantCacheBuilder<L> {
    lookup: L,
    time_to_live: Duration,
    max_tenants: u64,
    unknown_time_to_live: Duration,
    max_unknown: u64,
}

impl<L: TenantLookup> TenantCacheBuilder<L> {
    /// How long a known tenant is kept (default 60 s): the longest a suspension made by another
    /// process takes to be seen here.
    ///
    /// See [`TenantCacheBuilder`] for an example.
    pub const fn time_to_live(mut self, ttl: Duration) -> Self {
        self.time_to_live = ttl;
        self
    }

    /// How many known tenants are kept (default 10,000), least useful first out.
    ///
    /// See [`TenantCacheBuilder`] for an example.
    pub const fn max_tenants(mut self, max: u64) -> Self {
        self.max_tenants = max;
        self
    }

    /// How long an unknown key is remembered (default 30 s): the longest a tenant created by
    /// another process stays unreachable here.
    ///
    /// See [`TenantCacheBuilder`] for an example.
    pub const fn unknown_time_to_live(mut self, ttl: Duration) -> Self {
        self.unknown_time_to_live = ttl;
        self
    }

    /// How many unknown keys are remembered (default 10,000): the memory bound under a flood of
    /// random subdomains.
    ///
    /// See [`TenantCacheBuilder`] for an example.
    pub const fn max_unknown(mut self, max: u64) -> Self {
        self.max_unknown = max;
        self
    }

    /// The cache.
    ///
    /// See [`TenantCacheBuilder`] for an example.
    pub fn build(self) -> TenantCache<L> {
        TenantCache {
            inner: Arc::new(CacheInner {
                lookup: self.lookup,
                tenants: Cache::builder()
                    .name("taskflow-tenants")
                    .max_capacity(self.max_tenants)
                    .time_to_live(self.time_to_live)
                    .build(),
                unknown: Cache::builder()
                    .name("taskflow-unknown-tenants")
                    .max_capacity(self.max_unknown)
                    .time_to_live(self.unknown_time_to_live)
                    .build(),
                generation: AtomicU64::new(0),
            }),
        }
    }
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use super::*;
    use crate::scope::admin::AdminCapability;

    async fn store() -> TenantDb<sqlx::Sqlite> {
        let store = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap());
        store.migrate().await.unwrap();
        store
    }

    #[tokio::test]
    async fn an_id_key_and_a_subdomain_key_are_invalidated_together() {
        let store = store().await;
        let admin = AdminCapability::grant("test", "cache invalidation").unwrap();
        let acme = store.create(&admin, "Acme", "acme").await.unwrap();
        let cache = TenantCache::new(store.clone());
        let by_id = TenantKey::id(acme.id);
        let by_name = TenantKey::subdomain("ACME");
        assert_eq!(cache.get(&by_id).await.unwrap().unwrap().0.id, acme.id);
        assert_eq!(cache.get(&by_name).await.unwrap().unwrap().0.id, acme.id);

        store.suspend(&admin, acme.id).await.unwrap();
        cache.invalidate("acme");
        assert!(matches!(cache.cached(&by_id), Cached::Miss));
        assert!(matches!(cache.cached(&by_name), Cached::Miss));
        assert!(!cache.get(&by_name).await.unwrap().unwrap().0.is_active);
    }

    #[tokio::test]
    async fn a_lookup_that_raced_an_invalidation_is_not_cached() {
        let cache = TenantCache::new(store().await);
        let key = TenantKey::subdomain("acme");
        let before = cache.inner.generation.load(Ordering::SeqCst);
        cache.invalidate("acme");
        cache.put(&cache.inner.unknown, &key, (), before);
        assert!(matches!(cache.cached(&key), Cached::Miss));
        let now = cache.inner.generation.load(Ordering::SeqCst);
        cache.put(&cache.inner.unknown, &key, (), now);
        assert!(matches!(cache.cached(&key), Cached::Unknown));
    }

    #[tokio::test]
    async fn failed_lookups_are_not_cached() {
        let store = store().await;
        let cache = TenantCache::new(store.clone());
        store.pool().close().await;
        let key = TenantKey::subdomain("acme");
        assert!(cache.get(&key).await.is_err());
        assert!(matches!(cache.cached(&key), Cached::Miss));
    }
}
