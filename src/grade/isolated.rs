//! A sandboxed grade, for grading learners' code that is not trusted (a class graded in CI).
//!
//! 1. A scratch folder gets the instructor's pristine stub of the exercise, and over it only
//!    the learner's source files (`src/**`, regular files). `Cargo.toml`, `Cargo.lock`,
//!    `build.rs` and any `.cargo/` configuration are the instructor's, so a learner cannot add
//!    a dependency, a build script, a `[patch]`, a `runner` or a `rustc-wrapper`. With the
//!    instructor's manifest no learner code runs at build time at all: only rustc reads it.
//! 2. The hidden tests are copied into the scratch folder, and dependencies are fetched, on
//!    the host (the instructor's own files, with network).
//! 3. Cargo builds inside the sandbox, offline, seeing only the scratch folder.
//! 4. Each test runs inside its own sandbox, seeing the built binaries and the learner's
//!    crate read-only and a temporary folder: not the hidden test sources, not the course,
//!    not the report, no network, no environment but what the grader sets.
//! 5. The grader, outside every sandbox and after the last learner process is gone, builds
//!    the report; the caller writes it.

use std::path::{Path, PathBuf};

use super::sandbox::Sandbox;
use super::{Cancel, GradeError, Limits, Place, Progress, Report, Workdir, absolute};
use crate::course::{Course, Exercise};

/// The most a learner's file may hold, and all of them together.
const FILE_LIMIT: u64 = 1024 * 1024;
const TOTAL_LIMIT: u64 = 16 * 1024 * 1024;

