//! The web app as a browser and an attacker see it: the real server on an ephemeral port,
//! driven over HTTP with reqwest.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use workbook::store::Store;

use crate::common::{
    Server, course_copy, fixture_copy, fixtures, loaded, option_value, workbook_on,
};

// Items of the local-server hardening: sessions per port, redirects, limits, headers, slow
// clients, many attempts.
mod hardening;

// Refused requests.
mod bad_requests;

// Grading from the page, streamed and cancelled.
mod grading;

// Lesson examples run, edited and reset from the page, bounded like grades.
mod examples;

// The quiz page names options by opaque tokens, not by their place in the quiz file.
mod option_values;

// Questions answered wrong come back for review after 1, 3 and 7 days.
mod review;

// A quiz's `reveal` policy keeps keys and explanations back after an attempt until it allows.
mod reveal;

#[tokio::test]
async fn every_page_renders_and_no_page_leaks_an_answer_key() {
    let dir = course_copy();
    let server = Server::start(dir.path()).await;
    let course = loaded(dir.path());
    let mut pages = vec![
        "/".to_string(),
        "/progress".to_string(),
        "/search?q=cache".to_string(),
        "/static/app.css".to_string(),
        "/static/app.js".to_string(),
    ];
    pages.extend(
        course
            .lessons
            .iter()
            .map(|l| format!("/lessons/{}", l.slug)),
    );
    pages.extend(course.exercises.keys().map(|e| format!("/exercises/{e}")));
    let renderer = workbook::render::Renderer::default();
    let explanations: Vec<(String, String)> = course
        .quizzes
        .values()
        .flat_map(|q| q.questions.iter())
        .flat_map(|q| [q.explanation.clone(), renderer.inline(&q.explanation)])
        .map(|e| (e.clone(), e))
        .collect();
    assert!(
        explanations.len() >= 120,
        "ten quizzes of six or more questions"
    );
    for page in &pages {
        let (status, body) = server.get(page).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for (explanation, _) in &explanations {
            assert!(
                !body.contains(explanation.as_str()),
                "{page} leaks the explanation {explanation:?}"
            );
        }
    }
    let (_, lesson) = server.get("/lessons/rest-api-design").await;
    assert!(lesson.contains("class=\"quiz-form\""), "the quiz is inline");
    assert!(
        lesson.contains("href=\"/exercises/rest-handlers\""),
        "the exercise card links to its page"
    );
    assert!(lesson.contains("rel=\"next\" href=\"/lessons/graphql-and-api-patterns\""));
    let (_, search) = server.get("/search?q=idempotency").await;
    assert!(search.contains("<mark>"), "search marks the matches");
}

