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
    failed_logins_are_throttled_per_account,
    a_successful_login_forgets_the_accounts_failures,
    failed_logins_are_throttled_per_client_behind_a_trusted_proxy,
    logout_revokes_the_token_it_is_called_with,
    a_logout_in_one_tenant_touches_no_other,
    logging_out_everywhere_ends_every_session_of_the_user_only,
    a_password_change_ends_every_session_and_checks_the_current_password,
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
        jti: String::new(),
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
            jti: String::new(),
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

/// A login of `email` with `password`, from `client` as a trusted proxy names it.
async fn login_from(
    app: &TestApp,
    host: &str,
    client: &str,
    email: &str,
    password: &str,
) -> crate::helpers::Answer {
    let body = serde_json::to_vec(&json!({ "email": email, "password": password })).unwrap();
    app.raw(
        Method::POST,
        host,
        "/api/v1/auth/login",
        &[
            ("content-type", "application/json"),
            ("x-forwarded-for", client),
        ],
        body,
    )
    .await
}

fn assert_throttled(answer: &crate::helpers::Answer) {
    assert_eq!(
        answer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{:?}",
        answer.body
    );
    assert_eq!(answer.code(), "rate_limited");
    let wait: u64 = answer.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&wait), "Retry-After {wait}");
}

async fn failed_logins_are_throttled_per_account(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    app.add_user(&acme, "member@acme.example", "member").await;
    for n in 0..5 {
        let answer = login(&app, &acme.host, "Owner@acme.example", &format!("guess{n}")).await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "guess {n}: {:?}",
            answer.body
        );
    }
    // Past the limit even the right password is refused, and the answer says when to retry.
    assert_throttled(&login(&app, &acme.host, "owner@acme.example", "password1").await);
    // The token the owner already has still works; other accounts still log in.
    let me = app.get(&acme.host, "/api/v1/me", &acme.token).await;
    assert_eq!(me.status, StatusCode::OK);
    let member = login(&app, &acme.host, "member@acme.example", "password1").await;
    assert_eq!(member.status, StatusCode::OK, "{:?}", member.body);
    let other = login(&app, &globex.host, "owner@globex.example", "password1").await;
    assert_eq!(other.status, StatusCode::OK, "{:?}", other.body);
}

async fn a_successful_login_forgets_the_accounts_failures(app: TestApp) {
    let acme = app.signup("acme").await;
    for round in 0..2 {
        for n in 0..4 {
            let answer = login(&app, &acme.host, "owner@acme.example", &format!("g{n}")).await;
            assert_eq!(
                answer.status,
                StatusCode::UNAUTHORIZED,
                "round {round}, guess {n}"
            );
        }
        let right = login(&app, &acme.host, "owner@acme.example", "password1").await;
        assert_eq!(
            right.status,
            StatusCode::OK,
            "round {round}: {:?}",
            right.body
        );
    }
}

async fn failed_logins_are_throttled_per_client_behind_a_trusted_proxy(app: TestApp) {
    let acme = app.signup("acme").await;
    // The same database behind a proxy on loopback that the app trusts.
    let proxied = app
        .twin(|config| config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()])
        .await;
    for n in 0..20 {
        let email = format!("nobody{n}@acme.example");
        let answer = login_from(&proxied, &acme.host, "198.51.100.7", &email, "password1").await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "attempt {n}: {:?}",
            answer.body
        );
    }
    // That client is refused for every account; another client is not. A client naming
    // itself in X-Forwarded-For is not believed: only what the trusted proxy appended counts.
    assert_throttled(
        &login_from(
            &proxied,
            &acme.host,
            "198.51.100.7",
            "owner@acme.example",
            "password1",
        )
        .await,
    );
    assert_throttled(
        &login_from(
            &proxied,
            &acme.host,
            "203.0.113.1, 198.51.100.7",
            "owner@acme.example",
            "password1",
        )
        .await,
    );
    let other = login_from(
        &proxied,
        &acme.host,
        "203.0.113.1",
        "owner@acme.example",
        "password1",
    )
    .await;
    assert_eq!(other.status, StatusCode::OK, "{:?}", other.body);
    // The app that trusts no proxy ignores the header: every attempt there is from loopback.
    let direct = login_from(
        &app,
        &acme.host,
        "198.51.100.7",
        "owner@acme.example",
        "password1",
    )
    .await;
    assert_eq!(direct.status, StatusCode::OK, "{:?}", direct.body);
}

