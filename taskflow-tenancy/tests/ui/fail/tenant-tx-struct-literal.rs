//! Building a tenant transaction with a struct literal.
//!
//! A `TenantTx` pairs one connection with the scope it was entered for, and the builders trust
//! that pairing: the tenant they bind is the scope's, the connection they run on is the one
//! entered for it. A literal could pair them otherwise, here by taking the connection of a
//! transaction entered for one tenant (on PostgreSQL, with that tenant's row-level security
//! setting, and its uncommitted writes) and labelling it with another tenant's scope. Its
//! fields are private; only the `TenantDb` makes one (`begin`, `begin_read`,
//! `create_and_begin`), each on a connection of its own:
//! `let mut other_tx = db.begin(&other).await?;`.

use taskflow_tenancy::{TenantScope, TenantTx};

fn relabel(tx: TenantTx<sqlx::Sqlite>, other: TenantScope) -> TenantTx<sqlx::Sqlite> {
    TenantTx { scope: other, ..tx }
}

fn main() {
    let _ = relabel;
}
