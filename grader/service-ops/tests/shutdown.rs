//! Hidden tests for `run`'s graceful shutdown, over a real socket. The shutdown
//! signal is a oneshot channel; requests in flight are held by a gate the test
//! opens. Real time is used only as bounds a correct server never nears, and
//! as the short deadline of the tests where the deadline must pass.

mod common;

use expect::expect_eq;
use std::time::{Duration, Instant};

use axum::Router;
use service_ops::{Health, Readiness, ShutdownOutcome};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use common::{
    BOUND, LONG_DEADLINE, Server, app_with_held_route, client, get_text, spawn_held_request,
};

/// The deadline of the tests where a request is never released.
const SHORT_DEADLINE: Duration = Duration::from_millis(150);

fn ready_health() -> Health {
    Health::new(Vec::<String>::new())
}

/// With no signal the server keeps serving however long it runs, and the deadline does not start counting.
/// Rules: serves-until-signal, deadline-from-signal, drained-when-idle.
#[tokio::test(start_paused = true)]
async fn serves_until_the_signal_however_long_that_takes() {
    let mut server = Server::start(Router::new(), ready_health(), Duration::from_secs(10)).await;
    // Paused clock: an hour passes at once, and no socket is in use meanwhile.
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert!(
        !server.has_returned(),
        "run returned after an hour without any shutdown signal; it must serve until the signal \
         (the deadline counts from the signal, not from the start)"
    );
    expect_eq!(server.health.readiness(), Readiness::Ready, "no signal yet: still ready");
    server.signal_shutdown();
    expect_eq!(
        server.outcome().await,
        ShutdownOutcome::Drained,
        "nothing was in flight, so the drain should finish at once"
    );
}

/// A request in flight when the signal fires finishes with its real response, and run reports Drained.
/// Rules: in-flight-completes, drained-outcome, run-serves-app.
#[tokio::test]
async fn a_request_in_flight_finishes_and_run_reports_drained() {
    let (app, mut held) = app_with_held_route();
    let mut server = Server::start(app, ready_health(), LONG_DEADLINE).await;
    let client = client();
    let request = spawn_held_request(&client, &server);
    held.entered().await;

    server.signal_shutdown();
    server.wait_until_refused().await;
    assert!(!server.has_returned(), "run must wait for the request still in flight");
    held.release_one();

    let answer = tokio::time::timeout(BOUND, request).await.expect("the held request never got its answer");
    let answer = answer.unwrap().expect("the request in flight should complete normally during the drain");
    expect_eq!(
        answer,
        (200, "finished".to_string()),
        "a request in flight when shutdown began must get its normal response"
    );
    expect_eq!(server.outcome().await, ShutdownOutcome::Drained);
}

/// When the signal fires, readiness turns to shutting down no later than the listener stops accepting.
/// Rules: signal-fails-readiness, stops-accepting.
#[tokio::test]
async fn the_signal_fails_readiness_and_closes_the_listener() {
    let (app, mut held) = app_with_held_route();
    let mut server = Server::start(app, ready_health(), LONG_DEADLINE).await;
    let client = client();
    let (status, _) = get_text(&client, &server.url("/readyz")).await;
    expect_eq!(status, 200, "ready before the signal");
    let _request = spawn_held_request(&client, &server);
    held.entered().await;

    server.signal_shutdown();
    server.wait_until_refused().await;
    expect_eq!(
        server.health.readiness(),
        Readiness::ShuttingDown,
        "by the time the listener stops accepting, readiness must already be ShuttingDown \
         (so /readyz answers 503 during the drain)"
    );
    held.release_one();
    expect_eq!(server.outcome().await, ShutdownOutcome::Drained);
}

/// An idle keep-alive connection does not hold up the drain: run reports Drained promptly.
/// Rules: drained-when-idle, drained-outcome.
#[tokio::test]
async fn an_idle_keep_alive_connection_does_not_delay_the_drain() {
    let (app, _held) = app_with_held_route();
    let mut server = Server::start(app, ready_health(), LONG_DEADLINE).await;
    let client = client(); // kept alive: its pooled connection stays open and idle
    let (status, body) = get_text(&client, &server.url("/quick")).await;
    expect_eq!((status, body.as_str()), (200, "quick"), "the app's own route is served");

    server.signal_shutdown();
    expect_eq!(
        server.outcome().await,
        ShutdownOutcome::Drained,
        "an idle connection has nothing in flight; run should close it and report Drained"
    );
    drop(client);
}

