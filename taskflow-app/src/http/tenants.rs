//! Platform routes for tenants: signup (`POST /api/v1/tenants`) and the operator's console
//! (`GET /api/v1/admin/tenants`, `PATCH /api/v1/admin/tenants/{id}`).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use taskflow_tenancy::{AdminCapability, Tenant, TenantId, validate_subdomain};
use uuid::Uuid;

use super::extractor::{IdPath, JsonBody, Operator};
use super::users::{UserInput, new_user};
use super::{ApiError, AppState};
use crate::model::User;
use crate::role::Role;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tenants", post(signup))
        .route("/api/v1/admin/tenants", get(list))
        .route("/api/v1/admin/tenants/{id}", patch(set_active))
}

/// A new organization and its owner.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct Signup {
    /// The organization's name, 1 to 200 characters.
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    name: Option<String>,
    /// Its subdomain: 3 to 63 lowercase letters, digits and single inner hyphens, not a
    /// reserved name (`www`, `api`, `admin`, `app`, `static`, ...), unique.
    #[schema(value_type = String, min_length = 3, max_length = 63, pattern = "^[a-z0-9](-?[a-z0-9])*$")]
    subdomain: Option<String>,
    /// The owner (their `role` is `owner`, whatever is sent).
    #[schema(value_type = UserInput)]
    owner: Option<UserInput>,
}

/// Creates the tenant and its owner in one transaction, and signs the owner in.
#[utoipa::path(
    post,
    path = "/api/v1/tenants",
    operation_id = "signup",
    tag = "platform",
    summary = "Sign up an organization and its owner",
    request_body = Signup,
    responses(
        (status = 201, description = "The tenant, its owner and the owner's token", body = super::openapi::SignedUp),
        (status = 400, response = super::openapi::BadRequest),
        (status = 409, response = super::openapi::Conflict),
        (status = 413, response = super::openapi::PayloadTooLarge),
        (status = 422, response = super::openapi::ValidationFailed),
        (status = 503, response = super::openapi::Unavailable),
    ),
)]
async fn signup(
    State(state): State<AppState>,
    JsonBody(input): JsonBody<Signup>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut fields = BTreeMap::new();
    let name = input.name.as_deref().map(str::trim).unwrap_or_default();
    if name.is_empty() || name.chars().count() > 200 {
        fields.insert(
            "name".to_owned(),
            "must be 1 to 200 characters long".to_owned(),
        );
    }
    let subdomain = input.subdomain.as_deref().unwrap_or_default();
    if let Err(taskflow_tenancy::Error::InvalidTenant { message, .. }) =
        validate_subdomain(subdomain)
    {
        fields.insert("subdomain".to_owned(), message);
    }
    let owner = input.owner.unwrap_or_default();
    let owner = match owner.check(Some(Role::Owner), "owner.") {
        Ok(owner) => Some(owner),
        Err(owner_fields) => {
            fields.extend(owner_fields);
            None
        }
    };
    let owner = match owner {
        Some(owner) if fields.is_empty() => owner,
        _ => return Err(ApiError::Validation(fields)),
    };
    let new = new_user(owner).await?;

    let admin = AdminCapability::grant("signup", "create a tenant and its owner")?;
    let (tenant, mut tx) = state.db.create_and_begin(&admin, name, subdomain).await?;
    let scope = tx.scope().clone();
    let user = User::scoped(&mut tx).insert(new).await?;
    tx.commit().await?;
    // A request to the subdomain before it existed left a "no such tenant" in the cache.
    state.tenants.invalidate(&tenant.subdomain);
    let token = state.keys.issue(&scope, user.id.to_string(), Role::Owner)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "tenant": tenant, "user": user, "token": token })),
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/tenants",
    operation_id = "listTenants",
    tag = "platform",
    summary = "Every tenant (operator only)",
    description = "Every tenant in one page: `next_cursor` is always null.",
    responses(
        (status = 200, description = "Every tenant", body = super::page::Page<super::openapi::Tenant>),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 404, description = "`not_found`: no operator token is configured", body = super::error::ErrorBody),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("operatorToken" = [])),
)]
async fn list(_: Operator, State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let admin = AdminCapability::grant("operator", "list tenants in the operator console")?;
    let tenants: Vec<Tenant> = state.db.list(&admin).await?;
    Ok(Json(json!({ "items": tenants, "next_cursor": null })))
}

/// Suspend or resume.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct SetActive {
    /// `false` suspends the tenant, `true` resumes it.
    #[schema(value_type = bool)]
    is_active: Option<bool>,
}

/// Suspends or resumes a tenant. The tenant layer's cache forgets it, and with Redis every
/// other process's cache has forgotten it before the answer, so the change holds from the next
/// request on, on every process.
#[utoipa::path(
    patch,
    path = "/api/v1/admin/tenants/{id}",
    operation_id = "setTenantActive",
    tag = "platform",
    summary = "Suspend or resume a tenant (operator only)",
    params(("id" = Uuid, Path, description = "The tenant's id")),
    request_body = SetActive,
    responses(
        (status = 200, description = "The tenant as changed", body = super::openapi::Tenant),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 404, description = "`not_found`: no such tenant, or no operator token is configured", body = super::error::ErrorBody),
        (status = 413, response = super::openapi::PayloadTooLarge),
        (status = 422, response = super::openapi::ValidationFailed),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("operatorToken" = [])),
)]
async fn set_active(
    _: Operator,
    State(state): State<AppState>,
    IdPath(id): IdPath<Uuid>,
    JsonBody(input): JsonBody<SetActive>,
) -> Result<Json<Tenant>, ApiError> {
    let active = input
        .is_active
        .ok_or_else(|| ApiError::invalid("is_active", "must be true or false"))?;
    let id = TenantId::from_uuid(id);
    let admin = AdminCapability::grant(
        "operator",
        if active {
            "resume a tenant"
        } else {
            "suspend a tenant"
        },
    )?;
    if state.db.get(id).await?.is_none() {
        return Err(ApiError::NotFound);
    }
    let tenant = state.db.set_active(&admin, id, active).await?;
    state.tenants.invalidate_id(tenant.id);
    state.tenants.invalidate(&tenant.subdomain);
    if let Some(broadcast) = &state.broadcast {
        // The change has committed; the answer waits until every other process has forgotten
        // the tenant. Without Redis they forget it within `FALLBACK_TTL` by themselves.
        if let Err(err) = broadcast.publish(tenant.id).await {
            tracing::warn!(error = %err, "could not tell the other processes of a tenant change");
        }
    }
    Ok(Json(tenant))
}