async fn logout_revokes_the_token_it_is_called_with(app: TestApp) {
    let acme = app.signup("acme").await;
    let second = login(&app, &acme.host, "owner@acme.example", "password1").await;
    let second = second.body["token"].as_str().unwrap().to_owned();
    let project = app.project(&acme, "Rocket").await;
    let out = app
        .send(
            Method::POST,
            &acme.host,
            "/api/v1/auth/logout",
            Some(&acme.token),
            None,
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT, "{:?}", out.body);
    for path in [
        "/api/v1/me".to_owned(),
        "/api/v1/projects".to_owned(),
        format!("/api/v1/projects/{project}"),
    ] {
        let answer = app.get(&acme.host, &path, &acme.token).await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "{path}: {:?}",
            answer.body
        );
        assert_eq!(answer.code(), "unauthorized");
    }
    let again = app
        .send(
            Method::POST,
            &acme.host,
            "/api/v1/auth/logout",
            Some(&acme.token),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    // The user's other session goes on, and can log out in turn.
    let me = app.get(&acme.host, "/api/v1/me", &second).await;
    assert_eq!(me.status, StatusCode::OK, "{:?}", me.body);
    let out = app
        .send(
            Method::POST,
            &acme.host,
            "/api/v1/auth/logout",
            Some(&second),
            None,
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&acme.host, "/api/v1/me", &second).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Without a token there is nothing to log out of.
    let anonymous = app
        .send(Method::POST, &acme.host, "/api/v1/auth/logout", None, None)
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

async fn a_logout_in_one_tenant_touches_no_other(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    // Acme's token on Globex's host is refused before anything is revoked.
    let crossed = app
        .send(
            Method::POST,
            &globex.host,
            "/api/v1/auth/logout",
            Some(&acme.token),
            None,
        )
        .await;
    assert_eq!(crossed.status, StatusCode::UNAUTHORIZED);
    for who in [&acme, &globex] {
        let me = app.get(&who.host, "/api/v1/me", &who.token).await;
        assert_eq!(me.status, StatusCode::OK, "{:?}", me.body);
    }
    let out = app
        .send(
            Method::POST,
            &acme.host,
            "/api/v1/auth/logout",
            Some(&acme.token),
            None,
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let me = app.get(&globex.host, "/api/v1/me", &globex.token).await;
    assert_eq!(me.status, StatusCode::OK, "{:?}", me.body);
}

/// Two processes on one Redis share the counts: failures spread over both are one budget.
#[tokio::test]
async fn processes_on_one_redis_share_the_failed_login_counts() {
    let Some(redis) = taskflow_tenancy::testkit::redis_url() else {
        return;
    };
    let (a, b, acme) = crate::tenant_changes::two_processes(redis.clone(), redis).await;
    for n in 0..5 {
        let app = if n % 2 == 0 { &a } else { &b };
        let answer = login(app, &acme.host, "owner@acme.example", "wrong").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "attempt {n}");
    }
    for app in [&a, &b] {
        assert_throttled(&login(app, &acme.host, "owner@acme.example", "password1").await);
    }
}

/// A process cut off from Redis goes on counting, in its own memory.
#[tokio::test]
async fn a_process_cut_off_from_redis_still_throttles_failed_logins() {
    let Some(redis) = taskflow_tenancy::testkit::redis_url() else {
        return;
    };
    let relay = crate::queue::Relay::to(&redis).await;
    let via_relay = format!("redis://127.0.0.1:{}", relay.port);
    let prefix = crate::queue::prefix();
    let app = TestApp::spawn_with(crate::helpers::Backend::Sqlite, move |config| {
        config.redis_url = Some(via_relay);
        config.redis_prefix = prefix;
    })
    .await
    .expect("SQLite always runs");
    let acme = app.signup("acme").await;
    relay.cut().await;
    for n in 0..5 {
        let answer = login(&app, &acme.host, "owner@acme.example", "wrong").await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "attempt {n}: {:?}",
            answer.body
        );
    }
    assert_throttled(&login(&app, &acme.host, "owner@acme.example", "password1").await);
}

