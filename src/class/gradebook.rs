//! Class results: the JSON files learners' CI runs produce (`workbook grade --all --format
//! json`, `workbook export --format json`, or one exercise's report), merged into one table
//! with a row per learner, named by each file's name.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::csv::{neutralise, table};
use crate::grade::{REPORT_VERSION, Report};
use crate::io_error::IoError;

/// The `kind` of `workbook grade --all --format json` output.
pub const GRADES_KIND: &str = "workbook-grades";
/// The `kind` of `workbook export --format json` output.
pub const PROGRESS_KIND: &str = "workbook-progress";
/// The `kind` of `workbook quiz grade` output: quiz scores the instructor computed.
pub const QUIZ_SCORES_KIND: &str = "workbook-quiz-scores";

/// A quiz's best result, as carried in grade and progress files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuizResult {
    /// Best score, 0 to 1.
    pub best: f64,
    /// Whether any attempt passed.
    pub passed: bool,
    /// How many attempts.
    pub attempts: usize,
}

/// What `workbook grade --all --format json` writes: every exercise's report and the local
/// learner's quiz results.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GradesFile {
    /// The schema version, [`REPORT_VERSION`].
    pub version: u32,
    /// Always [`GRADES_KIND`].
    pub kind: String,
    /// One report per exercise.
    pub exercises: Vec<Report>,
    /// Best quiz results by quiz slug (empty on a CI machine, which takes no quizzes).
    #[serde(default)]
    pub quizzes: BTreeMap<String, QuizResult>,
}

/// Why the gradebook could not be made. Nothing is written in any case.
#[derive(Debug, thiserror::Error)]
pub enum GradebookError {
    /// No file was given.
    #[error("name at least one learner's report file")]
    NoReports,
    /// A file could not be read.
    #[error(transparent)]
    Io(#[from] crate::io_error::IoError),
    /// A file is not a workbook report.
    #[error("{path} is not a workbook report ({message})")]
    NotAReport {
        /// The file.
        path: PathBuf,
        /// What did not fit.
        message: String,
    },
    /// A report of another schema version.
    #[error(
        "{path} is a report of schema version {found}; this workbook reads version {REPORT_VERSION}"
    )]
    WrongVersion {
        /// The file.
        path: PathBuf,
        /// Its version.
        found: u64,
    },
    /// Two files name the same learner.
    #[error("{path} names learner `{learner}` again; name each learner's report once")]
    DuplicateLearner {
        /// The second file.
        path: PathBuf,
        /// The learner id.
        learner: String,
    },
}

/// One learner's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// The learner's id: the report file's name without `.json`.
    pub learner: String,
    /// Score (passed / total, 0 to 1) by exercise.
    pub exercises: BTreeMap<String, f64>,
    /// Best score by quiz.
    pub quizzes: BTreeMap<String, f64>,
    /// The mean over every column of the gradebook, a missing result counting 0.
    pub total: f64,
}

/// A merged gradebook.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gradebook {
    /// The schema version of this output.
    pub version: u32,
    /// Every exercise that appears in any report, sorted.
    pub exercises: Vec<String>,
    /// Every quiz that appears in any report, sorted.
    pub quizzes: Vec<String>,
    /// The quizzes whose scores came, for at least one learner, from the learner's own
    /// progress (which the learner controls) rather than from `workbook quiz grade`.
    pub self_reported_quizzes: Vec<String>,
    /// One row per learner, sorted by id.
    pub rows: Vec<Row>,
}

/// Reads every report and merges them.
pub fn merge(paths: &[PathBuf]) -> Result<Gradebook, GradebookError> {
    if paths.is_empty() {
        return Err(GradebookError::NoReports);
    }
    let mut rows: Vec<Row> = Vec::new();
    // Per learner: quiz scores from their own progress, and from `quiz grade` (if any).
    let mut own: Vec<Option<BTreeMap<String, f64>>> = Vec::new();
    let mut graded: Vec<Option<BTreeMap<String, f64>>> = Vec::new();
    for path in paths {
        let learner = learner_id(path);
        let scores = read(path)?;
        let at = rows.iter().position(|r| same_learner(&r.learner, &learner));
        let index = at.unwrap_or_else(|| {
            rows.push(Row {
                learner: learner.clone(),
                exercises: BTreeMap::new(),
                quizzes: BTreeMap::new(),
                total: 0.0,
            });
            own.push(None);
            graded.push(None);
            rows.len() - 1
        });
        // One report and one quiz-scores file per learner, at most.
        let slot = match scores.source {
            QuizSource::SelfReported => &mut own[index],
            QuizSource::Graded => &mut graded[index],
        };
        if slot.is_some() {
            return Err(GradebookError::DuplicateLearner {
                path: path.clone(),
                learner,
            });
        }
        *slot = Some(scores.quizzes);
        rows[index].exercises.extend(scores.exercises);
    }
    // Graded scores, where the instructor has them, replace what the learner's progress says.
    let mut self_reported = BTreeSet::new();
    for ((row, own), graded) in rows.iter_mut().zip(own).zip(graded) {
        row.quizzes = match graded {
            Some(graded) => graded,
            None => {
                let own = own.unwrap_or_default();
                self_reported.extend(own.keys().cloned());
                own
            }
        };
    }
    let exercises: BTreeSet<String> = rows
        .iter()
        .flat_map(|r| r.exercises.keys().cloned())
        .collect();
    let quizzes: BTreeSet<String> = rows
        .iter()
        .flat_map(|r| r.quizzes.keys().cloned())
        .collect();
    let columns = (exercises.len() + quizzes.len()).max(1) as f64;
    for row in &mut rows {
        let sum: f64 = row.exercises.values().sum::<f64>() + row.quizzes.values().sum::<f64>();
        row.total = sum / columns;
    }
    rows.sort_by(|a, b| a.learner.cmp(&b.learner));
    Ok(Gradebook {
        version: REPORT_VERSION,
        exercises: exercises.into_iter().collect(),
        quizzes: quizzes.into_iter().collect(),
        self_reported_quizzes: self_reported.into_iter().collect(),
        rows,
    })
}

