//! Who is asking: HS256 bearer tokens bound to a tenant (as taskflow-tenancy's `JwtKeys` and
//! `AuthClaims`), the user behind one looked up on every request (as taskflow-app's
//! `CurrentUser`), and argon2id passwords (as taskflow-app's `password.rs`).

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use uuid::Uuid;

use crate::db::Conn;
use crate::error::ApiError;
use crate::model::{ROLES, Tenant, User};
use crate::routes::AppState;

/// How long a token is valid, as the app's: a day.
const TOKEN_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// How far a token's `exp` may be past, for clocks that disagree: 30 s, as the app's.
const LEEWAY: Duration = Duration::from_secs(30);
/// The shortest HS256 secret taken, as the app's.
const MIN_SECRET_LEN: usize = 32;

/// A token's claims: `sub` (the user), `tid` (the tenant), `role`, `iat`, `exp`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Claims {
    pub(crate) sub: String,
    pub(crate) tid: Uuid,
    pub(crate) role: String,
    pub(crate) iat: i64,
    pub(crate) exp: i64,
}

/// The HS256 keys that sign and verify tokens.
#[derive(Clone)]
pub(crate) struct JwtKeys {
    inner: Arc<KeysInner>,
}

struct KeysInner {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtKeys(HS256)")
    }
}

impl JwtKeys {
    /// Keys of `secret`, which must be at least 32 bytes long.
    pub(crate) fn hs256(secret: &[u8]) -> Result<JwtKeys, String> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(format!(
                "an HS256 secret needs at least {MIN_SECRET_LEN} bytes"
            ));
        }
        // Only HS256: a token whose header names any other algorithm, `none` included, is
        // refused before its signature is looked at.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY.as_secs();
        validation.set_required_spec_claims(&["exp", "sub"]);
        Ok(JwtKeys {
            inner: Arc::new(KeysInner {
                encoding: EncodingKey::from_secret(secret),
                decoding: DecodingKey::from_secret(secret),
                validation,
            }),
        })
    }

    /// A token for user `sub` of `tenant` with `role`, valid for a day.
    pub(crate) fn issue(&self, tenant: Uuid, sub: Uuid, role: &str) -> Result<String, ApiError> {
        let iat = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: sub.to_string(),
            tid: tenant,
            role: role.to_owned(),
            iat,
            exp: iat.saturating_add(TOKEN_TTL.as_secs() as i64),
        };
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.inner.encoding,
        )
        .map_err(|e| ApiError::Internal(format!("cannot sign a token: {e}")))
    }

    /// The claims of `token` if it is valid for `tenant`, else why not (the message of the
    /// app's 401).
    fn verify(&self, token: &str, tenant: Uuid) -> Result<Claims, &'static str> {
        let claims =
            jsonwebtoken::decode::<Claims>(token, &self.inner.decoding, &self.inner.validation)
                .map_err(|err| match err.kind() {
                    ErrorKind::InvalidSignature => "invalid token signature",
                    ErrorKind::ExpiredSignature => "token expired",
                    ErrorKind::InvalidAlgorithm => "token algorithm is not the accepted HS256",
                    _ => "malformed token",
                })?
                .claims;
        if claims.tid != tenant {
            return Err("token is not valid for this tenant");
        }
        Ok(claims)
    }
}

/// The token of the request's single `Authorization: Bearer <token>` header.
fn bearer_token(parts: &Parts) -> Result<&str, &'static str> {
    let mut values = parts.headers.get_all(AUTHORIZATION).iter();
    let value = values.next().ok_or("missing bearer token")?;
    // Two credentials leave it to chance which one a proxy or this server would read.
    if values.next().is_some() {
        return Err("malformed token");
    }
    let value = value.to_str().map_err(|_| "malformed token")?;
    match value.trim().split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => match token.trim() {
            "" => Err("missing bearer token"),
            token => Ok(token),
        },
        _ => Err("malformed token"),
    }
}

/// The request's tenant, put there by [`crate::tenant::resolve_tenant`].
pub(crate) fn request_tenant(parts: &Parts) -> Result<Arc<Tenant>, ApiError> {
    parts
        .extensions
        .get::<Arc<Tenant>>()
        .cloned()
        .ok_or_else(|| ApiError::Internal("a tenant route without the tenant middleware".into()))
}

