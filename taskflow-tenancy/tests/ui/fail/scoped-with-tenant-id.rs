//! A bare tenant id (or its UUID) where the tenant connection goes.
//!
//! A `TenantId` is plain data: it may come from a URL, a form or another tenant's row, and
//! holding one proves nothing; it is not a connection either. `Model::scoped` takes a tenant
//! connection (`&mut TenantTx`), which only a `TenantDb` opens, for a scope it verified (the
//! tenant exists and is active). Turn the id into a scope and the scope into a transaction,
//! `let mut tx = db.begin(&db.scope(id).await?).await?;`, or cross tenants on purpose with
//! `Model::all_tenants(&admin)`.

use taskflow_tenancy::{TenantId, tenant_scoped};
use uuid::Uuid;

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
    pub title: String,
}

fn list(mut tenant_id: TenantId, mut raw: Uuid) {
    let _by_id = Task::scoped(&mut tenant_id);
    let _by_uuid = Task::scoped(&mut raw);
}

fn main() {}
