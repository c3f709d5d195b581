//! `#[tenant_scoped]` on an enum.
//!
//! A model is one table: a struct with one named field per column. An enum fits in a column
//! instead (implement `SqlValue` for it, stored as text) inside a tenant-scoped struct.

use taskflow_tenancy::tenant_scoped;

#[tenant_scoped(table = "statuses")]
pub enum Status {
    Todo,
    Done,
}

fn main() {}
