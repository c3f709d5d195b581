//! `Idempotency-Key` on creates: a client that got no answer, or an ambiguous `503`, sends the
//! same request again with the same key and gets the first answer instead of a second row.
//!
//! The key is claimed, the handler runs and its answer is stored in the request's one tenant
//! transaction ([`TenantTxLayer`](taskflow_tenancy::web::axum::TenantTxLayer)), so the stored
//! key exists exactly when the create committed:
//!
//! - no stored key: the create runs; a success stores its status and body with it, a failure
//!   rolls both back (the retry runs again);
//! - a stored key of the same request (method, path and body): its answer, with
//!   `Idempotent-Replayed: true`; nothing runs;
//! - a stored key of another request: `422 validation_failed` on `Idempotency-Key`;
//! - the same key still being answered in another request: `409 conflict`, retry later.
//!
//! Keys belong to the user who sent them (another user's same key is another key) and are
//! forgotten after [`KEY_LIFETIME`].

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::TimeDelta;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use uuid::Uuid;

use super::AppState;
use super::error::ApiError;
use super::extractor::{CurrentUser, Tx};
use crate::model::{IdempotencyKey, IdempotencyKeyPatch, NewIdempotencyKey, now};

/// The request header.
pub(crate) const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The answer header that marks a replayed answer.
pub(crate) const REPLAYED: &str = "idempotent-replayed";

/// How long a key is kept: a retry later than this runs as a new request.
pub(crate) const KEY_LIFETIME: TimeDelta = TimeDelta::hours(24);

/// The longest key, in characters.
const KEY_MAX_LEN: usize = 255;

/// The most expired keys one request deletes.
const EXPIRED_BATCH: u64 = 16;

/// The most a stored answer may hold (a create answers with one resource).
const ANSWER_LIMIT: usize = 4 * 1024 * 1024;

/// Wraps the tenant routes: a `POST` with an `Idempotency-Key` is answered once; every other
/// request passes through untouched.
pub(crate) async fn once_per_key(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::POST || !request.headers().contains_key(IDEMPOTENCY_KEY) {
        return next.run(request).await;
    }
    match answer_once(state, request, next).await {
        Ok(response) | Err(response) => response,
    }
}

async fn answer_once(state: AppState, request: Request, next: Next) -> Result<Response, Response> {
    let key = parse_key(&request).map_err(IntoResponse::into_response)?;
    let (mut parts, body) = request.into_parts();
    // The key is the user's: the request authenticates before anything is looked up. The
    // handler finds the same user in the request's extensions.
    let me = CurrentUser::from_request_parts(&mut parts, &state).await?;
    parts.extensions.insert(me.clone());
    let body = Bytes::from_request(Request::from_parts(clone_parts(&parts), body), &state)
        .await
        .map_err(|rejection| ApiError::from(rejection).into_response())?;
    let id = Uuid::new_v5(&me.user.id, key.as_bytes());
    let fingerprint = fingerprint(&parts, &body);

    {
        let mut tx = Tx::from_request_parts(&mut clone_parts(&parts), &state)
            .await
            .map_err(IntoResponse::into_response)?;
        let stored = IdempotencyKey::scoped(&mut *tx)
            .get(id)
            .await
            .map_err(api_error)?;
        let cutoff = now() - KEY_LIFETIME;
        match stored {
            Some(stored) if stored.created_at >= cutoff => {
                return replay(&stored, &fingerprint).map_err(IntoResponse::into_response);
            }
            _ => {}
        }
        // This user's expired keys, this one included, make room: found by a plain read and
        // deleted by key, so that no range of the index is locked (on MariaDB a ranged DELETE
        // takes gap locks that concurrent claims deadlock on).
        let expired = IdempotencyKey::scoped(&mut *tx)
            .filter(
                IdempotencyKey::USER_ID
                    .eq(me.user.id)
                    .and(IdempotencyKey::CREATED_AT.lt(cutoff)),
            )
            .limit(EXPIRED_BATCH)
            .fetch_all()
            .await
            .map_err(api_error)?;
        for old in expired {
            IdempotencyKey::scoped(&mut *tx)
                .delete_by_key(old.id)
                .await
                .map_err(api_error)?;
        }
        let claim = NewIdempotencyKey {
            id,
            user_id: me.user.id,
            fingerprint,
            status: 0,
            body: String::new(),
            created_at: now(),
        };
        if let Err(err) = IdempotencyKey::scoped(&mut *tx).insert(claim).await {
            return Err(if is_concurrent_claim(&err) {
                ApiError::Conflict(
                    "a request with this Idempotency-Key is still being answered; retry it",
                )
                .into_response()
            } else {
                api_error(err)
            });
        }
    }

    let extensions = parts.extensions.clone();
    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    if response.status().as_u16() >= 400 {
        // The request's transaction rolls back, and the claim with it.
        return Ok(response);
    }
    let (mut head, body) = response.into_parts();
    let body = axum::body::to_bytes(body, ANSWER_LIMIT)
        .await
        .map_err(|err| ApiError::Internal(format!("the answer could not be read: {err}")))
        .map_err(IntoResponse::into_response)?;
    let mut probe = Request::new(()).into_parts().0;
    probe.extensions = extensions;
    let mut tx = Tx::from_request_parts(&mut probe, &state)
        .await
        .map_err(IntoResponse::into_response)?;
    let patch = IdempotencyKeyPatch {
        status: Some(i32::from(head.status.as_u16())),
        body: Some(String::from_utf8_lossy(&body).into_owned()),
        ..IdempotencyKeyPatch::default()
    };
    IdempotencyKey::scoped(&mut *tx)
        .update_by_key(id, &patch)
        .await
        .map_err(api_error)?;
    head.headers
        .insert(REPLAYED, HeaderValue::from_static("false"));
    Ok(Response::from_parts(head, Body::from(body)))
}

