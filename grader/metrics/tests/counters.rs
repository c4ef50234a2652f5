//! Hidden tests for `http_requests_total`: its labels and what it counts.

mod common;

use expect::expect_eq;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{Method, StatusCode};
use axum::routing::{any, get};
use common::*;
use metrics::{Metrics, status_class};

/// Requests for three different ids are counted in the one series of their route
/// template, written exactly as the router has it, and no series is labelled with
/// a raw path.
/// Rules: route-template-label, counter-per-series.
#[tokio::test]
async fn labels_by_route_template_not_raw_path() {
    let routes = Router::new()
        .route("/parcels/{id}", get(|| async { "a parcel" }))
        .route("/Depots/{Code}", get(|| async { "a depot" }));
    let (app, _clock) = instrumented(routes);
    for uri in ["/parcels/1", "/parcels/2", "/parcels/3"] {
        expect_eq!(fetch(&app, uri).await.status(), StatusCode::OK);
    }
    expect_eq!(fetch(&app, "/Depots/LHR").await.status(), StatusCode::OK);

    let (expo, text) = scrape(&app).await;
    expect_eq!(
        counter(&expo, "GET", "/parcels/{id}", "2xx"),
        Some(3.0),
        "expected http_requests_total{{method=\"GET\",route=\"/parcels/{{id}}\",status=\"2xx\"}} 3 \
         after three GETs of /parcels/1, /parcels/2 and /parcels/3; /metrics was:\n{text}"
    );
    let series = counter_series(&expo);
    expect_eq!(
        counter(&expo, "GET", "/Depots/{Code}", "2xx"),
        Some(1.0),
        "expected the route template exactly as it was written, capitals included: \
         {{method=\"GET\",route=\"/Depots/{{Code}}\",status=\"2xx\"}} 1; the series were {series:?}"
    );
    expect_eq!(
        series.len(),
        2,
        "expected exactly two http_requests_total series (one per route template), found {series:?}"
    );
}

/// The status label is the class of the response's status: 2xx, 3xx, 4xx or 5xx,
/// with one series per class.
/// Rules: status-class, counter-per-series.
#[tokio::test]
async fn labels_by_status_class() {
    let routes = Router::new()
        .route("/ok", get(|| async { StatusCode::OK }))
        .route("/created", get(|| async { StatusCode::CREATED }))
        .route("/moved", get(|| async { StatusCode::FOUND }))
        .route("/missing", get(|| async { StatusCode::NOT_FOUND }))
        .route("/teapot", get(|| async { StatusCode::IM_A_TEAPOT }))
        .route("/broken", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
        .route("/empty", get(|| async { StatusCode::NO_CONTENT }));
    let (app, _clock) = instrumented(routes);
    for uri in ["/ok", "/created", "/moved", "/missing", "/teapot", "/broken", "/empty", "/ok"] {
        fetch(&app, uri).await;
    }

    let (expo, _text) = scrape(&app).await;
    let series = counter_series(&expo);
    for (route, status, count) in [
        ("/ok", "2xx", 2.0),
        ("/created", "2xx", 1.0),
        ("/moved", "3xx", 1.0),
        ("/missing", "4xx", 1.0),
        ("/teapot", "4xx", 1.0),
        ("/broken", "5xx", 1.0),
        ("/empty", "2xx", 1.0),
    ] {
        expect_eq!(
            counter(&expo, "GET", route, status),
            Some(count),
            "expected the series {{method=\"GET\",route=\"{route}\",status=\"{status}\"}} to be {count}; \
             the series were {series:?}"
        );
    }
    expect_eq!(series.len(), 7, "expected 7 series, one per route; found {series:?}");
}

/// `status_class` maps each status code to the class of its first digit, the
/// unusual codes 600 to 999 (which `StatusCode` accepts) included.
/// Rules: status-class.
#[test]
fn status_class_of_each_range() {
    for (code, class) in [
        (100, "1xx"),
        (101, "1xx"),
        (200, "2xx"),
        (204, "2xx"),
        (299, "2xx"),
        (300, "3xx"),
        (304, "3xx"),
        (399, "3xx"),
        (400, "4xx"),
        (404, "4xx"),
        (499, "4xx"),
        (500, "5xx"),
        (503, "5xx"),
        (599, "5xx"),
        (600, "6xx"),
        (699, "6xx"),
        (700, "7xx"),
        (850, "8xx"),
        (999, "9xx"),
    ] {
        let status = StatusCode::from_u16(code).unwrap();
        expect_eq!(status_class(status), class, "status_class({code})");
    }
}

/// Requests with different methods on one route are counted in separate series,
/// labelled with the method's name.
/// Rules: method-label, counter-per-series.
#[tokio::test]
async fn labels_by_method() {
    let routes = Router::new().route(
        "/parcels",
        get(|| async { "list" }).post(|| async { StatusCode::CREATED }).delete(|| async { "gone" }),
    );
    let (app, _clock) = instrumented(routes);
    send(&app, Method::POST, "/parcels").await;
    send(&app, Method::GET, "/parcels").await;
    send(&app, Method::POST, "/parcels").await;
    send(&app, Method::DELETE, "/parcels").await;
    send(&app, Method::PATCH, "/parcels").await; // 405 from the method router

    let (expo, _text) = scrape(&app).await;
    let series = counter_series(&expo);
    for (method, status, count) in [
        ("GET", "2xx", 1.0),
        ("POST", "2xx", 2.0),
        ("DELETE", "2xx", 1.0),
        ("PATCH", "4xx", 1.0),
    ] {
        expect_eq!(
            counter(&expo, method, "/parcels", status),
            Some(count),
            "expected {{method=\"{method}\",route=\"/parcels\",status=\"{status}\"}} to be {count}; \
             the series were {series:?}"
        );
    }
}

/// Each of the nine standard methods keeps its own name as the method label.
/// Rules: method-label, unknown-method-other.
#[tokio::test]
async fn the_nine_standard_methods_keep_their_names() {
    let (app, _clock) = instrumented(Router::new().route("/any", any(|| async { "any" })));
    let standard = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];
    for method in standard {
        send(&app, Method::from_bytes(method.as_bytes()).unwrap(), "/any").await;
    }

    let (expo, _text) = scrape(&app).await;
    let series = counter_series(&expo);
    for method in standard {
        expect_eq!(
            counter(&expo, method, "/any", "2xx"),
            Some(1.0),
            "{method} is a standard method: expected the series {{method=\"{method}\",route=\"/any\",status=\"2xx\"}} 1; \
             the series were {series:?}"
        );
    }
}

