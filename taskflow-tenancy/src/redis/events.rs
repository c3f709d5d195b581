//! [`TenantEvents`]: live events of one tenant, for its own subscribers only, across processes
//! through Redis pub/sub.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use tokio::sync::broadcast;
use uuid::Uuid;

use super::{in_time, queue_error};
use crate::error::Result;
use crate::scope::tenant::{TenantId, TenantScope};

/// How many events a process holds for a subscriber that reads slowly; past that the
/// subscriber gets [`Received::Missed`] and should load afresh.
pub const EVENT_BUFFER: usize = 1024;

/// How long a process cut off from Redis waits before it subscribes again.
const RETRY: Duration = Duration::from_secs(1);

/// One event of one tenant: a name and a payload the application chose (JSON, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantEvent {
    tenant: TenantId,
    /// What happened, e.g. `task.updated`.
    pub name: Arc<str>,
    /// Its data.
    pub data: Arc<str>,
}

impl TenantEvent {
    /// The tenant it belongs to.
    pub fn tenant_id(&self) -> TenantId {
        self.tenant
    }
}

/// What [`TenantSubscription::recv`] gives.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Received {
    /// The next event of the subscription's tenant.
    Event(TenantEvent),
    /// Events were dropped because the subscriber read too slowly (or, across processes, this
    /// process was cut off from Redis): whatever the subscriber shows may be stale.
    Missed,
}

/// Live events per tenant: [`TenantEvents::publish`] takes a [`TenantScope`], so an event is
/// always of one verified tenant, and a [`TenantSubscription`], made from a scope too, yields
/// that tenant's events and no other's. With Redis ([`TenantEvents::with_redis`]) every
/// process subscribed to the channel `{prefix}:events` gets the events published in any of
/// them; without, events stay in the process.
///
/// Publish after the change committed: a subscriber told of a change loads it at once.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
/// use taskflow_tenancy::redis::{Received, TenantEvents};
/// use taskflow_tenancy::{AdminCapability, TenantDb};
///
/// let db = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
/// db.migrate().await?;
/// let admin = AdminCapability::grant("doc", "two tenants")?;
/// db.create(&admin, "Acme", "acme").await?;
/// db.create(&admin, "Globex", "globex").await?;
/// let (acme, globex) = (db.scope_by_subdomain("acme").await?, db.scope_by_subdomain("globex").await?);
///
/// let events = TenantEvents::local();
/// let mut watching_acme = events.subscribe(&acme);
/// events.publish(&globex, "task.created", "{}").await?;
/// events.publish(&acme, "task.updated", r#"{"id":1}"#).await?;
/// // Acme's subscriber gets Acme's event only.
/// match watching_acme.recv().await {
///     Some(Received::Event(event)) => assert_eq!(&*event.name, "task.updated"),
///     other => panic!("{other:?}"),
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct TenantEvents {
    local: broadcast::Sender<Received>,
    redis: Option<Relay>,
}

/// The Redis side: the client, the channel, and this process's id, so that it skips its own
/// events when they come back.
#[derive(Clone)]
struct Relay {
    client: redis::Client,
    channel: Arc<str>,
    origin: Uuid,
}

impl fmt::Debug for TenantEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantEvents")
            .field("channel", &self.redis.as_ref().map(|r| &*r.channel))
            .field("subscribers", &self.local.receiver_count())
            .finish()
    }
}

impl Default for TenantEvents {
    fn default() -> Self {
        TenantEvents::local()
    }
}

impl TenantEvents {
    /// Events within this process.
    pub fn local() -> TenantEvents {
        TenantEvents {
            local: broadcast::channel(EVENT_BUFFER).0,
            redis: None,
        }
    }

