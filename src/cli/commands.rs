//! The commands that need more than one step: finding the exercise, grading and recording,
//! hints, reset, verify.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use anyhow::{Context as _, bail};

use super::Context;
use super::grade::{self as print, Format};
use crate::course::{Course, Exercise};
use crate::grade::{Cancel, Report};

/// Finds the exercise named `slug`, or the one whose folder holds the current directory.
pub fn find_exercise<'c>(course: &'c Course, slug: Option<&str>) -> anyhow::Result<&'c Exercise> {
    let known = || {
        course
            .exercises
            .keys()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match slug {
        Some(slug) => course
            .exercises
            .get(slug)
            .with_context(|| format!("no exercise `{slug}`; the exercises are: {}", known())),
        None => {
            let cwd = std::env::current_dir().context("cannot read the current folder")?;
            course
                .exercises
                .values()
                .find(|e| cwd.starts_with(crate::grade::absolute(&course.root.join(&e.stub_dir))))
                .with_context(|| {
                    format!(
                        "name an exercise (or run this inside its folder); the exercises are: {}",
                        known()
                    )
                })
        }
    }
}

/// Grades the learner's folder of `exercise` and records the result.
pub fn grade_and_record(
    ctx: &Context,
    exercise: &Exercise,
    cancel: &Cancel,
) -> anyhow::Result<Report> {
    let course = ctx.course();
    crate::grade::pristine::ensure(course)?;
    let crate_dir = course.root.join(&exercise.stub_dir);
    let report = print::grade_with_spinner(course, exercise, &crate_dir, cancel)
        .with_context(|| format!("grading `{}` failed", exercise.slug))?;
    ctx.store()?.record_grade(&report)?;
    Ok(report)
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
        learner: Option<std::path::PathBuf>,
    },
}

/// `workbook grade`: returns true when every graded exercise passed.
pub fn grade(
    ctx: &Context,
    slug: Option<&str>,
    (all, isolation): (bool, Isolation),
    format: Format,
    out_file: Option<&Path>,
    out: &mut impl Write,
) -> anyhow::Result<bool> {
    let course = ctx.course();
    let exercises: Vec<&Exercise> = if all {
        course.exercises.values().collect()
    } else {
        vec![find_exercise(course, slug)?]
    };
    if exercises.is_empty() {
        bail!("the course has no exercises to grade");
    }
    if let Some(path) = out_file {
        // Refuse before grading (which may take minutes), not after.
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !dir.is_dir() {
            bail!(
                "cannot write the report to {}: {} is not a folder",
                path.display(),
                dir.display()
            );
        }
    }
    let cancel = Cancel::default();
    let reports = match &isolation {
        Isolation::None => {
            let mut reports = Vec::new();
            for exercise in &exercises {
                reports.push(grade_and_record(ctx, exercise, &cancel)?);
            }
            reports
        }
        Isolation::Sandbox { learner } => grade_in_sandbox(ctx, &exercises, learner.as_deref())?,
    };
    let passed = reports.iter().all(Report::passed);

    let mut buffer = Vec::new();
    match format {
        Format::Junit => buffer.extend_from_slice(print::junit(&reports).as_bytes()),
        Format::Json if all => {
            // Another learner's grades carry no quiz scores: this store is not theirs.
            let theirs = !matches!(isolation, Isolation::Sandbox { learner: Some(_) });
            let bests = if theirs {
                ctx.store()?.best_quiz_scores()?
            } else {
                Default::default()
            };
            let quizzes = bests
                .into_iter()
                .map(|(quiz, best)| {
                    let result = crate::class::gradebook::QuizResult {
                        best: best.score,
                        passed: best.passed,
                        attempts: best.attempts,
                    };
                    (quiz, result)
                })
                .collect();
            let file = crate::class::gradebook::GradesFile {
                version: crate::grade::REPORT_VERSION,
                kind: crate::class::gradebook::GRADES_KIND.to_string(),
                exercises: reports.clone(),
                quizzes,
            };
            serde_json::to_writer_pretty(&mut buffer, &file)?;
            buffer.push(b'\n');
        }
        _ => {
            let store = ctx.store()?;
            for (exercise, report) in exercises.iter().zip(&reports) {
                let revealed = store.revealed_hints(exercise.slug.as_str())?;
                print::print_report(report, exercise, format, revealed, &mut buffer)?;
            }
        }
    }
    match out_file {
        // Written whole at the end: a report file is never left half-written.
        Some(path) => write_atomically(path, &buffer)?,
        None => out.write_all(&buffer)?,
    }
    Ok(passed)
}

