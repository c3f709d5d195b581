//! A column constant built by hand from a name that is not a plain identifier.
//!
//! A column's name goes into the SQL of every filter and order made from it, and the builder
//! does not look at it again. The library does not stake the tenant condition next to it on
//! each backend's quoting of a name like `title" OR 1=1 --`: it accepts only plain identifiers
//! (ASCII letters, digits and `_`) wherever a name reaches SQL. `#[tenant_scoped]` refuses such
//! field names, and `Column::__new`, which its generated constants call, asserts a plain
//! identifier; in a `const`, as those are, the assert runs in const evaluation and the build
//! fails. Let the macro make the constants (`Task::TITLE`).

use taskflow_tenancy::{Column, TenantId, TenantTx, tenant_scoped};

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
    pub title: String,
}

const INJECTED: Column<Task, String> = Column::__new("title\" OR 1=1 --");

fn everyones(tx: &mut TenantTx<sqlx::Sqlite>) -> String {
    Task::scoped(tx)
        .filter(INJECTED.eq("x".to_string()))
        .to_sql()
}

fn main() {
    let _ = everyones;
}
