//! Hidden tests for the axum middleware, driven in-process with
//! `tower::ServiceExt::oneshot`; time only moves through `ManualClock`.

use expect::expect_eq;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use http_body_util::BodyExt;
use rate_limiter::{ManualClock, RateLimiter, SlidingWindow, TokenBucket, rate_limit};
use tower::ServiceExt;

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

fn secs(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

fn bucket(capacity: u32, refill_every: Duration) -> (ManualClock, Arc<dyn RateLimiter>) {
    let clock = ManualClock::new();
    let limiter = Arc::new(TokenBucket::new(capacity, refill_every, clock.clone()));
    (clock, limiter)
}

/// A router whose one route answers "hello", behind the rate-limit middleware.
fn app(limiter: Arc<dyn RateLimiter>) -> Router {
    Router::new()
        .route("/", get(|| async { "hello" }))
        .layer(from_fn_with_state(limiter, rate_limit))
}

fn request(api_key: Option<&str>, peer: Option<&str>) -> Request<Body> {
    let mut builder = Request::get("/");
    if let Some(api_key) = api_key {
        builder = builder.header("x-api-key", api_key);
    }
    let mut request = builder.body(Body::empty()).unwrap();
    if let Some(peer) = peer {
        let peer: SocketAddr = peer.parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(peer));
    }
    request
}

fn anonymous() -> Request<Body> {
    request(None, None)
}

fn with_key(api_key: &str) -> Request<Body> {
    request(Some(api_key), None)
}

fn from_peer(peer: &str) -> Request<Body> {
    request(None, Some(peer))
}

async fn send(app: &Router, request: Request<Body>) -> Response<Body> {
    app.clone().oneshot(request).await.unwrap()
}

async fn status(app: &Router, request: Request<Body>) -> StatusCode {
    send(app, request).await.status()
}

#[track_caller]
fn header<'a>(response: &'a Response<Body>, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("the response has no `{name}` header"))
        .to_str()
        .unwrap()
}

async fn body_bytes(response: Response<Body>) -> Vec<u8> {
    response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec()
}

/// An allowed request reaches the handler and its response carries RateLimit-Limit, -Remaining and -Reset (rounded up).
/// Rules: allowed-request-passes-through, ratelimit-headers-on-every-response, ratelimit-reset-rounded-up.
#[tokio::test]
async fn allowed_responses_carry_rate_limit_headers() {
    let (_clock, limiter) = bucket(3, ms(1500));
    let app = app(limiter);

    let response = send(&app, with_key("k")).await;
    expect_eq!(response.status(), StatusCode::OK);
    expect_eq!(header(&response, "ratelimit-limit"), "3");
    expect_eq!(header(&response, "ratelimit-remaining"), "2");
    expect_eq!(
        header(&response, "ratelimit-reset"),
        "2",
        "1.5 s until full rounds up to 2"
    );
    expect_eq!(body_bytes(response).await, b"hello");

    let response = send(&app, with_key("k")).await;
    expect_eq!(header(&response, "ratelimit-remaining"), "1");
    expect_eq!(header(&response, "ratelimit-reset"), "3");
}

/// A request over the limit is answered 429 with the JSON envelope {"error":{"code":"RATE_LIMITED","message":...}}.
/// Rules: limited-status-429, limited-json-envelope.
#[tokio::test]
async fn limited_requests_get_429_with_json_error_envelope() {
    let (_clock, limiter) = bucket(1, secs(1));
    let app = app(limiter);
    expect_eq!(status(&app, with_key("k")).await, StatusCode::OK);

    let response = send(&app, with_key("k")).await;
    expect_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        header(&response, "content-type").starts_with("application/json"),
        "the error body must be sent as application/json"
    );
    let body: serde_json::Value = serde_json::from_slice(&body_bytes(response).await)
        .expect("the 429 body must be valid JSON");
    expect_eq!(body["error"]["code"], "RATE_LIMITED", "body was {body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        !message.trim().is_empty(),
        "the error needs a human-readable message; body was {body}"
    );
}

