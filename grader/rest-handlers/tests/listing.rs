//! Hidden tests for the collection: `GET /api/v1/tasks` with `page`, `limit`,
//! `status` and `sort`, the `pagination` block and the `links`. Driven
//! in-process with `tower::ServiceExt::oneshot`, plus one test over a real socket.

use expect::expect_eq;
use std::collections::{BTreeMap, HashMap};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
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

struct Api {
    app: Router,
}

impl Api {
    fn new() -> Self {
        Self { app: app(tokens()) }
    }

    async fn call(&self, method: Method, uri: &str, body: Option<Value>) -> (StatusCode, String) {
        let builder = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {ALICE}"));
        let request = match body {
            Some(body) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => builder.body(Body::empty()),
        };
        let response = self.app.clone().oneshot(request.unwrap()).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Creates a task for Alice and returns its id.
    async fn create(&self, body: Value) -> u64 {
        let (status, text) = self.call(Method::POST, TASKS, Some(body)).await;
        expect_eq!(status, StatusCode::CREATED, "body: {text}");
        let body: Value = serde_json::from_str(&text).unwrap();
        body["data"]["id"].as_u64().expect("a numeric id")
    }

    /// Creates `n` tasks titled "task 1", "task 2", ... and returns their ids.
    async fn create_many(&self, n: usize) -> Vec<u64> {
        let mut ids = Vec::new();
        for i in 1..=n {
            ids.push(self.create(json!({ "title": format!("task {i}") })).await);
        }
        ids
    }

    /// GETs a listing that must succeed, and returns its body.
    async fn list(&self, uri: &str) -> Value {
        let (status, text) = self.call(Method::GET, uri, None).await;
        expect_eq!(status, StatusCode::OK, "GET {uri}: body {text}");
        serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("GET {uri}: expected a JSON body, got {text:?}"))
    }
}

/// The ids in a listing's `data`, in order.
#[track_caller]
fn ids(body: &Value) -> Vec<u64> {
    body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("expected a `data` array; body: {body}"))
        .iter()
        .map(|task| task["id"].as_u64().expect("a numeric id"))
        .collect()
}

/// A link's path and query parameters; the order of the parameters does not matter.
fn parse_link(link: &str) -> (String, BTreeMap<String, String>) {
    let (path, query) = link.split_once('?').unwrap_or((link, ""));
    let params = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (name.to_owned(), value.to_owned())
        })
        .collect();
    (path.to_owned(), params)
}

/// Asserts that `links[name]` is `expected` (a relative URL), or null when `expected` is `None`.
#[track_caller]
fn assert_link(body: &Value, name: &str, expected: Option<&str>) {
    let actual = &body["links"][name];
    match expected {
        None => assert!(
            actual.is_null(),
            "links.{name} should be null here; body: {body}"
        ),
        Some(expected) => {
            let actual = actual
                .as_str()
                .unwrap_or_else(|| panic!("links.{name} should be a string; body: {body}"));
            expect_eq!(
                parse_link(actual),
                parse_link(expected),
                "links.{name}: expected {expected:?}, got {actual:?}"
            );
        }
    }
}

/// Without parameters, a listing is page 1 of 10 in creation order, with pagination counts and first/next/last links.
/// Rules: list-defaults, list-creation-order, pagination-block, links.
#[tokio::test]
async fn list_defaults_to_the_first_page_of_ten() {
    let api = Api::new();
    let all = api.create_many(25).await;

    let body = api.list(TASKS).await;
    expect_eq!(ids(&body), all[..10], "the first 10 tasks, oldest first");
    expect_eq!(
        body["pagination"],
        json!({
            "total": 25,
            "page": 1,
            "limit": 10,
            "total_pages": 3,
            "has_next": true,
            "has_previous": false
        })
    );
    assert_link(&body, "first", Some("/api/v1/tasks?page=1&limit=10"));
    assert_link(&body, "previous", None);
    assert_link(&body, "next", Some("/api/v1/tasks?page=2&limit=10"));
    assert_link(&body, "last", Some("/api/v1/tasks?page=3&limit=10"));

    let body = api.list("/api/v1/tasks?page=2").await;
    expect_eq!(ids(&body), all[10..20]);
    expect_eq!(body["pagination"]["has_previous"], true);
    assert_link(&body, "previous", Some("/api/v1/tasks?page=1&limit=10"));
    assert_link(&body, "next", Some("/api/v1/tasks?page=3&limit=10"));
}

