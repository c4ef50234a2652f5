//! `workbook new exercise`: the learner's stub crate, the grader's hidden tests and reference
//! solution, all passing `workbook verify`, listed in and linked from their lesson.

use std::path::PathBuf;

use super::{
    ScaffoldError, Scaffolded, check_slug, edit_front_matter, find_lesson, title_of, write_new,
};
use crate::course::{Course, Lesson};
use crate::io_error::io;

/// `workbook new exercise <slug> --lesson <lesson>`.
pub fn new_exercise(
    course: &Course,
    slug: &str,
    lesson: &str,
) -> Result<Scaffolded, ScaffoldError> {
    check_slug(slug)?;
    let lesson = find_lesson(course, lesson)?;
    let exercise = NewExercise {
        course,
        lesson,
        slug,
        title: title_of(slug),
        stub: PathBuf::from("exercises").join(slug),
        grader: course.grader_root.join(slug),
    };
    exercise.refuse_taken()?;
    let created = exercise.write_files(&exercise.files())?;
    exercise.list_in_lesson()?;
    exercise.link_from_lesson()?;
    Ok(Scaffolded {
        created,
        changed: vec![lesson.path.clone()],
        renamed: Vec::new(),
        next_steps: exercise.next_steps(),
    })
}

/// An exercise being scaffolded: what it is called, its lesson, and where its two halves go.
struct NewExercise<'a> {
    course: &'a Course,
    lesson: &'a Lesson,
    slug: &'a str,
    title: String,
    /// The learner's crate, relative to the course root.
    stub: PathBuf,
    /// The grader's hidden tests and solution.
    grader: PathBuf,
}

impl NewExercise<'_> {
    /// The refusal when the stub's or the grader's folder exists already.
    fn refuse_taken(&self) -> Result<(), ScaffoldError> {
        for dir in [&self.stub, &self.grader] {
            if self.course.root.join(dir).exists() {
                return Err(ScaffoldError::Exists(dir.display().to_string()));
            }
        }
        Ok(())
    }

    /// Every file of the skeleton with its text, in the order they are written.
    fn files(&self) -> Vec<(PathBuf, String)> {
        let (stub, grader) = (&self.stub, &self.grader);
        let crate_name = self.slug.replace('-', "_");
        let manifest = manifest(self.course, self.slug);
        vec![
            (stub.join("Cargo.toml"), manifest.clone()),
            (stub.join("exercise.toml"), self.exercise_toml()),
            (stub.join("README.md"), self.readme()),
            (
                stub.join("src/lib.rs"),
                // The stub lives in a file of its own: it is the learner's starting point, not
                // code of the workbook.
                include_str!("../../../templates/scaffold/stub_lib.rs").to_string(),
            ),
            (stub.join("tests/starter.rs"), starter_tests(&crate_name)),
            (
                grader.join("tests/hidden.rs"),
                hidden_tests(self.course, &crate_name),
            ),
            (grader.join("solution/Cargo.toml"), manifest),
            (grader.join("solution/src/lib.rs"), SOLUTION.to_string()),
        ]
    }

    /// Writes `files` in order; returns their paths, or the first error once both folders are
    /// removed again.
    fn write_files(&self, files: &[(PathBuf, String)]) -> Result<Vec<PathBuf>, ScaffoldError> {
        let root = &self.course.root;
        let mut created = Vec::new();
        for (rel, text) in files {
            if let Err(e) = write_new(root, rel, text) {
                // Leave nothing half made.
                let _ = std::fs::remove_dir_all(root.join(&self.stub));
                let _ = std::fs::remove_dir_all(root.join(&self.grader));
                return Err(e);
            }
            created.push(rel.clone());
        }
        Ok(created)
    }

    /// Adds the exercise to its lesson's `exercises` list (making the list if there is none);
    /// returns an error if the front matter cannot be edited.
    fn list_in_lesson(&self) -> Result<(), ScaffoldError> {
        let exercise_slug = self.slug.to_string();
        edit_front_matter(&self.course.root, self.lesson, |doc| {
            match doc
                .get_mut("exercises")
                .and_then(|item| item.as_array_mut())
            {
                Some(list) => list.push(exercise_slug.as_str()),
                None => {
                    let mut list = toml_edit::Array::new();
                    list.push(exercise_slug.as_str());
                    doc["exercises"] = toml_edit::value(list);
                }
            }
        })
    }

    /// Appends a sentence linking to the exercise to its lesson's text; returns an error if
    /// the lesson cannot be read or written.
    fn link_from_lesson(&self) -> Result<(), ScaffoldError> {
        let (title, slug) = (&self.title, self.slug);
        let lesson = &self.lesson.path;
        let path = self.course.root.join(lesson);
        let mut text = std::fs::read_to_string(&path)
            .map_err(io(format!("cannot read {}", lesson.display())))?;
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&format!(
            "\nPractise this lesson in the [{title} exercise](../exercises/{slug}/README.md).\n"
        ));
        write_new(&self.course.root, lesson, &text)
    }

    /// What the instructor edits next, and how to prove the exercise sound.
    fn next_steps(&self) -> Vec<String> {
        let (stub, grader, slug) = (&self.stub, &self.grader, self.slug);
        vec![
            format!(
                "Describe the task in {}/README.md and the API in {}/src/lib.rs.",
                stub.display(),
                stub.display()
            ),
            format!(
                "Write hidden tests in {}/tests/ (a doc comment each) and the solution in {}/solution/.",
                grader.display(),
                grader.display()
            ),
            format!("Prove it: workbook verify {slug}"),
        ]
    }

    /// The stub's `exercise.toml`: its title, lesson, and three hints to rewrite.
    fn exercise_toml(&self) -> String {
        let title = &self.title;
        format!(
            r#"title = "{title}"
lesson = "{lesson}"
difficulty = "beginner"
timeout_secs = 10
hints = [
  "A gentle nudge: which part of the lesson does this use?",
  "A more specific pointer to the approach.",
  "Nearly the answer: the shape of the code, not the code.",
]
"#,
            lesson = self.lesson.slug
        )
    }

    /// The stub's README: scenario, task, API and what the grader checks, linked to the lesson.
    fn readme(&self) -> String {
        let (title, slug) = (&self.title, self.slug);
        let lesson_link = format!("../../{}", self.lesson.path.display());
        format!(
            r#"# {title}

The scenario: what the learner is building and why a backend needs it. This exercise
practises [{lesson_title}]({lesson_link}).

## Your task

1. Implement `word_count` in `src/lib.rs`.
2. Run the starter tests: `cargo test` in this folder.
3. Grade it with the hidden tests: `workbook grade {slug}`.

## The API

```rust,ignore
pub fn word_count(text: &str) -> usize
```

## What the grader checks

In words, without giving the tests away: words are separated by any whitespace, and an
empty text has none.
"#,
            lesson_title = self.lesson.title
        )
    }
}

