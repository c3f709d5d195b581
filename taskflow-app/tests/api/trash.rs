//! The trash: a deleted project leaves every list and lookup with everything in it, comes back
//! whole when restored, is purged by hand or 30 days on, and is another tenant's to touch never.

use std::time::Duration;

use hyper::StatusCode;
use serde_json::json;
use taskflow_app::model::{Comment, Project, ProjectPatch, Task};

use crate::helpers::{Signed, TestApp};

api_tests!(
    a_deleted_project_leaves_every_view_and_comes_back_whole,
    only_owners_and_admins_manage_the_trash,
    another_tenant_never_sees_restores_or_purges_a_trashed_project,
    a_purged_project_is_gone_with_everything_in_it,
    the_trash_keeps_a_project_thirty_days,
    an_expired_projects_name_is_free_at_once,
);

/// A project with two tasks, a comment and a finished report; its id and its tasks' ids.
async fn furnished(app: &TestApp, who: &Signed, name: &str) -> (String, Vec<String>) {
    let project = app.project(who, name).await;
    let first = app.task(who, &project, "Launch").await;
    let second = app.task(who, &project, "Land").await;
    let comment = app
        .post(
            &who.host,
            &format!("/api/v1/tasks/{first}/comments"),
            &who.token,
            json!({ "body": "go" }),
        )
        .await;
    assert_eq!(comment.status, StatusCode::CREATED, "{:?}", comment.body);
    let report = app.start_report(who, &project).await;
    let done = app
        .report_when_finished(who, report["id"].as_str().unwrap(), Duration::from_secs(20))
        .await;
    assert_eq!(done["status"], "done", "{done:?}");
    (project, vec![first, second])
}

/// The status of every way to the project and its tasks, in order.
async fn ways_in(app: &TestApp, who: &Signed, project: &str, task: &str) -> Vec<StatusCode> {
    let mut statuses = Vec::new();
    for path in [
        format!("/api/v1/projects/{project}"),
        format!("/api/v1/projects/{project}/tasks"),
        format!("/api/v1/projects/{project}/tasks/counts"),
        format!("/api/v1/projects/{project}/reports"),
        format!("/api/v1/tasks/{task}"),
        format!("/api/v1/tasks/{task}/comments"),
    ] {
        statuses.push(app.get(&who.host, &path, &who.token).await.status);
    }
    let changed = app
        .patch(
            &who.host,
            &format!("/api/v1/tasks/{task}"),
            &who.token,
            json!({ "title": "x" }),
        )
        .await;
    statuses.push(changed.status);
    let created = app
        .post(
            &who.host,
            &format!("/api/v1/projects/{project}/tasks"),
            &who.token,
            json!({ "title": "x" }),
        )
        .await;
    statuses.push(created.status);
    statuses
}

