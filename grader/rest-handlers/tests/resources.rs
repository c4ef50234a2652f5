//! Hidden tests for one task at a time: POST, GET, PUT, PATCH and DELETE on
//! `/api/v1/tasks`, bearer-token authentication and per-user ownership. Driven
//! in-process with `tower::ServiceExt::oneshot`, plus one test over a real socket.

use expect::{expect_eq, expect_ne};
use std::collections::HashMap;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use rest_handlers::{UserId, app};
use serde_json::{Value, json};
use tower::ServiceExt;

const ALICE: &str = "alice-token";
const BOB: &str = "bob-token";
const TASKS: &str = "/api/v1/tasks";

fn tokens() -> HashMap<String, UserId> {
    HashMap::from([(ALICE.to_owned(), UserId(1)), (BOB.to_owned(), UserId(2))])
}

/// A response, read to the end.
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

    fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

struct Api {
    app: Router,
}

impl Api {
    fn new() -> Self {
        Self { app: app(tokens()) }
    }

    async fn send(&self, request: Request<Body>) -> Reply {
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

    async fn call(&self, method: Method, uri: &str, token: &str, body: Option<Value>) -> Reply {
        let builder = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        let request = match body {
            Some(body) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => builder.body(Body::empty()),
        };
        self.send(request.unwrap()).await
    }

    async fn get(&self, uri: &str, token: &str) -> Reply {
        self.call(Method::GET, uri, token, None).await
    }

    /// Creates a task and returns its representation (the `data` member).
    async fn create(&self, token: &str, body: Value) -> Value {
        let reply = self.call(Method::POST, TASKS, token, Some(body)).await;
        expect_eq!(
            reply.status,
            StatusCode::CREATED,
            "POST {TASKS} should create the task; body: {}",
            reply.text
        );
        reply.json()["data"].clone()
    }
}

fn task_uri(task: &Value) -> String {
    let id = task["id"]
        .as_u64()
        .unwrap_or_else(|| panic!("a task's `id` should be a number: {task}"));
    format!("{TASKS}/{id}")
}

/// Checks status, JSON content type and `error.code`, and returns the body.
#[track_caller]
fn assert_error(reply: &Reply, status: StatusCode, code: &str) -> Value {
    expect_eq!(reply.status, status, "body: {}", reply.text);
    let content_type = reply.header(header::CONTENT_TYPE).unwrap_or_default();
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

/// POST answers 201 Created with a Location header naming the new task and the task, trimmed and defaulted, under `data`.
/// Rules: post-201-location, task-defaults, title-stored-trimmed, responses-are-json.
#[tokio::test]
async fn post_creates_a_task_with_201_and_location() {
    let api = Api::new();
    let reply = api
        .call(
            Method::POST,
            TASKS,
            ALICE,
            Some(json!({
                "title": "  Renew passport  ",
                "description": "Photo booth first",
                "due_date": "2025-03-01T09:30:00Z"
            })),
        )
        .await;
    expect_eq!(reply.status, StatusCode::CREATED, "body: {}", reply.text);
    let content_type = reply.header(header::CONTENT_TYPE).unwrap_or_default();
    assert!(content_type.starts_with("application/json"));

    let body = reply.json();
    let task = &body["data"];
    let id = task["id"]
        .as_u64()
        .unwrap_or_else(|| panic!("expected {{\"data\": task}} with a numeric id, got {body}"));
    let location = reply
        .header(header::LOCATION)
        .expect("a 201 needs a Location header");
    assert!(
        location.ends_with(&format!("/api/v1/tasks/{id}")),
        "Location should name the new task, got {location:?}"
    );
    expect_eq!(
        task["title"], "Renew passport",
        "the title is stored trimmed"
    );
    expect_eq!(task["description"], "Photo booth first");
    expect_eq!(task["status"], "todo", "a task without a status is `todo`");
    expect_eq!(task["due_date"], "2025-03-01T09:30:00Z");

    let second = api.create(ALICE, json!({"title": "Book flights"})).await;
    expect_ne!(second["id"], task["id"], "every task gets its own id");
    assert!(second["description"].is_null());
    assert!(second["due_date"].is_null());
}

/// GET on a task's URL answers 200 with exactly the representation POST returned, under `data`.
/// Rules: get-returns-task.
#[tokio::test]
async fn get_returns_the_created_task() {
    let api = Api::new();
    let created = api
        .create(
            ALICE,
            json!({"title": "Water plants", "status": "in_progress"}),
        )
        .await;

    let reply = api.get(&task_uri(&created), ALICE).await;
    expect_eq!(reply.status, StatusCode::OK, "body: {}", reply.text);
    expect_eq!(reply.json(), json!({ "data": created }));
}

/// PUT replaces the whole task: fields the body leaves out go back to their defaults (null, or `todo`).
/// Rules: put-replaces-whole-task, title-stored-trimmed.
#[tokio::test]
async fn put_replaces_every_field() {
    let api = Api::new();
    let task = api
        .create(
            ALICE,
            json!({
                "title": "Renew passport",
                "description": "Photo booth first",
                "status": "in_progress",
                "due_date": "2025-03-01T09:30:00Z"
            }),
        )
        .await;
    let uri = task_uri(&task);

    let reply = api
        .call(
            Method::PUT,
            &uri,
            ALICE,
            Some(json!({"title": "Renew passport and ID"})),
        )
        .await;
    expect_eq!(reply.status, StatusCode::OK, "body: {}", reply.text);
    let expected = json!({"data": {
        "id": task["id"],
        "title": "Renew passport and ID",
        "description": null,
        "status": "todo",
        "due_date": null
    }});
    expect_eq!(
        reply.json(),
        expected,
        "PUT is a full replacement, not a merge"
    );
    expect_eq!(api.get(&uri, ALICE).await.json(), expected);

    let reply = api
        .call(
            Method::PUT,
            &uri,
            ALICE,
            Some(json!({
                "title": " Done deal ",
                "description": "all of it",
                "status": "done",
                "due_date": "2025-04-01T12:00:00+02:00"
            })),
        )
        .await;
    expect_eq!(reply.status, StatusCode::OK, "body: {}", reply.text);
    expect_eq!(
        reply.json()["data"],
        json!({
            "id": task["id"],
            "title": "Done deal",
            "description": "all of it",
            "status": "done",
            "due_date": "2025-04-01T12:00:00+02:00"
        })
    );
}

/// PATCH changes only the fields it names, and an explicit null clears the description or due date.
/// Rules: patch-changes-named-fields, patch-null-clears.
#[tokio::test]
async fn patch_changes_only_the_fields_it_names() {
    let api = Api::new();
    let task = api
        .create(
            ALICE,
            json!({
                "title": "Renew passport",
                "description": "Photo booth first",
                "due_date": "2025-03-01T09:30:00Z"
            }),
        )
        .await;
    let uri = task_uri(&task);

    let reply = api
        .call(Method::PATCH, &uri, ALICE, Some(json!({"status": "done"})))
        .await;
    expect_eq!(reply.status, StatusCode::OK, "body: {}", reply.text);
    let mut expected = task.clone();
    expected["status"] = json!("done");
    expect_eq!(reply.json()["data"], expected, "only the status may change");

    let reply = api
        .call(Method::PATCH, &uri, ALICE, Some(json!({"due_date": null})))
        .await;
    expect_eq!(reply.status, StatusCode::OK, "body: {}", reply.text);
    expected["due_date"] = Value::Null;
    expect_eq!(
        reply.json()["data"],
        expected,
        "an explicit null clears the due date; nothing else changes"
    );

    let reply = api
        .call(
            Method::PATCH,
            &uri,
            ALICE,
            Some(json!({"title": "  Renew passport now ", "description": null})),
        )
        .await;
    expect_eq!(reply.status, StatusCode::OK, "body: {}", reply.text);
    expected["title"] = json!("Renew passport now");
    expected["description"] = Value::Null;
    expect_eq!(reply.json()["data"], expected);

    let reply = api.call(Method::PATCH, &uri, ALICE, Some(json!({}))).await;
    expect_eq!(
        reply.status,
        StatusCode::OK,
        "an empty patch changes nothing"
    );
    expect_eq!(reply.json()["data"], expected);
    expect_eq!(api.get(&uri, ALICE).await.json()["data"], expected);
}

/// PATCH answers 422 for a null title or status and for a misspelt field name, and leaves the task unchanged.
/// Rules: patch-null-title-or-status-422, unknown-field-422, failed-request-changes-nothing, error-envelope.
#[tokio::test]
async fn patch_rejects_null_title_and_unknown_fields() {
    let api = Api::new();
    let task = api.create(ALICE, json!({"title": "Renew passport"})).await;
    let uri = task_uri(&task);

    let reply = api
        .call(Method::PATCH, &uri, ALICE, Some(json!({"title": null})))
        .await;
    let body = assert_error(&reply, StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");
    expect_eq!(
        body["error"]["details"][0]["field"], "title",
        "a title can be changed but not removed; body: {body}"
    );

    let reply = api
        .call(Method::PATCH, &uri, ALICE, Some(json!({"status": null})))
        .await;
    assert_error(&reply, StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");

    let reply = api
        .call(
            Method::PATCH,
            &uri,
            ALICE,
            Some(json!({"titel": "Renew passport and ID"})),
        )
        .await;
    assert_error(&reply, StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR");

    expect_eq!(
        api.get(&uri, ALICE).await.json()["data"],
        task,
        "a rejected PATCH must not change the task"
    );
}

/// DELETE answers 204 with an empty body; afterwards GET and a second DELETE are 404 in the error envelope.
/// Rules: delete-204-then-404, error-envelope.
#[tokio::test]
async fn delete_is_204_then_404() {
    let api = Api::new();
    let task = api.create(ALICE, json!({"title": "Cancel gym"})).await;
    let other = api.create(ALICE, json!({"title": "Keep me"})).await;
    let uri = task_uri(&task);

    let reply = api.call(Method::DELETE, &uri, ALICE, None).await;
    expect_eq!(reply.status, StatusCode::NO_CONTENT, "body: {}", reply.text);
    assert!(
        reply.text.is_empty(),
        "a 204 has no body, got {:?}",
        reply.text
    );

    assert_error(
        &api.get(&uri, ALICE).await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    );
    let again = api.call(Method::DELETE, &uri, ALICE, None).await;
    assert_error(&again, StatusCode::NOT_FOUND, "NOT_FOUND");

    expect_eq!(
        api.get(&task_uri(&other), ALICE).await.status,
        StatusCode::OK,
        "deleting one task leaves the others"
    );
}

/// A request with no token, an unknown token or a non-Bearer scheme is 401 with WWW-Authenticate: Bearer, even when its body is bad.
/// Rules: auth-required, www-authenticate-bearer, auth-comes-first, error-envelope.
#[tokio::test]
async fn missing_or_unknown_token_is_401_with_www_authenticate() {
    let api = Api::new();
    let task = api.create(ALICE, json!({"title": "Secret"})).await;
    let uri = task_uri(&task);

    let mut requests = Vec::new();
    for (method, path) in [
        (Method::GET, TASKS),
        (Method::POST, TASKS),
        (Method::GET, uri.as_str()),
        (Method::PATCH, uri.as_str()),
        (Method::DELETE, uri.as_str()),
    ] {
        let no_token = Request::builder()
            .method(method.clone())
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"title": "x"}"#))
            .unwrap();
        requests.push((format!("{method} {path} without a token"), no_token));
    }
    let unknown = Request::get(TASKS)
        .header(header::AUTHORIZATION, "Bearer not-a-real-token")
        .body(Body::empty())
        .unwrap();
    requests.push(("an unknown token".into(), unknown));
    let basic = Request::get(TASKS)
        .header(header::AUTHORIZATION, format!("Basic {ALICE}"))
        .body(Body::empty())
        .unwrap();
    requests.push(("a Basic instead of a Bearer token".into(), basic));
    let bad_body = Request::post(TASKS)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    requests.push((
        "malformed JSON without a token (authentication comes first)".into(),
        bad_body,
    ));

    for (what, request) in requests {
        let reply = api.send(request).await;
        expect_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{what}: body {}",
            reply.text
        );
        let challenge = reply
            .header(header::WWW_AUTHENTICATE)
            .unwrap_or_else(|| panic!("{what}: a 401 needs a WWW-Authenticate header"));
        assert!(
            challenge.to_ascii_lowercase().starts_with("bearer"),
            "{what}: WWW-Authenticate should name the Bearer scheme, got {challenge:?}"
        );
        assert_error(&reply, StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    }

    expect_eq!(
        api.get(&uri, ALICE).await.json()["data"],
        task,
        "unauthenticated requests must not change anything"
    );
}

/// Another user's task answers 404, not 403, to GET, PUT, PATCH and DELETE, and stays untouched and out of their list.
/// Rules: other-users-task-404, listing-shows-own-tasks, error-envelope.
#[tokio::test]
async fn another_users_task_is_404_not_403() {
    let api = Api::new();
    let task = api
        .create(
            ALICE,
            json!({"title": "Alice's diary", "status": "in_progress"}),
        )
        .await;
    let bobs = api.create(BOB, json!({"title": "Bob's list"})).await;
    let uri = task_uri(&task);

    for (method, body) in [
        (Method::GET, None),
        (Method::PUT, Some(json!({"title": "Mine now"}))),
        (Method::PATCH, Some(json!({"status": "done"}))),
        (Method::DELETE, None),
    ] {
        let reply = api.call(method.clone(), &uri, BOB, body).await;
        expect_ne!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{method}: a 403 tells Bob that task exists; answer as if it did not"
        );
        assert_error(&reply, StatusCode::NOT_FOUND, "NOT_FOUND");
    }

    expect_eq!(api.get(&uri, ALICE).await.json()["data"], task);
    let list = api.get(TASKS, BOB).await;
    expect_eq!(list.status, StatusCode::OK, "body: {}", list.text);
    expect_eq!(
        list.json()["data"],
        json!([bobs]),
        "Bob sees only his own tasks"
    );
    expect_eq!(list.json()["pagination"]["total"], 1);
    let list = api.get(TASKS, ALICE).await;
    expect_eq!(list.json()["data"], json!([task]));
}

/// A task id that does not exist, or is not a number, gets a JSON error envelope rather than axum's plain-text default.
/// Rules: unknown-id-404, put-does-not-create, non-numeric-id-in-envelope, error-envelope.
#[tokio::test]
async fn unknown_task_ids_are_404_in_the_envelope() {
    let api = Api::new();
    api.create(ALICE, json!({"title": "Only one"})).await;

    for method in [Method::GET, Method::PATCH, Method::DELETE] {
        let body = (method == Method::PATCH).then(|| json!({"status": "done"}));
        let reply = api
            .call(method.clone(), "/api/v1/tasks/999999", ALICE, body)
            .await;
        assert_error(&reply, StatusCode::NOT_FOUND, "NOT_FOUND");
    }
    let reply = api
        .call(
            Method::PUT,
            "/api/v1/tasks/999999",
            ALICE,
            Some(json!({"title": "Upsert?"})),
        )
        .await;
    assert_error(&reply, StatusCode::NOT_FOUND, "NOT_FOUND");

    let reply = api.get("/api/v1/tasks/abc", ALICE).await;
    assert!(
        reply.status == StatusCode::NOT_FOUND || reply.status == StatusCode::BAD_REQUEST,
        "a non-numeric id should be 404, got {} with {:?}",
        reply.status,
        reply.text
    );
    let body = reply.json();
    assert!(
        body["error"]["code"].is_string(),
        "even a bad id gets the error envelope; body: {body}"
    );
}

/// Over a real socket, a reqwest client can create, read, patch and delete a task, following the Location header.
/// Rules: socket-lifecycle.
#[tokio::test]
async fn lifecycle_over_a_real_socket() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app(tokens())).await.unwrap() });
    let client = reqwest::Client::builder().no_proxy().build().unwrap();

    let response = client
        .post(format!("{base}{TASKS}"))
        .bearer_auth(ALICE)
        .json(&json!({"title": "Over the wire", "due_date": "2025-06-30T17:00:00-07:00"}))
        .send()
        .await
        .unwrap();
    expect_eq!(response.status(), reqwest::StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let url = if location.starts_with("http") {
        location
    } else {
        format!("{base}{location}")
    };
    let created: Value = response.json().await.unwrap();

    let response = client.get(&url).bearer_auth(ALICE).send().await.unwrap();
    expect_eq!(response.status(), reqwest::StatusCode::OK);
    expect_eq!(response.json::<Value>().await.unwrap(), created);

    let response = client
        .patch(&url)
        .bearer_auth(ALICE)
        .json(&json!({"status": "done"}))
        .send()
        .await
        .unwrap();
    expect_eq!(response.status(), reqwest::StatusCode::OK);
    let patched: Value = response.json().await.unwrap();
    expect_eq!(patched["data"]["status"], "done");
    expect_eq!(patched["data"]["due_date"], "2025-06-30T17:00:00-07:00");

    let response = client.get(&url).send().await.unwrap();
    expect_eq!(response.status(), reqwest::StatusCode::UNAUTHORIZED);
    assert!(response.headers().contains_key("www-authenticate"));

    let response = client.delete(&url).bearer_auth(ALICE).send().await.unwrap();
    expect_eq!(response.status(), reqwest::StatusCode::NO_CONTENT);
    let response = client.get(&url).bearer_auth(ALICE).send().await.unwrap();
    expect_eq!(response.status(), reqwest::StatusCode::NOT_FOUND);
    let body: Value = response.json().await.unwrap();
    expect_eq!(body["error"]["code"], "NOT_FOUND");
}

