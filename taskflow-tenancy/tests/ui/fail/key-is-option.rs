//! An optional key.
//!
//! Every row needs a key: it is half of the primary key `(tenant_id, id)`, and SQL primary keys
//! are `NOT NULL`. Make the key a plain type (`id: Uuid`, `id: i64`).

use taskflow_tenancy::{TenantId, tenant_scoped};

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: Option<i64>,
    pub title: String,
}

fn main() {}
