//! Hidden tests for request ids: which incoming ids are kept, generated ids, the
//! response header, the `RequestId` extension and the `tracing` span.

mod common;

use expect::expect_eq;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode};
use axum::routing::get;
use axum::{Extension, Router};
use common::*;
use metrics::{Metrics, RequestId, instrument, is_valid_request_id};
use tower::ServiceExt;

/// A router that answers `/echo` with the `RequestId` extension's value, and logs
/// two events, one on each side of an await.
fn id_app() -> (Router, CountingIds) {
    let ids = CountingIds::default();
    let metrics = Arc::new(Metrics::new(metrics::ManualClock::new(), ids.clone()));
    let routes = Router::new()
        .route(
            "/echo",
            get(|Extension(RequestId(id)): Extension<RequestId>| async move {
                tracing::info!("handler started");
                tokio::task::yield_now().await;
                tracing::info!("handler finished");
                id
            }),
        )
        .route("/fail", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }));
    (instrument(routes, metrics), ids)
}

/// Sends GET `uri` with `X-Request-Id: id` (raw bytes) if given; returns the
/// response's X-Request-Id and status.
async fn call(app: &Router, uri: &str, id: Option<&[u8]>) -> (Option<String>, StatusCode, String) {
    let mut request = Request::get(uri).body(Body::empty()).unwrap();
    if let Some(id) = id {
        request.headers_mut().insert("x-request-id", HeaderValue::from_bytes(id).unwrap());
    }
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let echoed = response.headers().get("x-request-id").map(|v| v.to_str().unwrap().to_owned());
    (echoed, status, body_text(response).await)
}

/// A valid incoming X-Request-Id is kept: it comes back on the response and no new
/// id is needed.
/// Rules: request-id-kept, request-id-echoed.
#[tokio::test]
async fn valid_incoming_id_is_kept() {
    let (app, _ids) = id_app();
    for id in ["abc-123", "A", "Z_9-z", &"x".repeat(64)] {
        let (echoed, status, _) = call(&app, "/echo", Some(id.as_bytes())).await;
        expect_eq!(status, StatusCode::OK);
        expect_eq!(echoed.as_deref(), Some(id), "a request sent with the valid X-Request-Id {id:?}");
    }
}

/// A request without X-Request-Id gets the id source's next id, each request its
/// own, on the response.
/// Rules: request-id-generated, request-id-echoed.
#[tokio::test]
async fn missing_id_is_generated() {
    let (app, ids) = id_app();
    let (first, _, _) = call(&app, "/echo", None).await;
    let (second, _, _) = call(&app, "/echo", None).await;
    expect_eq!(first.as_deref(), Some("gen-1"), "the first request without an id gets the source's first id");
    expect_eq!(second.as_deref(), Some("gen-2"), "the second request without an id gets the source's next id");
    expect_eq!(ids.handed_out(), 2, "one id from the source per request without one");
}

/// An invalid incoming X-Request-Id (empty, 65 characters, a space, a dot, a quote,
/// a plus, an equals sign, non-ASCII) is replaced by the id source's next id.
/// Rules: request-id-validation, request-id-generated.
#[tokio::test]
async fn invalid_incoming_ids_are_replaced() {
    let (app, _ids) = id_app();
    let too_long = "y".repeat(65);
    let cases: [(&str, &[u8]); 9] = [
        ("empty", b""),
        ("65 characters", too_long.as_bytes()),
        ("a space", b"two words"),
        ("a dot", b"v1.2"),
        ("a quote", b"say\"hi"),
        ("a slash", b"a/b"),
        ("a plus", b"a+b"),
        ("an equals sign", b"id=7"),
        ("non-ASCII", "caf\u{e9}".as_bytes()),
    ];
    for (n, (what, id)) in cases.into_iter().enumerate() {
        let (echoed, _, _) = call(&app, "/echo", Some(id)).await;
        let expected = format!("gen-{}", n + 1);
        expect_eq!(
            echoed.as_deref(),
            Some(expected.as_str()),
            "an incoming X-Request-Id with {what} is invalid and must be replaced by the source's next id"
        );
    }
}

