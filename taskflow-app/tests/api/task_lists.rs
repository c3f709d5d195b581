//! Lists of tasks: due filters, sorts paged through with their cursors, counts per status, and
//! every project's tasks ("my tasks"); none of them ever shows another tenant's task.

use chrono::{Days, Utc};
use hyper::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Signed, TestApp};

api_tests!(
    tasks_are_filtered_by_when_they_are_due,
    every_sort_pages_through_all_tasks_in_its_order,
    a_cursor_resumes_only_the_sort_it_was_made_for,
    counts_per_status_follow_the_filters,
    every_projects_tasks_and_my_tasks_stay_in_the_tenant,
);

/// Creates tasks in `project` from `bodies`; their ids, in order.
async fn tasks(app: &TestApp, who: &Signed, project: &str, bodies: Vec<Value>) -> Vec<String> {
    let path = format!("/api/v1/projects/{project}/tasks");
    let mut ids = Vec::new();
    for body in bodies {
        let answer = app.post(&who.host, &path, &who.token, body).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
        ids.push(answer.body["id"].as_str().unwrap().to_owned());
    }
    ids
}

/// Every id `path` lists, following `next_cursor` page after page.
async fn all_pages(app: &TestApp, who: &Signed, path: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor = String::new();
    loop {
        let separator = if path.contains('?') { '&' } else { '?' };
        let answer = app
            .get(
                &who.host,
                &format!("{path}{separator}cursor={cursor}"),
                &who.token,
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{path}: {:?}", answer.body);
        for task in answer.body["items"].as_array().unwrap() {
            ids.push(task["id"].as_str().unwrap().to_owned());
        }
        match answer.body["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => return ids,
        }
    }
}

fn day(offset: i64) -> String {
    let today = Utc::now().date_naive();
    let date = if offset < 0 {
        today.checked_sub_days(Days::new(offset.unsigned_abs()))
    } else {
        today.checked_add_days(Days::new(offset.unsigned_abs()))
    };
    date.unwrap().format("%Y-%m-%d").to_string()
}

async fn tasks_are_filtered_by_when_they_are_due(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let project = app.project(&acme, "Rocket").await;
    let ids = tasks(
        &app,
        &acme,
        &project,
        vec![
            json!({ "title": "late", "due_date": day(-3) }),
            json!({ "title": "late but done", "due_date": day(-1), "status": "done" }),
            json!({ "title": "today", "due_date": day(0) }),
            json!({ "title": "in six days", "due_date": day(6) }),
            json!({ "title": "in a week", "due_date": day(7) }),
            json!({ "title": "whenever" }),
        ],
    )
    .await;
    // Globex's overdue task never shows in Acme's lists.
    let theirs = app.project(&globex, "Rocket").await;
    tasks(
        &app,
        &globex,
        &theirs,
        vec![json!({ "title": "late", "due_date": day(-3) })],
    )
    .await;

    let list = format!("/api/v1/projects/{project}/tasks");
    let pick = |n: &[usize]| n.iter().map(|&i| ids[i].clone()).collect::<Vec<_>>();
    assert_eq!(
        all_pages(&app, &acme, &format!("{list}?due=overdue")).await,
        pick(&[0])
    );
    assert_eq!(
        all_pages(&app, &acme, &format!("{list}?due=week")).await,
        pick(&[2, 3])
    );
    assert_eq!(
        all_pages(&app, &acme, &format!("{list}?due=none")).await,
        pick(&[5])
    );
    assert_eq!(
        all_pages(&app, &acme, &format!("{list}?due=overdue&status=done")).await,
        pick(&[])
    );
    let everywhere = all_pages(&app, &acme, "/api/v1/tasks?due=overdue").await;
    assert_eq!(everywhere, pick(&[0]));
    for query in ["due=soon", "due=", "due=OVERDUE"] {
        let answer = app
            .get(&acme.host, &format!("{list}?{query}"), &acme.token)
            .await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{query}: {:?}",
            answer.body
        );
        assert_eq!(answer.code(), "bad_request");
    }
}

