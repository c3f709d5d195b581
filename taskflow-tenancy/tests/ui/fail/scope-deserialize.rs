//! A scope inside a deserialized message (a job payload, a cookie, a request body).
//!
//! Whatever was serialized, deserializing it proves nothing about the tenant now: it may be
//! suspended, or the bytes may be forged. `TenantScope` is therefore not `Deserialize`. Carry
//! the `TenantId` (which is) and turn it back into a scope where the work runs:
//! `let scope = store.scope(job.tenant_id).await?;`.

use taskflow_tenancy::TenantScope;

#[derive(serde::Deserialize)]
pub struct ReportJob {
    pub scope: TenantScope,
    pub report: String,
}

fn main() {}
