//! The rows, as taskflow-app's models read and show them: every column is read by name (as the
//! app's generated `FromRow` does), the tenant column included, and serialized without it.

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use sqlx::{ColumnIndex, Decode, FromRow, Row, Type};
use uuid::Uuid;

/// The current time as stored: microseconds, the finest MySQL's `DATETIME(6)` keeps, so that a
/// value reads back equal to what was written on every backend.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Implements `FromRow` for any backend's row by reading each field from the column of its
/// name, with the bounds the field types need (one impl for the three backends).
macro_rules! from_row {
    ($model:ident { $($field:ident: $ty:ty),* $(,)? }) => {
        impl<'r, R: Row> FromRow<'r, R> for $model
        where
            &'r str: ColumnIndex<R>,
            $($ty: Decode<'r, R::Database> + Type<R::Database>,)*
        {
            fn from_row(row: &'r R) -> sqlx::Result<Self> {
                Ok($model { $($field: row.try_get(stringify!($field))?,)* })
            }
        }
    };
}

/// A row of `tenants`.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Tenant {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) subdomain: String,
    pub(crate) is_active: bool,
    pub(crate) created_at: DateTime<Utc>,
}

from_row!(Tenant {
    id: Uuid,
    name: String,
    subdomain: String,
    is_active: bool,
    created_at: DateTime<Utc>,
});

/// A row of `users`; the password hash is never shown.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct User {
    #[serde(skip)]
    pub(crate) tenant_id: Uuid,
    pub(crate) id: Uuid,
    pub(crate) email: String,
    pub(crate) name: String,
    pub(crate) role: String,
    #[serde(skip)]
    pub(crate) password_hash: String,
    pub(crate) created_at: DateTime<Utc>,
}

from_row!(User {
    tenant_id: Uuid,
    id: Uuid,
    email: String,
    name: String,
    role: String,
    password_hash: String,
    created_at: DateTime<Utc>,
});

/// A row of `projects`.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Project {
    #[serde(skip)]
    pub(crate) tenant_id: Uuid,
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

from_row!(Project {
    tenant_id: Uuid,
    id: Uuid,
    name: String,
    description: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
});

/// A row of `tasks`.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Task {
    #[serde(skip)]
    pub(crate) tenant_id: Uuid,
    pub(crate) id: Uuid,
    pub(crate) project_id: Uuid,
    pub(crate) title: String,
    pub(crate) description: Option<String>,
    pub(crate) status: String,
    pub(crate) priority: String,
    pub(crate) assignee_id: Option<Uuid>,
    pub(crate) due_date: Option<NaiveDate>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

from_row!(Task {
    tenant_id: Uuid,
    id: Uuid,
    project_id: Uuid,
    title: String,
    description: Option<String>,
    status: String,
    priority: String,
    assignee_id: Option<Uuid>,
    due_date: Option<NaiveDate>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
});

/// A row of `comments`.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Comment {
    #[serde(skip)]
    pub(crate) tenant_id: Uuid,
    pub(crate) id: Uuid,
    pub(crate) task_id: Uuid,
    pub(crate) author_id: Option<Uuid>,
    pub(crate) body: String,
    pub(crate) created_at: DateTime<Utc>,
}

from_row!(Comment {
    tenant_id: Uuid,
    id: Uuid,
    task_id: Uuid,
    author_id: Option<Uuid>,
    body: String,
    created_at: DateTime<Utc>,
});

/// A row of `reports`: only read to find the jobs of a project that goes. Every column is
/// read, as the app's model reads them; only `job_id` is used.
#[derive(Debug, Clone)]
#[expect(
    dead_code,
    reason = "decoded as the app decodes the row; only job_id is used"
)]
pub(crate) struct Report {
    pub(crate) tenant_id: Uuid,
    pub(crate) id: Uuid,
    pub(crate) project_id: Uuid,
    pub(crate) job_id: Uuid,
    pub(crate) created_at: DateTime<Utc>,
}

from_row!(Report {
    tenant_id: Uuid,
    id: Uuid,
    project_id: Uuid,
    job_id: Uuid,
    created_at: DateTime<Utc>,
});

/// What the app's roles are: a user's `role` column and a token's `role` claim must be one.
pub(crate) const ROLES: [&str; 3] = ["owner", "admin", "member"];
