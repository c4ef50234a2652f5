//! Lesson examples: running one (the lesson's version or the learner's), keeping the
//! learner's edited version until they reset it, and writing one out as a Cargo project to
//! play with. The web page's Run, Edit and Reset and `workbook run` / `workbook example` all
//! come here.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{AppError, ProgressStore};
use crate::course::example::{Example, Expectation, example, examples, program_with_main};
use crate::course::{Course, Lesson};
use crate::grade::Cancel;
use crate::playground::{self, Event, Limits, Outcome, Program, RunIt};
use crate::store::ExampleEdit;

/// The longest program accepted from the learner, in bytes: the longest lesson example is a
/// few KiB, and an edit is kept in the progress store.
pub const MAX_CODE_BYTES: usize = 64 * 1024;

/// Example `number` of the lesson `slug`.
pub fn find_example<'c>(
    course: &'c Course,
    slug: &str,
    number: usize,
) -> Result<(&'c Lesson, Example<'c>), AppError> {
    let lesson = course.lesson(slug).ok_or_else(|| AppError::UnknownLesson {
        slug: slug.to_string(),
        known: course.lesson_slugs(),
    })?;
    let found = example(lesson, number).ok_or_else(|| AppError::UnknownExample {
        lesson: slug.to_string(),
        number,
        count: examples(lesson).len(),
    })?;
    Ok((lesson, found))
}

/// An example as the learner has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleState {
    /// The lesson's version of the program.
    pub lesson_version: String,
    /// The learner's version, if they edited it.
    pub edited: Option<ExampleEdit>,
    /// True when the lesson's version changed after the learner edited theirs.
    pub lesson_changed: bool,
    /// What running it is meant to do.
    pub expect: Expectation,
}

impl ExampleState {
    /// The program to run or show: the learner's version if there is one.
    pub fn current(&self) -> &str {
        match &self.edited {
            Some(edit) => &edit.code,
            None => &self.lesson_version,
        }
    }
}

/// Example `number` of lesson `slug` with the learner's edit, if any.
pub fn state(
    course: &Course,
    store: &impl ProgressStore,
    (slug, number): (&str, usize),
) -> Result<ExampleState, AppError> {
    let (_, example) = find_example(course, slug, number)?;
    let lesson_version = example.program();
    let edited = store.read(|s| s.example_edit(slug, number))?;
    let lesson_changed = edited
        .as_ref()
        .is_some_and(|e| e.based_on != version_hash(&lesson_version));
    Ok(ExampleState {
        lesson_version,
        edited,
        lesson_changed,
        expect: example.expect,
    })
}

/// Keeps `code` as the learner's version of the example, or forgets their version when
/// `code` is the lesson's own again. Returns whether a version of theirs is kept.
pub fn save_edit(
    course: &Course,
    store: &impl ProgressStore,
    (slug, number): (&str, usize),
    code: &str,
) -> Result<bool, AppError> {
    if code.len() > MAX_CODE_BYTES {
        return Err(AppError::ExampleTooLong {
            bytes: code.len(),
            limit: MAX_CODE_BYTES,
        });
    }
    let (_, example) = find_example(course, slug, number)?;
    let lesson_version = example.program();
    if same_code(code, &lesson_version) {
        store.write(|s| s.forget_example_edit(slug, number))?;
        return Ok(false);
    }
    let hash = version_hash(&lesson_version);
    store.write(|s| s.save_example_edit(slug, number, code, &hash))?;
    Ok(true)
}

/// Forgets the learner's version of the example; true when there was one.
pub fn reset_edit(
    course: &Course,
    store: &impl ProgressStore,
    (slug, number): (&str, usize),
) -> Result<bool, AppError> {
    find_example(course, slug, number)?;
    Ok(store.write(|s| s.forget_example_edit(slug, number))?)
}

/// What a run ran and how it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    /// How it ended.
    pub outcome: Outcome,
    /// What the example is meant to do.
    pub expect: Expectation,
    /// True when the learner's version ran, not the lesson's.
    pub edited: bool,
}

impl Ran {
    /// Whether the run went as it should: the lesson's version as its mark says (a
    /// `should_panic` example panics); the learner's version like any program (it compiles
    /// and, if run, exits with 0), since fixing the lesson's mistake is the point of an edit.
    pub fn went_well(&self) -> bool {
        match self.edited {
            true => self.outcome.as_meant(Expectation::Runs),
            false => self.outcome.as_meant(self.expect),
        }
    }
}

