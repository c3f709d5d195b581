//! Invitations: an owner or admin invites someone by email and role (`POST
//! /api/v1/invitations`) and hands them the one-time link the answer holds, valid
//! [`VALID_FOR`]; the invitee opens it, sees whom it is from (`POST
//! /api/v1/invitations/preview`) and joins with a name and password of their own (`POST
//! /api/v1/invitations/accept`), signed in at once. Pending invitations are listed and
//! withdrawn by owners and admins.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::extractor::{CurrentUser, IdPath, JsonBody, QueryParams, Tx};
use super::one_time::OneTimeToken;
use super::page::{Page, PageQuery};
use super::users::{UserInput, is_email, new_user};
use super::{ApiError, AppState};
use crate::model::{Invitation, NewInvitation, User, now};
use crate::role::Role;

/// How long an invitation's link works.
pub(crate) const VALID_FOR: Duration = Duration::days(7);

/// Keeps the ids of invitations apart from those of other one-time tokens.
const NAMESPACE: Uuid = Uuid::from_u128(0x2b8e_41c6_73d9_4f0a_9c15_6e7d_8a9b_0c1d);

/// The routes of owners and admins.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/invitations", get(list).post(create))
        .route("/api/v1/invitations/{id}", delete(withdraw))
}

/// The routes of the invitee, who has no account yet: the link's token is the credential.
pub(crate) fn invitee_router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/invitations/preview", post(preview))
        .route("/api/v1/invitations/accept", post(accept))
}

/// Whom to invite.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct InvitationInput {
    /// Their email address: no user of this tenant may have it.
    #[schema(value_type = String, max_length = 254)]
    email: Option<String>,
    /// `member` when left out; only an owner invites an owner.
    #[schema(value_type = Option<Role>)]
    role: Option<String>,
}

/// A new invitation, with its link: shown this once, the server keeps no copy of it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct CreatedInvitation {
    /// The invitation.
    invitation: Invitation,
    /// The one-time token of the link.
    token: String,
    /// The link on this tenant's host, to hand to the invitee: `/invite#token=...` (the
    /// fragment stays out of every server's log).
    path: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/invitations",
    operation_id = "createInvitation",
    tag = "users",
    summary = "Invite someone by a one-time link, valid 7 days",
    description = "Owners and admins only. The answer holds the link's token, once.",
    request_body = InvitationInput,
    responses(
        (status = 201, description = "The invitation and its link", body = CreatedInvitation),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 409, response = super::openapi::Conflict),
        (status = 413, response = super::openapi::PayloadTooLarge),
        (status = 422, response = super::openapi::ValidationFailed),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("tenantToken" = [])),
)]
async fn create(
    me: CurrentUser,
    mut tx: Tx,
    input: Result<JsonBody<InvitationInput>, ApiError>,
) -> Result<(StatusCode, Json<CreatedInvitation>), ApiError> {
    me.require_user_manager()?;
    let JsonBody(input) = input?;
    let email = input.email.unwrap_or_default().trim().to_ascii_lowercase();
    if !is_email(&email) {
        return Err(ApiError::invalid("email", "must be an email address"));
    }
    let role: Role = match input.role.as_deref() {
        None => Role::Member,
        Some(role) => role
            .parse()
            .map_err(|_| ApiError::invalid("role", "must be owner, admin or member"))?,
    };
    if role == Role::Owner && me.role != Role::Owner {
        return Err(ApiError::Forbidden("only an owner can make an owner"));
    }
    let taken = User::scoped(&mut *tx)
        .filter(User::EMAIL.eq(email.clone()))
        .exists()
        .await?;
    if taken {
        return Err(ApiError::Conflict("a user with this email already exists"));
    }
    let token = OneTimeToken::new(&NAMESPACE);
    let at = now();
    let invitation = Invitation::scoped(&mut *tx)
        .insert(NewInvitation {
            id: token.id,
            email,
            role: role.as_str().to_owned(),
            invited_by: me.user.id,
            created_at: at,
            expires_at: at + VALID_FOR,
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedInvitation {
            invitation,
            path: format!("/invite#token={}", token.text),
            token: token.text,
        }),
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/invitations",
    operation_id = "listInvitations",
    tag = "users",
    summary = "The pending invitations, oldest first",
    description = "Owners and admins only; expired invitations are left out.",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of invitations", body = Page<Invitation>),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("tenantToken" = [])),
)]
async fn list(
    me: CurrentUser,
    mut tx: Tx,
    query: Result<QueryParams<PageQuery>, ApiError>,
) -> Result<Json<Page<Invitation>>, ApiError> {
    me.require_user_manager()?;
    let QueryParams(query) = query?;
    let request = query.check(&me.scope)?;
    let mut select = Invitation::scoped(&mut *tx)
        .filter(Invitation::EXPIRES_AT.gt(now()))
        .limit(request.fetch());
    select = match request.after {
        Some(after) => select.after(Invitation::CREATED_AT.asc(), after.created_at, after.id),
        None => select
            .order_by(Invitation::CREATED_AT.asc())
            .order_by(Invitation::ID.asc()),
    };
    let invitations = select.fetch_all().await?;
    Ok(Json(
        request.page(&me.scope, invitations, |i| (i.created_at, i.id)),
    ))
}

