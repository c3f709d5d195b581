//! A query builder on a scope, as the old API had it.
//!
//! A `TenantScope` proves which tenant, but it is not a connection: with the scope in one hand
//! and an executor in the other, a query could bind one tenant and run on a connection entered
//! for another, or on one that no transaction holds. Builders now take the tenant connection
//! itself, which carries both. Turn the scope into one on the handle that issued it (another
//! handle's `begin` refuses it with `Error::ForeignScope`):
//! `let mut tx = db.begin(&scope).await?; Task::scoped(&mut tx)`.

use taskflow_tenancy::{TenantId, TenantScope, tenant_scoped};

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
    pub title: String,
}

fn with_the_scope(mut scope: TenantScope) {
    let _shared = Task::scoped(&scope);
    let _exclusive = Task::scoped(&mut scope);
}

fn main() {}
