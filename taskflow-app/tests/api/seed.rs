//! Demo data: the demo tenants `serve` creates on an empty database (and only there), the bulk
//! data of `taskflow-app seed`, and the binary's `--no-demo`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hyper::{Method, StatusCode};
use serde_json::json;
use taskflow_app::seed::{
    DEMO_PASSWORD, DEMO_PEOPLE, DEMO_TASKS_PER_PROJECT, SeedPlan, SeedProgress, demo_if_empty, seed,
};
use taskflow_tenancy::AnyTenantDb as Db;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::TestApp;

const BIN: &str = env!("CARGO_BIN_EXE_taskflow-app");

api_tests!(
    demo_tenants_are_created_on_an_empty_database_and_their_owners_log_in,
    demo_data_is_never_added_to_a_database_with_a_tenant,
    seed_writes_each_tenant_with_its_projects_and_tasks,
    a_seed_that_fails_part_way_writes_nothing,
);

/// Logs `email` in on `host` with the demo password; the token.
async fn login(app: &TestApp, host: &str, email: &str) -> String {
    let answer = app
        .send(
            Method::POST,
            host,
            "/api/v1/auth/login",
            None,
            Some(json!({ "email": email, "password": DEMO_PASSWORD })),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{host}: {:?}", answer.body);
    assert_eq!(answer.body["user"]["role"], "owner");
    answer.body["token"].as_str().unwrap().to_owned()
}

async fn demo_tenants_are_created_on_an_empty_database_and_their_owners_log_in(app: TestApp) {
    assert_eq!(
        demo_if_empty(&app.app_db).await.unwrap(),
        ["acme", "globex"]
    );
    let mut seen = Vec::new();
    for subdomain in ["acme", "globex"] {
        let host = format!("{subdomain}.localhost:8080");
        let token = login(&app, &host, &format!("owner@{subdomain}.example")).await;
        let projects = app.get(&host, "/api/v1/projects", &token).await;
        assert_eq!(projects.status, StatusCode::OK);
        let projects = projects.body["items"].as_array().unwrap().clone();
        assert_eq!(projects.len(), 4, "{projects:?}");
        for project in &projects {
            let id = project["id"].as_str().unwrap();
            seen.push(id.to_owned());
            let counts = app
                .get(
                    &host,
                    &format!("/api/v1/projects/{id}/tasks/counts"),
                    &token,
                )
                .await;
            assert_eq!(counts.status, StatusCode::OK);
            let total: u64 = ["todo", "in_progress", "done"]
                .iter()
                .map(|s| counts.body[s].as_u64().unwrap())
                .sum();
            assert_eq!(total, DEMO_TASKS_PER_PROJECT);
            assert!(
                counts.body["done"].as_u64().unwrap() > 0,
                "{:?}",
                counts.body
            );
            // Some overdue, some due this week, some not due.
            for due in ["overdue", "week", "none"] {
                let narrowed = app
                    .get(
                        &host,
                        &format!("/api/v1/projects/{id}/tasks?due={due}&limit=1"),
                        &token,
                    )
                    .await;
                assert_eq!(narrowed.body["items"].as_array().unwrap().len(), 1, "{due}");
            }
        }
        // Its people log in with the demo password, and the tasks are theirs too.
        let users = app.get(&host, "/api/v1/users", &token).await;
        assert_eq!(
            users.body["items"].as_array().unwrap().len(),
            1 + DEMO_PEOPLE.len()
        );
        let (_, local, _) = DEMO_PEOPLE[2];
        let member = app
            .send(
                Method::POST,
                &host,
                "/api/v1/auth/login",
                None,
                Some(json!({ "email": format!("{local}@{subdomain}.example"), "password": DEMO_PASSWORD })),
            )
            .await;
        assert_eq!(member.status, StatusCode::OK, "{:?}", member.body);
        let member_token = member.body["token"].as_str().unwrap();
        let mine = app
            .get(&host, "/api/v1/tasks?assignee_id=me&limit=1", member_token)
            .await;
        assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);
        // A task has its history and, for some, comments; the first project has a report.
        let first = projects[0]["id"].as_str().unwrap();
        let tasks = app
            .get(
                &host,
                &format!("/api/v1/projects/{first}/tasks?limit=1"),
                &token,
            )
            .await;
        let task = tasks.body["items"][0]["id"].as_str().unwrap();
        let history = app
            .get(&host, &format!("/api/v1/tasks/{task}/activity"), &token)
            .await;
        assert_eq!(history.body["items"][0]["kind"], "created");
        let comments = app
            .get(&host, &format!("/api/v1/tasks/{task}/comments"), &token)
            .await;
        assert_eq!(comments.body["items"].as_array().unwrap().len(), 1);
        let reports = app
            .get(&host, &format!("/api/v1/projects/{first}/reports"), &token)
            .await;
        assert_eq!(reports.body["items"].as_array().unwrap().len(), 1);
    }
    // Each tenant's projects are its own.
    let acme = login(&app, "acme.localhost", "owner@acme.example").await;
    for id in &seen[4..] {
        let other = app
            .get("acme.localhost", &format!("/api/v1/projects/{id}"), &acme)
            .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND);
    }
    // Once there are tenants, a second start adds nothing.
    assert!(demo_if_empty(&app.app_db).await.unwrap().is_empty());
    assert_eq!(tenant_count(&app.db).await, 2);
}

