//! Background jobs through Redis (`REDIS_URL`): `serve` runs no workers of its own and wakes
//! `taskflow-app worker` processes through a Redis list; the database stays the source of
//! truth, so a lost wake-up loses no job, and a Redis that is down refuses new reports with
//! `503 unavailable` before anything is written. Needs `TASKFLOW_TEST_REDIS_URL`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hyper::StatusCode;
use serde_json::json;
use taskflow_tenancy::testkit;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::helpers::{Backend, Signed, TestApp};

const BIN: &str = env!("CARGO_BIN_EXE_taskflow-app");

/// A key prefix of this test's own, so tests sharing the Redis server never wake each other.
pub(crate) fn prefix() -> String {
    format!("taskflow-test-{}", uuid::Uuid::new_v4().simple())
}

async fn app_on(redis_url: &str, prefix: &str) -> TestApp {
    let (url, prefix) = (redis_url.to_owned(), prefix.to_owned());
    TestApp::spawn_with(Backend::Sqlite, move |config| {
        config.redis_url = Some(url);
        config.redis_prefix = prefix;
    })
    .await
    .expect("SQLite always runs")
}

/// A connection of the test's own to the Redis server, to look at or lose wake-ups.
async fn redis_connection(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

/// A tenant with a project of two tasks; returns the tenant and the project's id.
async fn project_with_tasks(app: &TestApp, subdomain: &str) -> (Signed, String) {
    let tenant = app.signup(subdomain).await;
    let project = app.project(&tenant, "Launch").await;
    app.task(&tenant, &project, "Write the plan").await;
    app.task(&tenant, &project, "Ship it").await;
    (tenant, project)
}

/// How long a report may take here: the worker process has to start first.
const REPORT_LIMIT: Duration = Duration::from_secs(60);

#[tokio::test]
async fn a_worker_process_woken_through_redis_runs_the_report() {
    let Some(redis) = testkit::redis_url() else {
        return;
    };
    let prefix = prefix();
    let app = app_on(&redis, &prefix).await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("worker.log");
    // The worker polls the database once an hour: only a wake-up can start the job in time.
    let mut worker = Command::new(BIN)
        .arg("worker")
        .env("DATABASE_URL", app.sqlite_url().unwrap())
        .env("REDIS_URL", &redis)
        .env("TASKFLOW_REDIS_PREFIX", &prefix)
        .env("TASKFLOW_JOB_POLL_MS", "3600000")
        .env("RUST_LOG", "info")
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    // Let the worker make its first (empty) pass and block on Redis.
    let started = Instant::now();
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("Redis wake-ups")
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the worker never started: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let (acme, project) = project_with_tasks(&app, "acme").await;
    let queued = app.start_report(&acme, &project).await;
    let report = queued["id"].as_str().unwrap().to_owned();
    // Only the wake-up can start it: the worker polls once an hour.
    let done = app.report_when_finished(&acme, &report, REPORT_LIMIT).await;
    assert_eq!(done["status"], "done", "{done}");
    let csv = app
        .get_text(
            &acme.host,
            &format!("/api/v1/reports/{report}/download"),
            &acme.token,
        )
        .await;
    assert_eq!(csv.0, StatusCode::OK);
    assert!(
        csv.2.contains("Write the plan") && csv.2.contains("Ship it"),
        "{}",
        csv.2
    );

    // The wake-up was consumed, not left for another worker.
    let mut redis_conn = redis_connection(&redis).await;
    let waiting: i64 = redis::cmd("LLEN")
        .arg(format!("{prefix}:jobs:wake"))
        .query_async(&mut redis_conn)
        .await
        .unwrap();
    assert_eq!(waiting, 0);

    Command::new("kill")
        .args(["-TERM", &worker.id().to_string()])
        .status()
        .unwrap();
    let status = worker.wait().unwrap();
    assert!(
        status.success(),
        "{status:?}: {}",
        std::fs::read_to_string(&log).unwrap()
    );
}

#[tokio::test]
async fn a_lost_wakeup_delays_the_job_but_loses_nothing() {
    let Some(redis) = testkit::redis_url() else {
        return;
    };
    let prefix = prefix();
    let app = app_on(&redis, &prefix).await;
    let (acme, project) = project_with_tasks(&app, "acme").await;
    let queued = app.start_report(&acme, &project).await;
    // Redis loses the wake-up (a restart without persistence, say).
    let mut redis_conn = redis_connection(&redis).await;
    let lost: i64 = redis::cmd("DEL")
        .arg(format!("{prefix}:jobs:wake"))
        .query_async(&mut redis_conn)
        .await
        .unwrap();
    assert_eq!(lost, 1, "the report's wake-up was pushed");
    // A worker on the same Redis finds the job in the database anyway.
    let wakeups = taskflow_app::job_wakeups(&taskflow_app::Config {
        redis_url: Some(redis.clone()),
        redis_prefix: prefix.clone(),
        ..taskflow_app::Config::from_vars(|_| None).unwrap()
    })
    .await
    .unwrap();
    let workers = taskflow_app::reports::start(&app.app_db, 1, Duration::from_millis(200), wakeups);
    let report = queued["id"].as_str().unwrap();
    // Not lost with its wake-up.
    let done = app.report_when_finished(&acme, report, REPORT_LIMIT).await;
    assert_eq!(done["status"], "done", "{done}");
    workers.shutdown().await;
}

/// A TCP relay to Redis that can be cut, as a network partition or a Redis crash would.
pub(crate) struct Relay {
    pub(crate) port: u16,
    tasks: JoinSet<()>,
}

impl Relay {
    pub(crate) async fn to(redis_url: &str) -> Relay {
        let target = redis_url
            .trim_start_matches("redis://")
            .trim_end_matches('/')
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut tasks = JoinSet::new();
        tasks.spawn(async move {
            let mut links = JoinSet::new();
            while let Ok((mut client, _)) = listener.accept().await {
                let target = target.clone();
                links.spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Relay { port, tasks }
    }

    /// Closes the listener and every relayed connection.
    pub(crate) async fn cut(mut self) {
        self.tasks.shutdown().await;
    }
}

#[tokio::test]
async fn with_redis_down_a_report_is_refused_and_nothing_is_written() {
    let Some(redis) = testkit::redis_url() else {
        return;
    };
    let relay = Relay::to(&redis).await;
    let app = app_on(&format!("redis://127.0.0.1:{}", relay.port), &prefix()).await;
    let (acme, project) = project_with_tasks(&app, "acme").await;
    let path = format!("/api/v1/projects/{project}/reports");
    let first = app.post(&acme.host, &path, &acme.token, json!({})).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{:?}", first.body);
    let ready = app.get(&acme.host, "/readyz", "").await;
    assert_eq!(
        (ready.status, ready.body["jobs"].as_str()),
        (StatusCode::OK, Some("redis"))
    );

    relay.cut().await;
    let refused = app.post(&acme.host, &path, &acme.token, json!({})).await;
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{:?}",
        refused.body
    );
    assert_eq!(refused.code(), "unavailable");
    let ready = app.get(&acme.host, "/readyz", "").await;
    assert_eq!(
        ready.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{:?}",
        ready.body
    );
    // Only the first report and its job exist.
    let counts: (i64, i64) = crate::on_pool!(&app.db, pool => async {
        let reports = sqlx::query_scalar("SELECT COUNT(*) FROM reports").fetch_one(pool).await?;
        let jobs = sqlx::query_scalar("SELECT COUNT(*) FROM jobs").fetch_one(pool).await?;
        Ok::<_, sqlx::Error>((reports, jobs))
    }.await)
    .unwrap();
    assert_eq!(counts, (1, 1));
    // The report that was accepted is still there for the tenant.
    let report = first.body["id"].as_str().unwrap();
    let shown = app
        .get(
            &acme.host,
            &format!("/api/v1/reports/{report}"),
            &acme.token,
        )
        .await;
    assert_eq!(shown.status, StatusCode::OK);
}
