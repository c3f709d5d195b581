//! The trash: a deleted project (`DELETE /api/v1/projects/{id}`) goes here with everything in
//! it, out of every list and lookup, until an owner or admin restores it (`POST
//! /api/v1/trash/{id}/restore`) or it is purged: by hand (`DELETE /api/v1/trash/{id}`) or
//! [`KEPT`] after its deletion. `GET /api/v1/trash` lists it.
//!
//! A project past [`KEPT`] is gone for every request at once, purged or not; its rows go at the
//! tenant's next deletion, look at the trash or naming of a project (`purge_expired`), in the
//! tenant's own
//! transaction like every other write.

use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Extension, Json, Router};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use taskflow_tenancy::{AnyTenantTx, jobs};
use uuid::Uuid;

use super::extractor::{CurrentUser, IdPath, Tx};
use super::live::LiveEvent;
use super::precondition::{Tagged, next_updated_at};
use super::{ApiError, AppState};
use crate::model::{Project, ProjectPatch, Report, Task, now};

/// How long the trash keeps a project.
pub(crate) const KEPT: Duration = Duration::days(30);

/// The most expired projects one request purges; the rest go at the next.
const PURGE_BATCH: u64 = 10;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/trash", get(list))
        .route("/api/v1/trash/{id}", delete(purge_now))
        .route("/api/v1/trash/{id}/restore", post(restore))
}

/// A live project of this tenant: another tenant's, or one in the trash, is not found.
pub(crate) async fn project(tx: &mut AnyTenantTx, id: Uuid) -> Result<Project, ApiError> {
    Project::scoped(tx)
        .filter(Project::DELETED_AT.is_null())
        .get(id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// A task of a live project of this tenant.
pub(crate) async fn task(tx: &mut AnyTenantTx, id: Uuid) -> Result<Task, ApiError> {
    let task = Task::scoped(&mut *tx)
        .get(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    project(tx, task.project_id).await?;
    Ok(task)
}

/// The ids of this tenant's projects in the trash: lists across projects leave their tasks
/// out.
pub(crate) async fn trashed(tx: &mut AnyTenantTx) -> Result<Vec<Uuid>, ApiError> {
    Ok(Project::scoped(tx)
        .filter(Project::DELETED_AT.is_not_null())
        .fetch_all()
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect())
}

/// Owners and admins manage the trash.
fn manager(me: &CurrentUser) -> Result<(), ApiError> {
    if me.role.can_delete_projects() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only owners and admins delete and restore projects",
        ))
    }
}

/// Moves a live project to the trash; the caller has checked the role.
pub(crate) async fn discard(tx: &mut AnyTenantTx, project: &Project) -> Result<(), ApiError> {
    let patch = ProjectPatch {
        deleted_at: Some(Some(now())),
        updated_at: Some(next_updated_at(project.updated_at)),
        ..ProjectPatch::default()
    };
    let moved = Project::scoped(&mut *tx)
        .filter(Project::ID.eq(project.id))
        .filter(Project::DELETED_AT.is_null())
        .update(&patch)
        .await?;
    if moved == 0 {
        return Err(ApiError::NotFound);
    }
    purge_expired(tx).await
}

/// Deletes a project for good: the schema's cascades delete its tasks, their comments and its
/// reports, and the reports' jobs (with the CSV they computed) go in the same transaction.
async fn purge(tx: &mut AnyTenantTx, id: Uuid) -> Result<bool, ApiError> {
    let jobs: Vec<Uuid> = Report::scoped(&mut *tx)
        .filter(Report::PROJECT_ID.eq(id))
        .fetch_all()
        .await?
        .into_iter()
        .map(|report| report.job_id)
        .collect();
    if !Project::scoped(&mut *tx).delete_by_key(id).await? {
        return Ok(false);
    }
    jobs::delete(&mut *tx, &jobs).await?;
    Ok(true)
}

/// Purges this tenant's projects deleted longer than [`KEPT`] ago, a batch at a time: at each
/// look at the trash and deletion, and before a project takes a name (an expired project's
/// name is free).
pub(crate) async fn purge_expired(tx: &mut AnyTenantTx) -> Result<(), ApiError> {
    let expired = Project::scoped(&mut *tx)
        .filter(Project::DELETED_AT.lt(now() - KEPT))
        .limit(PURGE_BATCH)
        .fetch_all()
        .await?;
    for project in expired {
        purge(tx, project.id).await?;
    }
    Ok(())
}

