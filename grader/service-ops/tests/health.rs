//! Hidden tests for `Health`, `/livez` and `/readyz`, over a real socket:
//! each test serves with `run` on 127.0.0.1:0 and asks with reqwest.

mod common;

use axum::Router;
use serde_json::json;
use service_ops::{Health, Readiness};

use common::{LONG_DEADLINE, Server, client, get_json};

/// Before any dependency is ready, /livez answers 200 and /readyz answers 503 waiting for it.
/// Rules: livez-always-ok, livez-body, readyz-waits-for-dependencies, readyz-waiting-body, run-serves-health-routes.
#[tokio::test]
async fn not_ready_until_dependencies_are_ready_but_alive() {
    let server = Server::start(Router::new(), Health::new(["database"]), LONG_DEADLINE).await;
    let client = client();

    let (status, body) = get_json(&client, &server.url("/livez")).await;
    assert_eq!(status, 200, "/livez must answer 200 while the process serves, ready or not");
    assert_eq!(body, json!({"status": "alive"}), "the body of /livez");

    let (status, body) = get_json(&client, &server.url("/readyz")).await;
    assert_eq!(status, 503, "/readyz must answer 503 while a dependency is not ready");
    assert_eq!(
        body,
        json!({"status": "waiting", "waiting_for": ["database"]}),
        "/readyz should say which dependencies it is waiting for"
    );
}

/// /readyz lists only the dependencies not ready yet, in registration order, and answers 200 once all are.
/// Rules: readyz-waits-for-dependencies, readyz-waiting-body, readyz-ready, readiness-reports-state.
#[tokio::test]
async fn ready_once_every_dependency_is_ready() {
    let health = Health::new(["database", "cache", "queue"]);
    let server = Server::start(Router::new(), health.clone(), LONG_DEADLINE).await;
    let client = client();

    health.set_ready("cache", true);
    let waiting = vec!["database".to_string(), "queue".to_string()];
    assert_eq!(
        health.readiness(),
        Readiness::Waiting(waiting),
        "with only the cache ready, readiness should wait for database and queue, in the order given to Health::new"
    );
    let (status, body) = get_json(&client, &server.url("/readyz")).await;
    assert_eq!(status, 503);
    assert_eq!(body, json!({"status": "waiting", "waiting_for": ["database", "queue"]}));

    health.set_ready("queue", true);
    health.set_ready("database", true);
    assert_eq!(health.readiness(), Readiness::Ready, "every dependency is ready");
    let (status, body) = get_json(&client, &server.url("/readyz")).await;
    assert_eq!(status, 200, "/readyz must answer 200 once every dependency is ready");
    assert_eq!(body, json!({"status": "ready"}));
}

/// A dependency that becomes unavailable again makes /readyz answer 503 again.
/// Rules: readiness-follows-dependencies, readyz-waiting-body.
#[tokio::test]
async fn readiness_follows_a_dependency_that_goes_down() {
    let health = Health::new(["database"]);
    let server = Server::start(Router::new(), health.clone(), LONG_DEADLINE).await;
    let client = client();

    health.set_ready("database", true);
    let (status, _) = get_json(&client, &server.url("/readyz")).await;
    assert_eq!(status, 200, "the database is ready");

    health.set_ready("database", false);
    let (status, body) = get_json(&client, &server.url("/readyz")).await;
    assert_eq!(status, 503, "the database went away: /readyz must answer 503 again");
    assert_eq!(body, json!({"status": "waiting", "waiting_for": ["database"]}));
    let (status, _) = get_json(&client, &server.url("/livez")).await;
    assert_eq!(status, 200, "a dependency outage must not fail liveness");
}

/// A service with no dependencies is ready at once.
/// Rules: no-dependencies-ready, readyz-ready.
#[tokio::test]
async fn no_dependencies_means_ready_at_once() {
    let health = Health::new(Vec::<String>::new());
    assert_eq!(health.readiness(), Readiness::Ready, "nothing to wait for");
    let server = Server::start(Router::new(), health, LONG_DEADLINE).await;
    let (status, body) = get_json(&client(), &server.url("/readyz")).await;
    assert_eq!(status, 200, "with no dependencies, /readyz answers 200 at once");
    assert_eq!(body, json!({"status": "ready"}));
}

/// Once shutdown has begun, /readyz answers 503 shutting_down, for good, while /livez still answers 200.
/// Rules: readyz-shutting-down, shutdown-is-final, livez-always-ok, readiness-reports-state.
#[tokio::test]
async fn shutting_down_is_not_ready_and_stays_so() {
    let health = Health::new(["database"]);
    health.set_ready("database", true);
    let server = Server::start(Router::new(), health.clone(), LONG_DEADLINE).await;
    let client = client();

    health.begin_shutdown();
    health.set_ready("database", true);
    assert_eq!(
        health.readiness(),
        Readiness::ShuttingDown,
        "after begin_shutdown, readiness stays ShuttingDown even if a dependency reports ready"
    );
    let (status, body) = get_json(&client, &server.url("/readyz")).await;
    assert_eq!(status, 503, "/readyz must answer 503 once shutdown has begun");
    assert_eq!(body, json!({"status": "shutting_down"}));
    let (status, _) = get_json(&client, &server.url("/livez")).await;
    assert_eq!(status, 200, "/livez still answers 200 during shutdown: the process is alive");
}

/// Shutting down wins over waiting: a service that never got ready reports shutting_down.
/// Rules: shutting-down-wins.
#[tokio::test]
async fn shutting_down_wins_over_waiting() {
    let health = Health::new(["database"]);
    let server = Server::start(Router::new(), health.clone(), LONG_DEADLINE).await;
    health.begin_shutdown();
    assert_eq!(health.readiness(), Readiness::ShuttingDown);
    let (status, body) = get_json(&client(), &server.url("/readyz")).await;
    assert_eq!(status, 503);
    assert_eq!(
        body,
        json!({"status": "shutting_down"}),
        "a service shutting down reports shutting_down, not the dependencies it still waits for"
    );
}

/// Marking a dependency that was never registered is a programming error and panics.
/// Rules: unknown-dependency-panics.
#[test]
fn setting_an_unknown_dependency_panics() {
    let health = Health::new(["database"]);
    let misspelt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        health.set_ready("databse", true);
    }));
    assert!(
        misspelt.is_err(),
        "set_ready(\"databse\") names no registered dependency and must panic, but it returned"
    );
}

/// Clones of a Health share one state, so a handle kept by the startup code drives what the server reports.
/// Rules: health-clones-share.
#[test]
fn clones_share_one_state() {
    let health = Health::new(["database"]);
    let clone = health.clone();
    clone.set_ready("database", true);
    assert_eq!(health.readiness(), Readiness::Ready, "a clone's set_ready is seen by the original");
    health.begin_shutdown();
    assert_eq!(clone.readiness(), Readiness::ShuttingDown, "begin_shutdown is seen by every clone");
}
