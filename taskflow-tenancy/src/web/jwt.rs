//! JWT tokens bound to a tenant (feature `jwt`).
//!
//! A token names its tenant in the `tid` claim, and [`JwtKeys::verify`] accepts it only for the
//! [`TenantScope`] the request resolved: a valid token of tenant A presented on tenant B's host
//! is refused with [`JwtError::WrongTenant`]. The algorithm is pinned by the keys: HS256 by
//! default, RS256 or EdDSA by choosing those constructors. A token whose header names any other
//! algorithm (`none`, another HMAC, RS256 against an HS256 secret) is refused before its
//! signature is looked at, which closes the algorithm-confusion attacks.
//!
//! The `role` claim is the application's own string (`"admin"`, `"billing"`, ...): it is signed
//! with the rest of the token, so a client cannot change it, but this crate gives it no meaning
//! and checks nothing about its value. The application parses it into its own role type, and
//! should refuse a token whose role it does not know.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use taskflow_tenancy::web::jwt::{JwtError, JwtKeys};
//! use taskflow_tenancy::{AdminCapability, TenantDb};
//!
//! let store = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
//! store.migrate().await?;
//! let admin = AdminCapability::grant("docs", "two example tenants")?;
//! store.create(&admin, "Acme", "acme").await?;
//! store.create(&admin, "Globex", "globex").await?;
//! let acme = store.scope_by_subdomain("acme").await?;
//! let globex = store.scope_by_subdomain("globex").await?;
//!
//! let keys = JwtKeys::hs256(b"a secret of at least thirty-two bytes!")?;
//! let token = keys.issue(&acme, "user-1", "admin")?;
//!
//! let claims = keys.verify(&token, &acme)?;
//! assert_eq!(claims.sub, "user-1");
//! assert_eq!(claims.tid, acme.tenant_id());
//! assert_eq!(claims.role, "admin");
//! // The same token on another tenant's host is refused.
//! assert_eq!(keys.verify(&token, &globex), Err(JwtError::WrongTenant));
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};

use crate::scope::tenant::{TenantId, TenantScope};

/// The claims of a TaskFlow token.
///
/// `tid` says which tenant the token is for; it is checked against the resolved tenant on every
/// verification. `role` is required and signed, but its value is the application's to check
/// (see the [module documentation](self)). Times are seconds since the Unix epoch.
///
/// ```
/// use taskflow_tenancy::TenantId;
/// use taskflow_tenancy::web::jwt::Claims;
///
/// let tid = TenantId::new_v7();
/// let claims = Claims { sub: "user-1".into(), tid, role: "member".into(), iat: 1_700_000_000, exp: 1_700_003_600, jti: String::new() };
/// let json = serde_json::to_value(&claims).unwrap();
/// assert_eq!(json["tid"], tid.to_string());
/// assert_eq!(json["role"], "member");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Claims {
    /// The user the token was issued to.
    pub sub: String,
    /// The tenant the token is valid for.
    pub tid: TenantId,
    /// The user's role in that tenant, as the application spells it. This crate checks nothing
    /// about it: an application must refuse a role it does not know.
    pub role: String,
    /// When the token was issued.
    pub iat: i64,
    /// When the token expires.
    pub exp: i64,
    /// The token's own id, random for each token [`JwtKeys::issue`] makes, so that two tokens
    /// issued to one user in one second differ (an application that revokes one token keeps
    /// the other). Empty, and left out of the token, when the signer gives none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub jti: String,
}

/// The signature algorithm a [`JwtKeys`] is pinned to.
///
/// ```
/// use taskflow_tenancy::web::jwt::{JwtAlgorithm, JwtKeys};
///
/// let keys = JwtKeys::hs256(b"a secret of at least thirty-two bytes!").unwrap();
/// assert_eq!(keys.algorithm(), JwtAlgorithm::Hs256);
/// assert_eq!(JwtAlgorithm::EdDsa.as_str(), "EdDSA");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JwtAlgorithm {
    /// HMAC with SHA-256 over a shared secret.
    Hs256,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// Ed25519 signatures.
    EdDsa,
}

impl JwtAlgorithm {
    /// The name used in a token header's `alg`.
    ///
    /// See [`JwtAlgorithm`] for an example.
    pub const fn as_str(self) -> &'static str {
        match self {
            JwtAlgorithm::Hs256 => "HS256",
            JwtAlgorithm::Rs256 => "RS256",
            JwtAlgorithm::EdDsa => "EdDSA",
        }
    }

    const fn jsonwebtoken(self) -> Algorithm {
        match self {
            JwtAlgorithm::Hs256 => Algorithm::HS256,
            JwtAlgorithm::Rs256 => Algorithm::RS256,
            JwtAlgorithm::EdDsa => Algorithm::EdDSA,
        }
    }
}

