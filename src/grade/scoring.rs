//! Scoring quiz answers on the server. Answers name options by their identity (their index
//! in the quiz file), never by where the page showed them, so shuffling cannot change a score.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::course::{AnswerKey, Question, QuestionKind, Quiz};

/// A learner's answer to one question, as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    /// Chosen options by identity (choice questions).
    Choices(Vec<usize>),
    /// Typed text (short questions).
    Text(String),
}

/// Why a submission was refused; nothing is stored for a refused submission.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmissionError {
    /// No answer at all.
    #[error("the submission holds no answers")]
    Empty,
    /// A question id the quiz does not have.
    #[error("quiz `{quiz}` has no question `{question}`")]
    UnknownQuestion {
        /// The quiz.
        quiz: String,
        /// The id given.
        question: String,
    },
    /// An answer of the wrong shape for its question.
    #[error("question `{question}`: {problem}")]
    Invalid {
        /// The question.
        question: String,
        /// What is wrong.
        problem: String,
    },
}

/// The verdict on one answered question, sent back only after it was answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionResult {
    /// The question's id.
    pub id: String,
    /// Fully right.
    pub correct: bool,
    /// Points earned, 0 to 1 (partial only for `multiple` with partial credit).
    pub points: f64,
    /// What the learner answered.
    pub answer: Answer,
    /// The right option ids (choice questions).
    pub correct_choices: Vec<usize>,
    /// The accepted answers (short questions: the first is the canonical one).
    pub accepted: Vec<String>,
    /// Why.
    pub explanation: String,
    /// The verdict in words, e.g. "Partly right: 2 of 3 right options, none wrong."
    pub verdict: String,
}

/// A scored submission.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scored {
    /// The quiz's slug.
    pub quiz: String,
    /// One result per answered question, in quiz order.
    pub results: Vec<QuestionResult>,
    /// The quiz score, 0 to 1, over all its questions (see [`score`]).
    pub score: f64,
    /// The pass mark.
    pub pass_mark: f64,
    /// Whether `score` meets the pass mark.
    pub passed: bool,
    /// Questions not right in this attempt or earlier ones: what "retry missed" offers.
    pub missed: Vec<String>,
}

/// Checks a submission against the quiz's shape; returns the answers by question.
pub fn validate<'q>(
    quiz: &'q Quiz,
    answers: &BTreeMap<String, Answer>,
) -> Result<Vec<(&'q Question, Answer)>, SubmissionError> {
    if answers.is_empty() {
        return Err(SubmissionError::Empty);
    }
    let by_id: HashMap<&str, &Question> =
        quiz.questions.iter().map(|q| (q.id.as_str(), q)).collect();
    let mut checked = Vec::new();
    for (id, answer) in answers {
        let question = by_id
            .get(id.as_str())
            .ok_or_else(|| SubmissionError::UnknownQuestion {
                quiz: quiz.slug.to_string(),
                question: id.clone(),
            })?;
        check_shape(question, answer).map_err(|problem| SubmissionError::Invalid {
            question: id.clone(),
            problem,
        })?;
        checked.push((*question, answer.clone()));
    }
    // Quiz order, not submission order, so results read like the quiz.
    checked.sort_by_key(|(q, _)| quiz.questions.iter().position(|x| x.id == q.id));
    Ok(checked)
}

/// The longest short answer accepted, in characters (not bytes: `é` counts once).
pub const MAX_ANSWER_CHARS: usize = 1000;

/// Checks that `answer` has the shape `question` asks for; says what is wrong if not.
fn check_shape(question: &Question, answer: &Answer) -> Result<(), String> {
    match (question.kind, answer) {
        (QuestionKind::Short, Answer::Text(text)) if text.trim().is_empty() => {
            Err("the answer is empty".into())
        }
        (QuestionKind::Short, Answer::Text(text))
            if text.chars().nth(MAX_ANSWER_CHARS).is_some() =>
        {
            Err(format!(
                "the answer is longer than {MAX_ANSWER_CHARS} characters"
            ))
        }
        (QuestionKind::Short, Answer::Text(_)) => Ok(()),
        (QuestionKind::Short, Answer::Choices(_)) => {
            Err("this is a short-answer question: send text".into())
        }
        (QuestionKind::Single | QuestionKind::Multiple, Answer::Text(_)) => {
            Err("this is a choice question: send option numbers".into())
        }
        (kind @ (QuestionKind::Single | QuestionKind::Multiple), Answer::Choices(choices)) => {
            check_choices(kind, question.options.len(), choices)
        }
    }
}

