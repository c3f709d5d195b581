//! Lists of tasks: a project's (`GET /api/v1/projects/{id}/tasks`), its counts per status
//! (`GET /api/v1/projects/{id}/tasks/counts`) and every project's (`GET /api/v1/tasks`, "my
//! tasks" with `assignee_id=me`). The database filters, searches and sorts, always within the
//! tenant of the request.

use axum::Json;
use chrono::{Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use taskflow_tenancy::{AnyTenantTx, Filter};
use uuid::Uuid;

use super::extractor::{CurrentUser, IdPath, QueryParams, Tx};
use super::page::{Cursor, Page, PageQuery, PageRequest, Position};
use super::tasks::{PRIORITIES, STATUSES, project};
use super::{ApiError, trash};
use crate::model::Task;

/// The longest search a list takes, in characters.
const MAX_SEARCH: usize = 200;

/// `?q&status&priority&assignee_id&due&sort&limit&cursor`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct TaskQuery {
    /// Words (letters and digits) that must each begin a word of the title or the
    /// description, ignoring case, found through the database's full-text index; at most 200
    /// characters.
    #[param(max_length = 200)]
    q: Option<String>,
    /// Only the tasks with this status.
    #[param(value_type = Option<super::openapi::TaskStatus>)]
    status: Option<String>,
    /// Only the tasks with this priority.
    #[param(value_type = Option<super::openapi::TaskPriority>)]
    priority: Option<String>,
    /// Only the tasks assigned to this user, or to the caller with `me`.
    #[param(value_type = Option<String>)]
    assignee_id: Option<String>,
    /// `overdue` (due before today, UTC, and not done), `week` (due today or in the six days
    /// after) or `none` (no due date).
    #[param(value_type = Option<super::openapi::DueFilter>)]
    due: Option<String>,
    /// `created` (oldest first, the default), `due` (earliest due date first, tasks without
    /// one last) or `priority` (high, medium, low); ties in the order the tasks were created.
    #[param(value_type = Option<super::openapi::TaskSort>)]
    sort: Option<String>,
    /// How many items a page holds: 1 to 200, 50 when left out.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 200)]
    limit: Option<String>,
    /// The `next_cursor` of the previous page of the same sort; the first page when left out
    /// or empty.
    cursor: Option<String>,
}

/// `?q&priority&assignee_id&due`: the filters of a count.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct CountQuery {
    /// As for the list: every word beginning a word of the title or the description.
    #[param(max_length = 200)]
    q: Option<String>,
    /// As for the list.
    #[param(value_type = Option<super::openapi::TaskPriority>)]
    priority: Option<String>,
    /// As for the list: a user's id or `me`.
    #[param(value_type = Option<String>)]
    assignee_id: Option<String>,
    /// As for the list.
    #[param(value_type = Option<super::openapi::DueFilter>)]
    due: Option<String>,
}

/// How many of a project's tasks each status holds, under the count's filters.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub(crate) struct TaskCounts {
    todo: u64,
    in_progress: u64,
    done: u64,
}

/// The order of a list, run as one keyset per segment: a sort on a column with nulls (the due
/// date) or with a few values in an order of their own (the priority) has no single keyset the
/// builders can page on without an expression, but each segment has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sort {
    /// `(created_at, id)`: one segment.
    Created,
    /// The tasks with a due date by `(due_date, id)`, then those without by `id`.
    Due,
    /// high, medium, low: one segment each, by `id` (ids are time-ordered UUIDs).
    Priority,
}

impl Sort {
    fn parse(text: Option<&str>) -> Result<Sort, ApiError> {
        match text {
            None | Some("created") => Ok(Sort::Created),
            Some("due") => Ok(Sort::Due),
            Some("priority") => Ok(Sort::Priority),
            Some(_) => Err(ApiError::BadRequest(
                "sort must be created, due or priority".to_owned(),
            )),
        }
    }

    /// The sort's number in a cursor's [`Position`].
    fn code(self) -> u8 {
        match self {
            Sort::Created => 0,
            Sort::Due => 1,
            Sort::Priority => 2,
        }
    }

    fn segments(self) -> u8 {
        match self {
            Sort::Created => 1,
            Sort::Due => 2,
            Sort::Priority => 3,
        }
    }

    /// The rows of segment `segment`.
    fn segment(self, segment: u8) -> Option<Filter<Task>> {
        match (self, segment) {
            (Sort::Created, _) => None,
            (Sort::Due, 0) => Some(Task::DUE_DATE.is_not_null()),
            (Sort::Due, _) => Some(Task::DUE_DATE.is_null()),
            (Sort::Priority, n) => Some(Task::PRIORITY.eq(PRIORITY_ORDER[usize::from(n)])),
        }
    }