async fn logging_out_everywhere_ends_every_session_of_the_user_only(app: TestApp) {
    let acme = app.signup("acme").await;
    let (_, member) = app.add_user(&acme, "m@acme.example", "member").await;
    let phone = login(&app, &acme.host, "owner@acme.example", "password1").await;
    let phone = phone.body["token"].as_str().unwrap().to_owned();
    let out = app
        .send(
            Method::POST,
            &acme.host,
            "/api/v1/auth/logout-everywhere",
            Some(&acme.token),
            None,
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT, "{:?}", out.body);
    for token in [&acme.token, &phone] {
        let me = app.get(&acme.host, "/api/v1/me", token).await;
        assert_eq!(me.status, StatusCode::UNAUTHORIZED, "{:?}", me.body);
    }
    // Another user's session goes on.
    let me = app.get(&acme.host, "/api/v1/me", &member).await;
    assert_eq!(me.status, StatusCode::OK, "{:?}", me.body);
    // A login in a later second gets a token that works.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let again = login(&app, &acme.host, "owner@acme.example", "password1").await;
    let token = again.body["token"].as_str().unwrap();
    assert_eq!(
        app.get(&acme.host, "/api/v1/me", token).await.status,
        StatusCode::OK
    );
}

async fn a_password_change_ends_every_session_and_checks_the_current_password(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let change =
        |current: &str, new: &str| json!({ "current_password": current, "new_password": new });
    let path = "/api/v1/auth/password";
    // A wrong current password or a short new one changes nothing.
    let wrong = app
        .post(
            &acme.host,
            path,
            &acme.token,
            change("guess", "new-password-1"),
        )
        .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        wrong.body
    );
    assert_eq!(
        wrong.body["error"]["fields"]["current_password"],
        "is not your current password"
    );
    let short = app
        .post(&acme.host, path, &acme.token, change("password1", "short"))
        .await;
    assert_eq!(
        short.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        short.body
    );
    assert!(short.body["error"]["fields"]["new_password"].is_string());
    assert_eq!(
        app.get(&acme.host, "/api/v1/me", &acme.token).await.status,
        StatusCode::OK
    );
    // Another tenant's token cannot change anything here.
    let crossed = app
        .post(
            &acme.host,
            path,
            &globex.token,
            change("password1", "new-password-1"),
        )
        .await;
    assert_eq!(crossed.status, StatusCode::UNAUTHORIZED);

    let changed = app
        .post(
            &acme.host,
            path,
            &acme.token,
            change("password1", "new-password-1"),
        )
        .await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT, "{:?}", changed.body);
    assert_eq!(
        app.get(&acme.host, "/api/v1/me", &acme.token).await.status,
        StatusCode::UNAUTHORIZED
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let old = login(&app, &acme.host, "owner@acme.example", "password1").await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let new = login(&app, &acme.host, "owner@acme.example", "new-password-1").await;
    assert_eq!(new.status, StatusCode::OK, "{:?}", new.body);
    // Globex's owner, with the same old password, is untouched.
    let other = login(&app, &globex.host, "owner@globex.example", "password1").await;
    assert_eq!(other.status, StatusCode::OK);
}