    /// Events shared by every process on the Redis server at `url` under `prefix`. A task of
    /// its own listens for the other processes' events for as long as the process runs, and
    /// subscribes again after Redis drops it (telling subscribers [`Received::Missed`]).
    /// Needs a Tokio runtime.
    pub fn with_redis(url: &str, prefix: &str) -> Result<TenantEvents> {
        let relay = Relay {
            client: redis::Client::open(url).map_err(queue_error)?,
            channel: format!("{prefix}:events").into(),
            origin: Uuid::new_v4(),
        };
        let events = TenantEvents {
            local: broadcast::channel(EVENT_BUFFER).0,
            redis: Some(relay.clone()),
        };
        let local = events.local.clone();
        tokio::spawn(async move {
            loop {
                if let Err(err) = relay.listen(&local).await {
                    tracing::warn!(error = %err, "live events from other processes unavailable");
                }
                let _ = local.send(Received::Missed);
                tokio::time::sleep(RETRY).await;
            }
        });
        Ok(events)
    }

    /// Tells the subscribers of `scope`'s tenant, in every process, that `name` happened. An
    /// error means Redis did not take it: subscribers in this process got it all the same.
    pub async fn publish(&self, scope: &TenantScope, name: &str, data: &str) -> Result<()> {
        let event = TenantEvent {
            tenant: scope.tenant_id(),
            name: name.into(),
            data: data.into(),
        };
        // No subscriber here is no error.
        let _ = self.local.send(Received::Event(event));
        if let Some(relay) = &self.redis {
            let mut conn = in_time(relay.client.get_multiplexed_async_connection()).await?;
            let message = format!(
                "{}|{}|{name}|{data}",
                relay.origin,
                scope.tenant_id().as_uuid()
            );
            in_time(
                redis::cmd("PUBLISH")
                    .arg(&*relay.channel)
                    .arg(message)
                    .query_async::<()>(&mut conn),
            )
            .await?;
        }
        Ok(())
    }

    /// The events of `scope`'s tenant from now on.
    pub fn subscribe(&self, scope: &TenantScope) -> TenantSubscription {
        TenantSubscription {
            tenant: scope.tenant_id(),
            events: self.local.subscribe(),
        }
    }
}

impl Relay {
    /// One subscription, until Redis drops it: the other processes' events into `local`.
    async fn listen(&self, local: &broadcast::Sender<Received>) -> Result<()> {
        let mut pubsub = in_time(self.client.get_async_pubsub()).await?;
        in_time(pubsub.subscribe(&*self.channel)).await?;
        let mut messages = pubsub.into_on_message();
        while let Some(message) = messages.next().await {
            let Ok(payload) = message.get_payload::<String>() else {
                continue;
            };
            let mut parts = payload.splitn(4, '|');
            let (Some(origin), Some(tenant), Some(name), Some(data)) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            if origin == self.origin.to_string() {
                continue;
            }
            let Ok(tenant) = Uuid::parse_str(tenant) else {
                continue;
            };
            let _ = local.send(Received::Event(TenantEvent {
                tenant: TenantId::from_uuid(tenant),
                name: name.into(),
                data: data.into(),
            }));
        }
        Err(crate::Error::Queue(
            "Redis closed the subscription".to_owned(),
        ))
    }
}

/// The live events of one tenant ([`TenantEvents::subscribe`]).
#[derive(Debug)]
pub struct TenantSubscription {
    tenant: TenantId,
    events: broadcast::Receiver<Received>,
}

impl TenantSubscription {
    /// The tenant it follows.
    pub fn tenant_id(&self) -> TenantId {
        self.tenant
    }

    /// The next event of the tenant, or [`Received::Missed`]; `None` once every
    /// [`TenantEvents`] it came from is dropped.
    pub async fn recv(&mut self) -> Option<Received> {
        loop {
            match self.events.recv().await {
                Ok(Received::Event(event)) if event.tenant != self.tenant => continue,
                Ok(received) => return Some(received),
                Err(broadcast::error::RecvError::Lagged(_)) => return Some(Received::Missed),
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}
