//! A model with a reference to another tenant-scoped model, per-tenant uniques, a named tenant
//! and key, and optional columns: everything the attribute accepts.

use chrono::{DateTime, Utc};
use taskflow_tenancy::{Kind, TenantId, TenantModel, tenant_scoped};
use uuid::Uuid;

#[tenant_scoped(table = "projects", unique(name))]
#[derive(Debug, Clone)]
pub struct Project {
    pub tenant_id: TenantId,
    pub id: Uuid,
    pub name: String,
}

#[tenant_scoped(table = "tasks", key = task_id, tenant = org_id, unique(project_id, title), unique(slug))]
#[derive(Debug, Clone)]
pub struct Task {
    pub org_id: TenantId,
    pub task_id: i64,
    #[tenant_scoped(references = Project)]
    pub project_id: Uuid,
    pub title: String,
    pub slug: String,
    pub assignee: Option<String>,
    pub due: Option<DateTime<Utc>>,
}

fn main() {
    let info = Task::INFO;
    assert_eq!(info.table, "tasks");
    assert_eq!(info.tenant_column, "org_id");
    assert_eq!(info.key_column, "task_id");
    assert_eq!(info.unique, &[&["project_id", "title"][..], &["slug"][..]]);
    assert_eq!(info.references.len(), 1);
    assert_eq!(info.references[0].column, "project_id");
    assert_eq!(info.references[0].table, "projects");
    assert_eq!(info.references[0].key_column, "id");
    assert!(info.column("org_id").is_none());
    assert_eq!(
        info.column("due").map(|c| (c.kind, c.nullable)),
        Some((Kind::DateTime, true))
    );

    // The new row has every column but the tenant; the patch has neither tenant nor key.
    let _new = NewTask {
        task_id: 1,
        project_id: Uuid::nil(),
        title: "write the report".into(),
        slug: "report".into(),
        assignee: None,
        due: None,
    };
    let _patch = TaskPatch {
        title: Some("rewrite the report".into()),
        assignee: Some(None),
        ..Default::default()
    };
}
