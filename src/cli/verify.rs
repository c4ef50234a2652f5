//! `workbook verify`, for instructors: every stub compiles and fails, every solution passes
//! (on this machine or in the class sandbox); with `--mutants`, the hidden tests catch every
//! mutant of each solution.

use std::io::Write;

use anyhow::bail;

use super::Workbook;
use super::grade::Spinner;
use crate::app::verify::{Verification, verify, verify_sandboxed};
use crate::app::{self, AppError};
use crate::authoring::mutants::{self, MutationReport};
use crate::course::Exercise;
use crate::grade::{Cancel, TestStatus};
use crate::terminal::{Look, Tone};

/// The exercises named by `slugs`, in the order given; every exercise when none is named.
fn chosen<'w>(wb: &'w Workbook, slugs: &[String]) -> Result<Vec<&'w Exercise>, AppError> {
    if slugs.is_empty() {
        return Ok(wb.course().exercises_in_order());
    }
    slugs
        .iter()
        .map(|slug| app::find_exercise(wb.course(), slug))
        .collect()
}

/// Verifies and prints the table; true when every stub fails and every solution passes.
pub fn run(
    wb: &Workbook,
    (slugs, sandbox): (&[String], bool),
    look: Look,
    out: &mut impl Write,
) -> anyhow::Result<bool> {
    let course = wb.course();
    let exercises = chosen(wb, slugs)?;
    if exercises.is_empty() {
        bail!("the course has no exercises to verify");
    }
    let cancel = Cancel::default();
    let rows = if sandbox {
        verify_sandboxed(course, &exercises, &cancel)?
    } else {
        let verify_one = |e: &&Exercise| {
            let spinner = Spinner::start(&format!("building {}", e.slug), look);
            let row = verify(course, e, &cancel, &mut |event| spinner.show(event));
            spinner.finish();
            row
        };
        exercises.iter().map(verify_one).collect()
    };
    Ok(print_table(&rows, look, out)?)
}

/// `--mutants`: cargo-mutants on every (or one) reference solution; true when no mutant is
/// missed outside the equivalents files.
pub fn mutants(
    wb: &Workbook,
    slugs: &[String],
    look: Look,
    out: &mut impl Write,
) -> anyhow::Result<bool> {
    let mut reports = Vec::new();
    for exercise in chosen(wb, slugs)? {
        eprintln!("mutation testing {} (cargo-mutants) ...", exercise.slug);
        reports.push(mutants::run(wb.course(), exercise)?);
    }
    print_mutants(&reports, look, out)?;
    Ok(reports.iter().all(MutationReport::clean))
}

fn print_mutants(
    reports: &[MutationReport],
    look: Look,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let heading = format!(
        "{:<16} {:>9} {:>7} {:>7} {:>11} {:>9} {:>10}",
        "exercise", "generated", "caught", "missed", "equivalent", "unviable", "timed out"
    );
    writeln!(out, "{}", look.paint(Tone::Strong, &heading))?;
    for r in reports {
        // Padded before it is painted: escape codes would count towards the width.
        let missed = format!("{:>7}", r.missed.len());
        let tone = if r.missed.is_empty() {
            Tone::Good
        } else {
            Tone::Bad
        };
        writeln!(
            out,
            "{:<16} {:>9} {:>7} {} {:>11} {:>9} {:>10}",
            r.slug,
            r.generated,
            r.caught,
            look.paint(tone, &missed),
            r.equivalent.len(),
            r.unviable,
            r.timed_out
        )?;
    }
    for r in reports.iter().filter(|r| !r.clean()) {
        writeln!(
            out,
            "\n{}: missed mutants (add a test that catches each, or list it with a reason in grader/{}/mutants-equivalent.toml):",
            r.slug, r.slug
        )?;
        for mutant in &r.missed {
            writeln!(out, "  {mutant}")?;
        }
    }
    Ok(())
}

