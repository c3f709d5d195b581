//! The tenant's users: `GET`/`POST /api/v1/users`, `GET`/`PATCH`/`DELETE /api/v1/users/{id}`.
//!
//! Members read the list; owners and admins manage users; only an owner changes or removes an
//! owner, or makes someone one; and a tenant always keeps at least one owner.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use taskflow_tenancy::AnyTenantTx;
use uuid::Uuid;

use super::extractor::{CurrentUser, IdPath, JsonBody, QueryParams, Tx};
use super::page::{Page, PageQuery};
use super::{ApiError, AppState};
use crate::model::{
    Comment, CommentPatch, NewUser, Task, TaskEvent, TaskEventPatch, TaskPatch, User, UserPatch,
    now,
};
use crate::password;
use crate::role::Role;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users", get(list).post(create))
        .route("/api/v1/users/{id}", get(show).patch(update).delete(remove))
}

/// A new user as sent by a client; every field is checked by [`UserInput::check`].
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(description = "A new user.")]
pub(crate) struct UserInput {
    /// An email address, unique in the tenant (stored lowercase).
    #[schema(value_type = String, max_length = 254)]
    email: Option<String>,
    /// Display name, 1 to 200 characters.
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    name: Option<String>,
    /// At least 8 characters, at most 1024 bytes.
    #[schema(value_type = String, min_length = 8, max_length = 1024)]
    password: Option<String>,
    /// `member` when left out or null; only an owner makes an owner.
    #[schema(value_type = Option<Role>)]
    role: Option<String>,
}

/// A [`UserInput`] that passed the checks.
#[derive(Debug)]
pub(crate) struct CheckedUser {
    email: String,
    name: String,
    password: String,
    role: Role,
}

fn check_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        Err("must be 1 to 200 characters long".to_owned())
    } else {
        Ok(name.to_owned())
    }
}

fn check_role(role: &str) -> Result<Role, String> {
    role.parse()
        .map_err(|_| "must be owner, admin or member".to_owned())
}

impl UserInput {
    /// Checks every field; `role` forces the role (signup makes an owner). The error maps each
    /// bad field, its name prefixed with `prefix`, to what is wrong with it.
    pub(crate) fn check(
        self,
        role: Option<Role>,
        prefix: &str,
    ) -> Result<CheckedUser, BTreeMap<String, String>> {
        let mut fields = BTreeMap::new();
        let mut bad = |field: &str, message: String| {
            fields.insert(format!("{prefix}{field}"), message);
        };
        let email = self.email.unwrap_or_default().trim().to_ascii_lowercase();
        if !is_email(&email) {
            bad("email", "must be an email address".to_owned());
        }
        let name = check_name(self.name.as_deref().unwrap_or_default())
            .map_err(|m| bad("name", m))
            .unwrap_or_default();
        let password = self.password.unwrap_or_default();
        if let Some(rule) = password_rule(&password) {
            bad("password", rule.to_owned());
        }
        let role = match role {
            Some(role) => role,
            None => match self.role.as_deref() {
                None => Role::Member,
                Some(role) => check_role(role)
                    .map_err(|m| bad("role", m))
                    .unwrap_or(Role::Member),
            },
        };
        if fields.is_empty() {
            Ok(CheckedUser {
                email,
                name,
                password,
                role,
            })
        } else {
            Err(fields)
        }
    }
}

impl UserInput {
    /// The fields of a user who signs up by invitation: the role comes from the invitation.
    pub(crate) fn invited(email: String, name: Option<String>, password: Option<String>) -> Self {
        UserInput {
            email: Some(email),
            name,
            password,
            role: None,
        }
    }
}

/// Whether `email` (trimmed, lowercase) looks like an email address.
pub(crate) fn is_email(email: &str) -> bool {
    email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
}

