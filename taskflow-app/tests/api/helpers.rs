//! A real TaskFlow server per test, on 127.0.0.1 port 0, over a fresh database, and a small
//! HTTP client that talks to it with whatever `Host` a test wants.

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{HeaderMap, Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use taskflow_app::Config;
use taskflow_app::http::{AppState, app};
use taskflow_tenancy::{AnyTenantDb, TenantDb, testkit};

/// Runs `$body` with `$pool` bound to the concrete pool of `$db` (an `&AnyTenantDb`), once per
/// backend: for tests that look under the app with SQL of their own.
#[macro_export]
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            taskflow_tenancy::AnyTenantDb::Sqlite(db) => {
                let $pool = db.pool();
                $body
            }
            taskflow_tenancy::AnyTenantDb::MySql(db) => {
                let $pool = db.pool();
                $body
            }
            taskflow_tenancy::AnyTenantDb::Postgres(db) => {
                let $pool = db.pool();
                $body
            }
        }
    };
}

/// The operator token every test server is configured with.
pub(crate) const ADMIN_TOKEN: &str = "operator-token-for-tests";

/// Which database a test server runs on.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Backend {
    Sqlite,
    MySql,
    Postgres,
}

/// A running server and a client for it.
pub(crate) struct TestApp {
    pub(crate) addr: SocketAddr,
    /// The database as its owner, who migrated it: for tests that look under the app.
    pub(crate) db: AnyTenantDb,
    /// The database as the app connects to it (on PostgreSQL, a role bound by row-level
    /// security).
    pub(crate) app_db: AnyTenantDb,
    client: Client<HttpConnector, Full<Bytes>>,
    sqlite: Option<testkit::SqliteDb>,
    /// How many times the app's pool handed out a connection (a new one or an idle one).
    checkouts: Arc<AtomicUsize>,
}

/// An answer: status, headers and the body parsed as JSON (`Value::Null` when empty).
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
}

