//! The API's description, OpenAPI 3.1, generated from the handlers: `GET /api/v1/openapi.json`.
//!
//! Every handler carries a `#[utoipa::path]` with its method, path, parameters, body and every
//! status it answers; the request and response types derive `utoipa::ToSchema`. [`ApiDoc`]
//! collects them with `#[derive(OpenApi)]` and adds what no handler says: the tenancy by Host,
//! the two bearer schemes, the error answers shared by every route and the schemas of the
//! answers that handlers build as JSON values.
//!
//! The routers stay plain axum `Router`s, collected by `#[openapi(paths(...))]`, rather than
//! `utoipa_axum::router::OpenApiRouter` with `routes!()`: the tenant routes and the platform
//! routes sit under different layers ([`app`](super::app) merges them), and each resource
//! module's `router()` is shared by the tests, the benches and this description alike. Moving
//! them to `OpenApiRouter` would rewrite every `router()` and `app` to gain only what the API
//! tests check anyway: that each route served is described and each route described is served
//! (`tests/api/openapi.rs`).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use axum::body::Body;
//! use axum::http::Request;
//! use tower::ServiceExt;
//!
//! let config = taskflow_app::Config::from_vars(|_| None)?;
//! let db = taskflow_app::db::connect("sqlite::memory:").await?;
//! let app = taskflow_app::http::app(taskflow_app::http::AppState::new(db, &config)?);
//!
//! // Any host, no credentials: the description is public.
//! let request = Request::get("/api/v1/openapi.json").header("host", "example.com").body(Body::empty())?;
//! let response = app.oneshot(request).await?;
//! assert_eq!(response.status(), 200);
//! let body = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
//! let description: serde_json::Value = serde_json::from_slice(&body)?;
//! assert_eq!(description["openapi"], "3.1.0");
//! assert!(description["paths"]["/api/v1/projects/{id}/tasks"]["post"].is_object());
//! # Ok(())
//! # }
//! ```

use std::sync::LazyLock;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ArrayBuilder, Schema};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::server::{Server, ServerBuilder, ServerVariableBuilder};
use utoipa::openapi::{Content, HeaderBuilder, ObjectBuilder, Ref, RefOr, Type};
use utoipa::{Modify, OpenApi, ToResponse};

use super::AppState;
use super::error::ErrorBody;

/// The path the description is served at.
pub(crate) const PATH: &str = "/api/v1/openapi.json";

pub(crate) fn router() -> Router<AppState> {
    Router::new().route(PATH, get(serve))
}

/// The description as JSON, built once.
static DESCRIPTION: LazyLock<String> = LazyLock::new(|| {
    ApiDoc::openapi()
        .to_pretty_json()
        .expect("the description serializes")
});

#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "getOpenApi",
    tag = "platform",
    summary = "This description",
    description = "The API's OpenAPI 3.1 description, on any host and without credentials.",
    responses(
        (status = 200, description = "The OpenAPI description", content_type = "application/json", body = Object),
    ),
)]
async fn serve() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DESCRIPTION.as_str(),
    )
}

const DESCRIPTION_TEXT: &str = "\
The HTTP API of TaskFlow, a multi-tenant project-management service.