async fn every_sort_pages_through_all_tasks_in_its_order(app: TestApp) {
    let acme = app.signup("acme").await;
    let project = app.project(&acme, "Rocket").await;
    let ids = tasks(
        &app,
        &acme,
        &project,
        vec![
            json!({ "title": "a", "priority": "low", "due_date": "2031-05-01" }),
            json!({ "title": "b", "priority": "high" }),
            json!({ "title": "c", "priority": "medium", "due_date": "2030-01-01" }),
            json!({ "title": "d", "priority": "high", "due_date": "2031-05-01" }),
            json!({ "title": "e", "priority": "low" }),
            json!({ "title": "f", "priority": "medium", "due_date": "2030-01-01" }),
            json!({ "title": "g", "priority": "high", "due_date": "2029-12-31" }),
        ],
    )
    .await;
    let pick = |n: &[usize]| n.iter().map(|&i| ids[i].clone()).collect::<Vec<_>>();
    let list = format!("/api/v1/projects/{project}/tasks");
    let orders = [
        ("created", pick(&[0, 1, 2, 3, 4, 5, 6])),
        // Earliest due first, ties in creation order, no due date last.
        ("due", pick(&[6, 2, 5, 0, 3, 1, 4])),
        ("priority", pick(&[1, 3, 6, 2, 5, 0, 4])),
    ];
    for (sort, expected) in &orders {
        // Every page size, so that pages end inside and at the edge of every segment.
        for limit in 1..=8 {
            let path = format!("{list}?sort={sort}&limit={limit}");
            assert_eq!(&all_pages(&app, &acme, &path).await, expected, "{path}");
        }
    }
    // Sorts combine with the filters.
    assert_eq!(
        all_pages(
            &app,
            &acme,
            &format!("{list}?sort=due&priority=high&limit=1")
        )
        .await,
        pick(&[6, 3, 1])
    );
    let answer = app
        .get(&acme.host, &format!("{list}?sort=title"), &acme.token)
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{:?}", answer.body);
    assert_eq!(answer.code(), "bad_request");
}

async fn a_cursor_resumes_only_the_sort_it_was_made_for(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let project = app.project(&acme, "Rocket").await;
    tasks(
        &app,
        &acme,
        &project,
        vec![
            json!({ "title": "a", "due_date": "2030-01-01" }),
            json!({ "title": "b", "due_date": "2030-01-02" }),
            json!({ "title": "c" }),
        ],
    )
    .await;
    let list = format!("/api/v1/projects/{project}/tasks");
    let mut cursors = Vec::new();
    for sort in ["created", "due", "priority"] {
        let answer = app
            .get(
                &acme.host,
                &format!("{list}?sort={sort}&limit=1"),
                &acme.token,
            )
            .await;
        cursors.push((
            sort,
            answer.body["next_cursor"].as_str().unwrap().to_owned(),
        ));
    }
    for (made_for, cursor) in &cursors {
        for sort in ["created", "due", "priority"] {
            let answer = app
                .get(
                    &acme.host,
                    &format!("{list}?sort={sort}&cursor={cursor}"),
                    &acme.token,
                )
                .await;
            if sort == *made_for {
                assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
            } else {
                assert_eq!(
                    answer.status,
                    StatusCode::BAD_REQUEST,
                    "{made_for} cursor, {sort}"
                );
                assert_eq!(answer.code(), "bad_request");
            }
        }
        // Another tenant's list refuses it, as it refuses every cursor made for Acme.
        let theirs = app.project(&globex, &format!("P {made_for}")).await;
        let answer = app
            .get(
                &globex.host,
                &format!("/api/v1/projects/{theirs}/tasks?sort={made_for}&cursor={cursor}"),
                &globex.token,
            )
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{:?}", answer.body);
    }
}