impl fmt::Display for JwtAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a token was not issued or not accepted.
///
/// Every variant but [`JwtError::Key`] and [`JwtError::CannotIssue`] is the client's fault and
/// answers 401; those two are configuration mistakes.
///
/// ```
/// use taskflow_tenancy::web::jwt::{JwtError, JwtKeys};
///
/// let keys = JwtKeys::hs256(b"a secret of at least thirty-two bytes!").unwrap();
/// assert_eq!(keys.verify_signature("not.a.token"), Err(JwtError::Malformed));
/// assert_eq!(JwtError::Expired.to_string(), "token expired");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    /// The request carries no `Authorization: Bearer` token.
    #[error("missing bearer token")]
    Missing,
    /// The token is not a well-formed JWT with TaskFlow claims.
    #[error("malformed token")]
    Malformed,
    /// The token's header names another algorithm than the one the keys are pinned to.
    #[error("token algorithm {found} is not the accepted {expected}")]
    WrongAlgorithm {
        /// The algorithm the keys accept.
        expected: JwtAlgorithm,
        /// The header's `alg`, as written.
        found: String,
    },
    /// The signature does not match the token.
    #[error("invalid token signature")]
    BadSignature,
    /// The token expired (beyond the leeway).
    #[error("token expired")]
    Expired,
    /// The token is valid, but for another tenant than the one the request addresses.
    #[error("token is not valid for this tenant")]
    WrongTenant,
    /// A key could not be read, or does not fit its algorithm.
    #[error("invalid JWT key: {0}")]
    Key(String),
    /// The keys hold only a public key: they verify tokens but cannot issue them.
    #[error("these JWT keys can verify tokens but not issue them")]
    CannotIssue,
}

impl From<jsonwebtoken::errors::Error> for JwtError {
    fn from(err: jsonwebtoken::errors::Error) -> Self {
        match err.kind() {
            ErrorKind::InvalidSignature => JwtError::BadSignature,
            ErrorKind::ExpiredSignature => JwtError::Expired,
            ErrorKind::InvalidEcdsaKey
            | ErrorKind::InvalidEddsaKey
            | ErrorKind::InvalidRsaKey(_)
            | ErrorKind::RsaFailedSigning
            | ErrorKind::Signing(_)
            | ErrorKind::InvalidKeyFormat
            | ErrorKind::MissingAlgorithm
            | ErrorKind::UnsupportedAlgorithm => JwtError::Key(err.to_string()),
            _ => JwtError::Malformed,
        }
    }
}

/// The default time a token issued by [`JwtKeys::issue`] stays valid.
pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// The default clock skew allowed past a token's `exp`.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);

/// The shortest HS256 secret accepted: as many bytes as the hash has (RFC 7518, 3.2).
pub const MIN_HS256_SECRET_LEN: usize = 32;

/// The keys that issue and verify tokens, pinned to one algorithm.
///
/// Cheap to clone (the keys are shared), so it can live in axum state. `Debug` shows no key
/// material.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use taskflow_tenancy::web::jwt::{JwtAlgorithm, JwtKeys};
/// use taskflow_tenancy::{AdminCapability, TenantDb};
///
/// let store = TenantDb::new(sqlx::SqlitePool::connect("sqlite::memory:").await?);
/// store.migrate().await?;
/// store.create(&AdminCapability::grant("docs", "example tenant")?, "Acme", "acme").await?;
/// let acme = store.scope_by_subdomain("acme").await?;
///
/// let fixture = |name: &str| std::fs::read(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR")));
/// let issuer = JwtKeys::eddsa(&fixture("ed25519-private.pem")?, &fixture("ed25519-public.pem")?)?
///     .with_ttl(Duration::from_secs(900));
/// // A service that only checks tokens needs only the public key.
/// let verifier = JwtKeys::eddsa_verifier(&fixture("ed25519-public.pem")?)?;
/// assert_eq!(verifier.algorithm(), JwtAlgorithm::EdDsa);
///
/// let token = issuer.issue(&acme, "user-1", "owner")?;
/// let claims = verifier.verify(&token, &acme)?;
/// assert_eq!(claims.exp - claims.iat, 900);
/// assert!(verifier.issue(&acme, "user-1", "owner").is_err());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct JwtKeys {
    inner: Arc<KeysInner>,
}

