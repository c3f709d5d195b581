//! The routes a load test uses, with taskflow-app's JSON shapes, checks and answers: signup,
//! login, projects (list, create, get and the delete a benchmark cleans up with), a project's
//! tasks (list and create), a task, and a task's comments.
//!
//! Each handler does the app's work in the app's order: the user extractor checks the token,
//! takes the request's connection and reads the user; another tenant's id is then
//! `404 not_found` before the query string or the body is judged; writes commit at the end.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, StatusCode};
use axum::routing::{get, post};
use axum::{Extension, Json, Router, middleware};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Value, json};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use uuid::Uuid;

use crate::auth::{CurrentUser, JwtKeys, hash_password, verify_password};
use crate::db::{Conn, Db};
use crate::error::{ApiError, is_foreign_key_violation};
use crate::model::{Comment, Project, ROLES, Task, Tenant, User, now};
use crate::page::{Page, PageRequest};
use crate::queries::TaskFilter;
use crate::tenant::{TenantCache, resolve_tenant, subdomain_problem};

/// The most a request body may hold: 1 MiB, as the app's.
const BODY_LIMIT: usize = 1024 * 1024;
const STATUSES: [&str; 3] = ["todo", "in_progress", "done"];
const PRIORITIES: [&str; 3] = ["low", "medium", "high"];
const MAX_DESCRIPTION: usize = 10_000;

/// What the handlers share.
#[derive(Debug, Clone)]
pub(crate) struct AppState {
    pub(crate) db: Db,
    pub(crate) keys: JwtKeys,
    pub(crate) tenants: TenantCache,
    /// Tenants are the subdomains of this (normalized) base domain.
    pub(crate) base_domain: Arc<str>,
}

/// The whole API: platform routes on any host; tenant routes behind [`resolve_tenant`]; the
/// app's outer layers (body limit, request id, tracing) around both.
pub(crate) fn app(state: AppState) -> Router {
    let tenant_routes = Router::new()
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/projects", get(list_projects).post(create_project))
        .route(
            "/api/v1/projects/{id}",
            get(show_project).delete(delete_project),
        )
        .route(
            "/api/v1/projects/{id}/tasks",
            get(list_tasks).post(create_task),
        )
        .route("/api/v1/tasks/{id}", get(show_task))
        .route(
            "/api/v1/tasks/{id}/comments",
            get(list_comments).post(create_comment),
        )
        .layer(middleware::from_fn_with_state(
            state.clone(),
            resolve_tenant,
        ));
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .route(
            "/healthz",
            get(|| async { Json(json!({ "status": "ok" })) }),
        )
        .route("/api/v1/tenants", post(signup))
        .merge(tenant_routes)
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// `axum::Json` whose rejection is an [`ApiError`].
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
struct JsonBody<T>(T);

/// `axum::extract::Path` whose rejection is an [`ApiError`] (an id that is no UUID is a 400).
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
struct IdPath<T>(T);

/// `axum::extract::Query` whose rejection is an [`ApiError`].
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
struct QueryParams<T>(T);

/// Commits the request's writes; a commit that fails is a 503, so that a client never sees a
/// success for a write that did not land.
async fn commit(conn: Conn) -> Result<(), ApiError> {
    conn.commit().await.map_err(|err| {
        tracing::error!(error = %err, "the request's transaction did not commit");
        ApiError::Unavailable(err.to_string())
    })
}

#[derive(Debug, Default, Deserialize)]
struct OwnerInput {
    email: Option<String>,
    name: Option<String>,
    password: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Signup {
    name: Option<String>,
    subdomain: Option<String>,
    owner: Option<OwnerInput>,
}

/// `POST /api/v1/tenants`: the tenant and its owner in one transaction, then a token.
async fn signup(
    State(state): State<AppState>,
    JsonBody(input): JsonBody<Signup>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut fields = BTreeMap::new();
    let name = input.name.as_deref().map(str::trim).unwrap_or_default();
    if name.is_empty() || name.chars().count() > 200 {
        fields.insert("name".into(), "must be 1 to 200 characters long".into());
    }
    let subdomain = input.subdomain.unwrap_or_default();
    if let Some(problem) = subdomain_problem(&subdomain) {
        fields.insert("subdomain".into(), problem.into());
    }
    let owner = input.owner.unwrap_or_default();
    let email = owner.email.unwrap_or_default().trim().to_ascii_lowercase();
    let well_formed = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    if !well_formed {
        fields.insert("owner.email".into(), "must be an email address".into());
    }
    let owner_name = owner.name.as_deref().map(str::trim).unwrap_or_default();
    if owner_name.is_empty() || owner_name.chars().count() > 200 {
        fields.insert(
            "owner.name".into(),
            "must be 1 to 200 characters long".into(),
        );
    }
    let password = owner.password.unwrap_or_default();
    if password.chars().count() < 8 {
        fields.insert(
            "owner.password".into(),
            "must be at least 8 characters long".into(),
        );
    } else if password.len() > 1024 {
        fields.insert(
            "owner.password".into(),
            "must be at most 1024 bytes long".into(),
        );
    }
    if !fields.is_empty() {
        return Err(ApiError::Validation(fields));
    }
    let tenant = Tenant {
        id: Uuid::now_v7(),
        name: name.to_owned(),
        subdomain,
        is_active: true,
        created_at: now(),
    };
    let user = User {
        tenant_id: tenant.id,
        id: Uuid::now_v7(),
        email,
        name: owner_name.to_owned(),
        role: "owner".to_owned(),
        password_hash: hash_password(password).await?,
        created_at: now(),
    };
    let mut conn = state.db.begin_now().await?;
    conn.insert_tenant(&tenant)
        .await
        .map_err(|err| match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                ApiError::Conflict("this subdomain is already taken")
            }
            _ => err.into(),
        })?;
    conn.insert_user(&user).await?;
    commit(conn).await?;
    // A request to the subdomain before it existed left a "no such tenant" in the cache.
    state.tenants.invalidate(&tenant.subdomain);
    let token = state.keys.issue(tenant.id, user.id, &user.role)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "tenant": tenant, "user": user, "token": token })),
    ))
}

