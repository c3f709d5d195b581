//! The tenant column inside `unique(..)`.
//!
//! Uniqueness is always per tenant: `unique(name)` is enforced as `UNIQUE (tenant_id, name)`.
//! Listing the tenant suggests the other uniques are global, and a global unique would leak
//! whether another tenant already uses a name. Write `unique(name)`.

use taskflow_tenancy::{TenantId, tenant_scoped};

#[tenant_scoped(table = "projects", unique(tenant_id, name))]
pub struct Project {
    pub tenant_id: TenantId,
    pub id: i64,
    pub name: String,
}

fn main() {}