#[derive(Clone)]
struct KeysInner {
    algorithm: JwtAlgorithm,
    encoding: Option<EncodingKey>,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl JwtKeys {
    /// HS256 with a shared secret of at least [`MIN_HS256_SECRET_LEN`] bytes.
    ///
    /// ```
    /// use taskflow_tenancy::web::jwt::{JwtError, JwtKeys};
    ///
    /// assert!(JwtKeys::hs256(b"a secret of at least thirty-two bytes!").is_ok());
    /// assert!(matches!(JwtKeys::hs256(b"short"), Err(JwtError::Key(_))));
    /// ```
    pub fn hs256(secret: impl AsRef<[u8]>) -> Result<Self, JwtError> {
        let secret = secret.as_ref();
        if secret.len() < MIN_HS256_SECRET_LEN {
            return Err(JwtError::Key(format!(
                "an HS256 secret needs at least {MIN_HS256_SECRET_LEN} bytes"
            )));
        }
        Ok(Self::build(
            JwtAlgorithm::Hs256,
            Some(EncodingKey::from_secret(secret)),
            DecodingKey::from_secret(secret),
        ))
    }

    /// RS256 with a PEM private key (PKCS#1 or PKCS#8) to issue and its PEM public key to verify.
    /// The pair is checked to match.
    ///
    /// ```
    /// use taskflow_tenancy::web::jwt::JwtKeys;
    ///
    /// let fixture = |name: &str| std::fs::read(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    /// assert!(JwtKeys::rs256(&fixture("rsa-private.pem"), &fixture("rsa-public.pem")).is_ok());
    /// // A private key with another key's public half is a configuration mistake.
    /// assert!(JwtKeys::rs256(&fixture("rsa-private.pem"), &fixture("rsa-other-public.pem")).is_err());
    /// ```
    pub fn rs256(private_pem: &[u8], public_pem: &[u8]) -> Result<Self, JwtError> {
        let encoding = EncodingKey::from_rsa_pem(private_pem)?;
        let keys = Self::build(
            JwtAlgorithm::Rs256,
            Some(encoding),
            DecodingKey::from_rsa_pem(public_pem)?,
        );
        keys.check_pair()?;
        Ok(keys)
    }

    /// RS256, verifying only, with a PEM public key.
    ///
    /// ```
    /// use taskflow_tenancy::web::jwt::JwtKeys;
    ///
    /// let pem = std::fs::read(format!("{}/tests/fixtures/rsa-public.pem", env!("CARGO_MANIFEST_DIR"))).unwrap();
    /// assert!(!JwtKeys::rs256_verifier(&pem).unwrap().can_issue());
    /// ```
    pub fn rs256_verifier(public_pem: &[u8]) -> Result<Self, JwtError> {
        Ok(Self::build(
            JwtAlgorithm::Rs256,
            None,
            DecodingKey::from_rsa_pem(public_pem)?,
        ))
    }

    /// EdDSA (Ed25519) with a PEM PKCS#8 private key to issue and its PEM public key to verify.
    /// The pair is checked to match.
    ///
    /// See [`JwtKeys`] for an example.
    pub fn eddsa(private_pem: &[u8], public_pem: &[u8]) -> Result<Self, JwtError> {
        let encoding = EncodingKey::from_ed_pem(private_pem)?;
        let keys = Self::build(
            JwtAlgorithm::EdDsa,
            Some(encoding),
            DecodingKey::from_ed_pem(public_pem)?,
        );
        keys.check_pair()?;
        Ok(keys)
    }

    /// EdDSA (Ed25519), verifying only, with a PEM public key.
    ///
    /// See [`JwtKeys`] for an example.
    pub fn eddsa_verifier(public_pem: &[u8]) -> Result<Self, JwtError> {
        Ok(Self::build(
            JwtAlgorithm::EdDsa,
            None,
            DecodingKey::from_ed_pem(public_pem)?,
        ))
    }

    fn build(
        algorithm: JwtAlgorithm,
        encoding: Option<EncodingKey>,
        decoding: DecodingKey,
    ) -> Self {
        let mut validation = Validation::new(algorithm.jsonwebtoken());
        validation.leeway = DEFAULT_LEEWAY.as_secs();
        validation.set_required_spec_claims(&["exp", "sub"]);
        JwtKeys {
            inner: Arc::new(KeysInner {
                algorithm,
                encoding,
                decoding,
                validation,
                ttl: DEFAULT_TTL,
            }),
        }
    }

    /// A mismatched pair would issue tokens that nothing accepts; say so at startup instead.
    fn check_pair(&self) -> Result<(), JwtError> {
        let probe = Claims {
            sub: "key-pair-check".into(),
            tid: TenantId::from_uuid(uuid::Uuid::nil()),
            role: String::new(),
            iat: 0,
            exp: i64::MAX / 2,
            jti: String::new(),
        };
        match self.verify_signature(&self.sign(&probe)?) {
            Ok(_) => Ok(()),
            Err(JwtError::BadSignature) => Err(JwtError::Key(
                "the public key does not belong to the private key".into(),
            )),
            Err(other) => Err(other),
        }
    }

    /// The same keys with another allowed clock skew past `exp` (default [`DEFAULT_LEEWAY`]),
    /// counted in whole seconds.
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskflow_tenancy::web::jwt::JwtKeys;
    ///
    /// let keys = JwtKeys::hs256(b"a secret of at least thirty-two bytes!").unwrap();
    /// assert_eq!(keys.with_leeway(Duration::ZERO).leeway(), Duration::ZERO);
    /// ```
    #[must_use]
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        Arc::make_mut(&mut self.inner).validation.leeway = leeway.as_secs();
        self
    }