/// A choice answer names each option at most once, so it is never longer than the list of
/// options (one for a `single` question): what is stored stays as small as the question.
fn check_choices(kind: QuestionKind, options: usize, choices: &[usize]) -> Result<(), String> {
    if choices.is_empty() {
        return Err("no option was chosen".into());
    }
    if kind == QuestionKind::Single && choices.len() > 1 {
        return Err("only one option may be chosen".into());
    }
    if choices.len() > options {
        return Err(format!(
            "{} options were chosen; the question has {options}",
            choices.len()
        ));
    }
    if let Some(bad) = choices.iter().find(|&&c| c >= options) {
        return Err(format!(
            "option {bad} does not exist (options are 0 to {})",
            options.saturating_sub(1)
        ));
    }
    let mut seen = BTreeSet::new();
    if let Some(twice) = choices.iter().find(|&&c| !seen.insert(c)) {
        return Err(format!("option {twice} is chosen twice"));
    }
    Ok(())
}

/// Points (0 to 1) for one answer.
pub fn points(question: &Question, answer: &Answer, partial_credit: bool) -> f64 {
    match (&question.answer, answer) {
        (AnswerKey::Accepted(accepted), Answer::Text(text)) => {
            let given = normalize(text);
            f64::from(u8::from(accepted.iter().any(|a| normalize(a) == given)))
        }
        (AnswerKey::Choices(key), Answer::Choices(chosen)) => {
            let chosen: BTreeSet<usize> = chosen.iter().copied().collect();
            if &chosen == key {
                1.0
            } else if partial_credit && question.kind == QuestionKind::Multiple {
                // Each right pick earns a share; each wrong pick takes one back, so ticking
                // every box never beats knowing the answer.
                let right = chosen.intersection(key).count() as f64;
                let wrong = chosen.difference(key).count() as f64;
                ((right - wrong) / key.len() as f64).max(0.0)
            } else {
                0.0
            }
        }
        // An answer of the other shape earns nothing (validate refuses it before scoring).
        (AnswerKey::Accepted(_), Answer::Choices(_)) | (AnswerKey::Choices(_), Answer::Text(_)) => {
            0.0
        }
    }
}

