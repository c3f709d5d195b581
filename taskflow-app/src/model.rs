//! The tenant-scoped tables, as `#[tenant_scoped]` models. Every query on them starts from a
//! `TenantScope`, so it binds the tenant of the request.

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use taskflow_tenancy::{ModelInfo, TenantId, TenantModel, TextIndex, tenant_scoped};
use uuid::Uuid;

/// Every model, parents before children: the schema audit checks these.
///
/// ```
/// assert_eq!(taskflow_app::model::MODELS.len(), 10);
/// assert_eq!(taskflow_app::model::MODELS[0].table, "users");
/// ```
pub const MODELS: [ModelInfo; 10] = [
    User::INFO,
    Project::INFO,
    Task::INFO,
    Comment::INFO,
    Report::INFO,
    IdempotencyKey::INFO,
    RevokedToken::INFO,
    Invitation::INFO,
    PasswordReset::INFO,
    TaskEvent::INFO,
];

/// The current time as stored: microseconds, the finest MySQL's `DATETIME(6)` keeps, so that a
/// value reads back equal to what was written on every backend.
///
/// ```
/// use chrono::Timelike;
///
/// assert_eq!(taskflow_app::model::now().nanosecond() % 1_000, 0);
/// ```
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A user of one tenant.
#[tenant_scoped(table = "users", unique(email))]
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct User {
    /// The tenant: never shown, the host already says which it is.
    #[serde(skip)]
    pub tenant_id: TenantId,
    /// The user's id (the `sub` of their tokens).
    pub id: Uuid,
    /// Lowercase, unique in the tenant.
    pub email: String,
    /// Display name.
    pub name: String,
    /// `owner`, `admin` or `member`.
    #[schema(value_type = crate::role::Role)]
    pub role: String,
    /// The argon2id PHC string: never serialized.
    #[serde(skip)]
    pub password_hash: String,
    /// When the user was created.
    pub created_at: DateTime<Utc>,
    /// When the user last ended every session ("log out everywhere", a password change): a
    /// token issued at or before that second is refused. Never serialized.
    #[serde(skip)]
    pub sessions_ended_at: Option<DateTime<Utc>>,
}

