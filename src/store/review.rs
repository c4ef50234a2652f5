//! The review queue: questions answered wrong, each with its step in the spaced-repetition
//! schedule and when it is next due. The schedule itself (what a right or wrong answer does)
//! is `app::review`'s; this file only keeps its rows.

use std::collections::HashMap;

use rusqlite::{Transaction, params};

use super::{Store, StoreError};

/// A question in the review queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewEntry {
    /// The quiz's slug.
    pub quiz: String,
    /// The question's id.
    pub question: String,
    /// The hash of the question as it was when it entered or last moved in the queue
    /// (`grade::scoring::question_hash`); a different hash now means it was edited.
    pub question_hash: String,
    /// Its step in the schedule: 0, 1 or 2 (waiting for the 1, 3 or 7-day review).
    pub step: u8,
    /// When it is due, in unix seconds (UTC).
    pub due_at: i64,
}

/// What an attempt does to one question's place in the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewChange {
    /// Puts the question in the queue, or moves it (`entry.quiz` is the attempt's quiz).
    Schedule(ReviewEntry),
    /// Takes question `0` (its id) of the attempt's quiz out of the queue, if it is there.
    Remove(String),
}

impl Store {
    /// The queue's entries for `quiz`, by question id.
    pub fn review_entries(&self, quiz: &str) -> Result<HashMap<String, ReviewEntry>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT quiz, question, question_hash, step, due_at FROM review_queue
                 WHERE quiz = ?1",
            )
            .map_err(self.err())?;
        let rows = stmt.query_map([quiz], review_entry).map_err(self.err())?;
        let mut entries = HashMap::new();
        for row in rows {
            let entry = row.map_err(self.err())?;
            entries.insert(entry.question.clone(), entry);
        }
        Ok(entries)
    }

    /// Every entry due at `now` (unix seconds, UTC) or before, in every quiz, earliest first.
    pub fn due_reviews(&self, now: i64) -> Result<Vec<ReviewEntry>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT quiz, question, question_hash, step, due_at FROM review_queue
                 WHERE due_at <= ?1 ORDER BY due_at, quiz, question",
            )
            .map_err(self.err())?;
        let rows = stmt.query_map([now], review_entry).map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Takes each `(quiz, question)` out of the queue, in one transaction.
    pub fn drop_reviews(&mut self, questions: &[(String, String)]) -> Result<(), StoreError> {
        let err = self.tx_err();
        let tx = self.conn.transaction().map_err(&err)?;
        for (quiz, question) in questions {
            tx.execute(
                "DELETE FROM review_queue WHERE quiz = ?1 AND question = ?2",
                params![quiz, question],
            )
            .map_err(&err)?;
        }
        tx.commit().map_err(&err)
    }
}

/// Applies an attempt's `changes` to the queue inside the attempt's transaction `tx`.
pub(super) fn apply(
    tx: &Transaction<'_>,
    quiz: &str,
    changes: &[ReviewChange],
) -> rusqlite::Result<()> {
    for change in changes {
        match change {
            ReviewChange::Schedule(e) => tx.execute(
                "INSERT INTO review_queue (quiz, question, question_hash, step, due_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (quiz, question) DO UPDATE SET question_hash = excluded.question_hash,
                     step = excluded.step, due_at = excluded.due_at",
                params![quiz, e.question, e.question_hash, e.step, e.due_at],
            )?,
            ReviewChange::Remove(question) => tx.execute(
                "DELETE FROM review_queue WHERE quiz = ?1 AND question = ?2",
                params![quiz, question],
            )?,
        };
    }
    Ok(())
}

/// A [`ReviewEntry`] from a row of `quiz, question, question_hash, step, due_at`.
fn review_entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<ReviewEntry> {
    Ok(ReviewEntry {
        quiz: row.get(0)?,
        question: row.get(1)?,
        question_hash: row.get(2)?,
        step: row.get(3)?,
        due_at: row.get(4)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(question: &str, step: u8, due_at: i64) -> ReviewEntry {
        ReviewEntry {
            quiz: "q".into(),
            question: question.into(),
            question_hash: "h".into(),
            step,
            due_at,
        }
    }

    #[test]
    fn an_attempt_schedules_moves_and_removes_questions_in_its_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("p.db")).unwrap();
        let first = [
            ReviewChange::Schedule(entry("a", 0, 100)),
            ReviewChange::Schedule(entry("b", 0, 200)),
        ];
        store
            .record_attempt_and_reviews("q", 0.0, false, &[], &first)
            .unwrap();
        assert_eq!(store.due_reviews(99).unwrap(), vec![]);
        assert_eq!(store.due_reviews(150).unwrap(), vec![entry("a", 0, 100)]);
        let second = [
            ReviewChange::Schedule(entry("a", 1, 300)),
            ReviewChange::Remove("b".into()),
        ];
        store
            .record_attempt_and_reviews("q", 1.0, true, &[], &second)
            .unwrap();
        let entries = store.review_entries("q").unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries["a"], entry("a", 1, 300));
        store.drop_reviews(&[("q".into(), "a".into())]).unwrap();
        assert!(store.due_reviews(i64::MAX).unwrap().is_empty());
    }
}
