//! Conditional writes: an `ETag` on every single project or task the API answers with, and
//! `If-Match` on their `PATCH`, so that two people editing one task cannot silently overwrite
//! each other.
//!
//! The entity tag is a digest of the representation (the JSON the client got), so it changes
//! with any field, whoever changed it. A `PATCH` with `If-Match` applies only when one of its
//! tags (or `*`) is the resource's current tag; otherwise it answers `412
//! precondition_failed` and changes nothing. The check and the write cannot be split by
//! another write: the write is conditioned on the `updated_at` of the row that was compared
//! ([`Conditional::unchanged_since`]), and every write moves `updated_at` strictly forward
//! ([`next_updated_at`]), so a row compared once is either written as compared or not at all.
//!
//! Tags are compared by their opaque part, a `W/` prefix ignored: nginx marks a strong tag
//! weak when it compresses the answer, and the digest names the same JSON either way. The
//! `headers` crate's `IfMatch` compares strongly only, which would refuse every tag that
//! came through such a proxy, hence the small parser here.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::ApiError;

/// The entity tag of `value`'s JSON representation, quoted as the `ETag` header carries it.
pub(crate) fn etag_of<T: Serialize>(value: &T) -> String {
    let json = serde_json::to_vec(value).expect("a model serializes");
    let digest = Sha256::digest(&json);
    format!("\"{}\"", URL_SAFE_NO_PAD.encode(&digest[..16]))
}

/// The `updated_at` a write gives a row last written at `previous`: now, or just after
/// `previous` when the clock has not moved past it (two writes in one microsecond, or a clock
/// that stepped back). A row's `updated_at` therefore names one state of it.
pub(crate) fn next_updated_at(previous: DateTime<Utc>) -> DateTime<Utc> {
    crate::model::now().max(previous + TimeDelta::microseconds(1))
}

/// The request's `If-Match`, if it has one.
#[derive(Debug, Clone)]
pub(crate) enum Conditional {
    /// No `If-Match`: the write applies whatever the resource is now.
    Always,
    /// `If-Match: *`: the resource must exist (a missing one is 404 anyway).
    AnyTag,
    /// `If-Match: "a", "b"`: one of these must be the current tag.
    Tags(Vec<String>),
}

impl Conditional {
    /// Whether the write may go on to a resource whose current tag is `current`; else the
    /// 412 to answer.
    pub(crate) fn check(&self, current: &str) -> Result<(), ApiError> {
        let passes = match self {
            Conditional::Always | Conditional::AnyTag => true,
            Conditional::Tags(tags) => tags.iter().any(|tag| opaque(tag) == opaque(current)),
        };
        if passes {
            Ok(())
        } else {
            Err(ApiError::PreconditionFailed)
        }
    }

    /// Whether the write must be conditioned on the row not having changed since it was
    /// compared (any `If-Match` that names tags).
    pub(crate) fn unchanged_since(&self) -> bool {
        matches!(self, Conditional::Tags(_))
    }

    /// The answer to a write that matched no row: the row changed since it was compared
    /// (412), or, without a tag to compare, it was deleted meanwhile (404).
    pub(crate) fn nothing_written(&self) -> ApiError {
        if self.unchanged_since() {
            ApiError::PreconditionFailed
        } else {
            ApiError::NotFound
        }
    }

    fn parse(headers: &HeaderMap) -> Result<Conditional, ApiError> {
        let mut tags = Vec::new();
        for value in headers.get_all(header::IF_MATCH) {
            let text = value.to_str().map_err(|_| malformed())?;
            for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                if item == "*" {
                    return Ok(Conditional::AnyTag);
                }
                let quoted = item.strip_prefix("W/").unwrap_or(item);
                let inner = quoted
                    .strip_prefix('"')
                    .and_then(|q| q.strip_suffix('"'))
                    .ok_or_else(malformed)?;
                if inner.contains('"') {
                    return Err(malformed());
                }
                tags.push(quoted.to_owned());
            }
        }
        if headers.contains_key(header::IF_MATCH) && tags.is_empty() {
            return Err(malformed());
        }
        Ok(if tags.is_empty() {
            Conditional::Always
        } else {
            Conditional::Tags(tags)
        })
    }
}

fn malformed() -> ApiError {
    ApiError::BadRequest(
        "If-Match must be * or a list of quoted entity tags, as the ETag header gives them"
            .to_owned(),
    )
}

/// A tag without its weakness marker: `W/"x"` and `"x"` name the same representation here.
fn opaque(tag: &str) -> &str {
    tag.strip_prefix("W/").unwrap_or(tag)
}

impl<S: Send + Sync> FromRequestParts<S> for Conditional {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Conditional::parse(&parts.headers)
    }
}

/// A JSON answer with its `ETag`.
pub(crate) struct Tagged<T>(pub(crate) T);

impl<T: Serialize> IntoResponse for Tagged<T> {
    fn into_response(self) -> Response {
        let tag = etag_of(&self.0);
        let mut response = axum::Json(self.0).into_response();
        if let Ok(value) = HeaderValue::from_str(&tag) {
            response.headers_mut().insert(header::ETAG, value);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(values: &[&str]) -> Result<Conditional, ApiError> {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(header::IF_MATCH, HeaderValue::from_str(v).unwrap());
        }
        Conditional::parse(&headers)
    }

    #[test]
    fn if_match_lists_star_and_weak_tags_are_read() {
        assert!(matches!(parsed(&[]), Ok(Conditional::Always)));
        assert!(matches!(parsed(&["*"]), Ok(Conditional::AnyTag)));
        let tags = parsed(&[r#""a", W/"b""#, r#""c""#]).unwrap();
        for current in [r#""a""#, r#""b""#, r#"W/"c""#] {
            assert!(tags.check(current).is_ok(), "{current}");
        }
        assert!(matches!(
            tags.check(r#""d""#),
            Err(ApiError::PreconditionFailed)
        ));
    }

    #[test]
    fn malformed_if_match_is_a_bad_request() {
        for bad in ["abc", r#""unterminated"#, r#""a"b""#, " , "] {
            assert!(
                matches!(parsed(&[bad]), Err(ApiError::BadRequest(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn tags_follow_every_field_and_updated_at_only_moves_forward() {
        let a = etag_of(&serde_json::json!({"title": "a"}));
        assert_eq!(a, etag_of(&serde_json::json!({"title": "a"})));
        assert_ne!(a, etag_of(&serde_json::json!({"title": "b"})));
        let future = Utc::now() + TimeDelta::hours(1);
        assert!(next_updated_at(future) > future);
        let past = Utc::now() - TimeDelta::hours(1);
        assert!(next_updated_at(past) > past + TimeDelta::minutes(59));
    }
}
