//! Invitations: a one-time link an owner or admin hands out, that makes the account with the
//! invitation's email and role, works once and for 7 days, and in no other tenant.

use hyper::{Method, StatusCode};
use serde_json::{Value, json};
use taskflow_app::model::{Invitation, InvitationPatch};

use crate::helpers::{Answer, Signed, TestApp};

api_tests!(
    an_invitation_link_makes_the_account_once,
    only_owners_and_admins_invite_and_only_owners_invite_owners,
    an_invitation_is_checked_and_withdrawn,
    an_expired_invitation_does_not_work,
    an_invitation_works_in_its_own_tenant_only,
);

async fn invite(app: &TestApp, who: &Signed, body: Value) -> Answer {
    app.post(&who.host, "/api/v1/invitations", &who.token, body)
        .await
}

/// A request without a token, as the invitee sends it.
async fn anonymous(app: &TestApp, host: &str, path: &str, body: Value) -> Answer {
    app.send(Method::POST, host, path, None, Some(body)).await
}

async fn an_invitation_link_makes_the_account_once(app: TestApp) {
    let acme = app.signup("acme").await;
    let made = invite(
        &app,
        &acme,
        json!({ "email": " Ada@Acme.Example ", "role": "admin" }),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let token = made.body["token"].as_str().unwrap().to_owned();
    assert_eq!(made.body["path"], format!("/invite#token={token}"));
    assert_eq!(made.body["invitation"]["email"], "ada@acme.example");
    assert_eq!(made.body["invitation"]["role"], "admin");
    assert_eq!(made.body["invitation"]["invited_by"], acme.user_id.as_str());
    let pending = app
        .get(&acme.host, "/api/v1/invitations", &acme.token)
        .await;
    assert_eq!(pending.body["items"].as_array().unwrap().len(), 1);
    // The list never shows a token.
    assert!(!pending.body.to_string().contains(&token));

    let preview = anonymous(
        &app,
        &acme.host,
        "/api/v1/invitations/preview",
        json!({ "token": token }),
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK, "{:?}", preview.body);
    assert_eq!(preview.body["organization"], "acme Inc.");
    assert_eq!(preview.body["email"], "ada@acme.example");
    assert_eq!(preview.body["role"], "admin");
    assert_eq!(preview.body["invited_by"], "Owner");

    // A bad password changes nothing: the link still works.
    let weak = anonymous(
        &app,
        &acme.host,
        "/api/v1/invitations/accept",
        json!({ "token": token, "name": "Ada", "password": "short" }),
    )
    .await;
    assert_eq!(
        weak.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        weak.body
    );
    let joined = anonymous(
        &app,
        &acme.host,
        "/api/v1/invitations/accept",
        json!({ "token": token, "name": "Ada", "password": "analytical engine" }),
    )
    .await;
    assert_eq!(joined.status, StatusCode::CREATED, "{:?}", joined.body);
    assert_eq!(joined.body["user"]["email"], "ada@acme.example");
    assert_eq!(joined.body["user"]["role"], "admin");
    let session = joined.body["token"].as_str().unwrap();
    let me = app.get(&acme.host, "/api/v1/me", session).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["user"]["name"], "Ada");
    // Signed in with the chosen password too.
    let login = anonymous(
        &app,
        &acme.host,
        "/api/v1/auth/login",
        json!({ "email": "ada@acme.example", "password": "analytical engine" }),
    )
    .await;
    assert_eq!(login.status, StatusCode::OK);

    // Once: the link is spent, and the invitation is no longer pending.
    for path in ["/api/v1/invitations/preview", "/api/v1/invitations/accept"] {
        let again = anonymous(
            &app,
            &acme.host,
            path,
            json!({ "token": token, "name": "Eve", "password": "password1" }),
        )
        .await;
        assert_eq!(
            again.status,
            StatusCode::NOT_FOUND,
            "{path}: {:?}",
            again.body
        );
        assert_eq!(again.code(), "not_found");
    }
    let pending = app
        .get(&acme.host, "/api/v1/invitations", &acme.token)
        .await;
    assert!(pending.body["items"].as_array().unwrap().is_empty());
    // Inviting an existing user's email is a conflict.
    let taken = invite(&app, &acme, json!({ "email": "ada@acme.example" })).await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{:?}", taken.body);
}

async fn only_owners_and_admins_invite_and_only_owners_invite_owners(app: TestApp) {
    let acme = app.signup("acme").await;
    let (_, member) = app.add_user(&acme, "m@acme.example", "member").await;
    let (_, admin) = app.add_user(&acme, "a@acme.example", "admin").await;
    let as_member = Signed {
        token: member,
        ..acme.clone()
    };
    let as_admin = Signed {
        token: admin,
        ..acme.clone()
    };
    let refused = invite(&app, &as_member, json!({ "email": "x@acme.example" })).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
    assert_eq!(refused.code(), "forbidden");
    let listed = app
        .get(&acme.host, "/api/v1/invitations", &as_member.token)
        .await;
    assert_eq!(listed.status, StatusCode::FORBIDDEN);
    let owner_by_admin = invite(
        &app,
        &as_admin,
        json!({ "email": "o@acme.example", "role": "owner" }),
    )
    .await;
    assert_eq!(
        owner_by_admin.status,
        StatusCode::FORBIDDEN,
        "{:?}",
        owner_by_admin.body
    );
    let member_by_admin = invite(&app, &as_admin, json!({ "email": "n@acme.example" })).await;
    assert_eq!(member_by_admin.status, StatusCode::CREATED);
    assert_eq!(member_by_admin.body["invitation"]["role"], "member");
    let owner_by_owner = invite(
        &app,
        &acme,
        json!({ "email": "o@acme.example", "role": "owner" }),
    )
    .await;
    assert_eq!(owner_by_owner.status, StatusCode::CREATED);
    // The refusals wrote nothing.
    let pending = app
        .get(&acme.host, "/api/v1/invitations", &acme.token)
        .await;
    let emails: Vec<&str> = pending.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["n@acme.example", "o@acme.example"]);
}

