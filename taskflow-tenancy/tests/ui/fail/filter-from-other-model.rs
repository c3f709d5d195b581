//! A filter made for another model.
//!
//! Filters and orders are typed by their model, so a condition on `projects.name` cannot be
//! added to a query on `tasks` (where it would name a column the table may not have, or one
//! that means something else). Filter on the model's own columns: `Task::TITLE.eq(..)`.

use taskflow_tenancy::{TenantId, TenantTx, tenant_scoped};

#[tenant_scoped(table = "projects")]
pub struct Project {
    pub tenant_id: TenantId,
    pub id: i64,
    pub name: String,
}

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
    pub title: String,
}

fn tasks_named(tx: &mut TenantTx<sqlx::Sqlite>) {
    let _ = Task::scoped(tx).filter(Project::NAME.eq("Rocket".to_string()));
}

fn main() {}
