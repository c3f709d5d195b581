//! Signing in (`POST /api/v1/auth/login`) and who am I (`GET /api/v1/me`).

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::extractor::{CurrentUser, JsonBody, Tx};
use super::{ApiError, AppState};
use crate::model::User;
use crate::password;
use crate::role::Role;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/me", get(me))
}

/// An email and password.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct Login {
    /// The user's email (any case).
    #[schema(value_type = String)]
    email: Option<String>,
    #[schema(value_type = String)]
    password: Option<String>,
}

/// The same 401 whether the email is unknown or the password wrong, and about the same time:
/// an unknown email is checked against a dummy hash.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    operation_id = "login",
    tag = "auth",
    summary = "Sign in",
    request_body = Login,
    responses(
        (status = 200, description = "Signed in: a token for this tenant's host", body = super::openapi::Session),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 413, response = super::openapi::PayloadTooLarge),
        (status = 422, response = super::openapi::ValidationFailed),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
async fn login(
    State(state): State<AppState>,
    mut tx: Tx,
    JsonBody(input): JsonBody<Login>,
) -> Result<Json<Value>, ApiError> {
    let email = input.email.unwrap_or_default().trim().to_ascii_lowercase();
    let given = input.password.unwrap_or_default();
    let scope = tx.scope().clone();
    let user = User::scoped(&mut *tx)
        .filter(User::EMAIL.eq(email))
        .fetch_optional()
        .await?;
    // The password check is slow on purpose: end the transaction (and on SQLite give up the
    // write lock a POST takes) before it.
    tx.commit().await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    if !password::verify(&given, hash).await {
        return Err(ApiError::Unauthorized);
    }
    let user = user.ok_or(ApiError::Unauthorized)?;
    let role: Role = user
        .role
        .parse()
        .map_err(|_| ApiError::Internal(format!("user {} has no valid role", user.id)))?;
    let token = state.keys.issue(&scope, user.id.to_string(), role)?;
    Ok(Json(json!({ "token": token, "user": user })))
}

#[utoipa::path(
    get,
    path = "/api/v1/me",
    operation_id = "getMe",
    tag = "auth",
    summary = "Who is signed in, and in which tenant",
    responses(
        (status = 200, description = "The caller and their tenant", body = super::openapi::Me),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("tenantToken" = [])),
)]
async fn me(me: CurrentUser) -> Json<Value> {
    Json(json!({ "user": me.user, "tenant": me.scope.tenant() }))
}
