//! Starter tests: run them with `cargo test`. They cover a little of the
//! contract; `workbook grade rest-handlers` runs the full hidden suite.

use std::collections::HashMap;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use rest_handlers::{UserId, app};
use serde_json::{Value, json};
use tower::ServiceExt;

const TOKEN: &str = "alice-token";

fn api() -> Router {
    app(HashMap::from([(TOKEN.to_owned(), UserId(1))]))
}

async fn body_json(response: axum::response::Response) -> Value {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&bytes).expect("the body should be JSON")
}

/// POST creates a task: 201 Created, a Location header naming it, and the
/// task (with its title trimmed) under `data`.
#[tokio::test]
async fn post_creates_a_task() {
    let request = Request::post("/api/v1/tasks")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"title": "  Renew passport "}).to_string(),
        ))
        .unwrap();
    let response = api().oneshot(request).await.unwrap();

    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    let body = body_json(response).await;
    assert_eq!(body["data"]["title"], "Renew passport");
    assert_eq!(body["data"]["status"], "todo");
    assert_eq!(location, format!("/api/v1/tasks/{}", body["data"]["id"]));
}

/// A request without a bearer token is 401, says which scheme to use, and
/// explains itself in the JSON error envelope.
#[tokio::test]
async fn no_token_is_401() {
    let request = Request::get("/api/v1/tasks").body(Body::empty()).unwrap();
    let response = api().oneshot(request).await.unwrap();

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().contains_key(header::WWW_AUTHENTICATE));
    let body = body_json(response).await;
    assert_eq!(body["error"]["code"], "UNAUTHORIZED");
}

/// A new user's listing is one empty page, with the pagination block filled in.
#[tokio::test]
async fn empty_listing() {
    let request = Request::get("/api/v1/tasks")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap();
    let response = api().oneshot(request).await.unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let body = body_json(response).await;
    assert_eq!(body["data"], json!([]));
    assert_eq!(body["pagination"]["total"], 0);
    assert_eq!(body["pagination"]["limit"], 10);
    assert_eq!(body["pagination"]["total_pages"], 1);
    assert!(body["links"]["next"].is_null());
}
