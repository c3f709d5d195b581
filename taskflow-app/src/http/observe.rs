//! Every request's span and metrics, and `GET /metrics`.
//!
//! The span (`request`, made for tower-http's `TraceLayer`) has the request's id, method and
//! path from the start; the route's pattern, the tenant (recorded by the tenant layer) and the
//! status once known. `TraceLayer` logs one `INFO` line per answer in it. The metrics are those
//! of [`crate::telemetry`].

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tracing::field::Empty;

use metrics_exporter_prometheus::PrometheusHandle;
use taskflow_tenancy::AnyTenantDb;

use super::AppState;
use crate::db::DbHealth;

/// The route label of a request no route matched.
const UNMATCHED: &str = "unmatched";

/// The span of one request: for `TraceLayer::make_span_with`.
pub(crate) fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|id| id.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        request_id,
        method = %request.method(),
        path = request.uri().path(),
        route = Empty,
        tenant_id = Empty,
        status = Empty,
    )
}

/// On every matched route (`Router::route_layer`): records the route's pattern in the span,
/// and hands it to [`measure`] in the answer's extensions.
pub(crate) async fn name_route(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    if let Some(route) = &route {
        tracing::Span::current().record("route", route.as_str());
    }
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(route);
    }
    response
}

/// Around the whole router: counts each request and measures how long its answer took, by
/// method, route and status.
pub(crate) async fn measure(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let in_flight = metrics::gauge!("taskflow_http_requests_in_flight");
    in_flight.increment(1);
    let response = next.run(request).await;
    in_flight.decrement(1);
    let route = response
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_owned();
    let status = response.status().as_u16().to_string();
    tracing::Span::current().record("status", response.status().as_u16());
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("taskflow_http_requests_total", &labels).increment(1);
    metrics::histogram!("taskflow_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(render))
}

/// `GET /metrics`: the process's metrics in Prometheus's text format. Meant for the monitoring
/// network only: the nginx site serves it to the addresses it allows (`deploy/`).
async fn render(State(state): State<AppState>) -> Response {
    render_metrics(&state.db, &state.health, &state.metrics).await
}

/// What a worker serves on `TASKFLOW_METRICS_BIND`: `GET /metrics` and `GET /healthz`.
pub(crate) fn worker_router(db: AnyTenantDb, health: DbHealth) -> Router {
    let handle = crate::telemetry::metrics();
    Router::new()
        .route(
            "/metrics",
            get(move || async move { render_metrics(&db, &health, &handle).await }),
        )
        .route("/healthz", get(|| async { "ok" }))
}

async fn render_metrics(
    db: &AnyTenantDb,
    health: &DbHealth,
    handle: &PrometheusHandle,
) -> Response {
    // The gauges are the process's: one scrape at a time samples and renders them, so that
    // two apps in one process (as in tests) never render each other's samples.
    static SCRAPE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _one_at_a_time = SCRAPE.lock().await;
    crate::telemetry::sample(db).await;
    metrics::gauge!("taskflow_db_up").set(if health.is_up() { 1.0 } else { 0.0 });
    handle.run_upkeep();
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        handle.render(),
    )
        .into_response()
}