/// The reference solution: the stub's API, implemented.
const SOLUTION: &str = "//! The reference solution: same API as the stub.\n\n/// How many words `text` holds; words are separated by whitespace.\npub fn word_count(text: &str) -> usize {\n    text.split_whitespace().count()\n}\n";

/// The `Cargo.toml` of both the stub and the solution.
fn manifest(course: &Course, slug: &str) -> String {
    format!(
        "[package]\nname = \"{slug}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n{}",
        shared_dependencies(course)
    )
}

/// The stub's visible test, which the learner runs with `cargo test`.
fn starter_tests(crate_name: &str) -> String {
    format!(
        "//! Visible tests the learner can run with `cargo test`.\n\n#[test]\nfn counts_two_words() {{\n    assert_eq!({crate_name}::word_count(\"hello world\"), 2);\n}}\n"
    )
}

/// The grader's hidden tests, each with the doc comment the learner is shown; with the
/// course's assertion helper (labelled expected and actual) when it has one.
fn hidden_tests(course: &Course, crate_name: &str) -> String {
    let helper = crate::grade::expect_dir(course)
        .join("Cargo.toml")
        .is_file();
    let (import, assert) = match helper {
        true => ("use expect::expect_eq;\n\n", "expect_eq"),
        false => ("", "assert_eq"),
    };
    format!(
        "//! Hidden tests: each has a one-sentence doc comment, shown to the learner.\n\n{import}/// Words separated by several spaces and newlines are counted once each.\n#[test]\nfn any_whitespace_separates_words() {{\n    {assert}!({crate_name}::word_count(\"one  two\\nthree\"), 3);\n}}\n\n/// An empty text has no words.\n#[test]\nfn empty_text_has_no_words() {{\n    {assert}!({crate_name}::word_count(\"\"), 0);\n}}\n"
    )
}

/// The dependency tables every exercise already agrees on, so a new exercise compiles
/// against what is built (declared exactly as the others do).
fn shared_dependencies(course: &Course) -> String {
    let mut out = String::new();
    for section in ["dependencies", "dev-dependencies"] {
        let mut shared: Option<toml::Table> = None;
        for exercise in course.exercises.values() {
            let table = match section {
                "dependencies" => &exercise.manifest.dependencies,
                _ => &exercise.manifest.dev_dependencies,
            };
            shared = Some(match shared {
                None => table.clone(),
                Some(common) => common
                    .into_iter()
                    .filter(|(k, v)| table.get(k) == Some(v))
                    .collect(),
            });
        }
        if let Some(table) = shared.filter(|t| !t.is_empty()) {
            let mut wrapper = toml::Table::new();
            wrapper.insert(section.to_string(), toml::Value::Table(table));
            out.push('\n');
            out.push_str(&toml::to_string(&wrapper).unwrap_or_default());
        }
    }
    out
}
