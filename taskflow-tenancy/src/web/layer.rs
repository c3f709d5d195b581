//! The tower layer that resolves the tenant of each request.
//!
//! [`TenantLayer`] reads which tenant a request names with a
//! [resolver](crate::web::resolve::ResolveTenant) (the host's subdomain by default), looks the tenant
//! up through a [`TenantCache`], and
//!
//! - for an active tenant, puts its [`TenantScope`] in the request extensions and calls the
//!   inner service inside a `tracing` span with a `tenant` field, with the tenant set for
//!   [`current_tenant_for_logs`];
//! - otherwise answers itself, without calling the inner service: `404 tenant_not_found`,
//!   `403 tenant_suspended` or `503 unavailable`, with a JSON body
//!   `{"error": {"code": ..., "message": ...}}` that
//!   [`TenantLayer::on_rejection`] can replace.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use bytes::Bytes;
//! use http::{Request, Response, StatusCode};
//! use taskflow_tenancy::web::layer::TenantLayer;
//! use taskflow_tenancy::web::resolve::{SubdomainResolver, TenantCache};
//! use taskflow_tenancy::{AdminCapability, TenantScope, TenantDb};
//! use tower::{ServiceBuilder, ServiceExt};
//!
//! let store = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
//! store.migrate().await?;
//! let admin = AdminCapability::grant("docs", "example tenants")?;
//! store.create(&admin, "Acme", "acme").await?;
//! let globex = store.create(&admin, "Globex", "globex").await?;
//! store.suspend(&admin, globex.id).await?;
//!
//! let cache = TenantCache::new(store);
//! let service = ServiceBuilder::new()
//!     .layer(TenantLayer::new(SubdomainResolver::new("localhost")?, cache))
//!     .service_fn(|request: Request<()>| async move {
//!         let scope = request.extensions().get::<TenantScope>().expect("set by the layer");
//!         Ok::<_, std::convert::Infallible>(Response::new(Bytes::from(scope.tenant().name.clone())))
//!     });
//!
//! let get = |host: &str| Request::get("/").header("host", host).body(()).unwrap();
//! let response = service.clone().oneshot(get("acme.localhost:8080")).await?;
//! assert_eq!(response.body(), "Acme");
//!
//! let response = service.clone().oneshot(get("globex.localhost")).await?;
//! assert_eq!(response.status(), StatusCode::FORBIDDEN);
//! let response = service.clone().oneshot(get("initech.localhost")).await?;
//! assert_eq!(response.status(), StatusCode::NOT_FOUND);
//! assert_eq!(
//!     response.body(),
//!     r#"{"error":{"code":"tenant_not_found","message":"no tenant at this address"}}"#
//! );
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::{Request, Response};
use pin_project_lite::pin_project;
use tokio::task::futures::TaskLocalFuture;
use tower_layer::Layer;
use tower_service::Service;
use tracing::Instrument;
use tracing::instrument::Instrumented;

use crate::scope::tenant::{TenantId, TenantScope};
use crate::web::resolve::{
    Cached, ResolveTenant, StoredTenant, SubdomainResolver, TenantCache, TenantLookup,
    TenantRejection,
};

tokio::task_local! {
    /// The tenant of the request or job a task works for, for logs only.
    static CURRENT_TENANT: TenantId;
}

/// The tenant the current task works for, **for logs and traces only**.
///
/// Inside a request that went through [`TenantLayer`], or a task started with
/// [`spawn_scoped`], this is that tenant's id; elsewhere `None`. It is an id, not a
/// [`TenantScope`], on purpose: queries take their scope as an explicit argument, and must never
/// be steered by this value. Use it to tag log lines, metrics and error reports.
///
/// ```
/// use taskflow_tenancy::web::layer::current_tenant_for_logs;
///
/// // Outside any tenant's request or job:
/// assert_eq!(current_tenant_for_logs(), None);
/// ```
pub fn current_tenant_for_logs() -> Option<TenantId> {
    CURRENT_TENANT.try_with(|id| *id).ok()
}