/// Grades `exercises` of the learner's repository `learner` (default: this course) in the
/// sandbox. A sandbox that cannot be made is an error, never a reason to grade without one.
fn grade_in_sandbox(
    ctx: &Context,
    exercises: &[&Exercise],
    learner: Option<&Path>,
) -> anyhow::Result<Vec<Report>> {
    let course = ctx.course();
    let sandbox = crate::grade::sandbox::Sandbox::detect()?;
    let learner_root = learner.unwrap_or(&course.root);
    if !learner_root.is_dir() {
        bail!(
            "the learner's repository {} is not a folder",
            learner_root.display()
        );
    }
    let scratch = sandbox_scratch(course)?;
    let cancel = Cancel::default();
    let mut reports = Vec::new();
    for exercise in exercises {
        let crate_dir = learner_root.join(&exercise.stub_dir);
        let report = crate::grade::grade_sandboxed(
            course,
            exercise,
            &crate_dir,
            scratch.path(),
            &sandbox,
            &cancel,
            &mut |_| {},
        )
        .with_context(|| format!("grading `{}` in the sandbox failed", exercise.slug))?;
        // Only the learner's own grades belong in this course's progress.
        if learner.is_none() {
            ctx.store()?.record_grade(&report)?;
        }
        reports.push(report);
    }
    Ok(reports)
}

/// A scratch folder for one sandboxed run, removed when dropped.
fn sandbox_scratch(course: &Course) -> anyhow::Result<tempfile::TempDir> {
    let workdir = crate::grade::Workdir::of(course);
    std::fs::create_dir_all(&workdir.root)
        .with_context(|| format!("cannot create {}", workdir.root.display()))?;
    tempfile::Builder::new()
        .prefix("sandbox-")
        .tempdir_in(&workdir.root)
        .with_context(|| {
            format!(
                "cannot create a scratch folder in {}",
                workdir.root.display()
            )
        })
}

