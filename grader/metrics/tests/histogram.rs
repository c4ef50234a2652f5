//! Hidden tests for `http_request_duration_seconds`: latencies from the injected
//! clock, fixed buckets, cumulative counts, `+Inf`, `_sum` and `_count`.

mod common;

use expect::expect_eq;
use std::time::Duration;

use axum::Router;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::routing::get;
use common::*;
use metrics::{LATENCY_BUCKETS, ManualClock};

const INF: f64 = f64::INFINITY;

/// A route whose handler moves the clock by `?ms=N` milliseconds plus `?ns=N`
/// nanoseconds (both default 0).
fn timed_routes(clock: &ManualClock) -> Router {
    let clock = clock.clone();
    Router::new().route(
        "/work",
        get(move |Query(query): Query<std::collections::HashMap<String, u64>>| {
            let clock = clock.clone();
            async move {
                clock.advance(ms(query.get("ms").copied().unwrap_or(0)));
                clock.advance(Duration::from_nanos(query.get("ns").copied().unwrap_or(0)));
                "done"
            }
        }),
    )
}

/// A router with `timed_routes` behind fresh metrics that share the handler's clock.
fn timed_app() -> Router {
    let (metrics, clock) = new_metrics();
    metrics::instrument(timed_routes(&clock), metrics)
}

fn expected_buckets(counts: [f64; 12]) -> Vec<(f64, f64)> {
    LATENCY_BUCKETS.iter().copied().chain([INF]).zip(counts).collect()
}

/// A request during which the clock moves 30 ms is observed as 0.03 s: it is in
/// every bucket from le="0.05" up, and `_sum` is 0.03.
/// Rules: latency-from-clock, cumulative-buckets, sum-and-count.
#[tokio::test]
async fn latency_comes_from_the_injected_clock() {
    let app = timed_app();
    expect_eq!(fetch(&app, "/work?ms=30").await.status(), StatusCode::OK);

    let (expo, text) = scrape(&app).await;
    let histogram = histogram(&expo, "GET", "/work")
        .unwrap_or_else(|| panic!("no http_request_duration_seconds series for GET /work:\n{text}"));
    expect_eq!(
        buckets(&histogram),
        expected_buckets([0., 0., 0., 1., 1., 1., 1., 1., 1., 1., 1., 1.]),
        "a request of 30 ms (by the injected clock) belongs in le=\"0.05\" and every bucket above; \
         /metrics was:\n{text}"
    );
    let sum = histogram.sum.map(|s| s.as_f64()).unwrap_or(f64::NAN);
    assert!((sum - 0.03).abs() < 1e-9, "expected _sum 0.03 (seconds), got {sum}; /metrics was:\n{text}");
    expect_eq!(histogram.count, Some(1), "_count; /metrics was:\n{text}");
}

/// A request that takes no time on the injected clock is 0 s, whatever real time
/// passed: it is in the lowest bucket and `_sum` is 0.
/// Rules: latency-from-clock.
#[tokio::test]
async fn no_clock_movement_means_zero_latency() {
    let app = timed_app();
    fetch(&app, "/work").await;

    let (expo, text) = scrape(&app).await;
    let histogram = histogram(&expo, "GET", "/work").expect("a series for GET /work");
    expect_eq!(
        buckets(&histogram)[0],
        (0.005, 1.0),
        "a request during which the injected clock did not move took 0 s and belongs in le=\"0.005\"; \
         /metrics was:\n{text}"
    );
    expect_eq!(histogram.sum.map(|s| s.as_f64()), Some(0.0), "_sum; /metrics was:\n{text}");
}

/// A latency exactly equal to a bound counts in that bucket, because `le` means
/// less than or equal.
/// Rules: bucket-upper-bound-inclusive.
#[tokio::test]
async fn a_latency_on_a_bound_counts_in_that_bucket() {
    let app = timed_app();
    for millis in [5, 100, 1000] {
        fetch(&app, &format!("/work?ms={millis}")).await;
    }

    let (expo, text) = scrape(&app).await;
    let histogram = histogram(&expo, "GET", "/work").expect("a series for GET /work");
    expect_eq!(
        buckets(&histogram),
        expected_buckets([1., 1., 1., 1., 2., 2., 2., 3., 3., 3., 3., 3.]),
        "requests of exactly 0.005 s, 0.1 s and 1 s count in le=\"0.005\", le=\"0.1\" and le=\"1\"; \
         /metrics was:\n{text}"
    );
}

/// Buckets are cumulative, every bound of LATENCY_BUCKETS is listed in order, and
/// +Inf counts every request, the slowest (20 s) included.
/// Rules: cumulative-buckets, buckets-listed, sum-and-count.
#[tokio::test]
async fn buckets_are_cumulative_and_end_with_inf() {
    let app = timed_app();
    for millis in [1, 7, 30, 200, 200, 800, 3000, 20000] {
        fetch(&app, &format!("/work?ms={millis}")).await;
    }

    let (expo, text) = scrape(&app).await;
    let histogram = histogram(&expo, "GET", "/work").expect("a series for GET /work");
    expect_eq!(
        buckets(&histogram),
        expected_buckets([1., 2., 2., 3., 3., 5., 5., 6., 6., 7., 7., 8.]),
        "latencies 0.001, 0.007, 0.03, 0.2, 0.2, 0.8, 3 and 20 s, as (le, cumulative count); \
         /metrics was:\n{text}"
    );
    let sum = histogram.sum.map(|s| s.as_f64()).unwrap_or(f64::NAN);
    assert!((sum - 24.238).abs() < 1e-9, "expected _sum 24.238 s, got {sum}; /metrics was:\n{text}");
    expect_eq!(histogram.count, Some(8), "_count; /metrics was:\n{text}");
}

