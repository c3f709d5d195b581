//! A reference to a model that is not tenant-scoped.
//!
//! A reference is enforced as a composite foreign key that includes the tenant
//! (`(tenant_id, owner_id) REFERENCES users (tenant_id, id)`), so that a row cannot point into
//! another tenant. A table without a tenant column cannot be the target of such a key.
//! Declare the target with `#[tenant_scoped]` too, or drop `references` for global data.

use taskflow_tenancy::{TenantId, tenant_scoped};

pub struct User {
    pub id: i64,
    pub email: String,
}

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
    #[tenant_scoped(references = User)]
    pub owner_id: i64,
}

fn main() {}