/// On the last page has_next is false and next is null, including when the total is an exact multiple of the limit; pages past the end are empty.
/// Rules: pagination-block, links, page-past-end-empty.
#[tokio::test]
async fn the_last_page_has_no_next() {
    let api = Api::new();
    let all = api.create_many(20).await;

    let body = api.list("/api/v1/tasks?page=2&limit=10").await;
    expect_eq!(ids(&body), all[10..]);
    expect_eq!(
        body["pagination"],
        json!({
            "total": 20,
            "page": 2,
            "limit": 10,
            "total_pages": 2,
            "has_next": false,
            "has_previous": true
        }),
        "20 tasks in pages of 10 make exactly 2 pages"
    );
    assert_link(&body, "next", None);
    assert_link(&body, "previous", Some("/api/v1/tasks?page=1&limit=10"));
    assert_link(&body, "last", Some("/api/v1/tasks?page=2&limit=10"));

    let body = api.list("/api/v1/tasks?page=3&limit=7").await;
    expect_eq!(ids(&body), all[14..], "the last page holds the remainder");
    expect_eq!(body["pagination"]["total_pages"], 3);
    expect_eq!(body["pagination"]["has_next"], false);
    assert_link(&body, "next", None);

    let body = api.list("/api/v1/tasks?page=9&limit=10").await;
    expect_eq!(
        ids(&body),
        Vec::<u64>::new(),
        "a page past the end is empty, not an error"
    );
    expect_eq!(body["pagination"]["has_next"], false);
    expect_eq!(body["pagination"]["total"], 20);
}

/// With no tasks, the listing is one empty page: total 0, total_pages 1, and first and last both point at page 1.
/// Rules: empty-collection-one-page, links.
#[tokio::test]
async fn an_empty_collection_is_one_empty_page() {
    let api = Api::new();
    let body = api.list(TASKS).await;
    expect_eq!(body["data"], json!([]));
    expect_eq!(
        body["pagination"],
        json!({
            "total": 0,
            "page": 1,
            "limit": 10,
            "total_pages": 1,
            "has_next": false,
            "has_previous": false
        })
    );
    assert_link(&body, "first", Some("/api/v1/tasks?page=1&limit=10"));
    assert_link(&body, "last", Some("/api/v1/tasks?page=1&limit=10"));
    assert_link(&body, "previous", None);
    assert_link(&body, "next", None);
}

/// A page or limit that is not a whole number in range (limit 1 to 100) is 400 BAD_REQUEST in the envelope, never silently clamped.
/// Rules: page-validated, limit-validated.
#[tokio::test]
async fn page_and_limit_are_validated() {
    let api = Api::new();
    let all = api.create_many(3).await;

    for query in [
        "limit=0",
        "limit=101",
        "limit=1000",
        "limit=-5",
        "limit=ten",
        "limit=",
        "page=0",
        "page=-1",
        "page=two",
        "page=1.5",
    ] {
        let uri = format!("{TASKS}?{query}");
        let (status, text) = api.call(Method::GET, &uri, None).await;
        expect_eq!(status, StatusCode::BAD_REQUEST, "GET {uri}: body {text}");
        let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| {
            panic!("GET {uri}: expected the JSON error envelope, got {text:?}")
        });
        expect_eq!(
            body["error"]["code"], "BAD_REQUEST",
            "GET {uri}: body {body}"
        );
    }

    let body = api.list("/api/v1/tasks?limit=100").await;
    expect_eq!(ids(&body), all);
    expect_eq!(body["pagination"]["limit"], 100);
    let body = api.list("/api/v1/tasks?limit=1&page=3").await;
    expect_eq!(ids(&body), all[2..]);
    expect_eq!(body["pagination"]["total_pages"], 3);
}

