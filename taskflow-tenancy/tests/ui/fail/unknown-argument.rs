//! An argument `#[tenant_scoped]` does not know.
//!
//! Misspelled or invented arguments are refused rather than ignored, since an ignored
//! `unique(..)` or `key = ..` would silently give a model with other guarantees than the reader
//! expects. The arguments are `table = "..."`, `tenant = field`, `key = field` and
//! `unique(field, ...)`.

use taskflow_tenancy::{TenantId, tenant_scoped};

#[tenant_scoped(table = "tasks", primary_key = id)]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
}

fn main() {}
