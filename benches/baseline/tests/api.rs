//! The baseline binary over real HTTP: each test starts `taskflow-baseline` on 127.0.0.1 port 0
//! over a fresh database (a SQLite file in a temp dir; a new MariaDB/MySQL and PostgreSQL
//! database when `TASKFLOW_TEST_MYSQL_URL` / `TASKFLOW_TEST_POSTGRES_URL` are set, made by
//! taskflow-tenancy's testkit) and drives the load test's routes as a client would, `Host`
//! header included: signup of two tenants, login, projects, tasks, the task list with filters
//! and a cursor, a task, comments, and tenant B never seeing tenant A's project or task.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use taskflow_tenancy::testkit;

const SECRET: &str = "a test secret that is long enough for HS256";

/// A running `taskflow-baseline`, stopped when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer: its status and its body as JSON (`Value::Null` when empty).
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    body: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

impl Server {
    /// Starts the binary on `database_url` and waits for the address it prints.
    async fn start(database_url: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_taskflow-baseline"))
            .env("DATABASE_URL", database_url)
            .env("TASKFLOW_BIND", "127.0.0.1:0")
            .env("TASKFLOW_JWT_SECRET", SECRET)
            .env_remove("TASKFLOW_BASE_DOMAIN")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the baseline binary starts");
        let stdout = child.stdout.take().expect("a piped stdout");
        let first_line = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        });
        let line = tokio::time::timeout(Duration::from_secs(30), first_line)
            .await
            .expect("the baseline says where it listens within 30 s")
            .expect("the reader thread finishes")
            .expect("the baseline's stdout is readable");
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|addr| addr.parse().ok())
            .unwrap_or_else(|| panic!("the baseline did not start (its first line: {line:?})"));
        Server {
            child,
            addr,
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// Sends `method path` to `host` (with the server's port), with a bearer `token` and a JSON
    /// `body` when given.
    async fn send(
        &self,
        method: Method,
        host: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("http://{}{path}", self.addr))
            .header("host", format!("{host}:{}", self.addr.port()));
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let bytes = match body {
            Some(body) => {
                request = request.header("content-type", "application/json");
                Bytes::from(body.to_string())
            }
            None => Bytes::new(),
        };
        let response = self
            .client
            .request(request.body(Full::new(bytes)).expect("a valid request"))
            .await
            .expect("the baseline answers");
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("a whole body")
            .to_bytes();
        let body = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&body)
                .unwrap_or_else(|_| panic!("a JSON body, got {:?}", String::from_utf8_lossy(&body)))
        };
        Answer { status, body }
    }

    async fn get(&self, host: &str, path: &str, token: &str) -> Answer {
        self.send(Method::GET, host, path, Some(token), None).await
    }

    async fn post(&self, host: &str, path: &str, token: &str, body: Value) -> Answer {
        self.send(Method::POST, host, path, Some(token), Some(body))
            .await
    }

    /// Signs up tenant `subdomain`: its host, the owner's id and token.
    async fn signup(&self, subdomain: &str) -> (String, String, String) {
        let answer = self
            .send(
                Method::POST,
                "localhost",
                "/api/v1/tenants",
                None,
                Some(json!({
                    "name": format!("{subdomain} Inc."),
                    "subdomain": subdomain,
                    "owner": {
                        "email": format!("owner@{subdomain}.example"),
                        "name": "Owner",
                        "password": "correct horse battery",
                    },
                })),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
        assert_eq!(answer.body["tenant"]["subdomain"], subdomain);
        assert_eq!(answer.body["tenant"]["is_active"], true);
        assert_eq!(answer.body["user"]["role"], "owner");
        assert!(answer.body["user"].get("password_hash").is_none());
        (
            format!("{subdomain}.localhost"),
            string(&answer.body["user"]["id"]),
            string(&answer.body["token"]),
        )
    }
}

fn string(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("a string, got {value}"))
        .to_owned()
}

/// The ids of a page's items.
fn ids(page: &Answer) -> Vec<String> {
    page.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a page, got {:?}", page.body))
        .iter()
        .map(|item| string(&item["id"]))
        .collect()
}