/// `is_valid_request_id` accepts 1 to 64 characters of letters, digits, `-` and
/// `_`, and nothing else.
/// Rules: request-id-validation.
#[test]
fn request_id_validity() {
    let max = "a".repeat(64);
    let over = "a".repeat(65);
    for id in ["a", "0", "-", "_", "req-42_ok", "ABCxyz019", max.as_str()] {
        assert!(is_valid_request_id(id), "{id:?} is a valid request id");
    }
    for id in ["", over.as_str(), "a b", "a.b", "a/b", "a:b", "a\"b", "é", "a\n", "ａ"] {
        assert!(!is_valid_request_id(id), "{id:?} is not a valid request id");
    }
    // Every ASCII character, between two letters: only letters, digits, `-` and `_` pass.
    for byte in 0u8..128 {
        let c = byte as char;
        let id = format!("a{c}b");
        let valid = c.is_ascii_alphanumeric() || c == '-' || c == '_';
        expect_eq!(
            is_valid_request_id(&id),
            valid,
            "is_valid_request_id({id:?}): {c:?} is {} the allowed characters (ASCII letters, digits, `-`, `_`)",
            if valid { "one of" } else { "not one of" }
        );
    }
}

/// The handler sees the request's id in the `RequestId` extension: the kept one
/// or the generated one, the same as on the response.
/// Rules: request-id-extension.
#[tokio::test]
async fn handler_sees_the_id() {
    let (app, _ids) = id_app();
    let (echoed, _, body) = call(&app, "/echo", Some(b"from-client")).await;
    expect_eq!(body, "from-client", "Extension<RequestId> in the handler, for a kept id");
    expect_eq!(echoed.as_deref(), Some("from-client"));
    let (echoed, _, body) = call(&app, "/echo", Some(b"not valid!")).await;
    expect_eq!(body, "gen-1", "Extension<RequestId> in the handler, for a replaced id");
    expect_eq!(echoed.as_deref(), Some("gen-1"));
}

/// 404 and 500 responses carry X-Request-Id too.
/// Rules: request-id-echoed.
#[tokio::test]
async fn errors_carry_the_id() {
    let (app, _ids) = id_app();
    let (echoed, status, _) = call(&app, "/fail", Some(b"err-1")).await;
    expect_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    expect_eq!(echoed.as_deref(), Some("err-1"), "a 500 response's X-Request-Id");
    let (echoed, status, _) = call(&app, "/no/such/route", None).await;
    expect_eq!(status, StatusCode::NOT_FOUND);
    expect_eq!(echoed.as_deref(), Some("gen-1"), "a 404 (unmatched) response's X-Request-Id");
}

/// Each request runs in a span whose `request_id` field is its id (the kept one, or
/// the new one when the incoming id was missing or invalid) as a plain string, and
/// both events the handler logs, before and after an await, happen inside it.
/// Rules: request-id-span.
#[tokio::test]
async fn handler_events_are_inside_the_request_span() {
    let capture = Capture::default();
    let _guard = capture.install();
    let (app, _ids) = id_app();
    call(&app, "/echo", Some(b"span-me")).await;
    call(&app, "/echo", None).await;
    call(&app, "/echo", Some(b"not valid!")).await;

    let spans = capture.span_request_ids();
    for id in ["span-me", "gen-1", "gen-2"] {
        assert!(
            spans.iter().any(|s| s == id),
            "expected a span with the field request_id = {id:?}, the plain id (record it with \
             `request_id = %id`, not `?id`, which adds quotes); spans' request_id fields: {spans:?}"
        );
    }
    assert!(
        !spans.iter().any(|s| s.contains("not valid!")),
        "the incoming id \"not valid!\" was replaced by gen-2, so no span may carry it as its request_id; \
         spans' request_id fields: {spans:?}"
    );
    let events = capture.events();
    let ours: Vec<&CapturedEvent> = events.iter().filter(|e| e.message.starts_with("handler")).collect();
    expect_eq!(ours.len(), 6, "two events per request were logged: {events:?}");
    for (event, id) in ours.iter().zip(["span-me", "span-me", "gen-1", "gen-1", "gen-2", "gen-2"]) {
        assert!(
            event.request_ids.first().map(String::as_str) == Some(id),
            "the event {:?} was logged inside spans with request_id {:?}; expected it inside the span \
             with request_id {id:?} (run the rest of the stack with .instrument(span))",
            event.message,
            event.request_ids
        );
    }
}

