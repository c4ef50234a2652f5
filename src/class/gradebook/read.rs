//! Reading one learner's file: its exercise and quiz scores and, where the file carries
//! whole reports, each hidden test's outcome, whichever of the four kinds the file is.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::{GRADES_KIND, GradebookError, GradesFile, PROGRESS_KIND, QUIZ_SCORES_KIND, QuizResult};
use crate::grade::report::readable_version;
use crate::grade::{Report, TestStatus};

/// One hidden test's outcome in one learner's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestMark {
    /// The test's path, `<test file>::<test function>`.
    pub name: String,
    /// Its doc comment's sentence, as the report carries it.
    pub description: String,
    /// Passed, failed or timed out.
    pub status: TestStatus,
    /// The id of its stage, in a staged exercise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
}

/// Each test's mark in a report, by exercise.
pub type ExerciseMarks = BTreeMap<String, Vec<TestMark>>;

/// Where a report's quiz scores come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum QuizSource {
    /// The learner's own progress database (grades and progress files).
    SelfReported,
    /// `workbook quiz grade`, with the instructor's keys.
    Graded,
}

/// A report file's exercise and quiz scores.
pub(super) struct Scores {
    pub(super) exercises: BTreeMap<String, f64>,
    pub(super) quizzes: BTreeMap<String, f64>,
    pub(super) source: QuizSource,
    /// Per-test outcomes: only grade reports carry them (a progress export keeps scores).
    pub(super) tests: ExerciseMarks,
}

impl Scores {
    fn self_reported(exercises: BTreeMap<String, f64>, quizzes: BTreeMap<String, f64>) -> Scores {
        Scores {
            exercises,
            quizzes,
            source: QuizSource::SelfReported,
            tests: BTreeMap::new(),
        }
    }
}

/// A report file's exercise and quiz scores, whichever of the three kinds it is.
pub(super) fn read(path: &Path) -> Result<Scores, GradebookError> {
    let value = read_current_json(path)?;
    let kind = value
        .get("kind")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string);
    let scores = match kind.as_deref() {
        Some(GRADES_KIND) => grades_scores(value),
        Some(PROGRESS_KIND) => progress_scores(&value),
        Some(QUIZ_SCORES_KIND) => quiz_grade_scores(&value),
        Some(other) => Err(format!("unknown kind `{other}`")),
        None => report_scores(value),
    };
    scores.map_err(|message| GradebookError::NotAReport {
        path: path.to_path_buf(),
        message,
    })
}

/// The file's JSON, or the refusal if it cannot be read, is not JSON, or is not of this
/// workbook's schema version.
fn read_current_json(path: &Path) -> Result<serde_json::Value, GradebookError> {
    let text = std::fs::read_to_string(path).map_err(crate::io_error::io(format!(
        "cannot read {}",
        path.display()
    )))?;
    let not_a_report = |message: String| GradebookError::NotAReport {
        path: path.to_path_buf(),
        message,
    };
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| not_a_report(e.to_string()))?;
    match value.get("version").and_then(serde_json::Value::as_u64) {
        Some(v) if readable_version(v) => Ok(value),
        Some(found) => Err(GradebookError::WrongVersion {
            path: path.to_path_buf(),
            found,
        }),
        None => Err(not_a_report("it has no `version` field".into())),
    }
}

/// A report's score: passed / total, 0 when it has no tests.
fn report_score(r: &Report) -> f64 {
    if r.score.total == 0 {
        0.0
    } else {
        r.score.passed as f64 / r.score.total as f64
    }
}

/// The scores of a `workbook grade --all` file, or why it does not fit.
fn grades_scores(value: serde_json::Value) -> Result<Scores, String> {
    let file: GradesFile = serde_json::from_value(value).map_err(|e| e.to_string())?;
    let mut scores = Scores::self_reported(
        file.exercises
            .iter()
            .map(|r| (r.exercise.to_string(), report_score(r)))
            .collect(),
        file.quizzes.into_iter().map(|(q, r)| (q, r.best)).collect(),
    );
    scores.tests = file.exercises.iter().map(marks).collect();
    Ok(scores)
}

/// The scores of a `workbook export` file, each exercise's latest grade, or why it does not
/// fit.
fn progress_scores(value: &serde_json::Value) -> Result<Scores, String> {
    let quizzes = quiz_results(value)?;
    let mut exercises = BTreeMap::new();
    for grade in value
        .get("grades")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(exercise), Some(passed), Some(total)) = (
            grade.get("exercise").and_then(serde_json::Value::as_str),
            grade.get("passed").and_then(serde_json::Value::as_u64),
            grade.get("total").and_then(serde_json::Value::as_u64),
        ) else {
            return Err("a grade lacks exercise, passed or total".into());
        };
        // Grades are oldest first: the latest one stays.
        let value = if total == 0 {
            0.0
        } else {
            passed as f64 / total as f64
        };
        exercises.insert(exercise.to_string(), value);
    }
    Ok(Scores::self_reported(
        exercises,
        quizzes.into_iter().map(|(q, r)| (q, r.best)).collect(),
    ))
}

/// The scores of a `workbook quiz grade` file (quizzes only), or why it does not fit.
fn quiz_grade_scores(value: &serde_json::Value) -> Result<Scores, String> {
    let quizzes = quiz_results(value)?;
    Ok(Scores {
        exercises: BTreeMap::new(),
        quizzes: quizzes.into_iter().map(|(q, r)| (q, r.best)).collect(),
        source: QuizSource::Graded,
        tests: BTreeMap::new(),
    })
}

/// The score of one exercise's report, or why it does not fit.
fn report_scores(value: serde_json::Value) -> Result<Scores, String> {
    let report: Report = serde_json::from_value(value).map_err(|e| e.to_string())?;
    let mut scores = Scores::self_reported(
        [(report.exercise.to_string(), report_score(&report))].into(),
        BTreeMap::new(),
    );
    scores.tests = [marks(&report)].into();
    Ok(scores)
}

/// A report's exercise and the mark of each test it ran (none when it did not compile).
fn marks(report: &Report) -> (String, Vec<TestMark>) {
    let marks = report
        .tests
        .iter()
        .map(|t| TestMark {
            name: t.name.clone(),
            description: t.description.clone(),
            status: t.status,
            stage: t.stage.clone(),
        })
        .collect();
    (report.exercise.to_string(), marks)
}

/// The `quizzes` object of a progress or quiz-scores file (absent: none).
fn quiz_results(value: &serde_json::Value) -> Result<BTreeMap<String, QuizResult>, String> {
    value
        .get("quizzes")
        .cloned()
        .map(serde_json::from_value)
        .transpose()
        .map(Option::unwrap_or_default)
        .map_err(|e| e.to_string())
}
