//! Comments on a task: `GET`/`POST /api/v1/tasks/{id}/comments`, oldest first.

use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use taskflow_tenancy::AnyTenantTx;
use uuid::Uuid;

use super::extractor::{CurrentUser, IdPath, JsonBody, QueryParams, Tx};
use super::page::{Page, PageQuery};
use super::{ApiError, AppState};
use crate::model::{Comment, NewComment, Task, now};

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/tasks/{id}/comments", get(list).post(create))
}

/// The task must be one of this tenant's; another tenant's id is not found.
async fn task(tx: &mut AnyTenantTx, id: Uuid) -> Result<Task, ApiError> {
    super::trash::task(tx, id).await
}

#[utoipa::path(
    get,
    path = "/api/v1/tasks/{id}/comments",
    operation_id = "listComments",
    tag = "comments",
    summary = "A task's comments, oldest first",
    params(("id" = Uuid, Path, description = "The task's id"), PageQuery),
    responses(
        (status = 200, description = "A page of comments", body = Page<Comment>),
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
) -> Result<Json<Page<Comment>>, ApiError> {
    // Another tenant's task is not found, whatever the query string says.
    task(&mut tx, task_id).await?;
    let QueryParams(query) = query?;
    let request = query.check(&me.scope)?;
    let mut select = Comment::scoped(&mut *tx)
        .filter(Comment::TASK_ID.eq(task_id))
        .limit(request.fetch());
    select = match request.after {
        Some(after) => select.after(Comment::CREATED_AT.asc(), after.created_at, after.id),
        None => select
            .order_by(Comment::CREATED_AT.asc())
            .order_by(Comment::ID.asc()),
    };
    let comments = select.fetch_all().await?;
    Ok(Json(
        request.page(&me.scope, comments, |c| (c.created_at, c.id)),
    ))
}

/// A new comment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct CreateComment {
    /// 1 to 10,000 characters, not only whitespace.
    #[schema(value_type = String, min_length = 1, max_length = 10000)]
    body: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/tasks/{id}/comments",
    operation_id = "createComment",
    tag = "comments",
    summary = "Comment on a task, as the caller",
    params(("id" = Uuid, Path, description = "The task's id")),
    request_body = CreateComment,
    responses(
        (status = 201, description = "The comment", body = Comment),
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
    IdPath(task_id): IdPath<Uuid>,
    input: Result<JsonBody<CreateComment>, ApiError>,
) -> Result<(StatusCode, Json<Comment>), ApiError> {
    // Another tenant's task is not found, whatever the body holds.
    task(&mut tx, task_id).await?;
    let JsonBody(input) = input?;
    let body = input.body.unwrap_or_default();
    if body.trim().is_empty() || body.chars().count() > 10_000 {
        return Err(ApiError::invalid(
            "body",
            "must be 1 to 10000 characters long",
        ));
    }
    let new = NewComment {
        id: Uuid::now_v7(),
        task_id,
        author_id: Some(me.user.id),
        body,
        created_at: now(),
    };
    match Comment::scoped(&mut *tx).insert(new).await {
        Ok(comment) => Ok((StatusCode::CREATED, Json(comment))),
        // The task was deleted since we looked: the composite key refuses the comment.
        Err(err) if err.is_foreign_key_violation() => Err(ApiError::NotFound),
        Err(err) => Err(err.into()),
    }
}
