//! Grading from the page: the streamed grade, cancelling it by closing the page or with
//! Ctrl-C, and the background build that readies the grader.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use workbook::store::Store;

use crate::common::{
    Server, fixture_copy, grading_course_with, lock_is_free, processes_mentioning_except,
    wait_until_gone,
};

#[tokio::test]
async fn grade_now_streams_progress_and_the_report() {
    let dir = fixture_copy("grading");
    let server = Server::start(dir.path()).await;
    server.sign_in().await;
    let response = request_streamed_grade(&server).await;
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let body = tokio::time::timeout(Duration::from_secs(300), response.text())
        .await
        .unwrap()
        .unwrap();
    assert!(body.contains("event: progress"), "{body}");
    assert_eq!(body.matches("event: test").count(), 5, "{body}");
    let report_line = body
        .lines()
        .skip_while(|l| *l != "event: report")
        .nth(1)
        .expect("a report event");
    let report: Value =
        serde_json::from_str(report_line.trim_start_matches("data:").trim()).unwrap();
    assert_eq!(report["status"], "fail");
    assert_eq!(report["score"]["total"], 5);
    let store = Store::open(&server.db).unwrap();
    assert_eq!(
        store.latest_grade("counter").unwrap().unwrap().total,
        5,
        "the grade is recorded"
    );
    let (_, page) = server.get("/exercises/counter").await;
    assert!(
        page.contains("Last grade: <strong>fail</strong> 0/5 passed"),
        "the page shows the last grade"
    );
}

/// The grading fixture course whose `counter` crate has a build script that sleeps for an
/// hour: a grade of it stays in the compile phase until it is stopped.
fn course_with_a_slow_build() -> tempfile::TempDir {
    grading_course_with(Some("build-sleeps"))
}

