//! `workbook gradebook`, for instructors: learners' report files merged into one table.
//! It needs no course: a CI runner may hold only the report files.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::output::{TableFormat, emit};
use crate::class::gradebook;

/// Merges `reports` and writes the table; returns true.
pub fn run(
    reports: &[PathBuf],
    format: TableFormat,
    out_file: Option<&Path>,
    out: &mut impl Write,
) -> anyhow::Result<bool> {
    let book = gradebook::merge(reports)?;
    if !book.self_reported_quizzes.is_empty() {
        eprintln!(
            "note: the scores of quiz(zes) {} come from learners' own progress, which learners can edit (marked \"self-reported\"); grade their answers with `workbook quiz grade` for scores they cannot set",
            book.self_reported_quizzes.join(", ")
        );
    }
    let text = match format {
        TableFormat::Csv => book.to_csv()?,
        TableFormat::Json => format!("{}\n", serde_json::to_string_pretty(&book)?),
    };
    emit(text.as_bytes(), out_file, out)?;
    Ok(true)
}
