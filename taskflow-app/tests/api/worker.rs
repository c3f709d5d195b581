//! `taskflow-app worker`: runs the queued reports of the database, and stops cleanly on SIGTERM.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use taskflow_app::model::{NewProject, NewTask, Project, Task, now};
use taskflow_app::reports::{KIND, payload};
use taskflow_tenancy::AdminCapability;
use taskflow_tenancy::jobs::{self, JobStatus};
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_taskflow-app");

#[tokio::test]
async fn the_worker_runs_queued_reports_then_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("worker.db").display());
    let db = taskflow_app::db::connect(&url).await.unwrap();
    taskflow_app::db::migrate(&db).await.unwrap();
    let admin = AdminCapability::grant("worker test", "a tenant with a report to run").unwrap();
    db.create(&admin, "Acme", "acme").await.unwrap();
    let scope = db.scope_by_subdomain("acme").await.unwrap();
    let at = now();
    let mut tx = db.begin(&scope).await.unwrap();
    let project = Project::scoped(&mut tx)
        .insert(NewProject {
            id: Uuid::now_v7(),
            name: "Launch".into(),
            description: None,
            created_at: at,
            updated_at: at,
            deleted_at: None,
        })
        .await
        .unwrap();
    Task::scoped(&mut tx)
        .insert(NewTask {
            id: Uuid::now_v7(),
            project_id: project.id,
            title: "Done by the worker, \"quoted\"".into(),
            description: None,
            status: "todo".into(),
            priority: "medium".into(),
            assignee_id: None,
            due_date: None,
            created_at: at,
            updated_at: at,
        })
        .await
        .unwrap();
    let id = jobs::enqueue(&mut tx, KIND, payload(project.id))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let log = dir.path().join("worker.log");
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let metrics_addr = format!("127.0.0.1:{metrics_port}");
    let mut worker = Command::new(BIN)
        .arg("worker")
        .env("DATABASE_URL", &url)
        .env("TASKFLOW_METRICS_BIND", &metrics_addr)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let job = loop {
        let mut tx = db.begin_read(&scope).await.unwrap();
        let job = jobs::get(&mut tx, id).await.unwrap().unwrap();
        drop(tx);
        if job.status.is_finished() {
            break job;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the worker never ran the job: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(job.status, JobStatus::Done, "{:?}", job.error);
    let csv = job.result.unwrap();
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(csv.contains(r#""Done by the worker, ""quoted""""#), "{csv}");

    // The worker's own metrics: the job it ran (recorded before its outcome is stored, so
    // already there however soon the job ran), and the queue it left empty.
    let metrics = metrics_of(&metrics_addr).await;
    assert!(
        metrics.contains(
            r#"taskflow_job_duration_seconds_count{kind="project_report",outcome="done"} 1"#
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"taskflow_jobs{status="queued"} 0"#),
        "{metrics}"
    );

    let killed = Command::new("kill")
        .args(["-TERM", &worker.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let stopped = Instant::now();
    let status = loop {
        if let Some(status) = worker.try_wait().unwrap() {
            break status;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(10),
            "SIGTERM did not stop the worker"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status:?}");
}

/// The body of `GET /metrics` on `addr`.
async fn metrics_of(addr: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    answer
}
