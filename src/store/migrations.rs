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
    // 2: the latest answer to each question of each quiz, kept up to date by
    // `Store::record_attempt`, so a page reads one row per question instead of every answer
    // ever given (a scan that grew with each attempt). The reference has no ON DELETE: an
    // attempt cannot be deleted without first deciding which earlier answer becomes latest.
    "CREATE TABLE quiz_latest_answers (
        quiz TEXT NOT NULL,
        question TEXT NOT NULL,
        attempt_id INTEGER NOT NULL REFERENCES quiz_attempts (id),
        PRIMARY KEY (quiz, question)
    ) WITHOUT ROWID;
    INSERT INTO quiz_latest_answers (quiz, question, attempt_id)
        SELECT t.quiz, a.question, MAX(a.attempt_id)
        FROM quiz_answers a JOIN quiz_attempts t ON t.id = a.attempt_id
        GROUP BY t.quiz, a.question;",
    // 3: each quiz's best score, attempt count and last attempt, kept up to date by
    // `Store::record_attempt`, so every page reads one row per quiz instead of grouping every
    // attempt. The same caveat as 2: deleting an attempt would have to recompute its row.
    "CREATE TABLE quiz_summaries (
        quiz TEXT PRIMARY KEY,
        best_score REAL NOT NULL,
        passed INTEGER NOT NULL,
        attempts INTEGER NOT NULL,
        last_attempt_at TEXT NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO quiz_summaries (quiz, best_score, passed, attempts, last_attempt_at)
        SELECT quiz, MAX(score), MAX(passed), COUNT(*), MAX(attempted_at)
        FROM quiz_attempts GROUP BY quiz;",
    // 4: the review queue of questions answered wrong (spaced repetition, see
    // `app::review`): one row per question in the queue, with the hash of the question as it
    // was answered (an edited question leaves the queue), its step (0, 1, 2: the 1, 3 and
    // 7-day reviews) and when it is due, in unix seconds (UTC), so "due now" is one
    // comparison. Kept up to date by `Store::record_attempt_and_reviews`.
    "CREATE TABLE review_queue (
        quiz TEXT NOT NULL,
        question TEXT NOT NULL,
        question_hash TEXT NOT NULL,
        step INTEGER NOT NULL CHECK (step >= 0),
        due_at INTEGER NOT NULL,
        PRIMARY KEY (quiz, question)
    ) WITHOUT ROWID;
    CREATE INDEX review_queue_by_due ON review_queue (due_at);",
    // 5: lesson examples the learner edited (see `app::examples`): the edited program of
    // example `number` of `lesson`, with the hash of the lesson's version it was edited
    // from, so the page can say when the lesson has changed since. Reset deletes the row.
    "CREATE TABLE example_edits (
        lesson TEXT NOT NULL,
        number INTEGER NOT NULL CHECK (number >= 1),
        code TEXT NOT NULL,
        based_on TEXT NOT NULL,
        saved_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now')),
        PRIMARY KEY (lesson, number)
    ) WITHOUT ROWID;",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn version_1_databases_get_their_latest_answers_and_best_scores() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.execute_batch(
            "PRAGMA user_version = 1;
             INSERT INTO quiz_attempts (id, quiz, score, passed) VALUES (1, 'a', 0, 0), (2, 'a', 1, 1), (3, 'b', 0, 0);
             INSERT INTO quiz_answers VALUES (1, 'q1', 'h', '[0]', 0, 0), (1, 'q2', 'h', '[0]', 0, 0),
                 (2, 'q1', 'h', '[1]', 1, 1), (3, 'q1', 'h', '[2]', 0, 0);",
        )
        .unwrap();
        drop(conn);
        let store = Store::open(&path).unwrap();
        let a = store.latest_answers("a").unwrap();
        assert_eq!(
            (a["q1"].answer.as_str(), a["q2"].answer.as_str()),
            ("[1]", "[0]")
        );
        assert_eq!(store.latest_answers("b").unwrap()["q1"].answer, "[2]");
        let best = store.best_quiz_scores().unwrap();
        assert_eq!(
            (best["a"].score, best["a"].passed, best["a"].attempts),
            (1.0, true, 2)
        );
        assert_eq!(
            (best["b"].score, best["b"].passed, best["b"].attempts),
            (0.0, false, 1)
        );
    }
}