async fn demo_data_is_never_added_to_a_database_with_a_tenant(app: TestApp) {
    app.signup("initech").await;
    assert!(demo_if_empty(&app.app_db).await.unwrap().is_empty());
    assert_eq!(tenant_count(&app.db).await, 1);
    let acme = app
        .send(
            Method::POST,
            "acme.localhost",
            "/api/v1/auth/login",
            None,
            Some(json!({ "email": "owner@acme.example", "password": DEMO_PASSWORD })),
        )
        .await;
    assert_eq!(acme.status, StatusCode::NOT_FOUND);
    assert_eq!(acme.code(), "tenant_not_found");
}

async fn seed_writes_each_tenant_with_its_projects_and_tasks(app: TestApp) {
    let plan = SeedPlan {
        tenants: 3,
        projects: 2,
        tasks: 7,
        prefix: "load".into(),
    };
    let mut reported = Vec::new();
    let rows = seed(&app.app_db, &plan, |step| reported.push(step))
        .await
        .unwrap();
    // Per tenant: itself, its owner, 2 projects, 2 × 7 tasks.
    let tenant = SeedProgress::Tenant { rows: 18 };
    let mut expected = vec![tenant, tenant, tenant];
    if taskflow_app::db::backend_name(&app.app_db) == "sqlite" {
        expected.push(SeedProgress::BuildingIndexes);
    }
    expected.push(SeedProgress::Committing);
    assert_eq!(reported, expected);
    assert_eq!(rows, 54);
    assert_eq!(tenant_count(&app.db).await, 3);

    let token = login(&app, "load-2.localhost", "owner@load-2.example").await;
    let projects = app
        .get("load-2.localhost", "/api/v1/projects", &token)
        .await;
    let projects = projects.body["items"].as_array().unwrap().clone();
    assert_eq!(projects.len(), 2);
    let id = projects[0]["id"].as_str().unwrap();
    let tasks = app
        .get(
            "load-2.localhost",
            &format!("/api/v1/projects/{id}/tasks?limit=200"),
            &token,
        )
        .await;
    assert_eq!(tasks.body["items"].as_array().unwrap().len(), 7);

    // Seeding the same prefix again is refused, and the failed tenant leaves nothing behind.
    let again = seed(&app.app_db, &plan, |_| {}).await;
    assert!(again.is_err());
    assert_eq!(tenant_count(&app.db).await, 3);
    assert_eq!(task_indexes(&app.db).await, TASK_INDEXES);
}

async fn a_seed_that_fails_part_way_writes_nothing(app: TestApp) {
    app.signup("mid-3").await;
    let plan = SeedPlan {
        tenants: 4,
        projects: 1,
        tasks: 5,
        prefix: "mid".into(),
    };
    let mut written = 0;
    let failed = seed(&app.app_db, &plan, |step| {
        if let SeedProgress::Tenant { .. } = step {
            written += 1;
        }
    })
    .await;
    // mid-1 and mid-2 were written before mid-3 was refused; the rollback took them too.
    assert!(failed.is_err());
    assert_eq!(written, 2);
    assert_eq!(tenant_count(&app.db).await, 1);
    let tasks =
        crate::on_pool!(&app.db, pool => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM tasks")
        .fetch_one(pool)
        .await)
        .unwrap();
    assert_eq!(tasks, 0);
    // The indexes SQLite's seed drops at the start are back (the rollback restored them).
    assert_eq!(task_indexes(&app.db).await, TASK_INDEXES);
}

/// The secondary indexes of `tasks` the migrations make.
const TASK_INDEXES: [&str; 3] = [
    "tasks_by_assignee",
    "tasks_by_project",
    "tasks_by_project_status",
];

/// The names of the `tasks` indexes of [`TASK_INDEXES`] the database has, sorted.
async fn task_indexes(db: &Db) -> Vec<String> {
    let sql = match taskflow_app::db::backend_name(db) {
        "sqlite" => "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tasks'",
        "mysql" => {
            "SELECT DISTINCT index_name FROM information_schema.statistics \
             WHERE table_schema = DATABASE() AND table_name = 'tasks'"
        }
        _ => "SELECT indexname::text FROM pg_indexes WHERE tablename = 'tasks'",
    };
    let mut names = crate::on_pool!(db, pool => sqlx::query_scalar::<_, String>(sql)
        .fetch_all(pool)
        .await)
    .unwrap();
    names.retain(|name| TASK_INDEXES.contains(&name.as_str()));
    names.sort();
    names
}

