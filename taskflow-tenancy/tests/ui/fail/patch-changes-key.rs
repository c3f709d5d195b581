//! Changing a row's key with an update.
//!
//! The key is half of the primary key `(tenant_id, id)` and the target of the composite foreign
//! keys that point at the row, so a patch cannot change it: the generated `TaskPatch` has no key
//! field. Select the row by key instead (`Task::scoped(&mut tx).update_by_key(id, &patch)`), or
//! insert a new row under the new key and delete the old one.

use taskflow_tenancy::{TenantId, tenant_scoped};

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
    pub title: String,
}

fn renumber() -> TaskPatch {
    TaskPatch {
        id: Some(2),
        title: Some("renumbered".into()),
    }
}

fn main() {
    let _ = renumber();
}
