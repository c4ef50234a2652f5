//! Hidden tests for `Health`, `/livez` and `/readyz`, over a real socket:
//! each test serves with `run` on 127.0.0.1:0 and asks with reqwest.

mod common;

use expect::expect_eq;
use axum::Router;
use serde_json::json;
use service_ops::{Health, Readiness, health_routes};
use tokio::net::TcpListener;

use common::{BOUND, LONG_DEADLINE, Server, client, get_json};

/// Before any dependency is ready, /livez answers 200 and /readyz answers 503 waiting for it.
/// Rules: livez-always-ok, livez-body, readyz-waits-for-dependencies, readyz-waiting-body, run-serves-health-routes.
#[tokio::test]
async fn not_ready_until_dependencies_are_ready_but_alive() {
    let server = Server::start(Router::new(), Health::new(["database"]), LONG_DEADLINE).await;
    let client = client();

    let (status, body) = get_json(&client, &server.url("/livez")).await;
    expect_eq!(status, 200, "/livez must answer 200 while the process serves, ready or not");
    expect_eq!(body, json!({"status": "alive"}), "the body of /livez");

    let (status, body) = get_json(&client, &server.url("/readyz")).await;
    expect_eq!(status, 503, "/readyz must answer 503 while a dependency is not ready");
    expect_eq!(
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
    expect_eq!(
        health.readiness(),
        Readiness::Waiting(waiting),
        "with only the cache ready, readiness should wait for database and queue, in the order given to Health::new"
    );
    let (status, body) = get_json(&client, &server.url("/readyz")).await;
    expect_eq!(status, 503);
    expect_eq!(body, json!({"status": "waiting", "waiting_for": ["database", "queue"]}));

    health.set_ready("queue", true);
    health.set_ready("database", true);
    expect_eq!(health.readiness(), Readiness::Ready, "every dependency is ready");
    let (status, body) = get_json(&client, &server.url("/readyz")).await;
    expect_eq!(status, 200, "/readyz must answer 200 once every dependency is ready");
    expect_eq!(body, json!({"status": "ready"}));
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
    expect_eq!(status, 200, "the database is ready");

    health.set_ready("database", false);
    let (status, body) = get_json(&client, &server.url("/readyz")).await;
    expect_eq!(status, 503, "the database went away: /readyz must answer 503 again");
    expect_eq!(body, json!({"status": "waiting", "waiting_for": ["database"]}));
    let (status, _) = get_json(&client, &server.url("/livez")).await;
    expect_eq!(status, 200, "a dependency outage must not fail liveness");
}

/// A service with no dependencies is ready at once.
/// Rules: no-dependencies-ready, readyz-ready.
#[tokio::test]
async fn no_dependencies_means_ready_at_once() {
    let health = Health::new(Vec::<String>::new());
    expect_eq!(health.readiness(), Readiness::Ready, "nothing to wait for");
    let server = Server::start(Router::new(), health, LONG_DEADLINE).await;
    let (status, body) = get_json(&client(), &server.url("/readyz")).await;
    expect_eq!(status, 200, "with no dependencies, /readyz answers 200 at once");
    expect_eq!(body, json!({"status": "ready"}));
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
    expect_eq!(
        health.readiness(),
        Readiness::ShuttingDown,
        "after begin_shutdown, readiness stays ShuttingDown even if a dependency reports ready"
    );
    let (status, body) = get_json(&client, &server.url("/readyz")).await;
    expect_eq!(status, 503, "/readyz must answer 503 once shutdown has begun");
    expect_eq!(body, json!({"status": "shutting_down"}));
    let (status, _) = get_json(&client, &server.url("/livez")).await;
    expect_eq!(status, 200, "/livez still answers 200 during shutdown: the process is alive");
}

/// Shutting down wins over waiting: a service that never got ready reports shutting_down.
/// Rules: shutting-down-wins.
#[tokio::test]
async fn shutting_down_wins_over_waiting() {
    let health = Health::new(["database"]);
    let server = Server::start(Router::new(), health.clone(), LONG_DEADLINE).await;
    health.begin_shutdown();
    expect_eq!(health.readiness(), Readiness::ShuttingDown);
    let (status, body) = get_json(&client(), &server.url("/readyz")).await;
    expect_eq!(status, 503);
    expect_eq!(
        body,
        json!({"status": "shutting_down"}),
        "a service shutting down reports shutting_down, not the dependencies it still waits for"
    );
}

/// Whether `set_ready(name, ready)` panicked.
fn panics(health: &Health, name: &str, ready: bool) -> bool {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| health.set_ready(name, ready))).is_err()
}