/// Runs example `number` of lesson `slug`: `code` when given (the editor's text, kept as
/// the learner's version first), else the learner's kept version, else the lesson's.
/// Each step goes to `on_event` as it happens.
pub fn run(
    course: &Course,
    store: &impl ProgressStore,
    ((slug, number), code): ((&str, usize), Option<&str>),
    (limits, cancel): (Limits, &Cancel),
    on_event: &mut dyn FnMut(Event),
) -> Result<Ran, AppError> {
    if let Some(code) = code {
        save_edit(course, store, (slug, number), code)?;
    }
    let state = state(course, store, (slug, number))?;
    let source = state.current();
    let program = Program {
        source,
        run: RunIt::for_example(state.expect, source),
    };
    let outcome =
        playground::run(course, program, (limits, cancel), on_event).map_err(AppError::Example)?;
    Ok(Ran {
        outcome,
        expect: state.expect,
        edited: state.edited.is_some(),
    })
}

/// Writes the example (the learner's version if they have one) as a Cargo project in
/// `dir`, a new or empty folder: `Cargo.toml` with the lessons' crates and `src/main.rs`.
/// Returns the files written.
pub fn write_project(
    course: &Course,
    store: &impl ProgressStore,
    (slug, number): (&str, usize),
    dir: &Path,
) -> Result<Vec<PathBuf>, AppError> {
    let state = state(course, store, (slug, number))?;
    if std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(AppError::FolderNotEmpty(dir.to_path_buf()));
    }
    let dependencies = playground::lesson_crates(course).map_err(AppError::Example)?;
    let package = format!("{slug}-example-{number}");
    let used = used_crates(&dependencies, state.current());
    let manifest = crate::authoring::lesson_code::code_crate_manifest(&package, &used)
        .map_err(AppError::Example)?;
    let main = program_with_main(state.current()).into_owned();
    let files = [
        (dir.join("Cargo.toml"), manifest),
        (dir.join("src/main.rs"), main),
        (dir.join(".gitignore"), "/target\n".to_string()),
    ];
    for (path, text) in &files {
        write_new(path, text)?;
    }
    Ok(files.into_iter().map(|(path, _)| path).collect())
}

fn write_new(path: &Path, text: &str) -> Result<(), AppError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(crate::io_error::io(format!(
            "cannot create {}",
            parent.display()
        )))?;
    }
    std::fs::write(path, text).map_err(crate::io_error::io(format!(
        "cannot write {}",
        path.display()
    )))?;
    Ok(())
}

/// Of the lessons' `[dependencies]`, the crates `code` names (`tokio::`, `use serde`), so a
/// project written out compiles only what it uses.
fn used_crates(dependencies: &toml::Table, code: &str) -> toml::Table {
    let all = dependencies
        .get("dependencies")
        .and_then(toml::Value::as_table)
        .cloned()
        .unwrap_or_default();
    let used: toml::Table = all
        .into_iter()
        .filter(|(name, _)| {
            let path = name.replace('-', "_");
            code.contains(&format!("{path}::")) || code.contains(&format!("use {path}"))
        })
        .collect();
    let mut table = toml::Table::new();
    table.insert("dependencies".into(), used.into());
    table
}

/// Two versions are the same program when they differ only in line endings or trailing
/// white space (an editor may add a final newline or turn `\n` into `\r\n`).
fn same_code(a: &str, b: &str) -> bool {
    let lines = |s: &str| -> Vec<String> {
        s.trim_end()
            .lines()
            .map(|l| l.trim_end().to_string())
            .collect()
    };
    lines(a) == lines(b)
}

/// A short hash of a lesson's version of an example, to notice that the lesson changed.
fn version_hash(code: &str) -> String {
    let digest = Sha256::digest(code.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_gets_only_the_crates_its_code_names() {
        let all: toml::Table = toml::from_str(
            "[dependencies]\ntokio = \"1\"\nserde_json = \"1\"\ntower-http = \"0.6\"\nrusqlite = \"0.37\"\n",
        )
        .unwrap();
        let code =
            "use tower_http::cors;\n#[tokio::main]\nasync fn main() { serde_json::json!({}); }\n";
        let used = used_crates(&all, code);
        let names: Vec<&String> = used["dependencies"].as_table().unwrap().keys().collect();
        assert_eq!(names, ["serde_json", "tokio", "tower-http"]);
    }

    #[test]
    fn line_endings_and_trailing_space_are_not_an_edit() {
        assert!(same_code("fn main() {}\n", "fn main() {}"));
        assert!(same_code("fn main() {}  \r\n", "fn main() {}\n"));
        assert!(!same_code("fn main() { }\n", "fn main() {}\n"));
        assert_eq!(version_hash("a").len(), 16);
        assert_ne!(version_hash("a"), version_hash("b"));
    }
}
