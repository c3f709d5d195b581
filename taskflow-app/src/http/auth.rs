//! Signing in (`POST /api/v1/auth/login`) and who am I (`GET /api/v1/me`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::client::ClientAddr;
use super::extractor::{CurrentUser, JsonBody, Tx};
use super::throttle::Attempt;
use super::{ApiError, AppState};
use crate::model::{NewRevokedToken, RevokedToken, User, UserPatch, now};
use crate::password;
use crate::role::Role;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/auth/logout-everywhere", post(logout_everywhere))
        .route("/api/v1/auth/password", post(change_password))
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
/// an unknown email is checked against a dummy hash. Failures are counted per account and per
/// client ([`super::throttle`]): past the limit the answer is 429, whatever the password.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    operation_id = "login",
    tag = "auth",
    summary = "Sign in",
    description = "Past 5 failed logins of one account, or 20 from one client address, within \
        5 minutes, every login of that account or from that client answers 429 `rate_limited` \
        until the window ends (`Retry-After`), whatever the password.",
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
    ClientAddr(client): ClientAddr,
    mut tx: Tx,
    JsonBody(input): JsonBody<Login>,
) -> Result<Json<Value>, ApiError> {
    let email = input.email.unwrap_or_default().trim().to_ascii_lowercase();
    let given = input.password.unwrap_or_default();
    let scope = tx.scope().clone();
    let attempt = Attempt::new(scope.tenant_id(), &email, client);
    state.logins.check(&attempt).await?;
    let user = User::scoped(&mut *tx)
        .filter(User::EMAIL.eq(email))
        .fetch_optional()
        .await?;
    // The password check is slow on purpose: end the transaction (and on SQLite give up the
    // write lock a POST takes) before it.
    tx.commit().await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    if !password::verify(&given, hash).await {
        state.logins.failed(&attempt).await;
        return Err(ApiError::Unauthorized);
    }
    state.logins.succeeded(&attempt).await;
    let user = user.ok_or(ApiError::Unauthorized)?;
    let role: Role = user
        .role
        .parse()
        .map_err(|_| ApiError::Internal(format!("user {} has no valid role", user.id)))?;
    let token = state.keys.issue(&scope, user.id.to_string(), role)?;
    Ok(Json(json!({ "token": token, "user": user })))
}

/// Revokes the token the request came with: from now on it is 401 on every route, in every
/// process (the revocation is a row of the tenant's, read with the user on each request).
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    operation_id = "logout",
    tag = "auth",
    summary = "Sign out: the token used is revoked",
    responses(
        (status = 204, description = "Signed out; the token is refused from now on"),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("tenantToken" = [])),
)]
async fn logout(me: CurrentUser, mut tx: Tx) -> Result<StatusCode, ApiError> {
    // Revocations of tokens that expired since are refused for their age anyway.
    RevokedToken::scoped(&mut *tx)
        .filter(RevokedToken::EXPIRES_AT.lt(now()))
        .delete()
        .await?;
    let revoked = RevokedToken::scoped(&mut *tx)
        .insert(NewRevokedToken {
            id: me.token.id,
            user_id: me.user.id,
            expires_at: me.token.expires_at,
        })
        .await;
    match revoked {
        Ok(_) => Ok(StatusCode::NO_CONTENT),
        // The same token logged out at the same moment by another request: it is revoked.
        Err(taskflow_tenancy::Error::Database(sqlx::Error::Database(db)))
            if db.is_unique_violation() =>
        {
            Ok(StatusCode::NO_CONTENT)
        }
        Err(err) => Err(err.into()),
    }
}

/// Ends every session of the caller: every token of theirs issued up to this second is
/// refused from now on, in every process, on every device. Log in again for a new one.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout-everywhere",
    operation_id = "logoutEverywhere",
    tag = "auth",
    summary = "Sign out on every device",
    responses(
        (status = 204, description = "Every token of the caller issued so far is refused from now on"),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("tenantToken" = [])),
)]
async fn logout_everywhere(me: CurrentUser, mut tx: Tx) -> Result<StatusCode, ApiError> {
    let patch = UserPatch {
        sessions_ended_at: Some(Some(now())),
        ..UserPatch::default()
    };
    User::scoped(&mut *tx)
        .update_by_key(me.user.id, &patch)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A password change: the current one, and the new one.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct PasswordChange {
    #[schema(value_type = String)]
    current_password: Option<String>,
    /// At least 8 characters, at most 1024 bytes.
    #[schema(value_type = String, min_length = 8)]
    new_password: Option<String>,
}

/// Changes the caller's password and ends every session of theirs, this one included: log in
/// with the new password. A wrong current password counts as a failed login of the account.
#[utoipa::path(
    post,
    path = "/api/v1/auth/password",
    operation_id = "changePassword",
    tag = "auth",
    summary = "Change one's password; every session ends",
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed; every token of the caller is refused from now on"),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 413, response = super::openapi::PayloadTooLarge),
        (status = 422, response = super::openapi::ValidationFailed),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("tenantToken" = [])),
)]
async fn change_password(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    me: CurrentUser,
    mut tx: Tx,
    JsonBody(input): JsonBody<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let attempt = Attempt::new(me.scope.tenant_id(), &me.user.email, client);
    state.logins.check(&attempt).await?;
    let new_password = input.new_password.unwrap_or_default();
    if let Some(rule) = super::users::password_rule(&new_password) {
        return Err(ApiError::invalid("new_password", rule));
    }
    let current = input.current_password.unwrap_or_default();
    if !password::verify(&current, Some(me.user.password_hash.clone())).await {
        state.logins.failed(&attempt).await;
        return Err(ApiError::invalid(
            "current_password",
            "is not your current password",
        ));
    }
    let patch = UserPatch {
        password_hash: Some(password::hash(&new_password).await?),
        sessions_ended_at: Some(Some(now())),
        ..UserPatch::default()
    };
    User::scoped(&mut *tx)
        .update_by_key(me.user.id, &patch)
        .await?;
    Ok(StatusCode::NO_CONTENT)
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
