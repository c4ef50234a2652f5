//! Stage 3: a user's own tasks: create, read, patch and delete, behind a Bearer token, with
//! every bad field reported at once.

mod common;

use common::{TASKS, create, id_of, still_is, task_path, user};
use server_check::{Value, expect_eq, inputs, json, start};

/// A task's whole life: POST answers 201 with Location and the task (title trimmed, every
/// field present), GET at Location returns the same, PATCH changes only what it names and
/// null clears the date, DELETE answers 204 and the id is 404 afterwards.
/// Rules: task-create-201, task-get, task-patch, task-delete
#[test]
fn a_task_lives_and_dies() {
    let server = start!();
    let ada = user(&server.client());
    let (title, due) = (inputs::title(), inputs::date());
    let reply = ada
        .api
        .post(TASKS)
        .json(&json!({"title": format!("  {title} "), "due_date": due}))
        .send();
    let expected = json!({"title": title, "description": "", "status": "todo", "due_date": due});
    reply.status(201).body_has(&json!({ "data": expected }));
    let task = reply.json()["data"].clone();
    let location = reply.header("location").unwrap_or("").to_string();
    reply.check(
        location == task_path(id_of(&task)),
        &format!("a Location header of {}", task_path(id_of(&task))),
    );
    ada.api
        .get(&location)
        .send()
        .status(200)
        .body_has(&json!({ "data": task }));

    let mut changed = task.clone();
    changed["status"] = json!("in_progress");
    let patch = ada
        .api
        .patch(&location)
        .json(&json!({"status": "in_progress"}))
        .send();
    patch.status(200).body_has(&json!({ "data": changed }));
    changed["due_date"] = Value::Null;
    let clear = ada
        .api
        .patch(&location)
        .json(&json!({"due_date": null}))
        .send();
    clear.status(200).body_has(&json!({ "data": changed }));
    ada.api
        .get(&location)
        .send()
        .status(200)
        .body_has(&json!({ "data": changed }));

    let gone = ada.api.delete(&location).send();
    gone.status(204)
        .check(gone.text().is_empty(), "an empty body with 204");
    ada.api.get(&location).send().error(404, "NOT_FOUND");
    ada.api.delete(&location).send().error(404, "NOT_FOUND");
}

/// Task ids are 1, 2, 3, ... across all users, and a deleted task's id is not handed out
/// again.
/// Rules: task-ids
#[test]
fn ids_count_across_users_and_are_never_reused() {
    let server = start!();
    let (ada, bob) = (user(&server.client()), user(&server.client()));
    let titled = || json!({"title": inputs::title()});
    expect_eq(
        "the first task's id",
        1,
        id_of(&create(&ada.api, &titled())),
    );
    expect_eq(
        "the second task's id, another user's",
        2,
        id_of(&create(&bob.api, &titled())),
    );
    let third = create(&ada.api, &titled());
    expect_eq("the third task's id", 3, id_of(&third));
    ada.api.delete(&task_path(3)).send().status(204);
    let next = create(&bob.api, &titled());
    expect_eq(
        "after task 3 was deleted, the next task's id (ids are never reused)",
        4,
        id_of(&next),
    );
}

/// Twenty creates sent at once, by two users, get twenty different ids, 1 to 20, and each
/// task is stored once (a server that reads the highest id and then inserts hands out an id
/// twice).
/// Rules: task-ids-concurrent
#[test]
fn concurrent_creates_get_distinct_ids() {
    let server = start!();
    let (ada, bob) = (user(&server.client()), user(&server.client()));
    let made: Vec<(i64, String)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..20)
            .map(|i| {
                let api = if i % 2 == 0 {
                    ada.api.clone()
                } else {
                    bob.api.clone()
                };
                let title = inputs::title();
                scope.spawn(move || {
                    let task = create(&api, &json!({ "title": title }));
                    (id_of(&task), title)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| panic!("a concurrent create failed (see above)"))
            })
            .collect()
    });
    let mut ids: Vec<i64> = made.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    expect_eq(
        "the ids of twenty tasks created at the same time, sorted",
        (1..=20).collect::<Vec<i64>>(),
        ids,
    );
    for (id, title) in &made {
        let owner = if ada.api.get(&task_path(*id)).send().status_code() == 200 {
            &ada
        } else {
            &bob
        };
        owner
            .api
            .get(&task_path(*id))
            .send()
            .status(200)
            .body_has(&json!({"data": {"id": id, "title": title}}));
    }
}

