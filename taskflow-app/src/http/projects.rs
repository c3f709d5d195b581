//! Projects: `GET`/`POST /api/v1/projects`, `GET`/`PATCH`/`DELETE /api/v1/projects/{id}`.

use axum::http::StatusCode;
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde::Deserialize;
use uuid::Uuid;

use super::extractor::{CurrentUser, IdPath, JsonBody, QueryParams, Tx, nullable};
use super::live::LiveEvent;
use super::page::{Page, PageQuery};
use super::precondition::{Conditional, Tagged, etag_of, next_updated_at};
use super::{ApiError, AppState, trash};
use crate::model::{NewProject, Project, ProjectPatch, now};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/projects", get(list).post(create))
        .route(
            "/api/v1/projects/{id}",
            get(show).patch(update).delete(remove),
        )
}

/// The longest description kept, in characters.
const MAX_DESCRIPTION: usize = 10_000;

fn check_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        Err(ApiError::invalid(
            "name",
            "must be 1 to 120 characters long",
        ))
    } else {
        Ok(name.to_owned())
    }
}

fn check_description(description: Option<String>) -> Result<Option<String>, ApiError> {
    match description {
        Some(d) if d.chars().count() > MAX_DESCRIPTION => Err(ApiError::invalid(
            "description",
            "must be at most 10000 characters long",
        )),
        other => Ok(other),
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/projects",
    operation_id = "listProjects",
    tag = "projects",
    summary = "The tenant's projects, oldest first",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of projects", body = Page<Project>),
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
    QueryParams(query): QueryParams<PageQuery>,
) -> Result<Json<Page<Project>>, ApiError> {
    let request = query.check(&me.scope)?;
    let mut select = Project::scoped(&mut *tx)
        .filter(Project::DELETED_AT.is_null())
        .limit(request.fetch());
    select = match request.after {
        Some(after) => select.after(Project::CREATED_AT.asc(), after.created_at, after.id),
        None => select
            .order_by(Project::CREATED_AT.asc())
            .order_by(Project::ID.asc()),
    };
    let projects = select.fetch_all().await?;
    Ok(Json(
        request.page(&me.scope, projects, |p| (p.created_at, p.id)),
    ))
}

/// A new project.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct CreateProject {
    /// 1 to 120 characters (surrounding whitespace is trimmed), unique in the tenant.
    #[schema(value_type = String, min_length = 1, max_length = 120)]
    name: Option<String>,
    /// Free text, at most 10,000 characters, or null.
    #[schema(max_length = 10000)]
    description: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/projects",
    operation_id = "createProject",
    tag = "projects",
    summary = "Create a project",
    request_body = CreateProject,
    responses(
        (status = 201, description = "The project", body = Project, headers(("ETag" = String, description = "The project's entity tag, for `If-Match`"))),
        (status = 400, response = super::openapi::BadRequest),
        (status = 409, response = super::openapi::Conflict),
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
    JsonBody(input): JsonBody<CreateProject>,
) -> Result<(StatusCode, Extension<LiveEvent>, Tagged<Project>), ApiError> {
    let name = check_name(input.name.as_deref().unwrap_or_default())?;
    let description = check_description(input.description)?;
    trash::purge_expired(&mut tx).await?;
    let at = now();
    let new = NewProject {
        id: Uuid::now_v7(),
        name,
        description,
        created_at: at,
        updated_at: at,
        deleted_at: None,
    };
    let project = Project::scoped(&mut *tx).insert(new).await?;
    let event = LiveEvent::project(&me, "project.created", &project);
    Ok((StatusCode::CREATED, event, Tagged(project)))
}

#[utoipa::path(
    get,
    path = "/api/v1/projects/{id}",
    operation_id = "getProject",
    tag = "projects",
    summary = "A project",
    params(("id" = Uuid, Path, description = "The project's id")),
    responses(
        (status = 200, description = "The project", body = Project, headers(("ETag" = String, description = "The project's entity tag, for `If-Match`"))),
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
) -> Result<Tagged<Project>, ApiError> {
    Ok(Tagged(trash::project(&mut tx, id).await?))
}

/// Changes to a project: the fields sent change, the others stay.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct UpdateProject {
    /// 1 to 120 characters, unique in the tenant; null leaves it as it is.
    #[schema(min_length = 1, max_length = 120)]
    name: Option<String>,
    /// At most 10,000 characters; null clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 10000)]
    description: Option<Option<String>>,
}