    /// The same keys issuing tokens valid for `ttl` (default [`DEFAULT_TTL`]), counted in whole
    /// seconds.
    ///
    /// See [`JwtKeys`] for an example.
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        Arc::make_mut(&mut self.inner).ttl = ttl;
        self
    }

    /// The one algorithm these keys accept.
    ///
    /// See [`JwtKeys`] for an example.
    pub fn algorithm(&self) -> JwtAlgorithm {
        self.inner.algorithm
    }

    /// The clock skew allowed past `exp`.
    ///
    /// See [`JwtKeys`] for an example.
    pub fn leeway(&self) -> Duration {
        Duration::from_secs(self.inner.validation.leeway)
    }

    /// How long issued tokens stay valid.
    ///
    /// See [`JwtKeys`] for an example.
    pub fn ttl(&self) -> Duration {
        self.inner.ttl
    }

    /// Whether these keys hold a private key (or secret), and so can issue tokens.
    ///
    /// See [`JwtKeys`] for an example.
    pub fn can_issue(&self) -> bool {
        self.inner.encoding.is_some()
    }

    /// Issues a token for user `sub` with `role` (the application's own name for it, taken as
    /// it is) in the scope's tenant, valid from now for [`JwtKeys::ttl`].
    ///
    /// See the [module documentation](self) for an example.
    pub fn issue(
        &self,
        scope: &TenantScope,
        sub: impl Into<String>,
        role: impl Into<String>,
    ) -> Result<String, JwtError> {
        let iat = chrono::Utc::now().timestamp();
        let ttl = i64::try_from(self.inner.ttl.as_secs()).unwrap_or(i64::MAX / 2);
        self.sign(&Claims {
            sub: sub.into(),
            tid: scope.tenant_id(),
            role: role.into(),
            iat,
            exp: iat.saturating_add(ttl),
            jti: uuid::Uuid::new_v4().simple().to_string(),
        })
    }

    /// Signs `claims` as they are. [`JwtKeys::issue`] is the usual way; this one serves tokens
    /// with times of their own (tests, long-lived service tokens). Signing proves nothing about
    /// `tid` by itself: verification still checks it against the resolved tenant.
    ///
    /// ```
    /// use taskflow_tenancy::TenantId;
    /// use taskflow_tenancy::web::jwt::{Claims, JwtError, JwtKeys};
    ///
    /// let keys = JwtKeys::hs256(b"a secret of at least thirty-two bytes!").unwrap();
    /// let long_ago = Claims { sub: "u".into(), tid: TenantId::new_v7(), role: "member".into(), iat: 1_000, exp: 2_000, jti: String::new() };
    /// let token = keys.sign(&long_ago).unwrap();
    /// assert_eq!(keys.verify_signature(&token), Err(JwtError::Expired));
    /// ```
    pub fn sign(&self, claims: &Claims) -> Result<String, JwtError> {
        let key = self.inner.encoding.as_ref().ok_or(JwtError::CannotIssue)?;
        Ok(jsonwebtoken::encode(
            &Header::new(self.inner.algorithm.jsonwebtoken()),
            claims,
            key,
        )?)
    }

    /// Verifies `token` for the tenant of `scope`: the pinned algorithm, the signature, `exp`
    /// (with the leeway), and `tid` equal to the scope's tenant.
    ///
    /// See the [module documentation](self) for an example.
    pub fn verify(&self, token: &str, scope: &TenantScope) -> Result<Claims, JwtError> {
        let claims = self.verify_signature(token)?;
        if claims.tid != scope.tenant_id() {
            return Err(JwtError::WrongTenant);
        }
        Ok(claims)
    }

    /// Checks everything [`JwtKeys::verify`] does except the tenant. Only for places that have
    /// no tenant yet; anything that acts for a tenant must use [`JwtKeys::verify`].
    ///
    /// See [`JwtKeys::sign`] for an example.
    pub fn verify_signature(&self, token: &str) -> Result<Claims, JwtError> {
        let found = header_algorithm(token)?;
        let expected = self.inner.algorithm;
        // Checked here rather than left to jsonwebtoken so that `none` and algorithms it does
        // not know are reported as what they are, and so the pin never depends on a key type.
        if found != expected.as_str() {
            return Err(JwtError::WrongAlgorithm { expected, found });
        }
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.inner.decoding, &self.inner.validation)?;
        Ok(data.claims)
    }
}

