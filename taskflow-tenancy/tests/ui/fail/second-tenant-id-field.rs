//! A second field of type `TenantId`.
//!
//! Only the tenant column is bound from the transaction; a second `TenantId` column would be
//! written from the caller's data (`NewTask { other_tenant, .. }`), a tenant id that no scope
//! vouched for, stored with a type that says "tenant" to every reader. A model has one tenant
//! column. Rows that point at another tenant belong to a cross-tenant table of the operator's,
//! not to a tenant-scoped model; for a plain UUID of something else, use `Uuid`.

use taskflow_tenancy::{TenantId, tenant_scoped};

#[tenant_scoped(table = "shares")]
pub struct Share {
    pub tenant_id: TenantId,
    pub id: i64,
    pub shared_with: TenantId,
}

fn main() {}
