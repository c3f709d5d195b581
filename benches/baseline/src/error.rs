//! The one error type, answering `{"error": {"code", "message", "fields"?}}` with the codes and
//! messages taskflow-app answers (its `http/error.rs`, and the tenant layer's and the token
//! extractor's own answers).

use std::collections::BTreeMap;

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Everything a handler can answer besides success. Each variant says its status and code.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    /// 400 `bad_request`: malformed JSON, wrong content type, an unparsable id or query
    /// parameter.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 401 `unauthorized`: no valid credentials (the same answer whatever was wrong).
    #[error("unauthorized")]
    Unauthorized,
    /// 401 `unauthorized` with `WWW-Authenticate: Bearer`: the bearer token was refused, for
    /// the reason given (as the app's token extractor answers).
    #[error("token refused: {0}")]
    TokenRefused(&'static str),
    /// 403 `forbidden`: authenticated, but the role does not allow it.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// 403 `tenant_suspended`: the host names a suspended tenant.
    #[error("tenant suspended")]
    TenantSuspended,
    /// 404 `tenant_not_found`: the host names no tenant.
    #[error("tenant not found")]
    TenantNotFound,
    /// 404 `not_found`: no such resource in this tenant.
    #[error("not found")]
    NotFound,
    /// 405 `method_not_allowed`: the path exists, the method does not.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 409 `conflict`: a unique value is taken.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// 413 `payload_too_large`: the body is over the limit.
    #[error("payload too large")]
    PayloadTooLarge,
    /// 422 `validation_failed`: well-formed input that breaks rules, field by field.
    #[error("validation failed: {0:?}")]
    Validation(BTreeMap<String, String>),
    /// 503 `unavailable`: the database cannot be reached. Logged, never shown.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// 500 `internal_error`: anything else. Logged in full, never shown.
    #[error("internal error: {0}")]
    Internal(String),
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
            ApiError::TokenRefused(why) => {
                (StatusCode::UNAUTHORIZED, "unauthorized", (*why).to_owned())
            }
            ApiError::Forbidden(message) => {
                (StatusCode::FORBIDDEN, "forbidden", (*message).to_owned())
            }
            ApiError::TenantSuspended => (
                StatusCode::FORBIDDEN,
                "tenant_suspended",
                "this tenant is suspended".to_owned(),
            ),
            ApiError::TenantNotFound => (
                StatusCode::NOT_FOUND,
                "tenant_not_found",
                "no tenant at this address".to_owned(),
            ),
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
            ApiError::Conflict(message) => {
                (StatusCode::CONFLICT, "conflict", (*message).to_owned())
            }
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

/// Whether `err` is the database refusing a row whose reference (a composite foreign key) points
/// at nothing in its tenant.
pub(crate) fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_foreign_key_violation())
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
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => ApiError::Unavailable(err.to_string()),
            _ => ApiError::Internal(err.to_string()),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::BadRequest(rejection.body_text())
        }
    }
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
        let mut error = json!({ "code": code, "message": message });
        if let ApiError::Validation(fields) = &self {
            error["fields"] = json!(fields);
        }
        let mut response = (status, axum::Json(json!({ "error": error }))).into_response();
        if matches!(self, ApiError::TokenRefused(_)) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
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
            conflict_message("tenants_subdomain_key"),
            Some("this subdomain is already taken")
        );
        assert_eq!(
            conflict_message("UNIQUE constraint failed: projects.tenant_id, projects.name"),
            Some("a project with this name already exists")
        );
        assert_eq!(conflict_message("something_else"), None);
    }

    #[test]
    fn refused_tokens_ask_for_a_bearer_token() {
        let response = ApiError::TokenRefused("token expired").into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        let response = ApiError::Unauthorized.into_response();
        assert!(response.headers().get("www-authenticate").is_none());
    }
}
