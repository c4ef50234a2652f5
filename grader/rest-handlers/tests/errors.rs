//! Hidden tests for validation and the error envelope: 422 with every bad field
//! listed, 400 for bodies that cannot be read, never axum's plain-text defaults.
//! Driven in-process with `tower::ServiceExt::oneshot`.

use expect::expect_eq;
use std::collections::{BTreeSet, HashMap};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use rest_handlers::{UserId, app};
use serde_json::{Value, json};
use tower::ServiceExt;

const ALICE: &str = "alice-token";
const TASKS: &str = "/api/v1/tasks";

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Reply {
    #[track_caller]
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|_| {
            panic!(
                "expected a JSON body with this {} response, got {:?}",
                self.status, self.text
            )
        })
    }
}

struct Api {
    app: Router,
}

impl Api {
    fn new() -> Self {
        let tokens = HashMap::from([(ALICE.to_owned(), UserId(1))]);
        Self { app: app(tokens) }
    }

    /// Sends `body` as it is, with the given Content-Type (or none).
    async fn raw(
        &self,
        method: Method,
        uri: &str,
        content_type: Option<&str>,
        body: &str,
    ) -> Reply {
        let mut builder = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {ALICE}"));
        if let Some(content_type) = content_type {
            builder = builder.header(header::CONTENT_TYPE, content_type);
        }
        let request = builder.body(Body::from(body.to_owned())).unwrap();
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn send_json(&self, method: Method, uri: &str, body: Value) -> Reply {
        self.raw(method, uri, Some("application/json"), &body.to_string())
            .await
    }

    async fn post(&self, body: Value) -> Reply {
        self.send_json(Method::POST, TASKS, body).await
    }

    async fn get(&self, uri: &str) -> Reply {
        self.raw(Method::GET, uri, None, "").await
    }

    /// Creates a task and returns its URL and representation.
    async fn create(&self, body: Value) -> (String, Value) {
        let reply = self.post(body).await;
        expect_eq!(reply.status, StatusCode::CREATED, "body: {}", reply.text);
        let task = reply.json()["data"].clone();
        (format!("{TASKS}/{}", task["id"]), task)
    }

    async fn total(&self) -> Value {
        self.get(TASKS).await.json()["pagination"]["total"].clone()
    }
}

/// Checks status, JSON content type and `error.code`, and returns the body.
#[track_caller]
fn assert_error(reply: &Reply, status: StatusCode, code: &str) -> Value {
    expect_eq!(reply.status, status, "body: {:?}", reply.text);
    let content_type = reply
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    assert!(
        content_type.starts_with("application/json"),
        "errors are JSON, but the content-type was {content_type:?} and the body {:?}",
        reply.text
    );
    let body = reply.json();
    expect_eq!(body["error"]["code"], code, "body: {body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        !message.trim().is_empty(),
        "the error needs a human-readable `message`; body: {body}"
    );
    body
}

/// Asserts a 422 VALIDATION_ERROR whose details name exactly `fields`, each with a non-empty `problem`.
#[track_caller]
fn assert_invalid(reply: &Reply, fields: &[&str]) {
    let body = assert_error(reply, StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    let details = body["error"]["details"]
        .as_array()
        .unwrap_or_else(|| panic!("a 422 needs a `details` array; body: {body}"));
    for detail in details {
        let problem = detail["problem"].as_str().unwrap_or_default();
        assert!(
            !problem.trim().is_empty(),
            "each detail needs `field` and a non-empty `problem`; got {detail}"
        );
    }
    let named: BTreeSet<&str> = details
        .iter()
        .filter_map(|detail| detail["field"].as_str())
        .collect();
    let expected: BTreeSet<&str> = fields.iter().copied().collect();
    expect_eq!(
        named, expected,
        "`details` should name every bad field; body: {body}"
    );
}

/// A POST with four bad fields is one 422 VALIDATION_ERROR whose details list all four, and nothing is created.
/// Rules: all-problems-in-one-422, title-required-1-to-200, description-max-2000, status-values, due-date-rfc3339, failed-request-changes-nothing, error-envelope.
#[tokio::test]
async fn invalid_fields_are_all_listed_in_one_422() {
    let api = Api::new();
    let reply = api
        .post(json!({
            "title": "   ",
            "description": "x".repeat(2001),
            "status": "paused",
            "due_date": "next Tuesday"
        }))
        .await;
    assert_invalid(&reply, &["title", "description", "status", "due_date"]);

    let reply = api
        .post(json!({"status": "Done", "due_date": "2025-03-01"}))
        .await;
    assert_invalid(&reply, &["title", "status", "due_date"]);

    expect_eq!(
        api.total().await,
        0,
        "an invalid POST must not create anything"
    );
}

/// The title is trimmed before its length is checked, and its length is counted in characters, not bytes.
/// Rules: title-required-1-to-200, title-stored-trimmed, lengths-in-characters.
#[tokio::test]
async fn title_is_trimmed_and_counted_in_characters() {
    let api = Api::new();

    let padded = format!("  {}\t\n", "a".repeat(200));
    let reply = api.post(json!({ "title": padded })).await;
    expect_eq!(
        reply.status,
        StatusCode::CREATED,
        "200 characters plus surrounding spaces is a valid title; body: {}",
        reply.text
    );
    expect_eq!(reply.json()["data"]["title"], "a".repeat(200));

    let accented = "é".repeat(200); // 400 bytes, 200 characters
    let reply = api.post(json!({ "title": accented })).await;
    expect_eq!(
        reply.status,
        StatusCode::CREATED,
        "200 characters are fine even when they take 400 bytes; body: {}",
        reply.text
    );

    assert_invalid(
        &api.post(json!({ "title": "é".repeat(201) })).await,
        &["title"],
    );
    assert_invalid(&api.post(json!({ "title": "" })).await, &["title"]);
    assert_invalid(&api.post(json!({ "title": " \t " })).await, &["title"]);
    assert_invalid(
        &api.post(json!({ "description": "no title" })).await,
        &["title"],
    );
}

/// A due date must be an RFC 3339 date-time with an offset; dates alone and impossible dates are 422.
/// Rules: due-date-rfc3339, due-date-echoed.
#[tokio::test]
async fn due_date_must_be_an_rfc3339_date_time() {
    let api = Api::new();
    for good in [
        "2025-03-01T09:30:00Z",
        "2024-02-29T23:59:59.123+05:30",
        "2025-12-31t00:00:00z",
        "2025-06-30T17:00:00-07:00",
    ] {
        let reply = api.post(json!({"title": "t", "due_date": good})).await;
        expect_eq!(
            reply.status,
            StatusCode::CREATED,
            "{good:?} is valid RFC 3339; body: {}",
            reply.text
        );
        expect_eq!(
            reply.json()["data"]["due_date"],
            good,
            "the due date is echoed as sent"
        );
    }
    for bad in [
        "2025-03-01",
        "2025-03-01T09:30:00",
        "2025-02-29T09:30:00Z",
        "2025-13-01T09:30:00Z",
        "2025-03-01T24:00:00Z",
        "2025-03-01T09:30:00+5:30",
        "03/01/2025 09:30",
        "",
    ] {
        let reply = api.post(json!({"title": "t", "due_date": bad})).await;
        expect_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad:?} is not an RFC 3339 date-time; body: {}",
            reply.text
        );
        assert_invalid(&reply, &["due_date"]);
    }
}

