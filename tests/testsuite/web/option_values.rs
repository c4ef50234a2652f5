//! The quiz page names each option by an opaque token per learner, never by its position in
//! the quiz file, and the server reads the tokens back.

use reqwest::StatusCode;
use serde_json::{Map, json};
use workbook::course::{AnswerKey, QuestionKind};

use crate::common::{Server, course_copy, loaded, option_value, page_option_values};

#[tokio::test]
async fn option_values_hide_positions_are_stable_and_differ_per_learner() {
    let dir = course_copy();
    let course = loaded(dir.path());
    let quiz = &course.quizzes["rest-api-design"];
    let ids: Vec<&str> = quiz
        .questions
        .iter()
        .filter(|q| q.kind != QuestionKind::Short)
        .map(|q| q.id.as_str())
        .collect();
    let values = |page: &str| -> Vec<Vec<String>> {
        ids.iter().map(|id| page_option_values(page, id)).collect()
    };
    let first = {
        let server = Server::start(dir.path()).await;
        let (status, page) = server.get("/lessons/rest-api-design").await;
        assert_eq!(status, StatusCode::OK);
        let (_, again) = server.get("/lessons/rest-api-design").await;
        assert_eq!(values(&page), values(&again), "stable across reloads");
        values(&page)
    };
    for (question, shown) in ids.iter().zip(&first) {
        assert!(shown.len() >= 2, "{question} shows its options");
        for value in shown {
            // A 12-digit hex token, never a small number a position could be; a token may
            // be all decimal digits by chance (about one in three hundred), which is fine.
            assert!(
                value.len() == 12 && value.bytes().all(|b| b.is_ascii_hexdigit()),
                "{question}: {value} is not an opaque token"
            );
            assert!(
                value.parse::<u64>().map_or(true, |n| n > 1_000),
                "{question}: {value} looks like a position"
            );
        }
    }
    let restarted = Server::start(dir.path()).await;
    let (_, page) = restarted.get("/lessons/rest-api-design").await;
    assert_eq!(
        values(&page),
        first,
        "stable for one learner across restarts"
    );
    drop(restarted);

    // Another learner: another seed under `.workbook/`.
    std::fs::write(dir.path().join(".workbook/learner-id"), "ab".repeat(16)).unwrap();
    let other = Server::start(dir.path()).await;
    let (_, page) = other.get("/lessons/rest-api-design").await;
    let theirs = values(&page);
    for (mine, theirs) in first.iter().zip(&theirs) {
        assert!(
            mine.iter().all(|v| !theirs.contains(v)),
            "{mine:?} vs {theirs:?}"
        );
    }
}

#[tokio::test]
async fn a_submission_with_the_page_tokens_scores_right_and_unknown_tokens_are_refused() {
    let dir = course_copy();
    let server = Server::start(dir.path()).await;
    server.sign_in().await;
    let course = loaded(dir.path());
    let quiz = &course.quizzes["rest-api-design"];
    let (_, page) = server.get("/lessons/rest-api-design").await;
    let mut right = Map::new();
    for question in &quiz.questions {
        let id = question.id.as_str();
        let answer = match &question.answer {
            AnswerKey::Choices(key) => {
                let tokens: Vec<String> = key
                    .iter()
                    .map(|&i| option_value(dir.path(), "rest-api-design", question, i))
                    .collect();
                let shown = page_option_values(&page, id);
                assert!(
                    tokens.iter().all(|t| shown.contains(t)),
                    "{id}: the page's values"
                );
                json!(tokens)
            }
            AnswerKey::Accepted(accepted) => json!(accepted[0]),
        };
        right.insert(id.to_string(), answer);
    }
    let path = "/quizzes/rest-api-design/attempts";
    let (status, result) = server.post_json(path, &json!({ "answers": right })).await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(result["score"], 1.0, "{result}");
    let first = &result["results"][0];
    assert_eq!(
        first["correct_values"],
        right[first["id"].as_str().unwrap()]
    );

    let single = quiz
        .questions
        .iter()
        .find(|q| q.kind == QuestionKind::Single)
        .unwrap();
    let (status, refused) = server
        .post_json(
            path,
            &json!({"answers": {single.id.as_str(): ["0a0a0a0a0a0a"]}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["error"]["code"], "INVALID_ANSWER");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("no option has the value `0a0a0a0a0a0a`"),
        "{message}"
    );
}
