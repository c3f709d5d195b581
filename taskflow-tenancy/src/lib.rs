//! Row-level multi-tenancy for [sqlx] where the unscoped query cannot be written.
//!
//! One shared database, every row tagged with `tenant_id`. `#[tenant_scoped]` turns a struct
//! into a tenant-scoped model with a query builder that always binds the tenant, and the only
//! way to get at that builder is with a [`TenantScope`]: proof that the code acts for one
//! verified, active tenant.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> taskflow_tenancy::Result<()> {
//! use taskflow_tenancy::{tenant_scoped, AdminCapability, TenantId, TenantStore};
//! use uuid::Uuid;
//!
//! #[tenant_scoped(table = "projects", unique(name))]
//! #[derive(Debug, Clone)]
//! pub struct Project {
//!     pub tenant_id: TenantId,
//!     pub id: Uuid,
//!     pub name: String,
//! }
//!
//! let pool = sqlx::SqlitePool::connect("sqlite::memory:").await?;
//! let store = TenantStore::new(pool.clone());
//! store.migrate().await?;
//! sqlx::query(
//!     "CREATE TABLE projects (tenant_id BLOB NOT NULL REFERENCES tenants (id), \
//!      id BLOB NOT NULL, name TEXT NOT NULL, \
//!      PRIMARY KEY (tenant_id, id), UNIQUE (tenant_id, name))",
//! )
//! .execute(&pool)
//! .await?;
//!
//! let admin = AdminCapability::grant("signup", "create two example tenants")?;
//! store.create(&admin, "Acme", "acme").await?;
//! store.create(&admin, "Globex", "globex").await?;
//!
//! // In a web handler the scope comes from the request's host, in a job from the job.
//! let acme = store.scope_by_subdomain("acme").await?;
//! let globex = store.scope_by_subdomain("globex").await?;
//!
//! let id = Uuid::now_v7();
//! Project::scoped(&acme).insert(&pool, NewProject { id, name: "Rocket".into() }).await?;
//!
//! assert!(Project::scoped(&acme).get(&pool, id).await?.is_some());
//! // The same key on another tenant's scope finds nothing, and changes nothing.
//! assert!(Project::scoped(&globex).get(&pool, id).await?.is_none());
//! assert!(!Project::scoped(&globex).delete_by_key(&pool, id).await?);
//! // Unique per tenant: Globex may have its own "Rocket".
//! Project::scoped(&globex).insert(&pool, NewProject { id: Uuid::now_v7(), name: "Rocket".into() }).await?;
//! # Ok(())
//! # }
//! ```
//!
//! # What is guaranteed
//!
//! - **No scope, no query.** Every generated query starts from `Model::scoped(&scope)`; there is
//!   no generated method that reads or writes a tenant-scoped table without a [`TenantScope`],
//!   except `Model::all_tenants(&admin)`, which needs an audited [`AdminCapability`]. The
//!   compile-fail tests in `tests/ui/` show each attempt to get around this failing to compile.
//! - **The tenant is always bound.** Every generated `SELECT`, `UPDATE` and `DELETE` has
//!   `tenant_id = <bound parameter>` as the first condition of its `WHERE`; every `INSERT` takes
//!   the tenant from the scope. New-row types have no tenant field, patch types have neither the
//!   tenant nor the key, and the tenant column has no filter constant.
//! - **Scopes come from verified sources only**: [`TenantStore::scope`] and friends (the tenant
//!   exists and is active), [`TenantStore::admin_scope`] (audited). `TenantScope` has no public
//!   constructor, no public fields, and is neither `Default` nor `Deserialize`.
//! - **The schema agrees.** [`audit::audit_schema`] checks the live database: primary keys,
//!   uniques, foreign keys and indexes lead with the tenant column, and the columns match the
//!   model. With composite foreign keys a row cannot point into another tenant, even by raw SQL.
//! - **PostgreSQL defence in depth** (feature `postgres`): [`postgres::begin_scoped`] sets a
//!   transaction-local tenant, and [`postgres::rls_policy_ddl`] makes the database filter rows by
//!   it, so that even raw SQL inside such a transaction sees one tenant.
//!
//! # What is not
//!
//! - Raw sqlx on a bare pool (`sqlx::query("SELECT * FROM tasks")`) is outside the guarantee:
//!   this crate cannot see it. On PostgreSQL with row-level security on and a non-owner role,
//!   such a query outside a scoped transaction sees no rows at all; on SQLite and MySQL it sees
//!   everything. Keep raw SQL out of tenant tables, or review it as you would `unsafe`.
//! - A `TenantScope` is proof of *which* tenant, not of *who*: authenticating users and
//!   checking roles is the application's work.
//! - A scope is a snapshot: a tenant suspended after its scope was issued is noticed by the
//!   next lookup, not by scopes already handed out.
//!
//! # Backends
//!
//! Features `sqlite` (default), `mysql` and `postgres` enable [`sqlx::Sqlite`],
//! [`sqlx::MySql`] and [`sqlx::Postgres`]. The same model code runs on each; the backend is
//! inferred from the executor a query runs on.

