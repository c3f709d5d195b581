//! Settings read from the environment, as the command line section of the API contract lists them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use taskflow_tenancy::web::limit::TenantLimits;

use crate::http::ServerSettings;

/// The secret used when `TASKFLOW_JWT_SECRET` is unset. Anyone can read it here, so tokens
/// signed with it prove nothing: fine on a laptop, never in production.
pub const DEVELOPMENT_JWT_SECRET: &str = "taskflow-development-secret-do-not-use-in-production";

/// Everything `serve` and `migrate` need to know.
///
/// ```
/// let config = taskflow_app::Config::from_vars(|name| match name {
///     "TASKFLOW_BIND" => Some("0.0.0.0:9000".into()),
///     "TASKFLOW_RATE_LIMIT" => Some("0".into()),
///     _ => None,
/// })
/// .unwrap();
/// assert_eq!(config.bind.port(), 9000);
/// assert_eq!(config.base_domain, "localhost");
/// assert!(config.database_url.starts_with("sqlite:"));
/// assert!(config.limits.is_off());
/// assert!(config.admin_token.is_none());
/// assert!(config.jwt_secret_is_default);
/// assert!(config.demo);
/// assert_eq!(config.frontend_dir, std::path::Path::new("frontend/dist"));
/// assert!(config.redis_url.is_none());
/// assert_eq!(config.redis_prefix, "taskflow");
/// assert!(config.job_poll.is_none());
/// assert_eq!(config.server, taskflow_app::http::ServerSettings::default());
/// assert!(config.trusted_proxies.is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`: `sqlite:`, `mysql:` or `postgres:`; default `sqlite://taskflow.db` in
    /// the working folder.
    pub database_url: String,
    /// `TASKFLOW_BIND`, default `127.0.0.1:8080`.
    pub bind: SocketAddr,
    /// `TASKFLOW_BASE_DOMAIN`, default `localhost`: tenants live on its subdomains.
    pub base_domain: String,
    /// `TASKFLOW_JWT_SECRET`, or [`DEVELOPMENT_JWT_SECRET`].
    pub jwt_secret: String,
    /// Whether the secret is the public development default (the server warns loudly).
    pub jwt_secret_is_default: bool,
    /// `TASKFLOW_ADMIN_TOKEN`: the operator's bearer token; operator routes are off without it.
    pub admin_token: Option<String>,
    /// `TASKFLOW_RATE_LIMIT` requests per second per tenant, burst twice that; `0` is off.
    pub limits: TenantLimits,
    /// `TASKFLOW_DEMO` (default on; `0`, `false`, `no` or `off` turn it off, as `serve
    /// --no-demo` does): whether `serve` creates demo tenants on a database with none.
    pub demo: bool,
    /// `TASKFLOW_FRONTEND_DIR`, default `frontend/dist`: the built frontend, served when it
    /// holds an `index.html`.
    pub frontend_dir: PathBuf,
    /// `REDIS_URL`: when set, `serve` runs no job workers of its own; it wakes the workers of
    /// `taskflow-app worker` processes through Redis. Unset, jobs run in-process.
    pub redis_url: Option<String>,
    /// `TASKFLOW_REDIS_PREFIX`, default `taskflow`: the prefix of the app's Redis keys, for
    /// several deployments on one Redis server.
    pub redis_prefix: String,
    /// `TASKFLOW_JOB_POLL_MS`: how often idle job workers look in the database for jobs.
    /// Default 500 ms, or 5 s when Redis wakes them (the poll then only catches lost
    /// wake-ups).
    pub job_poll: Option<Duration>,
    /// The server's timeouts and drain: `TASKFLOW_HEADER_TIMEOUT_MS` (default 10 s),
    /// `TASKFLOW_BODY_TIMEOUT_MS` (10 s), `TASKFLOW_DRAIN_MS` (1 s) and
    /// `TASKFLOW_SHUTDOWN_GRACE_MS` (30 s); see [`ServerSettings`].
    pub server: ServerSettings,
    /// `TASKFLOW_METRICS_BIND`: where `taskflow-app worker` serves `GET /metrics` (and
    /// `/healthz`); unset, a worker serves nothing. `serve` answers `/metrics` on its own
    /// address.
    pub metrics_bind: Option<SocketAddr>,
    /// `TASKFLOW_TRUSTED_PROXIES`: comma-separated addresses or networks (`127.0.0.1`,
    /// `10.0.0.0/8`) of the proxies in front of the app. A request from one of them is taken
    /// to come from the last address in its `X-Forwarded-For` that is not a trusted proxy;
    /// from anywhere else, from its peer. Default none: `X-Forwarded-For` is ignored.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `TASKFLOW_SMTP_URL` (`smtp://[user:password@]host[:port]`, plain SMTP to a relay the
    /// app trusts, such as the host's own mail server): where mail to users (password reset
    /// links) goes. Unset, the app writes each mail to its log instead.
    pub smtp_url: Option<String>,
    /// `TASKFLOW_MAIL_FROM`, default `TaskFlow <no-reply@{base domain}>`: the sender of that
    /// mail.
    pub mail_from: String,
    /// `TASKFLOW_PUBLIC_SCHEME`, `http` (the default) or `https`: the scheme of the links the
    /// app mails (a tenant's own host comes from the request).
    pub public_scheme: String,
}

