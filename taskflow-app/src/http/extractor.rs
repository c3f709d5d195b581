//! Extractors: request parts turned into what handlers need, with rejections in the API's shape.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use taskflow_tenancy::web::axum::{AuthClaims, RequestTx};
use taskflow_tenancy::{AnyTenantDb, TenantScope};
use uuid::Uuid;

use super::{ApiError, AppState};
use crate::model::{RevokedToken, User};
use crate::role::Role;

/// The request's tenant transaction: one connection per request, shared by every extractor
/// and the handler, committed when the handler answers with a success.
pub(crate) type Tx = RequestTx<AnyTenantDb>;

/// A JSON object body, decoded into `T`, with every rejection an [`ApiError`]: a malformed
/// body, a wrong content type or a body over the limit is a 400 (413) as `axum::Json` finds it;
/// a body that is not an object (serde would read an array into a struct field by field) is a
/// 400; a string holding the NUL character, which PostgreSQL cannot store and so no backend
/// accepts, is a 422 naming the field. Nothing reaches a handler otherwise.
pub(crate) struct JsonBody<T>(pub(crate) T);

impl<T, S> axum::extract::FromRequest<S> for JsonBody<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let axum::Json(value) = axum::Json::<serde_json::Value>::from_request(req, state).await?;
        let serde_json::Value::Object(fields) = &value else {
            return Err(ApiError::BadRequest(
                "the body must be a JSON object".to_owned(),
            ));
        };
        let with_nul: std::collections::BTreeMap<String, String> = fields
            .iter()
            .filter(|(name, value)| name.contains('\0') || holds_nul(value))
            .map(|(name, _)| {
                (
                    name.clone(),
                    "must not contain the NUL character".to_owned(),
                )
            })
            .collect();
        if !with_nul.is_empty() {
            return Err(ApiError::Validation(with_nul));
        }
        serde_json::from_value(value).map(JsonBody).map_err(|err| {
            ApiError::BadRequest(format!(
                "Failed to deserialize the JSON body into the target type: {err}"
            ))
        })
    }
}

/// Whether a string anywhere in `value` (or a key of an object in it) holds `\0`.
fn holds_nul(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(holds_nul),
        serde_json::Value::Object(fields) => fields
            .iter()
            .any(|(name, value)| name.contains('\0') || holds_nul(value)),
        _ => false,
    }
}

/// `axum::extract::Path` whose rejection is an [`ApiError`] (an id that is no UUID is a 400).
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub(crate) struct IdPath<T>(pub(crate) T);

/// `axum::extract::Query` whose rejection is an [`ApiError`].
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub(crate) struct QueryParams<T>(pub(crate) T);

/// For `#[serde(default, deserialize_with = "nullable")]` on an `Option<Option<T>>` field of a
/// patch: absent is `None` (leave it), `null` is `Some(None)` (clear it), a value is
/// `Some(Some(value))`.
pub(crate) fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}

/// The authenticated user of the request's tenant: a token valid for this tenant, naming one of
/// the app's roles, whose user still exists there. The token's role is only checked to be a
/// [`Role`] (a token with any other is refused as 401); the role that counts is read from the
/// database, so a demotion counts at once.
#[derive(Debug, Clone)]
pub(crate) struct CurrentUser {
    pub(crate) user: User,
    pub(crate) role: Role,
    pub(crate) scope: TenantScope,
    /// The token the request came with, as a logout revokes it.
    pub(crate) token: TokenRef,
}

/// A token, named as [`RevokedToken`] keeps it, with its expiry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TokenRef {
    pub(crate) id: Uuid,
    pub(crate) expires_at: chrono::DateTime<chrono::Utc>,
}

/// The namespace of the UUID v5 a token is kept as once revoked.
const TOKEN_NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_2a7e_9d4b_4c3a_8e5f_1b2d_3c4e_5f60);

impl TokenRef {
    fn of(token: &str, exp: i64) -> TokenRef {
        TokenRef {
            id: Uuid::new_v5(&TOKEN_NAMESPACE, token.as_bytes()),
            expires_at: chrono::DateTime::from_timestamp(exp, 0).unwrap_or_default(),
        }
    }
}

impl CurrentUser {
    /// Refuses callers that may not manage users.
    pub(crate) fn require_user_manager(&self) -> Result<(), ApiError> {
        if self.role.can_manage_users() {
            Ok(())
        } else {
            Err(ApiError::Forbidden("only owners and admins manage users"))
        }
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        // Found already by a middleware of this request (idempotency keys are the user's).
        if let Some(me) = parts.extensions.get::<CurrentUser>() {
            return Ok(me.clone());
        }
        let AuthClaims(claims) = AuthClaims::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        // The library signs the role but does not know the app's roles: a token with a role
        // that is none of them was not issued by this app, whatever signed it.
        claims
            .role
            .parse::<Role>()
            .map_err(|_| ApiError::Unauthorized.into_response())?;
        let id =
            Uuid::parse_str(&claims.sub).map_err(|_| ApiError::Unauthorized.into_response())?;
        let mut tx = Tx::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let scope = tx.scope().clone();
        let user = User::scoped(&mut *tx)
            .get(id)
            .await
            .map_err(|e| ApiError::from(e).into_response())?
            .ok_or_else(|| ApiError::Unauthorized.into_response())?;
        let role = user.role.parse::<Role>().map_err(|_| {
            ApiError::Internal(format!("user {id} has no valid role")).into_response()
        })?;
        // The library verified this very header's token.
        let bearer = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .map(|(_, token)| token.trim())
            .ok_or_else(|| ApiError::Unauthorized.into_response())?;
        // Every session ended at or after this token was issued (log out everywhere).
        if user
            .sessions_ended_at
            .is_some_and(|ended| claims.iat <= ended.timestamp())
        {
            return Err(ApiError::Unauthorized.into_response());
        }
        let token = TokenRef::of(bearer, claims.exp);
        let revoked = RevokedToken::scoped(&mut *tx)
            .get(token.id)
            .await
            .map_err(|e| ApiError::from(e).into_response())?;
        if revoked.is_some() {
            return Err(ApiError::Unauthorized.into_response());
        }
        Ok(CurrentUser {
            user,
            role,
            scope,
            token,
        })
    }
}

/// The platform operator, proven by `Authorization: Bearer <TASKFLOW_ADMIN_TOKEN>`. Without a
/// configured token the operator routes do not exist (404).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Operator;

impl<S: Send + Sync> FromRequestParts<S> for Operator
where
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let state = AppState::from_ref(state);
        let Some(expected) = state.admin_token.as_deref() else {
            return Err(ApiError::NotFound);
        };
        let given = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or(ApiError::Unauthorized)?;
        if constant_time_eq(given.as_bytes(), expected.as_bytes()) {
            Ok(Operator)
        } else {
            Err(ApiError::Unauthorized)
        }
    }
}

/// Compares without stopping at the first difference, so the time taken says nothing about how
/// much of a guess was right. Hand-written: it is four lines, not worth a dependency.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn compares_whole_strings() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
    }
}
