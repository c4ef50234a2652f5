//! Stage 4: the caller's tasks a page at a time, filtered by status and sorted by due date.

mod common;

use common::{TASKS, create, id_of, user};
use server_check::{Client, Reply, Value, inputs, json, start};

/// What a listing's `data` must hold: these ids, in this order.
fn by_ids(ids: &[i64]) -> Value {
    Value::Array(ids.iter().map(|id| json!({ "id": id })).collect())
}

/// `GET /api/v1/tasks<query>`, checked to be 200.
#[track_caller]
fn listing(api: &Client, query: &str) -> Reply {
    let reply = api.get(&format!("{TASKS}{query}")).send();
    reply.status(200);
    reply
}

/// Without parameters the listing holds only the caller's tasks, in id order, as page 1 of
/// 20 with the pagination block; an empty collection is one empty page.
/// Rules: list-own-tasks, list-defaults, list-paging
#[test]
fn lists_only_the_callers_tasks_with_the_defaults() {
    let server = start!();
    let (ada, bob) = (user(&server.client()), user(&server.client()));
    let empty = bob.api.get(TASKS).send();
    empty.status(200).body_has(&json!({
        "data": [],
        "pagination": {"page": 1, "limit": 20, "total": 0, "total_pages": 1}
    }));
    let mut mine = Vec::new();
    for i in 0..5 {
        let api = if i % 2 == 0 { &ada.api } else { &bob.api };
        let task = create(api, &json!({"title": inputs::title()}));
        if i % 2 == 0 {
            mine.push(task);
        }
    }
    ada.api.get(TASKS).send().status(200).body_has(&json!({
        "data": mine,
        "pagination": {"page": 1, "limit": 20, "total": 3, "total_pages": 1}
    }));
}

/// Another user's tasks, with every status and dates, which no listing of the caller may
/// show or count.
fn someone_elses_tasks(server: &server_check::Server) {
    let bob = user(&server.client());
    for status in ["todo", "in_progress", "done", "todo"] {
        create(
            &bob.api,
            &json!({"title": inputs::title(), "status": status, "due_date": inputs::date()}),
        );
    }
}

/// `status` filters both the data and the total (another user's tasks of that status are
/// neither shown nor counted).
/// Rules: list-status-filter, list-own-tasks
#[test]
fn status_filters_data_and_total() {
    let server = start!();
    let ada = user(&server.client());
    someone_elses_tasks(&server);
    let statuses = ["todo", "in_progress", "done"];
    let mut made: Vec<(i64, &str)> = Vec::new();
    for _ in 0..9 {
        let status = inputs::pick(&statuses);
        let task = create(
            &ada.api,
            &json!({"title": inputs::title(), "status": status}),
        );
        made.push((id_of(&task), status));
    }
    for status in statuses {
        let expected: Vec<i64> = made
            .iter()
            .filter(|(_, s)| *s == status)
            .map(|(id, _)| *id)
            .collect();
        listing(&ada.api, &format!("?status={status}")).body_has(&json!({
            "data": by_ids(&expected),
            "pagination": {"total": expected.len()}
        }));
    }
}

/// `sort=due_date` is earliest first and `-due_date` latest first; undated tasks come after
/// every dated one, and ties (the same date, or none) are in id order.
/// Rules: list-sort-due-date
#[test]
fn sorts_by_due_date_with_undated_last_and_ties_by_id() {
    let server = start!();
    let ada = user(&server.client());
    someone_elses_tasks(&server);
    let (early, late) = (
        "2026-03-0".to_string() + &inputs::number(1, 9).to_string(),
        "2029-11-1".to_string() + &inputs::number(0, 9).to_string(),
    );
    let plan = [
        Some(&late),
        None,
        Some(&early),
        Some(&late),
        None,
        Some(&early),
    ];
    let mut made = Vec::new();
    // Titles in the reverse of creation order, so that ties broken by title come out wrong.
    for (due, letter) in plan.into_iter().zip(["F", "E", "D", "C", "B", "A"]) {
        let title = format!("{letter} {}", inputs::title());
        let task = create(&ada.api, &json!({"title": title, "due_date": due}));
        made.push((id_of(&task), due.cloned()));
    }
    let order = |latest_first: bool| -> Value {
        let mut sorted = made.clone();
        sorted.sort_by(|a, b| match (&a.1, &b.1) {
            (Some(x), Some(y)) if latest_first => y.cmp(x).then(a.0.cmp(&b.0)),
            (Some(x), Some(y)) => x.cmp(y).then(a.0.cmp(&b.0)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.0.cmp(&b.0),
        });
        let tasks = sorted
            .into_iter()
            .map(|(id, due)| json!({ "id": id, "due_date": due }));
        Value::Array(tasks.collect())
    };
    let by_id = by_ids(&made.iter().map(|(id, _)| *id).collect::<Vec<i64>>());
    for (sort, expected) in [
        ("due_date", order(false)),
        ("-due_date", order(true)),
        ("id", by_id),
    ] {
        listing(&ada.api, &format!("?sort={sort}")).body_has(&json!({ "data": expected }));
    }
}

/// Pages: `total` counts every match, `total_pages` is total / limit rounded up, the last
/// page holds the rest and a page past the end is empty; a limit of 100 is fine.
/// Rules: list-paging
#[test]
fn pages_through_every_task() {
    let server = start!();
    let ada = user(&server.client());
    someone_elses_tasks(&server);
    let count = inputs::number(21, 24) as i64;
    let all: Vec<i64> = (0..count)
        .map(|_| id_of(&create(&ada.api, &json!({"title": inputs::title()}))))
        .collect();
    let pages = (count + 4) / 5;
    for page in [1, 2, pages, pages + 1] {
        let start = ((page - 1) * 5).min(count) as usize;
        let end = (page * 5).min(count) as usize;
        listing(&ada.api, &format!("?limit=5&page={page}")).body_has(&json!({
            "data": by_ids(&all[start..end]),
            "pagination": {"page": page, "limit": 5, "total": count, "total_pages": pages}
        }));
    }
    listing(&ada.api, &format!("?limit={count}"))
        .body_has(&json!({"pagination": {"total_pages": 1}}));
    listing(&ada.api, "?limit=100").body_has(&json!({ "data": by_ids(&all) }));
}

/// A status, sort, page or limit outside its values, or a parameter given twice, is 400.
/// Rules: list-bad-params-400
#[test]
fn bad_parameters_are_400() {
    let server = start!();
    let ada = user(&server.client());
    create(&ada.api, &json!({"title": inputs::title()}));
    for query in [
        "?status=doing",
        "?sort=title",
        "?sort=due",
        "?page=0",
        "?page=two",
        "?limit=0",
        "?limit=101",
        "?limit=",
        "?page=-1",
        "?page=%2B2",
        "?status=todo&status=done",
        "?limit=5&limit=6",
    ] {
        ada.api
            .get(&format!("{TASKS}{query}"))
            .send()
            .error(400, "BAD_REQUEST");
    }
}