/// A request that never finishes makes run return DeadlineHit once the deadline has passed since the signal, counting only that request.
/// Rules: deadline-hit-outcome, deadline-from-signal, in-flight-counted.
#[tokio::test]
async fn a_stuck_request_makes_run_return_at_the_deadline() {
    let (app, mut held) = app_with_held_route();
    let mut server = Server::start(app, ready_health(), SHORT_DEADLINE).await;
    let client = client();
    for _ in 0..3 {
        let (status, _) = get_text(&client, &server.url("/quick")).await;
        expect_eq!(status, 200);
    }
    // An open connection that has sent only half a request: no handler runs for it.
    let mut half_sent = TcpStream::connect(server.addr).await.unwrap();
    half_sent.write_all(b"GET /quick HTTP/1.1\r\n").await.unwrap();
    let _stuck = spawn_held_request(&client, &server);
    held.entered().await;

    let signalled_at = Instant::now();
    server.signal_shutdown();
    let outcome = server.outcome().await;
    let waited = signalled_at.elapsed();
    expect_eq!(
        outcome,
        ShutdownOutcome::DeadlineHit { in_flight: 1 },
        "one request was still running at the deadline: three finished ones, and a connection \
         that never sent a whole request, must not be counted"
    );
    drop(half_sent);
    assert!(
        waited >= SHORT_DEADLINE,
        "run gave up {waited:?} after the signal, before the {SHORT_DEADLINE:?} deadline"
    );
}

/// Of two held requests, the one released during the drain gets its answer and only the other is counted at the deadline, not both as at the signal.
/// Rules: in-flight-completes, in-flight-counted, deadline-hit-outcome.
#[tokio::test]
async fn only_requests_still_running_are_counted_at_the_deadline() {
    let (app, mut held) = app_with_held_route();
    let mut server = Server::start(app, ready_health(), SHORT_DEADLINE).await;
    let client = client();
    let first = spawn_held_request(&client, &server);
    held.entered().await;
    let _second = spawn_held_request(&client, &server);
    held.entered().await;

    server.signal_shutdown();
    // Released only once the drain is under way, so it finishes during the drain.
    server.wait_until_refused().await;
    held.release_one();
    held.ended().await;
    let outcome = server.outcome().await;
    expect_eq!(
        outcome,
        ShutdownOutcome::DeadlineHit { in_flight: 1 },
        "one of the two held requests finished during the drain, one was still running"
    );
    let answer = tokio::time::timeout(BOUND, first).await.expect("the released request never got its answer");
    expect_eq!(answer.unwrap().unwrap(), (200, "finished".to_string()));
}

/// A request whose client disconnected is cancelled and no longer counted as in flight.
/// Rules: cancelled-not-counted, in-flight-counted.
#[tokio::test]
async fn a_request_whose_client_left_is_not_counted() {
    let (app, mut held) = app_with_held_route();
    let mut server = Server::start(app, ready_health(), SHORT_DEADLINE).await;
    let mut raw = TcpStream::connect(server.addr).await.unwrap();
    raw.write_all(b"GET /held HTTP/1.1\r\nhost: localhost\r\n\r\n")
        .await
        .unwrap();
    held.entered().await;
    drop(raw); // the client gives up; the server cancels the handler
    held.ended().await;

    let client = client();
    let _stuck = spawn_held_request(&client, &server);
    held.entered().await;
    server.signal_shutdown();
    expect_eq!(
        server.outcome().await,
        ShutdownOutcome::DeadlineHit { in_flight: 1 },
        "the request whose client disconnected was cancelled, so only the other one is in flight"
    );
}