/// Ids are handed out as 1, 2, 3, ... across all users, and an id is never reused, not even after its task is deleted.
/// Rules: ids-count-from-1, ids-unique-across-users, ids-never-reused.
#[tokio::test]
async fn ids_count_from_1_across_users_and_are_never_reused() {
    let api = Api::new();
    let first = api.create(ALICE, json!({"title": "one"})).await;
    let second = api.create(BOB, json!({"title": "two"})).await;
    let third = api.create(ALICE, json!({"title": "three"})).await;
    expect_eq!(
        [&first["id"], &second["id"], &third["id"]],
        [&json!(1), &json!(2), &json!(3)],
        "ids are 1, 2, 3, ... in creation order, shared by all users"
    );

    for (task, token) in [(&third, ALICE), (&first, ALICE), (&second, BOB)] {
        let reply = api.call(Method::DELETE, &task_uri(task), token, None).await;
        expect_eq!(reply.status, StatusCode::NO_CONTENT, "body: {}", reply.text);
    }
    let fourth = api.create(BOB, json!({"title": "four"})).await;
    let fifth = api.create(ALICE, json!({"title": "five"})).await;
    expect_eq!(
        [&fourth["id"], &fifth["id"]],
        [&json!(4), &json!(5)],
        "the ids of deleted tasks must not be handed out again"
    );
}