/// Another user's task does not exist for them: 404 for GET, PATCH and DELETE, and it stays
/// as it was.
/// Rules: task-owner-only
#[test]
fn another_users_task_is_not_found_and_stays_unchanged() {
    let server = start!();
    let (ada, eve) = (user(&server.client()), user(&server.client()));
    let task = create(
        &ada.api,
        &json!({"title": inputs::title(), "due_date": inputs::date()}),
    );
    let path = task_path(id_of(&task));
    eve.api.get(&path).send().error(404, "NOT_FOUND");
    eve.api
        .patch(&path)
        .json(&json!({"title": inputs::title()}))
        .send()
        .error(404, "NOT_FOUND");
    eve.api.delete(&path).send().error(404, "NOT_FOUND");
    still_is(&ada.api, &path, &task);
}

/// Without a token, with another scheme, or with an unknown token, every task route answers
/// 401 UNAUTHORIZED with WWW-Authenticate: Bearer, even when the rest of the request is bad
/// too.
/// Rules: auth-required, error-envelope
#[test]
fn requests_without_a_valid_token_are_401_first() {
    let server = start!();
    let ada = user(&server.client());
    let task = create(&ada.api, &json!({"title": inputs::title()}));
    let path = task_path(id_of(&task));
    let anonymous = server.client();
    let unknown = server
        .client()
        .authorized(&format!("{}x", inputs::password()));
    let calls = [
        anonymous
            .post(TASKS)
            .body("{not json", Some("application/json")),
        anonymous.get(&path),
        anonymous.get(TASKS),
        anonymous.get(&format!("{TASKS}?limit=0")),
        anonymous.get(&format!("{TASKS}/not-a-number")),
        ada.api
            .patch(&path)
            .header("Authorization", &format!("Basic {}", inputs::password()))
            .json(&json!({"status": "done"})),
        unknown.delete(&path),
        unknown.patch(&path).json(&json!({"title": ""})),
    ];
    for call in calls {
        let reply = call.send();
        reply.error(401, "UNAUTHORIZED");
        let challenge = reply.header("www-authenticate").unwrap_or("");
        reply.check(
            challenge.to_ascii_lowercase().starts_with("bearer"),
            "a WWW-Authenticate header naming the Bearer scheme",
        );
    }
    still_is(&ada.api, &path, &task);
}

/// Every bad field of a POST is listed in one 422, and nothing is created.
/// Rules: task-validation, error-envelope
#[test]
fn every_bad_field_of_a_post_is_listed_in_one_422() {
    let server = start!();
    let ada = user(&server.client());
    let long_description = "d".repeat(2001);
    let reply = ada
        .api
        .post(TASKS)
        .json(&json!({"title": "   ", "description": long_description, "status": "doing", "due_date": "2026-02-30"}))
        .send();
    reply.lists_fields(&["title", "description", "status", "due_date"]);
    for (field, value) in [
        ("title", json!("x".repeat(201))),
        ("title", json!(null)),
        ("due_date", json!("2026-13-01")),
        ("due_date", json!("tomorrow")),
        ("due_date", json!("2026-1-05")),
        ("due_date", json!("2026-02-29")),
        ("due_date", json!("+2026-1-05")),
        ("colour", json!("red")),
    ] {
        let mut body = json!({"title": inputs::title()});
        body[field] = value;
        ada.api
            .post(TASKS)
            .json(&body)
            .send()
            .lists_fields(&[field]);
    }
    // 200 characters (not bytes) is allowed, and a blank-padded title is trimmed first.
    let fine = format!("  {}  ", "é".repeat(200));
    let first = create(
        &ada.api,
        &json!({"title": fine, "description": "é".repeat(2000), "due_date": "2028-02-29"}),
    );
    expect_eq(
        "the id of the first task created after the rejected requests (a rejected request creates nothing)",
        1,
        id_of(&first),
    );
}

