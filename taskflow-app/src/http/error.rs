//! The API's one error type, answering `{"error": {"code", "message", "fields"?}}`.

use std::collections::BTreeMap;

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Everything a handler can answer besides success. Each variant says its status and code.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 `bad_request`: malformed JSON, wrong content type, an unparsable id or query
    /// parameter.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 401 `unauthorized`: no valid credentials (the same answer whatever was wrong).
    #[error("unauthorized")]
    Unauthorized,
    /// 403 `forbidden`: authenticated, but the role does not allow it.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// 404 `not_found`: no such resource in this tenant.
    #[error("not found")]
    NotFound,
    /// 405 `method_not_allowed`: the path exists, the method does not.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 408 `request_timeout`: the body did not arrive within the server's body timeout.
    #[error("request timeout")]
    RequestTimeout,
    /// 409 `conflict`: a unique value is taken, or the change would break a rule of the data
    /// (the last owner).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// 412 `precondition_failed`: the `If-Match` names a version of the resource that is no
    /// longer the current one (someone else changed it); nothing changed.
    #[error("precondition failed")]
    PreconditionFailed,
    /// 413 `payload_too_large`: the body is over the limit.
    #[error("payload too large")]
    PayloadTooLarge,
    /// 422 `validation_failed`: well-formed input that breaks rules, field by field.
    #[error("validation failed: {0:?}")]
    Validation(BTreeMap<String, String>),
    /// 429 `rate_limited`: too many failed logins for the account or from the client; try
    /// again after `retry_after` seconds (sent as `Retry-After`).
    #[error("rate limited for {retry_after} s")]
    RateLimited {
        /// Seconds until the client may try again.
        retry_after: u64,
    },
    /// 503 `unavailable`: the database cannot be reached. Logged, never shown.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// 500 `internal_error`: anything else. Logged in full, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The body of every error answer: `{"error": {"code", "message", "fields"?}}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub(crate) struct ErrorBody {
    pub(crate) error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorDetail {
    /// What went wrong, for programs: `bad_request`, `unauthorized`, `forbidden`,
    /// `tenant_suspended`, `tenant_not_found`, `not_found`, `method_not_allowed`, `conflict`,
    /// `request_timeout`, `precondition_failed`, `payload_too_large`, `validation_failed`, `rate_limited`,
    /// `unavailable` or `internal_error`.
    #[schema(example = "validation_failed")]
    pub(crate) code: String,
    /// What went wrong, for people.
    pub(crate) message: String,
    /// On `validation_failed` only: each field that breaks a rule, mapped to the rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = json!({"name": "must be 1 to 120 characters long"}))]
    pub(crate) fields: Option<BTreeMap<String, String>>,
}

impl ApiError {
    /// A 422 with one field.
    pub(crate) fn invalid(field: &str, message: &str) -> ApiError {
        ApiError::Validation(BTreeMap::from([(field.to_owned(), message.to_owned())]))
    }

    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            ApiError::BadRequest(message) => {
                (StatusCode::BAD_REQUEST, "bad_request", message.clone())
            }
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "missing or invalid credentials".to_owned(),
            ),
            ApiError::Forbidden(message) => {
                (StatusCode::FORBIDDEN, "forbidden", (*message).to_owned())
            }
            ApiError::NotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                "no such resource".to_owned(),
            ),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this method is not allowed here".to_owned(),
            ),
            ApiError::RequestTimeout => (
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                "the request body did not arrive in time".to_owned(),
            ),
            ApiError::Conflict(message) => {
                (StatusCode::CONFLICT, "conflict", (*message).to_owned())
            }
            ApiError::PreconditionFailed => (
                StatusCode::PRECONDITION_FAILED,
                "precondition_failed",
                "someone else changed this since you read it".to_owned(),
            ),
            ApiError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is too large".to_owned(),
            ),
            ApiError::Validation(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "the request breaks a rule".to_owned(),
            ),
            ApiError::RateLimited { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many failed attempts, try again later".to_owned(),
            ),
            ApiError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the service is unavailable, try again later".to_owned(),
            ),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "something went wrong on our side".to_owned(),
            ),
        }
    }
}

/// What a failed unique constraint means to a client, found by the constraint's name (MySQL
/// and PostgreSQL report it) or by the table and column (SQLite names those instead).
fn conflict_message(constraint_or_message: &str) -> Option<&'static str> {
    let known = [
        (
            "users_email_key",
            "users.email",
            "a user with this email already exists",
        ),
        (
            "projects_name_key",
            "projects.name",
            "a project with this name already exists",
        ),
        (
            "tenants_subdomain_key",
            "tenants.subdomain",
            "this subdomain is already taken",
        ),
    ];
    known
        .iter()
        .find(|(name, columns, _)| {
            constraint_or_message.contains(name) || constraint_or_message.contains(columns)
        })
        .map(|(_, _, message)| *message)
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                let name = db.constraint().unwrap_or_else(|| db.message());
                match conflict_message(name) {
                    Some(message) => ApiError::Conflict(message),
                    None => ApiError::Internal(err.to_string()),
                }
            }
            sqlx::Error::Database(db) if connection_lost(db.code().as_deref()) => {
                ApiError::Unavailable(err.to_string())
            }
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => ApiError::Unavailable(err.to_string()),
            _ => ApiError::Internal(err.to_string()),
        }
    }
}

