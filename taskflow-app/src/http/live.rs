//! Live updates: `GET /api/v1/events` is a server-sent event stream of the caller's tenant;
//! every write a board shows (a task created, changed or deleted; a project created, changed,
//! deleted or restored) is told on it once it committed, in every process with `REDIS_URL`
//! ([`TenantEvents`]). A stream carries its own tenant's events and no other's.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use axum::{Extension, Router};
use futures_util::{Stream, StreamExt as _, stream};
use serde_json::{Value, json};
use taskflow_tenancy::TenantScope;
use taskflow_tenancy::redis::Received;
use uuid::Uuid;

use super::AppState;
use super::extractor::CurrentUser;
use crate::model::{Project, Task};

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/events", get(events))
}

/// What a write tells the tenant's streams, once it committed: put in the response's
/// extensions by the handler, published by [`publish_committed`].
#[derive(Debug, Clone)]
pub(crate) struct LiveEvent {
    scope: TenantScope,
    name: &'static str,
    data: Value,
}

impl LiveEvent {
    /// `task.created`, `task.updated` or `task.deleted` (then `task` is the task as it was).
    pub(crate) fn task(me: &CurrentUser, name: &'static str, task: &Task) -> Extension<LiveEvent> {
        let data = json!({
            "task_id": task.id,
            "project_id": task.project_id,
            "actor_id": me.user.id,
            "task": if name == "task.deleted" { Value::Null } else { json!(task) },
        });
        Extension(LiveEvent {
            scope: me.scope.clone(),
            name,
            data,
        })
    }

    /// `project.created`, `project.updated`, `project.deleted` or `project.restored`.
    pub(crate) fn project(
        me: &CurrentUser,
        name: &'static str,
        project: &Project,
    ) -> Extension<LiveEvent> {
        Extension(LiveEvent {
            scope: me.scope.clone(),
            name,
            data: json!({ "project_id": project.id, "actor_id": me.user.id }),
        })
    }
}

/// Wraps the tenant routes outside their transaction: a successful answer's [`LiveEvent`] is
/// published after the transaction committed, so no stream hears of a write that did not
/// happen. A publish that fails is logged; the write stands, and streams in other processes
/// miss it (they are told `resync` when they find their Redis subscription gone).
pub(crate) async fn publish_committed(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    if response.status().is_success()
        && let Some(event) = response.extensions_mut().remove::<LiveEvent>()
        && let Err(err) = state
            .live
            .publish(&event.scope, event.name, &event.data.to_string())
            .await
    {
        tracing::warn!(error = %err, event = event.name, "could not tell other processes of a change");
    }
    response
}

/// How often an idle stream sends a comment, so proxies keep it open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

#[utoipa::path(
    get,
    path = "/api/v1/events",
    operation_id = "liveEvents",
    tag = "tasks",
    summary = "Live changes of the tenant, as server-sent events",
    description = "A `text/event-stream` that starts with `ready`, then carries `task.created`, \
        `task.updated`, `task.deleted` (data: `task_id`, `project_id`, `actor_id`, and `task` \
        as it is now, null once deleted), `project.created`, `project.updated`, \
        `project.deleted` and `project.restored` (data: `project_id`, `actor_id`) after each \
        change committed, from every process; `resync` when events may have been missed (load \
        afresh). Only the caller's tenant's events. The stream ends when the token expires.",
    responses(
        (status = 200, description = "The event stream", content_type = "text/event-stream", body = String),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("tenantToken" = [])),
)]
async fn events(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let subscription = state.live.subscribe(&me.scope);
    let ready = stream::once(async { Ok(Event::default().event("ready").data("{}")) });
    let changes = stream::unfold(subscription, |mut subscription| async move {
        let event = match subscription.recv().await? {
            Received::Event(event) => Event::default()
                .event(&*event.name)
                .id(Uuid::now_v7().to_string())
                .data(&*event.data),
            _ => Event::default().event("resync").data("{}"),
        };
        Some((Ok(event), subscription))
    });
    let left = (me.token.expires_at - chrono::Utc::now())
        .to_std()
        .unwrap_or_default();
    let stream = ready.chain(changes).take_until(tokio::time::sleep(left));
    Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
}