/// A setting that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{name}: {message}")]
pub struct ConfigError {
    /// The environment variable.
    pub name: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl Config {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_vars(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `var` (the environment, or a test's own values). Empty
    /// values count as unset.
    ///
    /// See [`Config`] for an example.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let metrics_bind = match var("TASKFLOW_METRICS_BIND") {
            Some(bind) => Some(bind.parse().map_err(|e| ConfigError {
                name: "TASKFLOW_METRICS_BIND",
                message: format!("{bind:?} is not an address and port: {e}"),
            })?),
            None => None,
        };
        let bind = match var("TASKFLOW_BIND") {
            Some(bind) => bind.parse().map_err(|e| ConfigError {
                name: "TASKFLOW_BIND",
                message: format!("{bind:?} is not an address and port: {e}"),
            })?,
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };
        let limits = match var("TASKFLOW_RATE_LIMIT") {
            Some(rate) => {
                let rate: u32 = rate.trim().parse().map_err(|e| ConfigError {
                    name: "TASKFLOW_RATE_LIMIT",
                    message: format!("{rate:?} is not a number of requests per second: {e}"),
                })?;
                TenantLimits::per_second(rate)
            }
            None => TenantLimits::default(),
        };
        let (jwt_secret, jwt_secret_is_default) = match var("TASKFLOW_JWT_SECRET") {
            Some(secret) => (secret, false),
            None => (DEVELOPMENT_JWT_SECRET.to_owned(), true),
        };
        let millis = |name: &'static str, default: Duration| match var(name) {
            Some(ms) => ms
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|ms| *ms > 0)
                .map(Duration::from_millis)
                .ok_or_else(|| ConfigError {
                    name,
                    message: format!("{ms:?} is not a positive number of milliseconds"),
                }),
            None => Ok(default),
        };
        let defaults = ServerSettings::default();
        let server = ServerSettings {
            header_timeout: millis("TASKFLOW_HEADER_TIMEOUT_MS", defaults.header_timeout)?,
            body_timeout: millis("TASKFLOW_BODY_TIMEOUT_MS", defaults.body_timeout)?,
            drain: millis("TASKFLOW_DRAIN_MS", defaults.drain)?,
            grace: millis("TASKFLOW_SHUTDOWN_GRACE_MS", defaults.grace)?,
        };
        let trusted_proxies = var("TASKFLOW_TRUSTED_PROXIES")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<ipnet::IpNet>()
                    .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| ConfigError {
                        name: "TASKFLOW_TRUSTED_PROXIES",
                        message: format!("{item:?} is neither an IP address nor a network"),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let base_domain = var("TASKFLOW_BASE_DOMAIN")
            .unwrap_or_else(|| "localhost".to_owned())
            .to_ascii_lowercase();
        let public_scheme = var("TASKFLOW_PUBLIC_SCHEME").unwrap_or_else(|| "http".to_owned());
        if public_scheme != "http" && public_scheme != "https" {
            return Err(ConfigError {
                name: "TASKFLOW_PUBLIC_SCHEME",
                message: format!("{public_scheme:?} is neither http nor https"),
            });
        }
        Ok(Config {
            database_url: var("DATABASE_URL").unwrap_or_else(|| "sqlite://taskflow.db".to_owned()),
            bind,
            mail_from: var("TASKFLOW_MAIL_FROM")
                .unwrap_or_else(|| format!("TaskFlow <no-reply@{base_domain}>")),
            base_domain,
            jwt_secret,
            jwt_secret_is_default,
            admin_token: var("TASKFLOW_ADMIN_TOKEN"),
            limits,
            demo: !var("TASKFLOW_DEMO").is_some_and(|v| {
                matches!(
                    v.trim().to_ascii_lowercase().as_str(),
                    "0" | "false" | "no" | "off"
                )
            }),
            frontend_dir: PathBuf::from(
                var("TASKFLOW_FRONTEND_DIR").unwrap_or_else(|| "frontend/dist".to_owned()),
            ),
            redis_url: var("REDIS_URL"),
            redis_prefix: var("TASKFLOW_REDIS_PREFIX").unwrap_or_else(|| "taskflow".to_owned()),
            job_poll: match var("TASKFLOW_JOB_POLL_MS") {
                Some(_) => Some(millis("TASKFLOW_JOB_POLL_MS", Duration::ZERO)?),
                None => None,
            },
            server,
            metrics_bind,
            trusted_proxies,
            smtp_url: var("TASKFLOW_SMTP_URL"),
            public_scheme,
        })
    }
}