/// The key of the request: 1 to 255 visible ASCII characters, sent once.
fn parse_key(request: &Request) -> Result<String, ApiError> {
    let mut values = request.headers().get_all(IDEMPOTENCY_KEY).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return Err(ApiError::BadRequest(
            "send the Idempotency-Key header once".to_owned(),
        ));
    };
    let key = value.as_bytes();
    if key.is_empty() || key.len() > KEY_MAX_LEN || !key.iter().all(u8::is_ascii_graphic) {
        return Err(ApiError::BadRequest(format!(
            "the Idempotency-Key header must be 1 to {KEY_MAX_LEN} visible ASCII characters"
        )));
    }
    Ok(String::from_utf8_lossy(key).into_owned())
}

/// SHA-256 of what makes two requests the same: method, path with query, and body.
fn fingerprint(parts: &axum::http::request::Parts, body: &Bytes) -> String {
    let mut hash = Sha256::new();
    hash.update(parts.method.as_str().as_bytes());
    hash.update(b" ");
    hash.update(
        parts
            .uri
            .path_and_query()
            .map_or("", |path| path.as_str())
            .as_bytes(),
    );
    hash.update(b"\n");
    hash.update(body);
    format!("{:x}", hash.finalize())
}

/// The stored answer, or why the key cannot be used for this request.
fn replay(stored: &IdempotencyKey, fingerprint: &str) -> Result<Response, ApiError> {
    if stored.fingerprint != fingerprint {
        return Err(ApiError::Validation(BTreeMap::from([(
            "Idempotency-Key".to_owned(),
            "was sent before with another request; use a new key for a new request".to_owned(),
        )])));
    }
    let status = u16::try_from(stored.status)
        .ok()
        .and_then(|status| StatusCode::from_u16(status).ok())
        .filter(|status| status.is_success())
        .ok_or(ApiError::Conflict(
            "a request with this Idempotency-Key is still being answered; retry it",
        ))?;
    Ok((
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::HeaderName::from_static(REPLAYED), "true"),
        ],
        stored.body.clone(),
    )
        .into_response())
}

/// A copy of the request's head: its extensions carry the request's tenant transaction.
fn clone_parts(parts: &axum::http::request::Parts) -> axum::http::request::Parts {
    let mut copy = Request::new(()).into_parts().0;
    copy.method = parts.method.clone();
    copy.uri = parts.uri.clone();
    copy.version = parts.version;
    copy.headers = parts.headers.clone();
    copy.extensions = parts.extensions.clone();
    copy
}

/// Whether the claim failed because another request claimed the same key: a duplicate key,
/// or the deadlock (SQLSTATE `40001`, `40P01`) a database may report instead while both wait.
fn is_concurrent_claim(err: &taskflow_tenancy::Error) -> bool {
    match err {
        taskflow_tenancy::Error::Database(sqlx::Error::Database(db)) => {
            db.is_unique_violation() || matches!(db.code().as_deref(), Some("40001" | "40P01"))
        }
        _ => false,
    }
}

fn api_error(err: taskflow_tenancy::Error) -> Response {
    ApiError::from(err).into_response()
}