/// A method outside the nine standard ones is recorded as OTHER, so clients cannot
/// create a series per invented method.
/// Rules: unknown-method-other.
#[tokio::test]
async fn unknown_methods_are_other() {
    let (app, _clock) = instrumented(Router::new().route("/pot", any(|| async { "brewed" })));
    for method in ["BREW", "PROPFIND", "get"] {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        expect_eq!(send(&app, method, "/pot").await.status(), StatusCode::OK);
    }
    send(&app, Method::OPTIONS, "/pot").await;
    send(&app, Method::HEAD, "/pot").await;

    let (expo, text) = scrape(&app).await;
    let series = counter_series(&expo);
    expect_eq!(
        counter(&expo, "OTHER", "/pot", "2xx"),
        Some(3.0),
        "expected BREW, PROPFIND and lowercase get to be counted together as method=\"OTHER\"; \
         the series were {series:?}"
    );
    let timed = histogram(&expo, "OTHER", "/pot")
        .unwrap_or_else(|| panic!("the histogram labels unknown methods OTHER too; /metrics was:\n{text}"));
    expect_eq!(timed.count, Some(3), "the histogram series {{method=\"OTHER\",route=\"/pot\"}}; /metrics was:\n{text}");
    for invented in ["BREW", "PROPFIND", "method=\"get\""] {
        assert!(
            !text.contains(invented),
            "{invented} must not appear in /metrics, in any family: an unknown method is OTHER; /metrics was:\n{text}"
        );
    }
    for method in ["OPTIONS", "HEAD"] {
        expect_eq!(
            counter(&expo, method, "/pot", "2xx"),
            Some(1.0),
            "{method} is a standard method and keeps its name; the series were {series:?}"
        );
    }
    expect_eq!(series.len(), 3, "expected 3 series (OTHER, OPTIONS, HEAD); found {series:?}");
}

/// A request that matches no route is answered 404 and recorded with route
/// "unmatched", never with its raw path.
/// Rules: unmatched-route.
#[tokio::test]
async fn unmatched_requests_are_recorded_as_unmatched() {
    let (app, _clock) = instrumented(Router::new().route("/parcels/{id}", get(|| async { "a parcel" })));
    for uri in ["/nope/1", "/nope/2", "/parcels/1/extra"] {
        expect_eq!(fetch(&app, uri).await.status(), StatusCode::NOT_FOUND, "GET {uri}");
    }
    send(&app, Method::POST, "/elsewhere").await;

    let (expo, text) = scrape(&app).await;
    let series = counter_series(&expo);
    expect_eq!(
        counter(&expo, "GET", "unmatched", "4xx"),
        Some(3.0),
        "expected the three unmatched GETs as {{method=\"GET\",route=\"unmatched\",status=\"4xx\"}} 3; \
         the series were {series:?}"
    );
    expect_eq!(counter(&expo, "POST", "unmatched", "4xx"), Some(1.0), "series: {series:?}");
    assert!(
        !text.contains("/nope") && !text.contains("/elsewhere"),
        "no raw path may appear in /metrics; it was:\n{text}"
    );
    assert!(
        histogram(&expo, "GET", "unmatched").is_some(),
        "unmatched requests are timed too, in the route=\"unmatched\" histogram series:\n{text}"
    );
}

