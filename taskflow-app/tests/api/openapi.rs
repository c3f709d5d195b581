//! `GET /api/v1/openapi.json` keeps step with the contract and with what the server serves:
//! every route of `shared/API.md` is described, every described route is served, every
//! operation describes the error shape, and real answers of each shape have exactly the
//! properties their schema names.

use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{ADMIN_TOKEN, Backend, TestApp};

/// The routes of `shared/API.md`: the description must have each.
const CONTRACT: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("post", "/api/v1/tenants"),
    ("get", "/api/v1/admin/tenants"),
    ("patch", "/api/v1/admin/tenants/{id}"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/logout"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/users"),
    ("post", "/api/v1/users"),
    ("patch", "/api/v1/users/{id}"),
    ("delete", "/api/v1/users/{id}"),
    ("get", "/api/v1/projects"),
    ("post", "/api/v1/projects"),
    ("get", "/api/v1/projects/{id}"),
    ("patch", "/api/v1/projects/{id}"),
    ("delete", "/api/v1/projects/{id}"),
    ("get", "/api/v1/projects/{id}/tasks"),
    ("post", "/api/v1/projects/{id}/tasks"),
    ("get", "/api/v1/tasks/{id}"),
    ("patch", "/api/v1/tasks/{id}"),
    ("delete", "/api/v1/tasks/{id}"),
    ("get", "/api/v1/tasks/{id}/comments"),
    ("post", "/api/v1/tasks/{id}/comments"),
    ("post", "/api/v1/projects/{id}/reports"),
    ("get", "/api/v1/reports/{id}"),
    ("get", "/api/v1/reports/{id}/download"),
];

async fn description(app: &TestApp) -> Value {
    let answer = app.get("example.com", "/api/v1/openapi.json", "").await;
    assert_eq!(answer.status, StatusCode::OK);
    answer.body
}

fn operations(description: &Value) -> Vec<(String, String, Value)> {
    let mut found = Vec::new();
    for (path, item) in description["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if ["get", "post", "patch", "delete", "put"].contains(&method.as_str()) {
                found.push((method.clone(), path.clone(), operation.clone()));
            }
        }
    }
    found
}

#[tokio::test]
async fn the_description_is_openapi_3_1_and_has_every_route_of_the_contract() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let description = description(&app).await;
    assert!(
        description["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        description["openapi"]
    );
    let described: Vec<(String, String)> = operations(&description)
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect();
    for (method, path) in CONTRACT {
        assert!(
            described.contains(&(method.to_string(), path.to_string())),
            "{method} {path} is not described"
        );
    }
    for (method, path, operation) in operations(&description) {
        let responses = operation["responses"].as_object().unwrap();
        let errors: Vec<_> = responses.keys().filter(|s| s.as_str() >= "400").collect();
        if path != "/healthz" && path != "/api/v1/openapi.json" {
            assert!(!errors.is_empty(), "{method} {path} describes no error");
        }
        for status in errors {
            let mut response = &responses[status];
            if let Some(name) = response["$ref"]
                .as_str()
                .and_then(|r| r.strip_prefix("#/components/responses/"))
            {
                response = &description["components"]["responses"][name];
            }
            let text = response.to_string();
            assert!(
                text.contains("\"#/components/schemas/Error\""),
                "{method} {path} {status} is not the error shape: {text}"
            );
        }
    }
}

#[tokio::test]
async fn every_described_route_is_served() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let acme = app.signup("described").await;
    // Logging out (here or everywhere) ends the session it is called with: those calls get a
    // user of their own.
    let (_, leaving) = app
        .add_user(&acme, "leaving@described.example", "member")
        .await;
    for (method, path, _) in operations(&description(&app).await) {
        // An id that is not one: a served route answers 400 for it, an unserved one 404.
        let has_id = path.contains('{');
        let url = path.replace("{id}", "not-a-uuid");
        let (host, token) = if path.starts_with("/api/v1/admin/") {
            ("localhost", ADMIN_TOKEN)
        } else if path == "/api/v1/events" {
            // Signed in, the live stream lasts as long as the token: its 401 shows it served.
            (acme.host.as_str(), "")
        } else if path == "/api/v1/tenants" || !path.starts_with("/api/") {
            ("localhost", "")
        } else if path.starts_with("/api/v1/auth/logout") || path == "/api/v1/auth/password" {
            (acme.host.as_str(), leaving.as_str())
        } else {
            (acme.host.as_str(), acme.token.as_str())
        };
        let method_name = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let body = (method_name != Method::GET && method_name != Method::DELETE).then(|| json!({}));
        let answer = app
            .send(
                method_name,
                host,
                &url,
                Some(token).filter(|t| !t.is_empty()),
                body,
            )
            .await;
        assert_ne!(
            answer.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        if has_id {
            assert_eq!(
                answer.status,
                StatusCode::BAD_REQUEST,
                "{method} {path}: {:?}",
                answer.body
            );
        } else {
            assert_ne!(answer.code(), "not_found", "{method} {path}");
        }
    }
}

/// The properties `schema` (or the schema it refers to) names, and which it requires.
fn properties(description: &Value, schema: &Value) -> (Vec<String>, Vec<String>) {
    let schema = match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap();
            &description["components"]["schemas"][name]
        }
        None => schema,
    };
    let mut names: Vec<String> = schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("no properties in {schema}"))
        .keys()
        .cloned()
        .collect();
    names.sort();
    let mut required: Vec<String> = schema["required"]
        .as_array()
        .map(|r| r.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default();
    required.sort();
    (names, required)
}

