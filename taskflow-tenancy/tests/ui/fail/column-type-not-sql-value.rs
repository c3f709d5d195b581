//! A column whose type cannot be bound to a query.
//!
//! Every column's type must implement `SqlValue`, which says which SQL type family it maps to
//! (for the audit and typed `NULL`s) and how to bind it. Use a supported type (`String`,
//! `i64`, `Uuid`, `DateTime<Utc>`, ...), or implement `SqlValue` (plus sqlx's `Type` and
//! `Decode`) for your own.

use taskflow_tenancy::{TenantId, tenant_scoped};

pub struct Money {
    pub cents: i64,
}

#[tenant_scoped(table = "invoices")]
pub struct Invoice {
    pub tenant_id: TenantId,
    pub id: i64,
    pub total: Money,
}

fn main() {}
