//! Tasks: `GET`/`POST /api/v1/projects/{id}/tasks`, `GET`/`PATCH`/`DELETE /api/v1/tasks/{id}`.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use taskflow_tenancy::AnyTenantTx;
use uuid::Uuid;

use super::extractor::{CurrentUser, IdPath, JsonBody, QueryParams, Tx, nullable};
use super::page::{Page, PageQuery};
use super::precondition::{Conditional, Tagged, etag_of, next_updated_at};
use super::{ApiError, AppState};
use crate::model::{NewTask, Project, Task, TaskPatch, User, now};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/projects/{id}/tasks", get(list).post(create))
        .route("/api/v1/tasks/{id}", get(show).patch(update).delete(remove))
}

const STATUSES: [&str; 3] = ["todo", "in_progress", "done"];
const PRIORITIES: [&str; 3] = ["low", "medium", "high"];
const MAX_DESCRIPTION: usize = 10_000;

/// The project, if it is one of this tenant's; another tenant's id is not found.
async fn project(tx: &mut AnyTenantTx, id: Uuid) -> Result<Project, ApiError> {
    Project::scoped(tx).get(id).await?.ok_or(ApiError::NotFound)
}

/// `?q&status&priority&assignee_id&limit&cursor`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct TaskQuery {
    /// Words that must each be in the title or the description, ignoring case (ASCII letters
    /// only on SQLite); at most 200 characters.
    #[param(max_length = 200)]
    q: Option<String>,
    /// Only the tasks with this status.
    #[param(value_type = Option<super::openapi::TaskStatus>)]
    status: Option<String>,
    /// Only the tasks with this priority.
    #[param(value_type = Option<super::openapi::TaskPriority>)]
    priority: Option<String>,
    /// Only the tasks assigned to this user, or to the caller with `me`.
    #[param(value_type = Option<String>)]
    assignee_id: Option<String>,
    /// How many items a page holds: 1 to 200, 50 when left out.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 200)]
    limit: Option<String>,
    /// The `next_cursor` of the previous page; the first page when left out or empty.
    cursor: Option<String>,
}

/// The longest search a list takes, in characters.
const MAX_SEARCH: usize = 200;

#[utoipa::path(
    get,
    path = "/api/v1/projects/{id}/tasks",
    operation_id = "listTasks",
    tag = "tasks",
    summary = "A project's tasks, oldest first",
    description = "Filters combine: `q` (every word in the title or the description), \
        `status`, `priority` and `assignee_id` (`me` for the caller); always within the tenant.",
    params(("id" = Uuid, Path, description = "The project's id"), TaskQuery),
    responses(
        (status = 200, description = "A page of tasks", body = Page<Task>),
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
    IdPath(project_id): IdPath<Uuid>,
    query: Result<QueryParams<TaskQuery>, ApiError>,
) -> Result<Json<Page<Task>>, ApiError> {
    // Another tenant's project is not found, whatever the query string says.
    project(&mut tx, project_id).await?;
    let QueryParams(query) = query?;
    let request = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    }
    .check(&me.scope)?;
    let mut select = Task::scoped(&mut *tx)
        .filter(Task::PROJECT_ID.eq(project_id))
        .limit(request.fetch());
    if let Some(status) = query.status {
        if !STATUSES.contains(&status.as_str()) {
            return Err(ApiError::BadRequest(
                "status must be todo, in_progress or done".to_owned(),
            ));
        }
        select = select.filter(Task::STATUS.eq(status));
    }
    if let Some(priority) = query.priority {
        if !PRIORITIES.contains(&priority.as_str()) {
            return Err(ApiError::BadRequest(
                "priority must be low, medium or high".to_owned(),
            ));
        }
        select = select.filter(Task::PRIORITY.eq(priority));
    }
    if let Some(assignee) = query.assignee_id {
        let assignee = if assignee == "me" {
            me.user.id
        } else {
            Uuid::parse_str(&assignee)
                .map_err(|_| ApiError::BadRequest("assignee_id must be a UUID or me".to_owned()))?
        };
        select = select.filter(Task::ASSIGNEE_ID.eq(assignee));
    }
    if let Some(q) = query.q {
        if q.chars().count() > MAX_SEARCH {
            return Err(ApiError::BadRequest(
                "q must be at most 200 characters long".to_owned(),
            ));
        }
        for word in q.split_whitespace() {
            select = select.filter(
                Task::TITLE
                    .contains_ignoring_case(word)
                    .or(Task::DESCRIPTION.contains_ignoring_case(word)),
            );
        }
    }
    select = match request.after {
        Some(after) => select.after(Task::CREATED_AT.asc(), after.created_at, after.id),
        None => select
            .order_by(Task::CREATED_AT.asc())
            .order_by(Task::ID.asc()),
    };
    let tasks = select.fetch_all().await?;
    Ok(Json(
        request.page(&me.scope, tasks, |t| (t.created_at, t.id)),
    ))
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
        if let Some(project_id) = project_id {
            let known = Project::scoped(&mut *tx).get(project_id).await?;
            if known.is_none() {
                fields.insert(
                    "project_id".to_owned(),
                    "must be a project of this tenant".to_owned(),
                );
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
    _me: CurrentUser,
    mut tx: Tx,
    IdPath(project_id): IdPath<Uuid>,
    input: Result<JsonBody<TaskInput>, ApiError>,
) -> Result<(StatusCode, Tagged<Task>), ApiError> {
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
    Ok((StatusCode::CREATED, Tagged(task)))
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
    let task = Task::scoped(&mut *tx)
        .get(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Tagged(task))
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
    _me: CurrentUser,
    mut tx: Tx,
    IdPath(id): IdPath<Uuid>,
    condition: Result<Conditional, ApiError>,
    input: Result<JsonBody<TaskInput>, ApiError>,
) -> Result<Tagged<Task>, ApiError> {
    // Another tenant's task is not found, whatever the headers and the body hold.
    let current = Task::scoped(&mut *tx)
        .get(id)
        .await?
        .ok_or(ApiError::NotFound)?;
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
    Ok(Tagged(task))
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
    _me: CurrentUser,
    mut tx: Tx,
    IdPath(id): IdPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    let deleted = Task::scoped(&mut *tx).delete_by_key(id).await?;
    if deleted {
        Ok(StatusCode::NO_CONTENT)
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