/// Scraping /metrics is neither counted nor timed: no series ever has route
/// "/metrics", however often it is scraped.
/// Rules: metrics-route-untracked.
#[tokio::test]
async fn scrapes_are_not_counted() {
    let (app, _clock) = instrumented(Router::new().route("/ping", get(|| async { "pong" })));
    fetch(&app, "/ping").await;
    scrape_text(&app).await;
    scrape_text(&app).await;

    let (expo, text) = scrape(&app).await;
    expect_eq!(counter(&expo, "GET", "/ping", "2xx"), Some(1.0), "/metrics was:\n{text}");
    assert!(
        !text.contains("route=\"/metrics\""),
        "GET /metrics must not be behind the middleware, so it is never a route label; /metrics was:\n{text}"
    );
}

/// `Metrics::record` counts a finished request in its counter series and its
/// histogram series, which `render` then shows.
/// Rules: counter-per-series, histogram-labels.
#[test]
fn record_is_seen_by_render() {
    let (metrics, _clock) = new_metrics();
    let metrics: Arc<Metrics> = metrics;
    metrics.record(&Method::PUT, "/parcels/{id}", StatusCode::OK, Duration::from_millis(250));
    metrics.record(&Method::PUT, "/parcels/{id}", StatusCode::CONFLICT, Duration::from_millis(250));

    let text = metrics.render();
    let expo = parse(&text);
    expect_eq!(counter(&expo, "PUT", "/parcels/{id}", "2xx"), Some(1.0), "render() was:\n{text}");
    expect_eq!(counter(&expo, "PUT", "/parcels/{id}", "4xx"), Some(1.0), "render() was:\n{text}");
    let histogram = histogram(&expo, "PUT", "/parcels/{id}")
        .unwrap_or_else(|| panic!("no histogram series for PUT /parcels/{{id}}:\n{text}"));
    expect_eq!(histogram.count, Some(2), "_count after two records; render() was:\n{text}");
}

/// One route answering 200, 201 and 204 has one series for 2xx, counting all three:
/// the counter is keyed by the class, not by the code.
/// Rules: counter-per-series, status-class.
#[tokio::test]
async fn one_series_per_class_on_one_route() {
    let routes = Router::new().route(
        "/mixed/{code}",
        get(|axum::extract::Path(code): axum::extract::Path<u16>| async move {
            StatusCode::from_u16(code).unwrap()
        }),
    );
    let (app, _clock) = instrumented(routes);
    for uri in ["/mixed/200", "/mixed/201", "/mixed/204", "/mixed/200", "/mixed/404", "/mixed/410"] {
        fetch(&app, uri).await;
    }

    let (expo, text) = scrape(&app).await;
    let series = counter_series(&expo);
    for (status, count) in [("2xx", 4), ("4xx", 2)] {
        let line = format!(r#"http_requests_total{{method="GET",route="/mixed/{{code}}",status="{status}"}} {count}"#);
        let prefix = format!(r#"http_requests_total{{method="GET",route="/mixed/{{code}}",status="{status}"}} "#);
        let lines: Vec<&str> = text.lines().filter(|l| l.starts_with(&prefix)).collect();
        expect_eq!(
            lines,
            [line.as_str()],
            "200, 201, 204 and 200 again are one series (2xx) counting 4, and 404 and 410 one (4xx) \
             counting 2, each on one line; /metrics was:\n{text}"
        );
    }
    expect_eq!(series.len(), 2, "expected 2 series (2xx and 4xx); found {series:?}");
}

/// An app with a fallback of its own keeps it: unmatched requests get that fallback's
/// answer, with a request id, and are recorded as route "unmatched".
/// Rules: app-fallback-kept, unmatched-route.
#[tokio::test]
async fn the_apps_own_fallback_answers_unmatched_requests() {
    let routes = Router::new()
        .route("/parcels/{id}", get(|| async { "a parcel" }))
        .fallback(|| async { (StatusCode::GONE, "this API moved to /v2") });
    let (app, _clock) = instrumented(routes);
    let response = fetch(&app, "/v1/parcels").await;
    expect_eq!(response.status(), StatusCode::GONE, "the app's own fallback answers 410 to GET /v1/parcels");
    assert!(response.headers().contains_key("x-request-id"), "the fallback's answer carries an X-Request-Id too");
    expect_eq!(body_text(response).await, "this API moved to /v2", "the body of the app's own fallback");

    let (expo, _text) = scrape(&app).await;
    let series = counter_series(&expo);
    expect_eq!(
        counter(&expo, "GET", "unmatched", "4xx"),
        Some(1.0),
        "the fallback's 410 is recorded as {{method=\"GET\",route=\"unmatched\",status=\"4xx\"}} 1; \
         the series were {series:?}"
    );
}
