//! `unique(..)` naming a column the model does not have.
//!
//! The per-tenant uniques are checked against the live schema by the audit; one naming no
//! column would be a promise nothing keeps (a typo here must not pass silently). Name fields
//! of the struct: `unique(title)`.

use taskflow_tenancy::{TenantId, tenant_scoped};

#[tenant_scoped(table = "tasks", unique(name))]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
    pub title: String,
}

fn main() {}