/// The token is compared exactly: the same letters in another case, a prefix or a longer string are unknown tokens, 401.
/// Rules: token-compared-exactly.
#[tokio::test]
async fn the_token_is_compared_exactly() {
    let api = Api::new();
    let task = api.create(ALICE, json!({"title": "Secret"})).await;
    let uri = task_uri(&task);

    for token in [
        "ALICE-TOKEN",
        "Alice-token",
        "alice",
        "alice-token2",
        "alice-tokenbob-token",
    ] {
        let reply = api.get(&uri, token).await;
        expect_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "the token {token:?} is not in the table; body: {}",
            reply.text
        );
        assert_error(&reply, StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
    }
    expect_eq!(api.get(&uri, ALICE).await.status, StatusCode::OK);
}

/// PATCH accepts a JSON Merge Patch body sent as application/merge-patch+json.
/// Rules: patch-accepts-merge-patch-json.
#[tokio::test]
async fn patch_accepts_merge_patch_json() {
    let api = Api::new();
    let task = api
        .create(
            ALICE,
            json!({"title": "Renew passport", "description": "Photo booth first"}),
        )
        .await;
    let uri = task_uri(&task);

    let request = Request::patch(&uri)
        .header(header::AUTHORIZATION, format!("Bearer {ALICE}"))
        .header(header::CONTENT_TYPE, "application/merge-patch+json")
        .body(Body::from(
            json!({"status": "done", "description": null}).to_string(),
        ))
        .unwrap();
    let reply = api.send(request).await;
    expect_eq!(
        reply.status,
        StatusCode::OK,
        "application/merge-patch+json is a JSON content type; body: {}",
        reply.text
    );
    let mut expected = task.clone();
    expected["status"] = json!("done");
    expected["description"] = Value::Null;
    expect_eq!(reply.json()["data"], expected);
    expect_eq!(api.get(&uri, ALICE).await.json()["data"], expected);
}

