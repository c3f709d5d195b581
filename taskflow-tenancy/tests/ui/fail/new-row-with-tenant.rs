//! Setting the tenant of a new row.
//!
//! An insert takes its tenant from the transaction, the tenant it was entered for, never from
//! user data, so that a request for one tenant cannot write a row into another. The generated
//! `NewTask` has every column but the tenant. Leave `tenant_id` out:
//! `Task::scoped(&mut tx).insert(NewTask { id, title }).await?`.

use taskflow_tenancy::{TenantId, tenant_scoped};

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
    pub title: String,
}

fn new_task(tenant_id: TenantId) -> NewTask {
    NewTask {
        tenant_id,
        id: 1,
        title: "write the report".into(),
    }
}

fn main() {
    let _ = new_task(TenantId::new_v7());
}