/// The status filter narrows data and total, an unknown status is 400, and every link keeps the filter and sort.
/// Rules: status-filter, links-keep-filter-and-sort.
#[tokio::test]
async fn status_filter_counts_and_links_keep_it() {
    let api = Api::new();
    let mut done = Vec::new();
    for (i, status) in [
        "todo",
        "done",
        "in_progress",
        "done",
        "todo",
        "done",
        "done",
    ]
    .into_iter()
    .enumerate()
    {
        let id = api
            .create(json!({"title": format!("task {i}"), "status": status}))
            .await;
        if status == "done" {
            done.push(id);
        }
    }

    let body = api.list("/api/v1/tasks?status=done&limit=3").await;
    expect_eq!(ids(&body), done[..3]);
    assert!(
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "done")
    );
    expect_eq!(
        body["pagination"]["total"], 4,
        "total counts only matching tasks"
    );
    expect_eq!(body["pagination"]["total_pages"], 2);
    assert_link(
        &body,
        "next",
        Some("/api/v1/tasks?status=done&page=2&limit=3"),
    );
    assert_link(
        &body,
        "last",
        Some("/api/v1/tasks?status=done&page=2&limit=3"),
    );
    assert_link(
        &body,
        "first",
        Some("/api/v1/tasks?status=done&page=1&limit=3"),
    );

    let body = api
        .list("/api/v1/tasks?status=done&sort=-title&limit=3&page=2")
        .await;
    expect_eq!(body["pagination"]["has_previous"], true);
    assert_link(
        &body,
        "previous",
        Some("/api/v1/tasks?status=done&sort=-title&page=1&limit=3"),
    );
    assert_link(
        &body,
        "first",
        Some("/api/v1/tasks?status=done&sort=-title&page=1&limit=3"),
    );

    let body = api.list("/api/v1/tasks?status=in_progress").await;
    expect_eq!(body["pagination"]["total"], 1);

    let (status, text) = api
        .call(Method::GET, "/api/v1/tasks?status=paused", None)
        .await;
    expect_eq!(status, StatusCode::BAD_REQUEST, "body: {text}");
    let body: Value = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("expected the JSON error envelope, got {text:?}"));
    expect_eq!(body["error"]["code"], "BAD_REQUEST");
}

/// Creates six tasks with due dates (some equal, two with offsets, two undated) and returns their ids in creation order.
async fn dated_tasks(api: &Api) -> [u64; 6] {
    let specs = [
        json!({"title": "a", "due_date": "2025-03-02T00:00:00Z"}),
        json!({"title": "b"}),
        // 08:00 UTC: earlier than the next one, although it reads later as text.
        json!({"title": "c", "due_date": "2025-03-01T10:00:00+02:00"}),
        json!({"title": "d", "due_date": "2025-03-01T09:00:00Z"}),
        json!({"title": "e"}),
        json!({"title": "f", "due_date": "2025-03-02T00:00:00Z"}),
    ];
    let mut ids = [0; 6];
    for (id, spec) in ids.iter_mut().zip(specs) {
        *id = api.create(spec).await;
    }
    ids
}

/// sort=due_date orders by the instant each date denotes (offsets included), ties by creation, with undated tasks last.
/// Rules: sort-by-due-date-instant, undated-last, ties-in-creation-order, links-keep-filter-and-sort.
#[tokio::test]
async fn sort_by_due_date_puts_undated_tasks_last() {
    let api = Api::new();
    let [a, b, c, d, e, f] = dated_tasks(&api).await;

    let body = api.list("/api/v1/tasks?sort=due_date").await;
    expect_eq!(
        ids(&body),
        [c, d, a, f, b, e],
        "earliest first, equal dates in creation order, tasks without a due date at the end"
    );
    assert_link(
        &body,
        "first",
        Some("/api/v1/tasks?sort=due_date&page=1&limit=10"),
    );
}

/// sort=-due_date puts the latest first, still ties by creation, and still puts undated tasks last.
/// Rules: sort-by-due-date-instant, undated-last, ties-in-creation-order, sort-filter-before-paging.
#[tokio::test]
async fn sort_by_due_date_descending_keeps_undated_tasks_last() {
    let api = Api::new();
    let [a, b, c, d, e, f] = dated_tasks(&api).await;

    let body = api.list("/api/v1/tasks?sort=-due_date").await;
    expect_eq!(
        ids(&body),
        [a, f, d, c, b, e],
        "latest first, equal dates in creation order, tasks without a due date still at the end"
    );

    let body = api
        .list("/api/v1/tasks?sort=-due_date&limit=4&page=2")
        .await;
    expect_eq!(ids(&body), [b, e], "sorting happens before paging");
}

