//! The local server under pressure from its own machine: a second server on another port,
//! links crafted to redirect elsewhere, inputs that stretch each limit, pages checked for
//! their security headers, slow clients, and a store holding thousands of attempts.

use std::sync::Arc;

use reqwest::StatusCode;
use reqwest::cookie::Jar;
use serde_json::{Value, json};
use workbook::store::Store;

use crate::common::{Server, course_copy, loaded, option_value, raw_request};

/// Reveals a hint on `server` through `client`; returns the status and the error code if any.
async fn reveal_hint(client: &reqwest::Client, server: &Server) -> (StatusCode, Value) {
    let response = client
        .post(server.url("/exercises/rate-limiter/hints"))
        .header("Origin", server.origin())
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn two_servers_on_two_ports_keep_separate_sessions() {
    let (one, two) = (course_copy(), course_copy());
    let (a, b) = (
        Server::start(one.path()).await,
        Server::start(two.path()).await,
    );
    // One cookie jar for both, as in a browser: cookies are kept per host, whatever the port.
    let browser = reqwest::Client::builder()
        .cookie_provider(Arc::new(Jar::default()))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for server in [&a, &b] {
        let response = browser
            .get(server.url(&format!("/?token={}", server.token)))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let cookie = response.headers()["set-cookie"].to_str().unwrap();
        assert!(
            cookie.starts_with(&format!("workbook_session_{}=", server.port())),
            "{cookie}"
        );
    }
    // Signing in to the second server did not sign the browser out of the first.
    for server in [&a, &b] {
        let (status, body) = reveal_hint(&browser, server).await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", server.base);
    }
    // One server's cookie is no session with the other.
    let response = reqwest::Client::new()
        .post(b.url("/exercises/rate-limiter/hints"))
        .header("Origin", b.origin())
        .header(
            "Cookie",
            format!("workbook_session_{}={}", a.port(), a.token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "NO_SESSION");
}

/// The status and Location of the answer to `GET {target}`, sent byte for byte.
fn redirect_of(server: &Server, target: &str) -> (u16, String) {
    let (status, response) = raw_request(server, &format!("GET {target}"), "");
    let location = response
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("location")
                .then(|| value.trim().to_string())
        })
        .unwrap_or_default();
    (status, location)
}

#[tokio::test]
async fn the_token_redirect_stays_on_this_server_and_keeps_the_query() {
    let dir = course_copy();
    let server = Server::start(dir.path()).await;
    let token = &server.token;
    for (target, expected) in [
        (format!("//evil.example/x?token={token}"), "/evil.example/x"),
        (
            format!("/\\evil.example/x?token={token}"),
            "/evil.example/x",
        ),
        (format!("///evil.example?token={token}"), "/evil.example"),
        (format!("/\\/evil.example?token={token}"), "/evil.example"),
        (
            format!("/lessons/caching?token={token}&attempt=7"),
            "/lessons/caching?attempt=7",
        ),
        (
            format!("/lessons/caching?attempt=7&token={token}&retry=missed"),
            "/lessons/caching?attempt=7&retry=missed",
        ),
    ] {
        let (status, location) = redirect_of(&server, &target);
        assert_eq!(status, 303, "{target}");
        assert_eq!(location, expected, "{target}");
    }
}

/// Submits `body` as `content_type` to the caching quiz; returns the status and error code.
async fn submit_raw(server: &Server, content_type: &str, body: String) -> (StatusCode, Value) {
    let response = server
        .client
        .post(server.url("/quizzes/caching/attempts"))
        .header("Origin", server.origin())
        .header("Accept", "application/json")
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, body["error"]["code"].clone())
}

