//! Stage 5: everything a client was told about survives a SIGKILL and a restart, and the
//! schema is made by migrations counted in PRAGMA user_version.

mod common;

use common::{TASKS, create, id_of, log_in, task_path, user};
use server_check::{expect_eq, fail, inputs, json, start};

const REFUSE_WITHIN: std::time::Duration = std::time::Duration::from_secs(5);

/// After a SIGKILL and a restart on the same database, the old token still works, the
/// password still logs in, the tasks are as they were, and the next id is not one handed out
/// before (not even the id of a task deleted before the restart).
/// Rules: survives-kill, ids-survive-restart
#[test]
fn everything_survives_a_kill_and_a_restart() {
    let mut server = start!();
    let ada = user(&server.client());
    let kept: Vec<_> = (0..2)
        .map(|_| {
            create(
                &ada.api,
                &json!({"title": inputs::title(), "due_date": inputs::date()}),
            )
        })
        .collect();
    let doomed = create(&ada.api, &json!({"title": inputs::title()}));
    ada.api
        .delete(&task_path(id_of(&doomed)))
        .send()
        .status(204);
    let mut edited = kept[0].clone();
    edited["status"] = json!("done");
    ada.api
        .patch(&task_path(id_of(&edited)))
        .json(&json!({"status": "done"}))
        .send()
        .status(200);

    server.kill();
    server.restart();
    server_check::during(
        "checking what is left after a SIGKILL and a restart",
        || {
            survived(&server, &ada, (&edited, &kept[1], &doomed));
        },
    );
}

/// What must be there after the restart: the old token, the edited and kept tasks, the
/// password, the next id and the email's account.
fn survived(
    server: &server_check::Server,
    ada: &common::User,
    (edited, kept, doomed): (
        &server_check::Value,
        &server_check::Value,
        &server_check::Value,
    ),
) {
    let old = server.client().authorized(ada.api_token());
    old.get(&task_path(id_of(&edited)))
        .send()
        .status(200)
        .body_has(&json!({ "data": edited }));
    old.get(&task_path(id_of(&doomed)))
        .send()
        .error(404, "NOT_FOUND");
    let listed = old.get(TASKS).send();
    listed
        .status(200)
        .body_has(&json!({ "data": [edited, kept] }));
    let token = log_in(&server.client(), &ada.email, &ada.password);
    let next = create(
        &server.client().authorized(&token),
        &json!({"title": inputs::title()}),
    );
    expect_eq(
        &format!(
            "the id of the first task created after the restart: ids handed out before it, {} included (deleted), are never reused",
            id_of(&doomed)
        ),
        id_of(&doomed) + 1,
        id_of(&next),
    );
    server
        .client()
        .post("/api/v1/users")
        .json(&json!({"email": ada.email, "password": inputs::password()}))
        .send()
        .error(409, "EMAIL_TAKEN");
}

/// The schema comes from migrations: PRAGMA user_version is at least 1 after the first
/// start, and a second start on the same database changes neither it nor the schema.
/// Rules: migrations-user-version
#[test]
fn migrations_are_counted_in_user_version_and_run_once() {
    let mut server = start!();
    let ada = user(&server.client());
    server.kill();
    let (version, schema) = look_inside(&server);
    if version < 1 {
        fail(
            "after the first start, PRAGMA user_version does not count the migrations applied.",
            "a user_version of at least 1",
            &format!("{version}"),
        );
    }
    server.restart();
    log_in(&server.client(), &ada.email, &ada.password);
    server.kill();
    expect_eq(
        "(PRAGMA user_version, the schema) after a second start on an up-to-date database: it should change nothing",
        (version, schema),
        look_inside(&server),
    );
}

/// On a database whose user_version is above every migration the server knows, it refuses
/// to start (a message on standard error, a non-zero exit status).
/// Rules: newer-schema-refused
#[test]
fn a_database_from_a_newer_version_is_refused() {
    let mut server = start!();
    user(&server.client());
    server.kill();
    let (version, schema) = look_inside(&server);
    let newer = version + i64::from(inputs::number(1, 5));
    server
        .open_database()
        .execute_batch(&format!("PRAGMA user_version = {newer}"))
        .unwrap_or_else(|e| panic!("the grader cannot set user_version: {e}"));
    server.relaunch();
    let stderr = server.expect_refusal(
        &format!("started on a database with user_version {newer}, above the {version} migrations it knows"),
        REFUSE_WITHIN,
    );
    if stderr.trim().is_empty() {
        fail(
            "the server refused a newer database, as it should, but did not say why.",
            "a message on standard error",
            "nothing",
        );
    }
    // Refusing means not touching: the newer program's database is left as it was.
    expect_eq(
        "(PRAGMA user_version, the schema) of the newer database after the refusal",
        (newer, schema),
        look_inside(&server),
    );
}

/// `PRAGMA user_version` and the schema's SQL, read while the server is stopped.
fn look_inside(server: &server_check::Server) -> (i64, Vec<String>) {
    let db = server.open_database();
    let version: i64 = db
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap_or_else(|e| panic!("the grader cannot read user_version: {e}"));
    let mut query = db
        .prepare("SELECT coalesce(sql, '') FROM sqlite_master ORDER BY type, name")
        .unwrap_or_else(|e| panic!("the grader cannot read the schema: {e}"));
    let schema = query
        .query_map([], |row| row.get::<_, String>(0))
        .and_then(|rows| rows.collect::<Result<Vec<String>, _>>())
        .unwrap_or_else(|e| panic!("the grader cannot read the schema: {e}"));
    (version, schema)
}