#[tokio::test]
async fn a_quiz_submission_is_graded_stored_and_reveals_only_what_was_answered() {
    let dir = course_copy();
    let server = Server::start(dir.path()).await;
    server.sign_in().await;
    let course = loaded(dir.path());
    let quiz = &course.quizzes["rest-api-design"];
    let first = &quiz.questions[0];
    let right = match &first.answer {
        workbook::course::AnswerKey::Choices(k) => json!(k.iter().collect::<Vec<_>>()),
        workbook::course::AnswerKey::Accepted(a) => json!(a[0]),
    };
    let (status, result) = server
        .post_json(
            "/quizzes/rest-api-design/attempts",
            &json!({"answers": {first.id.as_str(): right}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(
        result["results"].as_array().unwrap().len(),
        1,
        "only the answered question comes back"
    );
    assert_eq!(result["results"][0]["correct"], true);
    assert_eq!(
        result["results"][0]["explanation"],
        first.explanation.as_str()
    );
    let expected = 1.0 / quiz.questions.len() as f64;
    assert!((result["score"].as_f64().unwrap() - expected).abs() < 1e-9);
    assert_eq!(result["passed"], false);
    let other = quiz.questions[1].explanation.as_str();
    assert!(
        !result.to_string().contains(other),
        "an unanswered question's explanation is not sent"
    );

    let store = Store::open(&server.db).unwrap();
    let best = store.best_quiz_scores().unwrap();
    assert_eq!(best["rest-api-design"].attempts, 1);
    let answers = store.latest_answers("rest-api-design").unwrap();
    assert!(answers[first.id.as_str()].correct);
    let (_, progress) = server.get("/progress").await;
    assert!(
        progress.contains(&format!("{:.0}%", expected * 100.0)),
        "the progress page shows the score"
    );
}

#[tokio::test]
async fn the_form_post_without_javascript_lands_on_the_results() {
    let dir = course_copy();
    let server = Server::start(dir.path()).await;
    server.sign_in().await;
    let course = loaded(dir.path());
    let question = course.quizzes["caching"]
        .questions
        .iter()
        .find(|q| q.kind == workbook::course::QuestionKind::Single)
        .unwrap();
    let response = server
        .client
        .post(server.url("/quizzes/caching/attempts"))
        .header("Origin", server.origin())
        .form(&[(
            format!("q.{}", question.id),
            option_value(dir.path(), "caching", question, 0),
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with("/lessons/caching?attempt="),
        "{location}"
    );
    let (status, page) = server.get(&location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&workbook::render::Renderer::default().inline(&question.explanation)));
    assert!(page.contains("Score: "));
}

#[tokio::test]
async fn hints_are_revealed_one_at_a_time_and_recorded() {
    let dir = course_copy();
    let server = Server::start(dir.path()).await;
    server.sign_in().await;
    let (status, first) = server
        .post_json("/exercises/rate-limiter/hints", &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["number"], 1);
    assert_eq!(first["total"], 3);
    let (_, page) = server.get("/exercises/rate-limiter").await;
    assert!(
        page.contains("Reveal hint 2 of 3"),
        "the page offers the next hint"
    );
    assert_eq!(
        Store::open(&server.db)
            .unwrap()
            .revealed_hints("rate-limiter")
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn live_reload_rerenders_and_shows_content_errors_as_a_banner() {
    let dir = course_copy();
    let server = Server::start(dir.path()).await;
    let mut events = server
        .client
        .get(server.url("/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), StatusCode::OK);

    let lesson = dir.path().join("lessons/06-caching.md");
    let text = std::fs::read_to_string(&lesson).unwrap();
    std::fs::write(
        &lesson,
        format!("{text}\n\nA freshly added sentence about eviction.\n"),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = String::new();
    while !seen.contains("event: reload") {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "no reload event; got {seen:?}");
        if let Ok(Ok(Some(chunk))) = tokio::time::timeout(left, events.chunk()).await {
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
    let (_, page) = server.get("/lessons/caching").await;
    assert!(page.contains("A freshly added sentence about eviction."));

    std::fs::write(
        &lesson,
        text.replacen("title = ", "title = \"unterminated\n", 1),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, home) = server.get("/").await;
        assert_eq!(status, StatusCode::OK, "the server keeps running");
        if home.contains("class=\"banner\"") {
            assert!(
                home.contains("lessons/06-caching.md:"),
                "the banner names the file and line"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no banner after breaking the lesson"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[test]
fn a_taken_port_is_named_in_a_clear_error() {
    let holder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port();
    let output = workbook_on(&fixtures().join("base"))
        .args([
            "--db",
            "/dev/null/never-created.db",
            "serve",
            "--port",
            &port.to_string(),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("port {port} on 127.0.0.1 is already in use")),
        "{stderr}"
    );
}

#[tokio::test]
async fn snapshots_of_a_rendered_lesson_and_a_graded_quiz() {
    let dir = fixture_copy("base");
    let server = Server::start(dir.path()).await;
    server.sign_in().await;

    let (status, page) = server.get("/lessons/intro").await;
    assert_eq!(status, StatusCode::OK);
    let start = page.find("<div class=\"prose\">").expect("the lesson body");
    let end = start + page[start..].find("</div>\n").expect("its end") + "</div>".len();
    insta::assert_snapshot!("rendered_lesson_intro", &page[start..end]);

    let (status, graded) = server
        .post_json(
            "/quizzes/intro/attempts",
            &json!({"answers": {"what-is-a-backend": [0], "layers": [0, 2]}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // The tokens come from this server's random learner seed.
    insta::assert_json_snapshot!("graded_quiz_intro", graded, {
        ".attempt" => "[id]",
        ".results[].correct_values[]" => "[token]",
    });
}

#[tokio::test]
async fn every_quiz_can_be_taken_wrong_then_right() {
    let dir = course_copy();
    let server = Server::start(dir.path()).await;
    server.sign_in().await;
    let course = loaded(dir.path());
    for quiz in course.quizzes.values() {
        let mut wrong = serde_json::Map::new();
        let mut right = serde_json::Map::new();
        for question in &quiz.questions {
            let id = question.id.to_string();
            match &question.answer {
                workbook::course::AnswerKey::Choices(key) => {
                    let others: Vec<usize> = (0..question.options.len())
                        .filter(|i| !key.contains(i))
                        .collect();
                    let bad = match question.kind {
                        workbook::course::QuestionKind::Single => vec![others[0]],
                        // Every option but the first right one: never the exact key.
                        _ => (0..question.options.len())
                            .filter(|i| Some(i) != key.iter().next())
                            .collect(),
                    };
                    wrong.insert(id.clone(), json!(bad));
                    right.insert(id, json!(key.iter().collect::<Vec<_>>()));
                }
                workbook::course::AnswerKey::Accepted(accepted) => {
                    wrong.insert(id.clone(), json!("certainly not the answer"));
                    right.insert(id, json!(accepted[0]));
                }
            }
        }
        let path = format!("/quizzes/{}/attempts", quiz.slug);
        let (status, result) = server.post_json(&path, &json!({ "answers": wrong })).await;
        assert_eq!(status, StatusCode::OK, "{}: {result}", quiz.slug);
        assert_eq!(result["score"], 0.0, "{}: all wrong scores 0", quiz.slug);
        assert_eq!(result["passed"], false);
        assert_eq!(
            result["missed"].as_array().unwrap().len(),
            quiz.questions.len()
        );
        let (_, result) = server.post_json(&path, &json!({ "answers": right })).await;
        assert_eq!(
            result["score"], 1.0,
            "{}: all right scores 1: {result}",
            quiz.slug
        );
        assert_eq!(result["passed"], true);
        assert!(result["missed"].as_array().unwrap().is_empty());
    }
    let best = Store::open(&server.db).unwrap().best_quiz_scores().unwrap();
    assert_eq!(best.len(), course.quizzes.len());
    assert!(best.values().all(|b| b.passed && b.attempts == 2));
}

#[tokio::test]
async fn a_course_file_linking_outside_the_course_is_never_served() {
    let dir = fixture_copy("base");
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.md");
    std::fs::write(&secret, "# Secret\n\nTOP-SECRET-42\n").unwrap();
    let readme = dir.path().join("exercises/hello/README.md");
    std::fs::remove_file(&readme).unwrap();
    std::os::unix::fs::symlink(&secret, &readme).unwrap();
    std::os::unix::fs::symlink(&secret, dir.path().join("lessons/03-secret.md")).unwrap();
    let server = Server::start(dir.path()).await;
    for path in [
        "/exercises/hello",
        "/lessons/secret",
        "/",
        "/search?q=SECRET",
    ] {
        let (_, body) = server.get(path).await;
        assert!(
            !body.contains("TOP-SECRET-42"),
            "{path} shows the linked file"
        );
    }
    let (_, page) = server.get("/exercises/hello").await;
    assert!(
        page.contains("link-outside-course"),
        "the page says why: {page}"
    );
}

#[tokio::test]
async fn every_id_on_every_page_is_unique_whatever_the_headings_say() {
    let dir = fixture_copy("headings");
    let server = Server::start(dir.path()).await;
    server.sign_in().await;
    for path in [
        "/",
        "/lessons/intro",
        "/lessons/next",
        "/exercises/hello",
        "/progress",
        "/search?q=examples",
    ] {
        let (status, page) = server.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let mut ids: Vec<&str> = page
            .split(" id=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count, "{path} repeats an id: {ids:?}");
    }
    let (_, page) = server.get("/lessons/next").await;
    for id in [
        "examples-1-1",
        "a-2",
        "main",
        "quiz",
        "hints",
        "-1",
        "日本語の見出し",
    ] {
        assert!(page.contains(&format!(" id=\"{id}\"")), "{id}");
    }
}

#[tokio::test]
async fn search_finds_words_in_every_script_and_keeps_cells_apart() {
    let dir = fixture_copy("search");
    let server = Server::start(dir.path()).await;
    let search = |q: &str| {
        let q = q.to_string();
        let server = &server;
        async move {
            let query: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
            server.get(&format!("/search?q={query}")).await.1
        }
    };
    for (query, marked) in [
        ("数据库", "<mark>数据库</mark>"),
        ("负载", "<mark>负载</mark>"),
        ("データベース", "<mark>データベース</mark>"),
        ("ฐานข้อมูล", "<mark>ฐานข้อมูล</mark>"),
    ] {
        let page = search(query).await;
        assert!(page.contains(marked), "{query}: {page}");
        assert!(page.contains("/lessons/many-scripts#"), "{query}");
    }
    let page = search("消息队列").await;
    assert!(!page.contains("<mark>"), "no false hit");
    // Table cells and list items stay apart in snippets.
    let page = search("session").await;
    assert!(!page.contains("sessionself"), "{page}");
    assert!(!page.contains("heresecond"), "{page}");
}

#[tokio::test]
async fn progress_keeps_the_best_grade_and_the_first_pass_and_home_offers_to_continue() {
    let dir = fixture_copy("grading");
    let server = Server::start(dir.path()).await;
    let (_, home) = server.get("/").await;
    assert!(
        !home.contains("Continue where you left off"),
        "nothing done yet"
    );
    {
        let mut store = Store::open(&server.db).unwrap();
        let grade = |passed: usize| {
            let mut report =
                workbook::grade::Report::new(workbook::course::ExerciseSlug::new("counter"), 10);
            report.tests = (0..5)
                .map(|i| workbook::grade::TestOutcome {
                    name: format!("functions::t{i}"),
                    description: String::new(),
                    status: if i < passed {
                        workbook::grade::TestStatus::Passed
                    } else {
                        workbook::grade::TestStatus::Failed
                    },
                    message: None,
                    duration_ms: 1,
                    output: String::new(),
                    output_truncated: false,
                    rules: Vec::new(),
                    stage: None,
                })
                .collect();
            report.finish();
            report
        };
        store.record_grade(&grade(2)).unwrap();
        store.record_grade(&grade(5)).unwrap();
        // A later change breaks it again: the best and the first pass stay.
        store.record_grade(&grade(1)).unwrap();
    }
    // The server notices another process's writes within 100 ms (src/web/state.rs).
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (_, page) = server.get("/progress").await;
    let row = page
        .lines()
        .find(|l| l.contains("/exercises/counter"))
        .expect("a row for counter");
    assert!(
        row.contains("<td>fail</td><td>1/5</td><td>5/5</td>"),
        "{row}"
    );
    assert!(row.contains("<td>20"), "the date of the first pass: {row}");
    let (_, home) = server.get("/").await;
    assert!(
        home.contains("Continue where you left off: 1. Basics"),
        "{home}"
    );
}

#[tokio::test]
async fn the_exercise_page_says_lesson_and_difficulty_once() {
    let dir = course_copy();
    let server = Server::start(dir.path()).await;
    let (_, page) = server.get("/exercises/rate-limiter").await;
    assert!(
        page.contains("Exercise · intermediate · from"),
        "the header says it"
    );
    assert!(
        !page.contains("<p>Lesson:"),
        "the README's line is left out"
    );
    assert!(
        page.contains("The scenario"),
        "the rest of the README is there"
    );
}
