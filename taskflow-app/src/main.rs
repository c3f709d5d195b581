//! The `taskflow-app` command: `serve` (the default) and `migrate`.

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

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
    },
    /// Apply pending migrations and exit.
    Migrate,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    let result = match taskflow_app::Config::from_env() {
        Err(err) => Err(err.into()),
        Ok(config) => match cli.command.unwrap_or(Command::Serve { no_migrate: false }) {
            Command::Serve { no_migrate } => taskflow_app::serve(&config, !no_migrate).await,
            Command::Migrate => taskflow_app::migrate(&config).await,
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
