//! An exercise's kind (a library the hidden tests call, or a server they talk to over HTTP)
//! and its stages: ordered groups of hidden test files, graded in order, a stage tried only
//! once every earlier one passes.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::super::diagnostic::{Code, Diagnostic};
use super::super::outline::Outline;
use super::super::source::is_kebab_case;

/// What the learner's crate is, and so how the hidden tests reach it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A library (`src/lib.rs`): the hidden tests call its public API in-process.
    #[default]
    Library,
    /// A program (`src/main.rs`): the hidden tests start it as a process with `PORT` and
    /// `DATABASE_URL` and talk to it over HTTP, with the `server-check` support crate.
    Server,
}

impl Kind {
    /// The stub's file that a crate of this kind must have.
    pub fn root_file(self) -> &'static str {
        match self {
            Kind::Library => "src/lib.rs",
            Kind::Server => "src/main.rs",
        }
    }
}

/// One stage: a title, and the hidden test files that make it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// A kebab-case id, unique in the exercise (`accounts`).
    pub id: String,
    /// What the learner builds in it, as the README's `## Stage N: <title>` heading says.
    pub title: String,
    /// Its hidden test files, relative to the course root.
    pub tests: Vec<PathBuf>,
    /// The anchor of its README section, for links to it.
    pub anchor: String,
}

/// A `[[stages]]` table of `exercise.toml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StageEntry {
    id: Spanned<String>,
    title: String,
    tests: Vec<String>,
}

/// Where stages are checked: the exercise's files and its problems so far.
pub(super) struct StageCheck<'a> {
    pub toml_path: &'a Path,
    pub line: &'a dyn Fn(std::ops::Range<usize>) -> u32,
    pub grader_dir: &'a Path,
    pub hidden_tests: &'a [PathBuf],
    pub readme: &'a Outline,
}

/// Turns the `[[stages]]` of `exercise.toml` into [`Stage`]s, reporting a bad id, a test
/// file that does not exist or sits in two stages, a hidden test in no stage, and a stage
/// without its `## Stage N: <title>` section in the README.
pub(super) fn read(
    entries: Vec<StageEntry>,
    at: &StageCheck<'_>,
    problems: &mut Vec<Diagnostic>,
) -> Vec<Stage> {
    let mut stages: Vec<Stage> = Vec::new();
    for (index, entry) in entries.into_iter().enumerate() {
        let line = (at.line)(entry.id.span());
        let id = entry.id.into_inner();
        let mut problem = |message: String| {
            problems.push(Diagnostic::at(
                at.toml_path,
                line,
                Code::InvalidField,
                message,
            ));
        };
        if !is_kebab_case(&id) || stages.iter().any(|s| s.id == id) {
            problem(format!(
                "stage id `{id}` must be kebab-case and unique in the exercise"
            ));
        }
        if entry.title.trim().is_empty() || entry.tests.is_empty() {
            problem(format!(
                "stage `{id}` needs a `title` and at least one file in `tests`"
            ));
        }
        let tests = stage_tests(&id, &entry.tests, &stages, at, &mut problem);
        let heading = format!("Stage {}: {}", index + 1, entry.title.trim());
        let anchor = match at.readme.headings.iter().find(|h| h.text == heading) {
            Some(found) => found.anchor.clone(),
            None => {
                problem(format!(
                    "the README has no heading `## {heading}`: each stage needs its section, in order"
                ));
                String::new()
            }
        };
        stages.push(Stage {
            id,
            title: entry.title.trim().to_string(),
            tests,
            anchor,
        });
    }
    if !stages.is_empty() {
        unstaged_tests(&stages, at, problems);
    }
    stages
}

/// The test files of one stage, each checked to be a hidden test no earlier stage has.
fn stage_tests(
    id: &str,
    names: &[String],
    earlier: &[Stage],
    at: &StageCheck<'_>,
    problem: &mut dyn FnMut(String),
) -> Vec<PathBuf> {
    let mut tests = Vec::new();
    for name in names {
        let path = at.grader_dir.join("tests").join(name);
        if !at.hidden_tests.contains(&path) {
            problem(format!(
                "stage `{id}` names `{name}`, which is not a hidden test file in {}",
                at.grader_dir.join("tests").display()
            ));
        } else if earlier.iter().any(|s| s.tests.contains(&path)) || tests.contains(&path) {
            problem(format!(
                "stage `{id}` names `{name}`, which another stage already has"
            ));
        } else {
            tests.push(path);
        }
    }
    tests
}

/// Reports each hidden test file that belongs to no stage (it would never run).
fn unstaged_tests(stages: &[Stage], at: &StageCheck<'_>, problems: &mut Vec<Diagnostic>) {
    for test in at.hidden_tests {
        if !stages.iter().any(|s| s.tests.contains(test)) {
            problems.push(Diagnostic::file(
                test,
                Code::InvalidField,
                format!(
                    "this hidden test belongs to no stage of {}; add it to a stage's `tests`",
                    at.toml_path.display()
                ),
            ));
        }
    }
}