**Tenants are subdomains.** A tenant route answers on `{subdomain}.{base}` (the base domain is \
`TASKFLOW_BASE_DOMAIN`, `localhost` by default): `Host: acme.localhost:8080` is tenant `acme`, \
case-insensitively and whatever the port. Only the Host selects the tenant; no header, query \
parameter, cookie or body field can. Any other host on a tenant route (an unknown subdomain, a \
deeper name, another domain, no Host) answers `404 tenant_not_found`, and a suspended tenant \
answers `403 tenant_suspended`. Platform routes (`/healthz`, `/readyz`, signup, the operator's \
`/api/v1/admin/...` and this description) resolve no tenant and answer on the bare base domain.

**Authentication.** Tenant routes other than login take `Authorization: Bearer <JWT>` \
(`tenantToken`), as login and signup hand out: HS256, valid only on its tenant's host and while \
its user exists there. Operator routes take `Authorization: Bearer <TASKFLOW_ADMIN_TOKEN>` \
(`operatorToken`) and do not exist (404) when no operator token is configured; a tenant's token \
is never an operator's.

**Errors** are `{\"error\": {\"code\", \"message\", \"fields\"?}}` (`fields`, on `422 \
validation_failed` only, maps each field to what is wrong with it). A request that fails changes \
nothing. A path naming a resource of another tenant, or none, is `404 not_found` before its query \
string or body is judged.

**Lists** are pages `{\"items\", \"next_cursor\"}`, oldest first: pass `next_cursor` back as \
`cursor` for the next page until it is null. A cursor is opaque and only good on the tenant that \
made it.";

/// The description of the whole API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "TaskFlow",
        description = DESCRIPTION_TEXT,
        license(name = "MIT OR Apache-2.0", identifier = "MIT OR Apache-2.0"),
    ),
    servers(
        (
            url = "http://{tenant}.{base}",
            description = "Tenant routes: the subdomain names the tenant",
            variables(
                ("tenant" = (default = "acme", description = "The tenant's subdomain")),
                ("base" = (default = "localhost:8080", description = "The base domain (`TASKFLOW_BASE_DOMAIN`) and port")),
            ),
        ),
    ),
    paths(
        serve,
        super::health::healthz,
        super::health::ready,
        super::tenants::signup,
        super::tenants::list,
        super::tenants::set_active,
        super::auth::login,
        super::auth::logout,
        super::auth::logout_everywhere,
        super::auth::change_password,
        super::password_reset::request,
        super::password_reset::confirm,
        super::auth::me,
        super::users::list,
        super::users::create,
        super::users::show,
        super::users::update,
        super::users::remove,
        super::invitations::list,
        super::invitations::create,
        super::invitations::withdraw,
        super::invitations::preview,
        super::invitations::accept,
        super::projects::list,
        super::projects::create,
        super::projects::show,
        super::projects::update,
        super::projects::remove,
        super::trash::list,
        super::trash::restore,
        super::trash::purge_now,
        super::task_list::list,
        super::task_list::list_all,
        super::task_list::counts,
        super::tasks::create,
        super::tasks::show,
        super::tasks::update,
        super::tasks::remove,
        super::activity::list,
        super::live::events,
        super::comments::list,
        super::comments::create,
        super::reports::list,
        super::reports::create,
        super::reports::show,
        super::reports::download,
    ),
    components(
        schemas(ErrorBody, DueFilter, TaskSort),
        responses(
            BadRequest,
            Unauthorized,
            Forbidden,
            NotFound,
            Conflict,
            PreconditionFailed,
            PayloadTooLarge,
            ValidationFailed,
            RateLimited,
            Unavailable,
        ),
    ),
    modifiers(&Platform),
    tags(
        (name = "platform", description = "Health, signup, the operator's console: on the bare base domain"),
        (name = "auth", description = "Signing in, and who is signed in"),
        (name = "users", description = "The tenant's users and their roles"),
        (name = "projects", description = "Projects"),
        (name = "tasks", description = "A project's tasks"),
        (name = "comments", description = "Comments on a task"),
        (name = "reports", description = "CSV reports of a project's tasks, built in the background"),
    ),
)]
pub(crate) struct ApiDoc;

/// What the description says besides the handlers: the security schemes, and the bare base
/// domain as the server of the platform routes.
struct Platform;