mod admin;
pub mod audit;
#[cfg(feature = "axum")]
pub mod axum;
mod backend;
mod error;
#[cfg(feature = "jobs")]
pub mod jobs;
#[cfg(feature = "jwt")]
pub mod jwt;
#[cfg(feature = "tower")]
pub mod layer;
#[cfg(feature = "tower")]
pub mod limit;
mod model;
#[cfg(feature = "postgres")]
pub mod postgres;
mod query;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(feature = "tower")]
pub mod resolve;
mod store;
mod tenant;
#[cfg(feature = "testkit")]
pub mod testkit;
mod value;

pub use admin::{AUDIT_TARGET, AdminCapability, AsAdminCapability};
pub use backend::{Backend, Dialect};
pub use error::{Error, Result};
pub use model::{
    Column, ColumnInfo, Filter, ModelInfo, NewRow, Order, PatchRow, ReferenceInfo, TenantModel,
};
pub use query::{AllTenants, Scoped};
pub use store::{RESERVED_SUBDOMAINS, TenantStore, validate_subdomain};
pub use tenant::{AsTenantScope, Tenant, TenantId, TenantScope};
pub use value::{Kind, Ordered, SqlValue, Textual, Value};

/// Declares a tenant-scoped model and generates its query builder.
///
/// ```
/// use taskflow_tenancy::{tenant_scoped, TenantId};
/// use uuid::Uuid;
///
/// #[tenant_scoped(table = "projects", unique(name))]
/// pub struct Project { pub tenant_id: TenantId, pub id: Uuid, pub name: String }
///
/// #[tenant_scoped(table = "tasks", key = id, tenant = tenant_id)]
/// pub struct Task {
///     pub tenant_id: TenantId,
///     pub id: Uuid,
///     #[tenant_scoped(references = Project)]
///     pub project_id: Uuid,
///     pub title: String,
///     pub done: bool,
/// }
/// ```
///
/// Arguments on the struct:
/// - `table = "name"` (required): the table.
/// - `tenant = field`: the tenant column, of type [`TenantId`] (default: the field `tenant_id`).
/// - `key = field`: the key; the primary key is `(tenant, key)` (default: the field `id`).
/// - `unique(a, b, ...)`: columns unique per tenant, enforced as `UNIQUE (tenant_id, a, b)`;
///   repeat for several.
///
/// On a field: `#[tenant_scoped(references = OtherModel)]`, a reference to another tenant-scoped
/// model's key, enforced as a composite foreign key that includes the tenant.
///
/// It generates, for `Task`:
/// - `Task::scoped(&scope)`, a [`Scoped`] query builder, and `Task::all_tenants(&admin)`;
/// - one [`Column`] constant per column but the tenant (`Task::TITLE`, `Task::DONE`, ...);
/// - `NewTask`, every field but the tenant, for inserts;
/// - `TaskPatch`, an `Option` of every field but the tenant and the key, for updates;
/// - [`TenantModel`] and `sqlx::FromRow` implementations.
pub use taskflow_tenancy_macros::tenant_scoped;

#[doc(hidden)]
pub mod __private {
    pub use crate::query::Statements;
    pub use sqlx;
}