async fn tenant_count(db: &Db) -> i64 {
    crate::on_pool!(db, pool => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM tenants")
        .fetch_one(pool)
        .await)
    .unwrap()
}

/// `GET /readyz` over a plain socket: whether it answered 200, `None` while nothing listens.
async fn ready(addr: &str) -> Option<bool> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let request = "GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.ok()?;
    Some(answer.starts_with("HTTP/1.1 200"))
}

/// Runs `taskflow-app serve <args>` on `url` until it answers, stops it, and returns its
/// standard output.
async fn serve_once(url: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut command = Command::new(BIN);
    command
        .arg("serve")
        .args(args)
        .env("DATABASE_URL", url)
        .env("TASKFLOW_BIND", &addr)
        .env(
            "TASKFLOW_JWT_SECRET",
            "a seed test secret that is long enough",
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    let server = command.spawn().unwrap();
    let started = Instant::now();
    while ready(&addr).await != Some(true) {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "the server never answered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = server.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

async fn count_in(url: &str) -> i64 {
    let db = taskflow_app::db::connect(url).await.unwrap();
    tenant_count(&db).await
}

#[tokio::test]
async fn serve_creates_demo_tenants_on_an_empty_database_and_says_how_to_log_in() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let printed = serve_once(&url, &[], &[]).await;
    assert!(printed.contains("http://acme.localhost:"), "{printed}");
    assert!(printed.contains("http://globex.localhost:"), "{printed}");
    assert!(printed.contains("owner@acme.example"), "{printed}");
    assert!(printed.contains(DEMO_PASSWORD), "{printed}");
    assert!(printed.contains("-H 'Host: acme.localhost'"), "{printed}");
    assert_eq!(count_in(&url).await, 2);

    // The second start finds tenants: no new ones, and nothing printed about them.
    let printed = serve_once(&url, &[], &[]).await;
    assert!(!printed.contains("acme"), "{printed}");
    assert_eq!(count_in(&url).await, 2);
}

#[tokio::test]
async fn serve_with_no_demo_leaves_an_empty_database_empty() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("flag.db").display());
    let printed = serve_once(&url, &["--no-demo"], &[]).await;
    assert!(!printed.contains("acme"), "{printed}");
    assert_eq!(count_in(&url).await, 0);

    let url = format!("sqlite://{}", dir.path().join("env.db").display());
    let printed = serve_once(&url, &[], &[("TASKFLOW_DEMO", "0")]).await;
    assert!(!printed.contains("acme"), "{printed}");
    assert_eq!(count_in(&url).await, 0);
}

#[test]
fn the_seed_command_writes_what_its_flags_ask_for() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("seed.db").display());
    let output = Command::new(BIN)
        .args(["seed", "--tenants", "4", "--projects", "2", "--tasks", "25"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let printed = String::from_utf8_lossy(&output.stdout);
    // 4 × (tenant + owner + 2 projects + 50 tasks).
    assert!(printed.contains("216 rows"), "{printed}");
    let counts = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let db = taskflow_app::db::connect(&url).await.unwrap();
        let tasks: i64 =
            crate::on_pool!(&db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM tasks")
            .fetch_one(pool)
            .await)
            .unwrap();
        let page_size = pragma(&db, "page_size").await;
        (
            tenant_count(&db).await,
            tasks,
            page_size,
            task_indexes(&db).await,
        )
    });
    assert_eq!(counts.0, 4);
    assert_eq!(counts.1, 200);
    assert_eq!(counts.2, "16384");
    assert_eq!(counts.3, TASK_INDEXES);
}

/// The value of a SQLite `PRAGMA`, as text.
async fn pragma(db: &Db, name: &str) -> String {
    let Db::Sqlite(db) = db else {
        panic!("a SQLite database")
    };
    let pool = db.pool();
    sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(format!(
        "SELECT CAST({name} AS TEXT) FROM pragma_{name}"
    )))
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_seed_runs_beside_a_server_that_holds_the_database_open() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("shared.db").display());
    let serving = taskflow_app::db::connect(&url).await.unwrap();
    taskflow_app::db::migrate(&serving).await.unwrap();
    // The serving pool keeps its connection open on the file from here on.
    assert_eq!(tenant_count(&serving).await, 0);
    assert_eq!(pragma(&serving, "journal_mode").await, "wal");

    let bulk = taskflow_app::db::connect_for_bulk_load(&url).await.unwrap();
    let plan = SeedPlan {
        tenants: 2,
        projects: 1,
        tasks: 3,
        prefix: "beside".into(),
    };
    // Per tenant: itself, its owner, a project and 3 tasks.
    assert_eq!(seed(&bulk, &plan, |_| {}).await.unwrap(), 12);
    assert_eq!(tenant_count(&serving).await, 2);
    assert_eq!(pragma(&serving, "journal_mode").await, "wal");
    assert_eq!(task_indexes(&serving).await, TASK_INDEXES);
}
