//! `workbook check --code`: every ```` ```rust ```` block of every lesson is compiled (and,
//! when it has a `main` or tests, run) in one scratch crate of the grader's workspace, so the
//! examples learners copy actually work.
//!
//! Each block becomes a module of the crate's `lib.rs`; a line map turns the compiler's
//! lines back into `lessons/<file>.md:<line>`. Blocks marked `ignore` (or `text`) are left
//! out; `no_run` blocks are compiled but their `main` is not run; a `should_panic` block's
//! `main` must panic; `compile_fail` blocks are compiled apart, afterwards, and each must
//! fail to compile (see [`crate::course::example`]). Lines starting with `# ` are compiled
//! but hidden on the page, as in rustdoc.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::course::example::{Expectation, declares_main, examples};
use crate::course::hidden_lines::compiled_line;
use crate::course::source::{parse_toml, read_text};
use crate::course::{Code, Course, Diagnostic};
use crate::grade::{self, Cancel, GradeError, Progress, TestStatus, Workdir};

/// The file listing the crates lesson code may use, as a Cargo `[dependencies]` table.
pub const DEPENDENCIES_FILE: &str = "lessons/code.toml";

/// The package name of the scratch crate.
const PACKAGE: &str = "lesson-code";

/// How long one example's `main` or test may run.
const TIMEOUT: Duration = Duration::from_secs(30);

/// One block placed in the scratch crate.
struct Placed {
    module: String,
    lesson: PathBuf,
    /// The lesson line of the block's first code line.
    first_line: u32,
    /// The line of `lib.rs` holding that first code line.
    first_generated: u32,
    /// How many lines of code it has.
    lines: u32,
    /// What its marks say running it does.
    expect: Expectation,
}

/// Which blocks go into the crate: those meant to compile (the first pass), or those meant
/// not to (`compile_fail`, checked afterwards on their own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    Compiling,
    NotCompiling,
}

/// Writes the crate's `lib.rs` with the blocks of `pass` (leaving out those in `skip`) and
/// returns it with the map of blocks.
fn generate(course: &Course, pass: Pass, skip: &HashSet<String>) -> (String, Vec<Placed>) {
    let mut lib = String::from(
        "// Written by `workbook check --code` from the lessons' Rust blocks; do not edit.\n\
         #![allow(dead_code, unused_imports, unused_variables, unused_mut, unused_must_use)]\n",
    );
    let mut placed = Vec::new();
    for lesson in &course.lessons {
        for example in examples(lesson) {
            let block = example.block;
            let module = format!("lesson_{:02}_line_{}", lesson.number, block.line);
            let wanted = match example.expect {
                Expectation::CompileFail => pass == Pass::NotCompiling,
                Expectation::Runs | Expectation::NoRun | Expectation::ShouldPanic => {
                    pass == Pass::Compiling
                }
            };
            if !wanted || skip.contains(&module) {
                continue;
            }
            lib.push_str(&format!(
                "\n// {}:{}\nmod {module} {{\n",
                lesson.path.display(),
                block.line
            ));
            let first_generated = lib.lines().count() as u32 + 1;
            let mut count = 0;
            for line in block.code.lines() {
                lib.push_str(compiled_line(line));
                lib.push('\n');
                count += 1;
            }
            lib.push_str(main_test(example.expect, declares_main(&block.code)));
            lib.push_str("}\n");
            placed.push(Placed {
                module,
                lesson: lesson.path.clone(),
                first_line: block.line,
                first_generated,
                lines: count,
                expect: example.expect,
            });
        }
    }
    (lib, placed)
}

