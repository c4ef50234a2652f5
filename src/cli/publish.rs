//! `workbook publish`, for instructors: the learner edition, without reference solutions.

use std::io::Write;
use std::path::Path;

use super::Workbook;
use crate::authoring::publish::publish;

/// Writes the learner edition to `dir` and says what it holds; returns true.
pub fn run(wb: &Workbook, dir: &Path, out: &mut impl Write) -> anyhow::Result<bool> {
    let published = publish(wb.course(), dir)?;
    let program = if published.with_program {
        ", and the workbook itself"
    } else {
        ""
    };
    writeln!(
        out,
        "Published the learner edition to {}: {} files, hidden tests of {} exercise(s), no reference solutions{program}.",
        dir.display(),
        published.files,
        published.exercises,
    )?;
    writeln!(out, "Check it: workbook --course {} check", dir.display())?;
    Ok(true)
}