/// Where a report's quiz scores come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuizSource {
    /// The learner's own progress database (grades and progress files).
    SelfReported,
    /// `workbook quiz grade`, with the instructor's keys.
    Graded,
}

/// A report file's exercise and quiz scores.
struct Scores {
    exercises: BTreeMap<String, f64>,
    quizzes: BTreeMap<String, f64>,
    source: QuizSource,
}

impl Scores {
    fn self_reported(exercises: BTreeMap<String, f64>, quizzes: BTreeMap<String, f64>) -> Scores {
        Scores {
            exercises,
            quizzes,
            source: QuizSource::SelfReported,
        }
    }
}

/// A report file's exercise and quiz scores, whichever of the three kinds it is.
fn read(path: &Path) -> Result<Scores, GradebookError> {
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
        Some(v) if v == u64::from(REPORT_VERSION) => {}
        Some(found) => {
            return Err(GradebookError::WrongVersion {
                path: path.to_path_buf(),
                found,
            });
        }
        None => return Err(not_a_report("it has no `version` field".into())),
    }
    let score = |r: &Report| {
        if r.score.total == 0 {
            0.0
        } else {
            r.score.passed as f64 / r.score.total as f64
        }
    };
    let kind = value
        .get("kind")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string);
    match kind.as_deref() {
        Some(GRADES_KIND) => {
            let file: GradesFile =
                serde_json::from_value(value).map_err(|e| not_a_report(e.to_string()))?;
            Ok(Scores::self_reported(
                file.exercises
                    .iter()
                    .map(|r| (r.exercise.to_string(), score(r)))
                    .collect(),
                file.quizzes.into_iter().map(|(q, r)| (q, r.best)).collect(),
            ))
        }
        Some(PROGRESS_KIND) => {
            let quizzes = quiz_results(&value).map_err(not_a_report)?;
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
                    return Err(not_a_report(
                        "a grade lacks exercise, passed or total".into(),
                    ));
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
        Some(QUIZ_SCORES_KIND) => {
            let quizzes = quiz_results(&value).map_err(not_a_report)?;
            Ok(Scores {
                exercises: BTreeMap::new(),
                quizzes: quizzes.into_iter().map(|(q, r)| (q, r.best)).collect(),
                source: QuizSource::Graded,
            })
        }
        Some(other) => Err(not_a_report(format!("unknown kind `{other}`"))),
        None => {
            let report: Report =
                serde_json::from_value(value).map_err(|e| not_a_report(e.to_string()))?;
            Ok(Scores::self_reported(
                [(report.exercise.to_string(), score(&report))].into(),
                BTreeMap::new(),
            ))
        }
    }
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

impl Gradebook {
    /// The table as CSV: `learner`, one column per exercise and quiz, `total`.
    pub fn to_csv(&self) -> Result<String, IoError> {
        let mut header = vec!["learner".to_string()];
        header.extend(
            self.exercises
                .iter()
                .map(|e| neutralise(&format!("exercise:{e}"))),
        );
        for q in &self.quizzes {
            // Said in the header itself, so it travels with the spreadsheet.
            let note = if self.self_reported_quizzes.contains(q) {
                " (self-reported)"
            } else {
                ""
            };
            header.push(neutralise(&format!("quiz:{q}{note}")));
        }
        header.push("total".to_string());
        let score = |score: Option<&f64>| score.map(|s| format!("{s:.2}")).unwrap_or_default();
        let mut rows = vec![header];
        for row in &self.rows {
            let mut cells = vec![neutralise(&row.learner)];
            cells.extend(self.exercises.iter().map(|e| score(row.exercises.get(e))));
            cells.extend(self.quizzes.iter().map(|q| score(row.quizzes.get(q))));
            cells.push(format!("{:.2}", row.total));
            rows.push(cells);
        }
        table(&rows)
    }
}

/// The learner id a report file names: its name without `.json`, in Unicode's composed
/// form (NFC), so that `José` typed on macOS (which stores names decomposed) and on Linux
/// are one learner.
fn learner_id(path: &Path) -> String {
    use unicode_normalization::UnicodeNormalization;
    path.file_stem()
        .map(|s| s.to_string_lossy().nfc().collect())
        .unwrap_or_default()
}

/// Two ids name the same learner when they read the same: equal after compatibility
/// normalisation (NFKC), which also folds full-width letters and ligatures.
fn same_learner(a: &str, b: &str) -> bool {
    use unicode_normalization::UnicodeNormalization;
    a.nfkc().eq(b.nfkc())
}
