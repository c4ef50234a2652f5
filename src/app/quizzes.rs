//! Quizzes: submitting an attempt, and where the learner stands on each question.

use std::collections::{BTreeMap, HashMap};

use super::{AppError, ProgressStore};
use crate::course::{Course, QuestionKind, Quiz};
use crate::grade::scoring::{self, Answer, Scored};
use crate::store::{AnswerRecord, Attempt, StoreError};

/// A submitted, scored and recorded attempt.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// The attempt's id in the store.
    pub attempt: i64,
    /// The score and the results of the questions answered.
    pub scored: Scored,
}

/// Scores `answers` to quiz `slug` with its keys and records the attempt. Questions not
/// answered keep the points of their latest answer, if it was to the question as it is now
/// (so retrying only the missed questions keeps the rest).
pub fn submit_attempt(
    course: &Course,
    slug: &str,
    mut answers: BTreeMap<String, Answer>,
    store: &impl ProgressStore,
) -> Result<Submitted, AppError> {
    let quiz = course
        .quizzes
        .get(slug)
        .ok_or_else(|| AppError::UnknownQuiz(slug.to_string()))?;
    numbers_as_text(quiz, &mut answers);
    let checked = scoring::validate(quiz, &answers)?;
    let earlier = standing(quiz, &store.read(|s| s.latest_answers(slug))?);
    let scored = scoring::score(quiz, checked, &earlier);
    let records = records(quiz, &scored);
    let attempt = store.write(|s| s.record_attempt(slug, scored.score, scored.passed, &records))?;
    Ok(Submitted { attempt, scored })
}

/// The latest answer to each question of `quiz`, as stored.
pub fn latest_answers(
    quiz: &Quiz,
    store: &impl ProgressStore,
) -> Result<HashMap<String, AnswerRecord>, StoreError> {
    store.read(|s| s.latest_answers(quiz.slug.as_str()))
}

/// The points of each question's latest answer, for answers given to the question as it is
/// now: an answer to an earlier version of an edited question counts for nothing.
pub fn standing(quiz: &Quiz, latest: &HashMap<String, AnswerRecord>) -> HashMap<String, f64> {
    quiz.questions
        .iter()
        .filter_map(|q| {
            latest
                .get(q.id.as_str())
                .filter(|a| a.question_hash == scoring::question_hash(q))
                .map(|a| (q.id.to_string(), a.points))
        })
        .collect()
}

/// A short answer that is all digits arrives from a plain form as option numbers (a form
/// cannot say which it is); for a short question, those numbers are the typed text.
fn numbers_as_text(quiz: &Quiz, answers: &mut BTreeMap<String, Answer>) {
    for question in &quiz.questions {
        let short = match question.kind {
            QuestionKind::Short => true,
            QuestionKind::Single | QuestionKind::Multiple => false,
        };
        if let (true, Some(Answer::Choices(numbers))) = (short, answers.get(question.id.as_str())) {
            let text: Vec<String> = numbers.iter().map(|n| n.to_string()).collect();
            answers.insert(question.id.to_string(), Answer::Text(text.join(" ")));
        }
    }
}

/// What the store keeps of each answered question: the scorer's points, not recomputed.
fn records(quiz: &Quiz, scored: &Scored) -> Vec<AnswerRecord> {
    let hashes: HashMap<&str, String> = quiz
        .questions
        .iter()
        .map(|q| (q.id.as_str(), scoring::question_hash(q)))
        .collect();
    scored
        .results
        .iter()
        .map(|r| AnswerRecord {
            question: r.id.clone(),
            question_hash: hashes.get(r.id.as_str()).cloned().unwrap_or_default(),
            answer: serde_json::to_string(&r.answer).unwrap_or_default(),
            correct: r.correct,
            points: r.points,
        })
        .collect()
}

/// Attempt `id` of `quiz` with its answers (`None` if there is none, or it is another
/// quiz's: a page shows only its own quiz's attempt).
pub fn attempt(
    quiz: &Quiz,
    id: i64,
    store: &impl ProgressStore,
) -> Result<Option<Attempt>, StoreError> {
    let attempt = store.read(|s| s.attempt(id))?;
    Ok(attempt.filter(|a| a.quiz == quiz.slug.as_str()))
}