/// The rule a password breaks, if any: at least 8 characters, at most 1024 bytes.
pub(crate) fn password_rule(password: &str) -> Option<&'static str> {
    if password.chars().count() < 8 {
        Some("must be at least 8 characters long")
    } else if password.len() > 1024 {
        Some("must be at most 1024 bytes long")
    } else {
        None
    }
}

/// The row for a checked user, with the password hashed.
pub(crate) async fn new_user(user: CheckedUser) -> Result<NewUser, ApiError> {
    Ok(NewUser {
        id: Uuid::now_v7(),
        email: user.email,
        name: user.name,
        role: user.role.as_str().to_owned(),
        password_hash: password::hash(&user.password).await?,
        created_at: now(),
        sessions_ended_at: None,
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/users",
    operation_id = "listUsers",
    tag = "users",
    summary = "The tenant's users, oldest first",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of users", body = Page<User>),
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
    QueryParams(query): QueryParams<PageQuery>,
) -> Result<Json<Page<User>>, ApiError> {
    let request = query.check(&me.scope)?;
    let mut select = User::scoped(&mut *tx).limit(request.fetch());
    select = match request.after {
        Some(after) => select.after(User::CREATED_AT.asc(), after.created_at, after.id),
        None => select
            .order_by(User::CREATED_AT.asc())
            .order_by(User::ID.asc()),
    };
    let users = select.fetch_all().await?;
    Ok(Json(
        request.page(&me.scope, users, |u| (u.created_at, u.id)),
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/users",
    operation_id = "createUser",
    tag = "users",
    summary = "Add a user (owners and admins)",
    request_body = UserInput,
    responses(
        (status = 201, description = "The user", body = User),
        (status = 400, response = super::openapi::BadRequest),
        (status = 409, response = super::openapi::Conflict),
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
    JsonBody(input): JsonBody<UserInput>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    me.require_user_manager()?;
    let user = input.check(None, "").map_err(ApiError::Validation)?;
    if user.role == Role::Owner && me.role != Role::Owner {
        return Err(ApiError::Forbidden("only an owner can make an owner"));
    }
    let new = new_user(user).await?;
    let user = User::scoped(&mut *tx).insert(new).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

#[utoipa::path(
    get,
    path = "/api/v1/users/{id}",
    operation_id = "getUser",
    tag = "users",
    summary = "A user",
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user", body = User),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("tenantToken" = [])),
)]
async fn show(
    _me: CurrentUser,
    mut tx: Tx,
    IdPath(id): IdPath<Uuid>,
) -> Result<Json<User>, ApiError> {
    let user = User::scoped(&mut *tx)
        .get(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(user))
}

/// Changes to a user: the fields sent change, the others stay.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct UpdateUser {
    /// Display name, 1 to 200 characters; null leaves it as it is.
    #[schema(min_length = 1, max_length = 200)]
    name: Option<String>,
    /// Only an owner changes an owner or makes one, and a tenant keeps at least one owner;
    /// null leaves it as it is.
    #[schema(value_type = Option<Role>)]
    role: Option<String>,
}

/// Whether the tenant has an owner besides `user`.
async fn has_another_owner(tx: &mut AnyTenantTx, user: Uuid) -> Result<bool, ApiError> {
    Ok(User::scoped(tx)
        .filter(User::ROLE.eq("owner".to_owned()))
        .filter(User::ID.ne(user))
        .exists()
        .await?)
}

/// The checks every change to `target` goes through: who may touch it, and the last owner.
async fn check_change(
    me: &CurrentUser,
    tx: &mut AnyTenantTx,
    target: &User,
    new_role: Option<Role>,
) -> Result<(), ApiError> {
    me.require_user_manager()?;
    let is_owner = target.role == Role::Owner.as_str();
    if (is_owner || new_role == Some(Role::Owner)) && me.role != Role::Owner {
        return Err(ApiError::Forbidden(
            "only an owner can change or remove an owner",
        ));
    }
    let stops_being_owner = is_owner && new_role != Some(Role::Owner);
    if stops_being_owner && !has_another_owner(tx, target.id).await? {
        return Err(ApiError::Conflict("a tenant must keep at least one owner"));
    }
    Ok(())
}

#[utoipa::path(
    patch,
    path = "/api/v1/users/{id}",
    operation_id = "updateUser",
    tag = "users",
    summary = "Change a user's name or role (owners and admins)",
    params(("id" = Uuid, Path, description = "The user's id")),
    request_body = UpdateUser,
    responses(
        (status = 200, description = "The user as changed", body = User),
        (status = 400, response = super::openapi::BadRequest),
        (status = 409, description = "`conflict`: the tenant would have no owner left", body = super::error::ErrorBody),
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
async fn update(
    me: CurrentUser,
    mut tx: Tx,
    IdPath(id): IdPath<Uuid>,
    input: Result<JsonBody<UpdateUser>, ApiError>,
) -> Result<Json<User>, ApiError> {
    me.require_user_manager()?;
    // Another tenant's user is not found, whatever the body holds.
    let target = User::scoped(&mut *tx)
        .get(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let JsonBody(input) = input?;
    let mut fields = BTreeMap::new();
    let name = input
        .name
        .as_deref()
        .map(check_name)
        .transpose()
        .map_err(|m| fields.insert("name".to_owned(), m))
        .ok()
        .flatten();
    let role = input
        .role
        .as_deref()
        .map(check_role)
        .transpose()
        .map_err(|m| fields.insert("role".to_owned(), m))
        .ok()
        .flatten();
    if !fields.is_empty() {
        return Err(ApiError::Validation(fields));
    }
    let role_change = role.filter(|r| r.as_str() != target.role);
    if role_change.is_some() {
        check_change(&me, &mut tx, &target, role_change).await?;
    } else if target.role == Role::Owner.as_str() && me.role != Role::Owner {
        return Err(ApiError::Forbidden(
            "only an owner can change or remove an owner",
        ));
    }
    let patch = UserPatch {
        name,
        role: role_change.map(|r| r.as_str().to_owned()),
        ..UserPatch::default()
    };
    User::scoped(&mut *tx).update_by_key(id, &patch).await?;
    let user = User::scoped(&mut *tx)
        .get(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(user))
}

/// Removes a user. Their tasks become unassigned and their comments stay, without an author,
/// all in one transaction.
#[utoipa::path(
    delete,
    path = "/api/v1/users/{id}",
    operation_id = "deleteUser",
    tag = "users",
    summary = "Remove a user (owners and admins)",
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 204, description = "Removed: their tasks are unassigned, their comments stay without an author"),
        (status = 400, response = super::openapi::BadRequest),
        (status = 409, description = "`conflict`: the tenant would have no owner left", body = super::error::ErrorBody),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("tenantToken" = [])),
)]
async fn remove(
    me: CurrentUser,
    mut tx: Tx,
    IdPath(id): IdPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    let target = User::scoped(&mut *tx)
        .get(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    check_change(&me, &mut tx, &target, None).await?;
    let unassign = TaskPatch {
        assignee_id: Some(None),
        updated_at: Some(now()),
        ..TaskPatch::default()
    };
    let orphan = CommentPatch {
        author_id: Some(None),
        ..CommentPatch::default()
    };
    Task::scoped(&mut *tx)
        .filter(Task::ASSIGNEE_ID.eq(id))
        .update(&unassign)
        .await?;
    Comment::scoped(&mut *tx)
        .filter(Comment::AUTHOR_ID.eq(id))
        .update(&orphan)
        .await?;
    let anonymous = TaskEventPatch {
        actor_id: Some(None),
        ..TaskEventPatch::default()
    };
    TaskEvent::scoped(&mut *tx)
        .filter(TaskEvent::ACTOR_ID.eq(id))
        .update(&anonymous)
        .await?;
    if User::scoped(&mut *tx).delete_by_key(id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}
