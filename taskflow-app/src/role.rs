//! What a user may do in their tenant: TaskFlow's roles.
//!
//! A role is stored in `users.role` and carried in the `role` claim of a token, both spelled
//! as [`Role::as_str`] does. `taskflow-tenancy` signs the claim but gives it no meaning; the app
//! parses it here, and refuses a token whose role is none of these (see
//! `http::extractor::CurrentUser`).
//!
//! ```
//! use taskflow_app::role::Role;
//!
//! let role: Role = "admin".parse()?;
//! assert!(role.can_manage_users());
//! assert_eq!(role.to_string(), "admin");
//! assert!("root".parse::<Role>().is_err());
//! # Ok::<(), taskflow_app::role::UnknownRole>(())
//! ```

use std::fmt;
use std::str::FromStr;

/// What a user may do in their tenant.
///
/// ```
/// use taskflow_app::role::Role;
///
/// assert_eq!("owner".parse::<Role>(), Ok(Role::Owner));
/// assert_eq!(Role::Member.to_string(), "member");
/// assert!(Role::Admin.can_manage_users() && !Role::Member.can_manage_users());
/// assert_eq!(serde_json::to_string(&Role::Admin).unwrap(), "\"admin\"");
/// assert_eq!(serde_json::from_str::<Role>("\"member\"").unwrap(), Role::Member);
/// // Spelled exactly: no other case, no other name.
/// assert!(serde_json::from_str::<Role>("\"Owner\"").is_err());
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Owns the tenant: everything an admin does, and managing other owners.
    Owner,
    /// Manages users besides doing a member's work.
    Admin,
    /// Reads and writes the tenant's data.
    Member,
}

impl Role {
    /// Every role, from the most to the least powerful.
    ///
    /// ```
    /// use taskflow_app::role::Role;
    ///
    /// for role in Role::ALL {
    ///     assert_eq!(role.as_str().parse::<Role>(), Ok(role));
    /// }
    /// ```
    pub const ALL: [Role; 3] = [Role::Owner, Role::Admin, Role::Member];

    /// The role as it is spelled in the database, in tokens and in JSON.
    ///
    /// ```
    /// assert_eq!(taskflow_app::role::Role::Owner.as_str(), "owner");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    /// Whether the role may create, change and remove users (owners and admins).
    ///
    /// ```
    /// use taskflow_app::role::Role;
    ///
    /// assert!(Role::Owner.can_manage_users());
    /// assert!(Role::Admin.can_manage_users());
    /// assert!(!Role::Member.can_manage_users());
    /// ```
    pub const fn can_manage_users(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }

    /// Whether this role may delete a whole project with its tasks, comments and reports.
    ///
    /// ```
    /// use taskflow_app::role::Role;
    ///
    /// assert!(Role::Owner.can_delete_projects());
    /// assert!(Role::Admin.can_delete_projects());
    /// assert!(!Role::Member.can_delete_projects());
    /// ```
    pub const fn can_delete_projects(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "owner" => Ok(Role::Owner),
            "admin" => Ok(Role::Admin),
            "member" => Ok(Role::Member),
            _ => Err(UnknownRole(s.to_owned())),
        }
    }
}

/// The role as a token's `role` claim carries it, so that
/// [`JwtKeys::issue`](taskflow_tenancy::web::jwt::JwtKeys::issue) takes a [`Role`].
///
/// ```
/// use taskflow_app::role::Role;
///
/// assert_eq!(String::from(Role::Admin), "admin");
/// ```
impl From<Role> for String {
    fn from(role: Role) -> Self {
        role.as_str().to_owned()
    }
}

/// A string that names none of the [`Role`]s, as it was given.
///
/// ```
/// use taskflow_app::role::{Role, UnknownRole};
///
/// let err = "root".parse::<Role>().unwrap_err();
/// assert_eq!(err, UnknownRole("root".to_owned()));
/// assert_eq!(err.to_string(), "unknown role \"root\" (must be owner, admin or member)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?} (must be owner, admin or member)")]
pub struct UnknownRole(pub String);
