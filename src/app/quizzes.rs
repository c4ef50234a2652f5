//! Quizzes: submitting an attempt, and where the learner stands on each question.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::{AppError, ProgressStore, review};
use crate::course::{Course, Question, QuestionKind, Quiz, RevealPolicy};
use crate::grade::options::option_for_token;
use crate::grade::scoring::{self, Answer, Scored, SubmissionError};
use crate::store::{AnswerRecord, Attempt, StoreError};

/// A submitted, scored and recorded attempt.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// The attempt's id in the store.
    pub attempt: i64,
    /// The score and the results of the questions answered.
    pub scored: Scored,
    /// Whether the keys and explanations of the questions answered may be shown.
    pub reveal: KeyReveal,
}

/// Whether an attempt's keys and explanations are shown, and if not, when they will be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "until", rename_all = "kebab-case")]
pub enum KeyReveal {
    /// Shown now.
    Shown,
    /// Shown once the learner passes the quiz.
    Pass,
    /// Shown from attempt `attempts` on, `remaining` attempts from now.
    Attempts {
        /// The attempt from which they are shown.
        attempts: u32,
        /// How many more attempts until then (at least 1).
        remaining: u32,
    },
}

impl KeyReveal {
    /// Whether the keys and explanations are shown.
    pub fn shown(self) -> bool {
        self == KeyReveal::Shown
    }

    /// When they will be shown, in words for the learner; `None` when they are.
    pub fn notice(self) -> Option<String> {
        match self {
            KeyReveal::Shown => None,
            KeyReveal::Pass => Some("The answers are shown once you pass this quiz.".into()),
            KeyReveal::Attempts {
                attempts,
                remaining,
            } => Some(format!(
                "The answers are shown after {attempts} attempts: {remaining} more to go."
            )),
        }
    }
}

/// Decides whether the keys are shown after an attempt, under `policy`: `passed` says
/// whether this attempt passed, `passed_before` whether any other did (a count that also
/// holds this one does no harm), and `attempts` how many there have been, this one included.
pub fn reveal(
    policy: RevealPolicy,
    passed: bool,
    passed_before: bool,
    attempts: usize,
) -> KeyReveal {
    match policy {
        RevealPolicy::Always => KeyReveal::Shown,
        RevealPolicy::AfterPass if passed || passed_before => KeyReveal::Shown,
        RevealPolicy::AfterPass => KeyReveal::Pass,
        RevealPolicy::AfterAttempts(needed) => {
            let made = u32::try_from(attempts).unwrap_or(u32::MAX);
            match needed.get().checked_sub(made) {
                Some(remaining) if remaining > 0 => KeyReveal::Attempts {
                    attempts: needed.get(),
                    remaining,
                },
                _ => KeyReveal::Shown,
            }
        }
    }
}

/// Whether the keys of an attempt of `quiz` that `passed` (or not) are shown, going by
/// what the store holds now: every attempt so far, the one on screen included. So a page of
/// an older attempt shows its keys once the policy allows, as the learner has earned them.
pub fn reveal_now(
    quiz: &Quiz,
    passed: bool,
    store: &impl ProgressStore,
) -> Result<KeyReveal, StoreError> {
    if quiz.reveal == RevealPolicy::Always {
        // No need to read the store.
        return Ok(KeyReveal::Shown);
    }
    let best = store.read(|s| s.best_quiz_scores())?;
    let best = best.get(quiz.slug.as_str());
    Ok(reveal(
        quiz.reveal,
        passed,
        best.is_some_and(|b| b.passed),
        best.map_or(1, |b| b.attempts),
    ))
}

/// One option as a page or a script names it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum OptionRef {
    /// Its index in the quiz file, for scripts that read the quiz (JSON numbers only).
    Number(usize),
    /// The opaque value the quiz page gave it ([`crate::grade::options::option_token`]).
    Token(String),
}

/// An answer as a front end sends it, before it is read against its question.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum SentAnswer {
    /// Chosen options; from a plain form, every value of the field (a short answer too,
    /// since a form cannot say which it is).
    Options(Vec<OptionRef>),
    /// Typed text.
    Text(String),
}

