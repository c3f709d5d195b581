//! Moving a row to another tenant with an update.
//!
//! No generated method can change a row's tenant: the generated `TaskPatch` has an `Option` of
//! every column but the tenant and the key. To hand data to another tenant, insert it in that
//! tenant's transaction (`Task::scoped(&mut other_tx).insert(..)`) and delete it in this one's.

use taskflow_tenancy::{TenantId, tenant_scoped};

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
    pub title: String,
}

fn move_to(other: TenantId) -> TaskPatch {
    TaskPatch {
        tenant_id: Some(other),
        ..Default::default()
    }
}

fn main() {
    let _ = move_to(TenantId::new_v7());
}
