//! `workbook hint`: the next hint of an exercise, recorded as revealed.

use std::io::Write;

use super::{Workbook, exercise_named};
use crate::app::hints::{Reveal, reveal_next_hint};

/// Prints the next hint (or all of them, once all were seen); returns true.
pub fn run(wb: &Workbook, slug: Option<&str>, out: &mut impl Write) -> anyhow::Result<bool> {
    let exercise = exercise_named(wb, slug)?;
    let slug = exercise.slug.as_str();
    match reveal_next_hint(exercise, wb)? {
        Reveal::Next {
            number,
            total,
            hint,
            next,
        } => {
            writeln!(out, "Hint {number} of {total} for {slug}:\n\n{hint}")?;
            if next.is_some() {
                writeln!(out, "\n(`workbook hint {slug}` again for the next one.)")?;
            }
        }
        Reveal::AllSeen { hints } => {
            writeln!(out, "You have seen all {} hints for {slug}:", hints.len())?;
            for (i, hint) in hints.iter().enumerate() {
                writeln!(out, "\n{}. {hint}", i + 1)?;
            }
            writeln!(
                out,
                "\nThe lesson and the README have the rest; the grader's messages say what each test expects."
            )?;
        }
    }
    Ok(true)
}
