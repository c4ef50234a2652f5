//! RED metrics and request ids for an axum service: one middleware that counts
//! requests, times them into a histogram, tracks the requests in flight and gives
//! every request an id, plus `GET /metrics` in the Prometheus text format.
//!
//! The reference solution. The clocks, the id source, `RequestId`, the constants and
//! `Metrics::default` are the stub's, unchanged; the comments explain the choices the
//! README leaves open.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tracing::Instrument;

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
// Small helpers
// ---------------------------------------------------------------------------

/// Whether an incoming `X-Request-Id` may be kept: 1 to [`MAX_REQUEST_ID_LEN`]
/// characters, each an ASCII letter, an ASCII digit, `-` or `_`.
pub fn is_valid_request_id(id: &str) -> bool {
    // A whitelist rather than a blacklist: the id ends up in log lines and in a
    // response header, so anything that could break either (spaces, quotes,
    // newlines, non-ASCII) is simply not accepted.
    !id.is_empty()
        && id.len() <= MAX_REQUEST_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Escapes a label value for the text format: `\` becomes `\\`, `"` becomes `\"`
/// and a newline becomes `\n` (a backslash and the letter n); nothing else changes.
pub fn escape_label_value(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// The `status` label of a response status: `"2xx"` for 200 to 299, and so on
/// (`"1xx"` to `"5xx"`, and `"6xx"` to `"9xx"` for the unusual codes 600 to 999).
pub fn status_class(status: StatusCode) -> String {
    format!("{}xx", status.as_u16() / 100)
}

/// The `method` label: the method's name for the nine standard methods, else [`OTHER_METHOD`].
fn method_label(method: &Method) -> &'static str {
    // Clients choose the method, and `Method` accepts any token: labelling by
    // whatever they send would let one client create unbounded series.
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::CONNECT => "CONNECT",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::PATCH => "PATCH",
        _ => OTHER_METHOD,
    }
}

// ---------------------------------------------------------------------------
// The registry
// ---------------------------------------------------------------------------

/// One latency histogram series.
#[derive(Debug, Default)]
struct Histogram {
    /// `per_bucket[i]`: requests whose latency fell in bucket `i` and in no lower one.
    /// Kept non-cumulative so recording touches one slot; `render` adds them up.
    per_bucket: [u64; LATENCY_BUCKETS.len()],
    /// Kept as a `Duration` (whole nanoseconds) so the sum does not drift the way
    /// adding many `f64`s would; converted to seconds only when rendered.
    sum: Duration,
    count: u64,
}

#[derive(Debug, Default)]
struct Series {
    /// (method, route, status class) -> requests. A `BTreeMap` so `render` is sorted
    /// and therefore stable from one scrape to the next.
    requests: BTreeMap<(&'static str, String, String), u64>,
    /// (method, route) -> latency histogram.
    durations: BTreeMap<(&'static str, String), Histogram>,
}

/// The metrics of one service, shared by the middleware and `GET /metrics`.
///
/// It holds the injected clock and request-id source, the counter and the histogram
/// series, and the in-flight gauge. Share it as `Arc<Metrics>`.
pub struct Metrics {
    clock: Box<dyn Clock>,
    ids: Box<dyn RequestIdSource>,
    in_flight: AtomicU64,
    series: Mutex<Series>,
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
        Self {
            clock: Box::new(clock),
            ids: Box::new(ids),
            in_flight: AtomicU64::new(0),
            series: Mutex::new(Series::default()),
        }
    }

    /// Counts one finished request: adds 1 to its `http_requests_total` series and
    /// records `elapsed` in its `http_request_duration_seconds` series.
    ///
    /// `route` is the label value as is (a route template or [`UNMATCHED_ROUTE`]);
    /// `method` becomes [`OTHER_METHOD`] unless it is a standard one, and `status`
    /// becomes its class ([`status_class`]).
    pub fn record(&self, method: &Method, route: &str, status: StatusCode, elapsed: Duration) {
        let method = method_label(method);
        // Which bucket: the first whose upper bound is >= the latency (`le` means
        // "less than or equal"), or none, which only the +Inf bucket counts.
        let seconds = elapsed.as_secs_f64();
        let bucket = LATENCY_BUCKETS.iter().position(|&bound| seconds <= bound);

        let mut series = self.series.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (method, route.to_owned(), status_class(status));
        *series.requests.entry(key).or_default() += 1;

        let histogram = series
            .durations
            .entry((method, route.to_owned()))
            .or_default();
        if let Some(index) = bucket {
            histogram.per_bucket[index] += 1;
        }
        histogram.sum += elapsed;
        histogram.count += 1;
    }

    /// The metrics in the Prometheus text format (version 0.0.4), as `GET /metrics` serves them.
    ///
    /// Three families, each introduced by its `# HELP` and `# TYPE` lines and with all its
    /// samples together: [`REQUESTS_TOTAL`], [`REQUEST_DURATION`] (cumulative `_bucket`
    /// samples for every bound of [`LATENCY_BUCKETS`] then `le="+Inf"`, then `_sum` in
    /// seconds and `_count`) and [`REQUESTS_IN_FLIGHT`]. Label values are escaped with
    /// [`escape_label_value`]; every line ends with `\n`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail; the `fmt::Result` only exists because
        // `write!` is generic over writers that can.
        let _ = self.write_exposition(&mut out);
        out
    }

