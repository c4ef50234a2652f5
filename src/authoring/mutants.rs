//! `workbook verify --mutants`: mutation testing of the hidden tests with cargo-mutants.
//!
//! cargo-mutants (the maintained mutation-testing tool for Rust) changes the reference
//! solution one small way at a time (an operator flipped, a function body replaced by a
//! default) and runs the hidden tests against each change. A change no test notices is a
//! *missed* mutant: a learner could make that mistake and pass. Every missed mutant must be
//! caught by a new test or listed, with a reason, in `grader/<slug>/mutants-equivalent.toml`:
//!
//! ```toml
//! [[equivalent]]
//! mutant = "src/lib.rs:88:26: replace > with >= in TokenBucket::check"
//! why = "at equality the bucket holds exactly one token either way"
//!
//! # Code the stub hands the learner ready-made is not theirs to get wrong: not mutated.
//! [[given]]
//! function = "DueDate::parse"
//! why = "the stub provides date parsing; the exercise is not about it"
//! ```
//!
//! The mutated crate is the solution with the hidden tests as its integration tests, built
//! into the grader's target directory with the grader's profile, so dependencies compile
//! once for grades and mutants alike. cargo-mutants runs in place, one mutant at a time.

use crate::io_error::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use crate::course::{Course, Exercise, Kind};
use crate::grade::Workdir;