/// The Health handle given to run reports ShuttingDown once run has returned, and stays so.
/// Rules: run-serves-health-routes, drained-outcome, signal-fails-readiness, shutdown-is-final.
#[tokio::test]
async fn readiness_is_shutting_down_after_run_returns() {
    let mut server = Server::start(Router::new(), ready_health(), LONG_DEADLINE).await;
    let client = client();
    let (status, _) = get_text(&client, &server.url("/livez")).await;
    expect_eq!(status, 200);
    let health = server.health.clone();
    server.signal_shutdown();
    expect_eq!(server.outcome().await, ShutdownOutcome::Drained);
    expect_eq!(
        health.readiness(),
        Readiness::ShuttingDown,
        "after run returns, readiness stays ShuttingDown"
    );
}

/// Sends half a request (no blank line ends its headers) on a connection of its
/// own, then makes one whole request on another connection, after which the
/// server has read the half request: its handler has not started, and the
/// connection stays open waiting for the rest.
async fn open_half_sent_connection(server: &Server, client: &reqwest::Client) -> TcpStream {
    let mut half_sent = TcpStream::connect(server.addr).await.unwrap();
    half_sent.write_all(b"GET /quick HTTP/1.1\r\nhost: localhost\r\n").await.unwrap();
    let (status, _) = get_text(client, &server.url("/quick")).await;
    expect_eq!(status, 200);
    half_sent
}

/// With three requests stuck, run returns DeadlineHit { in_flight: 3 } when the deadline after the signal passes, not earlier and not later (paused clock once the requests are running).
/// Rules: deadline-hit-outcome, deadline-from-signal, in-flight-counted, tokio-clock.
#[tokio::test]
async fn run_gives_up_exactly_at_the_deadline_counting_every_stuck_request() {
    let deadline = Duration::from_secs(2);
    let (app, mut held) = app_with_held_route();
    let mut server = Server::start(app, ready_health(), deadline).await;
    let client = client();
    let _half_sent = open_half_sent_connection(&server, &client).await;
    let mut stuck = Vec::new();
    for _ in 0..3 {
        stuck.push(spawn_held_request(&client, &server));
        held.entered().await;
    }

    // From here tokio's clock is paused: it jumps straight to the next timer
    // whenever nothing else can run, so the wait is exact and instant.
    tokio::time::pause();
    let signalled_at = tokio::time::Instant::now();
    server.signal_shutdown();
    let outcome = server.outcome().await;
    let waited = signalled_at.elapsed();
    expect_eq!(
        outcome,
        ShutdownOutcome::DeadlineHit { in_flight: 3 },
        "three requests were still running at the deadline (a finished one and a connection \
         whose request headers are incomplete do not count)"
    );
    assert!(
        waited >= deadline && waited < deadline + Duration::from_millis(100),
        "with a {deadline:?} deadline, run should return DeadlineHit {deadline:?} after the \
         signal, but it returned {waited:?} after it"
    );
    drop(stuck);
}

/// A connection whose request headers are incomplete is still open, so run does not report Drained: at the deadline it reports DeadlineHit with nothing in flight.
/// Rules: deadline-hit-outcome, drained-outcome, in-flight-counted, tokio-clock.
#[tokio::test]
async fn a_connection_with_half_a_request_keeps_run_from_draining() {
    let deadline = Duration::from_secs(2);
    let (app, _held) = app_with_held_route();
    let mut server = Server::start(app, ready_health(), deadline).await;
    let client = client();
    let half_sent = open_half_sent_connection(&server, &client).await;

    tokio::time::pause();
    let signalled_at = tokio::time::Instant::now();
    server.signal_shutdown();
    let outcome = server.outcome().await;
    let waited = signalled_at.elapsed();
    expect_eq!(
        outcome,
        ShutdownOutcome::DeadlineHit { in_flight: 0 },
        "a connection that sent half a request was still open at the deadline, so the drain \
         did not finish (not Drained), and no handler was running (in_flight 0)"
    );
    assert!(
        waited >= deadline && waited < deadline + Duration::from_millis(100),
        "run should return at the {deadline:?} deadline after the signal, but returned after {waited:?}"
    );
    drop(half_sent);
}
