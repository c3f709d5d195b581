//! Asking for the admin capability without saying why.
//!
//! Crossing tenants is explicit and audited: every grant and every use is logged with the
//! capability's name and the reason it was asked for, so the reason is a required argument
//! (and an empty one is refused at run time with `Error::MissingReason`). Write
//! `AdminCapability::grant("console", "support ticket 4711")?`.

use taskflow_tenancy::AdminCapability;

fn main() {
    let _admin = AdminCapability::grant("console");
}
