//! `workbook grade` and `workbook verify`: run the grader and print its report as text, JSON
//! or JUnit XML.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::course::{Course, Exercise};
use crate::grade::{self, Cancel, GradeError, Progress, Report, TestStatus, Workdir};

/// How a report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For a person at a terminal.
    Human,
    /// The versioned JSON report (see AUTHORING.md).
    Json,
    /// JUnit XML, for CI systems.
    Junit,
}

/// Grades `exercise` against `crate_dir`, showing a spinner on a terminal while it works.
pub fn grade_with_spinner(
    course: &Course,
    exercise: &Exercise,
    crate_dir: &Path,
    cancel: &Cancel,
) -> Result<Report, GradeError> {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(100));
    bar.set_message(format!("building {}", exercise.slug));
    let workdir = Workdir::of(course);
    let result = grade::grade(
        course,
        exercise,
        crate_dir,
        &workdir,
        cancel,
        &mut |event| {
            match event {
        Progress::FirstBuild => bar.println(
            "First grade on this machine: compiling the exercises' dependencies once (a minute or two). Later grades reuse them.",
        ),
        Progress::Compiled { name } => bar.set_message(format!("compiling {name}")),
        Progress::Built => bar.set_message("running hidden tests"),
        Progress::Running { name, index, total } => bar.set_message(format!("test {index}/{total}: {name}")),
        Progress::Finished(_) => {}
    }
        },
    );
    bar.finish_and_clear();
    result
}

/// Prints `report` in `format`; `revealed_hints` says which hint to suggest when something failed.
pub fn print_report(
    report: &Report,
    exercise: &Exercise,
    format: Format,
    revealed_hints: usize,
    out: &mut impl Write,
) -> std::io::Result<()> {
    match format {
        Format::Human => print_human(report, exercise, revealed_hints, out),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, report)?;
            writeln!(out)
        }
        Format::Junit => write!(out, "{}", junit(std::slice::from_ref(report))),
    }
}

fn print_human(
    report: &Report,
    exercise: &Exercise,
    revealed_hints: usize,
    out: &mut impl Write,
) -> std::io::Result<()> {
    writeln!(out, "{} ({})", exercise.title, exercise.slug)?;
    if !report.compile_errors.is_empty() {
        let in_tests = report.compile_errors.iter().all(|e| e.in_hidden_tests);
        if in_tests {
            writeln!(
                out,
                "\n✗ compile error: your crate compiles, but the hidden tests cannot use it.\n  Check that its public API (names, arguments, return types) matches the README.\n"
            )?;
        } else {
            let first = report.compile_errors.iter().find_map(|e| {
                e.file.as_ref().map(|f| match e.line {
                    Some(line) => format!("{f}:{line}"),
                    None => f.clone(),
                })
            });
            writeln!(
                out,
                "\n✗ compile error{}\n",
                first
                    .map(|f| format!(": open {}/{f}", exercise.stub_dir.display()))
                    .unwrap_or_default()
            )?;
        }
        for error in &report.compile_errors {
            writeln!(out, "{}\n", error.rendered)?;
        }
        return suggest_hint(exercise, revealed_hints, out);
    }
    if report.tests.is_empty() {
        writeln!(out, "\n✗ no hidden test ran")?;
        return Ok(());
    }
    writeln!(out)?;
    for test in &report.tests {
        let mark = match test.status {
            TestStatus::Passed => "✓",
            TestStatus::Failed => "✗",
            TestStatus::TimedOut => "⏱",
        };
        writeln!(
            out,
            "{mark} {}  ({} ms)",
            test.description, test.duration_ms
        )?;
        if test.status != TestStatus::Passed
            && let Some(message) = &test.message
        {
            for line in message.lines() {
                writeln!(out, "    {line}")?;
            }
        }
    }
    writeln!(
        out,
        "\nScore: {}/{} passed    compile {:.1} s, tests {:.1} s",
        report.score.passed,
        report.score.total,
        report.compile_ms as f64 / 1000.0,
        report.test_ms as f64 / 1000.0
    )?;
    if report.passed() {
        writeln!(out, "All hidden tests pass. Well done!")?;
    } else {
        suggest_hint(exercise, revealed_hints, out)?;
    }
    Ok(())
}

/// Points at the next unrevealed hint, and repeats the latest one the learner has seen.
fn suggest_hint(exercise: &Exercise, revealed: usize, out: &mut impl Write) -> std::io::Result<()> {
    let total = exercise.hints.len();
    if revealed > 0
        && let Some(hint) = exercise.hints.get(revealed.min(total) - 1)
    {
        writeln!(
            out,
            "\nHint {} of {total} (revealed): {hint}",
            revealed.min(total)
        )?;
    }
    if revealed < total {
        writeln!(
            out,
            "\nStuck? `workbook hint {}` reveals hint {} of {total}.",
            exercise.slug,
            revealed + 1
        )?;
    }
    Ok(())
}

