//! The tenant column as the key.
//!
//! The primary key is `(tenant, key)`: the key must tell one tenant's rows apart, and the tenant
//! column says nothing within a tenant. Name such a column (`key = id`); for data with one row
//! per tenant, give it an `id` anyway, or keep the data on the tenant itself.

use taskflow_tenancy::{TenantId, tenant_scoped};

#[tenant_scoped(table = "billing", key = tenant_id)]
pub struct Billing {
    pub tenant_id: TenantId,
    pub plan: String,
}

fn main() {}
