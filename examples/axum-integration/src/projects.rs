//! Projects: `GET`/`POST /api/v1/projects`, `GET /api/v1/projects/{id}`.

use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, SubsecRound, Utc};
use taskflow_tenancy::web::axum::{AuthClaims, RequestTx};
use taskflow_tenancy::{TenantId, tenant_scoped};
use uuid::Uuid;

use crate::error::{ApiError, IdPath, JsonBody};
use crate::{AppState, Db};

/// A project; its name is unique within its tenant.
#[tenant_scoped(table = "projects", unique(name))]
#[derive(Debug, Clone, serde::Serialize)]
pub struct Project {
    /// The owning tenant: never shown, since the host already says which tenant this is.
    #[serde(skip)]
    pub tenant_id: TenantId,
    /// The project's id.
    pub id: Uuid,
    /// 1 to 120 characters, unique in the tenant.
    pub name: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

#[derive(serde::Deserialize)]
struct CreateProject {
    name: String,
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/projects", get(list).post(create))
        .route("/api/v1/projects/{id}", get(show))
}

async fn list(_: AuthClaims, mut tx: RequestTx<Db>) -> Result<Json<Vec<Project>>, ApiError> {
    let projects = Project::scoped(&mut *tx)
        .order_by(Project::NAME.asc())
        .fetch_all()
        .await?;
    Ok(Json(projects))
}

async fn create(
    _: AuthClaims,
    mut tx: RequestTx<Db>,
    JsonBody(input): JsonBody<CreateProject>,
) -> Result<(StatusCode, Json<Project>), ApiError> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(ApiError::Invalid {
            field: "name",
            message: "must be 1 to 120 characters long",
        });
    }
    let new = NewProject {
        id: Uuid::now_v7(),
        name: name.to_owned(),
        created_at: Utc::now().trunc_subsecs(6),
    };
    // A refused insert answers 409, and the layer rolls the request's transaction back.
    match Project::scoped(&mut *tx).insert(new).await {
        Ok(project) => Ok((StatusCode::CREATED, Json(project))),
        Err(err) if err.unique_violation().is_some() => Err(ApiError::Conflict(
            "a project with this name already exists",
        )),
        Err(err) => Err(err.into()),
    }
}

async fn show(
    _: AuthClaims,
    IdPath(id): IdPath<Uuid>,
    mut tx: RequestTx<Db>,
) -> Result<Json<Project>, ApiError> {
    let project = Project::scoped(&mut *tx)
        .get(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(project))
}
