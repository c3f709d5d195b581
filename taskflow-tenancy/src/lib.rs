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
//! use taskflow_tenancy::{tenant_scoped, AdminCapability, TenantDb, TenantId};
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
//! // The handle of one database: its pool, its tenants table, its identity.
//! let db = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
//! db.migrate().await?;
//! sqlx::query(
//!     "CREATE TABLE projects (tenant_id BLOB NOT NULL REFERENCES tenants (id), \
//!      id BLOB NOT NULL, name TEXT NOT NULL, \
//!      PRIMARY KEY (tenant_id, id), UNIQUE (tenant_id, name))",
//! )
//! .execute(db.pool())
//! .await?;
//!
//! let admin = AdminCapability::grant("signup", "create two example tenants")?;
//! db.create(&admin, "Acme", "acme").await?;
//! db.create(&admin, "Globex", "globex").await?;
//!
//! // In a web handler the scope comes from the request's host, in a job from the job.
//! let acme = db.scope_by_subdomain("acme").await?;
//! let globex = db.scope_by_subdomain("globex").await?;
//!
//! // Queries run on a tenant transaction of the handle that issued the scope.
//! let id = Uuid::now_v7();
//! let mut tx = db.begin(&acme).await?;
//! Project::scoped(&mut tx).insert(NewProject { id, name: "Rocket".into() }).await?;
//! assert!(Project::scoped(&mut tx).get(id).await?.is_some());
//! tx.commit().await?;
//!
//! // The same key in another tenant's transaction finds nothing, and changes nothing.
//! let mut tx = db.begin(&globex).await?;
//! assert!(Project::scoped(&mut tx).get(id).await?.is_none());
//! assert!(!Project::scoped(&mut tx).delete_by_key(id).await?);
//! // Unique per tenant: Globex may have its own "Rocket".
//! Project::scoped(&mut tx).insert(NewProject { id: Uuid::now_v7(), name: "Rocket".into() }).await?;
//! tx.commit().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # What is guaranteed
//!
//! - **No scope, no query.** Every generated query starts from `Model::scoped(&mut tx)` on a
//!   [`TenantTx`], which only [`TenantDb::begin`] (and its kin) make, for a [`TenantScope`]; there
//!   is no generated method that reads or writes a tenant-scoped table on a pool, a bare
//!   connection or an sqlx transaction, except `Model::all_tenants(&admin)`, which needs an
//!   [`AdminCapability`] and logs each statement it runs. The compile-fail tests in
//!   `tests/ui/` show each attempt to get around this failing to compile.
//! - **One tenant per connection, from one source.** The builder takes its tenant from the
//!   transaction, so the `WHERE` clause and the connection cannot name different tenants; a
//!   transaction is entered for its tenant once, and cannot be switched or nested.
//! - **The tenant is always bound.** Every generated `SELECT`, `UPDATE` and `DELETE` has
//!   `tenant_id = <bound parameter>` as the first condition of its `WHERE`; every `INSERT` takes
//!   the tenant from the transaction. New-row types have no tenant field, patch types have
//!   neither the tenant nor the key, and the tenant column has no filter constant; at run time
//!   the builder refuses any assignment to the tenant or the key.
//! - **Scopes come from verified sources only, and belong to one database.** [`TenantDb::scope`]
//!   and friends (the tenant exists and is active), [`TenantDb::admin_scope`] (audited), the
//!   tower layer and the job runner. `TenantScope` has no public constructor, no public
//!   fields, and is neither `Default` nor `Deserialize`. It carries the [`DatabaseId`] of the
//!   handle that verified it, and another handle's `begin` refuses it with
//!   [`Error::ForeignScope`].
//! - **The schema agrees.** [`audit::audit_schema`] checks the live database: primary keys,
//!   uniques, foreign keys and indexes lead with the tenant column, and the columns match the
//!   model. With composite foreign keys a row cannot point into another tenant, even by raw SQL.
//! - **PostgreSQL defence in depth** (feature `postgres`): every [`TenantTx`] sets a
//!   transaction-local tenant, and [`postgres::rls_policy_ddl`] makes the database filter rows
//!   by it, so that raw SQL that forgets the tenant sees one tenant ([`postgres`] says exactly
//!   what that covers and what it does not).
//!
//! # What is not
//!
//! - Raw SQL ([`TenantTx::raw`], or anything on [`TenantDb::pool`]) is outside the guarantee:
//!   this crate cannot see it. On PostgreSQL with row-level security on and a non-owner role,
//!   such SQL sees the entered tenant's rows inside a tenant transaction and none outside one;
//!   on SQLite and MySQL it sees everything. Review it as you would `unsafe`.
//! - A hand-written [`TenantModel`] (instead of `#[tenant_scoped]`) voids the guarantee for
//!   that model; the builder checks what it can at run time.
//! - A `TenantScope` is proof of *which* tenant, not of *who*: authenticating users and
//!   checking roles is the application's work.
//! - A scope is a snapshot: a tenant suspended after its scope was issued is noticed by the
//!   next lookup, not by scopes already handed out.
//!
//! # Backends
//!
//! Features `sqlite` (default), `mysql` and `postgres` enable [`sqlx::Sqlite`],
//! [`sqlx::MySql`] and [`sqlx::Postgres`]. The same model code runs on each; the backend is
//! the one of the [`TenantTx`] a query runs on. With all three on, [`AnyTenantDb`] and
//! [`AnyTenantTx`] choose the backend at run time, from a URL say.

