//! Projects: `GET`/`POST /api/v1/projects`, `GET`/`PATCH`/`DELETE /api/v1/projects/{id}`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use taskflow_tenancy::jobs::JobStore;
use uuid::Uuid;

use super::extractor::{CurrentUser, IdPath, JsonBody, QueryParams, nullable};
use super::page::{Page, PageQuery};
use super::{ApiError, AppState};
use crate::model::{NewProject, Project, ProjectPatch, Report, now};
use crate::with_scoped;

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

async fn list(
    me: CurrentUser,
    State(state): State<AppState>,
    QueryParams(query): QueryParams<PageQuery>,
) -> Result<Json<Page<Project>>, ApiError> {
    let request = query.check(&me.scope)?;
    let mut select = Project::scoped(&me.scope).limit(request.fetch());
    select = match request.after {
        Some(after) => select.after(Project::CREATED_AT.asc(), after.created_at, after.id),
        None => select
            .order_by(Project::CREATED_AT.asc())
            .order_by(Project::ID.asc()),
    };
    let projects = with_scoped!(&state.db, &me.scope, conn => select.fetch_all(&mut *conn).await)?;
    Ok(Json(
        request.page(&me.scope, projects, |p| (p.created_at, p.id)),
    ))
}

#[derive(Debug, Deserialize)]
struct CreateProject {
    name: Option<String>,
    description: Option<String>,
}

async fn create(
    me: CurrentUser,
    State(state): State<AppState>,
    JsonBody(input): JsonBody<CreateProject>,
) -> Result<(StatusCode, Json<Project>), ApiError> {
    let name = check_name(input.name.as_deref().unwrap_or_default())?;
    let description = check_description(input.description)?;
    let at = now();
    let new = NewProject {
        id: Uuid::now_v7(),
        name,
        description,
        created_at: at,
        updated_at: at,
    };
    let project = with_scoped!(&state.db, &me.scope, conn => Project::scoped(&me.scope).insert(&mut *conn, new).await)?;
    Ok((StatusCode::CREATED, Json(project)))
}

async fn show(
    me: CurrentUser,
    State(state): State<AppState>,
    IdPath(id): IdPath<Uuid>,
) -> Result<Json<Project>, ApiError> {
    let project = with_scoped!(&state.db, &me.scope, conn => Project::scoped(&me.scope).get(&mut *conn, id).await)?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(project))
}

#[derive(Debug, Deserialize)]
struct UpdateProject {
    name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    description: Option<Option<String>>,
}

async fn update(
    me: CurrentUser,
    State(state): State<AppState>,
    IdPath(id): IdPath<Uuid>,
    JsonBody(input): JsonBody<UpdateProject>,
) -> Result<Json<Project>, ApiError> {
    let patch = ProjectPatch {
        name: input.name.as_deref().map(check_name).transpose()?,
        description: input.description.map(check_description).transpose()?,
        updated_at: Some(now()),
        ..ProjectPatch::default()
    };
    let scoped = || Project::scoped(&me.scope);
    let project = with_scoped!(&state.db, &me.scope, conn => async {
        // Read back rather than trust the count: MySQL counts changed rows, not matched ones.
        scoped().update_by_key(&mut *conn, id, &patch).await?;
        scoped().get(&mut *conn, id).await
    }.await)?
    .ok_or(ApiError::NotFound)?;
    Ok(Json(project))
}

/// Deletes the project; the schema's cascades delete its tasks, their comments and its
/// reports, and the reports' jobs (with the CSV they computed) go in the same transaction.
async fn remove(
    me: CurrentUser,
    State(state): State<AppState>,
    IdPath(id): IdPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    let scope = &me.scope;
    let touch = ProjectPatch {
        updated_at: Some(now()),
        ..ProjectPatch::default()
    };
    let deleted = with_scoped!(&state.db, scope, pool, conn => async {
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        // A write first: on SQLite a transaction that begins with a read cannot always
        // become a writer while another connection writes.
        if !Project::scoped(scope).update_by_key(&mut *tx, id, &touch).await? {
            return Ok(false);
        }
        let jobs: Vec<Uuid> = Report::scoped(scope)
            .filter(Report::PROJECT_ID.eq(id))
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|report| report.job_id)
            .collect();
        let deleted = Project::scoped(scope).delete_by_key(&mut *tx, id).await?;
        JobStore::new(pool.clone()).delete(&mut *tx, scope, &jobs).await?;
        tx.commit().await?;
        Ok::<_, ApiError>(deleted)
    }.await)?;
    if deleted {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}
