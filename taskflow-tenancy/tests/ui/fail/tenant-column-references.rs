//! A `references` attribute on the tenant column.
//!
//! The tenant column already references the tenants table, and it is the first half of every
//! composite foreign key; it cannot point at a model too. Put `references` on the column that
//! holds the other row's key (`project_id`).

use taskflow_tenancy::{TenantId, tenant_scoped};

#[tenant_scoped(table = "projects")]
pub struct Project {
    pub tenant_id: TenantId,
    pub id: i64,
}

#[tenant_scoped(table = "tasks")]
pub struct Task {
    #[tenant_scoped(references = Project)]
    pub tenant_id: TenantId,
    pub id: i64,
    pub project_id: i64,
}

fn main() {}