async fn an_invitation_is_checked_and_withdrawn(app: TestApp) {
    let acme = app.signup("acme").await;
    for body in [
        json!({ "email": "not an email" }),
        json!({ "email": "a@acme.example", "role": "boss" }),
        json!({}),
    ] {
        let answer = invite(&app, &acme, body.clone()).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {:?}",
            answer.body
        );
    }
    let made = invite(&app, &acme, json!({ "email": "a@acme.example" })).await;
    let id = made.body["invitation"]["id"].as_str().unwrap().to_owned();
    let token = made.body["token"].as_str().unwrap().to_owned();
    let withdrawn = app
        .delete(
            &acme.host,
            &format!("/api/v1/invitations/{id}"),
            &acme.token,
        )
        .await;
    assert_eq!(withdrawn.status, StatusCode::NO_CONTENT);
    let accept = anonymous(
        &app,
        &acme.host,
        "/api/v1/invitations/accept",
        json!({ "token": token, "name": "A", "password": "password1" }),
    )
    .await;
    assert_eq!(accept.status, StatusCode::NOT_FOUND, "{:?}", accept.body);
    for body in [
        json!({ "token": "made-up" }),
        json!({}),
        json!({ "token": 7 }),
    ] {
        let answer = anonymous(
            &app,
            &acme.host,
            "/api/v1/invitations/preview",
            body.clone(),
        )
        .await;
        assert!(
            matches!(
                answer.status,
                StatusCode::NOT_FOUND | StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY
            ),
            "{body}: {:?}",
            answer
        );
    }
}

async fn an_expired_invitation_does_not_work(app: TestApp) {
    let acme = app.signup("acme").await;
    let made = invite(&app, &acme, json!({ "email": "late@acme.example" })).await;
    let token = made.body["token"].as_str().unwrap().to_owned();
    // Made 7 days and a minute ago, as far as the database knows.
    let scope = app.db.scope_by_subdomain("acme").await.unwrap();
    let mut tx = app.db.begin(&scope).await.unwrap();
    let expired = InvitationPatch {
        expires_at: Some(taskflow_app::model::now() - chrono::Duration::minutes(1)),
        ..InvitationPatch::default()
    };
    let id: uuid::Uuid = made.body["invitation"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        Invitation::scoped(&mut tx)
            .filter(Invitation::ID.eq(id))
            .update(&expired)
            .await
            .unwrap(),
        1
    );
    tx.commit().await.unwrap();
    let accept = anonymous(
        &app,
        &acme.host,
        "/api/v1/invitations/accept",
        json!({ "token": token, "name": "Late", "password": "password1" }),
    )
    .await;
    assert_eq!(accept.status, StatusCode::NOT_FOUND, "{:?}", accept.body);
    let pending = app
        .get(&acme.host, "/api/v1/invitations", &acme.token)
        .await;
    assert!(pending.body["items"].as_array().unwrap().is_empty());
}

async fn an_invitation_works_in_its_own_tenant_only(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let made = invite(
        &app,
        &acme,
        json!({ "email": "spy@globex.example", "role": "admin" }),
    )
    .await;
    let token = made.body["token"].as_str().unwrap().to_owned();
    let id = made.body["invitation"]["id"].as_str().unwrap().to_owned();
    // On Globex's host the link is unknown: no preview, no account, nothing to withdraw.
    let preview = anonymous(
        &app,
        &globex.host,
        "/api/v1/invitations/preview",
        json!({ "token": token }),
    )
    .await;
    assert_eq!(preview.status, StatusCode::NOT_FOUND);
    let accept = anonymous(
        &app,
        &globex.host,
        "/api/v1/invitations/accept",
        json!({ "token": token, "name": "Spy", "password": "password1" }),
    )
    .await;
    assert_eq!(accept.status, StatusCode::NOT_FOUND);
    let withdraw = app
        .delete(
            &globex.host,
            &format!("/api/v1/invitations/{id}"),
            &globex.token,
        )
        .await;
    assert_eq!(withdraw.status, StatusCode::NOT_FOUND);
    assert_eq!(withdraw.code(), "not_found");
    let theirs = app
        .get(&globex.host, "/api/v1/invitations", &globex.token)
        .await;
    assert!(theirs.body["items"].as_array().unwrap().is_empty());
    let users = app.get(&globex.host, "/api/v1/users", &globex.token).await;
    assert_eq!(users.body["items"].as_array().unwrap().len(), 1);
    // Acme's invitation is intact and still works on Acme.
    let joined = anonymous(
        &app,
        &acme.host,
        "/api/v1/invitations/accept",
        json!({ "token": token, "name": "Spy", "password": "password1" }),
    )
    .await;
    assert_eq!(joined.status, StatusCode::CREATED, "{:?}", joined.body);
}