/// Starts a streamed grade of `counter` and reads it until the build is under way.
/// Asks for a streamed grade of `counter`; the response, whose body is still to come.
async fn request_streamed_grade(server: &Server) -> reqwest::Response {
    let response = server
        .client
        .post(server.url("/exercises/counter/grade"))
        .header("Origin", server.origin())
        .header("Accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response
}

/// A whole streamed grade of `counter`: every event, as sent.
async fn streamed_grade(server: &Server) -> String {
    let response = request_streamed_grade(server).await;
    tokio::time::timeout(Duration::from_secs(300), response.text())
        .await
        .unwrap()
        .unwrap()
}

async fn start_a_streamed_grade(server: &Server) -> reqwest::Response {
    let mut response = request_streamed_grade(server).await;
    let mut seen = String::new();
    while !seen.contains("compiling") {
        let chunk = tokio::time::timeout(Duration::from_secs(120), response.chunk())
            .await
            .unwrap()
            .unwrap()
            .expect("the stream goes on while the build sleeps");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    // Give cargo a moment to reach the build script.
    tokio::time::sleep(Duration::from_millis(500)).await;
    response
}

#[tokio::test]
async fn closing_the_grade_stream_stops_the_grade_and_frees_the_grader() {
    let dir = course_with_a_slow_build();
    let server = Server::start(dir.path()).await;
    server.sign_in().await;
    let response = start_a_streamed_grade(&server).await;
    let marker = dir.path().join(".workbook").to_string_lossy().into_owned();
    assert!(
        !processes_mentioning_except(&marker, Some(server.child.id())).is_empty(),
        "cargo is building"
    );
    assert!(!lock_is_free(dir.path()), "the grade holds the lock");
    drop(response);
    let closed = Instant::now();
    // Waited for on a blocking thread, so this runtime can close the connection meanwhile.
    let pid = server.child.id();
    let left = tokio::task::spawn_blocking(move || {
        wait_until_gone(&marker, Some(pid), Duration::from_secs(2))
    })
    .await
    .unwrap();
    assert_eq!(
        left,
        Vec::<String>::new(),
        "still running 2 s after the page closed"
    );
    while !lock_is_free(dir.path()) && closed.elapsed() < Duration::from_secs(2) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(lock_is_free(dir.path()), "the lock is free within 2 s");
}

#[tokio::test]
async fn ctrl_c_stops_the_server_and_its_grade() {
    let dir = course_with_a_slow_build();
    let mut server = Server::start(dir.path()).await;
    server.sign_in().await;
    let _response = start_a_streamed_grade(&server).await;
    let pid = libc::pid_t::try_from(server.child.id()).unwrap();
    // SAFETY: sends SIGINT to the server this test started.
    unsafe {
        libc::kill(pid, libc::SIGINT);
    }
    let signalled = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break Some(status);
        }
        if signalled.elapsed() > Duration::from_secs(2) {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.is_some(), "the server still runs 2 s after Ctrl-C");
    let marker = dir.path().join(".workbook").to_string_lossy().into_owned();
    let left = wait_until_gone(&marker, None, Duration::from_millis(500));
    assert_eq!(left, Vec::<String>::new());
}

#[tokio::test]
async fn the_background_build_readies_the_grader_for_a_fast_first_grade() {
    let dir = fixture_copy("grading");
    let server = Server::start_with(dir.path(), &[]).await;
    server.sign_in().await;
    let started = Instant::now();
    let status = loop {
        let (_, body) = server.get("/grader").await;
        let status: Value = serde_json::from_str(&body).unwrap();
        if status["state"] != "building" && status["state"] != "idle" {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(300), "{status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(status["state"], "ready", "{status}");
    let (_, page) = server.get("/exercises/counter").await;
    assert!(
        page.contains("class=\"grader-status"),
        "the page has a status line"
    );
    let body = server
        .client
        .post(server.url("/exercises/counter/grade"))
        .header("Origin", server.origin())
        .header("Accept", "text/event-stream")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("event: report"), "{body}");
    assert!(
        !body.contains("compiling"),
        "everything was built in the background: {body}"
    );
}

#[tokio::test]
async fn the_page_puts_failures_first_and_folds_the_passing_tests() {
    let dir = grading_course_with(Some("panics"));
    // Inline Markdown in a test's description renders on the page.
    let tests = dir.path().join("grader/counter/tests/functions.rs");
    let source = std::fs::read_to_string(&tests).unwrap();
    std::fs::write(
        &tests,
        source.replace(
            "/// Adding 2 and 3 gives 5.",
            "/// Adding `2` and `3` gives `5`.\n/// Rules: add-sums.",
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("grader/counter/rules.toml"),
        "[graded]\nadd-sums = \"`add` returns the sum.\"\n\n[sections]\nadd-sums = \"basics\"\n",
    )
    .unwrap();
    let server = Server::start(dir.path()).await;
    server.sign_in().await;
    let body = streamed_grade(&server).await;
    assert!(
        body.contains(
            r#""description_html":"Adding <code>2</code> and <code>3</code> gives <code>5</code>.""#
        ),
        "each streamed test carries its rendered description: {body}"
    );
    let (status, page) = server.get("/exercises/counter").await;
    assert_eq!(status, StatusCode::OK);
    let failures = page
        .find("<ul class=\"tests failures\">")
        .expect("a list of failures");
    let failure = page
        .find("Adding <code>2</code> and <code>3</code>")
        .expect("rendered");
    let passes = page
        .find("<details class=\"passes\">")
        .expect("folded passes");
    assert!(
        failures < failure && failure < passes,
        "failures first:\n{page}"
    );
    assert!(page.contains("✓ 4 passing tests</summary>"), "{page}");
    assert!(
        page.contains(r#"<p class="rule">Rule: <code>add</code> returns the sum. <a href="/lessons/basics#basics">Read the lesson section</a></p>"#),
        "the failure names the README rule it checks: {page}"
    );
    assert!(
        body.contains(
            r#""rules":[{"html":"<code>add</code> returns the sum.","read":"/lessons/basics#basics"}]"#
        ),
        "{body}"
    );
    assert!(
        page[passes..].contains("Counting down from 3"),
        "the passing tests are inside the fold"
    );
}

/// The review page's style check runs clippy only for a signed-in page of this server, and
/// answers with the notes in the page's style section.
#[tokio::test]
async fn the_review_page_checks_style_with_clippy_for_a_signed_in_page_only() {
    let dir = grading_course_with(None);
    let reference =
        std::fs::read_to_string(dir.path().join("grader/counter/solution/src/lib.rs")).unwrap();
    let yours = reference.replace("    a + b\n", "    let sum = a + b;\n    sum\n");
    std::fs::write(dir.path().join("exercises/counter/src/lib.rs"), yours).unwrap();
    let server = Server::start(dir.path()).await;
    // Without a session, nothing runs.
    let refused = server
        .client
        .post(server.url("/exercises/counter/style"))
        .header("Origin", server.origin())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    server.sign_in().await;
    let (_, page) = server.get("/exercises/counter/review").await;
    assert!(page.contains("style with clippy</button>"), "{page}");
    let post = |server: &Server| {
        server
            .client
            .post(server.url("/exercises/counter/style"))
            .header("Origin", server.origin())
            .header("Accept", "text/html")
            .send()
    };
    let before = post(&server).await.unwrap().text().await.unwrap();
    assert!(
        before.contains("Style notes open once the exercise passes"),
        "{before}"
    );

    let graded = streamed_grade(&server).await;
    assert!(graded.contains("\"status\":\"pass\""), "{graded}");
    let after = post(&server).await.unwrap();
    assert_eq!(after.status(), StatusCode::OK);
    let after = after.text().await.unwrap();
    assert!(after.contains("<code>let_and_return</code>"), "{after}");
    assert!(after.contains("<code>src/lib.rs:"), "{after}");
}