/// Scores `answers` to quiz `slug` with its keys and records the attempt, moving its
/// questions in the review queue as of `now` (unix seconds, UTC; see [`review::next_step`])
/// in the same transaction. Options named by token are read with `learner_seed`, the seed of
/// the page that showed them. Questions not answered keep the points of their latest answer,
/// if it was to the question as it is now (so retrying only the missed questions keeps the
/// rest).
pub fn submit_attempt(
    course: &Course,
    slug: &str,
    answers: BTreeMap<String, SentAnswer>,
    learner_seed: &str,
    store: &impl ProgressStore,
    now: i64,
) -> Result<Submitted, AppError> {
    let quiz = course
        .quizzes
        .get(slug)
        .ok_or_else(|| AppError::UnknownQuiz(slug.to_string()))?;
    let answers = read_answers(quiz, learner_seed, answers)?;
    let checked = scoring::validate(quiz, &answers)?;
    let earlier = standing(quiz, &store.read(|s| s.latest_answers(slug))?);
    let scored = scoring::score(quiz, checked, &earlier);
    let records = records(quiz, &scored);
    let queued = store.read(|s| s.review_entries(slug))?;
    let reviews = review::changes(quiz, &scored, &queued, now);
    let attempt = store.write(|s| {
        s.record_attempt_and_reviews(slug, scored.score, scored.passed, &records, &reviews)
    })?;
    let reveal = reveal_now(quiz, scored.passed, store)?;
    Ok(Submitted {
        attempt,
        scored,
        reveal,
    })
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

/// Reads each sent answer against its question: tokens become option indexes, and a
/// form's single value for a short question becomes its text. An unknown question is left
/// for [`scoring::validate`] to refuse.
pub fn read_answers(
    quiz: &Quiz,
    learner_seed: &str,
    sent: BTreeMap<String, SentAnswer>,
) -> Result<BTreeMap<String, Answer>, SubmissionError> {
    let mut answers = BTreeMap::new();
    for (id, answer) in sent {
        let question = quiz.questions.iter().find(|q| q.id.as_str() == id);
        let answer = match (question, answer) {
            (_, SentAnswer::Text(text)) => Answer::Text(text),
            (Some(q), SentAnswer::Options(refs)) if q.kind == QuestionKind::Short => {
                Answer::Text(as_text(q, refs)?)
            }
            (Some(q), SentAnswer::Options(refs)) => {
                let indexes = refs.iter().map(|r| option_index(quiz, learner_seed, q, r));
                Answer::Choices(indexes.collect::<Result<_, _>>()?)
            }
            // Refused as an unknown question by `validate`; the shape does not matter.
            (None, SentAnswer::Options(_)) => Answer::Choices(Vec::new()),
        };
        answers.insert(id, answer);
    }
    Ok(answers)
}

/// A short answer sent as a list: one form value, or (from a script) numbers, taken as the
/// typed text.
fn as_text(question: &Question, refs: Vec<OptionRef>) -> Result<String, SubmissionError> {
    let text: Vec<String> = refs
        .into_iter()
        .map(|r| match r {
            OptionRef::Number(n) => n.to_string(),
            OptionRef::Token(t) => t,
        })
        .collect();
    match text.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(SubmissionError::Invalid {
            question: question.id.to_string(),
            problem: "this is a short-answer question: send one text".into(),
        }),
    }
}

/// The index of the option `option` names; an unknown token is refused, an out-of-range
/// number is left for [`scoring::validate`] to refuse.
fn option_index(
    quiz: &Quiz,
    learner_seed: &str,
    question: &Question,
    option: &OptionRef,
) -> Result<usize, SubmissionError> {
    match option {
        OptionRef::Number(n) => Ok(*n),
        OptionRef::Token(token) => {
            option_for_token(learner_seed, quiz.slug.as_str(), question, token).ok_or_else(|| {
                SubmissionError::Invalid {
                    question: question.id.to_string(),
                    problem: format!(
                        "no option has the value `{token}`: send the values of the options on \
                         the quiz page (reload it if the course or the learner changed)"
                    ),
                }
            })
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

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;

    use super::*;

    fn after(n: u32) -> RevealPolicy {
        RevealPolicy::AfterAttempts(NonZeroU32::new(n).unwrap())
    }

    #[test]
    fn always_shows_even_a_first_failing_attempt() {
        assert_eq!(
            reveal(RevealPolicy::Always, false, false, 1),
            KeyReveal::Shown
        );
    }

    #[test]
    fn after_pass_waits_for_a_pass_now_or_before() {
        let policy = RevealPolicy::AfterPass;
        assert_eq!(reveal(policy, false, false, 5), KeyReveal::Pass);
        assert_eq!(reveal(policy, true, false, 1), KeyReveal::Shown);
        // Passed once, failed since: the learner has earned the answers.
        assert_eq!(reveal(policy, false, true, 3), KeyReveal::Shown);
    }

    #[test]
    fn after_attempts_counts_this_attempt_and_ignores_passing() {
        let waiting = |remaining| KeyReveal::Attempts {
            attempts: 3,
            remaining,
        };
        assert_eq!(reveal(after(3), false, false, 1), waiting(2));
        assert_eq!(reveal(after(3), true, true, 2), waiting(1));
        assert_eq!(reveal(after(3), false, false, 3), KeyReveal::Shown);
        assert_eq!(reveal(after(3), false, false, 9), KeyReveal::Shown);
        assert_eq!(reveal(after(1), false, false, 1), KeyReveal::Shown);
    }

    #[test]
    fn the_notice_says_when() {
        assert_eq!(KeyReveal::Shown.notice(), None);
        assert_eq!(
            KeyReveal::Pass.notice().unwrap(),
            "The answers are shown once you pass this quiz."
        );
        let notice = KeyReveal::Attempts {
            attempts: 3,
            remaining: 1,
        }
        .notice();
        assert_eq!(
            notice.unwrap(),
            "The answers are shown after 3 attempts: 1 more to go."
        );
    }
}
