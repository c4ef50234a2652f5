//! Hidden tests for request ids: which incoming ids are kept, generated ids, the
//! response header, the `RequestId` extension and the `tracing` span.

mod common;

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
        assert_eq!(status, StatusCode::OK);
        assert_eq!(echoed.as_deref(), Some(id), "a request sent with the valid X-Request-Id {id:?}");
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
    assert_eq!(first.as_deref(), Some("gen-1"), "the first request without an id gets the source's first id");
    assert_eq!(second.as_deref(), Some("gen-2"), "the second request without an id gets the source's next id");
    assert_eq!(ids.handed_out(), 2, "one id from the source per request without one");
}

/// An invalid incoming X-Request-Id (empty, 65 characters, a space, a dot, a quote,
/// non-ASCII) is replaced by the id source's next id.
/// Rules: request-id-validation, request-id-generated.
#[tokio::test]
async fn invalid_incoming_ids_are_replaced() {
    let (app, _ids) = id_app();
    let too_long = "y".repeat(65);
    let cases: [(&str, &[u8]); 7] = [
        ("empty", b""),
        ("65 characters", too_long.as_bytes()),
        ("a space", b"two words"),
        ("a dot", b"v1.2"),
        ("a quote", b"say\"hi"),
        ("a slash", b"a/b"),
        ("non-ASCII", "caf\u{e9}".as_bytes()),
    ];
    for (n, (what, id)) in cases.into_iter().enumerate() {
        let (echoed, _, _) = call(&app, "/echo", Some(id)).await;
        let expected = format!("gen-{}", n + 1);
        assert_eq!(
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
}

/// The handler sees the request's id in the `RequestId` extension: the kept one
/// or the generated one, the same as on the response.
/// Rules: request-id-extension.
#[tokio::test]
async fn handler_sees_the_id() {
    let (app, _ids) = id_app();
    let (echoed, _, body) = call(&app, "/echo", Some(b"from-client")).await;
    assert_eq!(body, "from-client", "Extension<RequestId> in the handler, for a kept id");
    assert_eq!(echoed.as_deref(), Some("from-client"));
    let (echoed, _, body) = call(&app, "/echo", Some(b"not valid!")).await;
    assert_eq!(body, "gen-1", "Extension<RequestId> in the handler, for a replaced id");
    assert_eq!(echoed.as_deref(), Some("gen-1"));
}

/// 404 and 500 responses carry X-Request-Id too.
/// Rules: request-id-echoed.
#[tokio::test]
async fn errors_carry_the_id() {
    let (app, _ids) = id_app();
    let (echoed, status, _) = call(&app, "/fail", Some(b"err-1")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(echoed.as_deref(), Some("err-1"), "a 500 response's X-Request-Id");
    let (echoed, status, _) = call(&app, "/no/such/route", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(echoed.as_deref(), Some("gen-1"), "a 404 (unmatched) response's X-Request-Id");
}

/// Each request runs in a span whose `request_id` field is its id, and both events
/// the handler logs, before and after an await, happen inside it.
/// Rules: request-id-span.
#[tokio::test]
async fn handler_events_are_inside_the_request_span() {
    let capture = Capture::default();
    let _guard = capture.install();
    let (app, _ids) = id_app();
    call(&app, "/echo", Some(b"span-me")).await;
    call(&app, "/echo", None).await;

    let spans = capture.span_request_ids();
    for id in ["span-me", "gen-1"] {
        assert!(
            spans.iter().any(|s| s == id),
            "expected a span with the field request_id = {id:?}; spans' request_id fields: {spans:?}"
        );
    }
    let events = capture.events();
    let ours: Vec<&CapturedEvent> = events.iter().filter(|e| e.message.starts_with("handler")).collect();
    assert_eq!(ours.len(), 4, "two events per request were logged: {events:?}");
    for (event, id) in ours.iter().zip(["span-me", "span-me", "gen-1", "gen-1"]) {
        assert!(
            event.request_ids.first().map(String::as_str) == Some(id),
            "the event {:?} was logged inside spans with request_id {:?}; expected it inside the span \
             with request_id {id:?} (run the rest of the stack with .instrument(span))",
            event.message,
            event.request_ids
        );
    }
}
