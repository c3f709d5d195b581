//! The request's tenant transaction: [`TenantTxLayer`] and the [`RequestTx`] extractor.

// The public futures here are declared `impl Future + Send` rather than written as `async fn`:
// callers that name a concrete backend (an axum handler, a spawned task) then need not prove
// `Send` through sqlx's higher-ranked executor bounds, which rustc cannot yet do
// (rust-lang/rust#100013).
#![allow(clippy::manual_async_fn)]

use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll};

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{Method, Request, StatusCode};
use tokio::sync::{Mutex, OwnedMutexGuard};
use tower_layer::Layer;
use tower_service::Service;

use crate::error::{Error, Result};
use crate::scope::database::TenantDb;
use crate::scope::tenant::TenantScope;
use crate::scope::tx::TenantConn;
use crate::scope::tx::TenantTx;
use crate::web::resolve::json_error;

/// A database handle that opens tenant transactions: [`TenantDb`] and, with every backend
/// feature, [`AnyTenantDb`](crate::AnyTenantDb). What [`TenantTxLayer`] is made with.
pub trait BeginTenant: Clone + Send + Sync + 'static {
    /// The transaction it opens.
    type Tx: TenantConn + Send + 'static;

    /// Opens a transaction for `scope`: one that may write ([`TenantDb::begin`]) or a read
    /// connection ([`TenantDb::begin_read`]).
    fn begin_tenant<'a>(
        &'a self,
        scope: &'a TenantScope,
        write: bool,
    ) -> impl Future<Output = Result<Self::Tx>> + Send + 'a;

    /// Commits `tx`, or rolls it back.
    fn finish(tx: Self::Tx, commit: bool) -> impl Future<Output = Result<()>> + Send;
}

macro_rules! begin_tenant {
    ($(#[$cfg:meta])* $db:ty => $tx:ty) => {
        $(#[$cfg])*
        impl BeginTenant for $db {
            type Tx = $tx;

            fn begin_tenant<'a>(
                &'a self,
                scope: &'a TenantScope,
                write: bool,
            ) -> impl Future<Output = Result<Self::Tx>> + Send + 'a {
                async move {
                    if write {
                        self.begin(scope).await
                    } else {
                        self.begin_read(scope).await
                    }
                }
            }

            fn finish(tx: Self::Tx, commit: bool) -> impl Future<Output = Result<()>> + Send {
                async move {
                    if commit {
                        tx.commit().await
                    } else {
                        tx.rollback().await
                    }
                }
            }
        }
    };
}

