//! Reports: `POST /api/v1/projects/{id}/reports`, `GET /api/v1/reports/{id}` and
//! `GET /api/v1/reports/{id}/download`, and the page of a project's reports,
//! `GET /api/v1/projects/{id}/reports` (oldest first, like every list).

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Serialize;
use taskflow_tenancy::AnyTenantTx;
use taskflow_tenancy::jobs::{self, Job, JobStatus};
use uuid::Uuid;

use super::extractor::{CurrentUser, IdPath, QueryParams, Tx};
use super::page::{Page, PageQuery};
use super::{ApiError, AppState};
use crate::model::{NewReport, Report, now};
use crate::reports::{KIND, payload};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/projects/{id}/reports", get(list).post(create))
        .route("/api/v1/reports/{id}", get(show))
        .route("/api/v1/reports/{id}/download", get(download))
}

/// A report as the API shows it: the row, with the state of its job.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Report)]
pub(crate) struct ReportView {
    /// The report's id.
    id: Uuid,
    /// The project whose tasks it lists.
    project_id: Uuid,
    #[schema(value_type = super::openapi::ReportStatus)]
    status: JobStatus,
    /// How far the job is, in percent.
    #[schema(minimum = 0, maximum = 100)]
    progress: i32,
    /// When it was asked for.
    created_at: DateTime<Utc>,
    /// When its job ended (`done` or `failed`); null before.
    #[schema(required)]
    finished_at: Option<DateTime<Utc>>,
}

impl ReportView {
    fn new(report: &Report, job: &Job) -> ReportView {
        ReportView {
            id: report.id,
            project_id: report.project_id,
            status: job.status,
            progress: job.progress,
            created_at: report.created_at,
            finished_at: job.finished_at,
        }
    }
}

