//! The task API server: reads `PORT` and `DATABASE_URL`, keeps users and tasks in SQLite,
//! serves them over HTTP on 127.0.0.1, and on SIGTERM or Ctrl-C lets the requests in
//! progress finish before exiting with status 0.

mod auth;
mod config;
mod db;
mod error;
mod json;
mod listing;
mod tasks;

use std::future::{Future, IntoFuture};
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::config::Config;
use crate::db::Db;
use crate::error::ApiError;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            // One line, naming what is wrong, for whoever reads the deployment's logs.
            eprintln!("task-api: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Starts the server and serves until a shutdown signal. Every startup failure comes back
/// as a one-line message.
async fn run() -> Result<(), String> {
    let config = Config::from_env()?;
    // Opening the database migrates it: a database this program cannot use stops it here,
    // before it listens, rather than at the first request.
    let db = Db::open(&config.database_path)?;
    // The signal handlers go in before the port opens: a SIGTERM that arrives as soon as
    // the port accepts connections must already find them, or the default action would kill
    // the process mid-request.
    let shutdown = shutdown_signal()
        .map_err(|error| format!("cannot listen for shutdown signals: {error}"))?;
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, config.port));
    let listener = TcpListener::bind(address)
        .await
        .map_err(|error| format!("cannot listen on {address} (PORT): {error}"))?;
    eprintln!("task-api: listening on http://{address}");

    // On the signal, `with_graceful_shutdown` stops accepting connections, lets every
    // request already started (even one whose body is still arriving) run to its response,
    // closes idle keep-alive connections, and only then returns.
    let (signalled, on_signal) = oneshot::channel();
    let server = axum::serve(listener, app(db)).with_graceful_shutdown(async move {
        let signal = shutdown.await;
        eprintln!("task-api: {signal} received, finishing the requests in progress");
        let _ = signalled.send(());
    });
    tokio::select! {
        served = server.into_future() => {
            served.map_err(|error| format!("the server stopped: {error}"))?;
        }
        () = grace_period_over(on_signal) => {
            eprintln!("task-api: requests still unfinished after {GRACE_PERIOD:?}, stopping anyway");
        }
    }
    eprintln!("task-api: stopped");
    Ok(())
}

/// How long in-flight requests get to finish after the shutdown signal. Without a limit,
/// one client that stops sending halfway through its request would keep the process alive
/// forever; whoever sent the signal would then have to SIGKILL it, cutting off every
/// request at once. The README wants an exit within 5 s of the signal, so a little less.
const GRACE_PERIOD: Duration = Duration::from_secs(4);

/// Completes `GRACE_PERIOD` after the shutdown signal, and never if there is none.
async fn grace_period_over(on_signal: oneshot::Receiver<()>) {
    match on_signal.await {
        Ok(()) => tokio::time::sleep(GRACE_PERIOD).await,
        // The server ended without a signal: its own branch of the `select!` reports that.
        Err(_) => std::future::pending().await,
    }
}

/// Every route, over the shared database.
fn app(db: Db) -> Router {
    Router::new()
        .route("/health", get(health))
        .merge(auth::routes())
        .merge(tasks::routes())
        // Without these, an unknown path or method would get axum's empty 404 or 405: the
        // one kind of response outside the envelope.
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .with_state(db)
}

/// Answers as soon as the process can serve: it checks nothing else, so that a slow
/// database shows up as slow requests rather than as a dead server to restart.
async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Installs the handlers for SIGTERM (what `kill`, systemd and container runtimes send)
/// and SIGINT (Ctrl-C) now, and returns a future that completes with the name of the first
/// one that arrives.
#[cfg(unix)]
fn shutdown_signal() -> std::io::Result<impl Future<Output = &'static str>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => "SIGTERM",
            _ = interrupt.recv() => "SIGINT",
        }
    })
}

/// Elsewhere there is no SIGTERM; Ctrl-C is the one signal to wait for.
#[cfg(not(unix))]
fn shutdown_signal() -> std::io::Result<impl Future<Output = &'static str>> {
    Ok(async {
        match tokio::signal::ctrl_c().await {
            Ok(()) => "Ctrl-C",
            // Without a handler nothing can ask for a graceful stop: serve until killed.
            Err(_) => std::future::pending().await,
        }
    })
}
