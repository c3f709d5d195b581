//! The HTTP server: hyper's HTTP/1.1 connections with the timeouts a server facing the internet
//! needs, and a drain on shutdown that answers every request it has received.
//!
//! `axum::serve` sets no header read timeout, so a client that never finishes its headers (or
//! keeps an idle connection open) holds it for as long as it likes, and its graceful shutdown
//! closes idle keep-alive connections at once, so a request a client sent on one just then is
//! never answered. This module serves the same `Router` over `hyper` directly:
//!
//! - a connection must deliver each request's headers within [`ServerSettings::header_timeout`]
//!   of being opened or of its previous answer (hyper restarts the timer when a connection falls
//!   idle, so it is the keep-alive idle timeout too);
//! - on shutdown the server first *drains* for [`ServerSettings::drain`]: it keeps accepting and
//!   answering, every answer says `Connection: close`, and readiness answers 503 (see
//!   [`Draining`]), so clients and proxies move to other processes; then it stops accepting and
//!   lets requests in flight finish for at most [`ServerSettings::grace`].

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, header};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceExt as _;

/// How the server treats connections.
///
/// ```
/// let settings = taskflow_app::http::ServerSettings::default();
/// assert_eq!(settings.header_timeout.as_secs(), 10);
/// assert_eq!(settings.drain.as_secs(), 1);
/// assert_eq!(settings.grace.as_secs(), 30);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerSettings {
    /// How long a connection may take to send a request's headers, counted from its opening
    /// or from its previous answer; then it is closed.
    pub header_timeout: Duration,
    /// How long a request's body may take to arrive once its headers have; then the answer is
    /// `408 request_timeout`.
    pub body_timeout: Duration,
    /// How long the server keeps answering (with `Connection: close`) after it was told to
    /// stop, before it stops accepting; skipped when no connection is open.
    pub drain: Duration,
    /// How long requests in flight may take to finish once the server stops accepting.
    pub grace: Duration,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            drain: Duration::from_secs(1),
            grace: Duration::from_secs(30),
        }
    }
}

/// Whether the server is draining: shared by the server, which sets it when told to stop, and
/// the app, whose readiness check then answers 503. Clones share the flag.
///
/// ```
/// let draining = taskflow_app::http::Draining::default();
/// assert!(!draining.is_draining());
/// draining.clone().start();
/// assert!(draining.is_draining());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Draining(Arc<AtomicBool>);

impl Draining {
    /// Marks the server as draining.
    pub fn start(&self) {
        self.0.store(true, Ordering::Release);
    }

    /// Whether the server is draining.
    pub fn is_draining(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then drains: for
/// [`ServerSettings::drain`] it keeps answering, with `Connection: close` and readiness at 503
/// ([`Draining`]), then it stops accepting and lets requests in flight finish for at most
/// [`ServerSettings::grace`]. Each connection must deliver a request's headers within
/// [`ServerSettings::header_timeout`]. Handlers can read the client's address as
/// `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    settings: ServerSettings,
    draining: Draining,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let connections = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                accept(accepted, &app, settings, &draining, &connections).await;
            }
            () = &mut shutdown => break,
        }
    }
    draining.start();
    if connections.count() > 0 {
        tracing::info!(
            "draining for {:?}: answering with Connection: close",
            settings.drain
        );
        let until = tokio::time::sleep(settings.drain);
        let mut until = pin!(until);
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    accept(accepted, &app, settings, &draining, &connections).await;
                }
                () = &mut until => break,
            }
        }
    }
    drop(listener);
    tracing::info!("shutting down: finishing requests in flight");
    tokio::select! {
        () = connections.shutdown() => {}
        () = tokio::time::sleep(settings.grace) => {
            tracing::warn!("requests still in flight after {:?}: stopping anyway", settings.grace);
        }
    }
    Ok(())
}

/// Serves one accepted connection on a task of its own.
async fn accept(
    accepted: std::io::Result<(tokio::net::TcpStream, SocketAddr)>,
    app: &Router,
    settings: ServerSettings,
    draining: &Draining,
    connections: &GracefulShutdown,
) {
    let (stream, remote) = match accepted {
        Ok(accepted) => accepted,
        Err(err) => {
            // Out of file descriptors, most likely: wait for some to be freed instead of
            // spinning on the error.
            tracing::error!("cannot accept a connection: {err}");
            tokio::time::sleep(Duration::from_millis(100)).await;
            return;
        }
    };
    let _ = stream.set_nodelay(true);
    let draining = draining.clone();
    let service = app
        .clone()
        .map_request(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(remote));
            request.map(Body::new)
        })
        .map_response(move |mut response: axum::response::Response| {
            if draining.is_draining() {
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            response
        })
        .map_err(|never: Infallible| match never {});
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_timeout)
        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
    let connection = connections.watch(connection);
    tokio::spawn(async move {
        if let Err(err) = connection.await {
            tracing::debug!("connection from {remote}: {err}");
        }
    });
}
