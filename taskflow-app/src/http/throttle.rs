//! Failed logins, counted per account and per client address: past a handful in a short
//! window, `POST /api/v1/auth/login` answers `429 rate_limited` with `Retry-After`, whatever
//! the password, until the window ends.
//!
//! With `REDIS_URL` the counts live in Redis (`INCR` and `PEXPIRE ... NX`, one window per key),
//! so every app process behind the proxy shares them; without it, or while Redis does not
//! answer, each process counts in memory (a moka cache whose entries live one window), which
//! is exact for the single process that runs without Redis, and at worst multiplies the
//! budget by the number of processes while Redis is down.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use redis::aio::ConnectionManager;
use sha2::{Digest, Sha256};
use taskflow_tenancy::TenantId;

use super::ApiError;

/// Failures of one account (an email in one tenant) allowed in a window.
pub(crate) const ACCOUNT_FAILURES: u32 = 5;
/// Failures from one client address allowed in a window, over every account and tenant.
pub(crate) const CLIENT_FAILURES: u32 = 20;
/// How long a window lasts from its first failure.
pub(crate) const WINDOW: Duration = Duration::from_secs(5 * 60);
/// How long a Redis command may take before the process counts in memory instead.
const REDIS_TIMEOUT: Duration = Duration::from_millis(250);

/// The counters of failed logins. Clones share them.
#[derive(Clone)]
pub struct LoginThrottle {
    local: moka::sync::Cache<String, Arc<Mutex<Window>>>,
    redis: Option<(ConnectionManager, Arc<str>)>,
}

impl std::fmt::Debug for LoginThrottle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginThrottle")
            .field("shared", &self.redis.is_some())
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct Window {
    failures: u32,
    ends: Instant,
}

/// The keys one login attempt counts against.
pub(crate) struct Attempt {
    keys: [(String, u32); 2],
}

impl Attempt {
    /// An attempt on `email` of `tenant` from `client` (the address the request came from).
    pub(crate) fn new(tenant: TenantId, email: &str, client: IpAddr) -> Attempt {
        // The email is hashed so that no address is kept in Redis or memory in clear.
        let account = URL_SAFE_NO_PAD.encode(&Sha256::digest(format!("{tenant}\n{email}"))[..18]);
        Attempt {
            keys: [
                (format!("account:{account}"), ACCOUNT_FAILURES),
                (format!("client:{client}"), CLIENT_FAILURES),
            ],
        }
    }
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle::local()
    }
}

impl LoginThrottle {
    /// Counts in this process's memory only.
    pub fn local() -> LoginThrottle {
        LoginThrottle {
            local: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(WINDOW)
                .build(),
            redis: None,
        }
    }

    /// Counts in Redis at `url`, under `{prefix}:login:`, shared by every process on it.
    pub async fn shared(url: &str, prefix: &str) -> Result<LoginThrottle, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let manager = tokio::time::timeout(REDIS_TIMEOUT * 8, ConnectionManager::new(client))
            .await
            .map_err(|_| {
                redis::RedisError::from((redis::ErrorKind::Io, "Redis did not answer in time"))
            })??;
        Ok(LoginThrottle {
            redis: Some((manager, format!("{prefix}:login:").into())),
            ..LoginThrottle::local()
        })
    }

    /// Refuses the attempt while any of its keys is over its limit: the 429 to answer, with
    /// the seconds until the window that is over ends.
    pub(crate) async fn check(&self, attempt: &Attempt) -> Result<(), ApiError> {
        let mut wait = Duration::ZERO;
        for (key, limit) in &attempt.keys {
            if let Some((failures, left)) = self.count(key).await
                && failures >= *limit
            {
                wait = wait.max(left);
            }
        }
        if wait.is_zero() {
            Ok(())
        } else {
            Err(ApiError::RateLimited {
                retry_after: wait.as_secs().max(1),
            })
        }
    }

    /// Counts a failed attempt against each of its keys.
    pub(crate) async fn failed(&self, attempt: &Attempt) {
        for (key, _) in &attempt.keys {
            if let Some((manager, prefix)) = &self.redis {
                let mut conn = manager.clone();
                let counted: redis::RedisResult<()> = in_time(
                    redis::pipe()
                        .atomic()
                        .incr(format!("{prefix}{key}"), 1)
                        .ignore()
                        .cmd("PEXPIRE")
                        .arg(format!("{prefix}{key}"))
                        .arg(WINDOW.as_millis() as u64)
                        .arg("NX")
                        .ignore()
                        .query_async(&mut conn),
                )
                .await;
                match counted {
                    Ok(()) => continue,
                    Err(err) => tracing::warn!("login throttle: Redis: {err}; counting here"),
                }
            }
            let window = self.local.get_with(key.clone(), || {
                Arc::new(Mutex::new(Window {
                    failures: 0,
                    ends: Instant::now() + WINDOW,
                }))
            });
            let mut window = window.lock().unwrap_or_else(|e| e.into_inner());
            if window.ends <= Instant::now() {
                *window = Window {
                    failures: 0,
                    ends: Instant::now() + WINDOW,
                };
            }
            window.failures += 1;
        }
    }

    /// Forgets the account's failures after a successful login (the client's stay: one
    /// correct password does not excuse guesses at other accounts).
    pub(crate) async fn succeeded(&self, attempt: &Attempt) {
        let (key, _) = &attempt.keys[0];
        self.local.invalidate(key);
        if let Some((manager, prefix)) = &self.redis {
            let mut conn = manager.clone();
            let forgotten: redis::RedisResult<()> = in_time(
                redis::cmd("DEL")
                    .arg(format!("{prefix}{key}"))
                    .query_async(&mut conn),
            )
            .await;
            if let Err(err) = forgotten {
                tracing::warn!("login throttle: Redis: {err}");
            }
        }
    }

    /// The failures counted against `key` in its current window and the time left in it.
    async fn count(&self, key: &str) -> Option<(u32, Duration)> {
        if let Some((manager, prefix)) = &self.redis {
            let mut conn = manager.clone();
            let read: redis::RedisResult<(Option<u32>, i64)> = in_time(
                redis::pipe()
                    .get(format!("{prefix}{key}"))
                    .pttl(format!("{prefix}{key}"))
                    .query_async(&mut conn),
            )
            .await;
            match read {
                // PTTL is -2 for a key that is gone, -1 for one without expiry (never left so).
                Ok((Some(failures), left)) if left > 0 => {
                    return Some((failures, Duration::from_millis(left as u64)));
                }
                Ok(_) => {}
                Err(err) => tracing::warn!("login throttle: Redis: {err}; counting here"),
            }
        }
        let window = self.local.get(key)?;
        let window = window.lock().unwrap_or_else(|e| e.into_inner());
        let left = window.ends.checked_duration_since(Instant::now())?;
        Some((window.failures, left))
    }
}

async fn in_time<T>(command: impl Future<Output = redis::RedisResult<T>>) -> redis::RedisResult<T> {
    tokio::time::timeout(REDIS_TIMEOUT, command)
        .await
        .unwrap_or_else(|_| {
            Err(redis::RedisError::from((
                redis::ErrorKind::Io,
                "Redis did not answer in time",
            )))
        })
}
