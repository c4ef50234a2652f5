//! Class results: the JSON files learners' CI runs produce (`workbook grade --all --format
//! json`, `workbook export --format json`, or one exercise's report), merged into one table
//! with a row per learner, named by each file's name.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::csv::{neutralise, table};
use crate::grade::report::OLDEST_READABLE_VERSION;
use crate::grade::{REPORT_VERSION, Report};
use crate::io_error::IoError;
pub use read::{ExerciseMarks, TestMark};
use read::{QuizSource, Scores, read};

mod read;

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
        "{path} is a report of schema version {found}; this workbook reads versions {OLDEST_READABLE_VERSION} to {REPORT_VERSION}"
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

/// A gradebook and, beside it, each learner's per-test outcomes.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// The table of scores.
    pub book: Gradebook,
    /// Each test's mark by exercise, by learner id (the ids of `book.rows`). A learner whose
    /// files carry no report of an exercise (a progress export, or a crate that did not
    /// compile) has no marks for it.
    pub tests: BTreeMap<String, ExerciseMarks>,
}

/// Reads every report and merges them.
pub fn merge(paths: &[PathBuf]) -> Result<Gradebook, GradebookError> {
    merge_with_tests(paths).map(|merged| merged.book)
}

/// Reads every report and merges them, keeping each hidden test's outcome.
pub fn merge_with_tests(paths: &[PathBuf]) -> Result<Merged, GradebookError> {
    if paths.is_empty() {
        return Err(GradebookError::NoReports);
    }
    let mut gathered = Gathered::default();
    for path in paths {
        let learner = learner_id(path);
        let scores = read(path)?;
        gathered.add(path, learner, scores)?;
    }
    let tests = gathered
        .rows
        .iter()
        .map(|r| r.learner.clone())
        .zip(std::mem::take(&mut gathered.tests))
        .collect();
    let (mut rows, self_reported) = gathered.settle_quizzes();
    let exercises: BTreeSet<String> = rows
        .iter()
        .flat_map(|r| r.exercises.keys().cloned())
        .collect();
    let quizzes: BTreeSet<String> = rows
        .iter()
        .flat_map(|r| r.quizzes.keys().cloned())
        .collect();
    set_totals(&mut rows, exercises.len() + quizzes.len());
    rows.sort_by(|a, b| a.learner.cmp(&b.learner));
    let book = Gradebook {
        version: REPORT_VERSION,
        exercises: exercises.into_iter().collect(),
        quizzes: quizzes.into_iter().collect(),
        self_reported_quizzes: self_reported.into_iter().collect(),
        rows,
    };
    Ok(Merged { book, tests })
}

/// The rows as the files are read, in the order learners first appear. Each learner's quiz
/// scores from their own progress and from `quiz grade` are kept apart until every file is
/// read, since which one counts depends on whether the other exists.
#[derive(Default)]
struct Gathered {
    rows: Vec<Row>,
    /// Per row: quiz scores from the learner's own progress, if a file gave them.
    own: Vec<Option<BTreeMap<String, f64>>>,
    /// Per row: quiz scores from `quiz grade`, if a file gave them.
    graded: Vec<Option<BTreeMap<String, f64>>>,
    /// Per row: each test's mark by exercise.
    tests: Vec<ExerciseMarks>,
}

impl Gathered {
    /// Adds one file's scores to its learner's row; returns the refusal if the learner
    /// already has a file of the same source.
    fn add(&mut self, path: &Path, learner: String, scores: Scores) -> Result<(), GradebookError> {
        let index = self.row_of(&learner);
        // One report and one quiz-scores file per learner, at most.
        let slot = match scores.source {
            QuizSource::SelfReported => &mut self.own[index],
            QuizSource::Graded => &mut self.graded[index],
        };
        if slot.is_some() {
            return Err(GradebookError::DuplicateLearner {
                path: path.to_path_buf(),
                learner,
            });
        }
        *slot = Some(scores.quizzes);
        self.rows[index].exercises.extend(scores.exercises);
        self.tests[index].extend(scores.tests);
        Ok(())
    }

    /// The index of `learner`'s row, a new empty one if the learner is not yet seen.
    fn row_of(&mut self, learner: &str) -> usize {
        let at = self
            .rows
            .iter()
            .position(|r| same_learner(&r.learner, learner));
        at.unwrap_or_else(|| {
            self.rows.push(Row {
                learner: learner.to_string(),
                exercises: BTreeMap::new(),
                quizzes: BTreeMap::new(),
                total: 0.0,
            });
            self.own.push(None);
            self.graded.push(None);
            self.tests.push(BTreeMap::new());
            self.rows.len() - 1
        })
    }

    /// The rows with each learner's quiz scores chosen, and the quizzes for which some
    /// learner's score is self-reported.
    fn settle_quizzes(self) -> (Vec<Row>, BTreeSet<String>) {
        let mut rows = self.rows;
        // Graded scores, where the instructor has them, replace what the learner's progress says.
        let mut self_reported = BTreeSet::new();
        for ((row, own), graded) in rows.iter_mut().zip(self.own).zip(self.graded) {
            row.quizzes = match graded {
                Some(graded) => graded,
                None => {
                    let own = own.unwrap_or_default();
                    self_reported.extend(own.keys().cloned());
                    own
                }
            };
        }
        (rows, self_reported)
    }
}

/// Sets each row's total: the mean over `columns` columns, a missing result counting 0.
fn set_totals(rows: &mut [Row], columns: usize) {
    let columns = columns.max(1) as f64;
    for row in rows {
        let sum: f64 = row.exercises.values().sum::<f64>() + row.quizzes.values().sum::<f64>();
        row.total = sum / columns;
    }
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
