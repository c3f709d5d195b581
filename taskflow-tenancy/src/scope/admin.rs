//! The audited capability for crossing tenants on purpose.

use std::fmt;

use crate::error::{Error, Result};

/// The `tracing` target of every admin-capability event. Route it to your audit log.
///
/// ```
/// assert_eq!(taskflow_tenancy::AUDIT_TARGET, "taskflow_tenancy::audit");
/// ```
pub const AUDIT_TARGET: &str = "taskflow_tenancy::audit";

/// Permission to act across tenants: the operator console, tenant creation, suspension,
/// purge, migrations.
///
/// It is asked for by name, with a reason; the grant and every use are logged at the
/// [`AUDIT_TARGET`] `tracing` target with both. It is not `Clone`, `Default` or `Deserialize`:
/// each piece of cross-tenant work asks for its own.
///
/// ```
/// use taskflow_tenancy::{AdminCapability, Error};
///
/// let admin = AdminCapability::grant("operator-console", "support ticket 4711")?;
/// assert_eq!(admin.name(), "operator-console");
/// assert_eq!(admin.reason(), "support ticket 4711");
///
/// assert!(matches!(AdminCapability::grant("operator-console", "  "), Err(Error::MissingReason)));
/// # Ok::<(), Error>(())
/// ```
pub struct AdminCapability {
    name: &'static str,
    reason: String,
}

impl AdminCapability {
    /// Grants the capability `name` for `reason`, logging the grant. An empty reason is
    /// refused with [`Error::MissingReason`](Error::MissingReason).
    pub fn grant(name: &'static str, reason: impl Into<String>) -> Result<Self> {
        let reason = reason.into();
        if reason.trim().is_empty() || name.trim().is_empty() {
            return Err(Error::MissingReason);
        }
        tracing::warn!(target: AUDIT_TARGET, capability = name, reason = %reason, "admin capability granted");
        Ok(AdminCapability { name, reason })
    }

    /// The capability's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Why it was granted.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    pub(crate) fn record_use(&self, action: &str) {
        tracing::info!(
            target: AUDIT_TARGET,
            capability = self.name,
            reason = %self.reason,
            action,
            "admin capability used"
        );
    }
}

impl fmt::Debug for AdminCapability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminCapability")
            .field("name", &self.name)
            .field("reason", &self.reason)
            .finish()
    }
}

/// Something that is an [`AdminCapability`]; only `AdminCapability` itself is.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an `AdminCapability`: crossing tenants needs one",
    label = "expected `&AdminCapability` here",
    note = "ask for it by name with a reason: `AdminCapability::grant(\"operator-console\", \"why\")?`; every use is audited",
    note = "to act for one tenant, open its transaction with `db.begin(&scope)` and use `Model::scoped(&mut tx)` instead"
)]
pub trait AsAdminCapability: sealed::Sealed + Sync {
    /// The capability itself.
    fn as_admin_capability(&self) -> &AdminCapability;
}

impl AsAdminCapability for AdminCapability {
    fn as_admin_capability(&self) -> &AdminCapability {
        self
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::AdminCapability {}
}
