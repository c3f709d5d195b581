//! The one error type of the crate.

use crate::scope::tenant::TenantId;

/// Everything that can go wrong in `taskflow-tenancy`.
///
/// ```
/// use taskflow_tenancy::Error;
///
/// let err = Error::TenantNotFound;
/// assert_eq!(err.to_string(), "no such tenant");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The tenant does not exist (or the subdomain names none).
    #[error("no such tenant")]
    TenantNotFound,
    /// The tenant exists but is suspended; no scope is issued for it.
    #[error("tenant {0} is suspended")]
    TenantSuspended(TenantId),
    /// A scope was used with a [`TenantDb`](crate::TenantDb) other than the one that issued
    /// it: nothing ran. Scopes are proof for one database only.
    #[error("the scope was issued by another database handle")]
    ForeignScope,
    /// A subdomain or name given to the tenant store breaks its rules.
    #[error("invalid tenant {field}: {message}")]
    InvalidTenant {
        /// Which input was wrong (`subdomain`, `name`).
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// An admin capability was requested without a reason.
    #[error("an admin capability needs a non-empty reason")]
    MissingReason,
    /// A value given to a query could not be bound.
    #[error("cannot bind value for column `{column}`: {message}")]
    Bind {
        /// The column the value was for.
        column: &'static str,
        /// What the driver said.
        message: String,
    },
    /// A subdomain is already taken by another tenant.
    #[error("subdomain already taken")]
    SubdomainTaken,
    /// The query cannot run as built (the message says why and what to do instead).
    #[error("invalid query: {0}")]
    InvalidQuery(&'static str),
    /// A keyset cursor was made for another query, or is corrupt.
    #[error("invalid pagination cursor")]
    InvalidCursor,
    /// A setting given to this crate at startup is invalid (a base domain, a path prefix).
    #[error("invalid {setting}: {message}")]
    InvalidConfig {
        /// Which setting was wrong (`base_domain`, `path_prefix`).
        setting: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The database answered with an error.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// The job queue in front of the database (Redis) could not be reached or refused a
    /// command; the database holds every job, so no acknowledged job is lost.
    #[error("job queue: {0}")]
    Queue(String),
}

impl Error {
    /// The name of the unique constraint a write violated, if that is what failed.
    ///
    /// ```
    /// use taskflow_tenancy::Error;
    ///
    /// assert_eq!(Error::TenantNotFound.unique_violation(), None);
    /// ```
    pub fn unique_violation(&self) -> Option<&str> {
        match self {
            Error::Database(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                Some(db.constraint().unwrap_or(""))
            }
            _ => None,
        }
    }

    /// Whether this is a foreign-key violation (a reference into nothing, or into another tenant).
    ///
    /// ```
    /// use taskflow_tenancy::Error;
    ///
    /// assert!(!Error::TenantNotFound.is_foreign_key_violation());
    /// ```
    pub fn is_foreign_key_violation(&self) -> bool {
        matches!(self, Error::Database(sqlx::Error::Database(db)) if db.is_foreign_key_violation())
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
