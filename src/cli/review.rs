//! `workbook review`: after an exercise passes, your code beside the reference solution, as
//! a diff per file with the function each difference is in.

use std::io::Write;

use super::{Workbook, exercise_named};
use crate::app::compare::{FilePair, Hunk, Review, Side, hunks, review};

/// Prints the review; false when there is nothing to review yet.
pub fn run(wb: &Workbook, slug: Option<&str>, out: &mut impl Write) -> anyhow::Result<bool> {
    let exercise = exercise_named(wb, slug)?;
    let slug = exercise.slug.as_str();
    match review(wb.course(), exercise, wb)? {
        Review::NotPassedYet => {
            writeln!(
                out,
                "{slug} has not passed yet: the review opens once `workbook grade {slug}` passes, so the reference cannot give the exercise away."
            )?;
            Ok(false)
        }
        Review::NoSolution { first_passed_at } => {
            writeln!(
                out,
                "{slug} passed on {first_passed_at} UTC. This is a learner edition: it has no reference solutions, so there is nothing to compare with."
            )?;
            Ok(true)
        }
        Review::Ready {
            first_passed_at,
            files,
        } => {
            writeln!(
                out,
                "{slug} passed on {first_passed_at} UTC. Your code beside the reference solution:\n  - your line\n  + the reference's line"
            )?;
            for pair in &files {
                print_file(pair, out)?;
            }
            Ok(true)
        }
    }
}

fn print_file(pair: &FilePair, out: &mut impl Write) -> std::io::Result<()> {
    let path = pair.path.display();
    match (&pair.yours, &pair.reference) {
        (None, _) => writeln!(out, "\n== {path}: only the reference has it")?,
        (_, None) => writeln!(out, "\n== {path}: only yours")?,
        (Some(_), Some(_)) => writeln!(out, "\n== {path}")?,
    }
    let hunks = hunks(pair);
    if hunks.is_empty() {
        writeln!(out, "   the same as the reference")?;
    }
    for hunk in &hunks {
        print_hunk(hunk, out)?;
    }
    Ok(())
}

fn print_hunk(hunk: &Hunk, out: &mut impl Write) -> std::io::Result<()> {
    match &hunk.item {
        Some(item) => writeln!(out, "\n@@ in {item}")?,
        None => writeln!(out, "\n@@")?,
    }
    for (side, line) in &hunk.lines {
        let mark = match side {
            Side::Both => ' ',
            Side::Yours => '-',
            Side::Reference => '+',
        };
        writeln!(out, "{mark} {line}")?;
    }
    Ok(())
}
