//! The review queue over HTTP: a question answered wrong is not due at once, comes back on
//! `/review` (and as a count on the home page) a day later, and leaves the list when
//! answered right; an edited question leaves the queue. Each server is started at a chosen
//! time (`Server::start_at`) on the same progress, as if the learner came back days later.

use reqwest::StatusCode;
use serde_json::json;
use workbook::course::{AnswerKey, Question, QuestionKind};
use workbook::store::Store;

use crate::common::{Server, course_copy, loaded, option_value, page_option_values};

/// 2025-01-01 00:00:00 UTC: any fixed time does.
const T0: i64 = 1_735_689_600;
const DAY: i64 = 86_400;
const QUIZ: &str = "caching";

/// The page tokens of `question`'s key, or of one wrong option.
fn tokens(dir: &std::path::Path, question: &Question, right: bool) -> Vec<String> {
    let AnswerKey::Choices(key) = &question.answer else {
        panic!("a choice question")
    };
    let chosen: Vec<usize> = if right {
        key.iter().copied().collect()
    } else {
        let wrong = (0..question.options.len()).find(|i| !key.contains(i));
        vec![wrong.unwrap()]
    };
    let token = |i: usize| option_value(dir, QUIZ, question, i);
    chosen.into_iter().map(token).collect()
}

async fn answer(server: &Server, question: &Question, values: Vec<String>) -> bool {
    let path = format!("/quizzes/{QUIZ}/attempts");
    let body = json!({"answers": {question.id.as_str(): values}});
    let (status, result) = server.post_json(&path, &body).await;
    assert_eq!(status, StatusCode::OK, "{result}");
    result["results"][0]["correct"].as_bool().unwrap()
}

async fn started_at(dir: &std::path::Path, now: i64) -> Server {
    let server = Server::start_at(dir, now).await;
    server.sign_in().await;
    server
}

fn single_question(dir: &std::path::Path) -> Question {
    let course = loaded(dir);
    let quiz = &course.quizzes[QUIZ];
    let question = quiz
        .questions
        .iter()
        .find(|q| q.kind == QuestionKind::Single);
    question.unwrap().clone()
}

#[tokio::test]
async fn a_wrong_answer_comes_back_a_day_later_and_a_right_review_moves_it_out() {
    let dir = course_copy();
    let question = single_question(dir.path());
    let field = format!("name=\"q.{}\"", question.id);

    let server = started_at(dir.path(), T0).await;
    assert!(!answer(&server, &question, tokens(dir.path(), &question, false)).await);
    let (status, review) = server.get("/review").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        review.contains("Nothing to review right now"),
        "not due yet"
    );
    assert!(!review.contains(&field));
    let (_, home) = server.get("/").await;
    assert!(!home.contains("to review"), "no link while nothing is due");
    drop(server);

    let server = started_at(dir.path(), T0 + DAY - 1).await;
    let (_, review) = server.get("/review").await;
    assert!(!review.contains(&field), "not due a second early");
    drop(server);

    let now = T0 + DAY + 60;
    let server = started_at(dir.path(), now).await;
    let (_, home) = server.get("/").await;
    assert!(
        home.contains("href=\"/review\">1 question to review<"),
        "{home}"
    );
    let (status, review) = server.get("/review").await;
    assert_eq!(status, StatusCode::OK);
    assert!(review.contains(&field), "due a day later");
    assert_eq!(
        review.matches("name=\"q.").count(),
        question.options.len(),
        "only the due question is asked"
    );
    assert!(review.contains(&format!("action=\"/quizzes/{QUIZ}/attempts\"")));
    assert_eq!(
        page_option_values(&review, question.id.as_str()).len(),
        question.options.len()
    );
    let explanation = workbook::render::Renderer::default().inline(&question.explanation);
    assert!(
        !review.contains(&explanation),
        "no explanation before an answer"
    );
    assert!(
        !review.contains("option correct"),
        "no key before an answer"
    );

    assert!(answer(&server, &question, tokens(dir.path(), &question, true)).await);
    let (_, review) = server.get("/review").await;
    assert!(
        !review.contains(&field),
        "answered right: next due in 3 days"
    );
    let (_, home) = server.get("/").await;
    assert!(!home.contains("to review"));
    let entries = Store::open(&server.db)
        .unwrap()
        .review_entries(QUIZ)
        .unwrap();
    let entry = &entries[question.id.as_str()];
    assert_eq!((entry.step, entry.due_at), (1, now + 3 * DAY));
}

#[tokio::test]
async fn an_edited_question_leaves_the_queue() {
    let dir = course_copy();
    let question = single_question(dir.path());
    let server = started_at(dir.path(), T0).await;
    assert!(!answer(&server, &question, tokens(dir.path(), &question, false)).await);
    drop(server);

    let file = dir.path().join(format!("quizzes/{QUIZ}.toml"));
    let text = std::fs::read_to_string(&file).unwrap();
    let edited = text.replacen(
        &question.prompt,
        &format!("{} (edited)", question.prompt),
        1,
    );
    assert_ne!(text, edited);
    std::fs::write(&file, edited).unwrap();

    let server = started_at(dir.path(), T0 + 2 * DAY).await;
    let (_, review) = server.get("/review").await;
    assert!(review.contains("Nothing to review right now"));
    let store = Store::open(&server.db).unwrap();
    assert!(store.review_entries(QUIZ).unwrap().is_empty(), "dropped");
}
