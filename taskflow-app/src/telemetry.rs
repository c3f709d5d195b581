//! What the app tells its operators: log lines (text for people, JSON lines for log shippers)
//! and metrics in Prometheus's text format.
//!
//! Metrics (names and labels; none is per tenant, so their number stays bounded whatever the
//! number of tenants):
//!
//! | metric | kind | labels |
//! | --- | --- | --- |
//! | `taskflow_http_requests_total` | counter | `method`, `route` (the route's pattern, e.g. `/api/v1/tasks/{id}`), `status` |
//! | `taskflow_http_request_duration_seconds` | histogram | `method`, `route`, `status` |
//! | `taskflow_http_requests_in_flight` | gauge | |
//! | `taskflow_db_up` | gauge | 1 while the database probe succeeds |
//! | `taskflow_db_pool_connections` | gauge | `state`: `idle` or `in_use` |
//! | `taskflow_db_pool_max_connections` | gauge | |
//! | `taskflow_jobs` | gauge | `status`: `queued` or `running` (every tenant's) |
//! | `taskflow_job_duration_seconds` | histogram | `kind`, `outcome`: `done` or `failed` |
//!
//! Requests that match no route are counted under the route `unmatched` (the frontend's files
//! and unknown paths), so a scanner cannot grow the label set.

use std::io::IsTerminal as _;
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use taskflow_tenancy::AnyTenantDb;
use taskflow_tenancy::jobs::JobStore;
use tracing_subscriber::EnvFilter;

/// How log lines are written: `TASKFLOW_LOG_FORMAT`, `text` (the default) or `json`.
///
/// ```
/// use taskflow_app::telemetry::LogFormat;
///
/// assert_eq!("json".parse::<LogFormat>(), Ok(LogFormat::Json));
/// assert!("xml".parse::<LogFormat>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// One line per event for people; coloured only when stdout is a terminal.
    #[default]
    Text,
    /// One JSON object per line, with the event's fields and those of its spans (the
    /// request's id, method, route and status, the tenant), for log shippers.
    Json,
}

impl FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!(
                "TASKFLOW_LOG_FORMAT must be `text` or `json`, not `{other}`"
            )),
        }
    }
}

/// Installs the process's log subscriber: `RUST_LOG` filters (else `default_level`), written to
/// stdout in `format`. Text has ANSI colours only when stdout is a terminal.
pub fn init_logs(format: LogFormat, default_level: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Text => logs.with_ansi(std::io::stdout().is_terminal()).init(),
        LogFormat::Json => logs
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .init(),
    }
}

/// Latency buckets, in seconds: from a cached read to a slow report.
const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// The process's Prometheus recorder, installed on first use; what `/metrics` renders.
///
/// ```
/// let handle = taskflow_app::telemetry::metrics();
/// metrics::counter!("taskflow_example_total").increment(1);
/// assert!(handle.render().contains("taskflow_example_total 1"));
/// ```
pub fn metrics() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Suffix("_duration_seconds".to_owned()),
                    SECONDS_BUCKETS,
                )
                .expect("the buckets are not empty");
            match builder.install_recorder() {
                Ok(handle) => handle,
                // Another recorder is the process's already: this one renders what it is
                // given directly (nothing, then), and the process keeps running.
                Err(err) => {
                    tracing::warn!("metrics: {err}");
                    PrometheusBuilder::new().build_recorder().handle()
                }
            }
        })
        .clone()
}

/// Runs the recorder's upkeep (it drains histogram samples) every few seconds, for as long as
/// the process runs.
pub(crate) fn spawn_upkeep(handle: PrometheusHandle) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(5));
        loop {
            every.tick().await;
            handle.run_upkeep();
        }
    });
}

/// Sets the gauges read from the database's pool and the job queue.
pub async fn sample(db: &AnyTenantDb) {
    macro_rules! on {
        ($db:expr) => {{
            let pool = $db.pool();
            let size = u64::from(pool.size());
            let idle = u64::try_from(pool.num_idle()).unwrap_or(u64::MAX);
            let max = u64::from(pool.options().get_max_connections());
            (size, idle, max, JobStore::new(pool.clone()).depth().await)
        }};
    }
    let (size, idle, max, depth) = match db {
        AnyTenantDb::Sqlite(db) => on!(db),
        AnyTenantDb::MySql(db) => on!(db),
        AnyTenantDb::Postgres(db) => on!(db),
    };
    #[allow(clippy::cast_precision_loss)] // connection counts are far below 2^52
    {
        metrics::gauge!("taskflow_db_pool_connections", "state" => "idle").set(idle as f64);
        metrics::gauge!("taskflow_db_pool_connections", "state" => "in_use")
            .set(size.saturating_sub(idle) as f64);
        metrics::gauge!("taskflow_db_pool_max_connections").set(max as f64);
        match depth {
            Ok(depth) => {
                metrics::gauge!("taskflow_jobs", "status" => "queued").set(depth.queued as f64);
                metrics::gauge!("taskflow_jobs", "status" => "running").set(depth.running as f64);
            }
            Err(err) => tracing::debug!("metrics: the job queue could not be counted: {err}"),
        }
    }
}

/// Records one finished job.
pub(crate) fn record_job(kind: &'static str, done: bool, took: Duration) {
    let outcome = if done { "done" } else { "failed" };
    metrics::histogram!("taskflow_job_duration_seconds", "kind" => kind, "outcome" => outcome)
        .record(took.as_secs_f64());
}