/// Grades the learner's crate `learner_crate` for `exercise` in the sandbox, using `scratch`
/// (a folder of this grading run; several exercises of one learner may share it).
pub fn grade_sandboxed(
    course: &Course,
    exercise: &Exercise,
    learner_crate: &Path,
    scratch: &Path,
    sandbox: &Sandbox,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Report, GradeError> {
    let scratch = absolute(scratch);
    let workdir = Workdir {
        root: scratch.clone(),
    };
    let _lock = workdir.lock(cancel)?;
    super::pristine::ensure(course)?;
    let slug = exercise.slug.as_str();
    let crate_dir = scratch.join("learner").join(slug);
    copy_learner_crate(course, exercise, learner_crate, &crate_dir)?;
    let tests = copy_hidden_tests(course, exercise, &scratch.join("hidden").join(slug))?;
    // The support crate of server exercises goes in too: the sandbox sees only `scratch`.
    let support = scratch.join("hidden").join(crate::course::SUPPORT_DIR);
    fresh_dir(&support)?;
    copy_tree(&super::harness::support_dir(course), &support, &mut |_| {
        true
    })?;
    let harness =
        super::harness::prepare_with_tests(exercise, &crate_dir, &workdir, &tests, &support)?;
    // The instructor's lock file keeps versions the same as in every other grade.
    let lock = super::Workdir::of(course).root.join("grader/Cargo.lock");
    if lock.is_file() && !scratch.join("grader/Cargo.lock").is_file() {
        let _ = std::fs::copy(&lock, scratch.join("grader/Cargo.lock"));
    }
    fetch(&harness.workspace_manifest)?;

    let descriptions = super::docs::describe_tests(&course.root, &exercise.hidden_tests);
    let limits = Limits {
        test: exercise.timeout,
        compile: exercise.compile_timeout,
        cancel,
        place: Place::Sandboxed {
            sandbox,
            scratch: &scratch,
        },
    };
    let suite = super::SuiteInfo {
        descriptions: &descriptions,
        stages: &exercise.stages,
        until: usize::MAX,
    };
    let run = super::build_and_run(&harness, &crate_dir, limits, suite, &workdir, progress)?;
    Ok(run.into_report(exercise))
}

/// Makes `crate_dir` the instructor's pristine stub of `exercise` with the learner's
/// sources from `learner_crate` in place of the stub's.
fn copy_learner_crate(
    course: &Course,
    exercise: &Exercise,
    learner_crate: &Path,
    crate_dir: &Path,
) -> Result<(), GradeError> {
    fresh_dir(crate_dir)?;
    copy_tree(
        &super::pristine::dir(course, exercise),
        crate_dir,
        &mut |_| true,
    )?;
    let _ = std::fs::remove_dir_all(crate_dir.join("src"));
    copy_learner_sources(&learner_crate.join("src"), &crate_dir.join("src"))
}

/// Copies the hidden tests of `exercise` into the fresh folder `hidden`. Returns the copies.
fn copy_hidden_tests(
    course: &Course,
    exercise: &Exercise,
    hidden: &Path,
) -> Result<Vec<PathBuf>, GradeError> {
    fresh_dir(hidden)?;
    let mut tests = Vec::new();
    for rel in &exercise.hidden_tests {
        let name = rel.file_name().unwrap_or_default();
        let copy = hidden.join(name);
        std::fs::copy(course.root.join(rel), &copy).map_err(GradeError::io(format!(
            "cannot copy the hidden test {}",
            rel.display()
        )))?;
        tests.push(copy);
    }
    // Modules the hidden tests share (`tests/common/mod.rs`), beside the copies.
    let tests_dir = course.root.join(&exercise.grader_dir).join("tests");
    if let Ok(entries) = std::fs::read_dir(&tests_dir) {
        for entry in entries.flatten() {
            if entry.path().is_dir() {
                copy_tree(&entry.path(), &hidden.join(entry.file_name()), &mut |_| {
                    true
                })?;
            }
        }
    }
    Ok(tests)
}

/// Downloads (and unpacks) the dependencies on the host, so the sandbox can build offline.
fn fetch(workspace_manifest: &Path) -> Result<(), GradeError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = std::process::Command::new(cargo)
        .arg("fetch")
        .arg("--manifest-path")
        .arg(workspace_manifest)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(GradeError::CargoMissing)?;
    if !output.status.success() {
        return Err(GradeError::Cargo(format!(
            "cannot fetch the exercise's dependencies:\n{}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(())
}

fn fresh_dir(dir: &Path) -> Result<(), GradeError> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).map_err(GradeError::io(format!("cannot create {}", dir.display())))
}

/// The learner's source files: regular files only (a link could point anywhere), each at
/// most [`FILE_LIMIT`] and all together at most [`TOTAL_LIMIT`].
fn copy_learner_sources(from: &Path, to: &Path) -> Result<(), GradeError> {
    let mut total = 0u64;
    copy_tree(from, to, &mut |meta| {
        total += meta.len();
        meta.len() <= FILE_LIMIT && total <= TOTAL_LIMIT
    })?;
    if total > TOTAL_LIMIT {
        return Err(GradeError::Cargo(format!(
            "the learner's src/ holds more than {} MB; it was not graded",
            TOTAL_LIMIT / (1024 * 1024)
        )));
    }
    Ok(())
}

/// Copies regular files and folders (never links, never `target/`) that `keep` accepts.
fn copy_tree(
    from: &Path,
    to: &Path,
    keep: &mut dyn FnMut(&std::fs::Metadata) -> bool,
) -> Result<(), GradeError> {
    let Ok(entries) = std::fs::read_dir(from) else {
        return Ok(());
    };
    std::fs::create_dir_all(to)
        .map_err(GradeError::io(format!("cannot create {}", to.display())))?;
    for entry in entries.flatten() {
        let Ok(meta) = entry.path().symlink_metadata() else {
            continue;
        };
        let name = entry.file_name();
        if meta.is_dir() && name != "target" {
            copy_tree(&entry.path(), &to.join(&name), keep)?;
        } else if meta.is_file() && keep(&meta) {
            std::fs::copy(entry.path(), to.join(&name)).map_err(GradeError::io(format!(
                "cannot copy {}",
                entry.path().display()
            )))?;
        }
    }
    Ok(())
}
