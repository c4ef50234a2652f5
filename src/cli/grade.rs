//! `workbook grade`: grade one exercise, or all of them, on this machine or in the class
//! sandbox, and print the reports as text, JSON or JUnit XML.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::bail;
use indicatif::{ProgressBar, ProgressStyle};

use super::output::{check_out_file, emit};
use super::{Workbook, exercise_named};
use crate::app::grading::{self, Learner};
use crate::app::{export, hints};
use crate::course::Exercise;
use crate::grade::report::Passing;
use crate::grade::{self, Cancel, Progress, Report};
use crate::terminal::Look;

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

/// How far learner code is trusted in a grade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Isolation {
    /// The learner's own machine: the learner is trusted.
    None,
    /// Class grading: only the learner's `src/` is taken (from `learner`, or this course),
    /// and it builds and runs in the sandbox.
    Sandbox {
        /// The learner's repository, when it is not this course.
        learner: Option<PathBuf>,
    },
}

/// What to grade and where the report goes.
pub struct GradeArgs<'a> {
    /// The exercise (default: the one whose folder we are in).
    pub slug: Option<&'a str>,
    /// Every exercise instead.
    pub all: bool,
    /// Trusted, or in the sandbox.
    pub isolation: Isolation,
    /// The report format.
    pub format: Format,
    /// The report file (default: standard output).
    pub out_file: Option<&'a Path>,
    /// In the human format, list the passing tests too (default: one line counts them).
    pub verbose: bool,
    /// Of a staged exercise, grade stages 1 to N only.
    pub stage: Option<usize>,
    /// Colour, and symbols or words.
    pub look: Look,
}

/// Grades and prints; returns true when every graded exercise passed.
pub fn run(wb: &Workbook, args: GradeArgs<'_>, out: &mut impl Write) -> anyhow::Result<bool> {
    let course = wb.course();
    let exercises: Vec<&Exercise> = if args.all {
        course.exercises.values().collect()
    } else {
        vec![exercise_named(wb, args.slug)?]
    };
    if exercises.is_empty() {
        bail!("the course has no exercises to grade");
    }
    check_out_file(args.out_file)?;
    let until = match args.stage {
        Some(n) => stages_until(exercises[0], n)?,
        None => usize::MAX,
    };
    let cancel = Cancel::default();
    let reports = match &args.isolation {
        Isolation::None => {
            let mut reports = Vec::new();
            for exercise in &exercises {
                reports.push(grade_with_spinner(
                    wb,
                    (exercise, until),
                    &cancel,
                    args.look,
                )?);
            }
            reports
        }
        Isolation::Sandbox { learner } => {
            let learner = match learner {
                Some(dir) => Learner::Repository(dir),
                None => Learner::ThisCourse,
            };
            grading::grade_untrusted(course, &exercises, learner, wb, &cancel)?
        }
    };
    let passed = reports.iter().all(Report::passed);
    let buffer = render(wb, &exercises, &reports, &args)?;
    emit(&buffer, args.out_file, out)?;
    Ok(passed)
}

/// Checks `--stage n` against the stages of `exercise`.
fn stages_until(exercise: &Exercise, n: usize) -> anyhow::Result<usize> {
    let count = exercise.stages.len();
    if count == 0 {
        bail!(
            "{} is not graded in stages; leave out --stage",
            exercise.slug
        );
    }
    if !(1..=count).contains(&n) {
        bail!("--stage {n}: {} has stages 1 to {count}", exercise.slug);
    }
    Ok(n)
}