/// Prints the verify table; returns true when every row holds.
fn print_table(rows: &[Verification], look: Look, out: &mut impl Write) -> std::io::Result<bool> {
    let width = rows.iter().map(|r| r.slug.len()).max().unwrap_or(8).max(8);
    let learner_edition = rows.iter().any(|r| r.solution.is_none());
    if learner_edition {
        writeln!(
            out,
            "This is a learner edition: the reference solutions are not present, so only the stubs are checked.\n"
        )?;
    }
    let heading = format!("{:<width$}  {:<34}  solution", "exercise", "stub");
    writeln!(out, "{}", look.paint(Tone::Strong, &heading))?;
    for row in rows {
        // Padded before it is painted: escape codes would count towards the width.
        let stub = format!("{:<34}", stub_cell(row));
        let (stub, solution) = (painted(look, &stub), solution_cell(row));
        let solution = painted(look, &solution);
        writeln!(out, "{:<width$}  {stub}  {solution}", row.slug)?;
    }
    let all_ok = rows.iter().all(|r| r.stub_ok() && r.solution_ok());
    let verdict = match (all_ok, learner_edition) {
        (true, true) => format!(
            "checked {} exercise(s): every stub compiles and fails; the solutions are not present, so they were not verified",
            rows.len()
        ),
        (true, false) => format!(
            "verified {} exercise(s): every stub fails and every solution passes",
            rows.len()
        ),
        (false, _) => "verification FAILED".to_string(),
    };
    let tone = if all_ok { Tone::Good } else { Tone::Bad };
    writeln!(out, "\n{}", look.paint(tone, &verdict))?;
    Ok(all_ok)
}

/// A cell of the verify table in the colour its first word calls for.
fn painted(look: Look, cell: &str) -> String {
    let tone = match cell.split(':').next() {
        Some("ok") => Tone::Good,
        Some("FAIL") => Tone::Bad,
        _ => Tone::Dim,
    };
    look.paint(tone, cell).into_owned()
}

fn stub_cell(row: &Verification) -> String {
    match &row.stub {
        Ok(r) if !r.compile_errors.is_empty() => "FAIL: does not compile".to_string(),
        Ok(r) if r.score.total == 0 => "FAIL: no hidden test ran".to_string(),
        Ok(r) if row.stub_ok() && !r.stages.is_empty() => format!(
            "ok: fails stage 1 ({} of {} tests)",
            r.score.total - r.score.passed,
            r.score.total
        ),
        Ok(r) if row.stub_ok() => format!(
            "ok: fails {} of {} tests",
            r.score.total - r.score.passed,
            r.score.total
        ),
        Ok(r) if r.score.passed < r.score.total => format!(
            "FAIL: passes stage 1; fails only at {}",
            r.current_stage.as_deref().unwrap_or("?")
        ),
        Ok(r) => format!("FAIL: passes all {} tests", r.score.total),
        Err(e) => format!("FAIL: {e}"),
    }
}

fn solution_cell(row: &Verification) -> String {
    match &row.solution {
        None => "not present (learner edition)".to_string(),
        Some(Ok(r)) if !r.compile_errors.is_empty() => "FAIL: does not compile".to_string(),
        Some(Ok(r)) if row.solution_ok() && !r.stages.is_empty() => format!(
            "ok: passes all {} stages ({} tests)",
            r.stages.len(),
            r.score.total
        ),
        Some(Ok(r)) if row.solution_ok() => {
            format!("ok: passes {} of {} tests", r.score.passed, r.score.total)
        }
        Some(Ok(r)) => {
            let failing: Vec<&str> = r
                .tests
                .iter()
                .filter(|t| t.status != TestStatus::Passed)
                .map(|t| t.name.as_str())
                .collect();
            format!("FAIL: fails {}", failing.join(", "))
        }
        Some(Err(e)) => format!("FAIL: {e}"),
    }
}
