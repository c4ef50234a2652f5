//! `workbook review`: after an exercise passes, your code beside the reference solution, as
//! a diff per file with the function each difference is in, then clippy's style notes on
//! your code.

use std::io::Write;

use super::{Workbook, exercise_named};
use crate::app::compare::{FilePair, Hunk, Review, Side, hunks, review};
use crate::app::style::{StyleCheck, style};
use crate::grade::Cancel;
use crate::grade::style::{Style, StyleNote, shown_places};

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
            style_notes(wb, exercise, out)?;
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
            style_notes(wb, exercise, out)?;
            Ok(true)
        }
    }
}

/// Clippy's notes on the learner's crate, after the comparison.
fn style_notes(
    wb: &Workbook,
    exercise: &crate::course::Exercise,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    writeln!(out, "\nStyle notes from clippy (never part of the grade):")?;
    out.flush()?;
    match style(wb.course(), exercise, wb, &Cancel::default())? {
        StyleCheck::NotPassedYet => writeln!(out, "  none until the exercise passes.")?,
        StyleCheck::Checked(Style::ClippyMissing) => writeln!(
            out,
            "  clippy is not installed; `rustup component add clippy` adds it."
        )?,
        StyleCheck::Checked(Style::DoesNotCompile) => writeln!(
            out,
            "  your crate does not compile now; `workbook grade {}` shows why.",
            exercise.slug
        )?,
        StyleCheck::Checked(Style::Notes(notes)) if notes.is_empty() => {
            writeln!(out, "  none: clippy has nothing to say about your code.")?
        }
        StyleCheck::Checked(Style::Notes(notes)) => {
            for note in &notes {
                print_note(note, out)?;
            }
        }
    }
    Ok(())
}

fn print_note(note: &StyleNote, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "\n* {} ({})", note.advice, note.lint)?;
    let (places, more) = shown_places(note);
    for (place, message) in places {
        writeln!(out, "    {place}: {message}")?;
    }
    if more > 0 {
        writeln!(out, "    ... and {more} more")?;
    }
    if let Some(read) = &note.read {
        writeln!(out, "    read: {read} (in `workbook serve`)")?;
    }
    if let Some(docs) = &note.docs {
        writeln!(out, "    more: {docs}")?;
    }
    Ok(())
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
