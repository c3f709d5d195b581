//! Switching the tenant of an open transaction.
//!
//! A `TenantTx` is entered for its tenant once, when it begins (on PostgreSQL, that is when the
//! row-level security tenant is set), and the builders read the tenant from it. Reassigning its
//! scope would make later statements bind the new tenant on a connection entered for the old
//! one, inside a transaction that already holds the old tenant's writes. The scope can be read
//! (`tx.scope()`, `tx.tenant_id()`) but not replaced: commit this transaction and begin another,
//! `let mut other_tx = db.begin(&other).await?;`.

use taskflow_tenancy::{TenantScope, TenantTx};

fn switch(tx: &mut TenantTx<sqlx::Sqlite>, other: &TenantScope) {
    tx.scope = other.clone();
}

fn main() {}
