//! A scope inside a deserialized message (a job payload, a cookie, a request body).
//!
//! Whatever was serialized, deserializing it proves nothing about the tenant now: it may be
//! suspended, the bytes may be forged, and nothing in them says which database vouched for the
//! tenant. `TenantScope` is therefore not `Deserialize`. Carry the `TenantId` (which is) and
//! turn it back into a scope where the work runs: `let scope = db.scope(job.tenant_id).await?;`
//! (the job runner does this for `jobs::enqueue`d jobs).

use taskflow_tenancy::TenantScope;

#[derive(serde::Deserialize)]
pub struct ReportJob {
    pub scope: TenantScope,
    pub report: String,
}

fn main() {}