#[utoipa::path(
    patch,
    path = "/api/v1/projects/{id}",
    operation_id = "updateProject",
    tag = "projects",
    summary = "Change a project",
    description = "The fields sent change, the others stay. With `If-Match` (the `ETag` of a \
        `GET`), the change applies only if nobody changed the project since: else 412 and \
        nothing changes.",
    params(
        ("id" = Uuid, Path, description = "The project's id"),
        ("If-Match" = Option<String>, Header, description = "`*` or the `ETag` the change was made against"),
    ),
    request_body = UpdateProject,
    responses(
        (status = 200, description = "The project as changed", body = Project, headers(("ETag" = String, description = "The project's new entity tag"))),
        (status = 400, response = super::openapi::BadRequest),
        (status = 409, response = super::openapi::Conflict),
        (status = 412, response = super::openapi::PreconditionFailed),
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
async fn update(
    me: CurrentUser,
    mut tx: Tx,
    IdPath(id): IdPath<Uuid>,
    condition: Result<Conditional, ApiError>,
    input: Result<JsonBody<UpdateProject>, ApiError>,
) -> Result<(Extension<LiveEvent>, Tagged<Project>), ApiError> {
    // Another tenant's project is not found, whatever the headers and the body hold.
    let current = trash::project(&mut tx, id).await?;
    let condition = condition?;
    condition.check(&etag_of(&current))?;
    let JsonBody(input) = input?;
    if input.name.is_some() {
        trash::purge_expired(&mut tx).await?;
    }
    let patch = ProjectPatch {
        name: input.name.as_deref().map(check_name).transpose()?,
        description: input.description.map(check_description).transpose()?,
        updated_at: Some(next_updated_at(current.updated_at)),
        ..ProjectPatch::default()
    };
    let mut write = Project::scoped(&mut *tx).filter(Project::ID.eq(id));
    if condition.unchanged_since() {
        // Written only as compared: a write since the comparison moved `updated_at`.
        write = write.filter(Project::UPDATED_AT.eq(current.updated_at));
    }
    // Every write moves `updated_at`, so even MySQL, which counts changed rows, counts the
    // row that matched.
    if write.update(&patch).await? == 0 {
        return Err(condition.nothing_written());
    }
    let project = trash::project(&mut tx, id).await?;
    Ok((
        LiveEvent::project(&me, "project.updated", &project),
        Tagged(project),
    ))
}

/// Moves the project to the trash, with everything in it.
#[utoipa::path(
    delete,
    path = "/api/v1/projects/{id}",
    operation_id = "deleteProject",
    tag = "projects",
    summary = "Move a project, with its tasks, comments and reports, to the trash",
    description = "Owners and admins only: a member gets 403 `forbidden`. The project is out \
        of every list and lookup at once; `POST /api/v1/trash/{id}/restore` brings it back \
        within 30 days, after which it is purged.",
    params(("id" = Uuid, Path, description = "The project's id")),
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
    // Another tenant's project is not found before the role is judged.
    let project = trash::project(&mut tx, id).await?;
    if !me.role.can_delete_projects() {
        return Err(ApiError::Forbidden(
            "only owners and admins delete projects",
        ));
    }
    trash::discard(&mut tx, &project).await?;
    let event = LiveEvent::project(&me, "project.deleted", &project);
    Ok((event, StatusCode::NO_CONTENT))
}
