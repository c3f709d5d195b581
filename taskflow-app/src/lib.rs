//! TaskFlow, the backend: organizations (tenants) on their own subdomains, their users,
//! projects, tasks and comments, over the HTTP API of `shared/API.md`, on SQLite, MySQL/MariaDB
//! or PostgreSQL.
//!
//! Tenant isolation comes from `taskflow-tenancy`: the tenant layer turns the request's host
//! into a verified `TenantScope`, tokens are only valid on their tenant's host, and every query
//! on a tenant table is built from that scope ([`model`]). The schema's composite keys make the
//! database refuse a row that points into another tenant.
//!
//! `main.rs` parses the command line and calls [`serve`], [`migrate`] or [`worker`].

pub mod config;
pub mod db;
pub mod http;
pub mod model;
pub mod password;
pub mod reports;
pub mod seed;

use std::time::Duration;

pub use config::Config;

/// Why the app could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A setting is invalid.
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Db(#[from] db::DbError),
    /// The JWT secret is unusable (too short).
    #[error("TASKFLOW_JWT_SECRET: {0}")]
    Jwt(#[from] taskflow_tenancy::jwt::JwtError),
    /// The base domain is not a domain name.
    #[error(transparent)]
    Tenancy(#[from] taskflow_tenancy::Error),
    /// Demo data could not be written.
    #[error(transparent)]
    Seed(#[from] seed::SeedError),
    /// The address could not be bound, or serving failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Applies the pending migrations to the database of `config`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let url = format!("sqlite://{}", dir.path().join("t.db").display());
/// let config = taskflow_app::Config::from_vars(|name| (name == "DATABASE_URL").then(|| url.clone()))?;
/// taskflow_app::migrate(&config).await?;
/// // Twice is fine: nothing is pending the second time.
/// taskflow_app::migrate(&config).await?;
/// # Ok(())
/// # }
/// ```
pub async fn migrate(config: &Config) -> Result<(), Error> {
    let db = db::Db::connect(&config.database_url).await?;
    db.migrate().await?;
    tracing::info!("{} database is up to date", db.backend_name());
    Ok(())
}

/// Opens the database (migrating it first unless `migrate` is false) and serves the API on
/// `config.bind` until SIGINT or SIGTERM. On a database with no tenant, and unless
/// `config.demo` is off, first creates the demo tenants of [`seed::demo_if_empty`] and prints
/// how to log in to them.
pub async fn serve(config: &Config, migrate: bool) -> Result<(), Error> {
    if config.jwt_secret_is_default {
        tracing::warn!(
            "!!! TASKFLOW_JWT_SECRET is not set: tokens are signed with a public development \
             secret and anyone can forge them. Set it to a long random value in production. !!!"
        );
    }
    let db = db::Db::connect(&config.database_url).await?;
    if migrate {
        db.migrate().await?;
    }
    let demo = if config.demo {
        seed::demo_if_empty(&db).await?
    } else {
        Vec::new()
    };
    let state = http::AppState::new(db, config)?;
    if state.admin_token.is_none() {
        tracing::info!("TASKFLOW_ADMIN_TOKEN is not set: the operator routes are off");
    }
    password::warm_up().await;
    let listener = tokio::net::TcpListener::bind(config.bind).await?;
    tracing::info!(
        "serving on http://{} (tenants at *.{})",
        listener.local_addr()?,
        config.base_domain
    );
    if !demo.is_empty() {
        let port = listener.local_addr()?.port();
        println!("{}", demo_instructions(&demo, &config.base_domain, port));
    }
    let workers = start_workers(&state.db);
    let served = http::serve(listener, http::app(state), Duration::from_secs(30)).await;
    tracing::info!("stopping the job workers: finishing the jobs they run");
    workers.shutdown().await;
    served?;
    Ok(())
}

/// Runs background jobs only (reports), on the database of `config`, until SIGINT or SIGTERM;
/// then lets the jobs being run finish. Migrations are `serve`'s or `migrate`'s job.
pub async fn worker(config: &Config) -> Result<(), Error> {
    let db = db::Db::connect(&config.database_url).await?;
    let workers = start_workers(&db);
    tracing::info!(
        "running background jobs on the {} database",
        db.backend_name()
    );
    http::shutdown_signal().await;
    tracing::info!("shutting down: finishing the jobs being run");
    workers.shutdown().await;
    Ok(())
}

/// The job workers of `serve` and `worker`. Jobs are claimed from the database's `jobs` table;
/// `REDIS_URL` is not used yet, so a Redis queue cannot wake workers early.
fn start_workers(db: &db::Db) -> taskflow_tenancy::jobs::JobWorkers {
    if std::env::var_os("REDIS_URL").is_some_and(|url| !url.is_empty()) {
        tracing::warn!(
            "REDIS_URL is set but not supported yet: background jobs are polled from the database"
        );
    }
    reports::start(db, 2, Duration::from_millis(500))
}

/// How to log in to the demo tenants `subdomains` of a server on `base_domain` and `port`.
///
/// ```
/// let text = taskflow_app::demo_instructions(&["acme"], "localhost", 8080);
/// assert!(text.contains("http://acme.localhost:8080"));
/// assert!(text.contains("owner@acme.example"));
/// assert!(text.contains("-H 'Host: acme.localhost'"));
/// ```
pub fn demo_instructions(subdomains: &[&str], base_domain: &str, port: u16) -> String {
    let mut text = String::from("Demo data created (the database had no tenant). Log in at:\n");
    for subdomain in subdomains {
        text.push_str(&format!(
            "  http://{subdomain}.{base_domain}:{port}  email owner@{subdomain}.example  password {}\n",
            seed::DEMO_PASSWORD
        ));
    }
    let first = subdomains.first().copied().unwrap_or("acme");
    text.push_str(&format!(
        "With curl, name the tenant in the Host header (the port is ignored):\n  \
         curl -H 'Host: {first}.{base_domain}' -H 'Content-Type: application/json' \\\n    \
         -d '{{\"email\":\"owner@{first}.example\",\"password\":\"{}\"}}' \\\n    \
         http://127.0.0.1:{port}/api/v1/auth/login\n\
         Start with --no-demo (or TASKFLOW_DEMO=0) to skip demo data.",
        seed::DEMO_PASSWORD
    ));
    text
}
