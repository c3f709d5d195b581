//! Projects: create, read, change, delete, pages, and the tenant wall.

use hyper::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

api_tests!(
    projects_are_created_read_changed_and_deleted,
    a_project_name_is_unique_per_tenant_only,
    project_input_is_checked,
    projects_come_in_pages,
    deleting_a_project_hides_its_tasks_and_comments_until_purged,
    another_tenants_project_is_not_found,
    uniqueness_is_byte_for_byte_on_every_backend,
);

async fn projects_are_created_read_changed_and_deleted(app: TestApp) {
    let acme = app.signup("acme").await;
    let (_, member) = app.add_user(&acme, "m@acme.example", "member").await;
    let created = app
        .post(
            &acme.host,
            "/api/v1/projects",
            &member,
            json!({ "name": " Rocket ", "description": "to the moon" }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.body["name"], "Rocket");
    assert_eq!(created.body["description"], "to the moon");
    for field in ["id", "created_at", "updated_at"] {
        assert!(created.body[field].is_string(), "{field}");
    }
    let path = format!("/api/v1/projects/{}", created.body["id"].as_str().unwrap());
    assert_eq!(app.get(&acme.host, &path, &member).await.body, created.body);

    let renamed = app
        .patch(&acme.host, &path, &member, json!({ "name": "Shuttle" }))
        .await;
    assert_eq!(renamed.status, StatusCode::OK);
    assert_eq!(renamed.body["name"], "Shuttle");
    assert_eq!(renamed.body["description"], "to the moon");
    let cleared = app
        .patch(&acme.host, &path, &member, json!({ "description": null }))
        .await;
    assert_eq!(cleared.body["description"], Value::Null);
    assert_eq!(cleared.body["name"], "Shuttle");

    // Deleting a whole project is for owners and admins; a member's try changes nothing.
    let refused = app.delete(&acme.host, &path, &member).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
    assert_eq!(refused.code(), "forbidden");
    assert_eq!(app.get(&acme.host, &path, &member).await.body, cleared.body);
    let (_, admin) = app.add_user(&acme, "a@acme.example", "admin").await;
    assert_eq!(
        app.delete(&acme.host, &path, &admin).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&acme.host, &path, &member).await.status,
        StatusCode::NOT_FOUND
    );
    // Once gone it is not found, for a member as for anyone: 404 comes before the role.
    for who in [&member, &admin, &acme.token] {
        assert_eq!(
            app.delete(&acme.host, &path, who).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

async fn a_project_name_is_unique_per_tenant_only(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    app.project(&acme, "Rocket").await;
    let other = app.project(&acme, "Other").await;
    let again = app
        .post(
            &acme.host,
            "/api/v1/projects",
            &acme.token,
            json!({ "name": "Rocket" }),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "conflict");
    let rename = app
        .patch(
            &acme.host,
            &format!("/api/v1/projects/{other}"),
            &acme.token,
            json!({ "name": "Rocket" }),
        )
        .await;
    assert_eq!(rename.status, StatusCode::CONFLICT);
    app.project(&globex, "Rocket").await;
}

async fn project_input_is_checked(app: TestApp) {
    let acme = app.signup("acme").await;
    for body in [
        json!({}),
        json!({ "name": "" }),
        json!({ "name": "x".repeat(121) }),
    ] {
        let answer = app
            .post(&acme.host, "/api/v1/projects", &acme.token, body)
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(answer.body["error"]["fields"]["name"].is_string());
    }
    let exactly = app
        .post(
            &acme.host,
            "/api/v1/projects",
            &acme.token,
            json!({ "name": "x".repeat(120) }),
        )
        .await;
    assert_eq!(exactly.status, StatusCode::CREATED);
}

async fn projects_come_in_pages(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let mut made = Vec::new();
    for n in 0..7 {
        made.push(app.project(&acme, &format!("P{n}")).await);
    }
    app.project(&globex, "Globex only").await;
    let mut seen = Vec::new();
    let mut path = "/api/v1/projects?limit=3".to_owned();
    loop {
        let page = app.get(&acme.host, &path, &acme.token).await;
        assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
        let items = page.body["items"].as_array().unwrap();
        assert!(items.len() <= 3);
        seen.extend(items.iter().map(|p| p["id"].as_str().unwrap().to_owned()));
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/projects?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(
        seen, made,
        "every project once, oldest first, none of Globex's"
    );

    let all = app.get(&acme.host, "/api/v1/projects", &acme.token).await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 7);
    assert_eq!(all.body["next_cursor"], Value::Null);

    for query in ["limit=0", "limit=201", "limit=ten", "cursor=garbage"] {
        let answer = app
            .get(
                &acme.host,
                &format!("/api/v1/projects?{query}"),
                &acme.token,
            )
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(answer.code(), "bad_request");
    }
    // A cursor means nothing outside the tenant it was made for.
    let first = app
        .get(&acme.host, "/api/v1/projects?limit=1", &acme.token)
        .await;
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let foreign = app
        .get(
            &globex.host,
            &format!("/api/v1/projects?cursor={cursor}"),
            &globex.token,
        )
        .await;
    assert_eq!(foreign.status, StatusCode::BAD_REQUEST);
}

async fn deleting_a_project_hides_its_tasks_and_comments_until_purged(app: TestApp) {
    let acme = app.signup("acme").await;
    let project = app.project(&acme, "Rocket").await;
    let task = app.task(&acme, &project, "Launch").await;
    let comment = app
        .post(
            &acme.host,
            &format!("/api/v1/tasks/{task}/comments"),
            &acme.token,
            json!({ "body": "go" }),
        )
        .await;
    assert_eq!(comment.status, StatusCode::CREATED);
    let deleted = app
        .delete(
            &acme.host,
            &format!("/api/v1/projects/{project}"),
            &acme.token,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&acme.host, &format!("/api/v1/tasks/{task}"), &acme.token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let comments = app
        .get(
            &acme.host,
            &format!("/api/v1/tasks/{task}/comments"),
            &acme.token,
        )
        .await;
    assert_eq!(comments.status, StatusCode::NOT_FOUND);
    // In the trash the project keeps its name; purged, the name is free again.
    let taken = app
        .post(
            &acme.host,
            "/api/v1/projects",
            &acme.token,
            json!({ "name": "Rocket" }),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{:?}", taken.body);
    let purged = app
        .delete(&acme.host, &format!("/api/v1/trash/{project}"), &acme.token)
        .await;
    assert_eq!(purged.status, StatusCode::NO_CONTENT);
    app.project(&acme, "Rocket").await;
}

async fn another_tenants_project_is_not_found(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let project = app.project(&acme, "Rocket").await;
    let path = format!("/api/v1/projects/{project}");
    for answer in [
        app.get(&globex.host, &path, &globex.token).await,
        app.patch(
            &globex.host,
            &path,
            &globex.token,
            json!({ "name": "Pwned" }),
        )
        .await,
        app.delete(&globex.host, &path, &globex.token).await,
        app.get(&globex.host, &format!("{path}/tasks"), &globex.token)
            .await,
        app.post(
            &globex.host,
            &format!("{path}/tasks"),
            &globex.token,
            json!({ "title": "Sneak" }),
        )
        .await,
    ] {
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{:?}", answer.body);
        assert_eq!(answer.code(), "not_found");
    }
    let list = app
        .get(&globex.host, "/api/v1/projects", &globex.token)
        .await;
    assert_eq!(list.body["items"], json!([]));
    let intact = app.get(&acme.host, &path, &acme.token).await;
    assert_eq!(intact.body["name"], "Rocket");
    assert_eq!(
        app.get(&globex.host, &path, &acme.token).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn uniqueness_is_byte_for_byte_on_every_backend(app: TestApp) {
    let acme = app.signup("acme").await;
    // Names that MariaDB's default collation would call equal are different names.
    for name in ["Launch 🚀", "Launch 😀", "Cafe", "Café", "launch 🚀"] {
        let answer = app
            .post(
                &acme.host,
                "/api/v1/projects",
                &acme.token,
                json!({ "name": name }),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "{name}: {:?}",
            answer.body
        );
        assert_eq!(answer.body["name"], name);
    }
    let again = app
        .post(
            &acme.host,
            "/api/v1/projects",
            &acme.token,
            json!({ "name": "Café" }),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    for email in ["u@x.example", "ü@x.example"] {
        let answer = app
            .post(
                &acme.host,
                "/api/v1/users",
                &acme.token,
                json!({ "email": email, "name": "U", "password": "long enough", "role": "member" }),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "{email}: {:?}",
            answer.body
        );
    }
    // Each logs in as itself.
    for email in ["u@x.example", "ü@x.example"] {
        let login = app
            .post(
                &acme.host,
                "/api/v1/auth/login",
                "",
                json!({ "email": email, "password": "long enough" }),
            )
            .await;
        assert_eq!(login.status, StatusCode::OK, "{email}");
        assert_eq!(login.body["user"]["email"], email);
    }
}
