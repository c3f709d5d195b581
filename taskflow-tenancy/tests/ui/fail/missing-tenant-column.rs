//! `#[tenant_scoped]` on a struct with no tenant column.
//!
//! Every row of a tenant-scoped table is tagged with its tenant, and the primary key, uniques and
//! foreign keys all lead with that column. Add a field `tenant_id: TenantId` (or name another
//! `TenantId` field with `#[tenant_scoped(tenant = field)]`).

use taskflow_tenancy::tenant_scoped;

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub id: i64,
    pub title: String,
}

fn main() {}