    fn write_exposition(&self, out: &mut String) -> fmt::Result {
        // Copy nothing: render under the lock. Scrapes are rare and fast, and a
        // consistent snapshot (`_count` equal to the counters' sum) is worth it.
        let series = self.series.lock().unwrap_or_else(PoisonError::into_inner);

        writeln!(out, "# HELP {REQUESTS_TOTAL} Requests answered, by method, route template and status class.")?;
        writeln!(out, "# TYPE {REQUESTS_TOTAL} counter")?;
        for ((method, route, status), count) in &series.requests {
            let route = escape_label_value(route);
            writeln!(out, "{REQUESTS_TOTAL}{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {count}")?;
        }

        writeln!(out, "# HELP {REQUEST_DURATION} Time from receiving a request to its response, in seconds.")?;
        writeln!(out, "# TYPE {REQUEST_DURATION} histogram")?;
        for ((method, route), histogram) in &series.durations {
            let labels = format!("method=\"{method}\",route=\"{}\"", escape_label_value(route));
            write_histogram(out, &labels, histogram)?;
        }
        drop(series);

        writeln!(out, "# HELP {REQUESTS_IN_FLIGHT} Requests being handled right now.")?;
        writeln!(out, "# TYPE {REQUESTS_IN_FLIGHT} gauge")?;
        writeln!(out, "{REQUESTS_IN_FLIGHT} {}", self.in_flight.load(Ordering::Relaxed))
    }
}

/// The `_bucket`, `_sum` and `_count` lines of one histogram series.
fn write_histogram(out: &mut String, labels: &str, histogram: &Histogram) -> fmt::Result {
    // Prometheus buckets are cumulative: the `le="0.1"` bucket counts every request
    // that took at most 0.1 s, the fast ones included. So keep a running total.
    let mut cumulative = 0;
    for (bound, count) in LATENCY_BUCKETS.iter().zip(histogram.per_bucket) {
        cumulative += count;
        writeln!(out, "{REQUEST_DURATION}_bucket{{{labels},le=\"{bound}\"}} {cumulative}")?;
    }
    // The +Inf bucket counts every request, so it always equals `_count`.
    writeln!(out, "{REQUEST_DURATION}_bucket{{{labels},le=\"+Inf\"}} {}", histogram.count)?;
    writeln!(out, "{REQUEST_DURATION}_sum{{{labels}}} {}", histogram.sum.as_secs_f64())?;
    writeln!(out, "{REQUEST_DURATION}_count{{{labels}}} {}", histogram.count)
}

// ---------------------------------------------------------------------------
// The middleware and the endpoint
// ---------------------------------------------------------------------------

/// Counts a request in the in-flight gauge for as long as it lives.
///
/// Decrementing in `Drop` rather than after `next.run(..).await` matters: when a
/// client disconnects, hyper drops the request's future mid-`await`, and code after
/// the `await` never runs. A guard's `drop` runs either way.
struct InFlight<'a>(&'a AtomicU64);

impl<'a> InFlight<'a> {
    fn enter(gauge: &'a AtomicU64) -> Self {
        gauge.fetch_add(1, Ordering::Relaxed);
        Self(gauge)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The incoming `X-Request-Id`, if there is one and [`is_valid_request_id`] accepts it.
fn incoming_request_id(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(REQUEST_ID_HEADER)?.to_str().ok()?;
    is_valid_request_id(value).then(|| value.to_owned())
}

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
///   matched ([`MatchedPath`]) or [`UNMATCHED_ROUTE`], its response's status, and
///   the time between the clock's readings before and after the rest of the stack ran.
pub async fn track(State(metrics): State<Arc<Metrics>>, mut request: Request, next: Next) -> Response {
    let id = incoming_request_id(request.headers()).unwrap_or_else(|| metrics.ids.next_id());
    // The template (`/users/{id}`), never `request.uri().path()`: one series per
    // route, however many ids appear in URLs.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED_ROUTE, MatchedPath::as_str)
        .to_owned();
    let method = request.method().clone();
    request.extensions_mut().insert(RequestId(id.clone()));

    // `%` records the id with Display, so it is the plain string, not a quoted Debug.
    // INFO, so a service that logs at INFO keeps the span and every event carries the id.
    let span = tracing::info_span!("request", method = %method, route = %route, request_id = %id);

    let started = metrics.clock.now();
    let in_flight = InFlight::enter(&metrics.in_flight);
    // `.instrument(span)` enters the span every time the future is polled, so
    // everything the handler logs, across its awaits, carries the request id.
    let mut response = next.run(request).instrument(span).await;
    drop(in_flight);
    let elapsed = metrics.clock.now().saturating_sub(started);

    metrics.record(&method, &route, response.status(), elapsed);
    if let Ok(value) = HeaderValue::from_str(&id) {
        // `insert`, not `append`: it replaces an X-Request-Id the handler set, so the
        // response carries exactly one, the id the logs know the request by.
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// The `GET /metrics` handler: [`Metrics::render`] with [`METRICS_CONTENT_TYPE`].
pub async fn serve_metrics(State(metrics): State<Arc<Metrics>>) -> Response {
    ([(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)], metrics.render()).into_response()
}

/// Puts [`track`] in front of every route of `app` and of its 404 fallback, and adds
/// `GET /metrics` ([`serve_metrics`]) outside it, so scrapes are neither counted nor
/// timed nor in flight.
///
/// # Panics
///
/// If `app` already has a `/metrics` route (axum refuses overlapping routes).
pub fn instrument(app: Router, metrics: Arc<Metrics>) -> Router {
    // Order matters: `Router::layer` wraps the routes (and the fallback) the router
    // has so far, so a route added after it is not wrapped.
    app.layer(middleware::from_fn_with_state(Arc::clone(&metrics), track))
        .route("/metrics", get(serve_metrics).with_state(metrics))
}