/// JUnit XML for one or more reports: one `<testsuite>` per exercise.
pub fn junit(reports: &[Report]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"workbook\">\n",
    );
    for report in reports {
        let failures = report
            .tests
            .iter()
            .filter(|t| t.status != TestStatus::Passed)
            .count();
        let errors = usize::from(!report.compile_errors.is_empty());
        xml.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{:.3}\">\n",
            escape(report.exercise.as_str()),
            report.tests.len(),
            (report.compile_ms + report.test_ms) as f64 / 1000.0
        ));
        if !report.compile_errors.is_empty() {
            let text: Vec<&str> = report
                .compile_errors
                .iter()
                .map(|e| e.rendered.as_str())
                .collect();
            xml.push_str(&format!(
                "    <testcase name=\"compile\" classname=\"{}\">\n      <error message=\"compile error\">{}</error>\n    </testcase>\n",
                escape(report.exercise.as_str()),
                escape(&text.join("\n\n"))
            ));
        }
        for test in &report.tests {
            xml.push_str(&format!(
                "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\">\n",
                escape(&test.description),
                escape(&format!("{}.{}", report.exercise, test.name)),
                test.duration_ms as f64 / 1000.0
            ));
            match test.status {
                TestStatus::Passed => {}
                TestStatus::Failed | TestStatus::TimedOut => {
                    let message = test.message.clone().unwrap_or_default();
                    xml.push_str(&format!(
                        "      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                        escape(message.lines().next().unwrap_or("")),
                        test.status.as_str(),
                        escape(&message)
                    ));
                }
            }
            if !test.output.is_empty() {
                xml.push_str(&format!(
                    "      <system-out>{}</system-out>\n",
                    escape(&test.output)
                ));
            }
            xml.push_str("    </testcase>\n");
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

/// Escapes text for XML, dropping the control characters XML 1.0 cannot carry at all.
fn escape(text: &str) -> String {
    let printable: String = text
        .chars()
        .filter(|&c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .collect();
    crate::render::escape(&printable)
}

/// One row of `workbook verify`.
#[derive(Debug)]
pub struct Verification {
    /// The exercise.
    pub slug: String,
    /// The stub's grade, or why it could not be graded.
    pub stub: Result<Report, String>,
    /// The solution's grade, or why it could not be graded; `None` when the course has no
    /// solutions (a learner edition).
    pub solution: Option<Result<Report, String>>,
}

impl Verification {
    /// The stub must compile and fail at least one hidden test.
    pub fn stub_ok(&self) -> bool {
        matches!(&self.stub, Ok(r) if r.compile_errors.is_empty() && r.score.total > 0 && r.score.passed < r.score.total)
    }

    /// The solution must pass every hidden test (a learner edition has none to check).
    pub fn solution_ok(&self) -> bool {
        match &self.solution {
            Some(Ok(r)) => r.passed(),
            Some(Err(_)) => false,
            None => true,
        }
    }
}

/// Grades the stub and the solution of `exercise`.
pub fn verify(course: &Course, exercise: &Exercise, cancel: &Cancel) -> Verification {
    verify_with(course, exercise, &mut |dir| {
        grade_with_spinner(course, exercise, dir, cancel)
    })
}

/// Verifies `exercise`, grading its stub and its solution with `grade`.
pub fn verify_with(
    course: &Course,
    exercise: &Exercise,
    grade: &mut dyn FnMut(&Path) -> Result<Report, GradeError>,
) -> Verification {
    let stub_dir = course.root.join(&exercise.stub_dir);
    let solution_dir = course.root.join(&exercise.grader_dir).join("solution");
    let stub = grade(&stub_dir).map_err(|e| e.to_string());
    let solution = (!course.learner_edition || solution_dir.is_dir())
        .then(|| grade(&solution_dir).map_err(|e| e.to_string()));
    Verification {
        slug: exercise.slug.to_string(),
        stub,
        solution,
    }
}

/// Prints the verify table; returns true when every row holds.
pub fn print_verifications(rows: &[Verification], out: &mut impl Write) -> std::io::Result<bool> {
    let width = rows.iter().map(|r| r.slug.len()).max().unwrap_or(8).max(8);
    let learner_edition = rows.iter().any(|r| r.solution.is_none());
    if learner_edition {
        writeln!(
            out,
            "This is a learner edition: the reference solutions are not present, so only the stubs are checked.\n"
        )?;
    }
    writeln!(out, "{:<width$}  {:<34}  solution", "exercise", "stub")?;
    let mut all_ok = true;
    for row in rows {
        let stub = match &row.stub {
            Ok(r) if !r.compile_errors.is_empty() => "FAIL: does not compile".to_string(),
            Ok(r) if r.score.total == 0 => "FAIL: no hidden test ran".to_string(),
            Ok(r) if row.stub_ok() => format!(
                "ok: fails {} of {} tests",
                r.score.total - r.score.passed,
                r.score.total
            ),
            Ok(r) => format!("FAIL: passes all {} tests", r.score.total),
            Err(e) => format!("FAIL: {e}"),
        };
        let solution = match &row.solution {
            None => "not present (learner edition)".to_string(),
            Some(Ok(r)) if !r.compile_errors.is_empty() => "FAIL: does not compile".to_string(),
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
        };
        all_ok &= row.stub_ok() && row.solution_ok();
        writeln!(out, "{:<width$}  {stub:<34}  {solution}", row.slug)?;
    }
    writeln!(
        out,
        "\n{}",
        if all_ok && learner_edition {
            format!(
                "checked {} exercise(s): every stub compiles and fails; the solutions are not present, so they were not verified",
                rows.len()
            )
        } else if all_ok {
            format!(
                "verified {} exercise(s): every stub fails and every solution passes",
                rows.len()
            )
        } else {
            "verification FAILED".to_string()
        }
    )?;
    Ok(all_ok)
}
