//! Hidden tests for the text format of `/metrics`: families, HELP and TYPE lines,
//! exact sample lines, label escaping and the content type.

mod common;

use expect::expect_eq;
use std::time::Duration;

use axum::Router;
use axum::http::{Method, StatusCode, header};
use axum::routing::get;
use common::*;
use metrics::escape_label_value;
use openmetrics_parser::PrometheusType;

/// A router with a few routes, and some traffic through it.
async fn busy_app() -> Router {
    let routes = Router::new()
        .route("/parcels/{id}", get(|| async { "a parcel" }))
        .route("/broken", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }));
    let (app, _clock) = instrumented(routes);
    for uri in ["/parcels/1", "/parcels/2", "/broken", "/missing"] {
        fetch(&app, uri).await;
    }
    app
}

/// /metrics is read by a real parser as three families with the right types and
/// a non-empty HELP text each.
/// Rules: help-and-type.
#[tokio::test]
async fn three_families_with_help_and_type() {
    let app = busy_app().await;
    let (expo, text) = scrape(&app).await;
    for (name, kind) in [
        ("http_requests_total", PrometheusType::Counter),
        ("http_request_duration_seconds", PrometheusType::Histogram),
        ("http_requests_in_flight", PrometheusType::Gauge),
    ] {
        let family = expo
            .families
            .get(name)
            .unwrap_or_else(|| panic!("no family named {name} in /metrics:\n{text}"));
        expect_eq!(family.family_type, kind, "the # TYPE of {name}; /metrics was:\n{text}");
        assert!(!family.help.trim().is_empty(), "{name} needs a # HELP text; /metrics was:\n{text}");
    }
    expect_eq!(expo.families.len(), 3, "expected exactly three families; /metrics was:\n{text}");
}

/// Each family's `# HELP` and `# TYPE` lines come before all its samples, and its
/// samples are all together, not interleaved with another family's.
/// Rules: help-and-type, family-grouping.
#[tokio::test]
async fn each_family_is_one_block() {
    let app = busy_app().await;
    let text = scrape_text(&app).await;
    let lines: Vec<&str> = text.lines().collect();
    for (name, kind) in [
        ("http_requests_total", "counter"),
        ("http_request_duration_seconds", "histogram"),
        ("http_requests_in_flight", "gauge"),
    ] {
        let help = lines.iter().position(|l| l.starts_with(&format!("# HELP {name} ")));
        let kind_line = format!("# TYPE {name} {kind}");
        let type_at = lines.iter().position(|l| *l == kind_line);
        let (Some(help), Some(type_at)) = (help, type_at) else {
            panic!("expected a `# HELP {name} ...` line and the line `{kind_line}`; /metrics was:\n{text}")
        };
        let samples: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.starts_with('#') && sample_family(l) == name)
            .map(|(i, _)| i)
            .collect();
        assert!(!samples.is_empty(), "{name} has no samples; /metrics was:\n{text}");
        let (first, last) = (samples[0], samples[samples.len() - 1]);
        assert!(
            help < first && type_at < first,
            "the # HELP and # TYPE lines of {name} must come before its samples; /metrics was:\n{text}"
        );
        expect_eq!(
            last - first + 1,
            samples.len(),
            "the samples of {name} must be together, one block; /metrics was:\n{text}"
        );
    }
    assert!(text.ends_with('\n'), "the last line must end with a newline too");
}

/// The family a sample line belongs to: its name, without a histogram's suffix.
fn sample_family(line: &str) -> &str {
    let name = line.split(['{', ' ']).next().unwrap_or("");
    for suffix in ["_bucket", "_sum", "_count"] {
        if let Some(base) = name.strip_suffix(suffix) {
            if base == "http_request_duration_seconds" {
                return base;
            }
        }
    }
    name
}

/// Counter lines are exactly `name{method="..",route="..",status=".."} value`,
/// and the gauge is one line without labels.
/// Rules: exposition-lines, counter-per-series, unmatched-route.
#[tokio::test]
async fn counter_and_gauge_lines_exactly() {
    let app = busy_app().await;
    let text = scrape_text(&app).await;
    for line in [
        r#"http_requests_total{method="GET",route="/parcels/{id}",status="2xx"} 2"#,
        r#"http_requests_total{method="GET",route="/broken",status="5xx"} 1"#,
        r#"http_requests_total{method="GET",route="unmatched",status="4xx"} 1"#,
        "http_requests_in_flight 0",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "expected this exact line in /metrics:\n{line}\n/metrics was:\n{text}"
        );
    }
}

