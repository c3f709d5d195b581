//! Tasks: `POST /api/v1/projects/{id}/tasks`, `GET`/`PATCH`/`DELETE /api/v1/tasks/{id}`; the
//! lists are in `task_list`.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::routing::get;
use axum::{Extension, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use taskflow_tenancy::AnyTenantTx;
use uuid::Uuid;

use super::extractor::{CurrentUser, IdPath, JsonBody, Tx, nullable};
use super::live::LiveEvent;
use super::precondition::{Conditional, Tagged, etag_of, next_updated_at};
use super::{ApiError, AppState, activity, task_list, trash};
use crate::model::{NewTask, Project, Task, TaskPatch, User, now};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/projects/{id}/tasks",
            get(task_list::list).post(create),
        )
        .route("/api/v1/projects/{id}/tasks/counts", get(task_list::counts))
        .route("/api/v1/tasks", get(task_list::list_all))
        .route("/api/v1/tasks/{id}", get(show).patch(update).delete(remove))
}

pub(super) const STATUSES: [&str; 3] = ["todo", "in_progress", "done"];
pub(super) const PRIORITIES: [&str; 3] = ["low", "medium", "high"];
const MAX_DESCRIPTION: usize = 10_000;

/// The project, if it is one of this tenant's; another tenant's id is not found.
pub(super) async fn project(tx: &mut AnyTenantTx, id: Uuid) -> Result<Project, ApiError> {
    trash::project(tx, id).await
}

/// A due date as `YYYY-MM-DD`, exactly: chrono's `%Y` also reads a sign and a fifth digit
/// (`-0001-01-01`, `+10000-01-01`), which MariaDB refuses or stores as nothing. Years 1000 to
/// 9999 are the range every backend stores the same.
fn parse_due_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shaped || bytes[0] == b'0' {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// A task's fields as a client sends them, for a new task or a change. `Option<Option<_>>`
/// fields tell an absent field (leave it) from `null` (clear it).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(description = "Changes to a task: the fields sent change, the others stay.")]
pub(crate) struct TaskInput {
    /// Moves the task to another project of this tenant (any other id is a 422); null leaves
    /// it where it is.
    #[schema(value_type = Option<Uuid>)]
    project_id: Option<String>,
    /// 1 to 200 characters (surrounding whitespace is trimmed); null leaves it as it is.
    #[schema(min_length = 1, max_length = 200)]
    title: Option<String>,
    /// At most 10,000 characters; null clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 10000)]
    description: Option<Option<String>>,
    /// Null leaves it as it is.
    #[schema(value_type = Option<super::openapi::TaskStatus>)]
    status: Option<String>,
    /// Null leaves it as it is.
    #[schema(value_type = Option<super::openapi::TaskPriority>)]
    priority: Option<String>,
    /// A user of this tenant (any other id is a 422); null unassigns the task.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>)]
    assignee_id: Option<Option<String>>,
    /// The day it is due; null clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    due_date: Option<Option<String>>,
}

/// A [`TaskInput`] that passed the checks: a patch of the fields it sets.
struct CheckedTask {
    patch: TaskPatch,
}

impl TaskInput {
    /// Checks every field that is present; `creating` also requires a title. The assignee and
    /// the project must belong to this tenant: any other id is a 422.
    async fn check(self, tx: &mut AnyTenantTx, creating: bool) -> Result<CheckedTask, ApiError> {
        let mut fields = BTreeMap::new();
        let mut bad = |field: &str, message: &str| {
            fields.insert(field.to_owned(), message.to_owned());
        };
        let title = match self.title.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() && t.chars().count() <= 200 => Some(t.to_owned()),
            None if !creating => None,
            _ => {
                bad("title", "must be 1 to 200 characters long");
                None
            }
        };
        let description = self.description.inspect(|d| {
            if d.as_ref()
                .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION)
            {
                bad("description", "must be at most 10000 characters long");
            }
        });
        let status = self.status.filter(|s| {
            let ok = STATUSES.contains(&s.as_str());
            if !ok {
                bad("status", "must be todo, in_progress or done");
            }
            ok
        });
        let priority = self.priority.filter(|p| {
            let ok = PRIORITIES.contains(&p.as_str());
            if !ok {
                bad("priority", "must be low, medium or high");
            }
            ok
        });
        let due_date = self.due_date.map(|d| {
            d.and_then(|d| {
                parse_due_date(&d)
                    .ok_or(())
                    .map_err(|_| {
                        bad(
                            "due_date",
                            "must be a date as YYYY-MM-DD from 1000-01-01 to 9999-12-31, or null",
                        )
                    })
                    .ok()
            })
        });
        let assignee_id = self.assignee_id.map(|a| {
            a.and_then(|a| {
                Uuid::parse_str(&a)
                    .map_err(|_| bad("assignee_id", "must be a user of this tenant, or null"))
                    .ok()
            })
        });
        let project_id = self.project_id.and_then(|p| {
            Uuid::parse_str(&p)
                .map_err(|_| bad("project_id", "must be a project of this tenant"))
                .ok()
        });
        if let Some(Some(assignee)) = assignee_id {
            let known = User::scoped(&mut *tx).get(assignee).await?;
            if known.is_none() {
                fields.insert(
                    "assignee_id".to_owned(),
                    "must be a user of this tenant, or null".to_owned(),
                );
            }
        }
        if let Some(project_id) = project_id
            && let Err(err) = trash::project(tx, project_id).await
        {
            match err {
                ApiError::NotFound => {
                    fields.insert(
                        "project_id".to_owned(),
                        "must be a project of this tenant".to_owned(),
                    );
                }
                other => return Err(other),
            }
        }
        if !fields.is_empty() {
            return Err(ApiError::Validation(fields));
        }
        Ok(CheckedTask {
            patch: TaskPatch {
                project_id,
                title,
                description,
                status,
                priority,
                assignee_id,
                due_date,
                ..TaskPatch::default()
            },
        })
    }
}

