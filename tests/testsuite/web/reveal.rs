//! A quiz's `reveal` policy over HTTP (fixture `reveal`): `intro` shows its keys only once
//! passed (`"after-pass"`), `next` from the second attempt on (`{ after_attempts = 2 }`).
//! Until then an attempt's JSON and its results page carry the verdicts and the score, no
//! key or explanation, and say when the answers will be shown.

use reqwest::StatusCode;
use serde_json::{Value, json};
use workbook::course::{AnswerKey, Course, Question};
use workbook::render::Renderer;

use crate::common::{Server, fixture_copy, loaded, option_value};

/// The fields that give an answer away.
const KEY_FIELDS: [&str; 5] = [
    "correct_choices",
    "correct_values",
    "accepted",
    "explanation",
    "explanation_html",
];

fn question<'c>(course: &'c Course, quiz: &str, id: &str) -> &'c Question {
    let quiz = &course.quizzes[quiz];
    quiz.questions.iter().find(|q| q.id.as_str() == id).unwrap()
}

/// The page tokens of `question`'s key (`right`) or of its first wrong option.
fn choice(dir: &std::path::Path, quiz: &str, question: &Question, right: bool) -> Vec<String> {
    let AnswerKey::Choices(key) = &question.answer else {
        panic!("a choice question")
    };
    let chosen: Vec<usize> = if right {
        key.iter().copied().collect()
    } else {
        vec![
            (0..question.options.len())
                .find(|i| !key.contains(i))
                .unwrap(),
        ]
    };
    let token = |i| option_value(dir, quiz, question, i);
    chosen.into_iter().map(token).collect()
}

async fn attempt(server: &Server, quiz: &str, answers: Value) -> Value {
    let path = format!("/quizzes/{quiz}/attempts");
    let (status, result) = server.post_json(&path, &json!({"answers": answers})).await;
    assert_eq!(status, StatusCode::OK, "{result}");
    result
}

fn assert_keys_hidden(result: &Value, message: &str) {
    assert_eq!(result["reveal"]["shown"], false, "{result}");
    assert_eq!(result["reveal"]["message"], message, "{result}");
    for r in result["results"].as_array().unwrap() {
        assert!(r["verdict"].is_string() && r["correct"].is_boolean(), "{r}");
        for field in KEY_FIELDS {
            assert!(r.get(field).is_none(), "{field} sent too early: {r}");
        }
    }
}

fn assert_keys_shown(result: &Value) {
    // Said only while the keys are kept back.
    assert!(result.get("reveal").is_none(), "{result}");
    for r in result["results"].as_array().unwrap() {
        for field in ["correct_values", "accepted", "explanation_html"] {
            assert!(r.get(field).is_some(), "{field} missing: {r}");
        }
        assert!(!r["explanation_html"].as_str().unwrap().is_empty(), "{r}");
    }
}

async fn started(dir: &std::path::Path) -> Server {
    let server = Server::start(dir).await;
    server.sign_in().await;
    server
}

#[tokio::test]
async fn after_pass_keeps_the_keys_until_a_pass_and_shows_them_from_then_on() {
    let dir = fixture_copy("reveal");
    let course = loaded(dir.path());
    let server = started(dir.path()).await;
    let single = question(&course, "intro", "what-is-a-backend");
    let multiple = question(&course, "intro", "layers");
    let answers = |right| {
        json!({
            "what-is-a-backend": choice(dir.path(), "intro", single, right),
            "layers": choice(dir.path(), "intro", multiple, right),
        })
    };

    let failed = attempt(&server, "intro", answers(false)).await;
    assert_eq!(failed["passed"], false);
    assert_eq!(failed["results"][0]["correct"], false);
    assert_eq!(failed["reveal"]["until"], "pass");
    assert_keys_hidden(&failed, "The answers are shown once you pass this quiz.");

    let passed = attempt(&server, "intro", answers(true)).await;
    assert_eq!(passed["passed"], true);
    assert_keys_shown(&passed);

    // Passed once: a later failing attempt shows its keys too.
    let again = attempt(&server, "intro", answers(false)).await;
    assert_eq!(again["passed"], false);
    assert_keys_shown(&again);
}

#[tokio::test]
async fn after_attempts_shows_the_keys_from_the_nth_attempt_on() {
    let dir = fixture_copy("reveal");
    let server = started(dir.path()).await;
    let wrong = json!({"created": "200"});

    let first = attempt(&server, "next", wrong.clone()).await;
    assert_eq!(first["reveal"]["until"], "attempts");
    assert_eq!(first["reveal"]["attempts"], 2);
    assert_eq!(first["reveal"]["remaining"], 1);
    assert_keys_hidden(
        &first,
        "The answers are shown after 2 attempts: 1 more to go.",
    );

    let second = attempt(&server, "next", wrong).await;
    assert_eq!(second["results"][0]["correct"], false);
    assert_keys_shown(&second);
    assert_eq!(
        second["results"][0]["accepted"],
        json!(["201", "201 Created"])
    );
}

/// Posts `form` as a browser without JavaScript does and returns the results page it lands on.
async fn form_post(server: &Server, quiz: &str, form: &[(String, String)]) -> String {
    let response = server
        .client
        .post(server.url(&format!("/quizzes/{quiz}/attempts")))
        .header("Origin", server.origin())
        .form(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(location.contains("?attempt="), "{location}");
    let (status, page) = server.get(&location).await;
    assert_eq!(status, StatusCode::OK);
    page
}

#[tokio::test]
async fn the_results_page_of_a_form_post_follows_the_policy() {
    let dir = fixture_copy("reveal");
    let course = loaded(dir.path());
    let server = started(dir.path()).await;
    let renderer = Renderer::default();
    let single = question(&course, "intro", "what-is-a-backend");
    let explanation = renderer.inline(&single.explanation);
    let form = |right| {
        let values = choice(dir.path(), "intro", single, right);
        vec![(format!("q.{}", single.id), values[0].clone())]
    };

    // 1 of 2 questions right is below the pass mark of 80%.
    let failed = form_post(&server, "intro", &form(false)).await;
    assert!(failed.contains("Not quite."), "the verdict is shown");
    assert!(failed.contains("Score: 0%"), "the score is shown");
    assert!(failed.contains("The answers are shown once you pass this quiz."));
    assert!(
        !failed.contains(&explanation),
        "explanation shown too early"
    );
    assert!(!failed.contains("option correct"), "key shown too early");

    let right = form_post(&server, "intro", &form(true)).await;
    assert!(right.contains("Right."));
    assert!(
        right.contains("not yet passed"),
        "one question does not pass"
    );
    assert!(!right.contains(&explanation), "explanation shown too early");

    let layers = question(&course, "intro", "layers");
    let mut both = form(true);
    for value in choice(dir.path(), "intro", layers, true) {
        both.push(("q.layers".to_string(), value));
    }
    let passed = form_post(&server, "intro", &both).await;
    assert!(passed.contains("passed!"), "the attempt passes");
    assert!(passed.contains(&explanation), "the explanation is shown");
    assert!(passed.contains("option correct"), "the key is shown");
    assert!(!passed.contains("The answers are shown"));

    let first = form_post(&server, "next", &[("q.created".into(), "200".into())]).await;
    assert!(first.contains("The answers are shown after 2 attempts: 1 more to go."));
    assert!(
        !first.contains("Accepted:"),
        "accepted answers shown too early"
    );
    let second = form_post(&server, "next", &[("q.created".into(), "200".into())]).await;
    assert!(second.contains("Accepted: 201, 201 Created"), "{second}");
    assert!(!second.contains("The answers are shown"));
}