/// The test that runs a block's `main`, as its mark asks: it must return, or it must panic
/// (a `should_panic` test must return `()`, so `main`'s result is dropped: an `Err` is not
/// a panic).
fn main_test(expect: Expectation, has_main: bool) -> &'static str {
    match (expect, has_main) {
        (Expectation::Runs, true) => {
            "#[test]\nfn example_main_runs() -> impl std::process::Termination {\n    main()\n}\n"
        }
        (Expectation::ShouldPanic, true) => {
            "#[test]\n#[should_panic]\nfn example_main_runs() {\n    let _ = main();\n}\n"
        }
        (Expectation::ShouldPanic, false) => {
            "#[test]\nfn example_main_runs() {\n    panic!(\"a `should_panic` example needs a `main` that panics\");\n}\n"
        }
        (Expectation::Runs | Expectation::NoRun | Expectation::CompileFail, _) => "",
    }
}

/// The block holding a line of the generated `lib.rs`, and the lesson line it came from.
fn locate(placed: &[Placed], generated: u32) -> Option<(&Placed, u32)> {
    placed
        .iter()
        .find(|p| generated >= p.first_generated && generated < p.first_generated + p.lines.max(1))
        .map(|p| (p, p.first_line + (generated - p.first_generated)))
}

/// The compiler's message with its `-->` line pointing at the lesson instead of the scratch crate.
fn describe_compile_error(rendered: &str, lesson: &Path, line: u32) -> String {
    let mut lines = rendered.lines();
    let headline = lines.next().unwrap_or("error").to_string();
    let body: Vec<String> = lines
        .map(|l| match l.split_once("--> ") {
            Some((gutter, place)) if place.contains("src/lib.rs:") => {
                let column = place.rsplit(':').next().unwrap_or("1");
                format!("{gutter}--> {}:{line}:{column}", lesson.display())
            }
            _ => l.to_string(),
        })
        .collect();
    format!("{headline}\n{}", indent(&body.join("\n")))
}

/// Compiles and runs every lesson's Rust blocks; each problem is a diagnostic at its lesson line.
pub fn check(
    course: &Course,
    workdir: &Workdir,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<Diagnostic>, GradeError> {
    let dependencies = match read_dependencies(course) {
        Ok(table) => table,
        Err(problem) => return Ok(vec![problem]),
    };
    let compiling = !generate(course, Pass::Compiling, &HashSet::new())
        .1
        .is_empty();
    let not_compiling = !generate(course, Pass::NotCompiling, &HashSet::new())
        .1
        .is_empty();
    if !compiling && !not_compiling {
        return Ok(Vec::new());
    }

    let _lock = workdir.lock(&Cancel::default())?;
    let scratch = Scratch::prepare(workdir, &dependencies)?;
    let mut problems = Vec::new();
    if compiling
        && let Some((placed, run)) =
            scratch.compile_what_compiles(course, progress, &mut problems)?
    {
        problems.extend(failed_examples(&placed, &run));
    }
    if not_compiling {
        problems.extend(scratch.compile_fail_blocks_compile(course, progress)?);
    }
    Ok(problems)
}

/// [`DEPENDENCIES_FILE`] as a table (empty when there is none), or the diagnostic saying why
/// it cannot be read.
pub(crate) fn read_dependencies(course: &Course) -> Result<toml::Table, Diagnostic> {
    let dependencies_path = Path::new(DEPENDENCIES_FILE);
    if course.root.join(dependencies_path).exists() {
        read_text(&course.root, dependencies_path)
            .and_then(|t| parse_toml(&t, dependencies_path, 1))
    } else {
        Ok(toml::Table::new())
    }
}

/// The scratch crate in the grader's workspace, with its manifest written.
struct Scratch<'a> {
    workdir: &'a Workdir,
    harness: grade::Harness,
    /// The crate's folder.
    dir: PathBuf,
}

impl<'a> Scratch<'a> {
    /// The scratch crate with its `Cargo.toml` written, declaring `dependencies`; returns an
    /// error if the manifest cannot be made or written.
    fn prepare(workdir: &'a Workdir, dependencies: &toml::Table) -> Result<Self, GradeError> {
        let (workspace_manifest, dir) = grade::harness_member(workdir, "lesson-code")?;
        let manifest = code_crate_manifest(PACKAGE, dependencies)?;
        grade::write_member_file(&dir.join("Cargo.toml"), &manifest)?;
        let harness = grade::Harness {
            workspace_manifest,
            package: PACKAGE.to_string(),
        };
        Ok(Scratch {
            workdir,
            harness,
            dir,
        })
    }