/// A write the schema refused because a reference went away between the check and the write
/// (the assignee or the project was removed meanwhile).
fn reference_gone(err: taskflow_tenancy::Error) -> ApiError {
    if err.is_foreign_key_violation() {
        ApiError::invalid("assignee_id", "must be a user of this tenant, or null")
    } else {
        err.into()
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/projects/{id}/tasks",
    operation_id = "createTask",
    tag = "tasks",
    summary = "Create a task in a project",
    params(("id" = Uuid, Path, description = "The project's id")),
    request_body = super::openapi::NewTaskInput,
    responses(
        (status = 201, description = "The task", body = Task, headers(("ETag" = String, description = "The task's entity tag, for `If-Match`"))),
        (status = 400, response = super::openapi::BadRequest),
        (status = 413, response = super::openapi::PayloadTooLarge),
        (status = 422, response = super::openapi::ValidationFailed),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("tenantToken" = [])),
)]
async fn create(
    me: CurrentUser,
    mut tx: Tx,
    IdPath(project_id): IdPath<Uuid>,
    input: Result<JsonBody<TaskInput>, ApiError>,
) -> Result<(StatusCode, Extension<LiveEvent>, Tagged<Task>), ApiError> {
    // Another tenant's project is not found, whatever the body holds.
    project(&mut tx, project_id).await?;
    let JsonBody(input) = input?;
    let input = TaskInput {
        project_id: None,
        ..input
    };
    let CheckedTask { patch } = input.check(&mut tx, true).await?;
    let at = now();
    let new = NewTask {
        id: Uuid::now_v7(),
        project_id,
        title: patch.title.unwrap_or_default(),
        description: patch.description.flatten(),
        status: patch.status.unwrap_or_else(|| "todo".to_owned()),
        priority: patch.priority.unwrap_or_else(|| "medium".to_owned()),
        assignee_id: patch.assignee_id.flatten(),
        due_date: patch.due_date.flatten(),
        created_at: at,
        updated_at: at,
    };
    let task = Task::scoped(&mut *tx)
        .insert(new)
        .await
        .map_err(reference_gone)?;
    activity::created(&mut tx, me.user.id, &task).await?;
    let event = LiveEvent::task(&me, "task.created", &task);
    Ok((StatusCode::CREATED, event, Tagged(task)))
}