pub mod audit;
mod error;
#[cfg(feature = "jobs")]
pub mod jobs;
#[cfg(feature = "postgres")]
pub mod postgres;
mod query;
#[cfg(feature = "redis")]
pub mod redis;
mod scope;
#[cfg(feature = "testkit")]
pub mod testkit;
#[cfg(any(feature = "tower", feature = "jwt"))]
pub mod web;

pub use error::{Error, Result};
pub use query::backend::{Backend, Dialect};
pub use query::builder::{AllTenants, Scoped};
pub use query::model::{
    Column, ColumnInfo, Filter, ModelInfo, NewRow, Order, PatchRow, ReferenceInfo, TenantModel,
};
pub use query::search::{MYSQL_MIN_WORD, TextIndex};
pub use query::value::{Kind, Ordered, SqlValue, Textual, Value};
pub use scope::admin::{AUDIT_TARGET, AdminCapability, AsAdminCapability};
#[cfg(all(feature = "sqlite", feature = "mysql", feature = "postgres"))]
pub use scope::any::{AnyTenantDb, AnyTenantTx};
pub use scope::database::{RESERVED_SUBDOMAINS, TenantDb, validate_subdomain};
pub use scope::tenant::{DatabaseId, Tenant, TenantId, TenantScope};
pub use scope::tx::{AdminTx, EnteredTenant, FetchRows, TenantConn, TenantTx};

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
/// A second field that looks like a tenant (named `tenant_id` while the tenant is another
/// field, or of type [`TenantId`], `Option<TenantId>` and the like) is refused: it would be
/// written from user data. The macro sees the syntax only, so a type alias of `TenantId` is not
/// caught; do not store another tenant's id in a tenant-scoped row.
///
/// It generates, for `Task`:
/// - `Task::scoped(&mut tx)`, a [`Scoped`] query builder on a [`TenantTx`], and
///   `Task::all_tenants(&admin)`;
/// - one [`Column`] constant per column but the tenant (`Task::TITLE`, `Task::DONE`, ...);
/// - `NewTask`, every field but the tenant, for inserts;
/// - `TaskPatch`, an `Option` of every field but the tenant and the key, for updates;
/// - [`TenantModel`] and `sqlx::FromRow` implementations.
pub use taskflow_tenancy_macros::tenant_scoped;

#[doc(hidden)]
pub mod __private {
    pub use crate::query::builder::Statements;
    pub use sqlx;
}