/// The histogram has one series per method and route, without a status label: a
/// 200 and a 500 of one route are observed in the same series.
/// Rules: histogram-labels.
#[tokio::test]
async fn histogram_is_labelled_by_method_and_route_only() {
    let (metrics, clock) = new_metrics();
    let slow = clock.clone();
    let routes = Router::new()
        .route(
            "/flaky/{n}",
            get(move |axum::extract::Path(n): axum::extract::Path<u32>| {
                let clock = slow.clone();
                async move {
                    clock.advance(Duration::from_millis(250));
                    if n % 2 == 0 { StatusCode::OK } else { StatusCode::INTERNAL_SERVER_ERROR }
                }
            }),
        )
        .route("/other", get(|| async { "other" }).post(|| async { "posted" }));
    let app = metrics::instrument(routes, metrics);
    for uri in ["/flaky/1", "/flaky/2", "/flaky/3", "/other"] {
        fetch(&app, uri).await;
    }
    send(&app, axum::http::Method::POST, "/other").await;

    let (expo, text) = scrape(&app).await;
    let family = expo
        .families
        .get("http_request_duration_seconds")
        .unwrap_or_else(|| panic!("no http_request_duration_seconds family:\n{text}"));
    let mut names: Vec<&str> = family.get_label_names().iter().map(String::as_str).collect();
    names.sort();
    expect_eq!(names, ["method", "route"], "the histogram's labels (le aside); /metrics was:\n{text}");
    let flaky = histogram(&expo, "GET", "/flaky/{n}").expect("a series for GET /flaky/{n}");
    expect_eq!(flaky.count, Some(3), "three /flaky requests, 2xx and 5xx alike; /metrics was:\n{text}");
    expect_eq!(series_of(&expo, "http_request_duration_seconds").len(), 3, "/metrics was:\n{text}");
}

/// The exact lines of one histogram series: labels method then route, `le` last,
/// `le="+Inf"`, then `_sum` in seconds and `_count` without `le`.
/// Rules: exposition-lines, buckets-listed, sum-and-count.
#[tokio::test]
async fn histogram_lines_exactly() {
    let app = timed_app();
    fetch(&app, "/work?ms=500").await;
    fetch(&app, "/work?ms=250").await;

    let text = scrape_text(&app).await;
    for line in [
        r#"http_request_duration_seconds_bucket{method="GET",route="/work",le="0.1"} 0"#,
        r#"http_request_duration_seconds_bucket{method="GET",route="/work",le="0.25"} 1"#,
        r#"http_request_duration_seconds_bucket{method="GET",route="/work",le="0.5"} 2"#,
        r#"http_request_duration_seconds_bucket{method="GET",route="/work",le="2.5"} 2"#,
        r#"http_request_duration_seconds_bucket{method="GET",route="/work",le="+Inf"} 2"#,
        r#"http_request_duration_seconds_sum{method="GET",route="/work"} 0.75"#,
        r#"http_request_duration_seconds_count{method="GET",route="/work"} 2"#,
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "expected this exact line in /metrics:\n{line}\n/metrics was:\n{text}"
        );
    }
    let bucket_lines = text.lines().filter(|l| l.starts_with("http_request_duration_seconds_bucket{")).count();
    expect_eq!(bucket_lines, 12, "11 bounds plus +Inf, for the one series; /metrics was:\n{text}");
}

/// Latencies are kept to the nanosecond: 5 ms and 1 ns is over the 0.005 bound,
/// 4.999999 ms is under it, and `_sum` adds up the fractions of milliseconds.
/// Rules: bucket-upper-bound-inclusive, sum-and-count.
#[tokio::test]
async fn fractions_of_a_millisecond_count() {
    let app = timed_app();
    for nanos in [5_000_001, 4_999_999, 1_500_250] {
        fetch(&app, &format!("/work?ns={nanos}")).await;
    }

    let (expo, text) = scrape(&app).await;
    let histogram = histogram(&expo, "GET", "/work").expect("a series for GET /work");
    expect_eq!(
        buckets(&histogram),
        expected_buckets([2., 3., 3., 3., 3., 3., 3., 3., 3., 3., 3., 3.]),
        "latencies of 0.005000001, 0.004999999 and 0.00150025 s: two are at most 0.005, the first is \
         over it (do not round latencies to whole milliseconds); /metrics was:\n{text}"
    );
    let sum = histogram.sum.map(|s| s.as_f64()).unwrap_or(f64::NAN);
    assert!(
        (sum - 0.01150025).abs() < 1e-9,
        "expected _sum 0.01150025 (seconds, to the nanosecond, written with Rust's {{}}), got {sum}; \
         /metrics was:\n{text}"
    );
}