/// Why mutation testing could not run.
#[derive(Debug, thiserror::Error)]
pub enum MutationError {
    /// cargo-mutants is not installed.
    #[error(
        "--mutants needs cargo-mutants: install it with `cargo install --locked cargo-mutants`"
    )]
    NotInstalled,
    /// A file could not be read or written.
    #[error(transparent)]
    Io(#[from] crate::io_error::IoError),
    /// cargo-mutants failed before testing mutants (the solution does not build or pass).
    #[error("cargo-mutants could not test `{slug}`:\n{output}")]
    Failed {
        /// The exercise.
        slug: String,
        /// The end of cargo-mutants' output.
        output: String,
    },
    /// The solution's manifest cannot be read as TOML.
    #[error("{path}: {message}", path = .path.display())]
    BadManifest {
        /// The manifest.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The equivalents file is not valid.
    #[error("{path}: {message}", path = .path.display())]
    BadEquivalents {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// What cargo-mutants found for one exercise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MutationReport {
    /// The exercise.
    pub slug: String,
    /// Mutants generated.
    pub generated: usize,
    /// Caught by at least one hidden test.
    pub caught: usize,
    /// Missed: every hidden test still passed.
    pub missed: Vec<String>,
    /// Missed, but listed as equivalent (with the reason).
    pub equivalent: Vec<(String, String)>,
    /// Did not compile.
    pub unviable: usize,
    /// Ran past the time limit (counted as caught by cargo-mutants' rules).
    pub timed_out: usize,
}

impl MutationReport {
    /// True when no mutant was missed outside the equivalents file.
    pub fn clean(&self) -> bool {
        self.missed.is_empty()
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct EquivalentsFile {
    #[serde(default)]
    equivalent: Vec<Equivalent>,
    #[serde(default)]
    given: Vec<Given>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Given {
    function: String,
    why: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Equivalent {
    mutant: String,
    why: String,
}

/// Runs cargo-mutants on the reference solution of `exercise` with its hidden tests.
pub fn run(course: &Course, exercise: &Exercise) -> Result<MutationReport, MutationError> {
    let available = Command::new(cargo())
        .args(["mutants", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        return Err(MutationError::NotInstalled);
    }
    let workdir = Workdir::of(course);
    let dir = workdir.root.join("mutants").join(exercise.slug.as_str());
    prepare(course, exercise, &workdir, &dir)?;
    let listed = equivalents(course, exercise)?;
    let out = dir.join("out");
    let mut command = Command::new(cargo());
    command.arg("mutants");
    for given in &listed.given {
        command
            .arg("--exclude-re")
            .arg(regex_escape(&given.function));
    }
    let output = command
        .arg("--dir")
        .arg(&dir)
        .arg("--output")
        .arg(&out)
        .args(["--in-place", "--no-shuffle", "--colors", "never"])
        .arg("--timeout")
        .arg((exercise.timeout.as_secs() * 4).max(20).to_string())
        .env("CARGO_TARGET_DIR", workdir.target_dir())
        .output()
        .map_err(io("cannot run cargo-mutants"))?;
    let outcomes = std::fs::read_to_string(out.join("mutants.out/outcomes.json"));
    let Ok(outcomes) = outcomes else {
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = text.lines().rev().take(30).collect();
        return Err(MutationError::Failed {
            slug: exercise.slug.to_string(),
            output: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
        });
    };
    let mut report = summarise(exercise.slug.as_str(), &outcomes);
    let missed = std::fs::read_to_string(out.join("mutants.out/missed.txt")).unwrap_or_default();
    for line in missed.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match listed.equivalent.iter().find(|e| e.mutant.trim() == line) {
            Some(e) => report.equivalent.push((line.to_string(), e.why.clone())),
            None => report.missed.push(line.to_string()),
        }
    }
    // A sweep that was stopped (a signal, a kill) leaves partial outcomes: not a clean bill.
    let tested = report.caught
        + report.missed.len()
        + report.equivalent.len()
        + report.unviable
        + report.timed_out;
    if output.status.code().is_none() || report.generated == 0 || tested < report.generated {
        return Err(MutationError::Failed {
            slug: exercise.slug.to_string(),
            output: format!(
                "cargo-mutants stopped before testing every mutant ({tested} of {} tested)",
                report.generated
            ),
        });
    }
    Ok(report)
}

/// The counts in cargo-mutants' `outcomes.json`.
fn summarise(slug: &str, outcomes: &str) -> MutationReport {
    let value: serde_json::Value = serde_json::from_str(outcomes).unwrap_or_default();
    let count = |key: &str| {
        value
            .get(key)
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0)
    };
    MutationReport {
        slug: slug.to_string(),
        generated: count("total_mutants"),
        caught: count("caught"),
        unviable: count("unviable"),
        timed_out: count("timeout"),
        ..MutationReport::default()
    }
}

fn equivalents(course: &Course, exercise: &Exercise) -> Result<EquivalentsFile, MutationError> {
    let path = course
        .root
        .join(&exercise.grader_dir)
        .join("mutants-equivalent.toml");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(EquivalentsFile::default());
    };
    let file: EquivalentsFile =
        toml::from_str(&text).map_err(|e| MutationError::BadEquivalents {
            path: path.clone(),
            message: e.to_string(),
        })?;
    let blank = file
        .equivalent
        .iter()
        .filter(|e| e.why.trim().is_empty())
        .map(|e| e.mutant.as_str())
        .chain(
            file.given
                .iter()
                .filter(|g| g.why.trim().is_empty())
                .map(|g| g.function.as_str()),
        )
        .next();
    if let Some(blank) = blank {
        return Err(MutationError::BadEquivalents {
            path,
            message: format!("`{blank}` gives no reason"),
        });
    }
    Ok(file)
}

/// `text` as a regular expression that matches it literally (cargo-mutants' `--exclude-re`).
fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~ ".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The crate cargo-mutants mutates: the solution's manifest and sources, the hidden tests
/// (with the modules they share) as its integration tests, the grader's lock file and build
/// profile.
fn prepare(
    course: &Course,
    exercise: &Exercise,
    workdir: &Workdir,
    dir: &Path,
) -> Result<(), MutationError> {
    let _ = std::fs::remove_dir_all(dir);
    let solution = course.root.join(&exercise.grader_dir).join("solution");
    copy_dir(&solution.join("src"), &dir.join("src"))?;
    let manifest = std::fs::read_to_string(solution.join("Cargo.toml")).map_err(io(format!(
        "cannot read {}",
        solution.join("Cargo.toml").display()
    )))?;
    let manifest = mutants_manifest(course, exercise, &manifest, &solution.join("Cargo.toml"))?;
    write(&dir.join("Cargo.toml"), &manifest)?;
    let tests = course.root.join(&exercise.grader_dir).join("tests");
    copy_dir(&tests, &dir.join("tests"))?;
    let lock = workdir.root.join("grader/Cargo.lock");
    if lock.is_file() {
        copy_file(&lock, &dir.join("Cargo.lock"))?;
    }
    Ok(())
}

/// The solution's manifest as a crate of its own, built like a grade: the hidden tests'
/// support crates as dev-dependencies (`expect` when the course has it; for a server exercise `server-check`,
/// with SQLite when the solution uses it, and the grade's optimised password hashing). The
/// program is the crate's own binary, named after the package as the tests expect
/// (`server_check::start!`).
fn mutants_manifest(
    course: &Course,
    exercise: &Exercise,
    manifest: &str,
    path: &Path,
) -> Result<String, MutationError> {
    let bad = |e: &dyn std::fmt::Display| MutationError::BadManifest {
        path: path.to_path_buf(),
        message: format!("cannot add the hidden tests' support crates: {e}"),
    };
    let mut doc: toml_edit::DocumentMut = manifest.parse().map_err(|e| bad(&e))?;
    let support = crate::grade::support_dir(course);
    let dev = doc
        .entry("dev-dependencies")
        .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()))
        .as_table_like_mut()
        .ok_or_else(|| bad(&"[dev-dependencies] is not a table"))?;
    let expect_dir = crate::grade::expect_dir(course);
    if expect_dir.join("Cargo.toml").is_file() {
        let mut expect = toml_edit::InlineTable::new();
        expect.insert("path", expect_dir.display().to_string().into());
        dev.insert("expect", toml_edit::value(expect));
    }
    let server = match exercise.kind {
        Kind::Library => false,
        Kind::Server => true,
    };
    if server {
        let mut check = toml_edit::InlineTable::new();
        check.insert("path", support.display().to_string().into());
        if manifest.contains("rusqlite") {
            let mut features = toml_edit::Array::new();
            features.push("sqlite");
            check.insert("features", features.into());
        }
        dev.insert("server-check", toml_edit::value(check));
    }
    let mut text = doc.to_string();
    text.push_str(
        "
# Added by `workbook verify --mutants`: a crate of its own, built like a grade.
[workspace]

[profile.dev]
debug = 0
",
    );
    if server {
        text.push_str(
            "
[profile.dev.package.argon2]
opt-level = 3

[profile.dev.package.blake2]
opt-level = 3
",
        );
    }
    Ok(text)
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), MutationError> {
    std::fs::create_dir_all(to).map_err(io(format!("cannot create {}", to.display())))?;
    let entries = std::fs::read_dir(from).map_err(io(format!("cannot read {}", from.display())))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()))?;
        } else {
            copy_file(&path, &to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

fn copy_file(from: &Path, to: &Path) -> Result<(), MutationError> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(io(format!("cannot create {}", dir.display())))?;
    }
    std::fs::copy(from, to).map_err(io(format!("cannot copy {}", from.display())))?;
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), MutationError> {
    std::fs::write(path, text).map_err(io(format!("cannot write {}", path.display())))?;
    Ok(())
}

fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_are_escaped_for_a_regex() {
        assert_eq!(regex_escape("DueDate::parse"), "DueDate::parse");
        assert_eq!(
            regex_escape("<impl fmt::Display for DueDate>::fmt"),
            "<impl\\ fmt::Display\\ for\\ DueDate>::fmt"
        );
        assert_eq!(regex_escape("a.b(c)"), "a\\.b\\(c\\)");
    }

    #[test]
    fn counts_come_from_outcomes_json() {
        let report = summarise(
            "x",
            r#"{"total_mutants": 12, "caught": 9, "missed": 1, "unviable": 1, "timeout": 1}"#,
        );
        assert_eq!(
            (
                report.generated,
                report.caught,
                report.unviable,
                report.timed_out
            ),
            (12, 9, 1, 1)
        );
    }
}