/// Before any request, /metrics still parses and has all three families, the
/// gauge at 0 and no counter series.
/// Rules: help-and-type, in-flight-gauge.
#[tokio::test]
async fn empty_metrics_still_parse() {
    let (app, _clock) = instrumented(Router::new().route("/", get(|| async { "hi" })));
    let (expo, text) = scrape(&app).await;
    expect_eq!(in_flight(&expo, &text), 0.0);
    for name in ["http_requests_total", "http_request_duration_seconds"] {
        assert!(
            text.contains(&format!("# TYPE {name} ")),
            "{name} keeps its # TYPE line with no series yet; /metrics was:\n{text}"
        );
    }
    assert!(counter_series(&expo).is_empty(), "no request yet; /metrics was:\n{text}");
}

/// GET /metrics answers 200 with the text format's content type.
/// Rules: metrics-content-type.
#[tokio::test]
async fn metrics_content_type() {
    let (app, _clock) = instrumented(Router::new().route("/", get(|| async { "hi" })));
    let response = fetch(&app, "/metrics").await;
    expect_eq!(response.status(), StatusCode::OK);
    expect_eq!(
        response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()),
        Some("text/plain; version=0.0.4; charset=utf-8"),
        "the Content-Type of GET /metrics"
    );
}

/// `escape_label_value` escapes backslash, double quote and newline, and leaves
/// everything else alone.
/// Rules: label-escaping.
#[test]
fn escape_label_value_escapes_three_characters() {
    for (raw, escaped) in [
        ("/plain/{id}", "/plain/{id}"),
        (r#"say "hi""#, r#"say \"hi\""#),
        (r"back\slash", r"back\\slash"),
        ("two\nlines", r"two\nlines"),
        (r#"all: \ " \n"#, r#"all: \\ \" \\n"#),
        ("tab\tand ünïcode, = }", "tab\tand ünïcode, = }"),
        ("carriage\rreturn", "carriage\rreturn"),
        ("", ""),
    ] {
        expect_eq!(escape_label_value(raw), escaped, "escape_label_value({raw:?})");
    }
}

/// A route template with a quote and a backslash is escaped in /metrics, and the
/// parser reads it back as the original template.
/// Rules: label-escaping.
#[tokio::test]
async fn route_labels_are_escaped_in_metrics() {
    let route = r#"/say/"hi"/back\slash"#;
    let (app, _clock) = instrumented(Router::new().route(route, get(|| async { "said" })));
    expect_eq!(fetch(&app, route).await.status(), StatusCode::OK, "GET {route}");

    let (expo, text) = scrape(&app).await;
    let line = r#"http_requests_total{method="GET",route="/say/\"hi\"/back\\slash",status="2xx"} 1"#;
    assert!(
        text.lines().any(|l| l == line),
        "expected this exact line in /metrics:\n{line}\n/metrics was:\n{text}"
    );
    expect_eq!(counter(&expo, "GET", route, "2xx"), Some(1.0), "/metrics was:\n{text}");
    assert!(histogram(&expo, "GET", route).is_some(), "histogram labels are escaped too:\n{text}");
}

/// A newline in a route label (recorded directly) is written as backslash-n, so
/// the sample stays on one line.
/// Rules: label-escaping.
#[test]
fn newline_in_label_stays_on_one_line() {
    let (metrics, _clock) = new_metrics();
    metrics.record(&Method::GET, "/two\nlines", StatusCode::OK, Duration::from_millis(1));
    let text = metrics.render();
    let line = r#"http_requests_total{method="GET",route="/two\nlines",status="2xx"} 1"#;
    assert!(
        text.lines().any(|l| l == line),
        "expected this exact line in render():\n{line}\nrender() was:\n{text}"
    );
    let expo = parse(&text);
    expect_eq!(counter(&expo, "GET", "/two\nlines", "2xx"), Some(1.0));
}
