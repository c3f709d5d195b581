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

#[derive(Debug, Deserialize)]
struct Signup {
    name: Option<String>,
    subdomain: Option<String>,
    owner: Option<UserInput>,
}

/// Creates the tenant and its owner in one transaction, and signs the owner in.
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

async fn list(_: Operator, State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let admin = AdminCapability::grant("operator", "list tenants in the operator console")?;
    let tenants: Vec<Tenant> = state.db.list(&admin).await?;
    Ok(Json(json!({ "items": tenants, "next_cursor": null })))
}

#[derive(Debug, Deserialize)]
struct SetActive {
    is_active: Option<bool>,
}

/// Suspends or resumes a tenant. The tenant layer's cache forgets it, and with Redis every
/// other process's cache has forgotten it before the answer, so the change holds from the next
/// request on, on every process.
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
