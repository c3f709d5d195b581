//! [`TenantBroadcast`]: tenant changes told to every process through Redis pub/sub.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use uuid::Uuid;

use super::{in_time, queue_error};
use crate::error::Result;
use crate::scope::tenant::TenantId;

/// How long a listener cut off from Redis trusts what it cached.
pub const FALLBACK_TTL: Duration = Duration::from_secs(1);

/// How long [`TenantBroadcast::publish`] waits for the listeners' acknowledgements.
pub const ACK_TIMEOUT: Duration = Duration::from_secs(2);

/// What a listener must forget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TenantChange {
    /// One tenant changed.
    One(TenantId),
    /// Anything may have changed: the listener lost its subscription, or has none.
    All,
}

/// Tenant changes told to every process through Redis pub/sub (the channel
/// `{prefix}:tenants`), so that a tenant suspended on one process is refused by all of them at
/// their next request. Cloning shares the client.
///
/// Each process caches tenants (the tenant layer's
/// [`TenantCache`](crate::web::resolve::TenantCache)); with several processes, a change made
/// through one of them reaches the others' caches only when their entries expire. With a
/// [`TenantBroadcast`], the process that changed a tenant calls
/// [`TenantBroadcast::publish`] after its change committed; every process that runs
/// [`TenantBroadcast::listen`] hears it, forgets the tenant and acknowledges, and `publish`
/// returns once every listener has acknowledged (or after [`ACK_TIMEOUT`]). So once the call
/// that changed the tenant has answered, no process serves the tenant as it was.
///
/// While a listener is cut off from Redis it cannot hear changes, so it forgets every tenant
/// every [`FALLBACK_TTL`] until it is subscribed again: a change then takes at most that long
/// to reach it, at the cost of one tenant lookup per tenant and period.
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskflow_tenancy::Result<()> {
/// use taskflow_tenancy::redis::{TenantBroadcast, TenantChange};
/// use taskflow_tenancy::TenantId;
///
/// let broadcast = TenantBroadcast::new("redis://127.0.0.1:6379", "myapp")?;
/// // In every process: forget what the broadcast says.
/// broadcast.listen(|change| match change {
///     TenantChange::One(id) => println!("forget {id}"),
///     // `All`, and any kind of change a later version adds: forget every tenant.
///     _ => println!("forget every tenant"),
/// });
/// // In the process that suspended a tenant, after the change committed:
/// let acknowledged = broadcast.publish(TenantId::new_v7()).await?;
/// println!("{acknowledged} processes forgot it");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct TenantBroadcast {
    client: redis::Client,
    channel: Arc<str>,
}

impl fmt::Debug for TenantBroadcast {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantBroadcast")
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

impl TenantBroadcast {
    /// A broadcast on the Redis server at `url`. Nothing is connected yet: a listener keeps
    /// trying, and each publish connects on its own.
    ///
    /// ```
    /// let broadcast = taskflow_tenancy::redis::TenantBroadcast::new("redis://127.0.0.1/", "taskflow")?;
    /// assert_eq!(broadcast.channel(), "taskflow:tenants");
    /// # Ok::<(), taskflow_tenancy::Error>(())
    /// ```
    pub fn new(url: &str, prefix: &str) -> Result<TenantBroadcast> {
        Ok(TenantBroadcast {
            client: redis::Client::open(url).map_err(queue_error)?,
            channel: format!("{prefix}:tenants").into(),
        })
    }

    /// The Redis channel the changes go through.
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// Tells every listener that `tenant` changed and waits until each has acknowledged (at
    /// most [`ACK_TIMEOUT`]); how many did. Call it after the change committed. An error means
    /// Redis did not take the message: listeners cut off from it fall back to
    /// [`FALLBACK_TTL`].
    pub async fn publish(&self, tenant: TenantId) -> Result<usize> {
        let mut conn = in_time(self.client.get_multiplexed_async_connection()).await?;
        let acks = format!("{}:ack:{}", self.channel, Uuid::new_v4());
        let message = format!("{}|{acks}", tenant.as_uuid());
        let listeners: usize = in_time(
            redis::cmd("PUBLISH")
                .arg(&*self.channel)
                .arg(&message)
                .query_async(&mut conn),
        )
        .await?;
        let deadline = tokio::time::Instant::now() + ACK_TIMEOUT;
        let mut acknowledged = 0;
        while acknowledged < listeners {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                tracing::warn!(
                    "{acknowledged} of {listeners} processes acknowledged the change of tenant {}",
                    tenant.as_uuid()
                );
                break;
            }
            // BLPOP blocks server-side; the client waits for it a little longer.
            let popped = tokio::time::timeout(
                left + Duration::from_millis(500),
                redis::cmd("BLPOP")
                    .arg(&acks)
                    .arg(left.as_secs_f64().max(0.01))
                    .query_async::<Option<(String, String)>>(&mut conn),
            )
            .await;
            match popped {
                Ok(Ok(Some(_))) => acknowledged += 1,
                Ok(Ok(None)) | Err(_) => {}
                Ok(Err(err)) => return Err(queue_error(err)),
            }
        }
        let _ = redis::cmd("DEL")
            .arg(&acks)
            .query_async::<()>(&mut conn)
            .await;
        Ok(acknowledged)
    }

    /// Listens for changes on a task of its own, for as long as the process runs, calling
    /// `forget` with each. Cut off from Redis (at start, or later), it calls `forget` with
    /// [`TenantChange::All`] every [`FALLBACK_TTL`] and tries to subscribe again.
    pub fn listen(&self, forget: impl Fn(TenantChange) + Send + Sync + 'static) {
        let broadcast = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(err) = broadcast.subscribed(&forget).await {
                    tracing::warn!(
                        error = %err,
                        "tenant changes unavailable: forgetting every tenant every {FALLBACK_TTL:?}"
                    );
                }
                forget(TenantChange::All);
                tokio::time::sleep(FALLBACK_TTL).await;
            }
        });
    }

    /// One subscription, until Redis drops it.
    async fn subscribed(&self, forget: &(impl Fn(TenantChange) + Send + Sync)) -> Result<()> {
        let mut pubsub = in_time(self.client.get_async_pubsub()).await?;
        in_time(pubsub.subscribe(&*self.channel)).await?;
        let mut acks = in_time(self.client.get_multiplexed_async_connection()).await?;
        // Whatever changed while it was not subscribed is forgotten now.
        forget(TenantChange::All);
        let mut messages = pubsub.into_on_message();
        while let Some(message) = messages.next().await {
            let Ok(payload) = message.get_payload::<String>() else {
                continue;
            };
            let Some((tenant, ack)) = payload.split_once('|') else {
                continue;
            };
            match Uuid::parse_str(tenant) {
                Ok(id) => forget(TenantChange::One(TenantId::from_uuid(id))),
                Err(_) => forget(TenantChange::All),
            }
            let mut push = redis::pipe();
            push.cmd("RPUSH")
                .arg(ack)
                .arg(1)
                .ignore()
                .cmd("EXPIRE")
                .arg(ack)
                .arg(ACK_TIMEOUT.as_secs() + 1)
                .ignore();
            in_time(push.query_async::<()>(&mut acks)).await?;
        }
        Err(crate::Error::Queue(
            "Redis closed the subscription".to_owned(),
        ))
    }
}
