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

#[derive(Debug, Deserialize)]
struct TaskQuery {
    status: Option<String>,
    assignee_id: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

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
    if let Some(assignee) = query.assignee_id {
        let assignee = Uuid::parse_str(&assignee)
            .map_err(|_| ApiError::BadRequest("assignee_id must be a UUID".to_owned()))?;
        select = select.filter(Task::ASSIGNEE_ID.eq(assignee));
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

/// A task's fields as a client sends them, for a new task or a change. `Option<Option<_>>`
/// fields tell an absent field (leave it) from `null` (clear it).
#[derive(Debug, Default, Deserialize)]
struct TaskInput {
    project_id: Option<String>,
    title: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    description: Option<Option<String>>,
    status: Option<String>,
    priority: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    assignee_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
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
                NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                    .map_err(|_| bad("due_date", "must be a date as YYYY-MM-DD, or null"))
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

async fn create(
    _me: CurrentUser,
    mut tx: Tx,
    IdPath(project_id): IdPath<Uuid>,
    input: Result<JsonBody<TaskInput>, ApiError>,
) -> Result<(StatusCode, Json<Task>), ApiError> {
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
    Ok((StatusCode::CREATED, Json(task)))
}

async fn show(
    _me: CurrentUser,
    mut tx: Tx,
    IdPath(id): IdPath<Uuid>,
) -> Result<Json<Task>, ApiError> {
    let task = Task::scoped(&mut *tx)
        .get(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(task))
}

async fn update(
    _me: CurrentUser,
    mut tx: Tx,
    IdPath(id): IdPath<Uuid>,
    input: Result<JsonBody<TaskInput>, ApiError>,
) -> Result<Json<Task>, ApiError> {
    // Another tenant's task is not found, whatever the body holds.
    Task::scoped(&mut *tx)
        .get(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let JsonBody(input) = input?;
    let CheckedTask { mut patch } = input.check(&mut tx, false).await?;
    patch.updated_at = Some(now());
    // Read back rather than trust the count: MySQL counts changed rows, not matched ones.
    Task::scoped(&mut *tx)
        .update_by_key(id, &patch)
        .await
        .map_err(reference_gone)?;
    let task = Task::scoped(&mut *tx)
        .get(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(task))
}

/// Deletes the task; the schema's cascade deletes its comments.
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