/// The `alg` of a compact JWS header, read without trusting anything else in the token.
fn header_algorithm(token: &str) -> Result<String, JwtError> {
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    #[derive(serde::Deserialize)]
    struct AlgOnly {
        alg: String,
    }
    let json = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| JwtError::Malformed)?;
    let header: AlgOnly = serde_json::from_slice(&json).map_err(|_| JwtError::Malformed)?;
    Ok(header.alg)
}

impl fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtKeys")
            .field("algorithm", &self.inner.algorithm)
            .field("can_issue", &self.can_issue())
            .field("leeway", &self.leeway())
            .field("ttl", &self.inner.ttl)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::hs256(b"unit-test secret, thirty-two bytes or more").unwrap()
    }

    #[test]
    fn reads_the_header_algorithm_without_trusting_the_rest() {
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert_eq!(
            header_algorithm(&format!("{none_header}.e30.")).unwrap(),
            "none"
        );
        assert_eq!(header_algorithm("a.b"), Err(JwtError::Malformed));
        assert_eq!(header_algorithm("a.b.c.d"), Err(JwtError::Malformed));
        assert_eq!(header_algorithm("!!.b.c"), Err(JwtError::Malformed));
        let no_alg = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT"}"#);
        assert_eq!(
            header_algorithm(&format!("{no_alg}.e30.x")),
            Err(JwtError::Malformed)
        );
    }

    #[test]
    fn signed_claims_round_trip_and_a_flipped_signature_bit_is_refused() {
        let keys = keys();
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: "u1".into(),
            tid: TenantId::new_v7(),
            role: "owner".into(),
            iat: now,
            exp: now + 60,
            jti: String::new(),
        };
        let token = keys.sign(&claims).unwrap();
        assert_eq!(keys.verify_signature(&token).unwrap(), claims);

        let (message, signature) = token.rsplit_once('.').unwrap();
        let mut raw = URL_SAFE_NO_PAD.decode(signature).unwrap();
        raw[0] ^= 1;
        let tampered = format!("{message}.{}", URL_SAFE_NO_PAD.encode(raw));
        assert_eq!(
            keys.verify_signature(&tampered),
            Err(JwtError::BadSignature)
        );
    }

    #[test]
    fn leeway_and_ttl_are_configurable() {
        let keys = keys()
            .with_leeway(Duration::from_secs(5))
            .with_ttl(Duration::from_secs(60));
        assert_eq!(keys.leeway(), Duration::from_secs(5));
        assert_eq!(keys.ttl(), Duration::from_secs(60));
        assert_eq!(self::keys().leeway(), DEFAULT_LEEWAY);
        let debug = format!("{keys:?}");
        assert!(debug.contains("Hs256") && !debug.contains("unit-test secret"));
    }

    #[test]
    fn the_role_is_carried_as_written_and_required() {
        let keys = keys();
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: "u1".into(),
            tid: TenantId::new_v7(),
            role: "Billing Viewer".into(),
            iat: now,
            exp: now + 60,
            jti: String::new(),
        };
        let token = keys.sign(&claims).unwrap();
        assert_eq!(
            keys.verify_signature(&token).unwrap().role,
            "Billing Viewer"
        );

        let mut json = serde_json::to_value(&claims).unwrap();
        json.as_object_mut().unwrap().remove("role");
        assert!(serde_json::from_value::<Claims>(json).is_err());
    }
}