/// The reports in the format asked for.
fn render(
    wb: &Workbook,
    exercises: &[&Exercise],
    reports: &[Report],
    args: &GradeArgs<'_>,
) -> anyhow::Result<Vec<u8>> {
    let mut buffer = Vec::new();
    match args.format {
        Format::Junit => buffer.extend_from_slice(grade::report::junit(reports).as_bytes()),
        Format::Json if args.all => {
            // Another learner's grades carry no quiz scores: this store is not theirs.
            let theirs = !matches!(args.isolation, Isolation::Sandbox { learner: Some(_) });
            let file = export::grades_file(reports, theirs.then_some(wb))?;
            serde_json::to_writer_pretty(&mut buffer, &file)?;
            buffer.push(b'\n');
        }
        Format::Json | Format::Human => {
            for (exercise, report) in exercises.iter().zip(reports) {
                let revealed = hints::revealed(exercise, wb)?;
                let passing = match args.verbose {
                    true => Passing::Listed,
                    false => Passing::Collapsed,
                };
                // A report written to a file is read later, not at a terminal.
                let look = match args.out_file {
                    Some(_) => args.look.without_colour(),
                    None => args.look,
                };
                let how = HowToPrint {
                    format: args.format,
                    revealed_hints: &revealed,
                    passing,
                    look,
                };
                print_report(report, exercise, how, &mut buffer)?;
            }
        }
    }
    Ok(buffer)
}

/// How to print one report.
#[derive(Debug, Clone, Copy)]
pub struct HowToPrint<'a> {
    /// The format.
    pub format: Format,
    /// Which hints the learner has seen (0-based), to suggest the right one on a failure.
    pub revealed_hints: &'a BTreeSet<usize>,
    /// In the human format, whether passing tests are listed or counted.
    pub passing: Passing,
    /// In the human format, colour and symbols or words.
    pub look: Look,
}

/// Prints `report` as `how` says.
pub fn print_report(
    report: &Report,
    exercise: &Exercise,
    how: HowToPrint<'_>,
    out: &mut impl Write,
) -> std::io::Result<()> {
    match how.format {
        Format::Human => grade::report::human(
            report,
            exercise,
            (how.revealed_hints, how.passing),
            how.look,
            out,
        ),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &grade::report::json(report, exercise))?;
            writeln!(out)
        }
        Format::Junit => write!(
            out,
            "{}",
            grade::report::junit(std::slice::from_ref(report))
        ),
    }
}

/// Grades and records `exercise`, showing a spinner on a terminal while it works (in plain
/// mode, a line per step instead).
pub fn grade_with_spinner(
    wb: &Workbook,
    (exercise, until): (&Exercise, usize),
    cancel: &Cancel,
    look: Look,
) -> anyhow::Result<Report> {
    let spinner = Spinner::start(&format!("building {}", exercise.slug), look);
    let graded = grading::grade_stages_and_record(
        wb.course(),
        (exercise, until),
        wb,
        cancel,
        &mut |event| spinner.show(event),
    );
    spinner.finish();
    Ok(graded?.saved()?)
}

/// A terminal spinner that shows the grader's progress on stderr; it draws nothing when
/// stderr is not a terminal. In plain mode nothing is redrawn in place (a screen reader
/// would read every frame): the main steps are printed as lines instead.
pub struct Spinner {
    bar: ProgressBar,
    plain: bool,
}

const FIRST_BUILD: &str = "First grade on this machine: compiling the exercises' dependencies once (a minute or two). Later grades reuse them.";

impl Spinner {
    /// Starts spinning with `message` (in plain mode, prints it).
    pub fn start(message: &str, look: Look) -> Spinner {
        if look.is_plain() {
            eprintln!("{message} ...");
            return Spinner {
                bar: ProgressBar::hidden(),
                plain: true,
            };
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(100));
        bar.set_message(message.to_string());
        Spinner { bar, plain: false }
    }

    /// Shows one step of a grade.
    pub fn show(&self, event: Progress) {
        let message = match event {
            Progress::FirstBuild if self.plain => return eprintln!("{FIRST_BUILD}"),
            Progress::FirstBuild => return self.bar.println(FIRST_BUILD),
            Progress::Compiled { name } => format!("compiling {name}"),
            Progress::Built => "running hidden tests".to_string(),
            Progress::Stage {
                index,
                total,
                title,
                ..
            } if self.plain => return eprintln!("stage {index} of {total}: {title} ..."),
            Progress::Stage {
                index,
                total,
                title,
                ..
            } => format!("stage {index} of {total}: {title}"),
            Progress::Running { name, index, total } => format!("test {index}/{total}: {name}"),
            Progress::Finished(_) => return,
        };
        self.bar.set_message(message);
    }

    /// Clears the spinner.
    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}
