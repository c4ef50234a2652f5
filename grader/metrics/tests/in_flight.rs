//! Hidden tests for `http_requests_in_flight`: requests held open by a gate inside
//! their handler while the test scrapes `/metrics` concurrently.

mod common;

use expect::expect_eq;
use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use common::*;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

/// A route `/hold` whose handler signals that it started, then waits for a permit
/// of `gate` before answering.
struct Held {
    app: Router,
    started: Arc<Semaphore>,
    gate: Arc<Semaphore>,
}

fn held_app() -> Held {
    let started = Arc::new(Semaphore::new(0));
    let gate = Arc::new(Semaphore::new(0));
    let (started_in, gate_in) = (Arc::clone(&started), Arc::clone(&gate));
    let routes = Router::new()
        .route(
            "/hold",
            get(move || {
                let (started, gate) = (Arc::clone(&started_in), Arc::clone(&gate_in));
                async move {
                    started.add_permits(1);
                    gate.acquire().await.unwrap().forget();
                    "released"
                }
            }),
        )
        .route("/quick", get(|| async { "quick" }));
    let (app, _clock) = instrumented(routes);
    Held { app, started, gate }
}

impl Held {
    /// Sends GET /hold on a task and waits until its handler has started.
    async fn hold_one(&self) -> JoinHandle<StatusCode> {
        let app = self.app.clone();
        let task = tokio::spawn(async move { fetch(&app, "/hold").await.status() });
        self.started.acquire().await.unwrap().forget();
        task
    }

    async fn gauge(&self) -> f64 {
        let (expo, text) = scrape(&self.app).await;
        in_flight(&expo, &text)
    }
}

/// The gauge is present and 0 before any request, and a scrape does not count
/// itself as in flight.
/// Rules: in-flight-gauge, metrics-route-untracked.
#[tokio::test]
async fn gauge_starts_at_zero() {
    let held = held_app();
    expect_eq!(
        held.gauge().await,
        0.0,
        "with no request being handled, http_requests_in_flight is 0 (the scrape itself is not counted)"
    );
    fetch(&held.app, "/quick").await;
    expect_eq!(held.gauge().await, 0.0, "after a finished request, http_requests_in_flight is back to 0");
}

/// Two requests held open inside their handler are in flight; each one leaves the
/// gauge when its response is ready.
/// Rules: in-flight-gauge.
#[tokio::test]
async fn gauge_counts_requests_being_handled() {
    let held = held_app();
    let first = held.hold_one().await;
    expect_eq!(held.gauge().await, 1.0, "one request is waiting inside its handler");
    let second = held.hold_one().await;
    expect_eq!(held.gauge().await, 2.0, "two requests are waiting inside their handlers");

    // The gate is a fair semaphore: the first request waiting gets the first permit.
    held.gate.add_permits(1);
    expect_eq!(first.await.unwrap(), StatusCode::OK);
    expect_eq!(held.gauge().await, 1.0, "one of the two requests has been answered");

    held.gate.add_permits(1);
    expect_eq!(second.await.unwrap(), StatusCode::OK);
    expect_eq!(held.gauge().await, 0.0, "both requests have been answered");
}

/// A held request is not counted in http_requests_total until it is answered.
/// Rules: in-flight-gauge, counter-per-series.
#[tokio::test]
async fn held_request_is_counted_once_answered() {
    let held = held_app();
    let task = held.hold_one().await;
    let (expo, text) = scrape(&held.app).await;
    expect_eq!(
        counter(&expo, "GET", "/hold", "2xx"),
        None,
        "a request still inside its handler has no status yet, so it is not counted; /metrics was:\n{text}"
    );
    held.gate.add_permits(1);
    expect_eq!(task.await.unwrap(), StatusCode::OK);
    let (expo, text) = scrape(&held.app).await;
    expect_eq!(counter(&expo, "GET", "/hold", "2xx"), Some(1.0), "/metrics was:\n{text}");
    expect_eq!(in_flight(&expo, &text), 0.0, "/metrics was:\n{text}");
}

/// A request whose future is dropped while its handler waits (the client went
/// away) leaves the in-flight gauge.
/// Rules: in-flight-cancelled.
#[tokio::test]
async fn cancelled_request_leaves_the_gauge() {
    let held = held_app();
    let task = held.hold_one().await;
    let kept = held.hold_one().await;
    expect_eq!(held.gauge().await, 2.0, "two requests are waiting inside their handlers");

    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    expect_eq!(
        held.gauge().await,
        1.0,
        "a request whose future was dropped before its response must leave http_requests_in_flight \
         (decrement in a guard's Drop, not after the .await)"
    );

    held.gate.add_permits(1);
    expect_eq!(kept.await.unwrap(), StatusCode::OK);
    expect_eq!(held.gauge().await, 0.0);
}

/// While a request is held, another route keeps working and the held request still
/// ends up counted once released.
/// Rules: in-flight-gauge.
#[tokio::test]
async fn other_requests_pass_while_one_is_held() {
    let held = held_app();
    let task = held.hold_one().await;
    expect_eq!(fetch(&held.app, "/quick").await.status(), StatusCode::OK);
    expect_eq!(held.gauge().await, 1.0, "only /hold is still in flight once /quick is answered");
    held.gate.add_permits(1);
    expect_eq!(task.await.unwrap(), StatusCode::OK);
    expect_eq!(held.gauge().await, 0.0);
}

/// Two `Metrics` share nothing: a request held and one answered through the first
/// leave the second empty, with its gauge at 0.
/// Rules: metrics-independent.
#[tokio::test]
async fn two_metrics_are_independent() {
    let first = held_app();
    let second = held_app();
    fetch(&first.app, "/quick").await;
    let task = first.hold_one().await;

    let (expo, text) = scrape(&second.app).await;
    expect_eq!(
        in_flight(&expo, &text),
        0.0,
        "a request held by another Metrics is not in flight here (keep the gauge in the Metrics, \
         not in a static); /metrics was:\n{text}"
    );
    assert!(
        counter_series(&expo).is_empty() && series_of(&expo, "http_request_duration_seconds").is_empty(),
        "a new Metrics starts empty: requests answered through another Metrics are not its series; \
         /metrics was:\n{text}"
    );
    expect_eq!(first.gauge().await, 1.0, "the first Metrics has its held request in flight");

    first.gate.add_permits(1);
    expect_eq!(task.await.unwrap(), StatusCode::OK);
}
