//! A task's history: every create and change of a task writes who did what, in the same
//! transaction as the write, and `GET /api/v1/tasks/{id}/activity` reads it back, oldest first.

use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value, json};
use taskflow_tenancy::AnyTenantTx;
use uuid::Uuid;

use super::extractor::{CurrentUser, IdPath, QueryParams, Tx};
use super::page::{Page, PageQuery};
use super::{ApiError, AppState, trash};
use crate::model::{NewTaskEvent, Task, TaskEvent, now};

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/tasks/{id}/activity", get(list))
}

/// The fields a history follows, as the API names them, with their JSON values.
fn fields(task: &Task) -> [(&'static str, Value); 7] {
    [
        ("title", json!(task.title)),
        ("description", json!(task.description)),
        ("status", json!(task.status)),
        ("priority", json!(task.priority)),
        ("assignee_id", json!(task.assignee_id)),
        ("due_date", json!(task.due_date)),
        ("project_id", json!(task.project_id)),
    ]
}

async fn write(
    tx: &mut AnyTenantTx,
    actor: Uuid,
    task: Uuid,
    kind: &str,
    changes: Map<String, Value>,
) -> Result<(), ApiError> {
    let event = NewTaskEvent {
        id: Uuid::now_v7(),
        task_id: task,
        actor_id: Some(actor),
        kind: kind.to_owned(),
        changes: Value::Object(changes).to_string(),
        created_at: now(),
    };
    TaskEvent::scoped(tx).insert(event).await?;
    Ok(())
}

/// Records that `actor` created `task`, with its first values.
pub(crate) async fn created(
    tx: &mut AnyTenantTx,
    actor: Uuid,
    task: &Task,
) -> Result<(), ApiError> {
    let changes = fields(task)
        .into_iter()
        .filter(|(_, value)| !value.is_null())
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
    write(tx, actor, task.id, "created", changes).await
}

/// Records what `actor` changed from `before` to `after`; nothing when nothing changed.
pub(crate) async fn updated(
    tx: &mut AnyTenantTx,
    actor: Uuid,
    before: &Task,
    after: &Task,
) -> Result<(), ApiError> {
    let changes: Map<String, Value> = fields(before)
        .into_iter()
        .zip(fields(after))
        .filter(|((_, old), (_, new))| old != new)
        .map(|((name, old), (_, new))| (name.to_owned(), json!([old, new])))
        .collect();
    if changes.is_empty() {
        return Ok(());
    }
    write(tx, actor, after.id, "updated", changes).await
}

/// One entry of a task's history.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Activity {
    /// The entry's id.
    id: Uuid,
    /// Who did it; null once that user was removed.
    #[schema(required)]
    actor_id: Option<Uuid>,
    /// `created` or `updated`.
    #[schema(example = "updated")]
    kind: String,
    /// For `created`, the task's first values by field; for `updated`, `[before, after]` of
    /// each changed field (`title`, `description`, `status`, `priority`, `assignee_id`,
    /// `due_date`, `project_id`).
    #[schema(value_type = Object, example = json!({"status": ["todo", "done"]}))]
    changes: Value,
    /// When.
    created_at: DateTime<Utc>,
}

impl From<TaskEvent> for Activity {
    fn from(event: TaskEvent) -> Activity {
        Activity {
            id: event.id,
            actor_id: event.actor_id,
            kind: event.kind,
            changes: serde_json::from_str(&event.changes).unwrap_or(Value::Null),
            created_at: event.created_at,
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/tasks/{id}/activity",
    operation_id = "listTaskActivity",
    tag = "tasks",
    summary = "A task's history, oldest first: who created it and who changed what",
    params(("id" = Uuid, Path, description = "The task's id"), PageQuery),
    responses(
        (status = 200, description = "A page of the task's history", body = Page<Activity>),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("tenantToken" = [])),
)]
async fn list(
    me: CurrentUser,
    mut tx: Tx,
    IdPath(task_id): IdPath<Uuid>,
    query: Result<QueryParams<PageQuery>, ApiError>,
) -> Result<Json<Page<Activity>>, ApiError> {
    // Another tenant's task is not found, whatever the query string says.
    trash::task(&mut tx, task_id).await?;
    let QueryParams(query) = query?;
    let request = query.check(&me.scope)?;
    let mut select = TaskEvent::scoped(&mut *tx)
        .filter(TaskEvent::TASK_ID.eq(task_id))
        .limit(request.fetch());
    select = match request.after {
        Some(after) => select.after(TaskEvent::CREATED_AT.asc(), after.created_at, after.id),
        None => select
            .order_by(TaskEvent::CREATED_AT.asc())
            .order_by(TaskEvent::ID.asc()),
    };
    let events = select.fetch_all().await?;
    let page = request.page(&me.scope, events, |e| (e.created_at, e.id));
    Ok(Json(Page {
        items: page.items.into_iter().map(Activity::from).collect(),
        next_cursor: page.next_cursor,
    }))
}