/// A description may hold up to 2000 characters, and status must be exactly one of todo, in_progress or done.
/// Rules: description-max-2000, status-values, lengths-in-characters.
#[tokio::test]
async fn description_and_status_are_checked() {
    let api = Api::new();
    let reply = api
        .post(json!({"title": "t", "description": "é".repeat(2000)}))
        .await;
    expect_eq!(reply.status, StatusCode::CREATED, "body: {}", reply.text);
    assert_invalid(
        &api.post(json!({"title": "t", "description": "x".repeat(2001)}))
            .await,
        &["description"],
    );

    for status in ["todo", "in_progress", "done"] {
        let reply = api.post(json!({"title": "t", "status": status})).await;
        expect_eq!(reply.status, StatusCode::CREATED, "body: {}", reply.text);
        expect_eq!(reply.json()["data"]["status"], status);
    }
    for status in ["TODO", "in-progress", "finished", ""] {
        assert_invalid(
            &api.post(json!({"title": "t", "status": status})).await,
            &["status"],
        );
    }
}

/// PUT and PATCH validate like POST, listing every bad field, and a rejected update leaves the task as it was.
/// Rules: put-patch-validate-like-post, all-problems-in-one-422, failed-request-changes-nothing.
#[tokio::test]
async fn put_and_patch_validate_like_post() {
    let api = Api::new();
    let (uri, task) = api
        .create(json!({"title": "Renew passport", "due_date": "2025-03-01T09:30:00Z"}))
        .await;

    let reply = api
        .send_json(
            Method::PUT,
            &uri,
            json!({"title": "", "status": "paused", "due_date": "soon"}),
        )
        .await;
    assert_invalid(&reply, &["title", "status", "due_date"]);

    let reply = api
        .send_json(Method::PUT, &uri, json!({"status": "done"}))
        .await;
    assert_invalid(&reply, &["title"]);

    let reply = api
        .send_json(
            Method::PATCH,
            &uri,
            json!({"title": " ", "description": "x".repeat(2001), "due_date": "2025-02-30T00:00:00Z"}),
        )
        .await;
    assert_invalid(&reply, &["title", "description", "due_date"]);

    expect_eq!(api.get(&uri).await.json()["data"], task);
}

