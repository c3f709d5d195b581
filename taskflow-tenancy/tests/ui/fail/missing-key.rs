//! A model with no key.
//!
//! The primary key is `(tenant_id, key)`: `get`, `update_by_key`, `delete_by_key` and the
//! references of other models use the key. Add a field `id`, or name the key column with
//! `#[tenant_scoped(key = field)]`.

use taskflow_tenancy::{TenantId, tenant_scoped};

#[tenant_scoped(table = "settings")]
pub struct Setting {
    pub tenant_id: TenantId,
    pub name: String,
    pub value: String,
}

fn main() {}
