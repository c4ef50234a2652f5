//! `workbook quiz grade`: an instructor scores a learner's quiz answers with the answer keys
//! that never left the instructor's course.
//!
//! A learner's repository holds its own progress database, so the quiz scores a learner
//! hands in are self-reported: nothing stops an edited database. The answers themselves are
//! evidence, though: `workbook export` writes every attempt with every answer, and scoring
//! them again here, attempt by attempt with the same rules as the page (including "retry the
//! questions I missed"), gives scores the learner cannot set. The result is a quiz-scores
//! file that `workbook gradebook` takes beside the learner's grades report.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;

use crate::class::gradebook::{PROGRESS_KIND, QUIZ_SCORES_KIND, QuizResult};
use crate::course::Course;
use crate::grade::scoring::Answer;

/// Why answers could not be graded.
#[derive(Debug, thiserror::Error)]
pub enum QuizGradeError {
    /// The file could not be read.
    #[error(transparent)]
    Io(#[from] crate::io_error::IoError),
    /// The file is not a learner's export.
    #[error("{path} is not a learner's export (`workbook export --format json`): {message}", path = .path.display())]
    NotAnExport {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
struct Export {
    version: u32,
    kind: String,
    #[serde(default)]
    quiz_attempts: Vec<ExportedAttempt>,
}

#[derive(Deserialize)]
struct ExportedAttempt {
    quiz: String,
    answers: Vec<ExportedAnswer>,
}

#[derive(Deserialize)]
struct ExportedAnswer {
    question: String,
    answer: serde_json::Value,
}

/// The quiz scores of one learner's export, graded with `course`'s keys, as the JSON of a
/// quiz-scores file: `{"version": 1, "kind": "workbook-quiz-scores", "quizzes": {"<slug>":
/// {"best", "passed", "attempts"}}}`. Attempts at quizzes the course does not have, and
/// answers to questions it does not have, count for nothing.
pub fn grade_export(course: &Course, path: &Path) -> Result<serde_json::Value, QuizGradeError> {
    let text = std::fs::read_to_string(path).map_err(crate::io_error::io(format!(
        "cannot read {}",
        path.display()
    )))?;
    let not_an_export = |message: String| QuizGradeError::NotAnExport {
        path: path.to_path_buf(),
        message,
    };
    let export: Export = serde_json::from_str(&text).map_err(|e| not_an_export(e.to_string()))?;
    if export.kind != PROGRESS_KIND
        || !crate::grade::report::readable_version(u64::from(export.version))
    {
        return Err(not_an_export(format!(
            "its kind is `{}` version {}",
            export.kind, export.version
        )));
    }
    let mut results: BTreeMap<String, QuizResult> = BTreeMap::new();
    // The latest points per question of each quiz, as the page keeps them for retries.
    let mut earlier: HashMap<String, HashMap<String, f64>> = HashMap::new();
    for attempt in &export.quiz_attempts {
        let Some(quiz) = course.quizzes.get(attempt.quiz.as_str()) else {
            continue;
        };
        let answers: BTreeMap<String, Answer> = attempt
            .answers
            .iter()
            .filter_map(|a| {
                Some((
                    a.question.clone(),
                    serde_json::from_value(a.answer.clone()).ok()?,
                ))
            })
            .collect();
        let Ok(checked) = crate::grade::scoring::validate(quiz, &answers) else {
            continue;
        };
        let before = earlier.entry(attempt.quiz.clone()).or_default();
        let scored = crate::grade::scoring::score(quiz, checked, before);
        for result in &scored.results {
            before.insert(result.id.clone(), result.points);
        }
        let entry = results.entry(attempt.quiz.clone()).or_insert(QuizResult {
            best: 0.0,
            passed: false,
            attempts: 0,
        });
        entry.best = entry.best.max(scored.score);
        entry.passed |= scored.passed;
        entry.attempts += 1;
    }
    Ok(serde_json::json!({
        "version": crate::grade::REPORT_VERSION,
        "kind": QUIZ_SCORES_KIND,
        "quizzes": results,
    }))
}