impl Modify for Platform {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "tenantToken",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A token from login or signup: valid on its tenant's host only",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "operatorToken",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The operator's token, `TASKFLOW_ADMIN_TOKEN`"))
                    .build(),
            ),
        );
        // utoipa inlines the item schema of a generic `Page<T>`: refer to it by name instead.
        for (name, schema) in components.schemas.iter_mut() {
            let (Some(item), RefOr::T(Schema::Object(page))) = (name.strip_prefix("Page_"), schema)
            else {
                continue;
            };
            page.properties.insert(
                "items".to_owned(),
                ArrayBuilder::new()
                    .items(Ref::from_schema_name(item))
                    .description(Some("The page's items, oldest first"))
                    .into(),
            );
        }
        for item in openapi.paths.paths.values_mut() {
            let operations: [&Option<Operation>; 4] =
                [&item.get, &item.post, &item.patch, &item.delete];
            let platform = operations
                .iter()
                .filter_map(|op| op.as_ref())
                .any(|op| op.tags.iter().flatten().any(|tag| tag == "platform"));
            if platform {
                item.servers = Some(vec![platform_server()]);
            }
        }
    }
}

fn platform_server() -> Server {
    ServerBuilder::new()
        .url("http://{base}")
        .description(Some("Platform routes: the bare base domain"))
        .parameter(
            "base",
            ServerVariableBuilder::new()
                .default_value("localhost:8080")
                .description(Some("The base domain (`TASKFLOW_BASE_DOMAIN`) and port")),
        )
        .build()
}

/// An error answer with the error body.
fn error_response(description: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/json",
        Content::new(Some(Ref::from_schema_name("Error"))),
    )
}

/// Declares each shared error answer as a response component that `#[utoipa::path]`
/// refers to with `(status = .., response = Name)`.
macro_rules! error_responses {
    ($($(#[$doc:meta])* $name:ident => $description:literal;)*) => {$(
        $(#[$doc])*
        pub(crate) struct $name;

        impl<'s> ToResponse<'s> for $name {
            fn response() -> (&'s str, RefOr<Response>) {
                (stringify!($name), error_response($description).build().into())
            }
        }
    )*};
}

error_responses! {
    /// 400 `bad_request`.
    BadRequest => "`bad_request`: malformed JSON, a body that is not an object, a wrong content type, or an unparsable id or query parameter";
    /// 401 `unauthorized`.
    Unauthorized => "`unauthorized`: missing, malformed, expired or wrongly signed credentials, a token of another tenant or of a user who no longer exists";
    /// 403 `forbidden` or `tenant_suspended`.
    Forbidden => "`tenant_suspended`: the tenant is suspended; or `forbidden`: the caller's role does not allow it";
    /// 404 `tenant_not_found` or `not_found`.
    NotFound => "`tenant_not_found`: the host names no tenant; or `not_found`: no such resource in this tenant";
    /// 409 `conflict`.
    Conflict => "`conflict`: a unique value is already taken in this tenant, or the change would break a rule of the data";
    /// 412 `precondition_failed`.
    PreconditionFailed => "`precondition_failed`: the `If-Match` is not the resource's current `ETag` (someone else changed it); nothing changed";
    /// 413 `payload_too_large`.
    PayloadTooLarge => "`payload_too_large`: the body is over the limit (1 MiB)";
    /// 422 `validation_failed`.
    ValidationFailed => "`validation_failed`: well-formed JSON that breaks a rule; `fields` says which and why";
    /// 503 `unavailable`.
    Unavailable => "`unavailable`: a dependency (the database, the job queue) is down; nothing changed";
}

/// 429 `rate_limited`, with `Retry-After`.
pub(crate) struct RateLimited;

impl<'s> ToResponse<'s> for RateLimited {
    fn response() -> (&'s str, RefOr<Response>) {
        let retry_after = HeaderBuilder::new()
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(0)),
            ))
            .description(Some("Seconds to wait before trying again"))
            .build();
        (
            "RateLimited",
            error_response("`rate_limited`: the tenant or client is over its rate limit")
                .header("Retry-After", retry_after)
                .build()
                .into(),
        )
    }
}

