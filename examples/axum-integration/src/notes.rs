//! Notes on a project: `GET`/`POST /api/v1/projects/{id}/notes`, `GET /api/v1/notes/{id}`.

use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, SubsecRound, Utc};
use taskflow_tenancy::web::axum::{AuthClaims, RequestTx};
use taskflow_tenancy::{TenantId, TenantTx, tenant_scoped};
use uuid::Uuid;

use crate::error::{ApiError, IdPath, JsonBody};
use crate::{AppState, Db, Project};

/// A note in a project of the same tenant.
#[tenant_scoped(table = "notes")]
#[derive(Debug, Clone, serde::Serialize)]
pub struct Note {
    /// The owning tenant.
    #[serde(skip)]
    pub tenant_id: TenantId,
    /// The note's id.
    pub id: Uuid,
    /// The project: a composite foreign key, so always a project of the same tenant.
    #[tenant_scoped(references = Project)]
    pub project_id: Uuid,
    /// The `sub` of the token that wrote it.
    pub author: String,
    /// 1 to 10,000 characters.
    pub body: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

#[derive(serde::Deserialize)]
struct CreateNote {
    body: String,
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/projects/{id}/notes", get(list).post(create))
        .route("/api/v1/notes/{id}", get(show))
}

/// The project, if it is one of this tenant's; another tenant's id is not found.
async fn project(tx: &mut TenantTx<sqlx::Sqlite>, id: Uuid) -> Result<Project, ApiError> {
    Project::scoped(tx).get(id).await?.ok_or(ApiError::NotFound)
}

async fn list(
    _: AuthClaims,
    IdPath(project_id): IdPath<Uuid>,
    mut tx: RequestTx<Db>,
) -> Result<Json<Vec<Note>>, ApiError> {
    project(&mut tx, project_id).await?;
    let notes = Note::scoped(&mut *tx)
        .filter(Note::PROJECT_ID.eq(project_id))
        .order_by(Note::CREATED_AT.asc())
        .order_by(Note::ID.asc())
        .fetch_all()
        .await?;
    Ok(Json(notes))
}

async fn create(
    AuthClaims(claims): AuthClaims,
    IdPath(project_id): IdPath<Uuid>,
    mut tx: RequestTx<Db>,
    JsonBody(input): JsonBody<CreateNote>,
) -> Result<(StatusCode, Json<Note>), ApiError> {
    if input.body.trim().is_empty() || input.body.chars().count() > 10_000 {
        return Err(ApiError::Invalid {
            field: "body",
            message: "must be 1 to 10000 characters long",
        });
    }
    // The lookup and the insert run in the request's one transaction.
    project(&mut tx, project_id).await?;
    let new = NewNote {
        id: Uuid::now_v7(),
        project_id,
        author: claims.sub,
        body: input.body,
        created_at: Utc::now().trunc_subsecs(6),
    };
    match Note::scoped(&mut *tx).insert(new).await {
        Ok(note) => Ok((StatusCode::CREATED, Json(note))),
        // The lookup above already turned away another tenant's project; the composite key
        // is the database's own check of the same thing.
        Err(err) if err.is_foreign_key_violation() => Err(ApiError::NotFound),
        Err(err) => Err(err.into()),
    }
}

async fn show(
    _: AuthClaims,
    IdPath(id): IdPath<Uuid>,
    mut tx: RequestTx<Db>,
) -> Result<Json<Note>, ApiError> {
    let note = Note::scoped(&mut *tx)
        .get(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(note))
}
