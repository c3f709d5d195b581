//! Platform routes for tenants: signup (`POST /api/v1/tenants`) and the operator's console
//! (`GET /api/v1/admin/tenants`, `PATCH /api/v1/admin/tenants/{id}`).

use std::collections::BTreeMap;
use std::future::Future;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::{Executor, FromRow};
use taskflow_tenancy::jwt::Role;
use taskflow_tenancy::{
    AdminCapability, Backend, Tenant, TenantId, TenantStore, validate_subdomain,
};
use uuid::Uuid;

use super::extractor::{IdPath, JsonBody, Operator};
use super::users::{UserInput, new_user};
use super::{ApiError, AppState};
use crate::db::EnterScope;
use crate::model::User;
use crate::with_pool;

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
    let (tenant, scope, user) = with_pool!(&state.db, pool => async {
        let store = TenantStore::new(pool.clone());
        let mut tx = pool.begin().await?;
        let tenant = store.create_in(&mut *tx, &admin, name, subdomain).await?;
        let scope = store.admin_scope_in(&mut *tx, &admin, tenant.id).await?;
        tx.enter_scope(&scope).await?;
        let user = User::scoped(&scope).insert(&mut *tx, new).await?;
        tx.commit().await?;
        Ok::<_, ApiError>((tenant, scope, user))
    }.await)?;
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
    let tenants: Vec<Tenant> =
        with_pool!(&state.db, pool => list_tenants(TenantStore::new(pool.clone()), admin).await)?;
    Ok(Json(json!({ "items": tenants, "next_cursor": null })))
}

#[derive(Debug, Deserialize)]
struct SetActive {
    is_active: Option<bool>,
}

/// Suspends or resumes a tenant. The tenant layer's cache forgets it, so the change holds from
/// the next request on.
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
    let tenant = with_pool!(&state.db, pool => set_tenant_active(TenantStore::new(pool.clone()), admin, id, active).await)?
        .ok_or(ApiError::NotFound)?;
    state.tenants.invalidate_id(tenant.id);
    state.tenants.invalidate(&tenant.subdomain);
    Ok(Json(tenant))
}

// The two functions below only wrap the store's `async fn`s. Written generic, with a declared
// `Send`, the compiler proves `Send` once for every backend; called on a concrete store inside
// a handler, it cannot (rust-lang/rust#100013) and the handler would not be a `Handler`.

#[allow(clippy::manual_async_fn)]
fn list_tenants<DB>(
    store: TenantStore<DB>,
    admin: AdminCapability,
) -> impl Future<Output = taskflow_tenancy::Result<Vec<Tenant>>> + Send
where
    DB: Backend,
    Tenant: for<'r> FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    async move { store.list(&admin).await }
}

/// The tenant after the change, or `None` when there is no such tenant.
#[allow(clippy::manual_async_fn)]
fn set_tenant_active<DB>(
    store: TenantStore<DB>,
    admin: AdminCapability,
    id: TenantId,
    active: bool,
) -> impl Future<Output = taskflow_tenancy::Result<Option<Tenant>>> + Send
where
    DB: Backend,
    Tenant: for<'r> FromRow<'r, DB::Row>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    async move {
        if store.get(id).await?.is_none() {
            return Ok(None);
        }
        store.set_active(&admin, id, active).await.map(Some)
    }
}