/// A project; its name is unique in its tenant.
#[tenant_scoped(table = "projects", unique(name))]
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Project {
    /// The tenant: never shown.
    #[serde(skip)]
    pub tenant_id: TenantId,
    /// The project's id.
    pub id: Uuid,
    /// 1 to 120 characters, unique in the tenant.
    #[schema(min_length = 1, max_length = 120)]
    pub name: String,
    /// Free text, or null.
    #[schema(required)]
    pub description: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it went to the trash; null while it is live. Never serialized: the trash has its
    /// own view (`GET /api/v1/trash`).
    #[serde(skip)]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A task in a project of the same tenant.
#[tenant_scoped(table = "tasks")]
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Task {
    /// The tenant: never shown.
    #[serde(skip)]
    pub tenant_id: TenantId,
    /// The task's id.
    pub id: Uuid,
    /// The project: a composite foreign key, so a project of the same tenant.
    #[tenant_scoped(references = Project)]
    pub project_id: Uuid,
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// Free text, or null.
    #[schema(required)]
    pub description: Option<String>,
    /// `todo`, `in_progress` or `done`.
    #[schema(value_type = crate::http::openapi::TaskStatus)]
    pub status: String,
    /// `low`, `medium` or `high`.
    #[schema(value_type = crate::http::openapi::TaskPriority)]
    pub priority: String,
    /// A user of the same tenant, or null.
    #[tenant_scoped(references = User)]
    #[schema(required)]
    pub assignee_id: Option<Uuid>,
    /// The day it is due, or null.
    #[schema(required)]
    pub due_date: Option<NaiveDate>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Task {
    /// The full-text index on the title and the description (migrations `task_search`).
    pub const SEARCH: TextIndex<Task> =
        TextIndex::new(&[Task::TITLE.name(), Task::DESCRIPTION.name()], "tasks_fts");
}

/// A comment on a task of the same tenant.
#[tenant_scoped(table = "comments")]
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Comment {
    /// The tenant: never shown.
    #[serde(skip)]
    pub tenant_id: TenantId,
    /// The comment's id.
    pub id: Uuid,
    /// The task; deleting the task deletes its comments.
    #[tenant_scoped(references = Task)]
    pub task_id: Uuid,
    /// Who wrote it; null once that user is removed.
    #[tenant_scoped(references = User)]
    #[schema(required)]
    pub author_id: Option<Uuid>,
    /// 1 to 10,000 characters.
    #[schema(min_length = 1, max_length = 10000)]
    pub body: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

/// A report of a project's tasks. Its status, progress and CSV live in the background job
/// that computes it (`job_id`, a job of the same tenant).
#[tenant_scoped(table = "reports")]
#[derive(Debug, Clone)]
pub struct Report {
    /// The tenant.
    pub tenant_id: TenantId,
    /// The report's id.
    pub id: Uuid,
    /// The project; deleting the project deletes its reports.
    #[tenant_scoped(references = Project)]
    pub project_id: Uuid,
    /// The job that computes it.
    pub job_id: Uuid,
    /// When it was asked for.
    pub created_at: DateTime<Utc>,
}

/// A create sent with an `Idempotency-Key` header, and the answer it got: a retry with the same
/// key is answered with it instead of creating again (`crate::http` module `idempotency`).
#[tenant_scoped(table = "idempotency_keys")]
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    /// The tenant.
    pub tenant_id: TenantId,
    /// Derived from the user and the key (a UUID v5), so that a key is its user's own.
    pub id: Uuid,
    /// Who sent it; removing the user removes their keys.
    #[tenant_scoped(references = User)]
    pub user_id: Uuid,
    /// SHA-256 (hex) of the request's method, path and body: the same key with another
    /// request is refused.
    pub fingerprint: String,
    /// The answer's status; 0 while the create runs.
    pub status: i32,
    /// The answer's JSON body.
    pub body: String,
    /// When the key was first sent; it is forgotten a day later.
    pub created_at: DateTime<Utc>,
}

/// A token its user logged out with (`POST /api/v1/auth/logout`): refused from then on. Kept
/// until the token would have expired anyway; a logout deletes the tenant's expired ones.
#[tenant_scoped(table = "revoked_tokens")]
#[derive(Debug, Clone)]
pub struct RevokedToken {
    /// The tenant.
    pub tenant_id: TenantId,
    /// Derived from the token (a UUID v5 of it), so the token itself is not kept.
    pub id: Uuid,
    /// Whose token it was; removing the user removes the rows (their tokens die with them).
    #[tenant_scoped(references = User)]
    pub user_id: Uuid,
    /// When the token expires: after that it is refused for its age, and the row can go.
    pub expires_at: DateTime<Utc>,
}

/// An invitation to join the tenant by a one-time link (`POST /api/v1/invitations`), valid
/// seven days; accepting it makes the user and deletes it.
#[tenant_scoped(table = "invitations")]
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Invitation {
    /// The tenant: never shown.
    #[serde(skip)]
    pub tenant_id: TenantId,
    /// Derived from the link's token (a UUID v5 of it), so the token itself is not kept.
    pub id: Uuid,
    /// Whom it is for, lowercase: the new user's email.
    pub email: String,
    /// The role the new user gets: `admin` or `member`.
    #[schema(value_type = crate::role::Role)]
    pub role: String,
    /// Who invited; removing that user removes their pending invitations.
    #[tenant_scoped(references = User)]
    pub invited_by: Uuid,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

/// A one-time password reset (`POST /api/v1/auth/password-reset`), valid an hour.
#[tenant_scoped(table = "password_resets")]
#[derive(Debug, Clone)]
pub struct PasswordReset {
    /// The tenant.
    pub tenant_id: TenantId,
    /// Derived from the token (a UUID v5 of it), so the token itself is not kept.
    pub id: Uuid,
    /// Whose password it resets; removing the user removes it.
    #[tenant_scoped(references = User)]
    pub user_id: Uuid,
    /// When it was asked for.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// One entry of a task's history: who did what to it, when.
#[tenant_scoped(table = "task_events")]
#[derive(Debug, Clone)]
pub struct TaskEvent {
    /// The tenant.
    pub tenant_id: TenantId,
    /// The entry's id (time-ordered).
    pub id: Uuid,
    /// The task; deleting it deletes its history.
    #[tenant_scoped(references = Task)]
    pub task_id: Uuid,
    /// Who did it; null once that user is removed.
    #[tenant_scoped(references = User)]
    pub actor_id: Option<Uuid>,
    /// `created` or `updated`.
    pub kind: String,
    /// JSON: for `updated`, `{field: [before, after]}` of each changed field; for `created`,
    /// the task's fields.
    pub changes: String,
    /// When.
    pub created_at: DateTime<Utc>,
}