    /// Builds and tests the blocks that compile, pushing a diagnostic to `problems` for each
    /// that does not; returns the blocks built and their run, or `None` when the crate cannot
    /// be built whatever is left out.
    fn compile_what_compiles(
        &self,
        course: &Course,
        progress: &mut dyn FnMut(Progress),
        problems: &mut Vec<Diagnostic>,
    ) -> Result<Option<(Vec<Placed>, grade::Run)>, GradeError> {
        // One compile error stops the whole crate, so blocks that do not compile are reported
        // and left out, and the rest compiled again, until what is left compiles and can run.
        let mut skip = HashSet::new();
        loop {
            let (lib, placed) = generate(course, Pass::Compiling, &skip);
            let run = self.build_and_run(&lib, progress)?;
            if run.compile_errors.is_empty() {
                return Ok(Some((placed, run)));
            }
            if !report_compile_errors(&run.compile_errors, &placed, &mut skip, problems) {
                return Ok(None);
            }
        }
    }

    /// Compiles the `compile_fail` blocks apart; each must fail to compile. A block with an
    /// error is done and left out, and the rest compiled again (one error may stop rustc
    /// before it looks at another block), until none is left or what is left compiles:
    /// those blocks are the diagnostics.
    fn compile_fail_blocks_compile(
        &self,
        course: &Course,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Vec<Diagnostic>, GradeError> {
        let mut failed = HashSet::new();
        loop {
            let (lib, placed) = generate(course, Pass::NotCompiling, &failed);
            if placed.is_empty() {
                return Ok(Vec::new());
            }
            let run = self.build_and_run(&lib, progress)?;
            if run.compile_errors.is_empty() {
                return Ok(placed.iter().map(compiles_but_should_not).collect());
            }
            let before = failed.len();
            for error in &run.compile_errors {
                if let Some((block, _)) = error.line.and_then(|line| locate(&placed, line)) {
                    failed.insert(block.module.clone());
                }
            }
            if failed.len() == before {
                // Errors outside every block: the crate itself does not build.
                let mut problems = Vec::new();
                report_compile_errors(&run.compile_errors, &[], &mut failed, &mut problems);
                return Ok(problems);
            }
        }
    }

    /// The run of the crate with `lib` as its `lib.rs`: its compile errors or its tests.
    fn build_and_run(
        &self,
        lib: &str,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<grade::Run, GradeError> {
        grade::write_member_file(&self.dir.join("src/lib.rs"), lib)?;
        let limits = grade::Limits {
            test: TIMEOUT,
            compile: crate::course::DEFAULT_COMPILE_TIMEOUT,
            cancel: &Cancel::default(),
            place: grade::Place::Host,
        };
        let descriptions = HashMap::new();
        let suite = grade::SuiteInfo {
            descriptions: &descriptions,
            stages: &[],
            until: usize::MAX,
        };
        grade::build_and_run(
            &self.harness,
            &self.dir,
            limits,
            suite,
            self.workdir,
            progress,
        )
    }
}

/// The `Cargo.toml` of a crate of lesson code named `package`, with the `[dependencies]` of
/// `dependencies` (the table read from [`DEPENDENCIES_FILE`]). Its `src/main.rs`, if any, is
/// its program, as Cargo finds it by itself.
pub(crate) fn code_crate_manifest(
    package: &str,
    dependencies: &toml::Table,
) -> Result<String, GradeError> {
    let mut section = toml::Table::new();
    section.insert("name".into(), package.into());
    section.insert("version".into(), "0.0.0".into());
    section.insert("edition".into(), "2024".into());
    section.insert("publish".into(), false.into());
    let crates = dependencies
        .get("dependencies")
        .cloned()
        .unwrap_or_else(|| toml::Table::new().into());
    // Two tables written one after the other, so `[package]` comes first as people write it
    // (a toml::Table sorts its keys).
    let table = |key: &str, value: toml::Value| {
        let mut table = toml::Table::new();
        table.insert(key.into(), value);
        toml::to_string(&table).map_err(|e| GradeError::Cargo(e.to_string()))
    };
    Ok(format!(
        "{}\n{}",
        table("package", section.into())?,
        table("dependencies", crates)?
    ))
}

/// Pushes a diagnostic to `problems` for each compile error, at its lesson line when it is in
/// a block (which joins `skip`); returns whether any block was newly skipped, that is, whether
/// compiling again can get further.
fn report_compile_errors(
    errors: &[grade::CompileError],
    placed: &[Placed],
    skip: &mut HashSet<String>,
    problems: &mut Vec<Diagnostic>,
) -> bool {
    let mut newly_skipped = false;
    for error in errors {
        let location = error.line.and_then(|line| locate(placed, line));
        match location {
            Some((block, line)) => {
                newly_skipped |= skip.insert(block.module.clone());
                problems.push(Diagnostic::at(
                    &block.lesson,
                    line,
                    Code::CodeDoesNotCompile,
                    describe_compile_error(&error.rendered, &block.lesson, line),
                ));
            }
            None => problems.push(Diagnostic::file(
                Path::new(DEPENDENCIES_FILE),
                Code::CodeDoesNotCompile,
                format!(
                    "the lessons' code crate does not build:\n{}",
                    indent(&error.rendered)
                ),
            )),
        }
    }
    newly_skipped
}

/// The diagnostic of a `compile_fail` block that compiles.
fn compiles_but_should_not(block: &Placed) -> Diagnostic {
    Diagnostic::at(
        &block.lesson,
        block.first_line,
        Code::CodeFails,
        "the example is marked `compile_fail`, but it compiles: show the mistake it is about, or drop the mark".to_string(),
    )
}

/// A diagnostic at the first line of each block whose `main` or test did not pass.
fn failed_examples(placed: &[Placed], run: &grade::Run) -> Vec<Diagnostic> {
    let by_module: HashMap<&str, &Placed> = placed.iter().map(|p| (p.module.as_str(), p)).collect();
    let mut problems = Vec::new();
    for test in run.tests.iter().filter(|t| t.status != TestStatus::Passed) {
        // Names look like `lesson_code::lesson_02_line_120::example_main_runs`.
        let module = test.name.split("::").nth(1).unwrap_or("");
        let Some(block) = by_module.get(module) else {
            continue;
        };
        let what = match (test.name.ends_with("::example_main_runs"), block.expect) {
            (true, Expectation::ShouldPanic) => {
                "the example is marked `should_panic`, but its `main` does not panic (show the mistake it is about, or drop the mark)".to_string()
            }
            (true, _) => {
                "the example's `main` failed (mark it `rust,no_run` if it must not run)".to_string()
            }
            (false, _) => format!(
                "the example's test `{}` failed (mark it `rust,no_run` if it must not run)",
                test.name.rsplit("::").next().unwrap_or("")
            ),
        };
        let why = test.message.clone().unwrap_or_default();
        problems.push(Diagnostic::at(
            &block.lesson,
            block.first_line,
            Code::CodeFails,
            format!("{what}:\n{}", indent(&why)),
        ));
    }
    problems
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mark_gets_the_test_it_asks_for() {
        assert!(main_test(Expectation::Runs, true).contains("-> impl std::process::Termination"));
        assert!(main_test(Expectation::ShouldPanic, true).contains("#[should_panic]"));
        assert!(main_test(Expectation::ShouldPanic, false).contains("panic!("));
        assert_eq!(main_test(Expectation::NoRun, true), "");
        assert_eq!(main_test(Expectation::Runs, false), "");
    }
}
