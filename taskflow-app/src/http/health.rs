//! `GET /healthz` (the process is up) and `GET /readyz` (the database answers, and Redis
//! when `REDIS_URL` is set; 503 while the server drains before it stops).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::{ApiError, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(ready))
}

#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz",
    tag = "platform",
    summary = "Whether the process is up",
    responses((status = 200, description = "The process is up", body = super::openapi::Health)),
)]
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "readyz",
    tag = "platform",
    summary = "Whether the database (and Redis, with `REDIS_URL`) answer",
    responses(
        (status = 200, description = "Ready to serve", body = super::openapi::Readiness),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
async fn ready(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    if state.draining.is_draining() {
        return Err(ApiError::Unavailable("the server is stopping".to_owned()));
    }
    if !state.health.is_up() {
        return Err(ApiError::Unavailable(
            "the database does not answer its probe".to_owned(),
        ));
    }
    crate::db::ping(&state.db)
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    let queue = match &state.wakeups {
        Some(wakeups) => {
            wakeups
                .ping()
                .await
                .map_err(|e| ApiError::Unavailable(e.to_string()))?;
            "redis"
        }
        None => "in-process",
    };
    Ok(Json(
        json!({ "status": "ok", "database": crate::db::backend_name(&state.db), "jobs": queue }),
    ))
}
