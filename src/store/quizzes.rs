//! Quiz attempts: each attempt with its answers, the best score per quiz, and the latest
//! answer to each question (what "retry the missed questions" starts from).

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};

use super::{AnswerRecord, Attempt, QuizBest, ReviewChange, Store, StoreError};

impl Store {
    /// Records a quiz attempt with its answers in one transaction; returns the attempt's id.
    pub fn record_attempt(
        &mut self,
        quiz: &str,
        score: f64,
        passed: bool,
        answers: &[AnswerRecord],
    ) -> Result<i64, StoreError> {
        self.record_attempt_and_reviews(quiz, score, passed, answers, &[])
    }

    /// Records a quiz attempt with its answers and what it does to the review queue, in one
    /// transaction (so the queue never moves for an attempt that was not stored); returns the
    /// attempt's id.
    pub fn record_attempt_and_reviews(
        &mut self,
        quiz: &str,
        score: f64,
        passed: bool,
        answers: &[AnswerRecord],
        reviews: &[ReviewChange],
    ) -> Result<i64, StoreError> {
        let err = self.tx_err();
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
        super::review::apply(&tx, quiz, reviews).map_err(&err)?;
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
        let rows = stmt.query_map([quiz], answer_record).map_err(self.err())?;
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
            .query_map([id], answer_record)
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
}

/// An [`AnswerRecord`] from a row of `question, question_hash, answer, correct, points`.
fn answer_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<AnswerRecord> {
    Ok(AnswerRecord {
        question: row.get(0)?,
        question_hash: row.get(1)?,
        answer: row.get(2)?,
        correct: row.get(3)?,
        points: row.get(4)?,
    })
}
