//! Reading every tenant's rows with an ordinary scope.
//!
//! A scope proves which one tenant the code acts for; it is not permission to see the others.
//! `Model::all_tenants` takes an `AdminCapability`, asked for by name with a reason and audited:
//! `Task::all_tenants(&AdminCapability::grant("operator-console", "ticket 4711")?)`.
//! To stay within the tenant, open its transaction and query on that:
//! `let mut tx = db.begin(&scope).await?; Task::scoped(&mut tx)`.

use taskflow_tenancy::{TenantId, TenantScope, tenant_scoped};

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
    pub title: String,
}

fn everything(scope: &TenantScope) {
    let _all = Task::all_tenants(scope);
}

fn main() {}