/// `workbook hint`: prints the next hint and records it; true while hints remain to be shown.
pub fn hint(ctx: &Context, slug: Option<&str>, out: &mut impl Write) -> anyhow::Result<bool> {
    let exercise = find_exercise(ctx.course(), slug)?;
    let store = ctx.store()?;
    let revealed = store.revealed_hints(exercise.slug.as_str())?;
    let total = exercise.hints.len();
    match exercise.hints.get(revealed) {
        Some(hint) => {
            store.reveal_hint(exercise.slug.as_str(), revealed)?;
            writeln!(
                out,
                "Hint {} of {total} for {}:\n\n{hint}",
                revealed + 1,
                exercise.slug
            )?;
            if revealed + 1 < total {
                writeln!(
                    out,
                    "\n(`workbook hint {}` again for the next one.)",
                    exercise.slug
                )?;
            }
        }
        None => {
            writeln!(
                out,
                "You have seen all {total} hints for {}:",
                exercise.slug
            )?;
            for (i, hint) in exercise.hints.iter().enumerate() {
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

/// `workbook reset`: restores the stub after confirmation, keeping a backup.
pub fn reset(ctx: &Context, slug: &str, yes: bool, out: &mut impl Write) -> anyhow::Result<bool> {
    let course = ctx.course();
    let exercise = find_exercise(course, Some(slug))?;
    crate::grade::pristine::ensure(course)?;
    let folder = exercise.stub_dir.display();
    if !yes {
        if !std::io::stdin().is_terminal() {
            bail!(
                "`workbook reset {slug}` replaces your work in {folder}; pass --yes to confirm when not at a terminal"
            );
        }
        eprint!(
            "Reset {folder} to its original stub? Your version is backed up under .workbook/backups/. [y/N] "
        );
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .context("cannot read your answer")?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            writeln!(out, "Nothing changed.")?;
            return Ok(false);
        }
    }
    let backup = crate::grade::pristine::reset(course, exercise)?;
    let shown = backup.strip_prefix(&course.root).unwrap_or(&backup);
    writeln!(
        out,
        "Reset {folder} to its original stub. Your version is in {}.",
        shown.display()
    )?;
    Ok(true)
}

/// `workbook quiz grade`: a learner's export in, quiz scores out.
pub fn quiz_grade(
    ctx: &Context,
    answers: &Path,
    out_file: Option<&Path>,
    out: &mut impl Write,
) -> anyhow::Result<bool> {
    let scores = crate::class::quiz_scores::grade_export(ctx.course(), answers)?;
    let text = format!("{}\n", serde_json::to_string_pretty(&scores)?);
    match out_file {
        Some(path) => write_atomically(path, text.as_bytes())?,
        None => out.write_all(text.as_bytes())?,
    }
    Ok(true)
}

/// `workbook reset <slug> --list`: the backups of an exercise, newest first.
pub fn list_backups(ctx: &Context, slug: &str, out: &mut impl Write) -> anyhow::Result<bool> {
    let course = ctx.course();
    let exercise = find_exercise(course, Some(slug))?;
    let backups = crate::grade::pristine::backups(course, exercise)?;
    let Some(newest) = backups.first() else {
        writeln!(
            out,
            "No backups of {slug} yet: each `workbook reset {slug}` keeps one."
        )?;
        return Ok(true);
    };
    let shown = |path: &Path| {
        path.strip_prefix(&course.root)
            .unwrap_or(path)
            .display()
            .to_string()
    };
    writeln!(out, "Backups of {slug}, newest first:")?;
    for backup in &backups {
        let files = if backup.files == 1 { "file" } else { "files" };
        writeln!(out, "  {}  ({} {files})", shown(&backup.dir), backup.files)?;
    }
    writeln!(
        out,
        "\nTo restore one, copy its files over the exercise (reset first if you want no other file left), e.g.:\n  cp -R {}/. {}/",
        shown(&newest.dir),
        exercise.stub_dir.display()
    )?;
    Ok(true)
}

/// `workbook verify`: returns true when every stub fails and every solution passes.
pub fn verify(
    ctx: &Context,
    slug: Option<&str>,
    sandbox: bool,
    out: &mut impl Write,
) -> anyhow::Result<bool> {
    let course = ctx.course();
    let exercises: Vec<&Exercise> = match slug {
        Some(slug) => vec![find_exercise(course, Some(slug))?],
        None => course.exercises.values().collect(),
    };
    if exercises.is_empty() {
        bail!("the course has no exercises to verify");
    }
    let cancel = Cancel::default();
    let rows: Vec<_> = if sandbox {
        let sandbox = crate::grade::sandbox::Sandbox::detect()?;
        let scratch = sandbox_scratch(course)?;
        exercises
            .iter()
            .map(|e| {
                print::verify_with(course, e, &mut |dir| {
                    crate::grade::grade_sandboxed(
                        course,
                        e,
                        dir,
                        scratch.path(),
                        &sandbox,
                        &cancel,
                        &mut |_| {},
                    )
                })
            })
            .collect()
    } else {
        exercises
            .iter()
            .map(|e| print::verify(course, e, &cancel))
            .collect()
    };
    Ok(print::print_verifications(&rows, out)?)
}

/// `workbook verify --mutants`: cargo-mutants on every (or one) reference solution; true
/// when no mutant is missed outside the equivalents files.
pub fn verify_mutants(
    ctx: &Context,
    slug: Option<&str>,
    out: &mut impl Write,
) -> anyhow::Result<bool> {
    let course = ctx.course();
    let exercises: Vec<&Exercise> = match slug {
        Some(slug) => vec![find_exercise(course, Some(slug))?],
        None => course.exercises_in_order(),
    };
    let mut reports = Vec::new();
    for exercise in exercises {
        eprintln!("mutation testing {} (cargo-mutants) ...", exercise.slug);
        reports.push(crate::authoring::mutants::run(course, exercise)?);
    }
    writeln!(
        out,
        "{:<16} {:>9} {:>7} {:>7} {:>11} {:>9} {:>10}",
        "exercise", "generated", "caught", "missed", "equivalent", "unviable", "timed out"
    )?;
    for r in &reports {
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
    Ok(reports
        .iter()
        .all(crate::authoring::mutants::MutationReport::clean))
}

/// Writes `bytes` to a temporary file beside `path`, then renames it into place.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir).with_context(|| {
        format!(
            "cannot write {}: cannot create a file in {}",
            path.display(),
            dir.display()
        )
    })?;
    file.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    // A temporary file is private; a report is meant to be shared like any other file.
    use std::os::unix::fs::PermissionsExt;
    file.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Prints what `workbook new` wrote and what to do next.
pub fn print_scaffolded(
    done: &crate::authoring::scaffold::Scaffolded,
    out: &mut impl Write,
) -> std::io::Result<()> {
    for path in &done.created {
        writeln!(out, "created  {}", path.display())?;
    }
    for (from, to) in &done.renamed {
        writeln!(out, "renamed  {} -> {}", from.display(), to.display())?;
    }
    for path in &done.changed {
        writeln!(out, "changed  {}", path.display())?;
    }
    writeln!(out, "\nNext:")?;
    for step in &done.next_steps {
        writeln!(out, "  - {step}")?;
    }
    writeln!(
        out,
        "  - Run `workbook check` at any time: it is clean right now."
    )
}

/// `workbook gradebook`: merges learners' report files into one table.
pub fn gradebook(
    reports: &[std::path::PathBuf],
    format: TableFormat,
    out_file: Option<&Path>,
    out: &mut impl Write,
) -> anyhow::Result<bool> {
    let book = crate::class::gradebook::merge(reports)?;
    if !book.self_reported_quizzes.is_empty() {
        eprintln!(
            "note: the scores of quiz(zes) {} come from learners' own progress, which learners can edit (marked \"self-reported\"); grade their answers with `workbook quiz grade` for scores they cannot set",
            book.self_reported_quizzes.join(", ")
        );
    }
    let text = match format {
        TableFormat::Csv => book.to_csv(),
        TableFormat::Json => format!("{}\n", serde_json::to_string_pretty(&book)?),
    };
    match out_file {
        Some(path) => write_atomically(path, text.as_bytes())?,
        None => out.write_all(text.as_bytes())?,
    }
    Ok(true)
}

/// The formats of tables: gradebooks and exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TableFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// JSON with a `version` field.
    Json,
}

/// `workbook export`: the local learner's progress, to hand in or back up.
pub fn export(
    ctx: &Context,
    format: TableFormat,
    out_file: Option<&Path>,
    out: &mut impl Write,
) -> anyhow::Result<bool> {
    use crate::class::gradebook::csv_field;
    let store = ctx.store()?;
    let attempts = store.all_attempts()?;
    let grades = store.all_grades()?;
    let hints = store.hint_counts()?;
    let bests = store.best_quiz_scores()?;
    let text = match format {
        TableFormat::Json => {
            let value = serde_json::json!({
                "version": crate::grade::REPORT_VERSION,
                "kind": crate::class::gradebook::PROGRESS_KIND,
                "quizzes": bests.iter().map(|(q, b)| (q.clone(), serde_json::json!({
                    "best": b.score, "passed": b.passed, "attempts": b.attempts,
                }))).collect::<serde_json::Map<_, _>>(),
                "quiz_attempts": attempts.iter().map(|(id, at, a)| serde_json::json!({
                    "id": id,
                    "quiz": a.quiz,
                    "score": a.score,
                    "passed": a.passed,
                    "attempted_at": at,
                    "answers": a.answers.iter().map(|r| serde_json::json!({
                        "question": r.question,
                        "answer": serde_json::from_str::<serde_json::Value>(&r.answer).unwrap_or(serde_json::Value::Null),
                        "correct": r.correct,
                        "points": r.points,
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "grades": grades.iter().map(|g| serde_json::json!({
                    "exercise": g.exercise, "status": g.status, "passed": g.passed, "total": g.total, "graded_at": g.graded_at,
                })).collect::<Vec<_>>(),
                "hints": hints.iter().map(|(exercise, revealed)| serde_json::json!({
                    "exercise": exercise, "revealed": revealed,
                })).collect::<Vec<_>>(),
            });
            format!("{}\n", serde_json::to_string_pretty(&value)?)
        }
        TableFormat::Csv => {
            let mut csv = String::from("kind,item,detail,score,status,at\n");
            for (id, at, a) in &attempts {
                csv.push_str(&format!(
                    "quiz-attempt,{},attempt {id}: {} answer(s),{:.2},{},{}\n",
                    csv_field(&a.quiz),
                    a.answers.len(),
                    a.score,
                    if a.passed { "passed" } else { "not passed" },
                    at
                ));
            }
            for g in &grades {
                csv.push_str(&format!(
                    "grade,{},{}/{} tests,,{},{}\n",
                    csv_field(&g.exercise),
                    g.passed,
                    g.total,
                    g.status,
                    g.graded_at
                ));
            }
            for (exercise, revealed) in &hints {
                csv.push_str(&format!(
                    "hints,{},{revealed} revealed,,,\n",
                    csv_field(exercise)
                ));
            }
            csv
        }
    };
    match out_file {
        Some(path) => write_atomically(path, text.as_bytes())?,
        None => out.write_all(text.as_bytes())?,
    }
    Ok(true)
}