/// Spawns background work on tokio that carries its tenant explicitly.
///
/// `work` receives the scope (the one thing its queries may use) and runs in a new task inside
/// a `tracing` span with a `tenant` field and with [`current_tenant_for_logs`] set, just as a
/// request handler does. The span is a child of the caller's span.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// use taskflow_tenancy::web::layer::{current_tenant_for_logs, spawn_scoped};
/// use taskflow_tenancy::{AdminCapability, TenantDb};
///
/// let store = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
/// store.migrate().await?;
/// store.create(&AdminCapability::grant("docs", "example")?, "Acme", "acme").await?;
/// let scope = store.scope_by_subdomain("acme").await?;
/// let acme = scope.tenant_id();
///
/// let seen = spawn_scoped(scope, |scope| async move {
///     tokio::task::yield_now().await;
///     (scope.tenant_id(), current_tenant_for_logs())
/// })
/// .await
/// .unwrap();
/// assert_eq!(seen, (acme, Some(acme)));
/// # Ok(())
/// # }
/// ```
pub fn spawn_scoped<F, Fut>(scope: TenantScope, work: F) -> tokio::task::JoinHandle<Fut::Output>
where
    F: FnOnce(TenantScope) -> Fut,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    let id = scope.tenant_id();
    let span = tenant_span(&scope);
    tokio::spawn(CURRENT_TENANT.scope(id, work(scope)).instrument(span))
}

fn tenant_span(scope: &TenantScope) -> tracing::Span {
    tracing::info_span!(
        "tenant",
        tenant = %scope.tenant_id(),
        subdomain = %scope.tenant().subdomain,
    )
}

type RejectionFn = dyn Fn(TenantRejection) -> Response<Bytes> + Send + Sync;

/// Turns rejections into responses: the application's function, or the JSON default.
#[derive(Clone, Default)]
struct OnRejection(Option<Arc<RejectionFn>>);

impl OnRejection {
    fn respond(&self, rejection: TenantRejection) -> Response<Bytes> {
        match &rejection {
            TenantRejection::Unavailable(error) => {
                tracing::error!(error = %error, "tenant lookup failed");
            }
            TenantRejection::Suspended(id) => {
                tracing::debug!(tenant = %id, "request for a suspended tenant");
            }
            // Debug only: anyone can send any host, and a flood must not flood the logs.
            _ => tracing::debug!(rejection = %rejection, "request names no tenant"),
        }
        match &self.0 {
            Some(respond) => respond(rejection),
            None => rejection.to_response(),
        }
    }
}

impl fmt::Debug for OnRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() { "Custom" } else { "Json" })
    }
}

/// Resolves the tenant of each request; see the [module documentation](self).
///
/// Each admitted request runs in a `tenant` span (fields `tenant` and `subdomain`), and a span
/// around the layer that declares a `tenant_id` field (e.g. a request span made by
/// `tower_http::trace::TraceLayer::make_span_with`) gets the tenant's id recorded in it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use taskflow_tenancy::web::layer::TenantLayer;
/// use taskflow_tenancy::web::resolve::{SubdomainResolver, TenantCache};
/// use taskflow_tenancy::TenantDb;
///
/// let store = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
/// let cache = TenantCache::new(store);
/// // Keep a clone of the cache to invalidate tenants after operator actions.
/// let layer = TenantLayer::new(SubdomainResolver::new("taskflow.example")?, cache.clone());
/// assert!(format!("{layer:?}").contains("taskflow.example"));
/// # Ok(())
/// # }
/// ```
#[must_use]
pub struct TenantLayer<L, R = SubdomainResolver> {
    resolver: R,
    cache: TenantCache<L>,
    on_rejection: OnRejection,
}

impl<L, R> TenantLayer<L, R> {
    /// A layer that names tenants with `resolver` and looks them up in `cache`.
    ///
    /// See [`TenantLayer`] for an example.
    pub const fn new(resolver: R, cache: TenantCache<L>) -> Self {
        TenantLayer {
            resolver,
            cache,
            on_rejection: OnRejection(None),
        }
    }