/// The authenticated user of the request's tenant, with the request's connection: a token
/// valid for this tenant, naming one of the app's roles, whose user still exists there (read
/// on every request; the role that counts is the stored one). The connection is taken after
/// the token is checked, as the app's request transaction is, and the handler goes on with it.
#[derive(Debug)]
pub(crate) struct CurrentUser {
    pub(crate) user: User,
    pub(crate) tenant: Arc<Tenant>,
    pub(crate) conn: Conn,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let tenant = request_tenant(parts)?;
        let token = bearer_token(parts).map_err(ApiError::TokenRefused)?;
        let claims = state
            .keys
            .verify(token, tenant.id)
            .map_err(ApiError::TokenRefused)?;
        if !ROLES.contains(&claims.role.as_str()) {
            return Err(ApiError::Unauthorized);
        }
        let id = Uuid::parse_str(&claims.sub).map_err(|_| ApiError::Unauthorized)?;
        let mut conn = request_conn(state, &parts.method).await?;
        let user = conn
            .user_by_id(tenant.id, id)
            .await?
            .ok_or(ApiError::Unauthorized)?;
        if !ROLES.contains(&user.role.as_str()) {
            return Err(ApiError::Internal(format!("user {id} has no valid role")));
        }
        Ok(CurrentUser { user, tenant, conn })
    }
}

/// The request's connection, for a handler that has no [`CurrentUser`] (login).
impl FromRequestParts<AppState> for Conn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        request_conn(state, &parts.method).await
    }
}

/// The connection of a request with `method`: one that may write, unless the method only
/// reads.
pub(crate) async fn request_conn(state: &AppState, method: &Method) -> Result<Conn, ApiError> {
    let conn = if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        state.db.read().await
    } else {
        state.db.write().await
    };
    // As the app's request transaction: a connection that cannot be had is a 503.
    conn.map_err(|err| ApiError::Unavailable(err.to_string()))
}

/// A hash of a password nobody has, checked when the email is unknown so that a login for an
/// unknown email takes as long as one with a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_blocking("not the password of anyone").expect("argon2 hashes a constant password")
});

fn hash_blocking(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// The argon2id PHC string of `password` (the crate's default parameters), hashed on the
/// blocking pool.
pub(crate) async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(format!("password hashing failed: {e}")))
}

/// Whether `password` matches `hash`; with no hash (unknown user), checks against a dummy hash
/// and answers `false`, taking the same time.
pub(crate) async fn verify_password(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match hash {
        Some(hash) => verify_blocking(&password, &hash),
        None => {
            verify_blocking(&password, &DUMMY_HASH);
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// Computes the dummy hash at start rather than in the first login for an unknown email.
pub(crate) async fn warm_up() {
    let _ = tokio::task::spawn_blocking(|| LazyLock::force(&DUMMY_HASH).len()).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bound_to_their_tenant() {
        let keys = JwtKeys::hs256(b"a secret of at least thirty-two bytes!").unwrap();
        let (acme, globex, user) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let token = keys.issue(acme, user, "owner").unwrap();
        let claims = keys.verify(&token, acme).unwrap();
        assert_eq!(claims.sub, user.to_string());
        assert_eq!(claims.role, "owner");
        assert_eq!(
            keys.verify(&token, globex).unwrap_err(),
            "token is not valid for this tenant"
        );
        let other = JwtKeys::hs256(b"another secret of thirty-two bytes!!").unwrap();
        assert_eq!(
            other.verify(&token, acme).unwrap_err(),
            "invalid token signature"
        );
        assert!(JwtKeys::hs256(b"short").is_err());
    }

    #[test]
    fn unsigned_tokens_are_refused() {
        let keys = JwtKeys::hs256(b"a secret of at least thirty-two bytes!").unwrap();
        // {"alg":"none","typ":"JWT"} . {"sub":"x","tid":"00000000-...","role":"owner",...} .
        let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4IiwidGlkIjoiMDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAwIiwicm9sZSI6Im93bmVyIiwiaWF0IjowLCJleHAiOjk5OTk5OTk5OTl9.";
        assert!(keys.verify(none, Uuid::nil()).is_err());
    }
}
