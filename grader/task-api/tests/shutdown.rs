//! Stage 6: on SIGTERM the server finishes the requests in progress, then exits with status 0.

mod common;

use std::time::Duration;

use common::{TASKS, id_of, task_path, user};
use server_check::raw::Slow;
use server_check::{Server, fail, inputs, json, start};

const EXIT_WITHIN: Duration = Duration::from_secs(5);

#[track_caller]
fn exits_zero(server: &mut Server, when: &str) {
    match server.wait_exit(EXIT_WITHIN) {
        Some(status) if status.success() => {}
        Some(status) => fail(
            &format!(
                "{when}: the server did not exit cleanly.{}",
                server.last_words()
            ),
            "exit status 0",
            &Server::describe(status),
        ),
        None => fail(
            &format!("{when}: the server did not stop.{}", server.last_words()),
            &format!("an exit within {} s of SIGTERM", EXIT_WITHIN.as_secs()),
            "still running",
        ),
    }
}

/// SIGTERM while a POST's body is still arriving: the request is finished and answered 201,
/// the task is kept, a new request after the signal is not taken on, and then the process
/// exits with status 0.
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
    let newcomer = server.client();
    let pid_server = &mut server;
    let mut late = None;
    let reply = slow.send(port, || {
        pid_server.terminate();
        // A request that arrives after the signal must not be taken on.
        std::thread::sleep(Duration::from_millis(300));
        late = newcomer
            .get("/health")
            .try_send()
            .ok()
            .map(|r| r.status_code());
    });
    reply.status(201);
    if late == Some(200) {
        fail(
            "after SIGTERM the server still took on a new request (GET /health answered 200 0.3 s after the signal).",
            "no new connections once SIGTERM has arrived (only the requests in progress finish)",
            "a new request served",
        );
    }
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

/// A client that sends half a request and then nothing more does not keep the server up:
/// after SIGTERM the process still exits with status 0 within 5 seconds.
/// Rules: sigterm-stalled-client
#[test]
fn a_stalled_client_does_not_keep_the_server_up() {
    use std::io::Write;
    let mut server = start!();
    let ada = user(&server.client());
    let mut stalled = std::net::TcpStream::connect(("127.0.0.1", server.port()))
        .unwrap_or_else(|e| panic!("the grader cannot connect to the server: {e}"));
    let head = format!(
        "POST {TASKS} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"title\": ",
        ada.api_token()
    );
    stalled
        .write_all(head.as_bytes())
        .unwrap_or_else(|e| panic!("the grader cannot send to the server: {e}"));
    std::thread::sleep(Duration::from_millis(200));
    server.terminate();
    exits_zero(
        &mut server,
        "SIGTERM while a client had sent half a request and stopped",
    );
    drop(stalled);
}