    /// Answers rejected requests with `respond` instead of the default JSON body.
    ///
    /// The layer still logs the rejection (a failed lookup at `error`, the rest at `debug`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use bytes::Bytes;
    /// use http::{Request, Response};
    /// use taskflow_tenancy::web::layer::TenantLayer;
    /// use taskflow_tenancy::web::resolve::{SubdomainResolver, TenantCache};
    /// use taskflow_tenancy::TenantDb;
    /// use tower::{ServiceBuilder, ServiceExt};
    ///
    /// let store = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
    /// store.migrate().await?;
    /// let layer = TenantLayer::new(SubdomainResolver::new("localhost")?, TenantCache::new(store))
    ///     .on_rejection(|rejection| {
    ///         let mut response = Response::new(Bytes::from_static(b"<h1>No such organization</h1>"));
    ///         *response.status_mut() = rejection.status();
    ///         response.headers_mut().insert("content-type", "text/html".parse().unwrap());
    ///         response
    ///     });
    /// let service = ServiceBuilder::new().layer(layer).service_fn(|_: Request<()>| async {
    ///     Ok::<_, std::convert::Infallible>(Response::new(Bytes::new()))
    /// });
    ///
    /// let request = Request::get("/").header("host", "nobody.localhost").body(())?;
    /// let response = service.oneshot(request).await?;
    /// assert_eq!(response.status(), 404);
    /// assert_eq!(response.headers()["content-type"], "text/html");
    /// # Ok(())
    /// # }
    /// ```
    pub fn on_rejection<F>(mut self, respond: F) -> Self
    where
        F: Fn(TenantRejection) -> Response<Bytes> + Send + Sync + 'static,
    {
        self.on_rejection = OnRejection(Some(Arc::new(respond)));
        self
    }
}

impl<L, R: Clone> Clone for TenantLayer<L, R> {
    fn clone(&self) -> Self {
        TenantLayer {
            resolver: self.resolver.clone(),
            cache: self.cache.clone(),
            on_rejection: self.on_rejection.clone(),
        }
    }
}

impl<L, R: fmt::Debug> fmt::Debug for TenantLayer<L, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantLayer")
            .field("resolver", &self.resolver)
            .field("cache", &self.cache)
            .field("on_rejection", &self.on_rejection)
            .finish()
    }
}

impl<S, L, R: Clone> Layer<S> for TenantLayer<L, R> {
    type Service = TenantService<S, L, R>;

    fn layer(&self, inner: S) -> Self::Service {
        TenantService {
            inner,
            shared: Arc::new(Shared {
                resolver: self.resolver.clone(),
                cache: self.cache.clone(),
                on_rejection: self.on_rejection.clone(),
            }),
        }
    }
}

/// The service made by [`TenantLayer`]: it resolves the tenant, then calls `S`.
///
/// Cloning it is cheap (the inner service and one reference count), as axum does per request.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use bytes::Bytes;
/// use http::{Request, Response};
/// use taskflow_tenancy::web::layer::TenantService;
/// use taskflow_tenancy::web::resolve::{SubdomainResolver, TenantCache};
/// use taskflow_tenancy::{AdminCapability, TenantScope, TenantDb};
/// use tower::ServiceExt;
///
/// let store = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
/// store.migrate().await?;
/// store.create(&AdminCapability::grant("docs", "example")?, "Acme", "acme").await?;
///
/// let inner = tower::service_fn(|request: Request<()>| async move {
///     let subdomain = request.extensions().get::<TenantScope>().unwrap().tenant().subdomain.clone();
///     Ok::<_, std::convert::Infallible>(Response::new(Bytes::from(subdomain)))
/// });
/// let service = TenantService::new(inner, SubdomainResolver::new("localhost")?, TenantCache::new(store));
/// let request = Request::get("http://acme.localhost/").body(())?;
/// assert_eq!(service.oneshot(request).await?.body(), "acme");
/// # Ok(())
/// # }
/// ```
pub struct TenantService<S, L, R = SubdomainResolver> {
    inner: S,
    shared: Arc<Shared<L, R>>,
}

struct Shared<L, R> {
    resolver: R,
    cache: TenantCache<L>,
    on_rejection: OnRejection,
}

impl<S, L, R> TenantService<S, L, R> {
    /// Wraps `inner`, as [`TenantLayer::new`] with the same arguments would.
    ///
    /// See [`TenantService`] for an example.
    pub fn new(inner: S, resolver: R, cache: TenantCache<L>) -> Self {
        TenantService {
            inner,
            shared: Arc::new(Shared {
                resolver,
                cache,
                on_rejection: OnRejection::default(),
            }),
        }
    }

