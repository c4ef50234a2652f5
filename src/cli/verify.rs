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

/// The exercises named by `slug`, or all of them in course order.
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
    slugs: &[String],
    sandbox: bool,
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
            let spinner = Spinner::start(&format!("building {}", e.slug));
            let row = verify(course, e, &cancel, &mut |event| spinner.show(event));
            spinner.finish();
            row
        };
        exercises.iter().map(verify_one).collect()
    };
    Ok(print_table(&rows, out)?)
}

/// `--mutants`: cargo-mutants on every (or one) reference solution; true when no mutant is
/// missed outside the equivalents files.
pub fn mutants(wb: &Workbook, slugs: &[String], out: &mut impl Write) -> anyhow::Result<bool> {
    let mut reports = Vec::new();
    for exercise in chosen(wb, slugs)? {
        eprintln!("mutation testing {} (cargo-mutants) ...", exercise.slug);
        reports.push(mutants::run(wb.course(), exercise)?);
    }
    print_mutants(&reports, out)?;
    Ok(reports.iter().all(MutationReport::clean))
}

fn print_mutants(reports: &[MutationReport], out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<16} {:>9} {:>7} {:>7} {:>11} {:>9} {:>10}",
        "exercise", "generated", "caught", "missed", "equivalent", "unviable", "timed out"
    )?;
    for r in reports {
        writeln!(
            out,
            "{:<16} {:>9} {:>7} {:>7} {:>11} {:>9} {:>10}",
            r.slug,
            r.generated,
            r.caught,
            r.missed.len(),
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
fn print_table(rows: &[Verification], out: &mut impl Write) -> std::io::Result<bool> {
    let width = rows.iter().map(|r| r.slug.len()).max().unwrap_or(8).max(8);
    let learner_edition = rows.iter().any(|r| r.solution.is_none());
    if learner_edition {
        writeln!(
            out,
            "This is a learner edition: the reference solutions are not present, so only the stubs are checked.\n"
        )?;
    }
    writeln!(out, "{:<width$}  {:<34}  solution", "exercise", "stub")?;
    for row in rows {
        let (stub, solution) = (stub_cell(row), solution_cell(row));
        writeln!(out, "{:<width$}  {stub:<34}  {solution}", row.slug)?;
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
    writeln!(out, "\n{verdict}")?;
    Ok(all_ok)
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