#[utoipa::path(
    get,
    path = "/api/v1/tasks/{id}",
    operation_id = "getTask",
    tag = "tasks",
    summary = "A task",
    params(("id" = Uuid, Path, description = "The task's id")),
    responses(
        (status = 200, description = "The task", body = Task, headers(("ETag" = String, description = "The task's entity tag, for `If-Match`"))),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("tenantToken" = [])),
)]
async fn show(
    _me: CurrentUser,
    mut tx: Tx,
    IdPath(id): IdPath<Uuid>,
) -> Result<Tagged<Task>, ApiError> {
    Ok(Tagged(trash::task(&mut tx, id).await?))
}

#[utoipa::path(
    patch,
    path = "/api/v1/tasks/{id}",
    operation_id = "updateTask",
    tag = "tasks",
    summary = "Change a task",
    description = "The fields sent change, the others stay. With `If-Match` (the `ETag` of a \
        `GET`), the change applies only if nobody changed the task since: else 412 and nothing \
        changes.",
    params(
        ("id" = Uuid, Path, description = "The task's id"),
        ("If-Match" = Option<String>, Header, description = "`*` or the `ETag` the change was made against"),
    ),
    request_body = TaskInput,
    responses(
        (status = 200, description = "The task as changed", body = Task, headers(("ETag" = String, description = "The task's new entity tag"))),
        (status = 400, response = super::openapi::BadRequest),
        (status = 413, response = super::openapi::PayloadTooLarge),
        (status = 412, response = super::openapi::PreconditionFailed),
        (status = 422, response = super::openapi::ValidationFailed),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("tenantToken" = [])),
)]
async fn update(
    me: CurrentUser,
    mut tx: Tx,
    IdPath(id): IdPath<Uuid>,
    condition: Result<Conditional, ApiError>,
    input: Result<JsonBody<TaskInput>, ApiError>,
) -> Result<(Extension<LiveEvent>, Tagged<Task>), ApiError> {
    // Another tenant's task is not found, whatever the headers and the body hold.
    let current = trash::task(&mut tx, id).await?;
    let condition = condition?;
    condition.check(&etag_of(&current))?;
    let JsonBody(input) = input?;
    let CheckedTask { mut patch } = input.check(&mut tx, false).await?;
    patch.updated_at = Some(next_updated_at(current.updated_at));
    let mut write = Task::scoped(&mut *tx).filter(Task::ID.eq(id));
    if condition.unchanged_since() {
        // Written only as compared: a write since the comparison moved `updated_at`.
        write = write.filter(Task::UPDATED_AT.eq(current.updated_at));
    }
    // Every write moves `updated_at`, so even MySQL, which counts changed rows, counts the
    // row that matched.
    if write.update(&patch).await.map_err(reference_gone)? == 0 {
        return Err(condition.nothing_written());
    }
    let task = Task::scoped(&mut *tx)
        .get(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    activity::updated(&mut tx, me.user.id, &current, &task).await?;
    Ok((LiveEvent::task(&me, "task.updated", &task), Tagged(task)))
}

/// Deletes the task; the schema's cascade deletes its comments.
#[utoipa::path(
    delete,
    path = "/api/v1/tasks/{id}",
    operation_id = "deleteTask",
    tag = "tasks",
    summary = "Delete a task with its comments",
    params(("id" = Uuid, Path, description = "The task's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("tenantToken" = [])),
)]
async fn remove(
    me: CurrentUser,
    mut tx: Tx,
    IdPath(id): IdPath<Uuid>,
) -> Result<(Extension<LiveEvent>, StatusCode), ApiError> {
    let task = trash::task(&mut tx, id).await?;
    let deleted = Task::scoped(&mut *tx).delete_by_key(id).await?;
    if deleted {
        Ok((
            LiveEvent::task(&me, "task.deleted", &task),
            StatusCode::NO_CONTENT,
        ))
    } else {
        Err(ApiError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_due_date;

    #[test]
    fn due_dates_are_exactly_yyyy_mm_dd_from_year_1000_to_9999() {
        assert!(parse_due_date("2026-12-07").is_some());
        assert!(parse_due_date("1000-01-01").is_some());
        assert!(parse_due_date("9999-12-31").is_some());
        for bad in [
            "-0001-01-01",
            "+10000-01-01",
            "0999-12-31",
            "2026-02-30",
            "2026-1-07",
            "2026-12-07T00:00:00",
            " 2026-12-07",
            "２０２６-12-07",
        ] {
            assert!(parse_due_date(bad).is_none(), "{bad}");
        }
    }
}
