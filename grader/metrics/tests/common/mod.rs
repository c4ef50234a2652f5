//! Helpers shared by the hidden tests: a predictable id source, a router builder,
//! requests in-process with `oneshot`, a real parser for `/metrics`, and a
//! `tracing` layer that captures spans and events.
#![allow(dead_code)]

use expect::expect_eq;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use metrics::{ManualClock, Metrics, RequestIdSource, instrument};
use openmetrics_parser::{HistogramValue, MetricsExposition, PrometheusType, PrometheusValue};
use tower::ServiceExt;

pub type Exposition = MetricsExposition<PrometheusType, PrometheusValue>;

/// Hands out `gen-1`, `gen-2`, ... and counts how many it handed out.
#[derive(Clone, Default)]
pub struct CountingIds(Arc<AtomicU64>);

impl CountingIds {
    pub fn handed_out(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl RequestIdSource for CountingIds {
    fn next_id(&self) -> String {
        format!("gen-{}", self.0.fetch_add(1, Ordering::SeqCst) + 1)
    }
}

/// Fresh metrics on a manual clock (returned, to advance from handlers) with `gen-N` ids.
pub fn new_metrics() -> (Arc<Metrics>, ManualClock) {
    let clock = ManualClock::new();
    let metrics = Arc::new(Metrics::new(clock.clone(), CountingIds::default()));
    (metrics, clock)
}

/// `routes` wrapped by `instrument`, with fresh metrics; returns the clock too.
pub fn instrumented(routes: Router) -> (Router, ManualClock) {
    let (metrics, clock) = new_metrics();
    (instrument(routes, metrics), clock)
}

pub fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

pub async fn send(app: &Router, method: Method, uri: &str) -> Response<Body> {
    let request = Request::builder().method(method).uri(uri).body(Body::empty()).unwrap();
    app.clone().oneshot(request).await.unwrap()
}

pub async fn fetch(app: &Router, uri: &str) -> Response<Body> {
    send(app, Method::GET, uri).await
}

pub async fn body_text(response: Response<Body>) -> String {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).expect("the body is UTF-8")
}

/// `GET /metrics` through the router, as text.
pub async fn scrape_text(app: &Router) -> MetricsText {
    let response = fetch(app, "/metrics").await;
    expect_eq!(response.status(), StatusCode::OK, "GET /metrics should answer 200 OK");
    MetricsText(body_text(response).await)
}

/// The text of `/metrics`. It reads as a `&str`; printed in a message, it shows at
/// most its first 60 lines, so a failure stays readable.
pub struct MetricsText(pub String);

impl std::ops::Deref for MetricsText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MetricsText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&excerpt(&self.0))
    }
}

/// At most the first 60 lines of `text`, then how many were left out.
pub fn excerpt(text: &str) -> String {
    first_lines(text, 60)
}

fn first_lines(text: &str, max: usize) -> String {
    let total = text.lines().count();
    let mut shown: String = text.lines().take(max).flat_map(|l| [l, "\n"]).collect();
    if total > max {
        shown.push_str(&format!("... ({} more lines)\n", total - max));
    }
    shown
}

/// Parses text with a real Prometheus text-format parser, failing with its error.
pub fn parse(text: &str) -> Exposition {
    match openmetrics_parser::prometheus::parse_prometheus(text) {
        Ok(exposition) => exposition,
        Err(error) => {
            // The parser's errors can quote every bucket; the first words say what is wrong.
            let mut error = error.to_string();
            if error.len() > 200 {
                let cut = (0..=200).rev().find(|&i| error.is_char_boundary(i)).unwrap_or(0);
                error.truncate(cut);
                error.push_str(" ...");
            }
            panic!(
                "a Prometheus text-format parser could not read the output of /metrics: {error}\n\
                 --- the output ---\n{}--- end ---",
                first_lines(text, 24)
            )
        }
    }
}

/// `GET /metrics` through the router, parsed.
pub async fn scrape(app: &Router) -> (Exposition, MetricsText) {
    let text = scrape_text(app).await;
    (parse(&text), text)
}

/// The value of the `http_requests_total` series with these labels, if there is one.
pub fn counter(expo: &Exposition, method: &str, route: &str, status: &str) -> Option<f64> {
    let family = expo.families.get("http_requests_total")?;
    family.iter_samples().find_map(|sample| {
        let labels = sample.get_labelset().ok()?;
        let matches = labels.get_label_value("method") == Some(method)
            && labels.get_label_value("route") == Some(route)
            && labels.get_label_value("status") == Some(status);
        match &sample.value {
            PrometheusValue::Counter(value) if matches => Some(value.value.as_f64()),
            _ => None,
        }
    })
}

/// Every (label name, value) pair set of the counter's series, sorted, for messages.
pub fn counter_series(expo: &Exposition) -> Vec<String> {
    series_of(expo, "http_requests_total")
}