/// A body that is not valid JSON is 400 BAD_REQUEST in the JSON error envelope, for POST, PUT and PATCH alike.
/// Rules: malformed-json-400, error-envelope, failed-request-changes-nothing.
#[tokio::test]
async fn malformed_json_is_400_in_the_envelope() {
    let api = Api::new();
    let (uri, task) = api.create(json!({"title": "Keep me"})).await;

    for (method, path) in [
        (Method::POST, TASKS),
        (Method::PUT, uri.as_str()),
        (Method::PATCH, uri.as_str()),
    ] {
        for body in [
            "{not json",
            r#"{"title": "unterminated"#,
            r#"{"title": "a"} trailing"#,
            "",
        ] {
            let reply = api
                .raw(method.clone(), path, Some("application/json"), body)
                .await;
            expect_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{method} {path} with body {body:?}: body {:?}",
                reply.text
            );
            assert_error(&reply, StatusCode::BAD_REQUEST, "BAD_REQUEST");
        }
    }
    expect_eq!(api.get(&uri).await.json()["data"], task);
    expect_eq!(api.total().await, 1);
}

/// A body sent without a JSON Content-Type is 400 BAD_REQUEST in the JSON error envelope, not axum's plain-text 415.
/// Rules: non-json-content-type-400, error-envelope, failed-request-changes-nothing.
#[tokio::test]
async fn wrong_content_type_is_400_in_the_envelope() {
    let api = Api::new();
    let (uri, task) = api.create(json!({"title": "Keep me"})).await;
    let body = r#"{"title": "Looks like JSON"}"#;

    for (method, path) in [
        (Method::POST, TASKS),
        (Method::PUT, uri.as_str()),
        (Method::PATCH, uri.as_str()),
    ] {
        for content_type in [
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            None,
        ] {
            let reply = api.raw(method.clone(), path, content_type, body).await;
            expect_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{method} {path} with Content-Type {content_type:?}: body {:?}",
                reply.text
            );
            assert_error(&reply, StatusCode::BAD_REQUEST, "BAD_REQUEST");
        }
    }
    expect_eq!(api.get(&uri).await.json()["data"], task);
    expect_eq!(api.total().await, 1);
}

/// Well-formed JSON of the wrong shape (a number for the title, an unknown field, not an object) is 422 VALIDATION_ERROR.
/// Rules: wrong-json-shape-422, unknown-field-422, failed-request-changes-nothing.
#[tokio::test]
async fn json_of_the_wrong_shape_is_422() {
    let api = Api::new();
    for body in [
        json!({"title": 42}),
        json!({"title": "ok", "priority": 3}),
        json!("just a string"),
        json!({"title": ["a", "list"]}),
    ] {
        let reply = api.post(body.clone()).await;
        expect_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body} is valid JSON but not a task; body {:?}",
            reply.text
        );
        assert_error(&reply, StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    }
    expect_eq!(api.total().await, 0);
}

/// An update with some valid and some invalid fields, or with an unknown field, is rejected as a whole: no field of the task changes.
/// Rules: failed-request-changes-nothing, unknown-field-422.
#[tokio::test]
async fn a_partly_valid_update_changes_nothing() {
    let api = Api::new();
    let (uri, task) = api
        .create(json!({
            "title": "Renew passport",
            "description": "Photo booth first",
            "due_date": "2025-03-01T09:30:00Z"
        }))
        .await;

    let reply = api
        .send_json(
            Method::PATCH,
            &uri,
            json!({"status": "done", "description": null, "due_date": "soon"}),
        )
        .await;
    assert_invalid(&reply, &["due_date"]);
    expect_eq!(
        api.get(&uri).await.json()["data"],
        task,
        "a rejected PATCH must not apply its valid fields"
    );

    let reply = api
        .send_json(Method::PATCH, &uri, json!({"status": "done", "titel": "x"}))
        .await;
    assert_error(&reply, StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    expect_eq!(api.get(&uri).await.json()["data"], task);

    let reply = api
        .send_json(
            Method::PUT,
            &uri,
            json!({"title": "Renew passport and ID", "status": "paused"}),
        )
        .await;
    assert_invalid(&reply, &["status"]);
    expect_eq!(
        api.get(&uri).await.json()["data"],
        task,
        "a rejected PUT must not replace the task"
    );

    let reply = api
        .send_json(
            Method::PUT,
            &uri,
            json!({"title": "Renew passport and ID", "done": true}),
        )
        .await;
    assert_error(&reply, StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    expect_eq!(api.get(&uri).await.json()["data"], task);
    expect_eq!(api.total().await, 1);
}