/// Whether a database error with SQLSTATE `code` says the server dropped or refused the
/// connection (it is shutting down, starting, or killed the session), not that the query
/// was wrong: class `08` (connection exception; MariaDB's "server shutdown in progress" is
/// `08S01`), PostgreSQL's `57P01`-`57P03` (administrator or crash shutdown, cannot connect
/// now) and MariaDB's `70100` (connection killed).
fn connection_lost(code: Option<&str>) -> bool {
    code.is_some_and(|code| {
        code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "70100")
    })
}

impl From<taskflow_tenancy::Error> for ApiError {
    fn from(err: taskflow_tenancy::Error) -> Self {
        match err {
            taskflow_tenancy::Error::Database(err) => err.into(),
            taskflow_tenancy::Error::SubdomainTaken => {
                ApiError::Conflict("this subdomain is already taken")
            }
            taskflow_tenancy::Error::InvalidTenant { field, message } => {
                ApiError::invalid(field, &message)
            }
            taskflow_tenancy::Error::TenantNotFound => ApiError::NotFound,
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<crate::password::PasswordError> for ApiError {
    fn from(err: crate::password::PasswordError) -> Self {
        ApiError::Internal(err.to_string())
    }
}

impl From<taskflow_tenancy::web::jwt::JwtError> for ApiError {
    fn from(err: taskflow_tenancy::web::jwt::JwtError) -> Self {
        ApiError::Internal(err.to_string())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else if caused_by::<tower_http::timeout::TimeoutError>(&rejection) {
            ApiError::RequestTimeout
        } else {
            ApiError::BadRequest(rejection.body_text())
        }
    }
}

impl From<axum::extract::rejection::BytesRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::BytesRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else if caused_by::<tower_http::timeout::TimeoutError>(&rejection) {
            ApiError::RequestTimeout
        } else {
            ApiError::BadRequest(rejection.body_text())
        }
    }
}

/// Whether `E` is anywhere in the chain of sources of `err`.
fn caused_by<E: std::error::Error + 'static>(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(err);
    while let Some(err) = cause {
        if err.is::<E>() {
            return true;
        }
        cause = err.source();
    }
    false
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::BadRequest(rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::BadRequest(rejection.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Internal(detail) => tracing::error!("request failed: {detail}"),
            ApiError::Unavailable(detail) => tracing::warn!("dependency unavailable: {detail}"),
            _ => {}
        }
        let (status, code, message) = self.parts();
        let retry_after = match &self {
            ApiError::RateLimited { retry_after } => Some(*retry_after),
            _ => None,
        };
        let fields = match self {
            ApiError::Validation(fields) => Some(fields),
            _ => None,
        };
        let error = ErrorDetail {
            code: code.to_owned(),
            message,
            fields,
        };
        let mut response = (status, axum::Json(ErrorBody { error })).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_violations_are_named_by_constraint_or_by_column() {
        assert_eq!(
            conflict_message("projects_name_key"),
            Some("a project with this name already exists")
        );
        assert_eq!(
            conflict_message("UNIQUE constraint failed: users.tenant_id, users.email"),
            Some("a user with this email already exists")
        );
        assert_eq!(conflict_message("something_else"), None);
    }

    #[tokio::test]
    async fn internal_errors_are_logged_not_shown() {
        let response = ApiError::Internal("password=hunter2".into()).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        let text = std::str::from_utf8(&body).unwrap();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains(r#""code":"internal_error""#), "{text}");
    }

    #[test]
    fn connection_errors_are_told_apart_from_query_errors() {
        for code in ["08S01", "08006", "57P01", "57P03", "70100"] {
            assert!(connection_lost(Some(code)), "{code}");
        }
        for code in ["23505", "42P01", "40001", "HY000"] {
            assert!(!connection_lost(Some(code)), "{code}");
        }
        assert!(!connection_lost(None));
    }

    /// The error a query gets when the server ends its session, as `ApiError` sees it.
    async fn killed_session_error<DB: sqlx::Database>(url: &str, kill: &'static str) -> ApiError
    where
        for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    {
        use sqlx::Connection;
        let mut conn = DB::Connection::connect(url)
            .await
            .expect("the test server answers");
        match sqlx::raw_sql(kill).execute(&mut conn).await {
            Ok(_) => panic!("a session that kills itself gets an error"),
            Err(err) => ApiError::from(err),
        }
    }

    #[tokio::test]
    #[cfg_attr(
        not(taskflow_test_postgres),
        ignore = "TASKFLOW_TEST_POSTGRES_URL was not set when the tests were built"
    )]
    async fn a_session_ended_by_postgres_is_unavailable() {
        let url = std::env::var("TASKFLOW_TEST_POSTGRES_URL").expect("the test server's URL");
        // SQLSTATE 57P01, as every session gets at a fast shutdown.
        let err = killed_session_error::<sqlx::Postgres>(
            &url,
            "SELECT pg_terminate_backend(pg_backend_pid())",
        )
        .await;
        assert!(matches!(err, ApiError::Unavailable(_)), "{err:?}");
    }

    #[tokio::test]
    #[cfg_attr(
        not(taskflow_test_mysql),
        ignore = "TASKFLOW_TEST_MYSQL_URL was not set when the tests were built"
    )]
    async fn a_session_killed_by_mariadb_is_unavailable() {
        let url = std::env::var("TASKFLOW_TEST_MYSQL_URL").expect("the test server's URL");
        let err = killed_session_error::<sqlx::MySql>(&url, "KILL CONNECTION_ID()").await;
        assert!(matches!(err, ApiError::Unavailable(_)), "{err:?}");
    }

    #[tokio::test]
    async fn validation_errors_list_their_fields() {
        let response = ApiError::invalid("name", "must not be empty").into_response();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["error"]["fields"]["name"], "must not be empty");
    }
}
