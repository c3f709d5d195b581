//! Making your own type count as a scope.
//!
//! Queries take `&impl AsTenantScope`; if any type could implement it, any type could pretend
//! to be a verified scope. The trait is sealed: only `TenantScope` implements it. Hold a
//! `TenantScope` in your type and pass that (`Task::scoped(&ctx.scope)`).

use taskflow_tenancy::{AsTenantScope, TenantId, TenantScope};

pub struct MyScope {
    pub tenant_id: TenantId,
}

impl AsTenantScope for MyScope {
    fn as_tenant_scope(&self) -> &TenantScope {
        unimplemented!()
    }
}

fn main() {}
