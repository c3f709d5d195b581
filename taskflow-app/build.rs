//! Builds the frontend (`frontend/`, React + Vite) into `frontend/dist` when its sources are
//! newer than the last build, so `cargo run -p taskflow-app` serves a current UI.
//!
//! Without npm, or with `TASKFLOW_SKIP_FRONTEND_BUILD=1`, it only warns: the app then serves
//! the last build, or a page saying how to build one. A failing build fails the cargo build,
//! unless the frontend is skipped. No crate builds a Vite project; npm is the tool for it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// The frontend files whose change calls for a new build.
const SOURCES: [&str; 8] = [
    "src",
    "public",
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "tsconfig.json",
    "tsconfig.app.json",
];

fn main() {
    test_servers();
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let frontend = manifest.join("..").join("frontend");
    println!("cargo::rerun-if-env-changed=TASKFLOW_SKIP_FRONTEND_BUILD");
    for source in SOURCES {
        println!(
            "cargo::rerun-if-changed={}",
            frontend.join(source).display()
        );
    }
    println!(
        "cargo::rerun-if-changed={}",
        frontend.join("dist/index.html").display()
    );
    if !frontend.join("package.json").exists() {
        return;
    }
    if std::env::var("TASKFLOW_SKIP_FRONTEND_BUILD").as_deref() == Ok("1") {
        println!("cargo::warning=TASKFLOW_SKIP_FRONTEND_BUILD=1: frontend/dist is not rebuilt");
        return;
    }
    let built = modified(&frontend.join("dist/index.html"));
    let sources = SOURCES
        .iter()
        .filter_map(|source| newest(&frontend.join(source)))
        .max();
    if built.is_some() && built >= sources {
        return;
    }
    if Command::new("npm").arg("--version").output().is_err() {
        println!(
            "cargo::warning=npm is not installed: the frontend is not built (install Node.js 20+ \
             and rebuild, or build frontend/ yourself)"
        );
        return;
    }
    if !frontend.join("node_modules").exists() {
        npm(&frontend, &["ci", "--no-audit", "--no-fund"]);
    }
    npm(&frontend, &["run", "build"]);
}

fn npm(dir: &Path, args: &[&str]) {
    let status = Command::new("npm")
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap_or_else(|e| panic!("npm {}: {e}", args.join(" ")));
    assert!(
        status.success(),
        "`npm {}` in frontend/ failed ({status}); set TASKFLOW_SKIP_FRONTEND_BUILD=1 to build \
         the backend alone",
        args.join(" ")
    );
}

fn modified(path: &Path) -> Option<SystemTime> {
    path.metadata().and_then(|m| m.modified()).ok()
}

/// The newest modification time of `path` or of any file under it.
fn newest(path: &Path) -> Option<SystemTime> {
    let own = modified(path);
    let Ok(entries) = std::fs::read_dir(path) else {
        return own;
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| newest(&entry.path()))
        .chain(own)
        .max()
}

/// The HTTP suite's MariaDB and PostgreSQL variants (`api_tests!` in `tests/api/helpers.rs`)
/// are compiled as ignored tests unless their server's URL is set when the tests are built, so
/// that a run without the servers reports them as ignored instead of passed.
fn test_servers() {
    println!("cargo::rustc-check-cfg=cfg(taskflow_test_mysql, taskflow_test_postgres)");
    for (var, cfg) in [
        ("TASKFLOW_TEST_MYSQL_URL", "taskflow_test_mysql"),
        ("TASKFLOW_TEST_POSTGRES_URL", "taskflow_test_postgres"),
    ] {
        println!("cargo::rerun-if-env-changed={var}");
        if std::env::var_os(var).is_some_and(|url| !url.is_empty()) {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}
