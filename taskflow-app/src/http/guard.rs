//! Requests refused before any work: a body declared over the limit, and any request that
//! needs the database while its probe says it is down.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{ApiError, AppState, BODY_LIMIT};

/// A body whose `Content-Length` is over [`BODY_LIMIT`] is `413 payload_too_large` before a
/// byte of it is read (a limit on the body alone finds out only after reading a mebibyte, or
/// never when the client announces 2 GiB and sends nothing). The connection is closed after
/// the answer: the unread body would otherwise have to be read through.
pub(crate) async fn refuse_oversized_body(request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > BODY_LIMIT as u64) {
        let mut response = ApiError::PayloadTooLarge.into_response();
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return response;
    }
    next.run(request).await
}

/// `503 unavailable` at once while the database does not answer its probe, instead of a wait
/// for a pooled connection that cannot come (see [`crate::db::DbHealth`]).
pub(crate) async fn require_database(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if !state.health.is_up() {
        return ApiError::Unavailable("the database does not answer its probe".to_owned())
            .into_response();
    }
    next.run(request).await
}
