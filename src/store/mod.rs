//! The progress store: one SQLite file (`.workbook/progress.db` by default) holding quiz
//! attempts, grades, revealed hints and the review queue. The web app and the CLI use these same functions.

mod examples;
mod grades;
mod hints;
mod migrations;
mod quizzes;
mod review;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

pub use examples::ExampleEdit;
pub use review::{ReviewChange, ReviewEntry};

use crate::grade::{GradeStatus, Report};

/// Why the store could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The folder for the database could not be created.
    #[error(transparent)]
    Io(#[from] crate::io_error::IoError),
    /// SQLite refused an operation.
    #[error("progress database {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The database was written by a newer workbook.
    #[error(
        "progress database {path} has schema version {found}, newer than this workbook knows ({known}); update the workbook"
    )]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// The version in the file.
        found: i64,
        /// The newest version this build knows.
        known: i64,
    },
    /// A stored report could not be read back.
    #[error("a stored report is unreadable: {0}")]
    Corrupt(String),
}

/// The latest grade of one exercise.
#[derive(Debug, Clone, PartialEq)]
pub struct GradeRecord {
    /// Pass, fail or error.
    pub status: GradeStatus,
    /// Tests passed.
    pub passed: usize,
    /// Tests run.
    pub total: usize,
    /// When it was graded (UTC, `YYYY-MM-DD HH:MM:SS`).
    pub graded_at: String,
    /// The whole report.
    pub report: Report,
}

/// One answered question of a quiz attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerRecord {
    /// The question's id.
    pub question: String,
    /// A hash of the question as it was when answered, to spot later edits.
    pub question_hash: String,
    /// The answer as submitted, in JSON.
    pub answer: String,
    /// Whether it was fully right.
    pub correct: bool,
    /// Points earned, 0 to 1.
    pub points: f64,
}

/// One grade as listed by `workbook export`.
#[derive(Debug, Clone, PartialEq)]
pub struct GradeRow {
    /// The exercise.
    pub exercise: String,
    /// pass, fail or error.
    pub status: String,
    /// Tests passed.
    pub passed: i64,
    /// Tests run.
    pub total: i64,
    /// When (UTC).
    pub graded_at: String,
}

/// One quiz attempt as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// The quiz's slug.
    pub quiz: String,
    /// The score, 0 to 1.
    pub score: f64,
    /// Whether it met the pass mark.
    pub passed: bool,
    /// The questions answered in it.
    pub answers: Vec<AnswerRecord>,
}

/// A quiz's best score so far.
#[derive(Debug, Clone, PartialEq)]
pub struct QuizBest {
    /// The best score, 0 to 1.
    pub score: f64,
    /// Whether any attempt met the pass mark.
    pub passed: bool,
    /// How many attempts there were.
    pub attempts: usize,
    /// When the latest attempt was made.
    pub last_attempt_at: String,
}

/// What an exercise's grades add up to over time: the best one, and the first pass. A
/// later regression changes neither.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradeHistory {
    /// Tests passed in the best grade (the highest share passed; the earliest on a tie).
    pub best_passed: usize,
    /// Tests run in that grade.
    pub best_total: usize,
    /// When the exercise first passed (UTC, `YYYY-MM-DD HH:MM:SS`), if it ever did.
    pub first_passed_at: Option<String>,
}

