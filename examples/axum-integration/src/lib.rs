//! A small multi-tenant notes service: projects and their notes, one SQLite database shared by
//! every tenant, the tenant named by the request's host, users authenticated by JWT.
//!
//! What keeps tenants apart, from the outside in:
//! 1. [`TenantLayer`] resolves `acme.localhost` to Acme (unknown hosts answer 404, suspended
//!    tenants 403) and puts Acme's [`TenantScope`] in the request;
//! 2. [`TenantLimitLayer`] gives each tenant its own request budget;
//! 3. [`AuthClaims`] accepts a token only if it was issued for that same tenant;
//! 4. [`TenantTxLayer`] gives the request one transaction of that tenant's, which handlers take
//!    with the [`RequestTx`] extractor (committed when the answer is a success, rolled back
//!    otherwise); every query starts from `Model::scoped(&mut *tx)` on it, so it binds the
//!    tenant: another tenant's id is simply not found;
//! 5. the schema's composite keys refuse a note that points at another tenant's project.
//!
//! [`app`] builds the router; `main.rs` only opens the database and serves it.
//!
//! [`RequestTx`]: taskflow_tenancy::web::axum::RequestTx

mod error;
mod notes;
mod projects;

use std::path::Path;

use axum::extract::FromRef;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use taskflow_tenancy::web::axum::{AuthClaims, TenantTxLayer};
use taskflow_tenancy::web::jwt::JwtKeys;
use taskflow_tenancy::web::layer::TenantLayer;
use taskflow_tenancy::web::limit::{TenantLimitLayer, TenantLimits};
use taskflow_tenancy::web::resolve::{SubdomainResolver, TenantCache};
use taskflow_tenancy::{AdminCapability, Error, TenantDb, TenantScope};

pub use error::ApiError;
pub use notes::{NewNote, Note};
pub use projects::{NewProject, Project};

/// The database's handle: the tenants it knows, and the tenant transactions of the requests.
pub type Db = TenantDb<sqlx::Sqlite>;

/// What the handlers share. `AuthClaims` finds the keys here through `FromRef`.
#[derive(Debug, Clone, FromRef)]
pub struct AppState {
    /// The handle of the one database every tenant's queries run on.
    pub db: Db,
    /// The keys that verify (and, at login, issue) tokens.
    pub keys: JwtKeys,
}

/// The whole HTTP API: `/healthz` for the platform, and the tenant routes under `/api/v1`
/// behind the tenant layer, the per-tenant limits and the request transaction.
pub fn app(state: AppState, resolver: SubdomainResolver, limits: TenantLimits) -> Router {
    let tenants = TenantCache::new(state.db.clone());
    let tenant_routes = Router::new()
        .route("/api/v1/me", get(me))
        .merge(projects::router())
        .merge(notes::router())
        // Layers added later wrap the earlier ones: the tenant layer runs first, then the
        // limits, which need the scope it puts in the request, then the transaction layer,
        // which the handlers' `RequestTx` opens for that scope on first use.
        .layer(TenantTxLayer::new(state.db.clone()))
        .layer(TenantLimitLayer::new(limits))
        .layer(TenantLayer::new(resolver, tenants));
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(tenant_routes)
        .with_state(state)
}

/// Who the token says the caller is, and which tenant the host named.
async fn me(AuthClaims(claims): AuthClaims, scope: TenantScope) -> Json<Value> {
    Json(json!({
        "user": { "id": claims.sub, "role": claims.role },
        "tenant": scope.tenant(),
    }))
}

/// The tables, with the conventions the library relies on: every key, unique and foreign key
/// leads with `tenant_id`, so a note can only point at a project of its own tenant.
pub const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS projects (
        tenant_id BLOB NOT NULL REFERENCES tenants (id),
        id BLOB NOT NULL,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (tenant_id, id),
        CONSTRAINT projects_name_key UNIQUE (tenant_id, name)
    )",
    "CREATE TABLE IF NOT EXISTS notes (
        tenant_id BLOB NOT NULL REFERENCES tenants (id),
        id BLOB NOT NULL,
        project_id BLOB NOT NULL,
        author TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id) ON DELETE CASCADE
    )",
    "CREATE INDEX IF NOT EXISTS notes_by_project ON notes (tenant_id, project_id, created_at)",
];

/// Opens (creating it if needed) the SQLite file at `path`, with foreign keys on: the
/// composite keys are only a wall if SQLite enforces them.
pub async fn connect(path: &Path) -> sqlx::Result<SqlitePool> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .foreign_keys(true);
    SqlitePoolOptions::new().connect_with(options).await
}

/// Creates the tenants table and the example's tables if they do not exist.
pub async fn migrate(db: &Db) -> taskflow_tenancy::Result<()> {
    db.migrate().await?;
    for statement in SCHEMA {
        sqlx::query(*statement).execute(db.pool()).await?;
    }
    Ok(())
}

/// The tenant with `subdomain`, created as `name` if it does not exist yet.
pub async fn ensure_tenant(
    db: &Db,
    admin: &AdminCapability,
    name: &str,
    subdomain: &str,
) -> taskflow_tenancy::Result<TenantScope> {
    match db.create(admin, name, subdomain).await {
        Ok(_) | Err(Error::SubdomainTaken) => db.scope_by_subdomain(subdomain).await,
        Err(other) => Err(other),
    }
}