/// Short answers match ignoring case, surrounding space and repeated inner space.
fn normalize(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Scores `answers`; `earlier` holds the points of the latest earlier answer to each question
/// that has not changed since, so retrying only the missed questions keeps the rest.
pub fn score(
    quiz: &Quiz,
    answers: Vec<(&Question, Answer)>,
    earlier: &HashMap<String, f64>,
) -> Scored {
    let mut results = Vec::new();
    for (question, answer) in answers {
        let points = points(question, &answer, quiz.partial_credit);
        let (correct_choices, accepted) = match &question.answer {
            AnswerKey::Choices(key) => (key.iter().copied().collect(), Vec::new()),
            AnswerKey::Accepted(accepted) => (Vec::new(), accepted.clone()),
        };
        results.push(QuestionResult {
            id: question.id.to_string(),
            correct: points >= 1.0,
            points,
            verdict: verdict(question, &answer, points),
            answer,
            correct_choices,
            accepted,
            explanation: question.explanation.clone(),
        });
    }
    let mut standing = earlier.clone();
    standing.extend(results.iter().map(|r| (r.id.clone(), r.points)));
    let total: f64 = quiz
        .questions
        .iter()
        .filter_map(|q| standing.get(q.id.as_str()))
        .sum();
    let score = if quiz.questions.is_empty() {
        0.0
    } else {
        total / quiz.questions.len() as f64
    };
    let missed = missed(quiz, &standing);
    Scored {
        quiz: quiz.slug.to_string(),
        results,
        score,
        pass_mark: quiz.pass_mark,
        // A hair of tolerance so 4 of 5 meets a 0.8 pass mark despite floating point.
        passed: score + 1e-9 >= quiz.pass_mark,
        missed,
    }
}

/// The verdict on one answer in words. Partial credit (only `multiple` questions of a quiz
/// that opts in earn it) says what was right and wrong, so the learner sees why it was not
/// all or nothing; any other answer short of full marks is simply "Not quite."
pub fn verdict(question: &Question, answer: &Answer, points: f64) -> String {
    if points >= 1.0 {
        return "Right.".to_string();
    }
    match (&question.answer, answer) {
        (AnswerKey::Choices(key), Answer::Choices(chosen)) if points > 0.0 => {
            let chosen: BTreeSet<usize> = chosen.iter().copied().collect();
            let right = chosen.intersection(key).count();
            let wrong = chosen.difference(key).count();
            let wrong = match wrong {
                0 => "none wrong".to_string(),
                1 => "1 wrong".to_string(),
                n => format!("{n} wrong"),
            };
            format!(
                "Partly right ({:.0}%): {right} of {} right options, {wrong}.",
                points * 100.0,
                key.len()
            )
        }
        (AnswerKey::Choices(_) | AnswerKey::Accepted(_), _) => "Not quite.".to_string(),
    }
}

/// The questions of `quiz` not fully right, given the points of the learner's latest
/// up-to-date answer to each (`standing`: question id -> points; a question missing from it
/// was never answered, or changed since). What "retry the questions I missed" offers.
pub fn missed(quiz: &Quiz, standing: &HashMap<String, f64>) -> Vec<String> {
    quiz.questions
        .iter()
        .filter(|q| {
            standing
                .get(q.id.as_str())
                .is_none_or(|&points| points < 1.0)
        })
        .map(|q| q.id.to_string())
        .collect()
}

/// A stable fingerprint of a question as the learner saw it: editing it changes the hash,
/// which marks earlier answers to it as answered before the change.
pub fn question_hash(question: &Question) -> String {
    // FNV-1a: stable across builds and platforms, unlike std's hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |text: &str| {
        for byte in text.bytes().chain(std::iter::once(0xff)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    feed(question.id.as_str());
    feed(question.kind.as_str());
    feed(&question.prompt);
    for option in &question.options {
        feed(option);
    }
    match &question.answer {
        AnswerKey::Choices(key) => key.iter().for_each(|k| feed(&k.to_string())),
        AnswerKey::Accepted(accepted) => accepted.iter().for_each(|a| feed(a)),
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::{QuestionId, QuizSlug};

    fn question(id: &str, kind: QuestionKind, options: &[&str], answer: AnswerKey) -> Question {
        Question {
            id: QuestionId::new(id),
            kind,
            prompt: format!("prompt {id}"),
            options: options.iter().map(|s| s.to_string()).collect(),
            answer,
            explanation: format!("because {id}"),
            pin_order: false,
            line: 1,
        }
    }

    fn quiz(partial_credit: bool) -> Quiz {
        Quiz {
            slug: QuizSlug::new("q"),
            path: "quizzes/q.toml".into(),
            title: "Q".into(),
            pass_mark: 0.8,
            partial_credit,
            reveal: Default::default(),
            questions: vec![
                question(
                    "one",
                    QuestionKind::Single,
                    &["a", "b", "c"],
                    AnswerKey::Choices([1].into()),
                ),
                question(
                    "many",
                    QuestionKind::Multiple,
                    &["a", "b", "c", "d"],
                    AnswerKey::Choices([0, 2].into()),
                ),
                question(
                    "text",
                    QuestionKind::Short,
                    &[],
                    AnswerKey::Accepted(vec!["N+1".into(), "n plus one".into()]),
                ),
            ],
        }
    }

    fn submit(
        quiz: &Quiz,
        pairs: &[(&str, Answer)],
        earlier: &HashMap<String, f64>,
    ) -> Result<Scored, SubmissionError> {
        let answers: BTreeMap<String, Answer> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        Ok(score(quiz, validate(quiz, &answers)?, earlier))
    }

    #[test]
    fn all_right_passes() {
        let q = quiz(false);
        let s = submit(
            &q,
            &[
                ("one", Answer::Choices(vec![1])),
                ("many", Answer::Choices(vec![2, 0])),
                ("text", Answer::Text("  n   PLUS one ".into())),
            ],
            &HashMap::new(),
        )
        .unwrap();
        assert_eq!(s.score, 1.0);
        assert!(s.passed);
        assert!(s.missed.is_empty());
        assert_eq!(s.results[0].id, "one", "results follow quiz order");
    }

    #[test]
    fn a_partial_answer_says_what_was_right_and_wrong() {
        let q = question(
            "m",
            QuestionKind::Multiple,
            &["a", "b", "c", "d"],
            AnswerKey::Choices(BTreeSet::from([0, 1, 2])),
        );
        let two_right = Answer::Choices(vec![0, 1]);
        let earned = points(&q, &two_right, true);
        assert_eq!(
            verdict(&q, &two_right, earned),
            "Partly right (67%): 2 of 3 right options, none wrong."
        );
        let with_a_wrong = Answer::Choices(vec![0, 1, 2, 3]);
        let earned = points(&q, &with_a_wrong, true);
        assert_eq!(
            verdict(&q, &with_a_wrong, earned),
            "Partly right (67%): 3 of 3 right options, 1 wrong."
        );
        // Without partial credit the same answer earns nothing, and says only that.
        assert_eq!(
            verdict(&q, &two_right, points(&q, &two_right, false)),
            "Not quite."
        );
        let all = Answer::Choices(vec![0, 1, 2]);
        assert_eq!(verdict(&q, &all, 1.0), "Right.");
    }

    #[test]
    fn multiple_is_all_or_nothing_without_partial_credit() {
        let q = quiz(false);
        let s = submit(&q, &[("many", Answer::Choices(vec![0]))], &HashMap::new()).unwrap();
        assert_eq!(s.results[0].points, 0.0);
        let q = quiz(true);
        let s = submit(&q, &[("many", Answer::Choices(vec![0]))], &HashMap::new()).unwrap();
        assert_eq!(s.results[0].points, 0.5);
        let s = submit(
            &q,
            &[("many", Answer::Choices(vec![0, 1, 2, 3]))],
            &HashMap::new(),
        )
        .unwrap();
        assert_eq!(s.results[0].points, 0.0, "ticking everything earns nothing");
    }

    #[test]
    fn retrying_missed_questions_keeps_earlier_points() {
        let q = quiz(false);
        let earlier: HashMap<String, f64> =
            [("one".to_string(), 1.0), ("many".to_string(), 1.0)].into();
        let s = submit(&q, &[("text", Answer::Text("N+1".into()))], &earlier).unwrap();
        assert_eq!(s.results.len(), 1, "only the answered question is revealed");
        assert_eq!(s.score, 1.0);
    }

    #[test]
    fn bad_submissions_are_refused() {
        let q = quiz(false);
        let e = |pairs: &[(&str, Answer)]| submit(&q, pairs, &HashMap::new()).unwrap_err();
        assert_eq!(e(&[]), SubmissionError::Empty);
        assert!(matches!(
            e(&[("nope", Answer::Choices(vec![0]))]),
            SubmissionError::UnknownQuestion { .. }
        ));
        assert!(matches!(
            e(&[("one", Answer::Choices(vec![7]))]),
            SubmissionError::Invalid { .. }
        ));
        assert!(matches!(
            e(&[("one", Answer::Choices(vec![0, 1]))]),
            SubmissionError::Invalid { .. }
        ));
        assert!(matches!(
            e(&[("one", Answer::Text("b".into()))]),
            SubmissionError::Invalid { .. }
        ));
        assert!(matches!(
            e(&[("text", Answer::Choices(vec![0]))]),
            SubmissionError::Invalid { .. }
        ));
        assert!(matches!(
            e(&[("text", Answer::Text("  ".into()))]),
            SubmissionError::Invalid { .. }
        ));
        assert!(matches!(
            e(&[("one", Answer::Choices(vec![1; 10_000]))]),
            SubmissionError::Invalid { .. }
        ));
        assert!(matches!(
            e(&[("many", Answer::Choices(vec![0, 2, 0]))]),
            SubmissionError::Invalid { .. }
        ));
        assert!(matches!(
            e(&[("text", Answer::Text("é".repeat(MAX_ANSWER_CHARS + 1)))]),
            SubmissionError::Invalid { .. }
        ));
    }

    #[test]
    fn the_answer_limit_counts_characters() {
        let q = quiz(false);
        let answer = Answer::Text("é".repeat(MAX_ANSWER_CHARS));
        assert!(submit(&q, &[("text", answer)], &HashMap::new()).is_ok());
    }

    #[test]
    fn editing_a_question_changes_its_hash() {
        let q = quiz(false);
        let mut edited = q.questions[0].clone();
        assert_eq!(question_hash(&q.questions[0]), question_hash(&edited));
        edited.prompt.push('?');
        assert_ne!(question_hash(&q.questions[0]), question_hash(&edited));
    }
}