#[utoipa::path(
    delete,
    path = "/api/v1/invitations/{id}",
    operation_id = "withdrawInvitation",
    tag = "users",
    summary = "Withdraw an invitation: its link stops working",
    description = "Owners and admins only.",
    params(("id" = Uuid, Path, description = "The invitation's id")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("tenantToken" = [])),
)]
async fn withdraw(
    me: CurrentUser,
    mut tx: Tx,
    IdPath(id): IdPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    // Another tenant's invitation is not found before the role is judged.
    Invitation::scoped(&mut *tx)
        .get(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    me.require_user_manager()?;
    if Invitation::scoped(&mut *tx).delete_by_key(id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

/// A link's token.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct InvitationToken {
    /// The token of the link.
    #[schema(value_type = String)]
    token: Option<String>,
}

/// What an invitee sees before joining.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct InvitationPreview {
    /// The organization's name.
    organization: String,
    /// The email the account will have.
    email: String,
    /// The role it will have.
    #[schema(value_type = Role)]
    role: String,
    /// Who invited, by name.
    invited_by: String,
    /// When the link stops working.
    expires_at: DateTime<Utc>,
}

/// The live invitation of `token`, on this tenant; any other is not found.
async fn by_token(tx: &mut Tx, token: Option<&str>) -> Result<Invitation, ApiError> {
    let token = token.filter(|t| !t.is_empty());
    let token = token.ok_or_else(|| ApiError::invalid("token", "is required"))?;
    let id = OneTimeToken::id_of(&NAMESPACE, token);
    Invitation::scoped(&mut **tx)
        .filter(Invitation::EXPIRES_AT.gt(now()))
        .get(id)
        .await?
        .ok_or(ApiError::NotFound)
}

#[utoipa::path(
    post,
    path = "/api/v1/invitations/preview",
    operation_id = "previewInvitation",
    tag = "users",
    summary = "What an invitation link is for, before joining",
    description = "No sign-in: the token is the credential. An unknown, used, withdrawn or \
        expired token, or one of another tenant, is 404.",
    request_body = InvitationToken,
    responses(
        (status = 200, description = "The invitation", body = InvitationPreview),
        (status = 400, response = super::openapi::BadRequest),
        (status = 404, response = super::openapi::NotFound),
        (status = 413, response = super::openapi::PayloadTooLarge),
        (status = 422, response = super::openapi::ValidationFailed),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
async fn preview(
    mut tx: Tx,
    JsonBody(input): JsonBody<InvitationToken>,
) -> Result<Json<InvitationPreview>, ApiError> {
    let invitation = by_token(&mut tx, input.token.as_deref()).await?;
    let inviter = User::scoped(&mut *tx)
        .get(invitation.invited_by)
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    Ok(Json(InvitationPreview {
        organization: tx.scope().tenant().name.clone(),
        email: invitation.email,
        role: invitation.role,
        invited_by: inviter,
        expires_at: invitation.expires_at,
    }))
}

/// Joining by invitation.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct AcceptInvitation {
    /// The token of the link.
    #[schema(value_type = String)]
    token: Option<String>,
    /// Display name, 1 to 200 characters.
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    name: Option<String>,
    /// At least 8 characters, at most 1024 bytes.
    #[schema(value_type = String, min_length = 8, max_length = 1024)]
    password: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/invitations/accept",
    operation_id = "acceptInvitation",
    tag = "users",
    summary = "Join by an invitation link: the account is made and signed in",
    description = "No sign-in: the token is the credential, and works once. The account has the \
        invitation's email and role.",
    request_body = AcceptInvitation,
    responses(
        (status = 201, description = "Joined: a token for this tenant's host", body = super::openapi::Session),
        (status = 400, response = super::openapi::BadRequest),
        (status = 404, response = super::openapi::NotFound),
        (status = 409, response = super::openapi::Conflict),
        (status = 413, response = super::openapi::PayloadTooLarge),
        (status = 422, response = super::openapi::ValidationFailed),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
async fn accept(
    State(state): State<AppState>,
    mut tx: Tx,
    JsonBody(input): JsonBody<AcceptInvitation>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let invitation = by_token(&mut tx, input.token.as_deref()).await?;
    let role: Role = invitation.role.parse().map_err(|_| {
        ApiError::Internal(format!("invitation {} has no valid role", invitation.id))
    })?;
    let checked = UserInput::invited(invitation.email.clone(), input.name, input.password)
        .check(Some(role), "")
        .map_err(ApiError::Validation)?;
    // Used once: a second accept of the same link, even at the same moment, finds nothing.
    if !Invitation::scoped(&mut *tx)
        .delete_by_key(invitation.id)
        .await?
    {
        return Err(ApiError::NotFound);
    }
    let user = User::scoped(&mut *tx)
        .insert(new_user(checked).await?)
        .await?;
    let scope = tx.scope().clone();
    let token = state.keys.issue(&scope, user.id.to_string(), role)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "token": token, "user": user })),
    ))
}
