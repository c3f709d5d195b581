//! The API's one error type, answering in the contract's JSON shape.

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Everything a handler can answer besides success.
#[derive(Debug)]
pub enum ApiError {
    /// 400 `bad_request`: a body that is not the expected JSON, an id that is not a UUID.
    BadRequest(String),
    /// 404 `not_found`: nothing with this id *in this tenant*.
    NotFound,
    /// 409 `conflict`: a value that must be unique in the tenant is taken.
    Conflict(&'static str),
    /// 422 `validation_failed`: well-formed input that breaks a rule.
    Invalid {
        /// The offending field.
        field: &'static str,
        /// What is wrong with it.
        message: &'static str,
    },
    /// 500 `internal_error`: logged in full, never shown to the client.
    Internal(taskflow_tenancy::Error),
}

impl From<taskflow_tenancy::Error> for ApiError {
    fn from(err: taskflow_tenancy::Error) -> Self {
        ApiError::Internal(err)
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError::BadRequest(rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::BadRequest(rejection.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, fields) = match self {
            ApiError::BadRequest(message) => {
                (StatusCode::BAD_REQUEST, "bad_request", message, None)
            }
            ApiError::NotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                "no such resource".to_owned(),
                None,
            ),
            ApiError::Conflict(message) => {
                (StatusCode::CONFLICT, "conflict", message.to_owned(), None)
            }
            ApiError::Invalid { field, message } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "the request breaks a rule".to_owned(),
                Some(json!({ field: message })),
            ),
            ApiError::Internal(err) => {
                tracing::error!("request failed: {err}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "something went wrong on our side".to_owned(),
                    None,
                )
            }
        };
        let mut error = json!({ "code": code, "message": message });
        if let Some(fields) = fields {
            error["fields"] = fields;
        }
        (status, axum::Json(json!({ "error": error }))).into_response()
    }
}

/// `axum::Json` whose rejection is an [`ApiError`], so a bad body answers in the API's shape.
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub(crate) struct JsonBody<T>(pub(crate) T);

/// `axum::extract::Path` whose rejection is an [`ApiError`].
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub(crate) struct IdPath<T>(pub(crate) T);