    /// The cache the service looks tenants up in (to invalidate a tenant, say).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use taskflow_tenancy::web::layer::TenantService;
    /// use taskflow_tenancy::web::resolve::{SubdomainResolver, TenantCache};
    /// use taskflow_tenancy::TenantDb;
    ///
    /// let store = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
    /// let service = TenantService::new((), SubdomainResolver::new("localhost")?, TenantCache::new(store));
    /// assert_eq!(service.cache().tenant_entry_count(), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn cache(&self) -> &TenantCache<L> {
        &self.shared.cache
    }
}

impl<S: Clone, L, R> Clone for TenantService<S, L, R> {
    fn clone(&self) -> Self {
        TenantService {
            inner: self.inner.clone(),
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<S: fmt::Debug, L, R: fmt::Debug> fmt::Debug for TenantService<S, L, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantService")
            .field("inner", &self.inner)
            .field("resolver", &self.shared.resolver)
            .field("cache", &self.shared.cache)
            .field("on_rejection", &self.shared.on_rejection)
            .finish()
    }
}

/// The one place the layer mints scopes: from a stored tenant that is active now.
fn admit(stored: StoredTenant) -> Result<TenantScope, TenantRejection> {
    let (tenant, database) = stored.into_shared();
    if tenant.is_active {
        Ok(TenantScope::verified_shared(tenant, database))
    } else {
        Err(TenantRejection::Suspended(tenant.id))
    }
}

/// Calls `inner` for `scope`'s tenant: the scope in the extensions, the span entered and the
/// task-local set both while the call builds its future and while that future runs. The span
/// current here (the request's, from a tracing layer outside) gets the tenant's id in its
/// `tenant_id` field when it declares one, so that its own events carry the tenant too.
fn call_scoped<S, B>(
    inner: &mut S,
    mut request: Request<B>,
    scope: TenantScope,
) -> Instrumented<TaskLocalFuture<TenantId, S::Future>>
where
    S: Service<Request<B>>,
{
    let id = scope.tenant_id();
    tracing::Span::current().record("tenant_id", tracing::field::display(id));
    let span = tenant_span(&scope);
    request.extensions_mut().insert(scope);
    let future = CURRENT_TENANT.sync_scope(id, || span.in_scope(|| inner.call(request)));
    CURRENT_TENANT.scope(id, future).instrument(span)
}

impl<S, L, R, ReqBody, ResBody> Service<Request<ReqBody>> for TenantService<S, L, R>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone,
    L: TenantLookup,
    R: ResolveTenant,
    ResBody: From<Bytes>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S, ReqBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let (parts, body) = request.into_parts();
        let key = match self.shared.resolver.resolve(&parts) {
            Ok(key) => key,
            Err(rejection) => {
                return ResponseFuture::rejected(&self.shared.on_rejection, rejection);
            }
        };
        let request = Request::from_parts(parts, body);
        let state = match self.shared.cache.cached(&key) {
            Cached::Known(stored) => match admit(stored) {
                Ok(scope) => State::Inner {
                    future: call_scoped(&mut self.inner, request, scope),
                },
                Err(rejection) => {
                    return ResponseFuture::rejected(&self.shared.on_rejection, rejection);
                }
            },
            Cached::Unknown => {
                return ResponseFuture::rejected(
                    &self.shared.on_rejection,
                    TenantRejection::NotFound,
                );
            }
            Cached::Miss => {
                // The instance that was polled ready is the one to call, after the lookup.
                let clone = self.inner.clone();
                let inner = std::mem::replace(&mut self.inner, clone);
                let cache = self.shared.cache.clone();
                State::Lookup {
                    lookup: Box::pin(async move { cache.get(&key).await }),
                    inner: Some(inner),
                    request: Some(request),
                    on_rejection: self.shared.on_rejection.clone(),
                }
            }
        };
        ResponseFuture { state }
    }
}

type LookupFuture =
    Pin<Box<dyn Future<Output = crate::error::Result<Option<StoredTenant>>> + Send>>;

