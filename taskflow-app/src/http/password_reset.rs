//! Password reset by a one-time link: `POST /api/v1/auth/password-reset` mails the account's
//! owner a link valid [`VALID_FOR`] (or logs it, with no mail server: [`crate::mail`]), `POST
//! /api/v1/auth/password-reset/confirm` sets the new password with the link's token and ends
//! every session of the account.
//!
//! The request answers the same whether the email is an account or not, and sends the mail
//! after answering, so that neither the answer nor its time tells who has an account.

use axum::extract::State;
use axum::http::header::HOST;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Duration;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::client::ClientAddr;
use super::extractor::{JsonBody, Tx};
use super::one_time::OneTimeToken;
use super::throttle::Attempt;
use super::users::{is_email, password_rule};
use super::{ApiError, AppState};
use crate::mail::Mail;
use crate::model::{NewPasswordReset, PasswordReset, User, UserPatch, now};
use crate::password;

/// How long a reset link works.
pub(crate) const VALID_FOR: Duration = Duration::hours(1);

/// Keeps the ids of resets apart from those of other one-time tokens.
const NAMESPACE: Uuid = Uuid::from_u128(0x9a4f_0d2e_5b17_4c8e_a3f6_21c0_7e5d_4b93);

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/password-reset", post(request))
        .route("/api/v1/auth/password-reset/confirm", post(confirm))
}

/// Whose password to reset.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct ResetRequest {
    /// The account's email (any case).
    #[schema(value_type = String)]
    email: Option<String>,
}

/// What a reset request answers, account or not.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ResetRequested {
    /// How long the link works, in minutes.
    valid_minutes: i64,
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/password-reset",
    operation_id = "requestPasswordReset",
    tag = "auth",
    summary = "Mail a one-time password reset link, valid an hour",
    description = "No sign-in. The answer is the same whether the email is an account of this \
        tenant or not; the mail goes only to an account's own address (or, with no mail server \
        configured, to the server's log). Requests count as failed logins of the account and \
        the client: past the limit, 429 `rate_limited`.",
    request_body = ResetRequest,
    responses(
        (status = 202, description = "If the email is an account's, its link is on the way", body = ResetRequested),
        (status = 400, response = super::openapi::BadRequest),
        (status = 404, response = super::openapi::NotFound),
        (status = 413, response = super::openapi::PayloadTooLarge),
        (status = 422, response = super::openapi::ValidationFailed),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
async fn request(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    mut tx: Tx,
    JsonBody(input): JsonBody<ResetRequest>,
) -> Result<(StatusCode, Json<ResetRequested>), ApiError> {
    let email = input.email.unwrap_or_default().trim().to_ascii_lowercase();
    // Refused for its shape only, alike for every address: nothing tells who has an account.
    if !is_email(&email) {
        return Err(ApiError::invalid("email", "must be an email address"));
    }
    let scope = tx.scope().clone();
    let attempt = Attempt::new(scope.tenant_id(), &email, client);
    state.logins.check(&attempt).await?;
    state.logins.failed(&attempt).await;
    let answer = (
        StatusCode::ACCEPTED,
        Json(ResetRequested {
            valid_minutes: VALID_FOR.num_minutes(),
        }),
    );
    let user = User::scoped(&mut *tx)
        .filter(User::EMAIL.eq(email))
        .fetch_optional()
        .await?;
    let Some(user) = user else {
        return Ok(answer);
    };
    PasswordReset::scoped(&mut *tx)
        .filter(PasswordReset::USER_ID.eq(user.id))
        .filter(PasswordReset::EXPIRES_AT.lt(now()))
        .delete()
        .await?;
    let token = OneTimeToken::new(&NAMESPACE);
    let at = now();
    PasswordReset::scoped(&mut *tx)
        .insert(NewPasswordReset {
            id: token.id,
            user_id: user.id,
            created_at: at,
            expires_at: at + VALID_FOR,
        })
        .await?;
    tx.commit().await?;
    // The tenant layer resolved the tenant from this Host: it is this tenant's own.
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let link = format!(
        "{}://{host}/reset-password#token={}",
        state.public_scheme, token.text
    );
    let mail = Mail {
        to: user.email.clone(),
        subject: format!("Reset your {} password", scope.tenant().name),
        body: format!(
            "Hello {},\n\nsomeone asked to reset the password of your account at {} on \
             TaskFlow. To choose a new one, open this link within an hour:\n\n{link}\n\nIf it \
             was not you, ignore this mail: your password stays as it is.\n",
            user.name,
            scope.tenant().name
        ),
    };
    let mailer = state.mailer.clone();
    tokio::spawn(async move {
        if let Err(err) = mailer.send(mail).await {
            tracing::error!(error = %err, user = %user.id, "could not mail a password reset link");
        }
    });
    Ok(answer)
}

/// A new password, with the link's token.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct ResetConfirm {
    /// The token of the link.
    #[schema(value_type = String)]
    token: Option<String>,
    /// At least 8 characters, at most 1024 bytes.
    #[schema(value_type = String, min_length = 8, max_length = 1024)]
    password: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/password-reset/confirm",
    operation_id = "confirmPasswordReset",
    tag = "auth",
    summary = "Set a new password with a reset link's token; every session ends",
    description = "No sign-in: the token is the credential, and works once. An unknown, used or \
        expired token, or one of another tenant, is 404. Every token of the account issued so \
        far is refused from then on; log in with the new password.",
    request_body = ResetConfirm,
    responses(
        (status = 204, description = "The password is changed"),
        (status = 400, response = super::openapi::BadRequest),
        (status = 404, response = super::openapi::NotFound),
        (status = 413, response = super::openapi::PayloadTooLarge),
        (status = 422, response = super::openapi::ValidationFailed),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
async fn confirm(
    mut tx: Tx,
    JsonBody(input): JsonBody<ResetConfirm>,
) -> Result<StatusCode, ApiError> {
    let token = input.token.filter(|t| !t.is_empty());
    let token = token.ok_or_else(|| ApiError::invalid("token", "is required"))?;
    let id = OneTimeToken::id_of(&NAMESPACE, &token);
    let reset = PasswordReset::scoped(&mut *tx)
        .filter(PasswordReset::EXPIRES_AT.gt(now()))
        .get(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let new_password = input.password.unwrap_or_default();
    if let Some(rule) = password_rule(&new_password) {
        return Err(ApiError::invalid("password", rule));
    }
    // Used once: every link of the account goes, and a second confirm finds nothing.
    let used = PasswordReset::scoped(&mut *tx)
        .filter(PasswordReset::USER_ID.eq(reset.user_id))
        .delete()
        .await?;
    if used == 0 {
        return Err(ApiError::NotFound);
    }
    let patch = UserPatch {
        password_hash: Some(password::hash(&new_password).await?),
        sessions_ended_at: Some(Some(now())),
        ..UserPatch::default()
    };
    User::scoped(&mut *tx)
        .update_by_key(reset.user_id, &patch)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
