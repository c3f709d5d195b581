//! Keyset pagination (or `lt`/`gt`) on a column without a useful order.
//!
//! `after(order, value, key)` pages by "rows strictly after this one", which needs a column whose
//! order means something; `bool` has two values, so a page boundary on it skips or repeats rows.
//! Paginate on a number, text, UUID, date or timestamp column, or on the key with `after_key(..)`.

use taskflow_tenancy::{TenantId, TenantTx, tenant_scoped};

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
    pub done: bool,
}

fn next_page(tx: &mut TenantTx<sqlx::Sqlite>) -> String {
    Task::scoped(tx)
        .after(Task::DONE.asc(), false, 42)
        .limit(20)
        .to_sql()
}

fn main() {
    let _ = next_page;
}
