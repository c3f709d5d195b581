//! Crossing tenants on purpose: an audited `AdminCapability`, granted by name with a reason,
//! opens `all_tenants`, which reads every tenant's rows or one chosen tenant's.

use taskflow_tenancy::{AdminCapability, TenantId, tenant_scoped};

#[tenant_scoped(table = "tasks")]
pub struct Task {
    pub tenant_id: TenantId,
    pub id: i64,
    pub title: String,
}

fn main() -> taskflow_tenancy::Result<()> {
    let admin = AdminCapability::grant("operator-console", "support ticket 4711")?;

    let everyone = Task::all_tenants(&admin).to_sql::<sqlx::Sqlite>();
    assert!(!everyone.contains("WHERE"), "{everyone}");

    let one = Task::all_tenants(&admin)
        .tenant(TenantId::new_v7())
        .filter(Task::TITLE.eq("audit".to_string()))
        .to_sql::<sqlx::Sqlite>();
    assert!(one.contains("WHERE \"tenant_id\" = ?"), "{one}");
    Ok(())
}