/// A 429 response also carries RateLimit-Limit, RateLimit-Remaining (0) and RateLimit-Reset.
/// Rules: ratelimit-headers-on-every-response, ratelimit-reset-rounded-up, reset-after-never-zero, denied-remaining-zero.
#[tokio::test]
async fn limited_responses_carry_rate_limit_headers() {
    let (clock, limiter) = bucket(2, secs(1));
    let app = app(limiter);
    expect_eq!(status(&app, with_key("k")).await, StatusCode::OK);
    expect_eq!(status(&app, with_key("k")).await, StatusCode::OK);
    clock.advance(ms(300));

    let response = send(&app, with_key("k")).await;
    expect_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    expect_eq!(header(&response, "ratelimit-limit"), "2");
    expect_eq!(header(&response, "ratelimit-remaining"), "0");
    expect_eq!(
        header(&response, "ratelimit-reset"),
        "2",
        "1.7 s until full rounds up to 2"
    );
}

/// Retry-After is the wait in whole seconds rounded up, so a client never comes back too early.
/// Rules: retry-after-rounded-up, limited-status-429.
#[tokio::test]
async fn retry_after_rounds_up_to_whole_seconds() {
    let (clock, limiter) = bucket(1, ms(1500));
    let app = app(limiter);
    expect_eq!(status(&app, with_key("k")).await, StatusCode::OK);

    let response = send(&app, with_key("k")).await;
    expect_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    expect_eq!(
        header(&response, "retry-after"),
        "2",
        "1.5 s rounds up to 2"
    );

    clock.advance(ms(1200));
    let response = send(&app, with_key("k")).await;
    expect_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    expect_eq!(
        header(&response, "retry-after"),
        "1",
        "0.3 s rounds up to 1, never down to 0"
    );
}

/// A wait of exactly two seconds is sent as Retry-After: 2, not 3.
/// Rules: retry-after-rounded-up, ratelimit-reset-rounded-up.
#[tokio::test]
async fn retry_after_is_exact_for_whole_seconds() {
    let (_clock, limiter) = bucket(1, secs(2));
    let app = app(limiter);
    expect_eq!(status(&app, with_key("k")).await, StatusCode::OK);

    let response = send(&app, with_key("k")).await;
    expect_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    expect_eq!(header(&response, "retry-after"), "2");
    expect_eq!(header(&response, "ratelimit-reset"), "2");
}

