//! The shop's backend: reads its settings from the environment, keeps the catalog,
//! customers, carts and orders in SQLite, takes payments through a provider, and serves it
//! all over HTTP on 127.0.0.1 until SIGTERM or Ctrl-C, when it lets the requests in
//! progress finish before exiting with status 0.

mod auth;
mod cart;
mod config;
mod db;
mod error;
mod idempotency;
mod json;
mod lifecycle;
mod listing;
mod openapi;
mod orders;
mod payments;
mod products;
mod rate_limit;
mod search;

use std::future::{Future, IntoFuture};
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use axum::middleware;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::config::Config;
use crate::db::Db;
use crate::error::ApiError;
use crate::lifecycle::OrderLocks;
use crate::payments::Payments;
use crate::rate_limit::RateLimiter;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            // One line, naming what is wrong, for whoever reads the deployment's logs.
            eprintln!("shop: {message}");
            ExitCode::FAILURE
        }
    }
}

/// What every handler may reach. Each part is cheap to clone (an `Arc` inside), as axum
/// clones the state for every request.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub admin_token: Arc<str>,
    pub payments: Payments,
    pub order_locks: OrderLocks,
}

/// Lets a handler that only needs the database say `State(db): State<Db>`.
impl FromRef<AppState> for Db {
    fn from_ref(state: &AppState) -> Db {
        state.db.clone()
    }
}

/// Starts the server and serves until a shutdown signal. Every startup failure comes back
/// as a one-line message.
async fn run() -> Result<(), String> {
    let config = Config::from_env()?;
    // Opening the database migrates it: a database this program cannot use stops it here,
    // before it listens, rather than at the first request.
    let db = Db::open(&config.database_path)?;
    let state = AppState {
        db,
        admin_token: config.admin_token.into(),
        payments: Payments::new(config.payment_url)?,
        order_locks: OrderLocks::default(),
    };
    let limiter = RateLimiter::new(config.rate_limit);
    // The signal handlers go in before the port opens: a SIGTERM that arrives as soon as
    // the port accepts connections must already find them, or the default action would kill
    // the process mid-request.
    let shutdown = shutdown_signal()
        .map_err(|error| format!("cannot listen for shutdown signals: {error}"))?;
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, config.port));
    let listener = TcpListener::bind(address)
        .await
        .map_err(|error| format!("cannot listen on {address} (PORT): {error}"))?;
    eprintln!("shop: listening on http://{address}");

    // `with_connect_info` hands every request its peer's address, which the rate limiter
    // counts requests without a token by.
    let service = app(state, limiter).into_make_service_with_connect_info::<SocketAddr>();
    // On the signal, `with_graceful_shutdown` stops accepting connections, lets every
    // request already started run to its response, closes idle keep-alive connections, and
    // only then returns.
    let (signalled, on_signal) = oneshot::channel();
    let server = axum::serve(listener, service).with_graceful_shutdown(async move {
        let signal = shutdown.await;
        eprintln!("shop: {signal} received, finishing the requests in progress");
        let _ = signalled.send(());
    });
    tokio::select! {
        served = server.into_future() => {
            served.map_err(|error| format!("the server stopped: {error}"))?;
        }
        () = grace_period_over(on_signal) => {
            eprintln!("shop: requests still unfinished after {GRACE_PERIOD:?}, stopping anyway");
        }
    }
    eprintln!("shop: stopped");
    Ok(())
}

/// How long in-flight requests get to finish after the shutdown signal. Without a limit,
/// one client that stops sending halfway through its request would keep the process alive
/// forever. A payment cut off here is safe to retry: nothing was written before the
/// provider answered, and the provider's idempotency key makes the retry the same charge.
const GRACE_PERIOD: Duration = Duration::from_secs(4);

/// Completes `GRACE_PERIOD` after the shutdown signal, and never if there is none.
async fn grace_period_over(on_signal: oneshot::Receiver<()>) {
    match on_signal.await {
        Ok(()) => tokio::time::sleep(GRACE_PERIOD).await,
        // The server ended without a signal: its own branch of the `select!` reports that.
        Err(_) => std::future::pending().await,
    }
}

/// Every route, behind the rate limiter.
fn app(state: AppState, limiter: RateLimiter) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/openapi.json", get(openapi::document))
        .merge(products::routes())
        .merge(auth::routes())
        .merge(cart::routes())
        .merge(orders::routes())
        // Without these, an unknown path or method would get axum's empty 404 or 405: the
        // one kind of response outside the envelope.
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        // `Router::layer` wraps the fallbacks too, so a client probing unknown paths is
        // limited like any other.
        .layer(middleware::from_fn_with_state(limiter, rate_limit::limit))
        .with_state(state)
}

/// `GET /health`: answers as soon as the process can serve. It checks nothing else, so
/// that a slow database shows up as slow requests rather than as a dead server to restart.
#[utoipa::path(
    get, path = "/health", tag = "meta",
    responses((status = 200, description = "`{\"status\": \"ok\"}`"))
)]
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