/// A project in the trash.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct TrashedProject {
    /// The project's id.
    id: Uuid,
    /// Its name, still its own: no other project takes it while it is in the trash.
    name: String,
    /// Its description, or null.
    #[schema(required)]
    description: Option<String>,
    /// When it went to the trash.
    deleted_at: DateTime<Utc>,
    /// When it will be purged, if nobody restores it.
    purge_at: DateTime<Utc>,
    /// How many tasks it holds.
    tasks: u64,
}

/// Every project in the trash, most recently deleted first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Trash {
    /// The projects.
    items: Vec<TrashedProject>,
}

#[utoipa::path(
    get,
    path = "/api/v1/trash",
    operation_id = "listTrash",
    tag = "projects",
    summary = "The projects in the trash",
    description = "Owners and admins only. A project stays 30 days, then is purged with its \
        tasks, comments and reports.",
    responses(
        (status = 200, description = "The trash, most recently deleted first", body = Trash),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("tenantToken" = [])),
)]
async fn list(me: CurrentUser, mut tx: Tx) -> Result<Json<Trash>, ApiError> {
    manager(&me)?;
    purge_expired(&mut tx).await?;
    let since = now() - KEPT;
    let projects = Project::scoped(&mut *tx)
        .filter(Project::DELETED_AT.ge(since))
        .order_by(Project::DELETED_AT.desc())
        .order_by(Project::ID.desc())
        .fetch_all()
        .await?;
    let mut items = Vec::with_capacity(projects.len());
    for project in projects {
        let Some(deleted_at) = project.deleted_at else {
            continue;
        };
        let tasks = Task::scoped(&mut *tx)
            .filter(Task::PROJECT_ID.eq(project.id))
            .count()
            .await?;
        items.push(TrashedProject {
            id: project.id,
            name: project.name,
            description: project.description,
            deleted_at,
            purge_at: deleted_at + KEPT,
            tasks,
        });
    }
    Ok(Json(Trash { items }))
}

/// A project in the trash, not yet past [`KEPT`]; anything else is not found.
async fn in_trash(tx: &mut AnyTenantTx, id: Uuid) -> Result<Project, ApiError> {
    Project::scoped(tx)
        .filter(Project::DELETED_AT.ge(now() - KEPT))
        .get(id)
        .await?
        .ok_or(ApiError::NotFound)
}

#[utoipa::path(
    post,
    path = "/api/v1/trash/{id}/restore",
    operation_id = "restoreProject",
    tag = "projects",
    summary = "Take a project out of the trash, with everything in it",
    description = "Owners and admins only.",
    params(("id" = Uuid, Path, description = "The project's id")),
    responses(
        (status = 200, description = "The project, live again", body = Project, headers(("ETag" = String, description = "The project's entity tag"))),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("tenantToken" = [])),
)]
async fn restore(
    me: CurrentUser,
    mut tx: Tx,
    IdPath(id): IdPath<Uuid>,
) -> Result<(Extension<LiveEvent>, Tagged<Project>), ApiError> {
    // Another tenant's project, or a live one, is not found before the role is judged.
    let current = in_trash(&mut tx, id).await?;
    manager(&me)?;
    let patch = ProjectPatch {
        deleted_at: Some(None),
        updated_at: Some(next_updated_at(current.updated_at)),
        ..ProjectPatch::default()
    };
    let restored = Project::scoped(&mut *tx)
        .filter(Project::ID.eq(id))
        .filter(Project::DELETED_AT.is_not_null())
        .update(&patch)
        .await?;
    if restored == 0 {
        return Err(ApiError::NotFound);
    }
    let project = project(&mut tx, id).await?;
    Ok((
        LiveEvent::project(&me, "project.restored", &project),
        Tagged(project),
    ))
}

#[utoipa::path(
    delete,
    path = "/api/v1/trash/{id}",
    operation_id = "purgeProject",
    tag = "projects",
    summary = "Delete a project in the trash for good, with its tasks, comments and reports",
    description = "Owners and admins only; there is no undo.",
    params(("id" = Uuid, Path, description = "The project's id")),
    responses(
        (status = 204, description = "Purged"),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("tenantToken" = [])),
)]
async fn purge_now(
    me: CurrentUser,
    mut tx: Tx,
    IdPath(id): IdPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    in_trash(&mut tx, id).await?;
    manager(&me)?;
    if !purge(&mut tx, id).await? {
        return Err(ApiError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}
