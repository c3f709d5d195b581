//! A model without a table name.
//!
//! The table is not guessed from the struct name (`Task` → `task`? `tasks`?), since the
//! generated SQL, the schema audit and the migrations must agree on it. Write
//! `#[tenant_scoped(table = "tasks")]`.

use taskflow_tenancy::{TenantId, tenant_scoped};

#[tenant_scoped]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
}

fn main() {}
