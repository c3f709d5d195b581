//! Login, `me`, and which credentials and hosts a tenant route accepts.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hyper::{Method, StatusCode};
use serde_json::json;
use taskflow_app::role::Role;
use taskflow_tenancy::TenantId;
use taskflow_tenancy::web::jwt::{Claims, JwtKeys};

use crate::helpers::TestApp;

api_tests!(
    login_returns_a_token_and_the_user,
    login_answers_the_same_for_unknown_email_and_wrong_password,
    a_token_is_only_valid_on_its_own_tenant,
    hosts_that_name_no_tenant_are_404,
    headers_cannot_choose_the_tenant,
    bad_tokens_are_401,
    a_token_dies_with_its_user,
    a_tokens_role_grants_nothing,
);

async fn login(app: &TestApp, host: &str, email: &str, password: &str) -> crate::helpers::Answer {
    app.send(
        Method::POST,
        host,
        "/api/v1/auth/login",
        None,
        Some(json!({ "email": email, "password": password })),
    )
    .await
}

async fn login_returns_a_token_and_the_user(app: TestApp) {
    let acme = app.signup("acme").await;
    let answer = login(
        &app,
        "ACME.localhost:8080",
        "Owner@acme.example",
        "password1",
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    assert_eq!(answer.body["user"]["id"], acme.user_id.as_str());
    let token = answer.body["token"].as_str().unwrap();
    let me = app.get(&acme.host, "/api/v1/me", token).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["user"]["email"], "owner@acme.example");
    assert_eq!(me.body["tenant"]["subdomain"], "acme");
}

async fn login_answers_the_same_for_unknown_email_and_wrong_password(app: TestApp) {
    let acme = app.signup("acme").await;
    app.signup("globex").await;
    let wrong_password = login(&app, &acme.host, "owner@acme.example", "password2").await;
    let unknown_email = login(&app, &acme.host, "nobody@acme.example", "password1").await;
    // Globex's owner exists, but not in Acme.
    let other_tenant = login(&app, &acme.host, "owner@globex.example", "password1").await;
    for answer in [&wrong_password, &unknown_email, &other_tenant] {
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer.body, wrong_password.body);
    }
}

async fn a_token_is_only_valid_on_its_own_tenant(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    for path in ["/api/v1/me", "/api/v1/users", "/api/v1/projects"] {
        let crossed = app.get(&globex.host, path, &acme.token).await;
        assert_eq!(crossed.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(crossed.code(), "unauthorized");
    }
}

async fn hosts_that_name_no_tenant_are_404(app: TestApp) {
    let acme = app.signup("acme").await;
    for host in [
        "initech.localhost",
        "x.acme.localhost",
        "acme.example.com",
        "localhost",
        "127.0.0.1",
    ] {
        let answer = app.get(host, "/api/v1/me", &acme.token).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{host}");
        assert_eq!(answer.code(), "tenant_not_found", "{host}");
    }
}

async fn headers_cannot_choose_the_tenant(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let bearer = format!("Bearer {}", acme.token);
    let answer = app
        .raw(
            Method::GET,
            &globex.host,
            "/api/v1/me",
            &[
                ("authorization", &bearer),
                ("x-tenant", "acme"),
                ("x-forwarded-host", "acme.localhost"),
            ],
            "",
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
}

async fn bad_tokens_are_401(app: TestApp) {
    let acme = app.signup("acme").await;
    let no_token = app
        .send(Method::GET, &acme.host, "/api/v1/me", None, None)
        .await;
    assert_eq!(no_token.status, StatusCode::UNAUTHORIZED);
    assert_eq!(no_token.code(), "unauthorized");
    let garbage = app.get(&acme.host, "/api/v1/me", "not.a.token").await;
    assert_eq!(garbage.status, StatusCode::UNAUTHORIZED);

    let tid: TenantId = acme.tenant_id.parse().unwrap();
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        sub: acme.user_id.clone(),
        tid,
        role: Role::Owner.into(),
        iat: now,
        exp: now + 600,
    };
    // Signed with another secret.
    let forged = JwtKeys::hs256("another secret that is long enough for HS256")
        .unwrap()
        .sign(&claims)
        .unwrap();
    assert_eq!(
        app.get(&acme.host, "/api/v1/me", &forged).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Expired, though signed with the right secret.
    let keys = JwtKeys::hs256("a test secret that is long enough for HS256").unwrap();
    let expired = keys
        .sign(&Claims {
            iat: now - 7200,
            exp: now - 3600,
            ..claims.clone()
        })
        .unwrap();
    assert_eq!(
        app.get(&acme.host, "/api/v1/me", &expired).await.status,
        StatusCode::UNAUTHORIZED
    );
    // `alg: none`, with the claims of a real user.
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    let unsigned = format!("{header}.{payload}.");
    assert_eq!(
        app.get(&acme.host, "/api/v1/me", &unsigned).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The right secret, tenant and user, but a role the app does not have: whatever signed
    // it, the app did not issue it. The same claims with a role of the app's pass.
    let with_role = |role: &str| {
        keys.sign(&Claims {
            role: role.to_owned(),
            ..claims.clone()
        })
        .unwrap()
    };
    for role in ["root", "Owner", "owner ", ""] {
        let answer = app.get(&acme.host, "/api/v1/me", &with_role(role)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{role:?}");
        assert_eq!(answer.code(), "unauthorized", "{role:?}");
    }
    for role in Role::ALL {
        assert_eq!(
            app.get(&acme.host, "/api/v1/me", &with_role(role.as_str()))
                .await
                .status,
            StatusCode::OK,
            "{role}"
        );
    }
    // The right secret and tenant, but a user id that is not a user.
    let stranger = keys
        .sign(&Claims {
            sub: uuid::Uuid::now_v7().to_string(),
            ..claims
        })
        .unwrap();
    assert_eq!(
        app.get(&acme.host, "/api/v1/me", &stranger).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn a_token_dies_with_its_user(app: TestApp) {
    let acme = app.signup("acme").await;
    let (member, member_token) = app.add_user(&acme, "m@acme.example", "member").await;
    assert_eq!(
        app.get(&acme.host, "/api/v1/me", &member_token)
            .await
            .status,
        StatusCode::OK
    );
    let removed = app
        .delete(&acme.host, &format!("/api/v1/users/{member}"), &acme.token)
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&acme.host, "/api/v1/me", &member_token)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

/// A member's token that says "owner" (the app never issues one, but a leaked secret could)
/// still acts as a member: the role that counts is the database's.
async fn a_tokens_role_grants_nothing(app: TestApp) {
    let acme = app.signup("acme").await;
    let (member, _) = app.add_user(&acme, "m@acme.example", "member").await;
    let now = chrono::Utc::now().timestamp();
    let keys = JwtKeys::hs256("a test secret that is long enough for HS256").unwrap();
    let as_owner = keys
        .sign(&Claims {
            sub: member,
            tid: acme.tenant_id.parse().unwrap(),
            role: Role::Owner.into(),
            iat: now,
            exp: now + 600,
        })
        .unwrap();
    let me = app.get(&acme.host, "/api/v1/me", &as_owner).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["user"]["role"], "member");
    let created = app
        .post(
            &acme.host,
            "/api/v1/users",
            &as_owner,
            json!({ "email": "x@acme.example", "name": "X", "password": "password1" }),
        )
        .await;
    assert_eq!(created.status, StatusCode::FORBIDDEN);
    assert_eq!(created.code(), "forbidden");
}
