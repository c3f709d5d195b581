//! A `LIKE` filter on a column that is not text.
//!
//! `like` exists only for text columns (`String`, `Option<String>`): on a number or a UUID it
//! would compare a string rendering that differs between databases. Compare with `eq`, `lt`,
//! `ge`, ... instead: `Task::POINTS.ge(8)`.

use taskflow_tenancy::{TenantId, tenant_scoped};

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
    pub points: i32,
}

fn main() {
    let _ = Task::POINTS.like("1%");
}
