//! `taskflow-baseline`: the benchmark baseline, "the stack's own limit". TaskFlow's routes that
//! a load test uses, written by hand on plain axum and sqlx with no `taskflow-tenancy` at all,
//! so that taskflow-app's requests per second can be set against what the same stack does for
//! the same work.
//!
//! The same work means: the same schema and indexes (taskflow-app's own migrations, applied at
//! start), the same connection settings, the same statements (tenant filter first, written by
//! hand in every query), the same per-request steps in the same order (tenant from the `Host`
//! through a moka cache with the app's time-to-live, HS256 token bound to the tenant, the user
//! read on every request, a project or task of another tenant answered `404 not_found`), the
//! same transactions (see `db.rs`), and the same JSON in and out (`shared/API.md`).
//!
//! What it leaves out is what the library does on top of that, so that the difference is the
//! library's cost:
//!
//! - **PostgreSQL row-level security.** taskflow-app runs every PostgreSQL request in a
//!   transaction that enters its tenant (`taskflow_enter_tenant`), reads included, and the
//!   tables' policies check every row against it. The baseline enters nothing, reads without a
//!   transaction, and so must connect as a role that bypasses row-level security (a superuser
//!   or `BYPASSRLS`); it refuses to start otherwise, as it would see no rows.
//! - The tenant layer's per-request `tracing` span and task-local, the query builder's SQL
//!   rendering and value conversion, and the per-tenant rate limit (benchmarks run the app with
//!   `TASKFLOW_RATE_LIMIT=0`).
//!
//! Run with:
//!
//! ```text
//! cargo run --release -p taskflow-baseline
//! # DATABASE_URL (default sqlite://taskflow-baseline.db), TASKFLOW_BIND (default
//! # 127.0.0.1:8090), TASKFLOW_BASE_DOMAIN (default localhost), TASKFLOW_JWT_SECRET.
//!
//! curl -H 'content-type: application/json' http://127.0.0.1:8090/api/v1/tenants \
//!   -d '{"name":"Acme","subdomain":"acme","owner":{"email":"o@acme.example","name":"O","password":"password123"}}'
//! curl -H 'host: acme.localhost' -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
//!   http://127.0.0.1:8090/api/v1/projects -d '{"name":"Website"}'
//! curl -H 'host: acme.localhost' -H "authorization: Bearer $TOKEN" \
//!   "http://127.0.0.1:8090/api/v1/projects/$PROJECT/tasks?status=todo&limit=20"
//! ```

mod auth;
mod db;
mod error;
mod model;
mod page;
mod queries;
mod routes;
mod tenant;

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tracing_subscriber::EnvFilter;

/// mimalloc, as taskflow-app: sqlx allocates a statement's arguments on the async thread and
/// frees them on SQLite's worker thread, a pattern glibc's allocator serves with contention.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The JWT secret when `TASKFLOW_JWT_SECRET` is unset: public, so tokens signed with it prove
/// nothing. The app's development secret, so that the two are configured alike.
const DEVELOPMENT_JWT_SECRET: &str = "taskflow-development-secret-do-not-use-in-production";

/// How long requests in flight may take to finish after SIGINT or SIGTERM.
const GRACE: Duration = Duration::from_secs(30);

/// The settings, from the environment (empty values count as unset).
#[derive(Debug)]
struct Config {
    database_url: String,
    bind: SocketAddr,
    base_domain: String,
    jwt_secret: String,
    jwt_secret_is_default: bool,
}

impl Config {
    fn from_env() -> Result<Config, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let bind = match var("TASKFLOW_BIND") {
            Some(bind) => bind
                .parse()
                .map_err(|e| format!("TASKFLOW_BIND: {bind:?} is not an address and port: {e}"))?,
            None => SocketAddr::from(([127, 0, 0, 1], 8090)),
        };
        let base_domain = tenant::normalize_base_domain(
            &var("TASKFLOW_BASE_DOMAIN").unwrap_or_else(|| "localhost".to_owned()),
        )
        .map_err(|e| format!("TASKFLOW_BASE_DOMAIN: {e}"))?;
        let (jwt_secret, jwt_secret_is_default) = match var("TASKFLOW_JWT_SECRET") {
            Some(secret) => (secret, false),
            None => (DEVELOPMENT_JWT_SECRET.to_owned(), true),
        };
        Ok(Config {
            database_url: var("DATABASE_URL")
                .unwrap_or_else(|| "sqlite://taskflow-baseline.db".to_owned()),
            bind,
            base_domain,
            jwt_secret,
            jwt_secret_is_default,
        })
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err}");
            ExitCode::FAILURE
        }
    }
}

/// Migrates the database, then serves until SIGINT or SIGTERM.
async fn run() -> Result<(), String> {
    let config = Config::from_env()?;
    if config.jwt_secret_is_default {
        tracing::warn!(
            "TASKFLOW_JWT_SECRET is not set: tokens are signed with a public development secret"
        );
    }
    let keys = auth::JwtKeys::hs256(config.jwt_secret.as_bytes())
        .map_err(|e| format!("TASKFLOW_JWT_SECRET: {e}"))?;
    let db = db::connect(&config.database_url)
        .await
        .map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
    auth::warm_up().await;
    let state = routes::AppState {
        tenants: tenant::TenantCache::new(db.clone()),
        db,
        keys,
        base_domain: Arc::from(config.base_domain.as_str()),
    };
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|e| format!("cannot bind {}: {e}", config.bind))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    // On stdout, whatever RUST_LOG says: the test (and scripts) read the port from it.
    println!(
        "taskflow-baseline listening on http://{addr} ({:?} database, tenants at *.{})",
        state.db.dialect(),
        config.base_domain
    );
    serve(listener, routes::app(state))
        .await
        .map_err(|e| e.to_string())
}

/// Serves `app` on `listener` until SIGINT or SIGTERM, then lets requests in flight finish for
/// at most [`GRACE`].
async fn serve(listener: tokio::net::TcpListener, app: axum::Router) -> std::io::Result<()> {
    let (stopping_tx, mut stopping) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing requests in flight");
        let _ = stopping_tx.send(true);
    });
    tokio::select! {
        result = server.into_future() => result,
        _ = async {
            let _ = stopping.wait_for(|stop| *stop).await;
            tokio::time::sleep(GRACE).await;
        } => {
            tracing::warn!("requests still in flight after {GRACE:?}: stopping anyway");
            Ok(())
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
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
