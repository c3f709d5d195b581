//! Reaching for the pool inside a job handler.
//!
//! A job runs for the tenant that enqueued it, looked up again when the job is claimed; its
//! handler's queries must run for that tenant and no other. `JobContext` gives a scope and the
//! tenant transactions of that scope, not the pool, on which nothing would say which tenant the
//! handler acts for. Open one: `let mut tx = ctx.begin().await?;` (or `ctx.begin_read()`).

use taskflow_tenancy::jobs::{JobContext, JobResult};

async fn report(ctx: JobContext<sqlx::Sqlite>) -> JobResult {
    let pool = ctx.pool();
    let _ = pool;
    Ok(None)
}

fn main() {
    let _ = report;
}
