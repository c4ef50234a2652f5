//! `workbook quiz grade`, for instructors: a learner's exported answers scored with this
//! course's keys.

use std::io::Write;
use std::path::Path;

use super::Workbook;
use super::output::emit;
use crate::class::quiz_scores;

/// Scores the export at `answers` and writes the quiz scores; returns true.
pub fn grade(
    wb: &Workbook,
    answers: &Path,
    out_file: Option<&Path>,
    out: &mut impl Write,
) -> anyhow::Result<bool> {
    let scores = quiz_scores::grade_export(wb.course(), answers)?;
    let text = format!("{}\n", serde_json::to_string_pretty(&scores)?);
    emit(text.as_bytes(), out_file, out)?;
    Ok(true)
}
