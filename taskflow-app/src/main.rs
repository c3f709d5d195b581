//! The `taskflow-app` command: `serve` (the default), `migrate` and `seed`.

use clap::{Parser, Subcommand};
use taskflow_app::seed::SeedProgress;
use taskflow_app::telemetry::{self, LogFormat};

/// mimalloc instead of the system allocator: sqlx allocates a statement's arguments on the async
/// thread and frees them on SQLite's worker thread, a pattern glibc's allocator serves with
/// lock contention; a ten-million-row seed takes a tenth less time (benches/README.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// TaskFlow: multi-tenant projects and tasks.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply pending migrations (unless --no-migrate), then serve the API.
    Serve {
        /// Do not apply pending migrations first.
        #[arg(long)]
        no_migrate: bool,
        /// Do not create demo tenants on an empty database (as TASKFLOW_DEMO=0).
        #[arg(long)]
        no_demo: bool,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Run background jobs (reports) only, until SIGINT or SIGTERM.
    Worker,
    /// Apply pending migrations, then write demo data: TENANTS tenants `{prefix}-1`, ..., each
    /// with an owner `owner@{prefix}-N.example` (password `taskflow-demo`), PROJECTS projects
    /// per tenant and TASKS tasks per project.
    Seed {
        /// How many tenants.
        #[arg(long, default_value_t = 10)]
        tenants: u64,
        /// Projects per tenant.
        #[arg(long, default_value_t = 3)]
        projects: u64,
        /// Tasks per project.
        #[arg(long, default_value_t = 20)]
        tasks: u64,
        /// The start of every subdomain (`{prefix}-N`); pick another to seed a database twice.
        #[arg(long, default_value = "demo")]
        prefix: String,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // A line per seeded tenant would bury the progress bar.
    let default_level = match cli.command {
        Some(Command::Seed { .. }) => "warn",
        _ => "info",
    };
    let format = match std::env::var("TASKFLOW_LOG_FORMAT") {
        Err(_) => LogFormat::default(),
        Ok(value) => match value.parse::<LogFormat>() {
            Ok(format) => format,
            Err(err) => {
                eprintln!("taskflow-app: {err}");
                return std::process::ExitCode::from(2);
            }
        },
    };
    telemetry::init_logs(format, default_level);
    let result = match taskflow_app::Config::from_env() {
        Err(err) => Err(err.into()),
        Ok(mut config) => match cli.command.unwrap_or(Command::Serve {
            no_migrate: false,
            no_demo: false,
        }) {
            Command::Serve {
                no_migrate,
                no_demo,
            } => {
                config.demo &= !no_demo;
                taskflow_app::serve(&config, !no_migrate).await
            }
            Command::Migrate => taskflow_app::migrate(&config).await,
            Command::Worker => taskflow_app::worker(&config).await,
            Command::Seed {
                tenants,
                projects,
                tasks,
                prefix,
            } => {
                let plan = taskflow_app::seed::SeedPlan {
                    tenants,
                    projects,
                    tasks,
                    prefix,
                };
                seed(&config, &plan).await
            }
        },
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Runs `plan` with a progress bar over the tenants.
async fn seed(
    config: &taskflow_app::Config,
    plan: &taskflow_app::seed::SeedPlan,
) -> Result<(), taskflow_app::Error> {
    let db = taskflow_app::db::connect_for_bulk_load(&config.database_url).await?;
    taskflow_app::db::migrate(&db).await?;
    let bar = indicatif::ProgressBar::new(plan.tenants).with_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {pos}/{len} tenants, {msg} ({eta} left)",
        )
        .expect("a valid progress template")
        .progress_chars("=> "),
    );
    let started = std::time::Instant::now();
    let mut rows = 0u64;
    let result = taskflow_app::seed::seed(&db, plan, |step| match step {
        SeedProgress::Tenant { rows: written } => {
            rows += written;
            bar.set_message(format!("{rows} rows"));
            bar.inc(1);
        }
        SeedProgress::BuildingIndexes => bar.set_message(format!("{rows} rows, building indexes")),
        SeedProgress::Committing => bar.set_message(format!("{rows} rows, committing")),
    })
    .await;
    bar.finish();
    let total = result?;
    let elapsed = started.elapsed();
    println!(
        "seeded {} tenants ({} projects and {} tasks each per tenant/project), {total} rows in {:.2?} ({:.0} rows/s)",
        plan.tenants,
        plan.projects,
        plan.tasks,
        elapsed,
        total as f64 / elapsed.as_secs_f64().max(1e-9)
    );
    Ok(())
}
