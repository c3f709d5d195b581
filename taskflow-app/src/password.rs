//! Password hashing: argon2id with the crate's default (OWASP-recommended) parameters.
//!
//! Hashing is deliberately slow, so it runs on the blocking thread pool, off the async workers.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

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
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// The argon2id PHC string of `password`, with a fresh salt.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let hash = taskflow_app::password::hash("correct horse").await.unwrap();
/// assert!(hash.starts_with("$argon2id$"));
/// assert!(taskflow_app::password::verify("correct horse", Some(hash.clone())).await);
/// assert!(!taskflow_app::password::verify("wrong horse", Some(hash)).await);
/// assert!(!taskflow_app::password::verify("correct horse", None).await);
/// # }
/// ```
pub async fn hash(password: &str) -> Result<String, PasswordError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| PasswordError(e.to_string()))?
        .map_err(|e| PasswordError(e.to_string()))
}

/// Whether `password` matches `hash`; with no hash (unknown user), checks against a dummy hash
/// and answers `false`, taking the same time.
///
/// See [`hash`] for an example.
pub async fn verify(password: &str, hash: Option<String>) -> bool {
    let password = password.to_owned();
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

/// Hashing failed (it does not, short of running out of memory).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct PasswordError(String);

/// Computes the dummy hash now rather than in the first login for an unknown email, which
/// would otherwise take twice as long as any other and give the game away.
pub async fn warm_up() {
    let _ = tokio::task::spawn_blocking(|| LazyLock::force(&DUMMY_HASH).len()).await;
}