/// Every bad field of a PATCH is listed in one 422 (null for title, description or status,
/// an unknown field), and the task is unchanged.
/// Rules: task-validation
#[test]
fn every_bad_field_of_a_patch_is_listed_and_nothing_changes() {
    let server = start!();
    let ada = user(&server.client());
    let task = create(
        &ada.api,
        &json!({"title": inputs::title(), "due_date": inputs::date()}),
    );
    let path = task_path(id_of(&task));
    let reply = ada
        .api
        .patch(&path)
        .json(&json!({"title": null, "description": null, "status": null, "priority": 3}))
        .send();
    reply.lists_fields(&["title", "description", "status", "priority"]);
    let reply = ada
        .api
        .patch(&path)
        .json(&json!({"title": "ok", "status": "finished", "due_date": "2026-04-31"}))
        .send();
    reply.lists_fields(&["status", "due_date"]);
    // PATCH applies the same rules as POST to the fields it names.
    let reply = ada
        .api
        .patch(&path)
        .json(&json!({"title": "   ", "description": "d".repeat(2001)}))
        .send();
    reply.lists_fields(&["title", "description"]);
    let reply = ada
        .api
        .patch(&path)
        .json(&json!({"title": "t".repeat(201)}))
        .send();
    reply.lists_fields(&["title"]);
    still_is(&ada.api, &path, &task);
}

/// A body that is not JSON, or comes without a JSON Content-Type, is 400 BAD_REQUEST.
/// Rules: malformed-json-400, error-envelope
#[test]
fn unreadable_bodies_are_400() {
    let server = start!();
    let ada = user(&server.client());
    let task = create(&ada.api, &json!({"title": inputs::title()}));
    let path = task_path(id_of(&task));
    let title = json!({"title": inputs::title()}).to_string();
    for call in [
        ada.api
            .post(TASKS)
            .body("{\"title\": ", Some("application/json")),
        ada.api.post(TASKS).body(&title, Some("text/plain")),
        ada.api.post(TASKS).body(&title, None),
        ada.api
            .patch(&path)
            .body("{\"title\": \"x\"} trailing", Some("application/json")),
        ada.api.patch(&path).body(&title, None),
    ] {
        call.send().error(400, "BAD_REQUEST");
    }
    still_is(&ada.api, &path, &task);
}

/// JSON that is not an object (a list, a string, a number) is a 422 whose details name the
/// field `body`, and creates nothing.
/// Rules: non-object-body-422
#[test]
fn json_that_is_not_an_object_is_a_422_about_the_body() {
    let server = start!();
    let ada = user(&server.client());
    for body in ["[1, 2]", "\"a title\"", "42"] {
        let reply = ada
            .api
            .post(TASKS)
            .body(body, Some("application/json"))
            .send();
        reply.lists_fields(&["body"]);
    }
    let first = create(&ada.api, &json!({"title": inputs::title()}));
    expect_eq(
        "the id of the first task created after three rejected bodies",
        1,
        id_of(&first),
    );
}

/// An unknown id, and an id that is not a number, are 404 NOT_FOUND for every method.
/// Rules: bad-id-404
#[test]
fn unknown_and_non_numeric_ids_are_404() {
    let server = start!();
    let ada = user(&server.client());
    let unknown = task_path(i64::from(inputs::number(100, 100_000)));
    for path in [unknown.as_str(), "/api/v1/tasks/seven", "/api/v1/tasks/-1x"] {
        ada.api.get(path).send().error(404, "NOT_FOUND");
        ada.api
            .patch(path)
            .json(&json!({"status": "done"}))
            .send()
            .error(404, "NOT_FOUND");
        ada.api.delete(path).send().error(404, "NOT_FOUND");
    }
}
