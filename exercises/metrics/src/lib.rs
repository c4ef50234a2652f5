//! RED metrics and request ids for an axum service: one middleware that counts
//! requests, times them into a histogram, tracks the requests in flight and gives
//! every request an id, plus `GET /metrics` in the Prometheus text format.
//!
//! The clocks and the id sources are given to you, finished. Everything that says
//! `todo!()` is yours: see README.md for the steps. You may add private fields,
//! types and helper functions freely, but keep every public signature as it is,
//! because the grader's tests are compiled against them.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

// ---------------------------------------------------------------------------
// Clocks (provided)
// ---------------------------------------------------------------------------

/// A source of monotonic time, injected into [`Metrics`] so tests can control it.
pub trait Clock: Send + Sync {
    /// Time elapsed since this clock's epoch; never goes backwards.
    fn now(&self) -> Duration;
}

/// The real clock: time elapsed since the clock was created.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    start: Instant,
}

impl SystemClock {
    /// Creates a clock whose epoch is the moment of creation.
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }
}

/// A clock for tests that moves only when told to; its clones share one time.
///
/// Keep one clone in the test (or in a handler) and give the other to [`Metrics`]:
/// `clock.advance(...)` then moves the time the middleware reads too.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    now: Arc<Mutex<Duration>>,
}

impl ManualClock {
    /// Creates a clock that reads zero until it is advanced.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves this clock, and every clone of it, forward by `by`.
    pub fn advance(&self, by: Duration) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

// ---------------------------------------------------------------------------
// Request ids (provided)
// ---------------------------------------------------------------------------

/// Where new request ids come from, injected into [`Metrics`] so tests can predict them.
///
/// Every id a source returns must itself be valid (see [`is_valid_request_id`]).
pub trait RequestIdSource: Send + Sync {
    /// A new id, different from every id this source returned before.
    fn next_id(&self) -> String;
}

/// The real id source: 32 random lowercase hexadecimal digits (128 bits) per id.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomIds;

impl RequestIdSource for RandomIds {
    fn next_id(&self) -> String {
        format!("{:032x}", rand::random::<u128>())
    }
}

/// The id of the request being handled, put into the request's extensions by
/// [`track`]: a handler reads it with `Extension<RequestId>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

// ---------------------------------------------------------------------------
// Names and settings
// ---------------------------------------------------------------------------

/// The header a request id travels in, on requests and on responses.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The longest incoming request id that is kept, in bytes (all valid characters are
/// ASCII, so characters and bytes are the same here).
pub const MAX_REQUEST_ID_LEN: usize = 64;

/// The `route` label of requests that matched no route (axum's 404 fallback).
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// The `method` label of every request whose method is not one of the nine standard ones.
pub const OTHER_METHOD: &str = "OTHER";

/// The upper bounds of the latency histogram's buckets, in seconds, ascending.
/// The `+Inf` bucket comes after these and is not listed.
pub const LATENCY_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The `Content-Type` of `GET /metrics`: version 0.0.4 of the Prometheus text format.
pub const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The name of the request counter (a counter; labels `method`, `route`, `status`).
pub const REQUESTS_TOTAL: &str = "http_requests_total";

/// The name of the latency histogram (a histogram; labels `method`, `route`).
pub const REQUEST_DURATION: &str = "http_request_duration_seconds";

/// The name of the in-flight gauge (a gauge; no labels).
pub const REQUESTS_IN_FLIGHT: &str = "http_requests_in_flight";

// ---------------------------------------------------------------------------
// Small helpers (yours)
// ---------------------------------------------------------------------------

/// Whether an incoming `X-Request-Id` may be kept: 1 to [`MAX_REQUEST_ID_LEN`]
/// characters, each an ASCII letter, an ASCII digit, `-` or `_`.
pub fn is_valid_request_id(id: &str) -> bool {
    let _ = id;
    todo!("check the length and every character")
}

/// Escapes a label value for the text format: `\` becomes `\\`, `"` becomes `\"`
/// and a newline becomes `\n` (a backslash and the letter n); nothing else changes.
pub fn escape_label_value(value: &str) -> String {
    let _ = value;
    todo!("escape backslashes, double quotes and newlines")
}

/// The `status` label of a response status: `"2xx"` for 200 to 299, and so on
/// (`"1xx"` to `"5xx"`, and `"6xx"` to `"9xx"` for the unusual codes 600 to 999).
pub fn status_class(status: StatusCode) -> String {
    let _ = status;
    todo!("the first digit of the status code, then \"xx\"")
}

// ---------------------------------------------------------------------------
// The registry (yours)
// ---------------------------------------------------------------------------

/// The metrics of one service, shared by the middleware and `GET /metrics`.
///
/// It holds the injected clock and request-id source, the counter and the histogram
/// series, and the in-flight gauge. Share it as `Arc<Metrics>`.
pub struct Metrics {
    // TODO: replace with the state you need: the clock, the id source, the
    // counter and histogram series behind a lock, the in-flight gauge.
    _todo: (),
}

impl Default for Metrics {
    /// Metrics on the real clock with random request ids.
    fn default() -> Self {
        Self::new(SystemClock::new(), RandomIds)
    }
}

impl Metrics {
    /// Creates empty metrics that read time from `clock` and take new request ids from `ids`.
    pub fn new(clock: impl Clock + 'static, ids: impl RequestIdSource + 'static) -> Self {
        let _ = (clock, ids);
        todo!("store the clock and the id source; start with no series and nothing in flight")
    }