/// An open progress database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// The default database of a course: `<course>/.workbook/progress.db`.
    pub fn default_path(course_root: &Path) -> PathBuf {
        course_root.join(".workbook").join("progress.db")
    }

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(crate::io_error::io(format!(
                "cannot create {}",
                dir.display()
            )))?;
        }
        let err = |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let mut conn = Connection::open(path).map_err(err)?;
        // Several processes (the web app, `workbook grade`) may write at once: WAL lets
        // readers go on during a write, and the busy timeout makes writers wait, not fail.
        conn.busy_timeout(Duration::from_secs(5)).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(err)?;
        migrations::apply(&mut conn, path)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Like [`Store::err`], but owning its copy of the path, so it can be used while a
    /// transaction borrows the connection mutably.
    fn tx_err(&self) -> impl Fn(rusqlite::Error) -> StoreError + 'static {
        let path = self.path.clone();
        move |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        }
    }

    /// Changes whenever another connection commits a change (SQLite's `data_version`), so a
    /// long-running reader can tell that its cached view is stale.
    pub fn data_version(&self) -> Result<u64, StoreError> {
        let version: i64 = self
            .conn
            .pragma_query_value(None, "data_version", |row| row.get(0))
            .map_err(self.err())?;
        Ok(version as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::ExerciseSlug;
    use std::collections::BTreeSet;

    #[test]
    fn history_keeps_the_best_grade_and_the_first_pass_through_a_regression() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("p.db")).unwrap();
        for (passed, total) in [(3, 10), (10, 10), (4, 10), (10, 10)] {
            store.record_grade(&report("x", passed, total)).unwrap();
        }
        store.record_grade(&report("y", 2, 5)).unwrap();
        let history = store.grade_history().unwrap();
        let x = &history["x"];
        assert_eq!((x.best_passed, x.best_total), (10, 10));
        let first = x.first_passed_at.clone().expect("x passed");
        let all = store.all_grades().unwrap();
        assert_eq!(first, all[1].graded_at, "the first pass, not the latest");
        assert_eq!(store.latest_grade("x").unwrap().unwrap().passed, 10);
        let y = &history["y"];
        assert_eq!(
            (y.best_passed, y.best_total, y.first_passed_at.clone()),
            (2, 5, None)
        );
    }

    fn report(slug: &str, passed: usize, total: usize) -> Report {
        let mut r = Report::new(ExerciseSlug::new(slug), 10);
        r.score.passed = passed;
        r.score.total = total;
        r.status = if passed == total {
            GradeStatus::Pass
        } else {
            GradeStatus::Fail
        };
        r
    }

    #[test]
    fn latest_grade_is_the_newest_per_exercise() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("sub/progress.db")).unwrap();
        store.record_grade(&report("a", 1, 3)).unwrap();
        store.record_grade(&report("a", 3, 3)).unwrap();
        store.record_grade(&report("b", 0, 2)).unwrap();
        let latest = store.latest_grades().unwrap();
        assert_eq!(latest["a"].passed, 3);
        assert_eq!(latest["a"].status, GradeStatus::Pass);
        assert_eq!(latest["b"].status, GradeStatus::Fail);
        assert_eq!(store.latest_grade("a").unwrap().unwrap().passed, 3);
        assert!(store.latest_grade("c").unwrap().is_none());
    }

    #[test]
    fn hints_are_revealed_in_the_order_asked_and_stop_at_the_last() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("p.db")).unwrap();
        assert_eq!(store.reveal_first_of("a", &[1, 0]).unwrap(), Some(1));
        assert_eq!(store.reveal_first_of("a", &[0, 1]).unwrap(), Some(0));
        assert_eq!(store.reveal_first_of("a", &[1, 0]).unwrap(), None);
        assert_eq!(
            store.revealed_hint_indices("a").unwrap(),
            BTreeSet::from([0, 1])
        );
        assert_eq!(store.revealed_hints("a").unwrap(), 2);
        assert_eq!(store.revealed_hints("b").unwrap(), 0);
        assert_eq!(store.hint_counts().unwrap(), vec![("a".to_string(), 2)]);
    }

    #[test]
    fn two_connections_revealing_at_once_reveal_different_hints() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        drop(Store::open(&path).unwrap());
        let revealed: Vec<Option<usize>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..4)
                .map(|_| {
                    let path = path.clone();
                    scope.spawn(move || {
                        let mut store = Store::open(&path).unwrap();
                        store.reveal_first_of("a", &[0, 1, 2]).unwrap()
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        let mut shown: Vec<usize> = revealed.iter().flatten().copied().collect();
        shown.sort();
        assert_eq!(shown, vec![0, 1, 2], "each hint once: {revealed:?}");
        assert_eq!(revealed.iter().filter(|r| r.is_none()).count(), 1);
    }

    #[test]
    fn reopening_keeps_data_and_schema_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        Store::open(&path)
            .unwrap()
            .reveal_first_of("a", &[0, 1, 2])
            .unwrap();
        let store = Store::open(&path).unwrap();
        assert_eq!(store.revealed_hints("a").unwrap(), 1);
        let version: i64 = store
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, migrations::LATEST);
    }

    #[test]
    fn best_quiz_score_is_the_maximum_over_attempts() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("p.db")).unwrap();
        let answer = AnswerRecord {
            question: "q1".into(),
            question_hash: "h".into(),
            answer: "[1]".into(),
            correct: true,
            points: 1.0,
        };
        store
            .record_attempt("rest", 0.5, false, std::slice::from_ref(&answer))
            .unwrap();
        store.record_attempt("rest", 0.9, true, &[answer]).unwrap();
        let latest = store.latest_answers("rest").unwrap();
        assert_eq!(latest.len(), 1);
        assert_eq!(latest["q1"].points, 1.0);
        let best = store.best_quiz_scores().unwrap();
        assert_eq!(best["rest"].score, 0.9);
        assert!(best["rest"].passed);
        assert_eq!(best["rest"].attempts, 2);
    }

    #[test]
    fn latest_answers_are_per_question_and_per_quiz() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("p.db")).unwrap();
        let answer = |question: &str, points: f64| AnswerRecord {
            question: question.into(),
            question_hash: "h".into(),
            answer: format!("[{points}]"),
            correct: points >= 1.0,
            points,
        };
        store
            .record_attempt("a", 0.0, false, &[answer("q1", 0.0), answer("q2", 1.0)])
            .unwrap();
        store
            .record_attempt("b", 0.0, false, &[answer("q1", 0.5)])
            .unwrap();
        let last = store
            .record_attempt("a", 0.5, false, &[answer("q1", 1.0)])
            .unwrap();
        let a = store.latest_answers("a").unwrap();
        assert_eq!((a["q1"].points, a["q2"].points), (1.0, 1.0));
        assert_eq!(store.latest_answers("b").unwrap()["q1"].points, 0.5);
        assert!(store.latest_answers("c").unwrap().is_empty());
        assert_eq!(
            store.attempt(last).unwrap().unwrap().answers,
            [answer("q1", 1.0)]
        );
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 999)
            .unwrap();
        assert!(matches!(
            Store::open(&path),
            Err(StoreError::TooNew { found: 999, .. })
        ));
    }
}
