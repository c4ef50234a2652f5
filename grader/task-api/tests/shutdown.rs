//! Stage 6: on SIGTERM the server finishes the requests in progress, then exits with status 0.

mod common;

use std::time::Duration;

use common::{TASKS, id_of, task_path, user};
use serde_json::json;
use server_check::raw::Slow;
use server_check::{inputs, start};

const EXIT_WITHIN: Duration = Duration::from_secs(5);

#[track_caller]
fn exits_zero(server: &mut server_check::Server, when: &str) {
    match server.wait_exit(EXIT_WITHIN) {
        Some(status) if status.success() => {}
        Some(status) => panic!(
            "{when}: expected the server to exit with status 0 after SIGTERM, it exited with {}.{}",
            server_check::Server::describe(status),
            server.last_words()
        ),
        None => panic!(
            "{when}: expected the server to exit within {} s of SIGTERM, it was still running.{}",
            EXIT_WITHIN.as_secs(),
            server.last_words()
        ),
    }
}

/// SIGTERM while a POST's body is still arriving: the request is finished and answered 201,
/// the task is kept, and then the process exits with status 0.
/// Rules: sigterm-finishes-in-flight, sigterm-exits-zero
#[test]
fn sigterm_lets_the_request_in_flight_finish() {
    let mut server = start!();
    let ada = user(&server.client());
    let title = inputs::title();
    let body = json!({"title": title, "description": "x".repeat(300)}).to_string();
    let slow = Slow {
        method: "POST",
        path: TASKS,
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            (
                "Authorization".into(),
                format!("Bearer {}", ada.api_token()),
            ),
        ],
        body,
        pieces: 6,
        pause: Duration::from_millis(150),
    };
    let port = server.port();
    let pid_server = &mut server;
    let reply = slow.send(port, || pid_server.terminate());
    reply.status(201);
    let id = id_of(&reply.json()["data"]);
    exits_zero(&mut server, "SIGTERM during a request");
    server.restart();
    let kept = server
        .client()
        .authorized(ada.api_token())
        .get(&task_path(id))
        .send();
    kept.status(200)
        .body_has(&json!({"data": {"title": title}}));
}

/// SIGTERM to an idle server: it exits with status 0 within 5 seconds.
/// Rules: sigterm-exits-zero
#[test]
fn an_idle_server_exits_zero_on_sigterm() {
    let mut server = start!();
    server.client().get("/health").send().status(200);
    server.terminate();
    exits_zero(&mut server, "SIGTERM to an idle server");
}