/// In a POST or PUT body, a null description or due date is the same as leaving it out, and a description is stored exactly as sent.
/// Rules: null-like-absent-in-post-put, description-max-2000.
#[tokio::test]
async fn null_is_the_same_as_absent_in_post_and_put() {
    let api = Api::new();
    let task = api
        .create(
            ALICE,
            json!({"title": "Call mum", "description": null, "due_date": null}),
        )
        .await;
    assert!(task["description"].is_null(), "task: {task}");
    assert!(task["due_date"].is_null(), "task: {task}");
    let uri = task_uri(&task);

    let reply = api
        .call(
            Method::PUT,
            &uri,
            ALICE,
            Some(json!({"title": "Call mum", "description": "  before 8  ", "due_date": "2025-03-01T09:30:00Z"})),
        )
        .await;
    expect_eq!(reply.status, StatusCode::OK, "body: {}", reply.text);
    expect_eq!(
        reply.json()["data"]["description"],
        "  before 8  ",
        "the description is stored as sent, not trimmed"
    );

    let reply = api
        .call(
            Method::PUT,
            &uri,
            ALICE,
            Some(json!({"title": "Call mum", "description": null, "due_date": null})),
        )
        .await;
    expect_eq!(reply.status, StatusCode::OK, "body: {}", reply.text);
    let expected = json!({
        "id": task["id"],
        "title": "Call mum",
        "description": null,
        "status": "todo",
        "due_date": null
    });
    expect_eq!(reply.json()["data"], expected);
    expect_eq!(api.get(&uri, ALICE).await.json()["data"], expected);
}