begin_tenant!(#[cfg(feature = "sqlite")] TenantDb<sqlx::Sqlite> => TenantTx<sqlx::Sqlite>);
begin_tenant!(#[cfg(feature = "mysql")] TenantDb<sqlx::MySql> => TenantTx<sqlx::MySql>);
begin_tenant!(#[cfg(feature = "postgres")] TenantDb<sqlx::Postgres> => TenantTx<sqlx::Postgres>);
begin_tenant!(
    #[cfg(all(feature = "sqlite", feature = "mysql", feature = "postgres"))]
    crate::scope::any::AnyTenantDb => crate::scope::any::AnyTenantTx
);

/// Gives each request behind it one tenant transaction, opened on first use by the
/// [`RequestTx`] extractor and ended when the handler has answered: committed when the answer
/// is a success (below 400), rolled back otherwise. A commit that fails turns the answer into
/// `503 unavailable`, so a client never sees a success for a write that did not land.
///
/// Put it inside the [`TenantLayer`](crate::web::layer::TenantLayer) (add it to the router first),
/// which puts the request's [`TenantScope`] where the extractor finds it. `GET`, `HEAD` and
/// `OPTIONS` requests get a read connection ([`TenantDb::begin_read`]), others a transaction
/// that may write ([`TenantDb::begin`]).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use axum::{Router, body::Body, http::Request, routing::post};
/// use taskflow_tenancy::web::axum::{RequestTx, TenantTxLayer};
/// use taskflow_tenancy::web::layer::TenantLayer;
/// use taskflow_tenancy::web::resolve::{SubdomainResolver, TenantCache};
/// use taskflow_tenancy::{tenant_scoped, AdminCapability, TenantDb, TenantId};
/// use tower::ServiceExt;
///
/// #[tenant_scoped(table = "notes")]
/// pub struct Note { pub tenant_id: TenantId, pub id: i64 }
///
/// type Db = TenantDb<sqlx::Sqlite>;
///
/// async fn add(mut tx: RequestTx<Db>) -> Result<&'static str, (axum::http::StatusCode, String)> {
///     let bad = |e: taskflow_tenancy::Error| (axum::http::StatusCode::CONFLICT, e.to_string());
///     Note::scoped(&mut *tx).insert(NewNote { id: 1 }).await.map_err(bad)?;
///     Ok("added")
/// }
///
/// let db = Db::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
/// db.migrate().await?;
/// sqlx::query("CREATE TABLE notes (tenant_id BLOB NOT NULL, id INTEGER NOT NULL, \
///              PRIMARY KEY (tenant_id, id))").execute(db.pool()).await?;
/// db.create(&AdminCapability::grant("docs", "example")?, "Acme", "acme").await?;
///
/// let app = Router::new()
///     .route("/notes", post(add))
///     .layer(TenantTxLayer::new(db.clone()))
///     .layer(TenantLayer::new(SubdomainResolver::new("localhost")?, TenantCache::new(db.clone())));
/// let add_note = || Request::post("/notes").header("host", "acme.localhost").body(Body::empty());
///
/// assert_eq!(app.clone().oneshot(add_note()?).await?.status(), 200);
/// // The same key again: the handler fails, and its transaction is rolled back.
/// assert_eq!(app.oneshot(add_note()?).await?.status(), 409);
/// let mut tx = db.begin_read(&db.scope_by_subdomain("acme").await?).await?;
/// assert_eq!(Note::scoped(&mut tx).count().await?, 1);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
#[must_use]
pub struct TenantTxLayer<D> {
    db: D,
}

impl<D> TenantTxLayer<D> {
    /// The layer for transactions on `db`.
    pub const fn new(db: D) -> Self {
        TenantTxLayer { db }
    }
}

impl<D> fmt::Debug for TenantTxLayer<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantTxLayer").finish_non_exhaustive()
    }
}

impl<S, D: Clone> Layer<S> for TenantTxLayer<D> {
    type Service = TenantTxService<S, D>;

    fn layer(&self, inner: S) -> Self::Service {
        TenantTxService {
            inner,
            db: self.db.clone(),
        }
    }
}

/// The service of [`TenantTxLayer`].
#[derive(Clone)]
pub struct TenantTxService<S, D> {
    inner: S,
    db: D,
}

impl<S: fmt::Debug, D> fmt::Debug for TenantTxService<S, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantTxService")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

/// What the layer shares with the extractors of one request.
struct Slot<D: BeginTenant> {
    db: D,
    write: bool,
    tx: Arc<Mutex<Option<D::Tx>>>,
    begun: AtomicU32,
}

/// The future of [`TenantTxService`]: the inner call, then the commit or rollback.
pub type TenantTxFuture<R, E> = Pin<Box<dyn Future<Output = std::result::Result<R, E>> + Send>>;

impl<S, D, B> Service<Request<B>> for TenantTxService<S, D>
where
    S: Service<Request<B>, Response = Response> + Send + 'static,
    S::Future: Send + 'static,
    D: BeginTenant,
{
    type Response = Response;
    type Error = S::Error;
    type Future = TenantTxFuture<Response, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<std::result::Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let write = !matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::OPTIONS
        );
        let slot = Arc::new(Slot {
            db: self.db.clone(),
            write,
            tx: Arc::new(Mutex::new(None)),
            begun: AtomicU32::new(0),
        });
        request.extensions_mut().insert(Arc::clone(&slot));
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await?;
            // The handler has answered and dropped its extractors: the transaction is free.
            let tx = slot.tx.lock().await.take();
            let Some(tx) = tx else {
                return Ok(response);
            };
            let commit = response.status().as_u16() < 400;
            match D::finish(tx, commit).await {
                Ok(()) => Ok(response),
                Err(err) if commit => {
                    tracing::error!(error = %err, "the request's transaction did not commit");
                    Ok(unavailable())
                }
                Err(err) => {
                    tracing::warn!(error = %err, "the request's transaction did not roll back cleanly");
                    Ok(response)
                }
            }
        })
    }
}