/// sort=title and sort=-title order by title with ties in creation order, and an unknown sort key is 400.
/// Rules: sort-by-title, ties-in-creation-order, sort-unknown-400, sort-filter-before-paging.
#[tokio::test]
async fn sort_by_title_and_reject_unknown_keys() {
    let api = Api::new();
    let cherry = api.create(json!({"title": "cherry"})).await;
    let apple = api.create(json!({"title": "apple"})).await;
    let banana = api.create(json!({"title": "banana"})).await;
    let apple_again = api.create(json!({"title": "apple"})).await;

    let body = api.list("/api/v1/tasks?sort=title").await;
    expect_eq!(ids(&body), [apple, apple_again, banana, cherry]);
    let body = api.list("/api/v1/tasks?sort=-title").await;
    expect_eq!(ids(&body), [cherry, banana, apple, apple_again]);
    let body = api.list("/api/v1/tasks?sort=title&limit=2&page=2").await;
    expect_eq!(ids(&body), [banana, cherry]);

    for sort in ["priority", "id;DROP%20TABLE%20tasks", "--title", "Title"] {
        let uri = format!("{TASKS}?sort={sort}");
        let (status, text) = api.call(Method::GET, &uri, None).await;
        expect_eq!(status, StatusCode::BAD_REQUEST, "GET {uri}: body {text}");
        let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| {
            panic!("GET {uri}: expected the JSON error envelope, got {text:?}")
        });
        expect_eq!(body["error"]["code"], "BAD_REQUEST");
    }
}

/// Over a real socket, following `next` links from the first page visits every matching task exactly once, in sorted order.
/// Rules: next-links-visit-every-task, listing-shows-own-tasks.
#[tokio::test]
async fn following_next_links_over_a_real_socket_visits_every_task_once() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app(tokens())).await.unwrap() });
    let client = reqwest::Client::builder().no_proxy().build().unwrap();

    let mut expected = Vec::new();
    for i in 0..11 {
        let status = if i % 3 == 0 { "done" } else { "todo" };
        let title = format!("task {:02}", 20 - i);
        let response = client
            .post(format!("{base}{TASKS}"))
            .bearer_auth(ALICE)
            .json(&json!({"title": title, "status": status}))
            .send()
            .await
            .unwrap();
        expect_eq!(response.status(), reqwest::StatusCode::CREATED);
        let task: Value = response.json().await.unwrap();
        if status == "todo" {
            expected.push((title, task["data"]["id"].as_u64().unwrap()));
        }
    }
    expected.sort();
    let expected: Vec<u64> = expected.into_iter().map(|(_, id)| id).collect();
    // Bob's tasks must not show up in Alice's pages.
    client
        .post(format!("{base}{TASKS}"))
        .bearer_auth(BOB)
        .json(&json!({"title": "task 00"}))
        .send()
        .await
        .unwrap();

    let mut seen = Vec::new();
    let mut next = Some(format!("{TASKS}?status=todo&sort=title&limit=3"));
    let mut pages = 0;
    while let Some(link) = next {
        pages += 1;
        assert!(
            pages <= 10,
            "the `next` links never reach a page without one"
        );
        let url = if link.starts_with("http") {
            link
        } else {
            format!("{base}{link}")
        };
        let response = client.get(&url).bearer_auth(ALICE).send().await.unwrap();
        expect_eq!(response.status(), reqwest::StatusCode::OK, "GET {url}");
        let body: Value = response.json().await.unwrap();
        for task in body["data"].as_array().unwrap() {
            expect_eq!(task["status"], "todo");
            seen.push(task["id"].as_u64().unwrap());
        }
        next = body["links"]["next"].as_str().map(str::to_owned);
    }
    expect_eq!(pages, 3, "7 tasks in pages of 3 make 3 pages");
    expect_eq!(seen, expected);
}
