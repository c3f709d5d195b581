//! The HTTP API: [`app`] builds the router, [`serve`] runs it until SIGINT or SIGTERM.

mod activity;
mod auth;
mod client;
mod comments;
mod error;
mod extractor;
mod frontend;
mod guard;
mod health;
mod idempotency;
mod invitations;
mod live;
mod observe;
mod one_time;
pub(crate) mod openapi;
mod page;
mod password_reset;
mod precondition;
mod projects;
mod reports;
mod server;
mod task_list;
mod tasks;
mod tenants;
mod throttle;
mod trash;
mod users;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::http::HeaderName;
use axum::middleware;
use taskflow_tenancy::AnyTenantDb;
use taskflow_tenancy::redis::{RedisWakeups, TenantBroadcast};
use taskflow_tenancy::web::axum::TenantTxLayer;
use taskflow_tenancy::web::jwt::JwtKeys;
use taskflow_tenancy::web::layer::TenantLayer;
use taskflow_tenancy::web::limit::{TenantLimitLayer, TenantLimits};
use taskflow_tenancy::web::resolve::{SubdomainResolver, TenantCache};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::RequestBodyDeadlineLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::db::DbHealth;

pub use error::ApiError;
pub use server::{Draining, ServerSettings, serve};
pub use throttle::LoginThrottle;

/// The most a request body may hold: 1 MiB.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// What the handlers share.
#[derive(Debug, Clone, FromRef)]
pub struct AppState {
    /// The database every tenant's queries run on, in the request's tenant transaction.
    pub db: AnyTenantDb,
    /// Signs tokens at login and signup; the tenant routes verify them.
    pub keys: JwtKeys,
    /// The tenant layer's cache: the operator routes invalidate it when they suspend a tenant.
    pub tenants: TenantCache<AnyTenantDb>,
    /// Tenants are the subdomains of this base domain.
    pub resolver: SubdomainResolver,
    /// Requests per second per tenant.
    pub limits: TenantLimits,
    /// The operator's token; operator routes are off without one.
    pub admin_token: Option<Arc<str>>,
    /// The built frontend, served for every `GET` outside the API.
    pub frontend_dir: Arc<Path>,
    /// With `REDIS_URL`: wakes the job workers of other processes when a job is enqueued.
    /// Set by [`crate::serve`] from [`crate::job_wakeups`]; `None` runs jobs in-process.
    pub wakeups: Option<RedisWakeups>,
    /// With `REDIS_URL`: tells the other processes when a tenant changes (see
    /// [`crate::tenant_broadcast`]), so that their caches forget it.
    pub broadcast: Option<TenantBroadcast>,
    /// Whether the database answers; [`crate::serve`] probes it ([`DbHealth::watch`]), an app
    /// built by hand counts it as up.
    pub health: DbHealth,
    /// Set when the server drains before stopping: readiness then answers 503.
    pub draining: Draining,
    /// How long a request's body may take to arrive ([`ServerSettings::body_timeout`]).
    pub body_timeout: Duration,
    /// The process's metrics, rendered by `GET /metrics` ([`crate::telemetry::metrics`]).
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    /// Failed logins per account and per client ([`crate::login_throttle`]); in memory
    /// unless [`crate::serve`] sets one shared through Redis.
    pub logins: LoginThrottle,
    /// The proxies whose `X-Forwarded-For` names the client
    /// ([`Config::trusted_proxies`](crate::Config::trusted_proxies)).
    pub trusted_proxies: Arc<[ipnet::IpNet]>,
    /// Live events of each tenant (`GET /api/v1/events`): within the process unless
    /// [`crate::serve`] sets them shared through Redis ([`crate::live_events`]).
    pub live: taskflow_tenancy::redis::TenantEvents,
    /// Where mail to users goes ([`crate::mail`]).
    pub mailer: Arc<crate::mail::Mailer>,
    /// The scheme of the links the app mails ([`Config::public_scheme`](crate::Config)).
    pub public_scheme: Arc<str>,
}