/// Marking a dependency that was never registered is a programming error and panics, ready or not, before or after shutdown; names match exactly.
/// Rules: unknown-dependency-panics.
#[test]
fn setting_an_unknown_dependency_panics() {
    let health = Health::new(["database"]);
    assert!(
        panics(&health, "databse", true),
        "set_ready(\"databse\", true) names no registered dependency and must panic, but it returned"
    );
    assert!(
        panics(&health, "databse", false),
        "set_ready(\"databse\", false) names no registered dependency and must panic too, but it returned"
    );
    assert!(
        panics(&health, "Database", true),
        "set_ready(\"Database\", true): names are matched exactly, and only \"database\" was registered, \
         so this must panic, but it returned"
    );
    health.begin_shutdown();
    assert!(
        panics(&health, "databse", true),
        "set_ready(\"databse\", true) after begin_shutdown must still panic: the name was never registered"
    );
}

/// The dependencies still awaited are listed in the order given to Health::new, not sorted.
/// Rules: readiness-reports-state, readyz-waiting-body.
#[tokio::test]
async fn waiting_lists_dependencies_in_registration_order() {
    let health = Health::new(["queue", "cache", "database", "search"]);
    let server = Server::start(Router::new(), health.clone(), LONG_DEADLINE).await;
    health.set_ready("cache", true);
    let waiting: Vec<String> = ["queue", "database", "search"].map(String::from).to_vec();
    expect_eq!(
        health.readiness(),
        Readiness::Waiting(waiting),
        "registered as queue, cache, database, search with only the cache ready: \
         readiness should wait for queue, database, search, in that order (the order given to Health::new)"
    );
    let (status, body) = get_json(&client(), &server.url("/readyz")).await;
    expect_eq!(status, 503);
    expect_eq!(
        body,
        json!({"status": "waiting", "waiting_for": ["queue", "database", "search"]}),
        "waiting_for lists the dependencies in the order given to Health::new"
    );
}

/// `health_routes(health)` is itself a router with both probes, which a `main` can serve without `run`.
/// Rules: health-routes-router, livez-body, readyz-ready, readyz-waiting-body.
#[tokio::test]
async fn health_routes_alone_serves_both_probes() {
    let health = Health::new(["database"]);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = health_routes(health.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let client = client();

    let (status, body) = get_json(&client, &format!("{base}/livez")).await;
    expect_eq!(
        (status, body),
        (200, json!({"status": "alive"})),
        "axum::serve(listener, health_routes(health)) should answer GET /livez itself"
    );
    let (status, body) = get_json(&client, &format!("{base}/readyz")).await;
    expect_eq!(
        (status, body),
        (503, json!({"status": "waiting", "waiting_for": ["database"]})),
        "axum::serve(listener, health_routes(health)) should answer GET /readyz itself"
    );
    health.set_ready("database", true);
    let (status, body) = get_json(&client, &format!("{base}/readyz")).await;
    expect_eq!((status, body), (200, json!({"status": "ready"})), "GET /readyz once ready");
}

/// Both probes answer with JSON: a `Content-Type` of `application/json`.
/// Rules: livez-body, readyz-ready, readyz-waiting-body, readyz-shutting-down.
#[tokio::test]
async fn the_probes_answer_json() {
    let health = Health::new(["database"]);
    let server = Server::start(Router::new(), health.clone(), LONG_DEADLINE).await;
    let client = client();
    let content_type = |path: &'static str| {
        let request = client.get(server.url(path)).send();
        async move {
            let response = tokio::time::timeout(BOUND, request)
                .await
                .unwrap_or_else(|_| panic!("GET {path} got no answer within {BOUND:?}"))
                .unwrap_or_else(|err| panic!("GET {path} failed: {err}"));
            response
                .headers()
                .get("content-type")
                .map(|value| value.to_str().unwrap_or("").to_string())
                .unwrap_or_default()
        }
    };
    let mut seen = vec![("/livez", content_type("/livez").await), ("/readyz (waiting)", content_type("/readyz").await)];
    health.set_ready("database", true);
    seen.push(("/readyz (ready)", content_type("/readyz").await));
    health.begin_shutdown();
    seen.push(("/readyz (shutting down)", content_type("/readyz").await));
    for (what, content_type) in seen {
        assert!(
            content_type.starts_with("application/json"),
            "GET {what} should answer JSON (Content-Type: application/json, as axum's Json gives), \
             but its Content-Type was {content_type:?}"
        );
    }
}

/// Clones of a Health share one state, so a handle kept by the startup code drives what the server reports.
/// Rules: health-clones-share.
#[test]
fn clones_share_one_state() {
    let health = Health::new(["database"]);
    let clone = health.clone();
    clone.set_ready("database", true);
    expect_eq!(health.readiness(), Readiness::Ready, "a clone's set_ready is seen by the original");
    health.begin_shutdown();
    expect_eq!(clone.readiness(), Readiness::ShuttingDown, "begin_shutdown is seen by every clone");
}