/// A limited request is answered by the middleware and never reaches the handler.
/// Rules: limited-request-skips-handler.
#[tokio::test]
async fn limited_requests_never_reach_the_handler() {
    let (_clock, limiter) = bucket(1, secs(60));
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let app = Router::new()
        .route(
            "/",
            get(move || async move {
                counter.fetch_add(1, Ordering::SeqCst);
                "hello"
            }),
        )
        .layer(from_fn_with_state(limiter, rate_limit));

    expect_eq!(status(&app, with_key("k")).await, StatusCode::OK);
    expect_eq!(
        status(&app, with_key("k")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    expect_eq!(
        status(&app, with_key("k")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    expect_eq!(calls.load(Ordering::SeqCst), 1);
}

/// Each X-Api-Key value has its own budget.
/// Rules: key-by-api-key-first, keys-independent.
#[tokio::test]
async fn each_api_key_has_its_own_budget() {
    let (_clock, limiter) = bucket(1, secs(60));
    let app = app(limiter);
    expect_eq!(status(&app, with_key("alice")).await, StatusCode::OK);
    expect_eq!(
        status(&app, with_key("alice")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    expect_eq!(status(&app, with_key("bob")).await, StatusCode::OK);
    expect_eq!(
        status(&app, with_key("bob")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// When X-Api-Key is present it is the key, even if the peer address is known too.
/// Rules: key-by-api-key-first.
#[tokio::test]
async fn api_key_takes_precedence_over_peer_address() {
    let (_clock, limiter) = bucket(1, secs(60));
    let app = app(limiter);
    let same_peer = "10.0.0.1:40000";
    expect_eq!(
        status(&app, request(Some("alice"), Some(same_peer))).await,
        StatusCode::OK
    );
    expect_eq!(
        status(&app, request(Some("bob"), Some(same_peer))).await,
        StatusCode::OK,
        "two API keys behind one address (say, a NAT) are two clients"
    );
    expect_eq!(
        status(&app, request(Some("alice"), Some("10.0.0.2:40000"))).await,
        StatusCode::TOO_MANY_REQUESTS,
        "one API key used from two addresses is one client"
    );
}

/// Without X-Api-Key, requests are limited by the peer's IP address from ConnectInfo, whatever the source port.
/// Rules: key-by-peer-ip.
#[tokio::test]
async fn requests_without_api_key_are_limited_by_peer_ip() {
    let (_clock, limiter) = bucket(1, secs(60));
    let app = app(limiter);
    expect_eq!(
        status(&app, from_peer("10.0.0.1:1111")).await,
        StatusCode::OK
    );
    expect_eq!(
        status(&app, from_peer("10.0.0.1:2222")).await,
        StatusCode::TOO_MANY_REQUESTS,
        "a new connection from the same IP gets a new port but not a new budget"
    );
    expect_eq!(
        status(&app, from_peer("10.0.0.2:1111")).await,
        StatusCode::OK
    );
    expect_eq!(
        status(&app, from_peer("[2001:db8::1]:443")).await,
        StatusCode::OK
    );
    expect_eq!(
        status(&app, from_peer("[2001:db8::1]:8443")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// Requests with neither X-Api-Key nor a peer address share one anonymous budget.
/// Rules: key-anonymous-shared.
#[tokio::test]
async fn requests_without_key_or_peer_share_an_anonymous_budget() {
    let (_clock, limiter) = bucket(1, secs(60));
    let app = app(limiter);
    expect_eq!(status(&app, anonymous()).await, StatusCode::OK);
    expect_eq!(
        status(&app, anonymous()).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    expect_eq!(
        status(&app, from_peer("10.0.0.1:1111")).await,
        StatusCode::OK
    );
    expect_eq!(status(&app, with_key("alice")).await, StatusCode::OK);
}

/// An API key never shares a budget with an IP address or the anonymous key, even when its value looks like one.
/// Rules: key-kinds-never-collide.
#[tokio::test]
async fn api_keys_never_share_a_budget_with_ips_or_anonymous() {
    let (_clock, limiter) = bucket(1, secs(60));
    let app = app(limiter);
    expect_eq!(
        status(&app, from_peer("10.0.0.1:1111")).await,
        StatusCode::OK
    );
    expect_eq!(status(&app, anonymous()).await, StatusCode::OK);
    expect_eq!(
        status(&app, with_key("10.0.0.1")).await,
        StatusCode::OK,
        "`X-Api-Key: 10.0.0.1` must not share the budget of the machine at 10.0.0.1"
    );
    expect_eq!(
        status(&app, with_key("anonymous")).await,
        StatusCode::OK,
        "`X-Api-Key: anonymous` must not share the anonymous budget"
    );
    expect_eq!(
        status(&app, from_peer("10.0.0.1:2222")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    expect_eq!(
        status(&app, anonymous()).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// The middleware works with the sliding window too, and a limited client gets through again once the clock has moved on.
/// Rules: middleware-works-with-either-limiter, retry-after-rounded-up, ratelimit-reset-rounded-up, ratelimit-headers-on-every-response.
#[tokio::test]
async fn middleware_works_with_a_sliding_window() {
    let clock = ManualClock::new();
    let limiter: Arc<dyn RateLimiter> = Arc::new(SlidingWindow::new(2, secs(60), clock.clone()));
    let app = app(limiter);

    let response = send(&app, with_key("k")).await;
    expect_eq!(response.status(), StatusCode::OK);
    expect_eq!(header(&response, "ratelimit-limit"), "2");
    expect_eq!(header(&response, "ratelimit-remaining"), "1");
    expect_eq!(header(&response, "ratelimit-reset"), "60");

    clock.advance(ms(20_500));
    expect_eq!(status(&app, with_key("k")).await, StatusCode::OK);
    let response = send(&app, with_key("k")).await;
    expect_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    expect_eq!(
        header(&response, "retry-after"),
        "40",
        "39.5 s rounds up to 40"
    );
    expect_eq!(header(&response, "ratelimit-reset"), "60");

    clock.advance(secs(40));
    expect_eq!(status(&app, with_key("k")).await, StatusCode::OK);
}
