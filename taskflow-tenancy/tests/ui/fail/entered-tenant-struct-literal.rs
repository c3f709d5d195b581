//! Pairing an admin transaction's connection with a tenant id by hand, as an `EnteredTenant`.
//!
//! An `EnteredTenant` is what `AdminTx::enter` returns once it has checked the scope, logged the
//! entry at the audit target and (on PostgreSQL) moved the row-level security entry to that
//! tenant; the builders run on it. A literal would skip all three and bind any id the caller
//! holds, here by relabelling the tenant an admin transaction entered with another one (the
//! connection inside is the crate's own type, which nothing outside it can make). Its fields are
//! private: begin an audited `db.begin_admin(&admin).await?` and call
//! `admin_tx.enter(&scope).await?`.

use taskflow_tenancy::{EnteredTenant, TenantId};

fn relabel(entered: EnteredTenant<'_, sqlx::Sqlite>, other: TenantId) -> EnteredTenant<'_, sqlx::Sqlite> {
    EnteredTenant {
        tenant: other,
        ..entered
    }
}

fn main() {
    let _ = relabel;
}