/// The shapes the description names that no handler builds as such: the enums that model
/// columns hold as text, the tenant of `taskflow-tenancy`, and the answers built as JSON values.
/// The API tests validate real answers against them.
mod shapes {
    #![expect(
        dead_code,
        reason = "never built: these types only describe what the handlers answer"
    )]

    use chrono::{DateTime, NaiveDate, Utc};
    use utoipa::ToSchema;
    use uuid::Uuid;

    use crate::model::User;

    /// A task's `status`.
    #[derive(ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub(crate) enum TaskStatus {
        Todo,
        InProgress,
        Done,
    }

    /// A task's `priority`.
    #[derive(ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub(crate) enum TaskPriority {
        Low,
        Medium,
        High,
    }

    /// What a list of tasks narrows to by due date: `overdue` (due before today, UTC, and not
    /// done), `week` (due today or in the six days after), `none` (no due date).
    #[derive(ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub(crate) enum DueFilter {
        Overdue,
        Week,
        None,
    }

    /// The order of a list of tasks: `created` (oldest first), `due` (earliest due date first,
    /// none last) or `priority` (high first); ties in creation order.
    #[derive(ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub(crate) enum TaskSort {
        Created,
        Due,
        Priority,
    }

    /// Where a report's background job is: `queued`, `running`, then `done` (its CSV can be
    /// downloaded) or `failed`.
    #[derive(ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub(crate) enum ReportStatus {
        Queued,
        Running,
        Done,
        Failed,
    }

    /// An organization: the subdomain it is addressed by, and whether it is active.
    #[derive(ToSchema)]
    pub(crate) struct Tenant {
        /// The tenant's id.
        id: Uuid,
        /// Display name.
        name: String,
        /// The subdomain the tenant is addressed by, lowercase.
        subdomain: String,
        /// `false` while the tenant is suspended.
        is_active: bool,
        /// When the tenant was created.
        created_at: DateTime<Utc>,
    }

    /// A new tenant, its owner, and the owner's token (for the tenant's host).
    #[derive(ToSchema)]
    pub(crate) struct SignedUp {
        tenant: Tenant,
        user: User,
        /// The owner's bearer token.
        token: String,
    }

    /// A signed-in user and their bearer token.
    #[derive(ToSchema)]
    pub(crate) struct Session {
        /// The bearer token for the tenant routes of this host.
        token: String,
        user: User,
    }

    /// Who is signed in, and in which tenant.
    #[derive(ToSchema)]
    pub(crate) struct Me {
        user: User,
        tenant: Tenant,
    }

    /// The process is up.
    #[derive(ToSchema)]
    pub(crate) struct Health {
        /// `ok`.
        status: String,
    }

    /// The database (and Redis, with `REDIS_URL`) answers.
    #[derive(ToSchema)]
    pub(crate) struct Readiness {
        /// `ok`.
        status: String,
        /// `sqlite`, `mysql` or `postgres`.
        database: String,
        /// Where background jobs run: `in-process` or `redis`.
        jobs: String,
    }

    /// A new task. Only `title` is required; `status` defaults to `todo` and `priority` to
    /// `medium`.
    #[derive(ToSchema)]
    pub(crate) struct NewTaskInput {
        /// 1 to 200 characters (surrounding whitespace is trimmed).
        #[schema(min_length = 1, max_length = 200)]
        title: String,
        /// Free text, at most 10,000 characters, or null.
        #[schema(max_length = 10000)]
        description: Option<String>,
        /// `todo` when left out.
        status: Option<TaskStatus>,
        /// `medium` when left out.
        priority: Option<TaskPriority>,
        /// A user of this tenant (any other id is a 422), or null.
        assignee_id: Option<Uuid>,
        /// The day it is due, or null.
        due_date: Option<NaiveDate>,
    }
}

pub(crate) use shapes::{
    DueFilter, Health, Me, NewTaskInput, Readiness, ReportStatus, Session, SignedUp, TaskPriority,
    TaskSort, TaskStatus, Tenant,
};