async fn counts_per_status_follow_the_filters(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let (member_id, member) = app.add_user(&acme, "m@acme.example", "member").await;
    let project = app.project(&acme, "Rocket").await;
    let other = app.project(&acme, "Other").await;
    tasks(
        &app,
        &acme,
        &project,
        vec![
            json!({ "title": "launch", "priority": "high", "assignee_id": member_id }),
            json!({ "title": "fuel", "status": "in_progress", "due_date": day(-2) }),
            json!({ "title": "Launch party", "status": "done", "assignee_id": member_id }),
            json!({ "title": "paint", "status": "done", "priority": "high" }),
        ],
    )
    .await;
    tasks(
        &app,
        &acme,
        &other,
        vec![json!({ "title": "launch elsewhere" })],
    )
    .await;
    let theirs = app.project(&globex, "Rocket").await;
    tasks(&app, &globex, &theirs, vec![json!({ "title": "launch" })]).await;

    let counts = format!("/api/v1/projects/{project}/tasks/counts");
    let cases = [
        ("", &acme.token, [1, 1, 2]),
        ("?q=launch", &acme.token, [1, 0, 1]),
        ("?priority=high", &acme.token, [1, 0, 1]),
        ("?assignee_id=me", &member, [1, 0, 1]),
        ("?assignee_id=me", &acme.token, [0, 0, 0]),
        ("?due=overdue", &acme.token, [0, 1, 0]),
        ("?due=none&priority=high", &acme.token, [1, 0, 1]),
    ];
    for (query, token, [todo, in_progress, done]) in cases {
        let answer = app
            .get(&acme.host, &format!("{counts}{query}"), token)
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{query}: {:?}", answer.body);
        assert_eq!(
            answer.body,
            json!({ "todo": todo, "in_progress": in_progress, "done": done }),
            "{query}"
        );
    }
    let bad = app
        .get(
            &acme.host,
            &format!("{counts}?priority=urgent"),
            &acme.token,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{:?}", bad.body);
    // Another tenant's project has no counts to give: it is not found.
    let crossed = app.get(&globex.host, &counts, &globex.token).await;
    assert_eq!(crossed.status, StatusCode::NOT_FOUND, "{:?}", crossed.body);
    assert_eq!(crossed.code(), "not_found");
    let unsigned = app.get(&acme.host, &counts, "").await;
    assert_eq!(unsigned.status, StatusCode::UNAUTHORIZED);
}

async fn every_projects_tasks_and_my_tasks_stay_in_the_tenant(app: TestApp) {
    let acme = app.signup("acme").await;
    let globex = app.signup("globex").await;
    let (member_id, member) = app.add_user(&acme, "m@acme.example", "member").await;
    let rocket = app.project(&acme, "Rocket").await;
    let garden = app.project(&acme, "Garden").await;
    let mut ids = tasks(
        &app,
        &acme,
        &rocket,
        vec![
            json!({ "title": "launch", "assignee_id": member_id, "priority": "low" }),
            json!({ "title": "fuel" }),
        ],
    )
    .await;
    ids.extend(
        tasks(
            &app,
            &acme,
            &garden,
            vec![
                json!({ "title": "dig", "assignee_id": member_id, "priority": "high" }),
                json!({ "title": "seed", "assignee_id": acme.user_id, "status": "done" }),
            ],
        )
        .await,
    );
    // Globex's member has the same role and a task assigned to them: it never shows to Acme.
    let theirs = app.project(&globex, "Rocket").await;
    let globex_task = app.task(&globex, &theirs, "launch").await;
    let pick = |n: &[usize]| n.iter().map(|&i| ids[i].clone()).collect::<Vec<_>>();

    let mine = |token: &str, query: &str| {
        let path = format!("/api/v1/tasks?{query}");
        let who = Signed {
            token: token.to_owned(),
            ..acme.clone()
        };
        let app = &app;
        async move { all_pages(app, &who, &path).await }
    };
    assert_eq!(mine(&acme.token, "limit=1").await, pick(&[0, 1, 2, 3]));
    assert_eq!(mine(&member, "assignee_id=me").await, pick(&[0, 2]));
    assert_eq!(
        mine(&member, "assignee_id=me&sort=priority").await,
        pick(&[2, 0])
    );
    assert_eq!(mine(&acme.token, "assignee_id=me").await, pick(&[3]));
    assert_eq!(
        mine(&acme.token, "assignee_id=me&status=todo").await,
        pick(&[])
    );
    assert_eq!(mine(&acme.token, "q=launch").await, pick(&[0]));
    // Every task names its project.
    let answer = app.get(&acme.host, "/api/v1/tasks?q=dig", &member).await;
    assert_eq!(answer.body["items"][0]["project_id"], garden.as_str());
    // Globex sees its own task only, and filtering by Acme's member finds nothing.
    let globex_view = all_pages(&app, &globex, "/api/v1/tasks").await;
    assert_eq!(globex_view, vec![globex_task]);
    let crossed = all_pages(
        &app,
        &globex,
        &format!("/api/v1/tasks?assignee_id={member_id}"),
    )
    .await;
    assert!(crossed.is_empty(), "{crossed:?}");
    let unsigned = app.get(&acme.host, "/api/v1/tasks", "").await;
    assert_eq!(unsigned.status, StatusCode::UNAUTHORIZED);
}
