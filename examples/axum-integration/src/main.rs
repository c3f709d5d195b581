//! Run with: cargo run -p example-axum-integration
//!
//! It opens (or creates) `axum-integration.db` in the current folder, makes the tenants Acme
//! and Globex, prints a token for a user of each, and serves on `127.0.0.1:3000` (set
//! `EXAMPLE_BIND` to change it). curl sends `*.localhost` to 127.0.0.1 by itself; with another
//! client, use `http://127.0.0.1:3000` and a `Host: acme.localhost` header.
//!
//! Paste the two `export` lines it prints into another terminal, then:
//!
//! ```text
//! # Acme's token on Acme's host: create a project and a note in it (201 both)
//! curl -s http://acme.localhost:3000/api/v1/projects -H "Authorization: Bearer $ACME_TOKEN" \
//!      -H 'content-type: application/json' -d '{"name": "Rocket"}'
//! PROJECT=$(curl -s http://acme.localhost:3000/api/v1/projects -H "Authorization: Bearer $ACME_TOKEN" | jq -r '.[0].id')
//! NOTE=$(curl -s http://acme.localhost:3000/api/v1/projects/$PROJECT/notes -H "Authorization: Bearer $ACME_TOKEN" \
//!      -H 'content-type: application/json' -d '{"body": "launch on friday"}' | jq -r .id)
//! curl -s http://acme.localhost:3000/api/v1/notes/$NOTE -H "Authorization: Bearer $ACME_TOKEN"
//!
//! # Acme's token on Globex's host: 401 {"error": {"code": "unauthorized", ...}}
//! curl -si http://globex.localhost:3000/api/v1/projects -H "Authorization: Bearer $ACME_TOKEN"
//!
//! # Globex, with its own valid token, asks for Acme's note: 404 {"error": {"code": "not_found", ...}}
//! curl -si http://globex.localhost:3000/api/v1/notes/$NOTE -H "Authorization: Bearer $GLOBEX_TOKEN"
//!
//! # No such tenant: 404 tenant_not_found. No token: 401.
//! curl -si http://initech.localhost:3000/api/v1/projects -H "Authorization: Bearer $ACME_TOKEN"
//! curl -si http://acme.localhost:3000/api/v1/projects
//! ```

use std::error::Error;
use std::path::Path;

use example_axum_integration::{AppState, app, connect, ensure_tenant, migrate};
use taskflow_tenancy::web::jwt::JwtKeys;
use taskflow_tenancy::web::limit::TenantLimits;
use taskflow_tenancy::web::resolve::SubdomainResolver;
use taskflow_tenancy::{AdminCapability, TenantDb};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

    let db = TenantDb::new(connect(Path::new("axum-integration.db")).await?);
    migrate(&db).await?;
    let admin = AdminCapability::grant("example-setup", "create the demo tenants")?;
    let acme = ensure_tenant(&db, &admin, "Acme", "acme").await?;
    let globex = ensure_tenant(&db, &admin, "Globex", "globex").await?;

    // Without a configured secret, a fresh one per run: the tokens printed below are the only
    // ones that work, which is what a demo wants.
    let secret = std::env::var("EXAMPLE_JWT_SECRET").unwrap_or_else(|_| {
        format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        )
    });
    let keys = JwtKeys::hs256(secret)?;
    // A real app issues these at login, after checking a password. The role is the app's own
    // string: this example only shows it back; an app that acts on roles parses it into its
    // own and refuses a token with any other.
    println!(
        "export ACME_TOKEN={}",
        keys.issue(&acme, "ada@acme.example", "owner")?
    );
    println!(
        "export GLOBEX_TOKEN={}",
        keys.issue(&globex, "gus@globex.example", "member")?
    );

    let bind = std::env::var("EXAMPLE_BIND").unwrap_or_else(|_| "127.0.0.1:3000".into());
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    tracing::info!("serving on http://{}", listener.local_addr()?);
    let router = app(
        AppState { db, keys },
        SubdomainResolver::new("localhost")?,
        TenantLimits::default(),
    );
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            tokio::signal::ctrl_c().await.ok();
        })
        .await?;
    Ok(())
}
