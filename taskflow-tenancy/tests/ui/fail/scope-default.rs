//! A default scope.
//!
//! There is no "default tenant" and no "empty scope that sees everything": `TenantScope` is
//! not `Default`. Each request or job gets the scope of its own verified tenant, issued by the
//! `TenantDb` whose transactions will accept it (`db.scope(id).await?`); cross-tenant work uses
//! an `AdminCapability`.

use taskflow_tenancy::TenantScope;

fn main() {
    let _scope = TenantScope::default();
}
