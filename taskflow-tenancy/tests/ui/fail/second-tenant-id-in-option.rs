//! A second tenant id wrapped in an `Option` (or any generic type).
//!
//! Wrapping the id does not change what it is: `shared_with: Option<TenantId>` is still a
//! tenant id written from the caller's data (`NewShare { shared_with: Some(other), .. }`) that
//! no scope vouched for. The macro looks inside generic arguments and refuses it as it refuses
//! a bare second `TenantId`. (It sees syntax only: a type alias of `TenantId` would hide it, so
//! do not store another tenant's id in a tenant-scoped row at all.)

use taskflow_tenancy::{TenantId, tenant_scoped};

#[tenant_scoped(table = "shares")]
pub struct Share {
    pub tenant_id: TenantId,
    pub id: i64,
    pub shared_with: Option<TenantId>,
}

fn main() {}