fn unavailable() -> Response {
    json_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "the database is unavailable; nothing was changed",
    )
    .map(axum::body::Body::from)
}

/// The request's tenant transaction, from [`TenantTxLayer`]: opened for the request's
/// [`TenantScope`] the first time any extractor of the request asks for it, and shared by all
/// of them (one connection per request); dereferences to the transaction, which is what
/// `Model::scoped(&mut *tx)` takes.
///
/// Hold it only as long as the handler runs: the layer ends the transaction after the answer.
/// See [`TenantTxLayer`] for an example.
pub struct RequestTx<D: BeginTenant> {
    guard: OwnedMutexGuard<Option<D::Tx>>,
}

impl<D: BeginTenant> fmt::Debug for RequestTx<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestTx").finish_non_exhaustive()
    }
}

impl<D: BeginTenant> Deref for RequestTx<D> {
    type Target = D::Tx;

    fn deref(&self) -> &D::Tx {
        self.guard
            .as_ref()
            .expect("a request transaction is begun before it is handed out")
    }
}

impl<D: BeginTenant> DerefMut for RequestTx<D> {
    fn deref_mut(&mut self) -> &mut D::Tx {
        self.guard
            .as_mut()
            .expect("a request transaction is begun before it is handed out")
    }
}

impl<D: BeginTenant> RequestTx<D> {
    /// Commits the request's transaction now, before the handler answers, for work that must
    /// follow the commit (waking a worker for a job it wrote, say). The layer then has nothing
    /// left to end; an error here is the handler's to answer.
    pub async fn commit(mut self) -> Result<()> {
        match self.guard.take() {
            Some(tx) => D::finish(tx, true).await,
            None => Ok(()),
        }
    }

    /// How many times the request's transaction was begun so far: 1 once any extractor has
    /// it, whatever number of extractors and handlers shared it. For tests that count.
    pub fn begun(parts: &Parts) -> u32 {
        parts
            .extensions
            .get::<Arc<Slot<D>>>()
            .map_or(0, |slot| slot.begun.load(Ordering::Relaxed))
    }
}

impl<S: Send + Sync, D: BeginTenant> FromRequestParts<S> for RequestTx<D> {
    type Rejection = RequestTxRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> std::result::Result<Self, Self::Rejection> {
        let scope = parts
            .extensions
            .get::<TenantScope>()
            .cloned()
            .ok_or(RequestTxRejection::LayerMissing)?;
        let slot = parts
            .extensions
            .get::<Arc<Slot<D>>>()
            .cloned()
            .ok_or(RequestTxRejection::LayerMissing)?;
        let mut guard = Arc::clone(&slot.tx).lock_owned().await;
        if guard.is_none() {
            let tx = slot
                .db
                .begin_tenant(&scope, slot.write)
                .await
                .map_err(RequestTxRejection::Begin)?;
            slot.begun.fetch_add(1, Ordering::Relaxed);
            *guard = Some(tx);
        }
        Ok(RequestTx { guard })
    }
}

/// Why [`RequestTx`] could not be extracted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestTxRejection {
    /// The route has no [`TenantLayer`](crate::web::layer::TenantLayer) or no [`TenantTxLayer`]
    /// in front of it: `500 tenant_layer_missing`, a wiring mistake.
    #[error(
        "the handler needs the request's tenant transaction, but the TenantLayer or the TenantTxLayer did not run"
    )]
    LayerMissing,
    /// The transaction could not be begun: `503 unavailable` when the database is down,
    /// `500` when the scope is another handle's ([`Error::ForeignScope`]).
    #[error("the request's tenant transaction could not begin: {0}")]
    Begin(Error),
}

impl IntoResponse for RequestTxRejection {
    fn into_response(self) -> Response {
        match &self {
            RequestTxRejection::Begin(Error::Database(_)) => {
                tracing::warn!("{self}");
                unavailable()
            }
            _ => {
                tracing::error!("{self}");
                json_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "tenant_layer_missing",
                    "this route is not set up to serve a tenant",
                )
                .map(axum::body::Body::from)
            }
        }
    }
}
