//! Cloning the admin capability to keep it around.
//!
//! Each piece of cross-tenant work asks for its own capability with its own reason, so the audit
//! log says why each one happened; a cloned capability would spread one reason over unrelated
//! work. `AdminCapability` is not `Clone`: lend it (`&admin`), or grant another with its reason.

use taskflow_tenancy::AdminCapability;

fn main() -> taskflow_tenancy::Result<()> {
    let admin = AdminCapability::grant("console", "support ticket 4711")?;
    let _for_later = admin.clone();
    Ok(())
}