#[tokio::test]
async fn limits_count_what_they_say() {
    let dir = course_copy();
    let server = Server::start(dir.path()).await;
    server.sign_in().await;
    let short = |text: String| json!({"answers": {"single-flight-scope": text}}).to_string();
    let choices = |id: &str, list: Vec<usize>| json!({"answers": {id: list}}).to_string();
    let json = "application/json";
    let course = loaded(dir.path());
    let question = course.quizzes["caching"]
        .questions
        .iter()
        .find(|q| q.id.as_str() == "ttl-purpose");
    let ttl_purpose = option_value(dir.path(), "caching", question.unwrap(), 0);
    let refused = [
        // 1,001 characters; a byte count would have refused the accepted case below too.
        (
            json,
            short("é".repeat(1001)),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json,
            choices("ttl-purpose", vec![0; 10_000]),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json,
            choices("ttl-purpose", vec![0, 0]),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json,
            choices("lock-facts", vec![0, 1, 0]),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "application/jsonx",
            short("x".into()),
            StatusCode::BAD_REQUEST,
        ),
        (
            "application/json-seq",
            short("x".into()),
            StatusCode::BAD_REQUEST,
        ),
        (
            "text/plain; x=application/json",
            short("x".into()),
            StatusCode::BAD_REQUEST,
        ),
        (
            "application/x-www-form-urlencodedx",
            "q.ttl-purpose=0".into(),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (content_type, body, status) in refused {
        let (got, code) = submit_raw(&server, content_type, body).await;
        assert_eq!(got, status, "{content_type}: {code}");
    }
    assert!(
        Store::open(&server.db)
            .unwrap()
            .best_quiz_scores()
            .unwrap()
            .is_empty(),
        "nothing refused was stored"
    );
    for (content_type, body) in [
        (json, short("é".repeat(1000))),
        (
            "Application/JSON; charset=utf-8",
            choices("lock-facts", vec![0, 1]),
        ),
        (
            "application/x-www-form-urlencoded; charset=utf-8",
            format!("q.ttl-purpose={ttl_purpose}"),
        ),
    ] {
        let (got, code) = submit_raw(&server, content_type, body).await;
        assert!(
            got.is_success() || got == StatusCode::SEE_OTHER,
            "{content_type}: {got} {code}"
        );
    }
    // Accept names JSON only when it says application/json itself.
    let response = server
        .client
        .get(server.url("/lessons/nope"))
        .header("Accept", "application/jsonx")
        .send()
        .await
        .unwrap();
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}

/// Asserts that a response carries every security header.
fn assert_security_headers(what: &str, response: &reqwest::Response) {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let csp = header("content-security-policy");
    for directive in ["default-src 'self'", "frame-ancestors 'none'"] {
        assert!(csp.contains(directive), "{what}: {csp:?}");
    }
    assert!(!csp.contains("unsafe"), "{what}: {csp:?}");
    assert_eq!(header("referrer-policy"), "no-referrer", "{what}");
    assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
}

/// Asserts that a page has nothing the policy blocks: no inline script, no style attribute
/// or element, no event-handler attribute.
fn assert_no_inline_code(page: &str, body: &str) {
    for script in body.split("<script").skip(1) {
        let tag = script.split('>').next().unwrap_or_default();
        assert!(
            tag.contains(" src="),
            "{page} has an inline script: <script{tag}>"
        );
    }
    assert!(
        !body.contains(" style=") && !body.contains("<style"),
        "{page} has inline style"
    );
    let handler = body
        .split(|c: char| c.is_whitespace())
        .find(|word| word.starts_with("on") && word.contains("=\""));
    assert_eq!(handler, None, "{page} has an event-handler attribute");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let dir = course_copy();
    let server = Server::start(dir.path()).await;
    server.sign_in().await;
    let get =
        |path: &str, accept: &str| server.client.get(server.url(path)).header("Accept", accept);
    let html = "text/html";
    let requests = [
        ("home", get("/", html)),
        ("lesson", get("/lessons/caching", html)),
        ("exercise", get("/exercises/rate-limiter", html)),
        ("progress", get("/progress", html)),
        ("search", get("/search?q=cache", html)),
        ("stylesheet", get("/static/app.css", "text/css")),
        ("script", get("/static/app.js", "*/*")),
        ("theme script", get("/static/theme.js", "*/*")),
        ("missing page", get("/nope", html)),
        (
            "missing lesson as JSON",
            get("/lessons/nope", "application/json"),
        ),
        ("grader status", get("/grader", "application/json")),
        (
            "token redirect",
            get(&format!("/?token={}", server.token), html),
        ),
        ("wrong token", get("/?token=0000", html)),
        (
            "foreign host",
            get("/", html).header("Host", "attacker.example"),
        ),
        (
            "quiz result",
            server
                .client
                .post(server.url("/quizzes/caching/attempts"))
                .header("Origin", server.origin())
                .header("Accept", "application/json")
                .json(&json!({"answers": {"ttl-purpose": [0]}})),
        ),
        (
            "refused change",
            server
                .client
                .post(server.url("/exercises/rate-limiter/hints")),
        ),
        ("wrong method", server.client.delete(server.url("/"))),
        ("event stream", get("/events", "text/event-stream")),
    ];
    for (what, request) in requests {
        let response = request.send().await.unwrap();
        assert_security_headers(what, &response);
        if what != "event stream" && response.status() == StatusCode::OK {
            let body = response.text().await.unwrap();
            if body.starts_with("<!doctype html>") {
                assert_no_inline_code(what, &body);
            }
        }
    }
    // Lesson bodies are rendered Markdown: none of them may need what the policy blocks.
    for lesson in &loaded(dir.path()).lessons {
        let page = format!("/lessons/{}", lesson.slug);
        let (_, body) = server.get(&page).await;
        assert_no_inline_code(&page, &body);
    }
}

/// Records `count` attempts at the caching quiz through the store, all wrong but for the
/// last, which misses only the first question; each answers the short questions with
/// `attempt <n>`. Returns the attempts' ids.
fn record_attempts(store: &mut Store, quiz: &workbook::course::Quiz, count: usize) -> Vec<i64> {
    use workbook::course::QuestionKind;
    use workbook::grade::scoring::question_hash;
    use workbook::store::AnswerRecord;
    (0..count)
        .map(|n| {
            let last = n + 1 == count;
            let answers: Vec<AnswerRecord> = quiz
                .questions
                .iter()
                .enumerate()
                .map(|(i, question)| {
                    let right = last && i > 0;
                    let answer = match question.kind {
                        QuestionKind::Short => json!(format!("attempt {n}")),
                        _ => json!([0]),
                    };
                    AnswerRecord {
                        question: question.id.to_string(),
                        question_hash: question_hash(question),
                        answer: answer.to_string(),
                        correct: right,
                        points: if right { 1.0 } else { 0.0 },
                    }
                })
                .collect();
            let score = if last { 0.9 } else { 0.25 };
            store
                .record_attempt("caching", score, last, &answers)
                .unwrap()
        })
        .collect()
}

#[tokio::test]
async fn a_lesson_page_shows_one_attempt_among_thousands() {
    let dir = course_copy();
    let quiz = loaded(dir.path()).quizzes["caching"].clone();
    let db = dir.path().join("test-progress.db");
    let mut store = Store::open(&db).unwrap();
    let ids = record_attempts(&mut store, &quiz, 3_000);
    let other = store
        .record_attempt("rest-api-design", 1.0, true, &[])
        .unwrap();
    drop(store);
    let server = Server::start(dir.path()).await;
    assert_eq!(server.db, db, "the server reads the attempts just recorded");

    let (status, page) = server
        .get(&format!("/lessons/caching?attempt={}", ids[1234]))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Score: 25%"), "the attempt's score is shown");
    assert!(
        page.contains("value=\"attempt 1234\""),
        "the attempt's own answers are shown"
    );
    assert_eq!(
        page.matches("class=\"question wrong\"").count(),
        quiz.questions.len(),
        "every question of that attempt is marked"
    );
    assert!(
        page.contains("(3000 attempts)"),
        "the best score counts every attempt"
    );

    // The latest answers: after the last attempt only the first question is missed.
    let (_, retry) = server.get("/lessons/caching?retry=missed").await;
    assert!(
        retry.contains("1 question(s) you missed last time"),
        "{}",
        &retry[..200]
    );
    assert!(retry.contains(&format!("id=\"wb:q-{}\"", quiz.questions[0].id)));

    // Another quiz's attempt is not shown on this lesson.
    let (status, page) = server
        .get(&format!("/lessons/caching?attempt={other}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("Score: "));
}

/// Reads `stream` until the server closes it (end of file or a reset); false if it is still
/// open at `deadline`.
fn read_until_closed(stream: &mut std::net::TcpStream, deadline: std::time::Instant) -> bool {
    use std::io::Read;
    let mut buffer = [0u8; 1024];
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return false;
        }
        match stream.read(&mut buffer) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return false;
            }
            Err(_) => return true,
        }
    }
}

