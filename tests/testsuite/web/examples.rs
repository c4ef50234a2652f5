//! Lesson examples run from the page: the same Host, Origin and session rules as grading,
//! a program that loops stopped at its limit with nothing left running, a closed stream
//! cancelling its run, the learner's edit kept until reset, and the form without JavaScript.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Server, fixture_copy, processes_mentioning, wait_until_gone};

/// The `lesson-code` fixture: nine examples, no crates to build. Example 1 prints nothing,
/// 8 panics on purpose.
async fn examples_server() -> (tempfile::TempDir, Server) {
    let dir = fixture_copy("lesson-code");
    let server = Server::start(dir.path()).await;
    (dir, server)
}

/// Starts a run of example `number` with `code` (JSON), asking for the event stream.
async fn start_run(server: &Server, number: usize, code: Option<&str>) -> reqwest::Response {
    let body = match code {
        Some(code) => json!({ "code": code }),
        None => json!({}),
    };
    server
        .client
        .post(server.url(&format!("/lessons/examples/examples/{number}/run")))
        .header("Origin", server.origin())
        .header("Accept", "text/event-stream")
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// The events of a whole run: (name, data).
async fn events_of(response: reqwest::Response) -> Vec<(String, Value)> {
    assert_eq!(response.status(), StatusCode::OK);
    let body = tokio::time::timeout(Duration::from_secs(300), response.text())
        .await
        .unwrap()
        .unwrap();
    let mut events = Vec::new();
    for part in body.split("\n\n") {
        let name = part.lines().find_map(|l| l.strip_prefix("event: "));
        let data = part.lines().find_map(|l| l.strip_prefix("data: "));
        if let (Some(name), Some(data)) = (name, data) {
            events.push((name.to_string(), serde_json::from_str(data).unwrap()));
        }
    }
    events
}

/// Waits (up to five minutes: the first build) until an example's program runs in
/// `course`, and returns what its command line holds (its folder under `.workbook/tmp`).
async fn running_example_marker(course: &std::path::Path) -> String {
    let marker = course.join(".workbook/tmp").to_string_lossy().into_owned();
    let deadline = Instant::now() + Duration::from_secs(300);
    while processes_mentioning(&marker).is_empty() {
        assert!(Instant::now() < deadline, "the program never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    marker
}

/// The processes mentioning `marker` still there after waiting up to `limit` for them to
/// end, waited for on a blocking thread so this runtime can close connections meanwhile.
async fn gone_within(marker: String, limit: Duration) -> Vec<String> {
    tokio::task::spawn_blocking(move || wait_until_gone(&marker, None, limit))
        .await
        .unwrap()
}

/// Everything a run printed, in order.
fn output_of(events: &[(String, Value)]) -> String {
    events
        .iter()
        .filter(|(name, _)| name == "output")
        .map(|(_, data)| data["text"].as_str().unwrap_or_default())
        .collect()
}

fn end_of(events: &[(String, Value)]) -> &Value {
    &events
        .iter()
        .find(|(name, _)| name == "end")
        .unwrap_or_else(|| panic!("no end event: {events:#?}"))
        .1
}

#[tokio::test]
async fn a_run_needs_the_session_and_this_servers_origin() {
    let (dir, server) = examples_server().await;
    let run = "/lessons/examples/examples/1/run";
    // No session cookie yet.
    let (status, body) = server.post_json(run, &json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "NO_SESSION");
    server.sign_in().await;
    for origin in ["http://evil.example", ""] {
        let mut request = server.client.post(server.url(run)).json(&json!({}));
        if !origin.is_empty() {
            request = request.header("Origin", origin);
        }
        let response = request.send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "Origin {origin:?}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "FORBIDDEN_ORIGIN");
    }
    let harness = dir.path().join(".workbook/grader/harness/lesson-example");
    assert!(!harness.exists(), "nothing was built for a refused run");
    // Saving and resetting an edit change the store: the same rules.
    let response = server
        .client
        .put(server.url("/lessons/examples/examples/1"))
        .header("Origin", "http://evil.example")
        .json(&json!({ "code": "fn main() {}" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_edited_run_streams_its_output_and_errors_point_at_the_line() {
    let (_dir, server) = examples_server().await;
    server.sign_in().await;
    let lesson_version = start_run(&server, 8, None).await;
    let events = events_of(lesson_version).await;
    let end = end_of(&events);
    assert_eq!(end["ending"], json!({ "kind": "exited", "code": 101 }));
    assert_eq!(end["went_well"], true, "it is marked should_panic");
    let printed = output_of(&events);
    assert!(
        printed.contains("panicked at example.rs:3:") && printed.contains("index out of bounds"),
        "the panic, at the example's line: {printed}"
    );

    // Standard output and standard error come in the order they were written.
    let code = "fn main() {\n    println!(\"edited: {}\", 6 * 7);\n    eprintln!(\"to stderr\");\n    println!(\"to stdout again\");\n}\n";
    let events = events_of(start_run(&server, 1, Some(code)).await).await;
    assert_eq!(
        output_of(&events),
        "edited: 42\nto stderr\nto stdout again\n"
    );
    assert_eq!(end_of(&events)["edited"], true);
    // The edit is kept: the page gets it back, and a run without code runs it.
    let (_, shown) = server.get("/lessons/examples/examples/1").await;
    let shown: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["edited"], code);
    assert!(
        shown["lesson_version"]
            .as_str()
            .unwrap()
            .contains("HashMap::new()")
    );
    let again = events_of(start_run(&server, 1, None).await).await;
    assert_eq!(
        output_of(&again),
        "edited: 42\nto stderr\nto stdout again\n"
    );

    let broken = "fn main() {\n    let n = 1;\n    let s: String = n;\n}\n";
    let events = events_of(start_run(&server, 1, Some(broken)).await).await;
    let error = &events.iter().find(|(n, _)| n == "compile_error").unwrap().1;
    assert_eq!(error["line"], 3, "{error}");
    assert!(
        error["rendered"]
            .as_str()
            .unwrap()
            .contains("example.rs:3:"),
        "{error}"
    );
    assert_eq!(end_of(&events)["ending"]["kind"], "did_not_compile");

    let (status, body) = server
        .post_json("/lessons/examples/examples/1/reset", &json!({}))
        .await;
    assert_eq!((status, &body["reset"]), (StatusCode::OK, &json!(true)));
    let (_, shown) = server.get("/lessons/examples/examples/1").await;
    assert_eq!(
        serde_json::from_str::<Value>(&shown).unwrap()["edited"],
        Value::Null
    );
}

#[tokio::test]
async fn an_example_that_loops_is_stopped_at_its_limit_and_leaves_nothing_running() {
    let (dir, server) = examples_server().await;
    server.sign_in().await;
    // It starts a child of its own too: that must not outlive the run either.
    let looping = "fn main() {\n    let _child = std::process::Command::new(\"sleep\").arg(\"600\").spawn();\n    loop {\n        std::thread::sleep(std::time::Duration::from_millis(50));\n    }\n}\n";
    let started = Instant::now();
    let events = events_of(start_run(&server, 1, Some(looping)).await).await;
    let end = end_of(&events);
    assert_eq!(end["ending"], json!({ "kind": "timed_out", "seconds": 10 }));
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    let marker = dir.path().join(".workbook").to_string_lossy().into_owned();
    let left = gone_within(marker, Duration::from_secs(2)).await;
    assert_eq!(left, Vec::<String>::new(), "still running after the limit");
    // `sleep 600` has no marker in its command line: none may be left of this test's.
    let sleepers = processes_mentioning("sleep 600");
    assert!(sleepers.is_empty(), "{sleepers:?}");

    let flood = "fn main() {\n    loop {\n        println!(\"again and again\");\n    }\n}\n";
    let events = events_of(start_run(&server, 1, Some(flood)).await).await;
    assert_eq!(
        end_of(&events)["ending"],
        json!({ "kind": "too_much_output", "bytes": 65536 })
    );
    let printed: usize = events
        .iter()
        .filter(|(n, _)| n == "output")
        .map(|(_, d)| d["text"].as_str().unwrap().len())
        .sum();
    assert_eq!(printed, 65536, "cut at the limit");
}

#[tokio::test]
async fn closing_the_stream_cancels_the_run() {
    let (dir, server) = examples_server().await;
    server.sign_in().await;
    let waits = "fn main() {\n    println!(\"waiting\");\n    std::thread::sleep(std::time::Duration::from_secs(300));\n}\n";
    let mut response = start_run(&server, 1, Some(waits)).await;
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut seen = String::new();
    while !seen.contains("waiting") {
        assert!(Instant::now() < deadline, "never started: {seen}");
        let chunk = tokio::time::timeout(Duration::from_secs(300), response.chunk())
            .await
            .unwrap()
            .unwrap()
            .expect("the stream is open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    let marker = dir
        .path()
        .join(".workbook/tmp")
        .to_string_lossy()
        .into_owned();
    assert!(!processes_mentioning(&marker).is_empty(), "it runs");
    drop(response);
    // Waited for on a blocking thread, so this runtime can close the connection meanwhile.
    let left = gone_within(marker, Duration::from_secs(2)).await;
    assert_eq!(
        left,
        Vec::<String>::new(),
        "still running after the page went away"
    );
}

#[tokio::test]
async fn without_javascript_the_form_runs_the_example_and_shows_a_page() {
    let (_dir, server) = examples_server().await;
    server.sign_in().await;
    let (_, lesson) = server.get("/lessons/examples").await;
    assert!(
        lesson.contains("<form method=\"post\" action=\"/lessons/examples/examples/3/run\">"),
        "each example has a form"
    );
    assert!(
        lesson.contains("data-expect=\"compile_fail\"")
            && lesson.contains("Does not compile, on purpose"),
        "a compile_fail example is labelled"
    );
    let response = server
        .client
        .post(server.url("/lessons/examples/examples/3/run"))
        .header("Origin", server.origin())
        .form(&[(
            "code",
            "fn main() {\r\n    println!(\"from the form\");\r\n}\r\n",
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(page.contains("from the form\n</pre>"), "{page}");
    assert!(page.contains("It ran and exited with status 0."), "{page}");
    assert!(page.contains("Reset to the lesson's version"), "{page}");
}

#[tokio::test]
async fn a_second_run_of_the_same_example_stops_the_first() {
    let (dir, server) = examples_server().await;
    server.sign_in().await;
    let waits = "fn main() {\n    println!(\"first\");\n    std::thread::sleep(std::time::Duration::from_secs(300));\n}\n";
    let first = start_run(&server, 1, Some(waits)).await;
    let marker = running_example_marker(dir.path()).await;
    let second = start_run(
        &server,
        1,
        Some("fn main() {\n    println!(\"second\");\n}\n"),
    )
    .await;
    let first = events_of(first).await;
    assert!(
        first.iter().any(|(name, _)| name == "cancelled"),
        "the first run is told it was replaced: {first:#?}"
    );
    let second = events_of(second).await;
    assert_eq!(
        end_of(&second)["ending"],
        json!({ "kind": "exited", "code": 0 })
    );
    let left = gone_within(marker, Duration::from_secs(2)).await;
    assert_eq!(left, Vec::<String>::new());
}

/// A program that kills its own supervisor (it runs as the same user) must still leave
/// nothing behind: with bubblewrap the run is in a PID namespace of its own, where the
/// supervisor cannot be seen and everything ends with the namespace.
#[tokio::test]
async fn a_program_that_kills_its_supervisor_leaves_nothing_behind() {
    if crate::common::find_program("bwrap").is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install bubblewrap"
        );
        eprintln!("note: bubblewrap is not installed; the supervisor-kill test is skipped here");
        return;
    }
    let (_dir, server) = examples_server().await;
    server.sign_in().await;
    let marker = format!("sleep 47{}", std::process::id() % 100);
    let code = format!(
        "use std::process::Command;\n\
         fn main() {{\n\
         \x20   let parent = std::os::unix::process::parent_id();\n\
         \x20   Command::new(\"sh\").arg(\"-c\").arg(\"exec {marker} </dev/null >/dev/null 2>&1\").spawn().unwrap();\n\
         \x20   let _ = Command::new(\"kill\").arg(\"-9\").arg(parent.to_string()).status();\n\
         \x20   println!(\"tried to kill {{parent}}\");\n\
         }}\n"
    );
    let events = events_of(start_run(&server, 1, Some(&code)).await).await;
    assert!(
        events.iter().any(|(_, d)| d["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("tried to kill"))),
        "{events:#?}"
    );

    let left = gone_within(marker.clone(), Duration::from_secs(3)).await;
    assert_eq!(left, Vec::<String>::new(), "{marker} outlived the run");
}

/// A page that stops reading the stream (a stalled connection) must not stall the run: its
/// time limit still stops the program. (Before, the run's events went through a bounded
/// channel: once it was full, sending blocked the run, and the program ran on until the page
/// closed.)
#[tokio::test]
async fn a_page_that_stops_reading_does_not_stall_the_limits() {
    let (dir, server) = examples_server().await;
    server.sign_in().await;
    // A byte a millisecond for 20 s (thousands of events, well under the output limit),
    // then a long wait: only the 10 s limit can end it.
    let code = "use std::io::Write;\nfn main() {\n    let mut out = std::io::stdout();\n    for _ in 0..20000 {\n        let _ = out.write_all(b\"x\");\n        let _ = out.flush();\n        std::thread::sleep(std::time::Duration::from_millis(1));\n    }\n    std::thread::sleep(std::time::Duration::from_secs(300));\n}\n";
    let response = start_run(&server, 1, Some(code)).await;
    // Nothing is read from `response` while the program runs.
    let marker = running_example_marker(dir.path()).await;
    let started = Instant::now();
    let left = gone_within(marker, Duration::from_secs(20)).await;
    assert_eq!(left, Vec::<String>::new(), "still running, unread");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    let events = events_of(response).await;
    assert_eq!(
        end_of(&events)["ending"],
        json!({ "kind": "timed_out", "seconds": 10 })
    );
    assert!(output_of(&events).len() > 1000, "it printed all along");
}