    /// Where `task` stands: what a cursor after it records.
    fn position(self, task: &Task) -> Option<Position> {
        let segment = match self {
            Sort::Created => return None,
            Sort::Due => u8::from(task.due_date.is_none()),
            Sort::Priority => PRIORITY_ORDER
                .iter()
                .position(|p| *p == task.priority)
                .and_then(|n| u8::try_from(n).ok())
                .unwrap_or(0),
        };
        Some(Position {
            sort: self.code(),
            segment,
            date: task.due_date.filter(|_| self == Sort::Due),
        })
    }

    /// The cursor's segment, if the cursor was made for this sort.
    fn resumes(self, cursor: &Cursor) -> Result<u8, ApiError> {
        let invalid = || ApiError::BadRequest("invalid cursor".to_owned());
        match (self, cursor.position) {
            (Sort::Created, None) => Ok(0),
            (_, Some(p)) if p.sort == self.code() && p.segment < self.segments() => {
                // The dated segment resumes after a date; the others need none.
                if (self == Sort::Due && p.segment == 0) != p.date.is_some() {
                    return Err(invalid());
                }
                Ok(p.segment)
            }
            _ => Err(invalid()),
        }
    }
}

/// Highest first.
const PRIORITY_ORDER: [&str; 3] = ["high", "medium", "low"];

/// The checked filters shared by lists and counts.
fn filters(
    me: &CurrentUser,
    q: Option<String>,
    priority: Option<String>,
    assignee_id: Option<String>,
    due: Option<String>,
) -> Result<Vec<Filter<Task>>, ApiError> {
    let mut filters = Vec::new();
    if let Some(priority) = priority {
        if !PRIORITIES.contains(&priority.as_str()) {
            return Err(ApiError::BadRequest(
                "priority must be low, medium or high".to_owned(),
            ));
        }
        filters.push(Task::PRIORITY.eq(priority));
    }
    if let Some(assignee) = assignee_id {
        let assignee = if assignee == "me" {
            me.user.id
        } else {
            Uuid::parse_str(&assignee)
                .map_err(|_| ApiError::BadRequest("assignee_id must be a UUID or me".to_owned()))?
        };
        filters.push(Task::ASSIGNEE_ID.eq(assignee));
    }
    if let Some(due) = due {
        let today = Utc::now().date_naive();
        match due.as_str() {
            "overdue" => {
                filters.push(Task::DUE_DATE.lt(today));
                filters.push(Task::STATUS.ne("done"));
            }
            "week" => {
                let last = today
                    .checked_add_days(Days::new(6))
                    .unwrap_or(NaiveDate::MAX);
                filters.push(Task::DUE_DATE.ge(today));
                filters.push(Task::DUE_DATE.le(last));
            }
            "none" => filters.push(Task::DUE_DATE.is_null()),
            _ => {
                return Err(ApiError::BadRequest(
                    "due must be overdue, week or none".to_owned(),
                ));
            }
        }
    }
    if let Some(q) = q {
        if q.chars().count() > MAX_SEARCH {
            return Err(ApiError::BadRequest(
                "q must be at most 200 characters long".to_owned(),
            ));
        }
        filters.extend(Task::SEARCH.matches(&q));
    }
    Ok(filters)
}

/// A page of the tasks `filters` keep, in `sort`'s order, from where `request` resumes.
async fn page(
    tx: &mut AnyTenantTx,
    me: &CurrentUser,
    filters: Vec<Filter<Task>>,
    sort: Sort,
    request: PageRequest,
) -> Result<Page<Task>, ApiError> {
    let first = match &request.after {
        Some(cursor) => sort.resumes(cursor)?,
        None => 0,
    };
    let mut rows: Vec<Task> = Vec::new();
    for segment in first..sort.segments() {
        let wanted = request.fetch() - rows.len() as u64;
        let mut select = Task::scoped(&mut *tx).limit(wanted);
        for filter in filters.iter().cloned().chain(sort.segment(segment)) {
            select = select.filter(filter);
        }
        let after = request.after.filter(|_| segment == first);
        select = match (sort, segment, after) {
            (Sort::Created, _, Some(after)) => {
                select.after(Task::CREATED_AT.asc(), after.created_at, after.id)
            }
            (Sort::Created, _, None) => select
                .order_by(Task::CREATED_AT.asc())
                .order_by(Task::ID.asc()),
            (Sort::Due, 0, after) => {
                if let Some(date) = after.and_then(|a| a.position).and_then(|p| p.date) {
                    let id = after.map(|a| a.id).unwrap_or_default();
                    select = select.filter(
                        Task::DUE_DATE
                            .gt(date)
                            .or(Task::DUE_DATE.eq(date).and(Task::ID.gt(id))),
                    );
                }
                select
                    .order_by(Task::DUE_DATE.asc())
                    .order_by(Task::ID.asc())
            }
            (_, _, Some(after)) => select.after_key(after.id),
            (_, _, None) => select.order_by(Task::ID.asc()),
        };
        rows.extend(select.fetch_all().await?);
        if rows.len() as u64 >= request.fetch() {
            break;
        }
    }
    Ok(request.page_at(&me.scope, rows, |t| (t.created_at, t.id, sort.position(t))))
}

