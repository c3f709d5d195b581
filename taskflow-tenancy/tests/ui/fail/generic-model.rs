//! A generic model.
//!
//! A model maps to one table with fixed column types: the generated SQL, the schema audit and
//! the row-level-security DDL are written once per model. Declare one concrete struct per
//! table; put the varying part in a column type that implements `SqlValue`.

use taskflow_tenancy::{TenantId, tenant_scoped};

#[tenant_scoped(table = "settings")]
pub struct Setting<T> {
    pub tenant_id: TenantId,
    pub id: i64,
    pub value: T,
}

fn main() {}
