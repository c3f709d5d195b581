//! Comments on a task: `GET`/`POST /api/v1/tasks/{id}/comments`, oldest first.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use taskflow_tenancy::TenantScope;
use uuid::Uuid;

use super::extractor::{CurrentUser, IdPath, JsonBody, QueryParams};
use super::page::{Page, PageQuery};
use super::{ApiError, AppState};
use crate::model::{Comment, NewComment, Task, now};
use crate::with_scoped;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/tasks/{id}/comments", get(list).post(create))
}

/// The task must be one of this tenant's; another tenant's id is not found.
async fn task(state: &AppState, scope: &TenantScope, id: Uuid) -> Result<Task, ApiError> {
    with_scoped!(&state.db, scope, conn => Task::scoped(scope).get(&mut *conn, id).await)?
        .ok_or(ApiError::NotFound)
}

async fn list(
    me: CurrentUser,
    State(state): State<AppState>,
    IdPath(task_id): IdPath<Uuid>,
    QueryParams(query): QueryParams<PageQuery>,
) -> Result<Json<Page<Comment>>, ApiError> {
    let request = query.check(&me.scope)?;
    task(&state, &me.scope, task_id).await?;
    let mut select = Comment::scoped(&me.scope)
        .filter(Comment::TASK_ID.eq(task_id))
        .limit(request.fetch());
    select = match request.after {
        Some(after) => select.after(Comment::CREATED_AT.asc(), after.created_at, after.id),
        None => select
            .order_by(Comment::CREATED_AT.asc())
            .order_by(Comment::ID.asc()),
    };
    let comments = with_scoped!(&state.db, &me.scope, conn => select.fetch_all(&mut *conn).await)?;
    Ok(Json(
        request.page(&me.scope, comments, |c| (c.created_at, c.id)),
    ))
}

#[derive(Debug, Deserialize)]
struct CreateComment {
    body: Option<String>,
}

async fn create(
    me: CurrentUser,
    State(state): State<AppState>,
    IdPath(task_id): IdPath<Uuid>,
    JsonBody(input): JsonBody<CreateComment>,
) -> Result<(StatusCode, Json<Comment>), ApiError> {
    let body = input.body.unwrap_or_default();
    if body.trim().is_empty() || body.chars().count() > 10_000 {
        return Err(ApiError::invalid(
            "body",
            "must be 1 to 10000 characters long",
        ));
    }
    task(&state, &me.scope, task_id).await?;
    let new = NewComment {
        id: Uuid::now_v7(),
        task_id,
        author_id: Some(me.user.id),
        body,
        created_at: now(),
    };
    match with_scoped!(&state.db, &me.scope, conn => Comment::scoped(&me.scope).insert(&mut *conn, new).await)
    {
        Ok(comment) => Ok((StatusCode::CREATED, Json(comment))),
        // The task was deleted since we looked: the composite key refuses the comment.
        Err(err) if err.is_foreign_key_violation() => Err(ApiError::NotFound),
        Err(err) => Err(err.into()),
    }
}
