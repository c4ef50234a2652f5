//! Style notes after a pass: clippy's lints on the learner's crate, grouped by lint and worded
//! for a learner, each with where it applies, clippy's page for it and, where the course has
//! one, the lesson section on the topic (`grader/style.toml`). Never part of the score.
//!
//! Clippy lints only the crates of the workspace it runs in, and the grader's harness holds
//! the learner's crate as a path dependency, so clippy runs on the learner's crate itself,
//! into the grader's target directory, supervised and bounded like a build.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::build::{CompilerMessage, read_messages};
use super::contain::{self, Contained};
use super::{Cancel, GradeError, Workdir};
use crate::course::Course;

/// One lint and every place it fired.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StyleNote {
    /// The lint: `needless_range_loop` (clippy's, without `clippy::`) or `unused_variables`.
    pub lint: String,
    /// What to do, in a learner's words (or the compiler's message for a lint not worded).
    pub advice: String,
    /// Where: `src/lib.rs:12`, and the compiler's message there.
    pub places: Vec<(String, String)>,
    /// Clippy's page for the lint; `None` for a rustc lint.
    pub docs: Option<String>,
    /// The lesson section on the topic, `/lessons/<slug>#<anchor>`, from `grader/style.toml`.
    pub read: Option<String>,
}

/// What a style check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Style {
    /// The notes, most frequent lint first; empty when clippy is happy.
    Notes(Vec<StyleNote>),
    /// `cargo clippy` is not installed (`rustup component add clippy`).
    ClippyMissing,
    /// The crate does not compile: grade it first.
    DoesNotCompile,
}

/// How long a style check may take, cold dependencies included.
const STYLE_TIMEOUT: Duration = Duration::from_secs(300);

/// The most places listed for one lint.
const MOST_PLACES: usize = 5;

