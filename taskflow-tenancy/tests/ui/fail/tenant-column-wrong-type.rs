//! A tenant column that is not a `TenantId`.
//!
//! A `Uuid` tenant column could be filled with any UUID (a task's, a user's), and an
//! `Option<TenantId>` would allow rows that belong to no tenant, which every tenant-scoped
//! query silently skips and no foreign key can reach. The column must be exactly `TenantId`.

use taskflow_tenancy::{TenantId, tenant_scoped};
use uuid::Uuid;

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: Uuid,
    pub id: i64,
}

#[tenant_scoped(table = "notes")]
pub struct Note {
    pub tenant_id: Option<TenantId>,
    pub id: i64,
}

fn main() {}