fn ids(body: &serde_json::Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_deleted_project_leaves_every_view_and_comes_back_whole(app: TestApp) {
    app.start_workers();
    let acme = app.signup("acme").await;
    let (project, tasks) = furnished(&app, &acme, "Rocket").await;
    let kept = app.project(&acme, "Garden").await;
    let elsewhere = app.task(&acme, &kept, "Dig").await;

    let deleted = app
        .delete(
            &acme.host,
            &format!("/api/v1/projects/{project}"),
            &acme.token,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{:?}", deleted.body);
    assert!(
        ways_in(&app, &acme, &project, &tasks[0])
            .await
            .iter()
            .all(|s| *s == StatusCode::NOT_FOUND)
    );
    let projects = app.get(&acme.host, "/api/v1/projects", &acme.token).await;
    assert_eq!(ids(&projects.body), vec![kept.clone()]);
    let everywhere = app.get(&acme.host, "/api/v1/tasks", &acme.token).await;
    assert_eq!(ids(&everywhere.body), vec![elsewhere.clone()]);
    // A task cannot move into it, and deleting it again finds nothing.
    let moved = app
        .patch(
            &acme.host,
            &format!("/api/v1/tasks/{elsewhere}"),
            &acme.token,
            json!({ "project_id": project }),
        )
        .await;
    assert_eq!(
        moved.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        moved.body
    );
    let again = app
        .delete(
            &acme.host,
            &format!("/api/v1/projects/{project}"),
            &acme.token,
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    // Its name is still its own.
    let taken = app
        .post(
            &acme.host,
            "/api/v1/projects",
            &acme.token,
            json!({ "name": "Rocket" }),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{:?}", taken.body);

    let trash = app.get(&acme.host, "/api/v1/trash", &acme.token).await;
    assert_eq!(trash.status, StatusCode::OK, "{:?}", trash.body);
    assert_eq!(ids(&trash.body), vec![project.clone()]);
    let item = &trash.body["items"][0];
    assert_eq!(item["name"], "Rocket");
    assert_eq!(item["tasks"], 2);
    let deleted_at: chrono::DateTime<chrono::Utc> =
        item["deleted_at"].as_str().unwrap().parse().unwrap();
    let purge_at: chrono::DateTime<chrono::Utc> =
        item["purge_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(purge_at - deleted_at, chrono::Duration::days(30));

    let restored = app
        .post(
            &acme.host,
            &format!("/api/v1/trash/{project}/restore"),
            &acme.token,
            json!({}),
        )
        .await;
    assert_eq!(restored.status, StatusCode::OK, "{:?}", restored.body);
    assert_eq!(restored.body["name"], "Rocket");
    assert!(restored.headers.contains_key("etag"));
    let statuses = ways_in(&app, &acme, &project, &tasks[0]).await;
    assert_eq!(&statuses[..7], &[StatusCode::OK; 7]);
    assert_eq!(statuses[7], StatusCode::CREATED);
    let comments = app
        .get(
            &acme.host,
            &format!("/api/v1/tasks/{}/comments", tasks[0]),
            &acme.token,
        )
        .await;
    assert_eq!(comments.body["items"][0]["body"], "go");
    let reports = app
        .get(
            &acme.host,
            &format!("/api/v1/projects/{project}/reports"),
            &acme.token,
        )
        .await;
    assert_eq!(
        reports.body["items"][0]["status"], "done",
        "{:?}",
        reports.body
    );
    let trash = app.get(&acme.host, "/api/v1/trash", &acme.token).await;
    assert!(ids(&trash.body).is_empty());
    // Restoring a live project finds nothing to restore.
    let twice = app
        .post(
            &acme.host,
            &format!("/api/v1/trash/{project}/restore"),
            &acme.token,
            json!({}),
        )
        .await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND);
}

async fn only_owners_and_admins_manage_the_trash(app: TestApp) {
    let acme = app.signup("acme").await;
    let (_, member) = app.add_user(&acme, "m@acme.example", "member").await;
    let (_, admin) = app.add_user(&acme, "a@acme.example", "admin").await;
    let project = app.project(&acme, "Rocket").await;
    let path = format!("/api/v1/projects/{project}");
    let refused = app.delete(&acme.host, &path, &member).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
    assert_eq!(refused.code(), "forbidden");
    assert_eq!(
        app.delete(&acme.host, &path, &admin).await.status,
        StatusCode::NO_CONTENT
    );
    let restore = format!("/api/v1/trash/{project}/restore");
    let purge = format!("/api/v1/trash/{project}");
    assert_eq!(
        app.get(&acme.host, "/api/v1/trash", &member).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(&acme.host, &restore, &member, json!({}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.delete(&acme.host, &purge, &member).await.status,
        StatusCode::FORBIDDEN
    );
    // The member's refusals changed nothing.
    let trash = app.get(&acme.host, "/api/v1/trash", &admin).await;
    assert_eq!(ids(&trash.body), vec![project.clone()]);
    assert_eq!(
        app.post(&acme.host, &restore, &admin, json!({}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&acme.host, &path, &member).await.status,
        StatusCode::OK
    );
}

async fn another_tenant_never_sees_restores_or_purges_a_trashed_project(app: TestApp) {
    app.start_workers();
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let (project, tasks) = furnished(&app, &acme, "Rocket").await;
    let theirs = app.project(&globex, "Theirs").await;
    assert_eq!(
        app.delete(
            &globex.host,
            &format!("/api/v1/projects/{project}"),
            &globex.token
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    app.delete(
        &acme.host,
        &format!("/api/v1/projects/{project}"),
        &acme.token,
    )
    .await;
    app.delete(
        &globex.host,
        &format!("/api/v1/projects/{theirs}"),
        &globex.token,
    )
    .await;
    let globex_trash = app.get(&globex.host, "/api/v1/trash", &globex.token).await;
    assert_eq!(ids(&globex_trash.body), vec![theirs.clone()]);
    for answer in [
        app.post(
            &globex.host,
            &format!("/api/v1/trash/{project}/restore"),
            &globex.token,
            json!({}),
        )
        .await,
        app.delete(
            &globex.host,
            &format!("/api/v1/trash/{project}"),
            &globex.token,
        )
        .await,
    ] {
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{:?}", answer.body);
        assert_eq!(answer.code(), "not_found");
    }
    // Acme's trash is as it was, and restores whole.
    let acme_trash = app.get(&acme.host, "/api/v1/trash", &acme.token).await;
    assert_eq!(ids(&acme_trash.body), vec![project.clone()]);
    assert_eq!(acme_trash.body["items"][0]["tasks"], 2);
    app.post(
        &acme.host,
        &format!("/api/v1/trash/{project}/restore"),
        &acme.token,
        json!({}),
    )
    .await;
    assert_eq!(
        app.get(
            &acme.host,
            &format!("/api/v1/tasks/{}", tasks[1]),
            &acme.token
        )
        .await
        .status,
        StatusCode::OK
    );
}

/// How many rows of `acme`'s tables the project still has: tasks and comments.
async fn rows_left(app: &TestApp, project: &str) -> (u64, u64) {
    let scope = app.db.scope_by_subdomain("acme").await.unwrap();
    let mut tx = app.db.begin(&scope).await.unwrap();
    let project: uuid::Uuid = project.parse().unwrap();
    let tasks: Vec<Task> = Task::scoped(&mut tx)
        .filter(Task::PROJECT_ID.eq(project))
        .fetch_all()
        .await
        .unwrap();
    let mut comments = 0;
    for task in &tasks {
        comments += Comment::scoped(&mut tx)
            .filter(Comment::TASK_ID.eq(task.id))
            .count()
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    (tasks.len() as u64, comments)
}

async fn a_purged_project_is_gone_with_everything_in_it(app: TestApp) {
    app.start_workers();
    let acme = app.signup("acme").await;
    let (project, _) = furnished(&app, &acme, "Rocket").await;
    let path = format!("/api/v1/trash/{project}");
    // A live project is not in the trash: purging it finds nothing.
    assert_eq!(
        app.delete(&acme.host, &path, &acme.token).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(rows_left(&app, &project).await, (2, 1));
    app.delete(
        &acme.host,
        &format!("/api/v1/projects/{project}"),
        &acme.token,
    )
    .await;
    assert_eq!(rows_left(&app, &project).await, (2, 1));
    let purged = app.delete(&acme.host, &path, &acme.token).await;
    assert_eq!(purged.status, StatusCode::NO_CONTENT, "{:?}", purged.body);
    assert_eq!(rows_left(&app, &project).await, (0, 0));
    let restore = app
        .post(
            &acme.host,
            &format!("{path}/restore"),
            &acme.token,
            json!({}),
        )
        .await;
    assert_eq!(restore.status, StatusCode::NOT_FOUND);
    // The name is free again.
    app.project(&acme, "Rocket").await;
}

async fn the_trash_keeps_a_project_thirty_days(app: TestApp) {
    app.start_workers();
    let acme = app.signup("acme").await;
    let (old, _) = furnished(&app, &acme, "Old").await;
    let (recent, _) = furnished(&app, &acme, "Recent").await;
    for project in [&old, &recent] {
        app.delete(
            &acme.host,
            &format!("/api/v1/projects/{project}"),
            &acme.token,
        )
        .await;
    }
    // Deleted 30 days and a minute ago, as far as the database knows.
    let scope = app.db.scope_by_subdomain("acme").await.unwrap();
    let mut tx = app.db.begin(&scope).await.unwrap();
    let long_ago =
        taskflow_app::model::now() - chrono::Duration::days(30) - chrono::Duration::minutes(1);
    let patch = ProjectPatch {
        deleted_at: Some(Some(long_ago)),
        ..ProjectPatch::default()
    };
    let moved = Project::scoped(&mut tx)
        .filter(Project::ID.eq(old.parse::<uuid::Uuid>().unwrap()))
        .update(&patch)
        .await
        .unwrap();
    assert_eq!(moved, 1);
    tx.commit().await.unwrap();

    // Past its time it cannot come back, and the next look at the trash purges it.
    let restore = app
        .post(
            &acme.host,
            &format!("/api/v1/trash/{old}/restore"),
            &acme.token,
            json!({}),
        )
        .await;
    assert_eq!(restore.status, StatusCode::NOT_FOUND, "{:?}", restore.body);
    assert_eq!(rows_left(&app, &old).await, (2, 1));
    let trash = app.get(&acme.host, "/api/v1/trash", &acme.token).await;
    assert_eq!(ids(&trash.body), vec![recent.clone()]);
    assert_eq!(rows_left(&app, &old).await, (0, 0));
    assert_eq!(rows_left(&app, &recent).await, (2, 1));
    // The recent one keeps its name.
    let taken = app
        .post(
            &acme.host,
            "/api/v1/projects",
            &acme.token,
            json!({ "name": "Recent" }),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
}

async fn an_expired_projects_name_is_free_at_once(app: TestApp) {
    app.start_workers();
    let acme = app.signup("acme").await;
    let (old, _) = furnished(&app, &acme, "Old").await;
    let renamed = app.project(&acme, "Renamed").await;
    app.delete(&acme.host, &format!("/api/v1/projects/{old}"), &acme.token)
        .await;
    let scope = app.db.scope_by_subdomain("acme").await.unwrap();
    let mut tx = app.db.begin(&scope).await.unwrap();
    let patch = ProjectPatch {
        deleted_at: Some(Some(
            taskflow_app::model::now() - chrono::Duration::days(40),
        )),
        ..ProjectPatch::default()
    };
    Project::scoped(&mut tx)
        .filter(Project::ID.eq(old.parse::<uuid::Uuid>().unwrap()))
        .update(&patch)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // Nobody looked at the trash since: a rename may take the name all the same.
    let rename = app
        .patch(
            &acme.host,
            &format!("/api/v1/projects/{renamed}"),
            &acme.token,
            json!({ "name": "Old" }),
        )
        .await;
    assert_eq!(rename.status, StatusCode::OK, "{:?}", rename.body);
    assert_eq!(rows_left(&app, &old).await, (0, 0));
}
