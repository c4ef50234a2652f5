//! The progress store: one SQLite file (`.workbook/progress.db` by default) holding quiz
//! attempts, grades and revealed hints. The web app and the CLI use these same functions.

mod migrations;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

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

    /// Changes whenever another connection commits a change (SQLite's `data_version`), so a
    /// long-running reader can tell that its cached view is stale.
    pub fn data_version(&self) -> Result<u64, StoreError> {
        let version: i64 = self
            .conn
            .pragma_query_value(None, "data_version", |row| row.get(0))
            .map_err(self.err())?;
        Ok(version as u64)
    }

    /// Records a grade and its per-test results in one transaction.
    pub fn record_grade(&mut self, report: &Report) -> Result<i64, StoreError> {
        let json = serde_json::to_string(report).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let path = self.path.clone();
        let err = move |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(&err)?;
        tx.execute(
            "INSERT INTO grades (exercise, status, passed, total, compile_ms, test_ms, report)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                report.exercise.as_str(),
                report.status.as_str(),
                report.score.passed as i64,
                report.score.total as i64,
                report.compile_ms as i64,
                report.test_ms as i64,
                json
            ],
        )
        .map_err(&err)?;
        let id = tx.last_insert_rowid();
        for test in &report.tests {
            tx.execute(
                "INSERT INTO grade_tests (grade_id, name, status, duration_ms, message) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, test.name, test.status.as_str(), test.duration_ms as i64, test.message],
            )
            .map_err(&err)?;
        }
        tx.commit().map_err(&err)?;
        Ok(id)
    }

    /// The latest grade of every exercise graded at least once.
    pub fn latest_grades(&self) -> Result<HashMap<String, GradeRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT exercise, report, graded_at FROM grades g
                 WHERE id = (SELECT MAX(id) FROM grades WHERE exercise = g.exercise)",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })
            .map_err(self.err())?;
        let mut latest = HashMap::new();
        for row in rows {
            let (exercise, json, graded_at) = row.map_err(self.err())?;
            latest.insert(exercise, record(&json, graded_at)?);
        }
        Ok(latest)
    }

    /// The latest grade of one exercise.
    pub fn latest_grade(&self, exercise: &str) -> Result<Option<GradeRecord>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT report, graded_at FROM grades WHERE exercise = ?1 ORDER BY id DESC LIMIT 1",
                [exercise],
                |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)),
            )
            .optional()
            .map_err(self.err())?;
        row.map(|(json, at)| record(&json, at)).transpose()
    }

    /// Records a quiz attempt with its answers in one transaction; returns the attempt's id.
    pub fn record_attempt(
        &mut self,
        quiz: &str,
        score: f64,
        passed: bool,
        answers: &[AnswerRecord],
    ) -> Result<i64, StoreError> {
        let path = self.path.clone();
        let err = move |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(&err)?;
        tx.execute(
            "INSERT INTO quiz_attempts (quiz, score, passed) VALUES (?1, ?2, ?3)",
            params![quiz, score, passed],
        )
        .map_err(&err)?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO quiz_summaries (quiz, best_score, passed, attempts, last_attempt_at)
             SELECT quiz, score, passed, 1, attempted_at FROM quiz_attempts WHERE id = ?1
             ON CONFLICT (quiz) DO UPDATE SET
                 best_score = MAX(best_score, excluded.best_score),
                 passed = MAX(passed, excluded.passed),
                 attempts = attempts + 1,
                 last_attempt_at = MAX(last_attempt_at, excluded.last_attempt_at)",
            [id],
        )
        .map_err(&err)?;
        for a in answers {
            tx.execute(
                "INSERT INTO quiz_answers (attempt_id, question, question_hash, answer, correct, points)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, a.question, a.question_hash, a.answer, a.correct, a.points],
            )
            .map_err(&err)?;
            // In the same transaction, so the latest answer never names a missing attempt.
            tx.execute(
                "INSERT INTO quiz_latest_answers (quiz, question, attempt_id) VALUES (?1, ?2, ?3)
                 ON CONFLICT (quiz, question) DO UPDATE SET attempt_id = excluded.attempt_id",
                params![quiz, a.question, id],
            )
            .map_err(&err)?;
        }
        tx.commit().map_err(&err)?;
        Ok(id)
    }

    /// The best score of every quiz attempted at least once. Read from `quiz_summaries`: one
    /// row per quiz, however many attempts there were.
    pub fn best_quiz_scores(&self) -> Result<HashMap<String, QuizBest>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT quiz, best_score, passed, attempts, last_attempt_at FROM quiz_summaries",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    QuizBest {
                        score: row.get(1)?,
                        passed: row.get(2)?,
                        attempts: usize::try_from(row.get::<_, i64>(3)?).unwrap_or(0),
                        last_attempt_at: row.get(4)?,
                    },
                ))
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// The latest stored answer to each question of `quiz`, by question id. Read by key from
    /// `quiz_latest_answers`: one row per question, however many attempts there were.
    pub fn latest_answers(&self, quiz: &str) -> Result<HashMap<String, AnswerRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT a.question, a.question_hash, a.answer, a.correct, a.points
                 FROM quiz_latest_answers l
                 JOIN quiz_answers a ON a.attempt_id = l.attempt_id AND a.question = l.question
                 WHERE l.quiz = ?1",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([quiz], |row| {
                Ok(AnswerRecord {
                    question: row.get(0)?,
                    question_hash: row.get(1)?,
                    answer: row.get(2)?,
                    correct: row.get(3)?,
                    points: row.get(4)?,
                })
            })
            .map_err(self.err())?;
        let mut latest = HashMap::new();
        for row in rows {
            let record = row.map_err(self.err())?;
            latest.insert(record.question.clone(), record);
        }
        Ok(latest)
    }

    /// One stored attempt with its answers.
    pub fn attempt(&self, id: i64) -> Result<Option<Attempt>, StoreError> {
        let head = self
            .conn
            .query_row(
                "SELECT quiz, score, passed FROM quiz_attempts WHERE id = ?1",
                [id],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, f64>(1)?,
                        row.get::<_, bool>(2)?,
                    ))
                },
            )
            .optional()
            .map_err(self.err())?;
        let Some((quiz, score, passed)) = head else {
            return Ok(None);
        };
        let mut stmt = self
            .conn
            .prepare("SELECT question, question_hash, answer, correct, points FROM quiz_answers WHERE attempt_id = ?1")
            .map_err(self.err())?;
        let answers = stmt
            .query_map([id], |row| {
                Ok(AnswerRecord {
                    question: row.get(0)?,
                    question_hash: row.get(1)?,
                    answer: row.get(2)?,
                    correct: row.get(3)?,
                    points: row.get(4)?,
                })
            })
            .map_err(self.err())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.err())?;
        Ok(Some(Attempt {
            quiz,
            score,
            passed,
            answers,
        }))
    }

    /// Every quiz attempt with its answers, oldest first (for `workbook export`).
    pub fn all_attempts(&self) -> Result<Vec<(i64, String, Attempt)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, attempted_at FROM quiz_attempts ORDER BY id")
            .map_err(self.err())?;
        let heads = stmt
            .query_map([], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(self.err())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(self.err())?;
        let mut attempts = Vec::new();
        for (id, at) in heads {
            if let Some(attempt) = self.attempt(id)? {
                attempts.push((id, at, attempt));
            }
        }
        Ok(attempts)
    }

    /// The best grade and the first pass of every exercise graded at least once.
    pub fn grade_history(&self) -> Result<HashMap<String, GradeHistory>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT g.exercise, g.passed, g.total,
                        (SELECT MIN(graded_at) FROM grades p WHERE p.exercise = g.exercise AND p.status = 'pass')
                 FROM grades g
                 WHERE g.id = (SELECT b.id FROM grades b WHERE b.exercise = g.exercise
                               ORDER BY CAST(b.passed AS REAL) / MAX(b.total, 1) DESC, b.id ASC LIMIT 1)",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    GradeHistory {
                        best_passed: row.get(1)?,
                        best_total: row.get(2)?,
                        first_passed_at: row.get(3)?,
                    },
                ))
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Every grade, oldest first.
    pub fn all_grades(&self) -> Result<Vec<GradeRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT exercise, status, passed, total, graded_at FROM grades ORDER BY id")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |row| {
                Ok(GradeRow {
                    exercise: row.get(0)?,
                    status: row.get(1)?,
                    passed: row.get(2)?,
                    total: row.get(3)?,
                    graded_at: row.get(4)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// How many hints each exercise has had revealed.
    pub fn hint_counts(&self) -> Result<Vec<(String, usize)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT exercise, COUNT(*) FROM hints GROUP BY exercise ORDER BY exercise")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })
            .map_err(self.err())?;
        rows.map(|r| r.map(|(e, n)| (e, usize::try_from(n).unwrap_or(0))))
            .collect::<Result<_, _>>()
            .map_err(self.err())
    }

    /// How many hints of `exercise` have been revealed.
    pub fn revealed_hints(&self, exercise: &str) -> Result<usize, StoreError> {
        let count: i64 = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM hints WHERE exercise = ?1",
                [exercise],
                |row| row.get(0),
            )
            .map_err(self.err())?;
        Ok(usize::try_from(count).unwrap_or(0))
    }

    /// Records that hint `index` (0-based) of `exercise` was revealed; revealing twice is a no-op.
    pub fn reveal_hint(&self, exercise: &str, index: usize) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO hints (exercise, hint_index) VALUES (?1, ?2)",
                params![exercise, index as i64],
            )
            .map_err(self.err())?;
        Ok(())
    }
}

fn record(json: &str, graded_at: String) -> Result<GradeRecord, StoreError> {
    let report: Report =
        serde_json::from_str(json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(GradeRecord {
        status: report.status,
        passed: report.score.passed,
        total: report.score.total,
        graded_at,
        report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::ExerciseSlug;

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
    fn hints_are_counted_once_each() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("p.db")).unwrap();
        store.reveal_hint("a", 0).unwrap();
        store.reveal_hint("a", 0).unwrap();
        store.reveal_hint("a", 1).unwrap();
        assert_eq!(store.revealed_hints("a").unwrap(), 2);
        assert_eq!(store.revealed_hints("b").unwrap(), 0);
    }

    #[test]
    fn reopening_keeps_data_and_schema_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        Store::open(&path).unwrap().reveal_hint("a", 0).unwrap();
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