/// The whole scenario, on the database at `database_url`.
async fn scenario(database_url: &str) {
    let server = Server::start(database_url).await;
    let health = server
        .send(Method::GET, "localhost", "/healthz", None, None)
        .await;
    assert_eq!(health.status, StatusCode::OK);

    let (acme, owner, _) = server.signup("acme").await;
    let (globex, _, globex_token) = server.signup("globex").await;

    // Login gives a working token; a wrong password is a 401.
    let login = server
        .send(
            Method::POST,
            &acme,
            "/api/v1/auth/login",
            None,
            Some(json!({ "email": "Owner@Acme.example", "password": "correct horse battery" })),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
    assert_eq!(string(&login.body["user"]["id"]), owner);
    let token = string(&login.body["token"]);
    let wrong = server
        .send(
            Method::POST,
            &acme,
            "/api/v1/auth/login",
            None,
            Some(json!({ "email": "owner@acme.example", "password": "wrong horse battery" })),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);

    let project = server
        .post(
            &acme,
            "/api/v1/projects",
            &token,
            json!({ "name": "Website" }),
        )
        .await;
    assert_eq!(project.status, StatusCode::CREATED, "{:?}", project.body);
    let project_id = string(&project.body["id"]);
    let taken = server
        .post(
            &acme,
            "/api/v1/projects",
            &token,
            json!({ "name": "Website" }),
        )
        .await;
    assert_eq!(
        (taken.status, taken.code()),
        (StatusCode::CONFLICT, "conflict")
    );

    let spare = server
        .post(
            &acme,
            "/api/v1/projects",
            &token,
            json!({ "name": "Spare" }),
        )
        .await;
    let spare_path = format!("/api/v1/projects/{}", string(&spare.body["id"]));
    let projects = server.get(&acme, "/api/v1/projects?limit=1", &token).await;
    assert_eq!(ids(&projects), [project_id.as_str()]);
    assert!(projects.body["next_cursor"].is_string());
    let project_path = format!("/api/v1/projects/{project_id}");
    let shown = server.get(&acme, &project_path, &token).await;
    assert_eq!(shown.body["name"], "Website");

    let tasks_path = format!("{project_path}/tasks");
    let mut task_ids = Vec::new();
    for (title, status, assignee) in [
        ("Design", "done", None),
        ("Build", "todo", Some(owner.as_str())),
        ("Ship", "done", Some(owner.as_str())),
    ] {
        let body = json!({ "title": title, "status": status, "assignee_id": assignee, "due_date": "2030-01-31" });
        let task = server.post(&acme, &tasks_path, &token, body).await;
        assert_eq!(task.status, StatusCode::CREATED, "{:?}", task.body);
        assert_eq!(task.body["project_id"], project_id.as_str());
        assert_eq!(task.body["priority"], "medium");
        assert_eq!(task.body["due_date"], "2030-01-31");
        task_ids.push(string(&task.body["id"]));
    }
    let invalid = server
        .post(
            &acme,
            &tasks_path,
            &token,
            json!({ "title": " ", "priority": "urgent", "assignee_id": project_id }),
        )
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = &invalid.body["error"]["fields"];
    assert!(fields["title"].is_string() && fields["priority"].is_string());
    assert!(fields["assignee_id"].is_string(), "{fields}");

    // The list in creation order, two to a page, the second page from the cursor.
    let first = server
        .get(&acme, &format!("{tasks_path}?limit=2"), &token)
        .await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(ids(&first), task_ids[..2]);
    let cursor = string(&first.body["next_cursor"]);
    let second = server
        .get(
            &acme,
            &format!("{tasks_path}?limit=2&cursor={cursor}"),
            &token,
        )
        .await;
    assert_eq!(ids(&second), task_ids[2..]);
    assert!(second.body["next_cursor"].is_null());
    let done = server
        .get(&acme, &format!("{tasks_path}?status=done"), &token)
        .await;
    assert_eq!(ids(&done), [task_ids[0].clone(), task_ids[2].clone()]);
    let mine = server
        .get(
            &acme,
            &format!("{tasks_path}?status=done&assignee_id={owner}"),
            &token,
        )
        .await;
    assert_eq!(ids(&mine), [task_ids[2].clone()]);
    for bad in [
        "?limit=0",
        "?limit=201",
        "?status=later",
        "?cursor=nonsense",
    ] {
        let answer = server
            .get(&acme, &format!("{tasks_path}{bad}"), &token)
            .await;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::BAD_REQUEST, "bad_request"),
            "{bad}"
        );
    }

    let task_path = format!("/api/v1/tasks/{}", task_ids[0]);
    let task = server.get(&acme, &task_path, &token).await;
    assert_eq!(task.status, StatusCode::OK);
    assert_eq!(task.body["title"], "Design");
    let comments_path = format!("{task_path}/comments");
    let comment = server
        .post(
            &acme,
            &comments_path,
            &token,
            json!({ "body": "Looks good" }),
        )
        .await;
    assert_eq!(comment.status, StatusCode::CREATED, "{:?}", comment.body);
    assert_eq!(comment.body["author_id"], owner.as_str());
    let comments = server.get(&acme, &comments_path, &token).await;
    assert_eq!(ids(&comments), [string(&comment.body["id"])]);
    assert_eq!(comments.body["items"][0]["body"], "Looks good");

    // Tenant B, with its own valid token on its own host, finds nothing of tenant A's.
    let theirs = server.get(&globex, "/api/v1/projects", &globex_token).await;
    assert_eq!(ids(&theirs), Vec::<String>::new());
    for path in [&project_path, &tasks_path, &task_path, &comments_path] {
        let answer = server.get(&globex, path, &globex_token).await;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::NOT_FOUND, "not_found"),
            "GET {path} as globex: {:?}",
            answer.body
        );
    }
    let foreign_task = server
        .post(
            &globex,
            &tasks_path,
            &globex_token,
            json!({ "title": "Sneak" }),
        )
        .await;
    assert_eq!(foreign_task.code(), "not_found");
    let foreign_comment = server
        .post(
            &globex,
            &comments_path,
            &globex_token,
            json!({ "body": "Hi" }),
        )
        .await;
    assert_eq!(foreign_comment.code(), "not_found");
    // ... not even past the 404 with a cursor of tenant A's or a bad query string.
    let with_cursor = server
        .get(
            &globex,
            &format!("{tasks_path}?cursor={cursor}&limit=0"),
            &globex_token,
        )
        .await;
    assert_eq!(with_cursor.code(), "not_found");
    let foreign_delete = server
        .send(
            Method::DELETE,
            &globex,
            &spare_path,
            Some(&globex_token),
            None,
        )
        .await;
    assert_eq!(foreign_delete.code(), "not_found");
    // Tenant A's token is no good on tenant B's host, nor tenant B's on A's.
    let crossed = server.get(&globex, &task_path, &token).await;
    assert_eq!(
        (crossed.status, crossed.code()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    let crossed = server.get(&acme, &task_path, &globex_token).await;
    assert_eq!(crossed.status, StatusCode::UNAUTHORIZED);
    // Tenant A's data is still there for tenant A, and its owner may delete a project.
    let still = server.get(&acme, &tasks_path, &token).await;
    assert_eq!(ids(&still), task_ids);
    for expected in [StatusCode::NO_CONTENT, StatusCode::NOT_FOUND] {
        let deleted = server
            .send(Method::DELETE, &acme, &spare_path, Some(&token), None)
            .await;
        assert_eq!(deleted.status, expected);
    }

    let nobody = server.get("initech.localhost", &task_path, &token).await;
    assert_eq!(
        (nobody.status, nobody.code()),
        (StatusCode::NOT_FOUND, "tenant_not_found")
    );
    let unparsable = server.get(&acme, "/api/v1/tasks/not-a-uuid", &token).await;
    assert_eq!(unparsable.code(), "bad_request");
    let unauthenticated = server
        .send(Method::GET, &acme, &task_path, None, None)
        .await;
    assert_eq!(unauthenticated.status, StatusCode::UNAUTHORIZED);
}

/// `url` with its database (path) replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority = base.find("://").map_or(0, |i| i + 3);
    let end = base[authority..]
        .find('/')
        .map_or(base.len(), |i| authority + i);
    match query {
        Some(query) => format!("{}/{database}?{query}", &base[..end]),
        None => format!("{}/{database}", &base[..end]),
    }
}

#[tokio::test]
async fn sqlite() {
    let file = testkit::sqlite().await.expect("a fresh SQLite file");
    let url = format!("sqlite://{}", file.path().display());
    file.pool.close().await;
    scenario(&url).await;
}

#[tokio::test]
async fn mysql() {
    let Some(url) = testkit::mysql_url() else {
        return;
    };
    let (pool, name) = testkit::mysql(&url).await.expect("a fresh MySQL database");
    pool.close().await;
    scenario(&with_database(&url, &name)).await;
}

#[tokio::test]
async fn postgres() {
    let Some(url) = testkit::postgres_url() else {
        return;
    };
    let (pool, url) = testkit::postgres(&url)
        .await
        .expect("a fresh PostgreSQL database");
    pool.close().await;
    scenario(&url).await;
}

#[test]
fn database_urls_are_rewritten() {
    assert_eq!(
        with_database("mysql://root@127.0.0.1:3306/test", "x"),
        "mysql://root@127.0.0.1:3306/x"
    );
    assert_eq!(
        with_database("postgres://h:5432/test?sslmode=disable", "y"),
        "postgres://h:5432/y?sslmode=disable"
    );
}
