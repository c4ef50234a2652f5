//! `workbook check`: every problem in the course, one line each, then a summary.

use std::io::Write;

use serde::Serialize;

use super::{Workbook, plural};
use crate::authoring::lesson_code;
use crate::course::Diagnostic;
use crate::grade::{Progress, Workdir};

/// The version of the `--json` output; bumped when a field changes meaning.
pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    clean: bool,
    summary: Summary,
    diagnostics: &'a [Diagnostic],
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    lessons: usize,
    quizzes: usize,
    exercises: usize,
}

/// Prints the course's diagnostics (with `code`, also those of its lessons' Rust blocks);
/// returns true when the course has no errors.
pub fn run(wb: &Workbook, json: bool, code: bool, out: &mut impl Write) -> anyhow::Result<bool> {
    let course = wb.course();
    let mut diagnostics = wb.loaded.diagnostics.clone();
    if code {
        let workdir = Workdir::of(course);
        let found = lesson_code::check(course, &workdir, &mut |event| {
            if let Progress::FirstBuild = event {
                eprintln!(
                    "Compiling the lessons' code for the first time: dependencies build once (a few minutes)."
                );
            }
        })?;
        for diagnostic in found {
            diagnostics.push(diagnostic);
        }
        diagnostics.sort();
    }
    let diagnostics = &diagnostics;
    let clean = diagnostics.error_count() == 0;
    let summary = Summary {
        errors: diagnostics.error_count(),
        warnings: diagnostics.warning_count(),
        lessons: course.lessons.len(),
        quizzes: course.quizzes.len(),
        exercises: course.exercises.len(),
    };
    if json {
        let report = JsonReport {
            version: JSON_VERSION,
            clean,
            summary,
            diagnostics: diagnostics.as_slice(),
        };
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
        return Ok(clean);
    }
    for diagnostic in diagnostics.as_slice() {
        writeln!(out, "{diagnostic}")?;
    }
    let contents = format!(
        "{}, {}, {}",
        plural(summary.lessons, "lesson"),
        plural(summary.quizzes, "quiz"),
        plural(summary.exercises, "exercise")
    )
    .replace("quizs", "quizzes");
    if diagnostics.is_empty() {
        writeln!(out, "course is clean: {contents}")?;
    } else {
        writeln!(
            out,
            "{} and {} in a course of {contents}",
            plural(summary.errors, "error"),
            plural(summary.warnings, "warning")
        )?;
    }
    Ok(clean)
}