impl Answer {
    /// The `error.code` of an error answer.
    pub(crate) fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

/// The configuration of every test server.
fn test_config() -> Config {
    Config::from_vars(|name| match name {
        "TASKFLOW_JWT_SECRET" => Some("a test secret that is long enough for HS256".into()),
        "TASKFLOW_ADMIN_TOKEN" => Some(ADMIN_TOKEN.into()),
        "TASKFLOW_RATE_LIMIT" => Some("0".into()),
        _ => None,
    })
    .expect("test configuration")
}

/// Serves the app on `app_db` with `config` on a port of its own; its address.
async fn serve_on(app_db: AnyTenantDb, config: &Config) -> SocketAddr {
    let mut state = AppState::new(app_db, config).expect("app state");
    state.wakeups = taskflow_app::job_wakeups(config)
        .await
        .expect("the configured Redis answers");
    state.broadcast =
        taskflow_app::tenant_broadcast(config, &state.tenants).expect("a valid Redis URL");
    state.live = taskflow_app::live_events(config).expect("a valid Redis URL");
    state.logins = taskflow_app::login_throttle(config)
        .await
        .expect("the configured Redis answers");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let draining = state.draining.clone();
    tokio::spawn(taskflow_app::http::serve(
        listener,
        app(state),
        config.server,
        draining,
        std::future::pending(),
    ));
    addr
}

/// A tenant made through signup, with its owner's token.
#[derive(Debug, Clone)]
pub(crate) struct Signed {
    pub(crate) host: String,
    pub(crate) tenant_id: String,
    pub(crate) user_id: String,
    pub(crate) token: String,
}

impl TestApp {
    /// A server on a fresh database of `backend`; `None` when that server is not configured.
    pub(crate) async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, |_| {}).await
    }

    /// [`TestApp::spawn`] with changes to the configuration.
    pub(crate) async fn spawn_with(
        backend: Backend,
        change: impl FnOnce(&mut Config),
    ) -> Option<TestApp> {
        let checkouts = Arc::new(AtomicUsize::new(0));
        let (db, app_db, sqlite) = match backend {
            Backend::Sqlite => {
                let file = testkit::sqlite().await.expect("a fresh SQLite file");
                let db = AnyTenantDb::from(TenantDb::new(file.pool.clone()));
                let options = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(file.path())
                    .foreign_keys(true)
                    .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
                let app = counted(sqlx::sqlite::SqlitePoolOptions::new(), &checkouts)
                    .max_connections(8)
                    .connect_with(options)
                    .await
                    .expect("the app connects");
                (db, AnyTenantDb::from(TenantDb::new(app)), Some(file))
            }
            Backend::MySql => {
                let url = testkit::mysql_url()?;
                let (pool, name) = testkit::mysql(&url).await.expect("a fresh MySQL database");
                let db = AnyTenantDb::from(TenantDb::new(pool));
                let options = sqlx::mysql::MySqlConnectOptions::from_str(&url)
                    .expect("the test server's URL")
                    .database(&name)
                    .statement_cache_capacity(4096);
                let app = counted(sqlx::mysql::MySqlPoolOptions::new(), &checkouts)
                    .max_connections(8)
                    .connect_with(options)
                    .await
                    .expect("the app connects");
                (db, AnyTenantDb::from(TenantDb::new(app)), None)
            }
            Backend::Postgres => {
                let url = testkit::postgres_url()?;
                let (owner, db_url) = testkit::postgres(&url)
                    .await
                    .expect("a fresh PostgreSQL database");
                // Migrated as the owner; served as a role that neither owns the tables nor
                // bypasses row-level security, as in production.
                let owner = AnyTenantDb::from(TenantDb::new(owner));
                taskflow_app::db::migrate(&owner)
                    .await
                    .expect("migrations apply");
                let AnyTenantDb::Postgres(owner_db) = &owner else {
                    unreachable!("a PostgreSQL handle")
                };
                let app = app_role_pool(owner_db.pool(), &db_url, &checkouts).await;
                (owner, AnyTenantDb::from(TenantDb::new(app)), None)
            }
        };
        if !matches!(backend, Backend::Postgres) {
            taskflow_app::db::migrate(&db)
                .await
                .expect("migrations apply");
        }
        let mut config = test_config();
        change(&mut config);
        let addr = serve_on(app_db.clone(), &config).await;
        let client = Client::builder(TokioExecutor::new()).build_http();
        Some(TestApp {
            addr,
            db,
            app_db,
            client,
            sqlite,
            checkouts,
        })
    }

    /// A second server on this one's database, as another process of the same deployment
    /// would be, with changes to the configuration.
    pub(crate) async fn twin(&self, change: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = test_config();
        change(&mut config);
        TestApp {
            addr: serve_on(self.app_db.clone(), &config).await,
            db: self.db.clone(),
            app_db: self.app_db.clone(),
            client: Client::builder(TokioExecutor::new()).build_http(),
            sqlite: None,
            checkouts: Arc::default(),
        }
    }

    /// How many connections the app's pool has handed out so far.
    pub(crate) fn checkouts(&self) -> usize {
        self.checkouts.load(Ordering::SeqCst)
    }

    /// The `DATABASE_URL` of a SQLite test server, for another process on the same file.
    pub(crate) fn sqlite_url(&self) -> Option<String> {
        let file = self.sqlite.as_ref()?;
        Some(format!("sqlite://{}", file.path().display()))
    }

    /// Sends a request with raw body bytes and headers of the test's choosing.
    pub(crate) async fn raw(
        &self,
        method: Method,
        host: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Answer {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("http://{}{}", self.addr, path))
            .header(HOST, host);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Full::new(body.into())).unwrap();
        let response = self
            .client
            .request(request)
            .await
            .expect("the server answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                panic!("not JSON ({status}): {}", String::from_utf8_lossy(&bytes))
            })
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    /// Starts the background job workers, as `serve` does; until then, jobs stay queued.
    pub(crate) fn start_workers(&self) {
        // Left running: the test's runtime ends them.
        drop(taskflow_app::reports::start(
            &self.app_db,
            1,
            std::time::Duration::from_millis(20),
            None,
        ));
    }

    /// A `GET` whose answer is not JSON: status, headers and the body as text.
    pub(crate) async fn get_text(
        &self,
        host: &str,
        path: &str,
        token: &str,
    ) -> (StatusCode, HeaderMap, String) {
        let request = Request::builder()
            .method(Method::GET)
            .uri(format!("http://{}{}", self.addr, path))
            .header(HOST, host)
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .body(Full::new(Bytes::new()))
            .unwrap();
        let response = self
            .client
            .request(request)
            .await
            .expect("the server answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, String::from_utf8(bytes.to_vec()).unwrap())
    }

    /// Sends `body` (if any) as JSON, with the bearer `token` (if any).
    pub(crate) async fn send(
        &self,
        method: Method,
        host: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let bearer = token.map(|t| format!("Bearer {t}"));
        let mut headers = Vec::new();
        if let Some(bearer) = &bearer {
            headers.push((AUTHORIZATION.as_str(), bearer.as_str()));
        }
        let bytes = match body {
            Some(body) => {
                headers.push((CONTENT_TYPE.as_str(), "application/json"));
                Bytes::from(serde_json::to_vec(&body).unwrap())
            }
            None => Bytes::new(),
        };
        self.raw(method, host, path, &headers, bytes).await
    }

    pub(crate) async fn get(&self, host: &str, path: &str, token: &str) -> Answer {
        self.send(Method::GET, host, path, Some(token), None).await
    }

    pub(crate) async fn post(&self, host: &str, path: &str, token: &str, body: Value) -> Answer {
        self.send(Method::POST, host, path, Some(token), Some(body))
            .await
    }

    pub(crate) async fn patch(&self, host: &str, path: &str, token: &str, body: Value) -> Answer {
        self.send(Method::PATCH, host, path, Some(token), Some(body))
            .await
    }

    pub(crate) async fn delete(&self, host: &str, path: &str, token: &str) -> Answer {
        self.send(Method::DELETE, host, path, Some(token), None)
            .await
    }

    /// Signs `subdomain` up with the owner `owner@<subdomain>.example`, password `password1`.
    pub(crate) async fn signup(&self, subdomain: &str) -> Signed {
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
                        "password": "password1",
                    },
                })),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
        Signed {
            host: format!("{subdomain}.localhost"),
            tenant_id: answer.body["tenant"]["id"].as_str().unwrap().to_owned(),
            user_id: answer.body["user"]["id"].as_str().unwrap().to_owned(),
            token: answer.body["token"].as_str().unwrap().to_owned(),
        }
    }

    /// Adds a user with `role` to the tenant of `owner`; returns its id and token.
    pub(crate) async fn add_user(
        &self,
        owner: &Signed,
        email: &str,
        role: &str,
    ) -> (String, String) {
        let created = self
            .post(
                &owner.host,
                "/api/v1/users",
                &owner.token,
                json!({ "email": email, "name": email, "password": "password1", "role": role }),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
        let id = created.body["id"].as_str().unwrap().to_owned();
        let login = self
            .send(
                Method::POST,
                &owner.host,
                "/api/v1/auth/login",
                None,
                Some(json!({ "email": email, "password": "password1" })),
            )
            .await;
        assert_eq!(login.status, StatusCode::OK, "{:?}", login.body);
        (id, login.body["token"].as_str().unwrap().to_owned())
    }

    /// Creates a project in the tenant of `who`; returns its id.
    pub(crate) async fn project(&self, who: &Signed, name: &str) -> String {
        let created = self
            .post(
                &who.host,
                "/api/v1/projects",
                &who.token,
                json!({ "name": name }),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
        created.body["id"].as_str().unwrap().to_owned()
    }

    /// Creates a task in `project`; returns its id.
    pub(crate) async fn task(&self, who: &Signed, project: &str, title: &str) -> String {
        let created = self
            .post(
                &who.host,
                &format!("/api/v1/projects/{project}/tasks"),
                &who.token,
                json!({ "title": title }),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
        created.body["id"].as_str().unwrap().to_owned()
    }

    /// Starts a report of `project` as `who`; the body of the 202 answer.
    pub(crate) async fn start_report(&self, who: &Signed, project: &str) -> Value {
        let started = self
            .post(
                &who.host,
                &format!("/api/v1/projects/{project}/reports"),
                &who.token,
                json!({}),
            )
            .await;
        assert_eq!(started.status, StatusCode::ACCEPTED, "{:?}", started.body);
        started.body
    }

    /// Polls report `id` until its job is over (checking on the way that the progress stays
    /// within 0..=100 and that an unfinished report has no `finished_at`); its final JSON.
    /// Panics after `limit`.
    pub(crate) async fn report_when_finished(
        &self,
        who: &Signed,
        id: &str,
        limit: Duration,
    ) -> Value {
        let started = Instant::now();
        loop {
            let report = self
                .get(&who.host, &format!("/api/v1/reports/{id}"), &who.token)
                .await;
            assert_eq!(report.status, StatusCode::OK, "{:?}", report.body);
            let progress = report.body["progress"].as_i64().unwrap();
            assert!((0..=100).contains(&progress), "{:?}", report.body);
            match report.body["status"].as_str().unwrap() {
                "queued" | "running" => {
                    assert!(report.body["finished_at"].is_null(), "{:?}", report.body);
                }
                _ => return report.body,
            }
            assert!(
                started.elapsed() < limit,
                "report {id} did not finish within {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Declares each named `async fn(TestApp)` as a test on SQLite, MariaDB/MySQL and PostgreSQL
/// (the last two skip, or fail under `TASKFLOW_REQUIRE_SERVERS=1`, when their URL is unset).
macro_rules! api_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                let app = crate::helpers::TestApp::spawn(crate::helpers::Backend::Sqlite).await;
                super::$name(app.expect("SQLite needs no server")).await;
            })*
        }
        // Without a server URL at build time these are ignored, not passed (see build.rs).
        mod mysql {
            $(#[tokio::test]
            #[cfg_attr(not(taskflow_test_mysql), ignore = "TASKFLOW_TEST_MYSQL_URL was not set when the tests were built")]
            async fn $name() {
                let app = crate::helpers::TestApp::spawn(crate::helpers::Backend::MySql).await;
                super::$name(app.expect("TASKFLOW_TEST_MYSQL_URL names a server")).await;
            })*
        }
        mod postgres {
            $(#[tokio::test]
            #[cfg_attr(not(taskflow_test_postgres), ignore = "TASKFLOW_TEST_POSTGRES_URL was not set when the tests were built")]
            async fn $name() {
                let app = crate::helpers::TestApp::spawn(crate::helpers::Backend::Postgres).await;
                super::$name(app.expect("TASKFLOW_TEST_POSTGRES_URL names a server")).await;
            })*
        }
    };
}

/// The role every PostgreSQL test server connects as: it logs in, owns nothing, is no
/// superuser and does not bypass row-level security.
pub(crate) const APP_ROLE: &str = "taskflow_app_test";

/// A pool on the database at `db_url` as [`APP_ROLE`], granted what the app needs on its tables.
async fn app_role_pool(
    owner: &sqlx::PgPool,
    db_url: &str,
    checkouts: &Arc<AtomicUsize>,
) -> sqlx::PgPool {
    // One role for the whole server, made by whichever test gets there first.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DO $$ BEGIN
             CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
         END $$"
    )))
    .execute(owner)
    .await
    .expect("the app role exists");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "GRANT USAGE ON SCHEMA public TO {APP_ROLE};
         GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE};
         REVOKE ALL ON taskflow_entry_key FROM {APP_ROLE};"
    )))
    .execute(owner)
    .await
    .expect("grants to the app role");
    let options = sqlx::postgres::PgConnectOptions::from_str(db_url)
        .expect("the test database URL")
        .username(APP_ROLE);
    counted(sqlx::postgres::PgPoolOptions::new(), checkouts)
        .max_connections(8)
        .connect_with(options)
        .await
        .expect("the app role connects")
}

/// `options` with hooks that count every connection the pool hands out: a new one
/// (`after_connect`) or an idle one (`before_acquire`).
fn counted<DB: sqlx::Database>(
    options: sqlx::pool::PoolOptions<DB>,
    checkouts: &Arc<AtomicUsize>,
) -> sqlx::pool::PoolOptions<DB> {
    let (new, idle) = (Arc::clone(checkouts), Arc::clone(checkouts));
    options
        .after_connect(move |_, _| {
            new.fetch_add(1, Ordering::SeqCst);
            Box::pin(async { Ok(()) })
        })
        .before_acquire(move |_, _| {
            idle.fetch_add(1, Ordering::SeqCst);
            Box::pin(async { Ok(true) })
        })
}
