//! `tenant = field` naming a field the struct does not have.
//!
//! The macro must know which column holds the tenant to bind it in every statement. Name an
//! existing `TenantId` field (`tenant = org_id`), or call the field `tenant_id` and drop the
//! argument.

use taskflow_tenancy::{TenantId, tenant_scoped};

#[tenant_scoped(table = "tasks", tenant = organization_id)]
pub struct Task {
    pub org_id: TenantId,
    pub id: i64,
}

fn main() {}