/// The request span is at level INFO or above, so a service that logs at INFO
/// keeps it (and with it the id of every event inside).
/// Rules: request-id-span-level.
#[tokio::test]
async fn request_span_is_info_or_above() {
    let capture = Capture::default();
    let _guard = capture.install();
    let (app, _ids) = id_app();
    call(&app, "/echo", Some(b"level-check")).await;

    let spans = capture.request_spans();
    let ours: Vec<&CapturedSpan> =
        spans.iter().filter(|s| s.fields.get("request_id").map(String::as_str) == Some("level-check")).collect();
    assert!(!ours.is_empty(), "expected a span with request_id = \"level-check\"; request spans: {spans:?}");
    for span in ours {
        assert!(
            span.level <= tracing::Level::INFO,
            "the span with request_id = \"level-check\" is at level {}; it must be INFO (info_span!) or \
             above, or a service logging at INFO drops it and its events lose the id",
            span.level
        );
    }
}

/// Two requests waiting in their handlers at the same time each log inside their own
/// span: after its await, a handler's event is in its own request's span, not in the
/// span of the request that ran in between.
/// Rules: request-id-span.
#[tokio::test]
async fn interleaved_requests_keep_their_own_span() {
    use tokio::sync::Semaphore;

    let capture = Capture::default();
    let _guard = capture.install();
    let started = Arc::new(Semaphore::new(0));
    let gate = Arc::new(Semaphore::new(0));
    let (started_in, gate_in) = (Arc::clone(&started), Arc::clone(&gate));
    let metrics = Arc::new(Metrics::new(metrics::ManualClock::new(), CountingIds::default()));
    let routes = Router::new().route(
        "/wait",
        get(move |Extension(RequestId(id)): Extension<RequestId>| {
            let (started, gate) = (Arc::clone(&started_in), Arc::clone(&gate_in));
            async move {
                tracing::info!("before {id}");
                started.add_permits(1);
                gate.acquire().await.unwrap().forget();
                tracing::info!("after {id}");
                id
            }
        }),
    );
    let app = instrument(routes, metrics);

    // `first` waits in its handler, then `second` starts and waits too; the gate is
    // fair, so `first` is released first, while `second` is still waiting.
    let mut tasks = Vec::new();
    for id in ["first", "second"] {
        let app = app.clone();
        tasks.push(tokio::spawn(async move { call(&app, "/wait", Some(id.as_bytes())).await }));
        started.acquire().await.unwrap().forget();
    }
    for task in tasks {
        gate.add_permits(1);
        task.await.unwrap();
    }

    let events = capture.events();
    for message in ["before first", "before second", "after first", "after second"] {
        let id = message.split(' ').nth(1).unwrap();
        let event = events
            .iter()
            .find(|e| e.message == message)
            .unwrap_or_else(|| panic!("the handler logged {message:?}; events: {events:?}"));
        expect_eq!(
            event.request_ids.first().map(String::as_str),
            Some(id),
            "the event {message:?} happened inside spans with request_id {:?}; expected it inside its own \
             request's span ({id:?}) first. Holding `span.enter()` across an .await leaves the span entered \
             while other requests run; use `.instrument(span)`",
            event.request_ids
        );
    }
}

/// A handler that sets its own X-Request-Id does not win: the response carries
/// exactly one X-Request-Id, the request's id.
/// Rules: request-id-replaces-handler.
#[tokio::test]
async fn middleware_id_replaces_the_handlers() {
    let metrics = Arc::new(Metrics::new(metrics::ManualClock::new(), CountingIds::default()));
    let routes = Router::new().route("/own", get(|| async { ([("x-request-id", "handler-made")], "own id") }));
    let app = instrument(routes, metrics);
    for (sent, expected) in [(Some(&b"client-7"[..]), "client-7"), (None, "gen-1")] {
        let mut request = Request::get("/own").body(Body::empty()).unwrap();
        if let Some(id) = sent {
            request.headers_mut().insert("x-request-id", HeaderValue::from_bytes(id).unwrap());
        }
        let response = app.clone().oneshot(request).await.unwrap();
        let values: Vec<&str> =
            response.headers().get_all("x-request-id").iter().map(|v| v.to_str().unwrap()).collect();
        expect_eq!(
            values,
            [expected],
            "the handler set X-Request-Id: handler-made; the response must carry exactly one X-Request-Id, \
             the request's id {expected:?} (insert it, replacing the handler's)"
        );
    }
}