#[tokio::test]
async fn slow_clients_cannot_exhaust_the_server() {
    use std::io::Write;
    use std::time::{Duration, Instant};

    let dir = course_copy();
    let server = Server::start(dir.path()).await;
    let address = server.base.trim_start_matches("http://").to_string();
    // Each sends the start of a request line and then nothing, holding its connection open.
    let mut slow: Vec<std::net::TcpStream> = (0..300)
        .map(|_| {
            let mut stream = std::net::TcpStream::connect(&address).unwrap();
            stream.write_all(b"GET /lessons/cach").unwrap();
            stream
        })
        .collect();
    let answer = tokio::time::timeout(Duration::from_secs(5), server.get("/lessons/caching"))
        .await
        .expect("a normal request is answered while 300 connections hang");
    assert_eq!(answer.0, StatusCode::OK);

    // The header deadline (5 s) closes every half-open connection.
    let open = tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + Duration::from_secs(20);
        slow.iter_mut()
            .map(|stream| read_until_closed(stream, deadline))
            .filter(|closed| !closed)
            .count()
    })
    .await
    .unwrap();
    assert_eq!(open, 0, "connections still open 20 s later");
    let (status, _) = server.get("/").await;
    assert_eq!(status, StatusCode::OK, "the server still answers");
}
