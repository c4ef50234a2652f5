//! What a learner hands in: their whole progress ([`export`], `workbook export`), and the
//! file `workbook grade --all --format json` writes ([`grades_file`]).

use super::{AppError, ProgressStore};
use crate::class::export::{Export, ExportedAnswer, ExportedAttempt, ExportedGrade, ExportedHints};
use crate::class::gradebook::{GRADES_KIND, GradesFile, QuizResult};
use crate::grade::{REPORT_VERSION, Report};

/// The learner's progress: attempts with answers, grades and hints, oldest first.
pub fn export(store: &impl ProgressStore) -> Result<Export, AppError> {
    let (attempts, grades, hints) =
        store.read(|s| Ok((s.all_attempts()?, s.all_grades()?, s.hint_counts()?)))?;
    let mut export = Export::new();
    export.quizzes = best_quiz_results(store)?;
    export.quiz_attempts = attempts
        .into_iter()
        .map(|(id, attempted_at, a)| ExportedAttempt {
            answers: a
                .answers
                .into_iter()
                .map(|r| ExportedAnswer {
                    // Stored as the JSON the learner sent; kept as JSON in the file.
                    answer: serde_json::from_str(&r.answer).unwrap_or(serde_json::Value::Null),
                    correct: r.correct,
                    points: r.points,
                    question: r.question,
                })
                .collect(),
            attempted_at,
            id,
            passed: a.passed,
            quiz: a.quiz,
            score: a.score,
        })
        .collect();
    export.grades = grades
        .into_iter()
        .map(|g| ExportedGrade {
            exercise: g.exercise,
            graded_at: g.graded_at,
            passed: g.passed,
            status: g.status,
            total: g.total,
        })
        .collect();
    export.hints = hints
        .into_iter()
        .map(|(exercise, revealed)| ExportedHints { exercise, revealed })
        .collect();
    Ok(export)
}

/// The grades file of `reports`, with this learner's best quiz results when `store` is
/// theirs (`None` for another learner's repository: this store says nothing about them).
pub fn grades_file(
    reports: &[Report],
    store: Option<&impl ProgressStore>,
) -> Result<GradesFile, AppError> {
    let quizzes = match store {
        Some(store) => best_quiz_results(store)?,
        None => Default::default(),
    };
    Ok(GradesFile {
        version: REPORT_VERSION,
        kind: GRADES_KIND.to_string(),
        exercises: reports.to_vec(),
        quizzes,
    })
}

fn best_quiz_results(
    store: &impl ProgressStore,
) -> Result<std::collections::BTreeMap<String, QuizResult>, AppError> {
    let bests = store.read(|s| s.best_quiz_scores())?;
    Ok(bests
        .into_iter()
        .map(|(quiz, best)| {
            let result = QuizResult {
                best: best.score,
                passed: best.passed,
                attempts: best.attempts,
            };
            (quiz, result)
        })
        .collect())
}
