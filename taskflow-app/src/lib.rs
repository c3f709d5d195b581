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
pub mod mail;
pub mod model;
pub mod password;
pub mod reports;
pub mod role;
pub mod seed;
pub mod telemetry;

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
    Jwt(#[from] taskflow_tenancy::web::jwt::JwtError),
    /// The base domain is not a domain name.
    #[error(transparent)]
    Tenancy(#[from] taskflow_tenancy::Error),
    /// Demo data could not be written.
    #[error(transparent)]
    Seed(#[from] seed::SeedError),
    /// `REDIS_URL` names no Redis server that answers.
    #[error("REDIS_URL: {0}")]
    Redis(taskflow_tenancy::Error),
    /// The mail settings cannot be used.
    #[error(transparent)]
    Mail(#[from] mail::MailError),
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
    let db = db::connect(&config.database_url).await?;
    db::migrate(&db).await?;
    tracing::info!("{} database is up to date", db::backend_name(&db));
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
    let db = db::connect(&config.database_url).await?;
    if migrate {
        db::migrate(&db).await?;
    }
    let demo = if config.demo {
        seed::demo_if_empty(&db).await?
    } else {
        Vec::new()
    };
    let mut state = http::AppState::new(db, config)?;
    state.wakeups = job_wakeups(config).await?;
    state.broadcast = tenant_broadcast(config, &state.tenants)?;
    state.live = live_events(config)?;
    state.logins = login_throttle(config).await?;
    state.health = db::DbHealth::watch(&state.db);
    if state.admin_token.is_none() {
        tracing::info!("TASKFLOW_ADMIN_TOKEN is not set: the operator routes are off");
    }
    telemetry::spawn_upkeep(state.metrics.clone());
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
    // With Redis, jobs run in `taskflow-app worker` processes, woken through it.
    let workers = match state.wakeups {
        Some(_) => {
            tracing::info!(
                "REDIS_URL is set: background jobs run in `taskflow-app worker` processes"
            );
            None
        }
        None => {
            let poll = config.job_poll.unwrap_or(Duration::from_millis(500));
            Some(reports::start(&state.db, 2, poll, None))
        }
    };
    let draining = state.draining.clone();
    let served = http::serve(
        listener,
        http::app(state),
        config.server,
        draining,
        http::shutdown_signal(),
    )
    .await;
    if let Some(workers) = workers {
        tracing::info!("stopping the job workers: finishing the jobs they run");
        workers.shutdown().await;
    }
    served?;
    Ok(())
}

/// Runs background jobs only (reports), on the database of `config`, until SIGINT or SIGTERM;
/// then lets the jobs being run finish. Migrations are `serve`'s or `migrate`'s job.
pub async fn worker(config: &Config) -> Result<(), Error> {
    let db = db::connect(&config.database_url).await?;
    let wakeups = job_wakeups(config).await?;
    // Woken through Redis, a worker polls the database only to catch lost wake-ups.
    let poll = config.job_poll.unwrap_or(match wakeups {
        Some(_) => Duration::from_secs(5),
        None => Duration::from_millis(500),
    });
    let queue = if wakeups.is_some() {
        "Redis wake-ups"
    } else {
        "polling"
    };
    // The recorder first: a job the workers finish before it is installed would count nowhere.
    telemetry::spawn_upkeep(telemetry::metrics());
    let workers = reports::start(&db, 2, poll, wakeups);
    tracing::info!(
        "running background jobs on the {} database ({queue})",
        db::backend_name(&db)
    );
    let metrics = match config.metrics_bind {
        Some(bind) => {
            let listener = tokio::net::TcpListener::bind(bind).await?;
            tracing::info!("metrics on http://{}/metrics", listener.local_addr()?);
            let app = http::worker_metrics(db.clone(), db::DbHealth::watch(&db));
            Some(tokio::spawn(
                async move { axum::serve(listener, app).await },
            ))
        }
        None => None,
    };
    http::shutdown_signal().await;
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    tracing::info!("shutting down: finishing the jobs being run");
    workers.shutdown().await;
    Ok(())
}

/// The Redis wake-ups of `config.redis_url` (checked to answer), or `None` without one.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let config = taskflow_app::Config::from_vars(|_| None)?;
/// assert!(taskflow_app::job_wakeups(&config).await?.is_none());
/// # Ok(())
/// # }
/// ```
pub async fn job_wakeups(
    config: &Config,
) -> Result<Option<taskflow_tenancy::redis::RedisWakeups>, Error> {
    match &config.redis_url {
        Some(url) => {
            let wakeups = taskflow_tenancy::redis::RedisWakeups::connect(url, &config.redis_prefix)
                .await
                .map_err(Error::Redis)?;
            Ok(Some(wakeups))
        }
        None => Ok(None),
    }
}

/// The counters of failed logins: with `REDIS_URL` in Redis, shared by every process on it;
/// else in this process's memory.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let config = taskflow_app::Config::from_vars(|_| None)?;
/// let logins = taskflow_app::login_throttle(&config).await?;
/// assert!(format!("{logins:?}").contains("shared: false"));
/// # Ok(())
/// # }
/// ```
pub async fn login_throttle(config: &Config) -> Result<http::LoginThrottle, Error> {
    match &config.redis_url {
        Some(url) => http::LoginThrottle::shared(url, &config.redis_prefix)
            .await
            .map_err(|err| Error::Redis(taskflow_tenancy::Error::Queue(err.to_string()))),
        None => Ok(http::LoginThrottle::local()),
    }
}

/// With `REDIS_URL`: the broadcast of tenant changes, already listening for other processes'
/// changes and making `tenants` forget what they name; `None` without Redis.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let config = taskflow_app::Config::from_vars(|_| None)?;
/// let db = taskflow_app::db::connect("sqlite::memory:").await?;
/// let state = taskflow_app::http::AppState::new(db, &config)?;
/// assert!(taskflow_app::tenant_broadcast(&config, &state.tenants)?.is_none());
/// # Ok(())
/// # }
/// ```
pub fn tenant_broadcast(
    config: &Config,
    tenants: &taskflow_tenancy::web::resolve::TenantCache<taskflow_tenancy::AnyTenantDb>,
) -> Result<Option<taskflow_tenancy::redis::TenantBroadcast>, Error> {
    use taskflow_tenancy::redis::{TenantBroadcast, TenantChange};
    let Some(url) = &config.redis_url else {
        return Ok(None);
    };
    let broadcast = TenantBroadcast::new(url, &config.redis_prefix).map_err(Error::Redis)?;
    let tenants = tenants.clone();
    broadcast.listen(move |change| match change {
        TenantChange::One(id) => tenants.invalidate_id(id),
        _ => tenants.invalidate_all(),
    });
    Ok(Some(broadcast))
}

/// The live events of `config` (`GET /api/v1/events`): shared by every process through Redis
/// when `REDIS_URL` is set (a task of its own listens to the other processes), else within
/// this process.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let config = taskflow_app::Config::from_vars(|_| None)?;
/// let events = taskflow_app::live_events(&config)?;
/// assert!(format!("{events:?}").contains("channel: None"));
/// # Ok(())
/// # }
/// ```
pub fn live_events(config: &Config) -> Result<taskflow_tenancy::redis::TenantEvents, Error> {
    use taskflow_tenancy::redis::TenantEvents;
    match &config.redis_url {
        Some(url) => TenantEvents::with_redis(url, &config.redis_prefix).map_err(Error::Redis),
        None => Ok(TenantEvents::local()),
    }
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
    let people: Vec<String> = seed::DEMO_PEOPLE
        .iter()
        .map(|(_, local, role)| format!("{local}@ ({role})"))
        .collect();
    text.push_str(&format!(
        "Also in each, with the same password: {}.\n",
        people.join(", ")
    ));
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
