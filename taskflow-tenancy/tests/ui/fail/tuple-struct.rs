//! `#[tenant_scoped]` on a tuple struct.
//!
//! Each field is a column and its name is the column name; tuple fields have none. Name the
//! fields: `struct Task { tenant_id: TenantId, id: i64 }`.

use taskflow_tenancy::{TenantId, tenant_scoped};

#[tenant_scoped(table = "tasks")]
pub struct Task(pub TenantId, pub i64);

fn main() {}
