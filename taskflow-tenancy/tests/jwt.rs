//! Tokens bound to a tenant: each algorithm signs and verifies with real keys (the PEM files in
//! `tests/fixtures/` are test-only keys made with openssl), the algorithm is pinned against
//! `none`, other HMACs and RSA/HMAC confusion, `exp` is enforced with its leeway, and a token is
//! accepted only for the tenant it names. Tenants and scopes come from a real SQLite store.
#![cfg(feature = "jwt")]

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use taskflow_tenancy::testkit::{self, SqliteDb};
use taskflow_tenancy::web::jwt::{Claims, JwtAlgorithm, JwtError, JwtKeys};
use taskflow_tenancy::{AdminCapability, TenantDb, TenantScope};

const SECRET: &[u8] = b"integration-test secret of forty bytes!!";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

struct Tenants {
    /// Keeps the database file alive.
    _db: SqliteDb,
    /// The handle that issued `acme` and `globex`.
    store: TenantDb<sqlx::Sqlite>,
    acme: TenantScope,
    globex: TenantScope,
}

async fn tenants() -> Tenants {
    let db = testkit::sqlite().await.unwrap();
    let store = TenantDb::new(db.pool.clone());
    store.migrate().await.unwrap();
    let admin = AdminCapability::grant("jwt-tests", "two tenants for token tests").unwrap();
    store.create(&admin, "Acme", "acme").await.unwrap();
    store.create(&admin, "Globex", "globex").await.unwrap();
    Tenants {
        acme: store.scope_by_subdomain("acme").await.unwrap(),
        globex: store.scope_by_subdomain("globex").await.unwrap(),
        store,
        _db: db,
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims_for(scope: &TenantScope, exp_from_now: i64) -> Claims {
    Claims {
        sub: "user-1".into(),
        tid: scope.tenant_id(),
        role: "member".into(),
        iat: now(),
        exp: now() + exp_from_now,
        jti: String::new(),
    }
}

fn hs256() -> JwtKeys {
    JwtKeys::hs256(SECRET).unwrap()
}

fn rs256() -> JwtKeys {
    JwtKeys::rs256(&fixture("rsa-private.pem"), &fixture("rsa-public.pem")).unwrap()
}

fn eddsa() -> JwtKeys {
    JwtKeys::eddsa(
        &fixture("ed25519-private.pem"),
        &fixture("ed25519-public.pem"),
    )
    .unwrap()
}

/// A token with exactly this header and payload JSON, signed by jsonwebtoken's low-level signer
/// when a key is given, and with an empty signature otherwise.
fn raw_token(header: &str, payload: &str, key: Option<(&EncodingKey, Algorithm)>) -> String {
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signature = match key {
        Some((key, alg)) => jsonwebtoken::crypto::sign(message.as_bytes(), key, alg).unwrap(),
        None => String::new(),
    };
    format!("{message}.{signature}")
}

fn payload(claims: &Claims) -> String {
    serde_json::to_string(claims).unwrap()
}

#[tokio::test]
async fn each_algorithm_issues_and_verifies_for_its_tenant() {
    let t = tenants().await;
    for (keys, alg) in [
        (hs256(), JwtAlgorithm::Hs256),
        (rs256(), JwtAlgorithm::Rs256),
        (eddsa(), JwtAlgorithm::EdDsa),
    ] {
        assert_eq!(keys.algorithm(), alg);
        let token = keys.issue(&t.acme, "user-7", "owner").unwrap();
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(format!("{:?}", header.alg), alg.as_str());

        let claims = keys.verify(&token, &t.acme).unwrap();
        assert_eq!(claims.sub, "user-7");
        assert_eq!(claims.tid, t.acme.tenant_id());
        assert_eq!(claims.role, "owner");
        assert_eq!(claims.exp - claims.iat, keys.ttl().as_secs() as i64);
        assert!((claims.iat - now()).abs() <= 2);

        assert_eq!(
            keys.verify(&token, &t.globex),
            Err(JwtError::WrongTenant),
            "{alg}"
        );
    }
}

#[tokio::test]
async fn public_key_verifiers_accept_what_the_private_key_issued() {
    let t = tenants().await;
    let rs_token = rs256().issue(&t.globex, "u", "admin").unwrap();
    let rs_verifier = JwtKeys::rs256_verifier(&fixture("rsa-public.pem")).unwrap();
    assert_eq!(
        rs_verifier.verify(&rs_token, &t.globex).unwrap().role,
        "admin"
    );

    let ed_token = eddsa().issue(&t.globex, "u", "member").unwrap();
    let ed_verifier = JwtKeys::eddsa_verifier(&fixture("ed25519-public.pem")).unwrap();
    assert_eq!(ed_verifier.verify(&ed_token, &t.globex).unwrap().sub, "u");

    assert!(!ed_verifier.can_issue());
    assert_eq!(
        ed_verifier.issue(&t.globex, "u", "member"),
        Err(JwtError::CannotIssue)
    );
}

/// The role is the application's string: carried and signed as written, never interpreted.
/// Refusing a role it does not know is the application's work.
#[tokio::test]
async fn the_role_is_carried_as_the_application_wrote_it() {
    let t = tenants().await;
    for keys in [hs256(), rs256(), eddsa()] {
        for role in ["owner", "billing-viewer", "Root", ""] {
            let token = keys.issue(&t.acme, "u", role).unwrap();
            assert_eq!(keys.verify(&token, &t.acme).unwrap().role, role);
        }
        let owned: String = "auditor".to_owned();
        let token = keys.issue(&t.acme, "u", owned).unwrap();
        assert_eq!(keys.verify(&token, &t.acme).unwrap().role, "auditor");
    }
    // Signed with the rest: a role changed in the payload breaks the signature.
    let keys = hs256();
    let token = keys.issue(&t.acme, "u", "member").unwrap();
    let mut parts = token.split('.');
    let (header, _, signature) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let promoted = payload(&Claims {
        role: "owner".into(),
        ..keys.verify(&token, &t.acme).unwrap()
    });
    let forged = format!("{header}.{}.{signature}", URL_SAFE_NO_PAD.encode(promoted));
    assert_eq!(keys.verify(&forged, &t.acme), Err(JwtError::BadSignature));
}

#[tokio::test]
async fn another_key_of_the_same_algorithm_is_a_bad_signature() {
    let t = tenants().await;
    let other_hs = JwtKeys::hs256(b"another secret, also long enough to pass").unwrap();
    let other_rs = JwtKeys::rs256(
        &fixture("rsa-other-private.pem"),
        &fixture("rsa-other-public.pem"),
    )
    .unwrap();
    let other_ed = JwtKeys::eddsa(
        &fixture("ed25519-other-private.pem"),
        &fixture("ed25519-other-public.pem"),
    )
    .unwrap();
    for (issuer, verifier) in [
        (other_hs, hs256()),
        (other_rs, rs256()),
        (other_ed, eddsa()),
    ] {
        let token = issuer.issue(&t.acme, "u", "owner").unwrap();
        assert_eq!(
            verifier.verify(&token, &t.acme),
            Err(JwtError::BadSignature)
        );
    }
}

#[tokio::test]
async fn a_payload_moved_to_another_tenant_breaks_the_signature() {
    let t = tenants().await;
    for keys in [hs256(), rs256(), eddsa()] {
        let token = keys.issue(&t.acme, "u", "owner").unwrap();
        let mut parts = token.split('.');
        let (header, _, signature) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let forged = payload(&claims_for(&t.globex, 600));
        let forged = format!("{header}.{}.{signature}", URL_SAFE_NO_PAD.encode(forged));
        assert_eq!(keys.verify(&forged, &t.globex), Err(JwtError::BadSignature));
    }
}

#[tokio::test]
async fn alg_none_is_refused_by_every_configuration() {
    let t = tenants().await;
    let claims = payload(&claims_for(&t.acme, 600));
    for header in [
        r#"{"alg":"none","typ":"JWT"}"#,
        r#"{"alg":"None","typ":"JWT"}"#,
        r#"{"alg":"NONE"}"#,
    ] {
        let token = raw_token(header, &claims, None);
        for keys in [hs256(), rs256(), eddsa()] {
            assert!(
                matches!(
                    keys.verify(&token, &t.acme),
                    Err(JwtError::WrongAlgorithm { ref found, .. }) if found.eq_ignore_ascii_case("none")
                ),
                "{header} on {}",
                keys.algorithm()
            );
        }
    }
}

#[tokio::test]
async fn other_hmac_strengths_are_refused_under_hs256() {
    let t = tenants().await;
    let keys = hs256();
    let secret = EncodingKey::from_secret(SECRET);
    let claims = claims_for(&t.acme, 600);
    for alg in [Algorithm::HS384, Algorithm::HS512] {
        let token = jsonwebtoken::encode(&Header::new(alg), &claims, &secret).unwrap();
        assert_eq!(
            keys.verify(&token, &t.acme),
            Err(JwtError::WrongAlgorithm {
                expected: JwtAlgorithm::Hs256,
                found: format!("{alg:?}")
            })
        );
    }
    // The same claims under HS256 with the same secret are fine: only the algorithm differed.
    let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &secret).unwrap();
    assert_eq!(keys.verify(&token, &t.acme).unwrap(), claims);
}

#[tokio::test]
async fn rs256_and_eddsa_tokens_are_refused_when_hs256_is_configured() {
    let t = tenants().await;
    for issuer in [rs256(), eddsa()] {
        let token = issuer.issue(&t.acme, "u", "owner").unwrap();
        assert!(matches!(
            hs256().verify(&token, &t.acme),
            Err(JwtError::WrongAlgorithm {
                expected: JwtAlgorithm::Hs256,
                ..
            })
        ));
    }
}

/// The classic confusion: the attacker knows the RSA public key and signs an HS256 token with
/// it as the HMAC secret, hoping the verifier feeds its public key to HMAC.
#[tokio::test]
async fn hs256_signed_with_the_rsa_public_key_is_refused_by_rs256() {
    let t = tenants().await;
    let public_pem = fixture("rsa-public.pem");
    let claims = payload(&claims_for(&t.acme, 600));
    let forged = raw_token(
        r#"{"alg":"HS256","typ":"JWT"}"#,
        &claims,
        Some((&EncodingKey::from_secret(&public_pem), Algorithm::HS256)),
    );
    for keys in [rs256(), JwtKeys::rs256_verifier(&public_pem).unwrap()] {
        assert_eq!(
            keys.verify(&forged, &t.acme),
            Err(JwtError::WrongAlgorithm {
                expected: JwtAlgorithm::Rs256,
                found: "HS256".into()
            })
        );
    }
    let eddsa_token = eddsa().issue(&t.acme, "u", "owner").unwrap();
    assert!(matches!(
        rs256().verify(&eddsa_token, &t.acme),
        Err(JwtError::WrongAlgorithm { .. })
    ));
}

#[tokio::test]
async fn exp_is_enforced_with_the_leeway() {
    let t = tenants().await;
    for keys in [hs256(), rs256(), eddsa()] {
        let default_leeway = keys.leeway().as_secs() as i64;
        assert_eq!(default_leeway, 30);

        let inside = keys
            .sign(&claims_for(&t.acme, -(default_leeway - 10)))
            .unwrap();
        assert!(keys.verify(&inside, &t.acme).is_ok());

        let beyond = keys
            .sign(&claims_for(&t.acme, -(default_leeway + 10)))
            .unwrap();
        assert_eq!(keys.verify(&beyond, &t.acme), Err(JwtError::Expired));

        let strict = keys.clone().with_leeway(Duration::ZERO);
        let just_expired = keys.sign(&claims_for(&t.acme, -5)).unwrap();
        assert!(keys.verify(&just_expired, &t.acme).is_ok());
        assert_eq!(
            strict.verify(&just_expired, &t.acme),
            Err(JwtError::Expired)
        );

        let short = keys.clone().with_ttl(Duration::from_secs(60));
        let claims = short.verify(&short.issue(&t.acme, "u", "member").unwrap(), &t.acme);
        assert_eq!(claims.map(|c| c.exp - c.iat), Ok(60));
    }
}

#[tokio::test]
async fn tokens_without_the_required_claims_are_malformed() {
    let t = tenants().await;
    let secret = EncodingKey::from_secret(SECRET);
    let header = r#"{"alg":"HS256","typ":"JWT"}"#;
    let tid = t.acme.tenant_id();
    let exp = now() + 600;
    for payload in [
        // no exp
        format!(r#"{{"sub":"u","tid":"{tid}","role":"member","iat":1}}"#),
        // no tid
        format!(r#"{{"sub":"u","role":"member","iat":1,"exp":{exp}}}"#),
        // a tid that is no id
        format!(r#"{{"sub":"u","tid":"acme","role":"member","iat":1,"exp":{exp}}}"#),
        // no role
        format!(r#"{{"sub":"u","tid":"{tid}","iat":1,"exp":{exp}}}"#),
        // a role that is no string
        format!(r#"{{"sub":"u","tid":"{tid}","role":["owner"],"iat":1,"exp":{exp}}}"#),
        // exp as a string
        format!(r#"{{"sub":"u","tid":"{tid}","role":"member","iat":1,"exp":"{exp}"}}"#),
    ] {
        let token = raw_token(header, &payload, Some((&secret, Algorithm::HS256)));
        assert_eq!(
            hs256().verify(&token, &t.acme),
            Err(JwtError::Malformed),
            "{payload}"
        );
    }
    for garbage in ["", "abc", "a.b.c", "a.b.c.d", "..", "Bearer x.y.z"] {
        assert_eq!(
            hs256().verify(garbage, &t.acme),
            Err(JwtError::Malformed),
            "{garbage:?}"
        );
    }
}

#[test]
fn weak_secrets_and_mismatched_or_broken_key_pairs_are_refused() {
    assert!(matches!(JwtKeys::hs256([7u8; 31]), Err(JwtError::Key(_))));
    assert!(JwtKeys::hs256([7u8; 32]).is_ok());
    assert!(matches!(
        JwtKeys::rs256(
            &fixture("rsa-private.pem"),
            &fixture("rsa-other-public.pem")
        ),
        Err(JwtError::Key(_))
    ));
    assert!(matches!(
        JwtKeys::eddsa(
            &fixture("ed25519-private.pem"),
            &fixture("ed25519-other-public.pem")
        ),
        Err(JwtError::Key(_))
    ));
    // An Ed25519 key where an RSA key belongs, and text that is no PEM at all.
    assert!(
        JwtKeys::rs256(
            &fixture("ed25519-private.pem"),
            &fixture("ed25519-public.pem")
        )
        .is_err()
    );
    assert!(JwtKeys::eddsa_verifier(b"not a pem").is_err());
}

/// The `AuthClaims` extractor behind the real tenant layer: the token must be valid *for the
/// host's tenant*, and every refusal is the contract's 401.
#[cfg(feature = "axum")]
mod extractor {
    use axum::Router;
    use axum::body::Body;
    use axum::extract::{FromRef, State};
    use axum::routing::get;
    use http::{Request, StatusCode, header};
    use serde_json::{Value as Json, json};
    use taskflow_tenancy::web::axum::AuthClaims;
    use taskflow_tenancy::web::layer::TenantLayer;
    use taskflow_tenancy::web::resolve::{SubdomainResolver, TenantCache};
    use tower::ServiceExt;

    use super::*;

    /// Keys reach the extractor through `FromRef`, as they do from an application's state.
    #[derive(Clone, FromRef)]
    struct AppState {
        keys: JwtKeys,
        greeting: &'static str,
    }

    async fn me(AuthClaims(claims): AuthClaims, scope: TenantScope) -> axum::Json<Json> {
        axum::Json(json!({
            "sub": claims.sub,
            "role": claims.role,
            "tid": claims.tid,
            "scope": scope.tenant_id(),
        }))
    }

    async fn maybe(State(greeting): State<&'static str>, claims: Option<AuthClaims>) -> String {
        let who = claims.map_or("anonymous".into(), |AuthClaims(c)| c.sub);
        format!("{greeting} {who}")
    }

    struct Fixture {
        t: Tenants,
        keys: JwtKeys,
        app: Router,
    }

    async fn fixture() -> Fixture {
        let t = tenants().await;
        let keys = hs256();
        let layer = TenantLayer::new(
            SubdomainResolver::new("localhost").unwrap(),
            TenantCache::new(t.store.clone()),
        );
        let app = Router::new()
            .route("/me", get(me))
            .route("/maybe", get(maybe))
            .layer(layer)
            // Mounted without the tenant layer: a wiring mistake.
            .route(
                "/unscoped",
                get(|AuthClaims(c): AuthClaims| async move { c.sub }),
            )
            .with_state(AppState {
                keys: keys.clone(),
                greeting: "hello",
            });
        Fixture { t, keys, app }
    }

    async fn call(
        app: &Router,
        path: &str,
        host: &str,
        authorization: &[&str],
    ) -> (StatusCode, http::HeaderMap, Vec<u8>) {
        let mut request = Request::get(path).header(header::HOST, host);
        for value in authorization {
            request = request.header(header::AUTHORIZATION, *value);
        }
        let response = app
            .clone()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, 64 * 1024)
            .await
            .unwrap()
            .to_vec();
        (parts.status, parts.headers, body)
    }

    fn assert_unauthorized(answer: &(StatusCode, http::HeaderMap, Vec<u8>), why: &str) {
        let (status, headers, body) = answer;
        assert_eq!(*status, StatusCode::UNAUTHORIZED, "{why}");
        assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer", "{why}");
        assert_eq!(headers[header::CONTENT_TYPE], "application/json", "{why}");
        let json: Json = serde_json::from_slice(body).unwrap();
        assert_eq!(json["error"]["code"], "unauthorized", "{why}: {json}");
        assert!(json["error"]["message"].is_string(), "{why}");
    }

    #[tokio::test]
    async fn a_token_works_on_its_tenants_host_only() {
        let fx = fixture().await;
        let acme_token = fx.keys.issue(&fx.t.acme, "ada", "owner").unwrap();
        let bearer = format!("Bearer {acme_token}");

        let (status, _, body) = call(&fx.app, "/me", "acme.localhost", &[&bearer]).await;
        assert_eq!(status, StatusCode::OK);
        let json: Json = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["sub"], "ada");
        assert_eq!(json["role"], "owner");
        assert_eq!(json["tid"], fx.t.acme.tenant_id().to_string());
        assert_eq!(json["scope"], json["tid"]);

        // The scheme is case-insensitive.
        let lower = format!("bearer {acme_token}");
        assert_eq!(
            call(&fx.app, "/me", "ACME.localhost", &[&lower]).await.0,
            StatusCode::OK
        );

        let answer = call(&fx.app, "/me", "globex.localhost", &[&bearer]).await;
        assert_unauthorized(&answer, "acme's token on globex's host");
        let json: Json = serde_json::from_slice(&answer.2).unwrap();
        assert_eq!(
            json["error"]["message"],
            "token is not valid for this tenant"
        );
    }

    #[tokio::test]
    async fn every_bad_credential_is_a_401() {
        let fx = fixture().await;
        let acme = &fx.t.acme;
        let valid = fx.keys.issue(acme, "ada", "member").unwrap();
        let expired = fx.keys.sign(&claims_for(acme, -3600)).unwrap();
        let none = raw_token(r#"{"alg":"none"}"#, &payload(&claims_for(acme, 600)), None);
        let other_key = JwtKeys::hs256(b"somebody else's secret, long enough....")
            .unwrap()
            .issue(acme, "ada", "owner")
            .unwrap();
        let rs = rs256().issue(acme, "ada", "owner").unwrap();
        let cases: Vec<(&str, Vec<String>)> = vec![
            ("no header", vec![]),
            ("empty bearer", vec!["Bearer ".into()]),
            ("basic auth", vec!["Basic YWRhOnNlY3JldA==".into()]),
            ("token without scheme", vec![valid.clone()]),
            ("garbage", vec!["Bearer not-a-jwt".into()]),
            ("expired", vec![format!("Bearer {expired}")]),
            ("alg none", vec![format!("Bearer {none}")]),
            ("another secret", vec![format!("Bearer {other_key}")]),
            ("RS256 against HS256", vec![format!("Bearer {rs}")]),
            (
                "two authorization headers",
                vec![format!("Bearer {valid}"), format!("Bearer {valid}")],
            ),
        ];
        for (why, headers) in cases {
            let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
            assert_unauthorized(&call(&fx.app, "/me", "acme.localhost", &headers).await, why);
        }
        let (status, ..) = call(
            &fx.app,
            "/me",
            "acme.localhost",
            &[&format!("Bearer {valid}")],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "the valid token itself");
    }

    #[tokio::test]
    async fn optional_claims_are_none_without_a_header_and_still_refuse_bad_tokens() {
        let fx = fixture().await;
        let (status, _, body) = call(&fx.app, "/maybe", "acme.localhost", &[]).await;
        assert_eq!(
            (status, body.as_slice()),
            (StatusCode::OK, &b"hello anonymous"[..])
        );

        let globex_token = fx.keys.issue(&fx.t.globex, "gus", "member").unwrap();
        let bearer = format!("Bearer {globex_token}");
        let (status, _, body) = call(&fx.app, "/maybe", "globex.localhost", &[&bearer]).await;
        assert_eq!(
            (status, body.as_slice()),
            (StatusCode::OK, &b"hello gus"[..])
        );
        assert_unauthorized(
            &call(&fx.app, "/maybe", "acme.localhost", &[&bearer]).await,
            "globex's token on acme's host, optional claims",
        );
    }

    #[tokio::test]
    async fn the_tenant_layer_answers_before_the_token_is_read() {
        let fx = fixture().await;
        let token = fx.keys.issue(&fx.t.acme, "ada", "owner").unwrap();
        let bearer = format!("Bearer {token}");
        let (status, _, body) = call(&fx.app, "/me", "nobody.localhost", &[&bearer]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let json: Json = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["error"]["code"], "tenant_not_found");

        // Without the tenant layer there is no tenant to check the token against: a 500 that
        // names the wiring mistake, never a pass.
        let (status, _, body) = call(&fx.app, "/unscoped", "acme.localhost", &[&bearer]).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        let json: Json = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["error"]["code"], "tenant_layer_missing");
    }
}

#[tokio::test]
async fn two_tokens_issued_in_one_second_differ() {
    let tenants = tenants().await;
    let scope = &tenants.acme;
    let keys = hs256();
    let first = keys.issue(scope, "user-1", "member").unwrap();
    let second = keys.issue(scope, "user-1", "member").unwrap();
    assert_ne!(first, second);
    let (a, b) = (
        keys.verify_signature(&first).unwrap(),
        keys.verify_signature(&second).unwrap(),
    );
    assert_eq!(a.jti.len(), 32);
    assert_ne!(a.jti, b.jti);
}