impl AppState {
    /// The state of an app on `db`, with the settings of `config`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let config = taskflow_app::Config::from_vars(|_| None)?;
    /// let db = taskflow_app::db::connect("sqlite::memory:").await?;
    /// let state = taskflow_app::http::AppState::new(db, &config)?;
    /// assert!(state.admin_token.is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(db: AnyTenantDb, config: &crate::Config) -> Result<AppState, crate::Error> {
        Ok(AppState {
            tenants: TenantCache::new(db.clone()),
            db,
            keys: JwtKeys::hs256(&config.jwt_secret)?,
            resolver: SubdomainResolver::new(&config.base_domain)?,
            limits: config.limits,
            admin_token: config.admin_token.as_deref().map(Arc::from),
            frontend_dir: Arc::from(config.frontend_dir.as_path()),
            wakeups: None,
            broadcast: None,
            health: DbHealth::always_up(),
            draining: Draining::default(),
            body_timeout: config.server.body_timeout,
            metrics: crate::telemetry::metrics(),
            logins: LoginThrottle::local(),
            trusted_proxies: config.trusted_proxies.clone().into(),
            live: taskflow_tenancy::redis::TenantEvents::local(),
            mailer: Arc::new(crate::mail::Mailer::new(config)?),
            public_scheme: Arc::from(config.public_scheme.as_str()),
        })
    }
}

/// The whole API. Platform routes answer on any host; tenant routes sit behind the tenant
/// layer (which resolves the host to an active tenant) and the per-tenant limits. Any other
/// `GET` outside `/api/` is the built frontend (see [`Config::frontend_dir`](crate::Config)).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use axum::body::Body;
/// use axum::http::Request;
/// use tower::ServiceExt;
///
/// let config = taskflow_app::Config::from_vars(|_| None)?;
/// let db = taskflow_app::db::connect("sqlite::memory:").await?;
/// taskflow_app::db::migrate(&db).await?;
/// let app = taskflow_app::http::app(taskflow_app::http::AppState::new(db, &config)?);
///
/// let request = Request::get("/api/v1/me").header("host", "nobody.localhost").body(Body::empty())?;
/// let response = app.oneshot(request).await?;
/// assert_eq!(response.status(), 404);
/// # Ok(())
/// # }
/// ```
pub fn app(state: AppState) -> Router {
    let tenant_routes = Router::new()
        .merge(auth::router())
        .merge(password_reset::router())
        .merge(invitations::invitee_router())
        .merge(
            // Creates with an `Idempotency-Key` answer once; login is no create.
            Router::new()
                .merge(users::router())
                .merge(invitations::router())
                .merge(projects::router())
                .merge(trash::router())
                .merge(tasks::router())
                .merge(comments::router())
                .merge(activity::router())
                .merge(live::router())
                .merge(reports::router())
                .layer(middleware::from_fn_with_state(
                    state.clone(),
                    idempotency::once_per_key,
                )),
        )
        // Layers added later wrap the earlier ones: the tenant layer runs first, then the
        // limits, which need the scope it puts in the request, then the request's tenant
        // transaction, which ends after the handler has answered.
        .layer(TenantTxLayer::new(state.db.clone()))
        // Outside the transaction: what a write tells the live streams goes once it committed.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            live::publish_committed,
        ))
        .layer(TenantLimitLayer::new(state.limits))
        .layer(TenantLayer::new(
            state.resolver.clone(),
            state.tenants.clone(),
        ));
    let database_routes = Router::new()
        .merge(tenants::router())
        .merge(tenant_routes)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guard::require_database,
        ));
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .merge(health::router())
        .merge(openapi::router())
        .merge(observe::router())
        .merge(database_routes)
        // Every route so far: its pattern goes into the request's span and metrics.
        .route_layer(middleware::from_fn(observe::name_route))
        .fallback(frontend::fallback)
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(RequestBodyDeadlineLayer::new(state.body_timeout))
        .layer(middleware::from_fn(guard::refuse_oversized_body))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(middleware::from_fn(observe::measure))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(observe::request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// What `taskflow-app worker` serves on `TASKFLOW_METRICS_BIND`: `GET /metrics` (the
/// process's metrics, its jobs' durations among them) and `GET /healthz`.
pub fn worker_metrics(db: AnyTenantDb, health: DbHealth) -> Router {
    observe::worker_router(db, health)
}

/// Resolves on SIGINT or SIGTERM.
pub(crate) async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!("cannot listen for SIGTERM: {err}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