/// Runs clippy on the crate at `crate_dir` and groups what it says.
pub fn style_notes(
    course: &Course,
    crate_dir: &Path,
    cancel: &Cancel,
) -> Result<Style, GradeError> {
    let workdir = Workdir::of(course);
    if !clippy_installed() {
        return Ok(Style::ClippyMissing);
    }
    super::require_utf8(crate_dir)?;
    seed_lock_file(&workdir, crate_dir);
    let mut command = clippy_command(crate_dir, &workdir.target_dir())?;
    let mut child = Contained::spawn(&mut command).map_err(GradeError::CargoMissing)?;
    let messages = read_messages(child.child_mut().stdout.take());
    let started = Instant::now();
    let mut diagnostics = Vec::new();
    let mut errors = false;
    loop {
        match messages.recv_timeout(Duration::from_millis(20)) {
            Ok(msg) if msg.reason == "compiler-message" => {
                if let Some(message) = msg.message {
                    errors |= message.level == "error";
                    diagnostics.push(message);
                }
            }
            Ok(_) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if cancel.is_cancelled() || started.elapsed() >= STYLE_TIMEOUT {
                    child.stop();
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let _ = child.wait_until(Instant::now() + Duration::from_secs(5), || false);
    if cancel.is_cancelled() {
        return Err(GradeError::Cancelled);
    }
    if errors {
        return Ok(Style::DoesNotCompile);
    }
    let links = lesson_links(course)?;
    Ok(Style::Notes(group(&diagnostics, crate_dir, &links)))
}

fn clippy_installed() -> bool {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    std::process::Command::new(cargo)
        .args(["clippy", "--version"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Gives the crate the grader's lock file when it has none, so clippy resolves the same
/// versions the grade built, without the registry's index.
fn seed_lock_file(workdir: &Workdir, crate_dir: &Path) {
    let lock = crate_dir.join("Cargo.lock");
    let grader_lock = workdir.root.join("grader/Cargo.lock");
    if !lock.exists() && grader_lock.is_file() {
        let _ = std::fs::copy(grader_lock, lock);
    }
}

fn clippy_command(
    crate_dir: &Path,
    target_dir: &Path,
) -> Result<std::process::Command, GradeError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // Lower priority than a grade: style notes are never in a hurry.
    let mut command = contain::command(&cargo, 5).map_err(GradeError::CargoMissing)?;
    command
        .arg("clippy")
        .arg("--message-format=json")
        .arg("--color=never")
        .arg("--manifest-path")
        .arg(crate_dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    Ok(command)
}

/// The warnings in the learner's files, one note per lint, most places first.
fn group(
    diagnostics: &[CompilerMessage],
    crate_dir: &Path,
    links: &BTreeMap<String, String>,
) -> Vec<StyleNote> {
    let prefix = format!("{}/", crate_dir.display());
    let mut notes: BTreeMap<String, StyleNote> = BTreeMap::new();
    for diagnostic in diagnostics.iter().filter(|d| d.level == "warning") {
        let Some(code) = &diagnostic.code else {
            continue;
        };
        let Some(span) = diagnostic.spans.iter().find(|s| s.is_primary) else {
            continue;
        };
        let file = span
            .file_name
            .strip_prefix(&prefix)
            .unwrap_or(&span.file_name);
        if Path::new(file).is_absolute() {
            continue;
        }
        let lint = code.code.trim_start_matches("clippy::").to_string();
        let clippy = code.code.starts_with("clippy::");
        let note = notes.entry(lint.clone()).or_insert_with(|| StyleNote {
            advice: advice(&lint).unwrap_or(&diagnostic.message).to_string(),
            places: Vec::new(),
            docs: clippy.then(|| {
                format!("https://rust-lang.github.io/rust-clippy/master/index.html#{lint}")
            }),
            read: links
                .get(&lint)
                .map(|section| format!("/lessons/{section}")),
            lint,
        });
        note.places.push((
            format!("{file}:{}", span.line_start),
            diagnostic.message.clone(),
        ));
    }
    let mut notes: Vec<StyleNote> = notes.into_values().collect();
    notes.sort_by(|a, b| {
        b.places
            .len()
            .cmp(&a.places.len())
            .then(a.lint.cmp(&b.lint))
    });
    for note in &mut notes {
        note.places.dedup();
    }
    notes
}

/// The places worth listing for a note, and how many more there are.
pub fn shown_places(note: &StyleNote) -> (&[(String, String)], usize) {
    let shown = note.places.len().min(MOST_PLACES);
    (&note.places[..shown], note.places.len() - shown)
}

/// `grader/style.toml`'s `[read]` table: lint name to `<lesson slug>#<anchor>`.
pub fn lesson_links(course: &Course) -> Result<BTreeMap<String, String>, GradeError> {
    let path = crate::course::style_links::style_file(course);
    let links = crate::course::style_links::read(&path)
        .map_err(|message| GradeError::BadFile { path, message })?;
    Ok(links
        .into_iter()
        .map(|(lint, link)| (lint, format!("{}#{}", link.lesson, link.anchor)))
        .collect())
}

/// A learner's wording of the lints a first solution most often trips; others keep the
/// compiler's message.
fn advice(lint: &str) -> Option<&'static str> {
    Some(match lint {
        "needless_range_loop" => {
            "Loop over the items themselves (`for item in &items`, or `.iter().enumerate()` when you need the index) instead of indexing."
        }
        "needless_return" => {
            "A block's last expression is its value: the `return` at the end can go."
        }
        "let_and_return" => {
            "Return the expression itself instead of binding it to a variable first."
        }
        "len_zero" => "Ask `.is_empty()` instead of comparing the length with zero.",
        "clone_on_copy" => "This type is `Copy`: use the value itself, without `.clone()`.",
        "redundant_clone" => "This `.clone()` copies a value that is not used again.",
        "needless_borrow" => "This `&` is not needed: the value is a reference already.",
        "redundant_field_names" => {
            "Write `Point { x, y }` when the variables have the fields' names."
        }
        "single_match" => "A `match` with one interesting arm reads better as `if let`.",
        "collapsible_if" | "collapsible_else_if" => {
            "Nested `if`s can be one condition (`&&`, or `else if`)."
        }
        "manual_map" | "option_map_unit_fn" | "manual_unwrap_or" | "manual_unwrap_or_default" => {
            "`Option` and `Result` have methods (`map`, `unwrap_or`, `unwrap_or_default`) for this `match`."
        }
        "question_mark" => "The `?` operator does this early return of an error for you.",
        "bool_comparison" => {
            "Use the boolean itself (or `!`), not a comparison with `true`/`false`."
        }
        "useless_conversion" => "This converts a value into its own type: the call can go.",
        "map_entry" => {
            "Use the map's `entry` API instead of `contains_key` followed by `insert`: one lookup, not two."
        }
        "redundant_closure" => "Pass the function itself instead of a closure that only calls it.",
        "needless_lifetimes" => "The compiler infers these lifetimes: the annotations can go.",
        "new_without_default" => {
            "A `new()` without arguments usually comes with `impl Default` too."
        }
        "too_many_arguments" => "Many arguments: group the related ones in a struct.",
        "manual_range_contains" => "`(low..high).contains(&x)` says this range check in one go.",
        "await_holding_lock" => {
            "A lock guard is held across an `.await`: other tasks wait on it the whole time (and a `std` guard can deadlock). Drop it before awaiting."
        }
        "unused_variables" => {
            "A variable is never read: use it, or start its name with `_` if that is on purpose."
        }
        "dead_code" => "Code that nothing calls: remove it, or use it.",
        "unused_imports" => "An import nothing uses: remove it.",
        "unused_mut" => "This `mut` is not needed: the variable never changes.",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::build::{Code, Span};

    fn warning(code: &str, file: &str, line: u32, message: &str) -> CompilerMessage {
        CompilerMessage {
            level: "warning".into(),
            message: message.into(),
            rendered: None,
            code: Some(Code { code: code.into() }),
            spans: vec![Span {
                file_name: file.into(),
                line_start: line,
                is_primary: true,
            }],
        }
    }

    #[test]
    fn notes_group_by_lint_most_places_first_and_word_it_for_a_learner() {
        let dir = Path::new("/course/exercises/x");
        let links = BTreeMap::from([(
            "needless_range_loop".to_string(),
            "basics#loops".to_string(),
        )]);
        let diagnostics = [
            warning(
                "clippy::len_zero",
                "/course/exercises/x/src/lib.rs",
                3,
                "length comparison to zero",
            ),
            warning(
                "clippy::needless_range_loop",
                "/course/exercises/x/src/lib.rs",
                9,
                "the loop variable `i` is only used to index `v`",
            ),
            warning(
                "clippy::needless_range_loop",
                "/course/exercises/x/src/lib.rs",
                20,
                "the loop variable `j` is only used to index `w`",
            ),
            // A dependency's warning is not the learner's.
            warning(
                "clippy::len_zero",
                "/home/me/.cargo/registry/src/a/lib.rs",
                1,
                "x",
            ),
        ];
        let notes = group(&diagnostics, dir, &links);
        let lints: Vec<&str> = notes.iter().map(|n| n.lint.as_str()).collect();
        assert_eq!(lints, ["needless_range_loop", "len_zero"]);
        assert_eq!(notes[0].places[1].0, "src/lib.rs:20");
        assert!(notes[0].advice.starts_with("Loop over the items"));
        assert_eq!(notes[0].read.as_deref(), Some("/lessons/basics#loops"));
        assert_eq!(
            notes[1].docs.as_deref(),
            Some("https://rust-lang.github.io/rust-clippy/master/index.html#len_zero")
        );
        assert_eq!(
            notes[1].places.len(),
            1,
            "the dependency's warning is left out"
        );
    }

    #[test]
    fn a_lint_without_wording_keeps_the_compilers_message() {
        let diagnostics = [warning(
            "clippy::some_new_lint",
            "/c/src/lib.rs",
            1,
            "what clippy says",
        )];
        let notes = group(&diagnostics, Path::new("/c"), &BTreeMap::new());
        assert_eq!(notes[0].advice, "what clippy says");
    }
}