pub fn series_of(expo: &Exposition, family: &str) -> Vec<String> {
    let Some(family) = expo.families.get(family) else {
        return Vec::new();
    };
    let mut all: Vec<String> = family
        .iter_samples()
        .map(|sample| {
            let labels = sample.get_labelset().unwrap();
            let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
            format!("{{{}}}", pairs.join(","))
        })
        .collect();
    all.sort();
    all
}

/// The `http_request_duration_seconds` series with these labels, if there is one.
pub fn histogram(expo: &Exposition, method: &str, route: &str) -> Option<HistogramValue> {
    let family = expo.families.get("http_request_duration_seconds")?;
    family.iter_samples().find_map(|sample| {
        let labels = sample.get_labelset().ok()?;
        let matches = labels.get_label_value("method") == Some(method)
            && labels.get_label_value("route") == Some(route);
        match &sample.value {
            PrometheusValue::Histogram(value) if matches => Some(value.clone()),
            _ => None,
        }
    })
}

/// The histogram's buckets as (upper bound, cumulative count), in the order written.
pub fn buckets(histogram: &HistogramValue) -> Vec<(f64, f64)> {
    histogram.buckets.iter().map(|b| (b.upper_bound, b.count.as_f64())).collect()
}

/// The value of the `http_requests_in_flight` gauge.
pub fn in_flight(expo: &Exposition, text: &str) -> f64 {
    let family = expo
        .families
        .get("http_requests_in_flight")
        .unwrap_or_else(|| panic!("/metrics has no http_requests_in_flight family:\n{text}"));
    let values: Vec<f64> = family
        .iter_samples()
        .filter_map(|sample| match &sample.value {
            PrometheusValue::Gauge(value) => Some(value.as_f64()),
            _ => None,
        })
        .collect();
    expect_eq!(
        values.len(),
        1,
        "http_requests_in_flight should be one gauge sample, always present; /metrics was:\n{text}"
    );
    values[0]
}

// ---------------------------------------------------------------------------
// Capturing spans and events
// ---------------------------------------------------------------------------

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::{LookupSpan, Registry};

/// One event: its message and the `request_id` field of the spans it happened in.
#[derive(Debug, Clone)]
pub struct CapturedEvent {
    pub message: String,
    /// `request_id` of each enclosing span that has one, innermost first.
    pub request_ids: Vec<String>,
}

/// One span: its level and its fields.
#[derive(Debug, Clone)]
pub struct CapturedSpan {
    pub level: tracing::Level,
    pub fields: HashMap<String, String>,
}

#[derive(Default)]
struct Captured {
    /// Every span ever created, in creation order, keyed by span id while the
    /// span is alive (ids are reused once a span closes).
    spans: Vec<CapturedSpan>,
    live: HashMap<u64, usize>,
    events: Vec<CapturedEvent>,
}

/// A `tracing` layer that records the fields of every span and every event's spans.
#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<Captured>>);

impl Capture {
    /// Installs the capture as this thread's subscriber until the guard drops.
    pub fn install(&self) -> tracing::subscriber::DefaultGuard {
        tracing::subscriber::set_default(Registry::default().with(self.clone()))
    }

    /// The `request_id` field of every span created so far that has one.
    pub fn span_request_ids(&self) -> Vec<String> {
        let captured = self.0.lock().unwrap();
        captured.spans.iter().filter_map(|span| span.fields.get("request_id").cloned()).collect()
    }

    /// Every span created so far that has a `request_id` field.
    pub fn request_spans(&self) -> Vec<CapturedSpan> {
        let captured = self.0.lock().unwrap();
        captured.spans.iter().filter(|span| span.fields.contains_key("request_id")).cloned().collect()
    }

    pub fn events(&self) -> Vec<CapturedEvent> {
        self.0.lock().unwrap().events.clone()
    }
}

/// Collects fields as strings, as a log line would show them: `%x` and plain
/// strings as they are, a `?x` as its Debug text (a string keeps its quotes, so
/// `request_id = ?id` is not the plain id the README asks for).
struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _ctx: Context<'_, S>) {
        let mut fields = HashMap::new();
        attrs.record(&mut Fields(&mut fields));
        let mut captured = self.0.lock().unwrap();
        captured.spans.push(CapturedSpan { level: *attrs.metadata().level(), fields });
        let index = captured.spans.len() - 1;
        captured.live.insert(id.into_u64(), index);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut captured = self.0.lock().unwrap();
        if let Some(&index) = captured.live.get(&id.into_u64()) {
            values.record(&mut Fields(&mut captured.spans[index].fields));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = HashMap::new();
        event.record(&mut Fields(&mut fields));
        let mut captured = self.0.lock().unwrap();
        let mut request_ids = Vec::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope {
                let index = captured.live.get(&span.id().into_u64()).copied();
                if let Some(id) = index.and_then(|i| captured.spans[i].fields.get("request_id")) {
                    request_ids.push(id.clone());
                }
            }
        }
        let message = fields.remove("message").unwrap_or_default();
        captured.events.push(CapturedEvent { message, request_ids });
    }

    fn on_close(&self, id: Id, _ctx: Context<'_, S>) {
        self.0.lock().unwrap().live.remove(&id.into_u64());
    }
}
