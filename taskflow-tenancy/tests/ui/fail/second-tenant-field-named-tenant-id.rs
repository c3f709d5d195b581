//! A second tenant-like field: `tenant = org_id` with another field named `tenant_id`.
//!
//! The tenant column is the one the builders bind from the transaction; every other column is
//! written from the caller's data (`NewTask`, `TaskPatch`). A column called `tenant_id` that is
//! not the tenant column would be filled from user input, and read back by anyone (a raw query,
//! a report, a policy) who takes it for the row's tenant. A model has one tenant column: rename
//! the other field (`billed_tenant`), or make it the tenant with `tenant = tenant_id`.

use taskflow_tenancy::{TenantId, tenant_scoped};
use uuid::Uuid;

#[tenant_scoped(table = "tasks", tenant = org_id)]
pub struct Task {
    pub org_id: TenantId,
    pub id: i64,
    pub tenant_id: Uuid,
}

fn main() {}
