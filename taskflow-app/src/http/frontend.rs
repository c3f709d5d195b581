//! The built frontend: every `GET` or `HEAD` no API route answers is a file of the frontend's
//! `dist` folder, or its `index.html` (the single-page app routes in the browser). Without a
//! build, a page that says how to make one. Paths under `/api/` stay JSON errors.

use std::path::Path;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::response::{Html, IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use super::{ApiError, AppState};

/// What the browser gets while `frontend/dist` has no `index.html`.
const NOT_BUILT: &str = "<!doctype html>
<html lang=\"en\">
<head><meta charset=\"utf-8\"><title>TaskFlow</title></head>
<body>
<h1>TaskFlow</h1>
<p>The API is running, but the frontend is not built.</p>
<p>Build it with <code>cd frontend &amp;&amp; npm install &amp;&amp; npm run build</code>, then reload
this page. The server serves <code>frontend/dist</code> from its working folder, or the folder
named by <code>TASKFLOW_FRONTEND_DIR</code>.</p>
<p>The API lives under <code>/api/v1/</code>; see <code>shared/API.md</code>.</p>
</body>
</html>
";

/// The router's fallback: a JSON 404 under `/api`, else the frontend.
pub(crate) async fn fallback(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path();
    let api = path == "/api" || path.starts_with("/api/");
    if api || !matches!(*request.method(), Method::GET | Method::HEAD) {
        return ApiError::NotFound.into_response();
    }
    serve(&state.frontend_dir, request).await
}

async fn serve(dir: &Path, request: Request) -> Response {
    let index = dir.join("index.html");
    // Checked on each request, so a build made while the server runs is picked up.
    let built = tokio::fs::metadata(&index)
        .await
        .is_ok_and(|meta| meta.is_file());
    if !built {
        return Html(NOT_BUILT).into_response();
    }
    let files = ServeDir::new(dir).fallback(ServeFile::new(index));
    match files.oneshot(request).await {
        Ok(response) => response.into_response(),
        Err(never) => match never {},
    }
}
