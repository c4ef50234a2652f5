//! `workbook export`: the learner's progress (quiz attempts, grades, hints), to hand in or
//! back up.

use std::io::Write;
use std::path::Path;

use super::Workbook;
use super::output::{TableFormat, emit};
use crate::app::export::export;

/// Writes the export in `format`; returns true.
pub fn run(
    wb: &Workbook,
    format: TableFormat,
    out_file: Option<&Path>,
    out: &mut impl Write,
) -> anyhow::Result<bool> {
    let export = export(wb)?;
    let text = match format {
        TableFormat::Json => export.to_json(),
        TableFormat::Csv => export.to_csv()?,
    };
    emit(text.as_bytes(), out_file, out)?;
    Ok(true)
}
