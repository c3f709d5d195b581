//! An unknown `#[tenant_scoped(..)]` argument on a field.
//!
//! The only field argument is `references = Model`; anything else (here a misspelling) is
//! refused rather than ignored, since an ignored reference would drop a foreign key from what
//! the schema audit checks.

use taskflow_tenancy::{TenantId, tenant_scoped};

#[tenant_scoped(table = "projects")]
pub struct Project {
    pub tenant_id: TenantId,
    pub id: i64,
}

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
    #[tenant_scoped(refers_to = Project)]
    pub project_id: i64,
}

fn main() {}
