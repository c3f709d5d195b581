//! Enqueueing a job with a scope instead of a tenant connection.
//!
//! `jobs::enqueue` writes the job row in the caller's tenant transaction, so that the job
//! exists exactly when what it will read does (a rolled-back request enqueues nothing), and the
//! job's tenant is that transaction's. A scope is not a connection, by shared reference or by
//! `&mut`: the row would have to be written somewhere else, outside the transaction, for a
//! tenant no connection was entered for. Pass the tenant transaction:
//! `jobs::enqueue(&mut tx, "report", payload).await?`.

use taskflow_tenancy::TenantScope;
use taskflow_tenancy::jobs;

async fn start_report(mut scope: TenantScope) -> taskflow_tenancy::Result<uuid::Uuid> {
    jobs::enqueue(&scope, "report", serde_json::json!({ "project": 7 })).await?;
    jobs::enqueue(&mut scope, "report", serde_json::json!({ "project": 7 })).await
}

fn main() {
    let _ = start_report;
}