    /// Counts one finished request: adds 1 to its `http_requests_total` series and
    /// records `elapsed` in its `http_request_duration_seconds` series.
    ///
    /// `route` is the label value as is (a route template or [`UNMATCHED_ROUTE`]);
    /// `method` becomes [`OTHER_METHOD`] unless it is a standard one, and `status`
    /// becomes its class ([`status_class`]).
    pub fn record(&self, method: &Method, route: &str, status: StatusCode, elapsed: Duration) {
        let _ = (method, route, status, elapsed);
        todo!("count the request and put its latency in a bucket")
    }

    /// The metrics in the Prometheus text format (version 0.0.4), as `GET /metrics` serves them.
    ///
    /// Three families, each introduced by its `# HELP` and `# TYPE` lines and with all its
    /// samples together: [`REQUESTS_TOTAL`], [`REQUEST_DURATION`] (cumulative `_bucket`
    /// samples for every bound of [`LATENCY_BUCKETS`] then `le="+Inf"`, then `_sum` in
    /// seconds and `_count`) and [`REQUESTS_IN_FLIGHT`]. Label values are escaped with
    /// [`escape_label_value`]; every line ends with `\n`.
    pub fn render(&self) -> String {
        todo!("write the three families")
    }
}

// ---------------------------------------------------------------------------
// The middleware and the endpoint (yours)
// ---------------------------------------------------------------------------

/// Middleware for `axum::middleware::from_fn_with_state`, with the metrics as its state.
///
/// For every request it
///
/// - keeps a valid incoming `X-Request-Id`, or takes a new id from the id source;
///   puts it into the request's extensions as [`RequestId`], runs the rest of the
///   stack inside a `tracing` span whose field `request_id` holds it, and sets it
///   as the response's `X-Request-Id`;
/// - counts the request in the in-flight gauge until its response is ready or it
///   is dropped;
/// - records it with [`Metrics::record`]: its method, the route template axum
///   matched (`axum::extract::MatchedPath`) or [`UNMATCHED_ROUTE`], its response's
///   status, and the time between the clock's readings before and after the rest
///   of the stack ran.
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let _ = (metrics, request, next);
    todo!("request id, span, in-flight gauge, then record the finished request")
}

/// The `GET /metrics` handler: [`Metrics::render`] with [`METRICS_CONTENT_TYPE`].
pub async fn serve_metrics(State(metrics): State<Arc<Metrics>>) -> Response {
    let _ = metrics;
    todo!("the rendered text with its content type")
}

/// Puts [`track`] in front of every route of `app` and of its 404 fallback, and adds
/// `GET /metrics` ([`serve_metrics`]) outside it, so scrapes are neither counted nor
/// timed nor in flight.
///
/// # Panics
///
/// If `app` already has a `/metrics` route (axum refuses overlapping routes).
pub fn instrument(app: Router, metrics: Arc<Metrics>) -> Router {
    let _ = (app, metrics);
    todo!("layer `track` over the app, then add the /metrics route")
}