/// A list's query, checked: its filters (with the status), its sort and its page.
fn checked(
    me: &CurrentUser,
    query: TaskQuery,
) -> Result<(Vec<Filter<Task>>, Sort, PageRequest), ApiError> {
    let request = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    }
    .check(&me.scope)?;
    let sort = Sort::parse(query.sort.as_deref())?;
    let mut filters = filters(me, query.q, query.priority, query.assignee_id, query.due)?;
    if let Some(status) = query.status {
        if !STATUSES.contains(&status.as_str()) {
            return Err(ApiError::BadRequest(
                "status must be todo, in_progress or done".to_owned(),
            ));
        }
        filters.push(Task::STATUS.eq(status));
    }
    Ok((filters, sort, request))
}

#[utoipa::path(
    get,
    path = "/api/v1/projects/{id}/tasks",
    operation_id = "listTasks",
    tag = "tasks",
    summary = "A project's tasks, oldest first unless sorted otherwise",
    description = "Filters combine: `q` (every word beginning a word of the title or the \
        description, through the full-text index), \
        `status`, `priority`, `assignee_id` (`me` for the caller) and `due`; `sort` orders by \
        creation, due date or priority. Always within the tenant.",
    params(("id" = Uuid, Path, description = "The project's id"), TaskQuery),
    responses(
        (status = 200, description = "A page of tasks", body = Page<Task>),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("tenantToken" = [])),
)]
pub(super) async fn list(
    me: CurrentUser,
    mut tx: Tx,
    IdPath(project_id): IdPath<Uuid>,
    query: Result<QueryParams<TaskQuery>, ApiError>,
) -> Result<Json<Page<Task>>, ApiError> {
    // Another tenant's project is not found, whatever the query string says.
    project(&mut tx, project_id).await?;
    let QueryParams(query) = query?;
    let (mut filters, sort, request) = checked(&me, query)?;
    filters.push(Task::PROJECT_ID.eq(project_id));
    Ok(Json(page(&mut tx, &me, filters, sort, request).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/tasks",
    operation_id = "listAllTasks",
    tag = "tasks",
    summary = "The tasks of every project, oldest first unless sorted otherwise",
    description = "The same filters and sorts as a project's list, over every project of the \
        tenant: `assignee_id=me` lists the caller's own tasks.",
    params(TaskQuery),
    responses(
        (status = 200, description = "A page of tasks", body = Page<Task>),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("tenantToken" = [])),
)]
pub(super) async fn list_all(
    me: CurrentUser,
    mut tx: Tx,
    query: Result<QueryParams<TaskQuery>, ApiError>,
) -> Result<Json<Page<Task>>, ApiError> {
    let QueryParams(query) = query?;
    let (mut filters, sort, request) = checked(&me, query)?;
    let trashed = trash::trashed(&mut tx).await?;
    if !trashed.is_empty() {
        filters.push(Task::PROJECT_ID.not_in(trashed));
    }
    Ok(Json(page(&mut tx, &me, filters, sort, request).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/projects/{id}/tasks/counts",
    operation_id = "countTasks",
    tag = "tasks",
    summary = "How many of a project's tasks each status holds",
    description = "Under the same filters as the list (`q`, `priority`, `assignee_id`, `due`): \
        the numbers a board shows in its column headers.",
    params(("id" = Uuid, Path, description = "The project's id"), CountQuery),
    responses(
        (status = 200, description = "The counts", body = TaskCounts),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("tenantToken" = [])),
)]
pub(super) async fn counts(
    me: CurrentUser,
    mut tx: Tx,
    IdPath(project_id): IdPath<Uuid>,
    query: Result<QueryParams<CountQuery>, ApiError>,
) -> Result<Json<TaskCounts>, ApiError> {
    project(&mut tx, project_id).await?;
    let QueryParams(query) = query?;
    let filters = filters(&me, query.q, query.priority, query.assignee_id, query.due)?;
    let mut counts = TaskCounts::default();
    for (status, count) in [
        ("todo", &mut counts.todo),
        ("in_progress", &mut counts.in_progress),
        ("done", &mut counts.done),
    ] {
        let mut select = Task::scoped(&mut *tx)
            .filter(Task::PROJECT_ID.eq(project_id))
            .filter(Task::STATUS.eq(status));
        for filter in filters.iter().cloned() {
            select = select.filter(filter);
        }
        *count = select.count().await?;
    }
    Ok(Json(counts))
}