pin_project! {
    /// The response future of [`TenantService`].
    ///
    /// See [`TenantService`] for an example.
    pub struct ResponseFuture<S, B>
    where
        S: Service<Request<B>>,
    {
        #[pin]
        state: State<S, B, S::Future>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S, B, F> {
        // A cache miss: the tenant is being read from the lookup.
        Lookup {
            lookup: LookupFuture,
            inner: Option<S>,
            request: Option<Request<B>>,
            on_rejection: OnRejection,
        },
        Inner {
            #[pin]
            future: Instrumented<TaskLocalFuture<TenantId, F>>,
        },
        Rejected {
            response: Option<Response<Bytes>>,
        },
    }
}

impl<S, B> ResponseFuture<S, B>
where
    S: Service<Request<B>>,
{
    fn rejected(on_rejection: &OnRejection, rejection: TenantRejection) -> Self {
        ResponseFuture {
            state: State::Rejected {
                response: Some(on_rejection.respond(rejection)),
            },
        }
    }
}

impl<S, B, ResBody> Future for ResponseFuture<S, B>
where
    S: Service<Request<B>, Response = Response<ResBody>>,
    ResBody: From<Bytes>,
{
    type Output = Result<Response<ResBody>, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.project().state;
        loop {
            let next = match state.as_mut().project() {
                StateProj::Inner { future } => return future.poll(cx),
                StateProj::Rejected { response } => {
                    let response = response.take().expect("polled after completion");
                    return Poll::Ready(Ok(response.map(ResBody::from)));
                }
                StateProj::Lookup {
                    lookup,
                    inner,
                    request,
                    on_rejection,
                } => {
                    let admitted = match ready!(lookup.as_mut().poll(cx)) {
                        Ok(Some(stored)) => admit(stored),
                        Ok(None) => Err(TenantRejection::NotFound),
                        Err(error) => Err(TenantRejection::Unavailable(error)),
                    };
                    match admitted {
                        Ok(scope) => {
                            let mut inner = inner.take().expect("polled after completion");
                            let request = request.take().expect("polled after completion");
                            State::Inner {
                                future: call_scoped(&mut inner, request, scope),
                            }
                        }
                        Err(rejection) => State::Rejected {
                            response: Some(on_rejection.respond(rejection)),
                        },
                    }
                }
            };
            state.set(next);
        }
    }
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use std::convert::Infallible;

    use http::StatusCode;
    use tower::ServiceExt;

    use super::*;
    use crate::scope::admin::AdminCapability;
    use crate::web::resolve::TenantKey;

    async fn store() -> crate::scope::database::TenantDb<sqlx::Sqlite> {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        let store = crate::scope::database::TenantDb::new(pool);
        store.migrate().await.unwrap();
        store
    }

    fn echo_tenant()
    -> impl Service<Request<()>, Response = Response<Bytes>, Error = Infallible> + Clone {
        tower::service_fn(|request: Request<()>| async move {
            tokio::task::yield_now().await;
            let scope = request.extensions().get::<TenantScope>().unwrap();
            let logged = current_tenant_for_logs().unwrap();
            assert_eq!(logged, scope.tenant_id());
            Ok::<_, Infallible>(Response::new(Bytes::from(scope.tenant_id().to_string())))
        })
    }

    fn get(host: &str) -> Request<()> {
        Request::get("/").header("host", host).body(()).unwrap()
    }

    #[tokio::test]
    async fn a_miss_then_a_hit_reach_the_inner_service_with_the_scope() {
        let store = store().await;
        let admin = AdminCapability::grant("test", "layer").unwrap();
        let acme = store.create(&admin, "Acme", "acme").await.unwrap();
        let cache = TenantCache::new(store);
        let layer = TenantLayer::new(SubdomainResolver::new("localhost").unwrap(), cache.clone());
        let service = layer.layer(echo_tenant());

        for _ in 0..2 {
            let response = service
                .clone()
                .oneshot(get("acme.localhost"))
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(response.body(), &acme.id.to_string());
        }
        assert!(matches!(
            cache.cached(&TenantKey::subdomain("acme")),
            Cached::Known(_)
        ));
        assert_eq!(current_tenant_for_logs(), None);
    }

    #[tokio::test]
    async fn a_rejection_never_calls_the_inner_service() {
        let cache = TenantCache::new(store().await);
        let inner = tower::service_fn(|_: Request<()>| async {
            panic!("the inner service must not be called");
            #[allow(unreachable_code)]
            Ok::<Response<Bytes>, Infallible>(Response::new(Bytes::new()))
        });
        let service =
            TenantService::new(inner, SubdomainResolver::new("localhost").unwrap(), cache);
        for host in ["nobody.localhost", "nobody.localhost", "localhost", ""] {
            let response = service.clone().oneshot(get(host)).await.unwrap();
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{host:?}");
        }
    }
}