/// The report and its job; not found unless both are this tenant's and its project is not in
/// the trash.
async fn load(tx: &mut AnyTenantTx, id: Uuid) -> Result<(Report, Job), ApiError> {
    let report = Report::scoped(&mut *tx)
        .get(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    super::trash::project(tx, report.project_id).await?;
    let job = job_of(tx, &report).await?;
    Ok((report, job))
}

/// The job of a report.
async fn job_of(tx: &mut AnyTenantTx, report: &Report) -> Result<Job, ApiError> {
    jobs::get(tx, report.job_id)
        .await?
        .ok_or_else(|| ApiError::Internal(format!("report {} has no job", report.id)))
}

/// The project's reports, with their jobs' state; another tenant's project is not found.
#[utoipa::path(
    get,
    path = "/api/v1/projects/{id}/reports",
    operation_id = "listReports",
    tag = "reports",
    summary = "A project's reports, oldest first",
    params(("id" = Uuid, Path, description = "The project's id"), PageQuery),
    responses(
        (status = 200, description = "A page of reports", body = Page<ReportView>),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("tenantToken" = [])),
)]
async fn list(
    me: CurrentUser,
    mut tx: Tx,
    IdPath(project_id): IdPath<Uuid>,
    query: Result<QueryParams<PageQuery>, ApiError>,
) -> Result<Json<Page<ReportView>>, ApiError> {
    // Another tenant's project is not found, whatever the query string says.
    super::trash::project(&mut tx, project_id).await?;
    let QueryParams(query) = query?;
    let scope = &me.scope;
    let request = query.check(scope)?;
    let mut select = Report::scoped(&mut *tx)
        .filter(Report::PROJECT_ID.eq(project_id))
        .limit(request.fetch());
    select = match request.after {
        Some(after) => select.after(Report::CREATED_AT.asc(), after.created_at, after.id),
        None => select
            .order_by(Report::CREATED_AT.asc())
            .order_by(Report::ID.asc()),
    };
    let reports = select.fetch_all().await?;
    let page = request.page(scope, reports, |r| (r.created_at, r.id));
    let ids: Vec<Uuid> = page.items.iter().map(|r| r.job_id).collect();
    let jobs = jobs::get_many(&mut *tx, &ids).await?;
    let jobs: HashMap<Uuid, Job> = jobs.into_iter().map(|job| (job.id, job)).collect();
    let items = page
        .items
        .iter()
        .map(|report| {
            jobs.get(&report.job_id)
                .map(|job| ReportView::new(report, job))
                .ok_or_else(|| ApiError::Internal(format!("report {} has no job", report.id)))
        })
        .collect::<Result<_, _>>()?;
    Ok(Json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// Writes the report row and enqueues its job in one transaction: there is never a report
/// without a job, nor a job for a report that was not saved.
#[utoipa::path(
    post,
    path = "/api/v1/projects/{id}/reports",
    operation_id = "createReport",
    tag = "reports",
    summary = "Ask for a CSV report of a project's tasks, built in the background",
    params(("id" = Uuid, Path, description = "The project's id")),
    responses(
        (status = 202, description = "The report, queued", body = ReportView),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("tenantToken" = [])),
)]
async fn create(
    _me: CurrentUser,
    State(state): State<AppState>,
    mut tx: Tx,
    IdPath(project_id): IdPath<Uuid>,
) -> Result<(StatusCode, Json<ReportView>), ApiError> {
    super::trash::project(&mut tx, project_id).await?;
    // With Redis, a queue that is down refuses the report before anything is written.
    if let Some(wakeups) = &state.wakeups {
        wakeups
            .ping()
            .await
            .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    }
    let job_id = jobs::enqueue(&mut *tx, KIND, payload(project_id)).await?;
    let new = NewReport {
        id: Uuid::now_v7(),
        project_id,
        job_id,
        created_at: now(),
    };
    let report = match Report::scoped(&mut *tx).insert(new).await {
        Ok(report) => report,
        // The project was deleted since it was read.
        Err(e) if e.is_foreign_key_violation() => return Err(ApiError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let job = job_of(&mut tx, &report).await?;
    // Committed before the workers are woken, so that the one woken finds the job.
    tx.commit().await?;
    if let Some(wakeups) = &state.wakeups {
        // The job is committed: a lost wake-up only delays it to the workers' next poll.
        if let Err(e) = wakeups.notify(job.id).await {
            tracing::warn!(error = %e, job = %job.id, "could not wake a job worker");
        }
    }
    Ok((StatusCode::ACCEPTED, Json(ReportView::new(&report, &job))))
}

#[utoipa::path(
    get,
    path = "/api/v1/reports/{id}",
    operation_id = "getReport",
    tag = "reports",
    summary = "A report: its status and progress",
    params(("id" = Uuid, Path, description = "The report's id")),
    responses(
        (status = 200, description = "The report", body = ReportView),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("tenantToken" = [])),
)]
async fn show(
    _me: CurrentUser,
    mut tx: Tx,
    IdPath(id): IdPath<Uuid>,
) -> Result<Json<ReportView>, ApiError> {
    let (report, job) = load(&mut tx, id).await?;
    Ok(Json(ReportView::new(&report, &job)))
}

#[utoipa::path(
    get,
    path = "/api/v1/reports/{id}/download",
    operation_id = "downloadReport",
    tag = "reports",
    summary = "A finished report's CSV",
    params(("id" = Uuid, Path, description = "The report's id")),
    responses(
        (
            status = 200,
            description = "The project's tasks as CSV, one row per task",
            content_type = "text/csv",
            body = String,
            headers(("Content-Disposition" = String, description = "`attachment`, with the file's name")),
        ),
        (status = 400, response = super::openapi::BadRequest),
        (status = 409, description = "`conflict`: the report is not done yet, or it failed", body = super::error::ErrorBody),
        (status = 401, response = super::openapi::Unauthorized),
        (status = 403, response = super::openapi::Forbidden),
        (status = 404, response = super::openapi::NotFound),
        (status = 429, response = super::openapi::RateLimited),
        (status = 503, response = super::openapi::Unavailable),
    ),
    security(("tenantToken" = [])),
)]
async fn download(
    _me: CurrentUser,
    mut tx: Tx,
    IdPath(id): IdPath<Uuid>,
) -> Result<Response, ApiError> {
    let (_, job) = load(&mut tx, id).await?;
    match (job.status, job.result) {
        (JobStatus::Done, Some(csv)) => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"report-{id}.csv\""),
                ),
            ],
            csv,
        )
            .into_response()),
        (JobStatus::Failed, _) => Err(ApiError::Conflict("the report failed: ask for a new one")),
        _ => Err(ApiError::Conflict("the report is not ready yet")),
    }
}