/// The schema of the `status` answer of `method path`.
fn answer_schema<'a>(description: &'a Value, method: &str, path: &str, status: &str) -> &'a Value {
    let response = &description["paths"][path][method]["responses"][status];
    let response = match response["$ref"].as_str() {
        Some(reference) => {
            &description["components"]["responses"][reference.rsplit('/').next().unwrap()]
        }
        None => response,
    };
    &response["content"]["application/json"]["schema"]
}

/// Checks that `value` has every property its schema requires and none it does not name.
fn conforms(description: &Value, schema: &Value, value: &Value, what: &str) {
    let (names, required) = properties(description, schema);
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("{what}: {value}"));
    for key in object.keys() {
        assert!(
            names.contains(key),
            "{what}: {key} is not described ({names:?})"
        );
    }
    for key in &required {
        assert!(
            object.contains_key(key),
            "{what}: {key} is required: {value}"
        );
    }
}

#[tokio::test]
async fn real_answers_have_the_described_properties() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let description = description(&app).await;
    let acme = app.signup("shapes").await;
    let project = app.project(&acme, "Launch").await;
    let task = app.task(&acme, &project, "Write the plan").await;
    let comment = app
        .post(
            &acme.host,
            &format!("/api/v1/tasks/{task}/comments"),
            &acme.token,
            json!({ "body": "First" }),
        )
        .await;
    let report = app.start_report(&acme, &project).await;
    let me = app.get(&acme.host, "/api/v1/me", &acme.token).await;
    let tasks = app
        .get(
            &acme.host,
            &format!("/api/v1/projects/{project}/tasks"),
            &acme.token,
        )
        .await;
    let one_task = app
        .get(&acme.host, &format!("/api/v1/tasks/{task}"), &acme.token)
        .await;
    let one_project = app
        .get(
            &acme.host,
            &format!("/api/v1/projects/{project}"),
            &acme.token,
        )
        .await;
    let missing = app
        .get(
            &acme.host,
            &format!("/api/v1/tasks/{}", uuid::Uuid::new_v4()),
            &acme.token,
        )
        .await;
    let checks = [
        ("get", "/api/v1/me", "200", &me.body),
        ("get", "/api/v1/projects/{id}/tasks", "200", &tasks.body),
        ("get", "/api/v1/tasks/{id}", "200", &one_task.body),
        ("get", "/api/v1/projects/{id}", "200", &one_project.body),
        ("post", "/api/v1/tasks/{id}/comments", "201", &comment.body),
        ("post", "/api/v1/projects/{id}/reports", "202", &report),
        ("get", "/api/v1/tasks/{id}", "404", &missing.body),
    ];
    for (method, path, status, body) in checks {
        let schema = answer_schema(&description, method, path, status);
        conforms(
            &description,
            schema,
            body,
            &format!("{method} {path} {status}"),
        );
    }
    // The nested shapes: the user and tenant of /me, a task of a page, the error's detail.
    let schemas = &description["components"]["schemas"];
    conforms(&description, &schemas["User"], &me.body["user"], "user");
    conforms(
        &description,
        &schemas["Tenant"],
        &me.body["tenant"],
        "tenant",
    );
    conforms(
        &description,
        &schemas["Task"],
        &tasks.body["items"][0],
        "task",
    );
    conforms(
        &description,
        &schemas["ErrorDetail"],
        &missing.body["error"],
        "error",
    );
}

/// Every `{name}` of a path is a declared path parameter of each of its operations.
#[tokio::test]
async fn every_path_parameter_is_declared() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let description = description(&app).await;
    for (method, path, operation) in operations(&description) {
        let declared: Vec<&str> = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .filter_map(|p| p["name"].as_str())
            .collect();
        for name in path.split('{').skip(1).filter_map(|s| s.split('}').next()) {
            assert!(
                declared.contains(&name),
                "{method} {path}: path parameter {name} is not declared ({declared:?})"
            );
        }
    }
}

/// Where the frontend keeps the description its API types are generated from
/// (`npm run api-types` in `frontend/`).
const FRONTEND_COPY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../frontend/src/api/openapi.json"
);

/// The frontend's copy of the description is the one the server serves. With
/// `TASKFLOW_WRITE_OPENAPI=1` the test writes it instead (then run `npm run api-types`).
#[tokio::test]
async fn the_frontend_types_are_generated_from_the_served_description() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let served = description(&app).await;
    let pretty = serde_json::to_string_pretty(&served).unwrap() + "\n";
    if std::env::var_os("TASKFLOW_WRITE_OPENAPI").is_some_and(|v| v == "1") {
        std::fs::write(FRONTEND_COPY, &pretty).unwrap();
        return;
    }
    let copy = std::fs::read_to_string(FRONTEND_COPY).unwrap_or_default();
    let copied: Value = serde_json::from_str(&copy).unwrap_or(Value::Null);
    assert!(
        copied == served,
        "frontend/src/api/openapi.json is not the served description: run \
         `TASKFLOW_WRITE_OPENAPI=1 cargo test -p taskflow-app --test api openapi::the_frontend` \
         and `npm --prefix frontend run api-types`"
    );
}