#[derive(Debug, Deserialize)]
struct Login {
    email: Option<String>,
    password: Option<String>,
}

/// `POST /api/v1/auth/login`: the same 401 whether the email is unknown or the password
/// wrong, and about the same time (an unknown email is checked against a dummy hash).
async fn login(
    State(state): State<AppState>,
    Extension(tenant): Extension<Arc<Tenant>>,
    mut conn: Conn,
    JsonBody(input): JsonBody<Login>,
) -> Result<Json<Value>, ApiError> {
    let email = input.email.unwrap_or_default().trim().to_ascii_lowercase();
    let given = input.password.unwrap_or_default();
    let user = conn.user_by_email(tenant.id, email).await?;
    // The password check is slow on purpose: give the connection back before it.
    commit(conn).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    if !verify_password(given, hash).await {
        return Err(ApiError::Unauthorized);
    }
    let user = user.ok_or(ApiError::Unauthorized)?;
    if !ROLES.contains(&user.role.as_str()) {
        return Err(ApiError::Internal(format!(
            "user {} has no valid role",
            user.id
        )));
    }
    let token = state.keys.issue(tenant.id, user.id, &user.role)?;
    Ok(Json(json!({ "token": token, "user": user })))
}

#[derive(Debug, Deserialize)]
struct CreateProject {
    name: Option<String>,
    description: Option<String>,
}

/// `POST /api/v1/projects`.
async fn create_project(
    me: CurrentUser,
    JsonBody(input): JsonBody<CreateProject>,
) -> Result<(StatusCode, Json<Project>), ApiError> {
    let CurrentUser {
        tenant, mut conn, ..
    } = me;
    let name = input.name.as_deref().map(str::trim).unwrap_or_default();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(ApiError::invalid(
            "name",
            "must be 1 to 120 characters long",
        ));
    }
    if input
        .description
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION)
    {
        return Err(ApiError::invalid(
            "description",
            "must be at most 10000 characters long",
        ));
    }
    let at = now();
    let project = Project {
        tenant_id: tenant.id,
        id: Uuid::now_v7(),
        name: name.to_owned(),
        description: input.description,
        created_at: at,
        updated_at: at,
    };
    conn.insert_project(&project).await?;
    commit(conn).await?;
    Ok((StatusCode::CREATED, Json(project)))
}

/// `GET /api/v1/projects?limit&cursor`.
async fn list_projects(
    me: CurrentUser,
    QueryParams(query): QueryParams<PageQuery>,
) -> Result<Json<Page<Project>>, ApiError> {
    let CurrentUser {
        tenant, mut conn, ..
    } = me;
    let page = PageRequest::check(query.limit.as_deref(), query.cursor.as_deref(), tenant.id)?;
    let projects = conn
        .list_projects(tenant.id, page.after, page.fetch())
        .await?;
    Ok(Json(
        page.page(tenant.id, projects, |p| (p.created_at, p.id)),
    ))
}

