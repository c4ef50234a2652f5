//! The learner's progress file, written by `workbook export`: every quiz attempt with its
//! answers, every grade, and the hints revealed. The JSON form is what a learner hands in
//! (`workbook quiz grade` and `workbook gradebook` read it); the CSV form is for reading in
//! a spreadsheet.

use std::collections::BTreeMap;

use serde::Serialize;

use super::csv::{neutralise, table};
use super::gradebook::{PROGRESS_KIND, QuizResult};
use crate::io_error::IoError;

/// A learner's whole progress. Fields are in alphabetical order, the order the file has
/// always had.
#[derive(Debug, Clone, Serialize)]
pub struct Export {
    /// Every grade, oldest first.
    pub grades: Vec<ExportedGrade>,
    /// Hints revealed, by exercise.
    pub hints: Vec<ExportedHints>,
    /// Always [`PROGRESS_KIND`].
    pub kind: &'static str,
    /// Every quiz attempt, oldest first.
    pub quiz_attempts: Vec<ExportedAttempt>,
    /// The best result of each quiz attempted.
    pub quizzes: BTreeMap<String, QuizResult>,
    /// The report schema version.
    pub version: u32,
}

/// One quiz attempt.
#[derive(Debug, Clone, Serialize)]
pub struct ExportedAttempt {
    /// The answers given, one per question answered.
    pub answers: Vec<ExportedAnswer>,
    /// When (UTC, `YYYY-MM-DD HH:MM:SS`).
    pub attempted_at: String,
    /// The attempt's id in the learner's store.
    pub id: i64,
    /// Whether the attempt met the pass mark.
    pub passed: bool,
    /// The quiz's slug.
    pub quiz: String,
    /// The score, 0 to 1.
    pub score: f64,
}

/// One answered question of an attempt.
#[derive(Debug, Clone, Serialize)]
pub struct ExportedAnswer {
    /// The answer as submitted: option numbers or text (`null` if unreadable).
    pub answer: serde_json::Value,
    /// Whether it was fully right when given.
    pub correct: bool,
    /// Points earned, 0 to 1.
    pub points: f64,
    /// The question's id.
    pub question: String,
}

/// One grade.
#[derive(Debug, Clone, Serialize)]
pub struct ExportedGrade {
    /// The exercise's slug.
    pub exercise: String,
    /// When (UTC).
    pub graded_at: String,
    /// Tests passed.
    pub passed: i64,
    /// `pass`, `fail` or `error`.
    pub status: String,
    /// Tests run.
    pub total: i64,
}

/// The hints revealed of one exercise.
#[derive(Debug, Clone, Serialize)]
pub struct ExportedHints {
    /// The exercise's slug.
    pub exercise: String,
    /// How many were revealed.
    pub revealed: usize,
}

impl Export {
    /// An empty export (no attempts, grades or hints) of the current schema.
    pub fn new() -> Export {
        Export {
            grades: Vec::new(),
            hints: Vec::new(),
            kind: PROGRESS_KIND,
            quiz_attempts: Vec::new(),
            quizzes: BTreeMap::new(),
            version: crate::grade::REPORT_VERSION,
        }
    }

    /// The JSON file a learner hands in.
    pub fn to_json(&self) -> String {
        // Serialising plain structs of strings and numbers cannot fail.
        format!(
            "{}\n",
            serde_json::to_string_pretty(self).unwrap_or_default()
        )
    }

    /// One row per attempt, grade and hint count: `kind,item,detail,score,status,at`.
    pub fn to_csv(&self) -> Result<String, IoError> {
        let row = |cells: [String; 6]| cells.to_vec();
        let mut rows = vec![row(
            ["kind", "item", "detail", "score", "status", "at"].map(String::from)
        )];
        for a in &self.quiz_attempts {
            let status = if a.passed { "passed" } else { "not passed" };
            rows.push(row([
                "quiz-attempt".into(),
                neutralise(&a.quiz),
                format!("attempt {}: {} answer(s)", a.id, a.answers.len()),
                format!("{:.2}", a.score),
                status.into(),
                a.attempted_at.clone(),
            ]));
        }
        for g in &self.grades {
            rows.push(row([
                "grade".into(),
                neutralise(&g.exercise),
                format!("{}/{} tests", g.passed, g.total),
                String::new(),
                g.status.clone(),
                g.graded_at.clone(),
            ]));
        }
        for h in &self.hints {
            rows.push(row([
                "hints".into(),
                neutralise(&h.exercise),
                format!("{} revealed", h.revealed),
                String::new(),
                String::new(),
                String::new(),
            ]));
        }
        table(&rows)
    }
}

impl Default for Export {
    fn default() -> Export {
        Export::new()
    }
}
