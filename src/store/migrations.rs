//! Versioned schema migrations, applied in order at open. The version lives in SQLite's
//! `user_version`; a migration is never edited once released, only followed by a new one.

use std::path::Path;

use rusqlite::Connection;

use super::StoreError;

/// Each entry moves the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: grades and their per-test results, quiz attempts and their answers, revealed hints.
    "CREATE TABLE grades (
        id INTEGER PRIMARY KEY,
        exercise TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'error')),
        passed INTEGER NOT NULL,
        total INTEGER NOT NULL,
        compile_ms INTEGER NOT NULL,
        test_ms INTEGER NOT NULL,
        report TEXT NOT NULL,
        graded_at TEXT NOT NULL DEFAULT (datetime('now'))
    );
    CREATE INDEX grades_by_exercise ON grades (exercise, id);
    CREATE TABLE grade_tests (
        grade_id INTEGER NOT NULL REFERENCES grades (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        duration_ms INTEGER NOT NULL,
        message TEXT
    );
    CREATE TABLE quiz_attempts (
        id INTEGER PRIMARY KEY,
        quiz TEXT NOT NULL,
        score REAL NOT NULL CHECK (score BETWEEN 0 AND 1),
        passed INTEGER NOT NULL,
        attempted_at TEXT NOT NULL DEFAULT (datetime('now'))
    );
    CREATE INDEX quiz_attempts_by_quiz ON quiz_attempts (quiz, id);
    CREATE TABLE quiz_answers (
        attempt_id INTEGER NOT NULL REFERENCES quiz_attempts (id) ON DELETE CASCADE,
        question TEXT NOT NULL,
        question_hash TEXT NOT NULL,
        answer TEXT NOT NULL,
        correct INTEGER NOT NULL,
        points REAL NOT NULL,
        PRIMARY KEY (attempt_id, question)
    );
    CREATE TABLE hints (
        exercise TEXT NOT NULL,
        hint_index INTEGER NOT NULL,
        revealed_at TEXT NOT NULL DEFAULT (datetime('now')),
        PRIMARY KEY (exercise, hint_index)
    );",
];

/// The newest schema version.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// Brings the database up to [`LATEST`], each step in its own transaction.
pub fn apply(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let err = |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    let current: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(err)?;
    if current > LATEST {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: current,
            known: LATEST,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction().map_err(err)?;
        tx.execute_batch(sql).map_err(err)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)
            .map_err(err)?;
        tx.commit().map_err(err)?;
    }
    Ok(())
}