/// `GET /api/v1/projects/{id}`.
async fn show_project(
    me: CurrentUser,
    IdPath(id): IdPath<Uuid>,
) -> Result<Json<Project>, ApiError> {
    let CurrentUser {
        tenant, mut conn, ..
    } = me;
    let project = conn
        .project_by_id(tenant.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(project))
}

/// `DELETE /api/v1/projects/{id}`: owners and admins only (API.md). The schema's cascades
/// delete its tasks, their comments and its reports; the reports' jobs go in the same
/// transaction.
async fn delete_project(me: CurrentUser, IdPath(id): IdPath<Uuid>) -> Result<StatusCode, ApiError> {
    let CurrentUser {
        user,
        tenant,
        mut conn,
    } = me;
    if !matches!(user.role.as_str(), "owner" | "admin") {
        return Err(ApiError::Forbidden(
            "only owners and admins delete projects",
        ));
    }
    let jobs: Vec<Uuid> = conn
        .reports_of_project(tenant.id, id)
        .await?
        .into_iter()
        .map(|report| report.job_id)
        .collect();
    if !conn.delete_project(tenant.id, id).await? {
        return Err(ApiError::NotFound);
    }
    conn.delete_jobs(tenant.id, &jobs).await?;
    commit(conn).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct TaskQuery {
    status: Option<String>,
    assignee_id: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// `GET /api/v1/projects/{id}/tasks?status&assignee_id&limit&cursor`.
async fn list_tasks(
    me: CurrentUser,
    IdPath(project_id): IdPath<Uuid>,
    query: Result<QueryParams<TaskQuery>, ApiError>,
) -> Result<Json<Page<Task>>, ApiError> {
    let CurrentUser {
        tenant, mut conn, ..
    } = me;
    // Another tenant's project is not found, whatever the query string says.
    conn.project_by_id(tenant.id, project_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let QueryParams(query) = query?;
    let page = PageRequest::check(query.limit.as_deref(), query.cursor.as_deref(), tenant.id)?;
    if let Some(status) = &query.status
        && !STATUSES.contains(&status.as_str())
    {
        return Err(ApiError::BadRequest(
            "status must be todo, in_progress or done".to_owned(),
        ));
    }
    let assignee_id = match &query.assignee_id {
        Some(assignee) => Some(
            Uuid::parse_str(assignee)
                .map_err(|_| ApiError::BadRequest("assignee_id must be a UUID".to_owned()))?,
        ),
        None => None,
    };
    let filter = TaskFilter {
        status: query.status,
        assignee_id,
        after: page.after,
        limit: page.fetch(),
    };
    let tasks = conn.list_tasks(tenant.id, project_id, filter).await?;
    Ok(Json(page.page(tenant.id, tasks, |t| (t.created_at, t.id))))
}

/// A new task as a client sends it.
#[derive(Debug, Default, Deserialize)]
struct TaskInput {
    /// Read as the app reads it (a non-string is a 400), then ignored: the path names the
    /// project.
    #[serde(rename = "project_id")]
    _project_id: Option<String>,
    title: Option<String>,
    description: Option<String>,
    status: Option<String>,
    priority: Option<String>,
    assignee_id: Option<String>,
    due_date: Option<String>,
}

/// `POST /api/v1/projects/{id}/tasks`.
async fn create_task(
    me: CurrentUser,
    IdPath(project_id): IdPath<Uuid>,
    input: Result<JsonBody<TaskInput>, ApiError>,
) -> Result<(StatusCode, Json<Task>), ApiError> {
    let CurrentUser {
        tenant, mut conn, ..
    } = me;
    // Another tenant's project is not found, whatever the body holds.
    conn.project_by_id(tenant.id, project_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let JsonBody(input) = input?;
    let mut fields = BTreeMap::new();
    let mut bad = |field: &str, message: &str| {
        fields.insert(field.to_owned(), message.to_owned());
    };
    let title = match input.title.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() && t.chars().count() <= 200 => t.to_owned(),
        _ => {
            bad("title", "must be 1 to 200 characters long");
            String::new()
        }
    };
    if input
        .description
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION)
    {
        bad("description", "must be at most 10000 characters long");
    }
    let status = match input.status {
        Some(s) if !STATUSES.contains(&s.as_str()) => {
            bad("status", "must be todo, in_progress or done");
            None
        }
        other => other,
    };
    let priority = match input.priority {
        Some(p) if !PRIORITIES.contains(&p.as_str()) => {
            bad("priority", "must be low, medium or high");
            None
        }
        other => other,
    };
    let due_date = input.due_date.and_then(|d| {
        NaiveDate::parse_from_str(&d, "%Y-%m-%d")
            .map_err(|_| bad("due_date", "must be a date as YYYY-MM-DD, or null"))
            .ok()
    });
    let assignee_id = input.assignee_id.and_then(|a| {
        Uuid::parse_str(&a)
            .map_err(|_| bad("assignee_id", "must be a user of this tenant, or null"))
            .ok()
    });
    if let Some(assignee) = assignee_id
        && conn.user_by_id(tenant.id, assignee).await?.is_none()
    {
        fields.insert(
            "assignee_id".to_owned(),
            "must be a user of this tenant, or null".to_owned(),
        );
    }
    if !fields.is_empty() {
        return Err(ApiError::Validation(fields));
    }
    let at = now();
    let task = Task {
        tenant_id: tenant.id,
        id: Uuid::now_v7(),
        project_id,
        title,
        description: input.description,
        status: status.unwrap_or_else(|| "todo".to_owned()),
        priority: priority.unwrap_or_else(|| "medium".to_owned()),
        assignee_id,
        due_date,
        created_at: at,
        updated_at: at,
    };
    conn.insert_task(&task).await.map_err(|err| {
        // The assignee or the project went away between the check and the write.
        if is_foreign_key_violation(&err) {
            ApiError::invalid("assignee_id", "must be a user of this tenant, or null")
        } else {
            err.into()
        }
    })?;
    commit(conn).await?;
    Ok((StatusCode::CREATED, Json(task)))
}

/// `GET /api/v1/tasks/{id}`.
async fn show_task(me: CurrentUser, IdPath(id): IdPath<Uuid>) -> Result<Json<Task>, ApiError> {
    let CurrentUser {
        tenant, mut conn, ..
    } = me;
    let task = conn
        .task_by_id(tenant.id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(task))
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    limit: Option<String>,
    cursor: Option<String>,
}

/// `GET /api/v1/tasks/{id}/comments?limit&cursor`: oldest first.
async fn list_comments(
    me: CurrentUser,
    IdPath(task_id): IdPath<Uuid>,
    query: Result<QueryParams<PageQuery>, ApiError>,
) -> Result<Json<Page<Comment>>, ApiError> {
    let CurrentUser {
        tenant, mut conn, ..
    } = me;
    // Another tenant's task is not found, whatever the query string says.
    conn.task_by_id(tenant.id, task_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let QueryParams(query) = query?;
    let page = PageRequest::check(query.limit.as_deref(), query.cursor.as_deref(), tenant.id)?;
    let comments = conn
        .list_comments(tenant.id, task_id, page.after, page.fetch())
        .await?;
    Ok(Json(
        page.page(tenant.id, comments, |c| (c.created_at, c.id)),
    ))
}

#[derive(Debug, Deserialize)]
struct CreateComment {
    body: Option<String>,
}

/// `POST /api/v1/tasks/{id}/comments`.
async fn create_comment(
    me: CurrentUser,
    IdPath(task_id): IdPath<Uuid>,
    input: Result<JsonBody<CreateComment>, ApiError>,
) -> Result<(StatusCode, Json<Comment>), ApiError> {
    let CurrentUser {
        user,
        tenant,
        mut conn,
    } = me;
    // Another tenant's task is not found, whatever the body holds.
    conn.task_by_id(tenant.id, task_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let JsonBody(input) = input?;
    let body = input.body.unwrap_or_default();
    if body.trim().is_empty() || body.chars().count() > 10_000 {
        return Err(ApiError::invalid(
            "body",
            "must be 1 to 10000 characters long",
        ));
    }
    let comment = Comment {
        tenant_id: tenant.id,
        id: Uuid::now_v7(),
        task_id,
        author_id: Some(user.id),
        body,
        created_at: now(),
    };
    match conn.insert_comment(&comment).await {
        Ok(()) => {}
        // The task was deleted since we looked: the composite key refuses the comment.
        Err(err) if is_foreign_key_violation(&err) => return Err(ApiError::NotFound),
        Err(err) => return Err(err.into()),
    }
    commit(conn).await?;
    Ok((StatusCode::CREATED, Json(comment)))
}
