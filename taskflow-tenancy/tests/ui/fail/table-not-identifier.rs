//! A table name that is not a plain SQL identifier.
//!
//! The table name is written into every generated statement; quoting is per backend, so only
//! letters, digits and `_` are accepted. Name the table plainly (`table = "tasks"`) and keep
//! schema qualification in the connection's search path or database.

use taskflow_tenancy::{TenantId, tenant_scoped};

#[tenant_scoped(table = "tasks; DROP TABLE tenants")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
}

fn main() {}
