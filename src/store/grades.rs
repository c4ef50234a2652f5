//! Grades: every report kept, the latest per exercise, and the history (best, first pass).

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};

use super::{GradeHistory, GradeRecord, GradeRow, Store, StoreError};
use crate::grade::Report;

impl Store {
    /// Records a grade and its per-test results in one transaction.
    pub fn record_grade(&mut self, report: &Report) -> Result<i64, StoreError> {
        let json = serde_json::to_string(report).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let err = self.tx_err();
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
