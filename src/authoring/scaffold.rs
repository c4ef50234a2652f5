//! `workbook new lesson|quiz|exercise`: complete, valid skeletons an instructor edits, linked
//! from their lesson, so `workbook check` is clean and `workbook verify` passes right away.
//!
//! Every refusal (a taken or malformed slug, an unknown lesson) happens before anything is
//! written; files are written whole, and a lesson's front matter is edited with toml_edit so
//! the instructor's formatting and comments survive.

use crate::io_error::io;
use std::path::{Path, PathBuf};

use crate::course::source::is_kebab_case;
use crate::course::{Course, Lesson};

/// Why a skeleton was not written. Nothing was written in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// The slug is not lower-case words joined by `-`.
    #[error(
        "`{0}` is not kebab-case: use lower-case letters, digits and single dashes, e.g. `event-sourcing`"
    )]
    NotKebabCase(String),
    /// Something of that name exists already.
    #[error("{0} already exists; pick another slug")]
    Exists(String),
    /// The lesson named does not exist.
    #[error("there is no lesson `{lesson}`; the lessons are: {known}")]
    UnknownLesson {
        /// The slug given.
        lesson: String,
        /// The slugs that exist.
        known: String,
    },
    /// The lesson already has a quiz.
    #[error("lesson `{lesson}` already has quiz `{quiz}`; a lesson has one quiz")]
    LessonHasQuiz {
        /// The lesson.
        lesson: String,
        /// Its quiz.
        quiz: String,
    },
    /// `--after N` names no lesson.
    #[error("there is no lesson number {0} to insert after")]
    NoLessonNumber(u32),
    /// A lesson's front matter could not be edited.
    #[error("cannot edit the front matter of {path}: {message}")]
    FrontMatter {
        /// The lesson file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error(transparent)]
    Io(#[from] crate::io_error::IoError),
}

/// What a scaffold wrote, and what the instructor should do next.
#[derive(Debug, Default)]
pub struct Scaffolded {
    /// New files, relative to the course root.
    pub created: Vec<PathBuf>,
    /// Existing files whose content changed (front matter, links), by their final names.
    pub changed: Vec<PathBuf>,
    /// Lessons renumbered to make room, as (old, new).
    pub renamed: Vec<(PathBuf, PathBuf)>,
    /// Plain sentences: what to edit next.
    pub next_steps: Vec<String>,
}

fn check_slug(slug: &str) -> Result<(), ScaffoldError> {
    if is_kebab_case(slug) {
        Ok(())
    } else {
        Err(ScaffoldError::NotKebabCase(slug.to_string()))
    }
}

fn find_lesson<'c>(course: &'c Course, slug: &str) -> Result<&'c Lesson, ScaffoldError> {
    course
        .lesson(slug)
        .ok_or_else(|| ScaffoldError::UnknownLesson {
            lesson: slug.to_string(),
            known: course
                .lessons
                .iter()
                .map(|l| l.slug.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// "event-sourcing" -> "Event sourcing".
fn title_of(slug: &str) -> String {
    let words = slug.replace('-', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Writes a new file whole: to a temporary name first, then renamed into place.
fn write_new(root: &Path, rel: &Path, text: &str) -> Result<(), ScaffoldError> {
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io(format!("cannot create {}", dir.display())))?;
    }
    let staging = path.with_extension("workbook-new");
    std::fs::write(&staging, text).map_err(io(format!("cannot write {}", path.display())))?;
    std::fs::rename(&staging, &path).map_err(io(format!("cannot write {}", path.display())))?;
    Ok(())
}

/// Rewrites a lesson's front matter with `edit`, keeping everything else as it was.
fn edit_front_matter(
    root: &Path,
    lesson: &Lesson,
    edit: impl FnOnce(&mut toml_edit::DocumentMut),
) -> Result<(), ScaffoldError> {
    let path = root.join(&lesson.path);
    let display = lesson.path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(io(format!("cannot read {display}")))?;
    let bad = |message: &str| ScaffoldError::FrontMatter {
        path: display.clone(),
        message: message.to_string(),
    };
    let rest = text
        .strip_prefix("+++\n")
        .ok_or_else(|| bad("it does not start with `+++`"))?;
    let end = rest
        .find("\n+++\n")
        .ok_or_else(|| bad("its `+++` block is not closed"))?;
    let mut doc: toml_edit::DocumentMut = rest[..=end]
        .parse()
        .map_err(|e: toml_edit::TomlError| bad(&e.to_string()))?;
    edit(&mut doc);
    let mut front = doc.to_string();
    if !front.ends_with('\n') {
        front.push('\n');
    }
    let updated = format!("+++\n{front}+++\n{}", &rest[end + "\n+++\n".len()..]);
    write_new(root, &lesson.path, &updated)
}

/// `workbook new lesson <slug> [--after N]`.
pub fn new_lesson(
    course: &Course,
    slug: &str,
    after: Option<u32>,
) -> Result<Scaffolded, ScaffoldError> {
    check_slug(slug)?;
    if let Some(existing) = course.lesson(slug) {
        return Err(ScaffoldError::Exists(format!(
            "lesson `{slug}` ({})",
            existing.path.display()
        )));
    }
    let last = course.lessons.iter().map(|l| l.number).max().unwrap_or(0);
    let number = match after {
        Some(n) if n != 0 && !course.lessons.iter().any(|l| l.number == n) => {
            return Err(ScaffoldError::NoLessonNumber(n));
        }
        Some(n) => n + 1,
        None => last + 1,
    };
    let rel = PathBuf::from(format!("lessons/{number:02}-{slug}.md"));
    let mut done = Scaffolded::default();

    // Inserting in the middle moves every later lesson up one number, links included.
    let moves: Vec<(PathBuf, PathBuf)> = course
        .lessons
        .iter()
        .filter(|l| l.number >= number)
        .map(|l| {
            (
                l.path.clone(),
                PathBuf::from(format!("lessons/{:02}-{}.md", l.number + 1, l.slug)),
            )
        })
        .collect();
    if !moves.is_empty() {
        renumber(course, &moves, &mut done)?;
    }

    let title = title_of(slug);
    let text = format!(
        r#"+++
title = "{title}"
summary = "One line on what this lesson covers"
minutes = 15
objectives = [
  "The first thing a learner can do after this lesson",
]
+++
# {title}

Open with the problem this lesson solves, and where a backend developer meets it.

## {title} in Rust

Every `rust` block compiles and, when it has a `main`, runs: `workbook check --code`
proves it. Mark one that serves or waits forever `rust,no_run`.

```rust
fn main() {{
    let answer = 6 * 7;
    assert_eq!(answer, 42);
}}
```

## Common confusions

- A belief learners often hold, and why it is wrong.
"#
    );
    write_new(&course.root, &rel, &text)?;
    done.created.push(rel.clone());
    done.next_steps.push(format!(
        "Write the lesson in {}: title, summary, minutes, objectives, then the text.",
        rel.display()
    ));
    done.next_steps.push(format!(
        "Add its quiz: workbook new quiz {slug} --lesson {slug}"
    ));
    Ok(done)
}

/// Renames lessons (highest number first, so no name is taken twice) and rewrites every link
/// to them in lessons and exercise READMEs.
fn renumber(
    course: &Course,
    moves: &[(PathBuf, PathBuf)],
    done: &mut Scaffolded,
) -> Result<(), ScaffoldError> {
    for (_, to) in moves {
        if course.root.join(to).exists() && !moves.iter().any(|(from, _)| from == to) {
            return Err(ScaffoldError::Exists(to.display().to_string()));
        }
    }
    let names: Vec<(String, String)> = moves
        .iter()
        .filter_map(|(from, to)| {
            Some((
                from.file_name()?.to_str()?.to_string(),
                to.file_name()?.to_str()?.to_string(),
            ))
        })
        .collect();
    let mut documents: Vec<PathBuf> = course.lessons.iter().map(|l| l.path.clone()).collect();
    documents.extend(
        course
            .exercises
            .values()
            .map(|e| e.stub_dir.join("README.md")),
    );
    // Links first, in place, while every file still has its old name.
    for doc in &documents {
        let path = course.root.join(doc);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let updated = replace_names(&text, &names);
        if updated != text {
            write_new(&course.root, doc, &updated)?;
            let final_name = moves
                .iter()
                .find(|(from, _)| from == doc)
                .map_or(doc, |(_, to)| to);
            done.changed.push(final_name.clone());
        }
    }
    let mut ordered: Vec<&(PathBuf, PathBuf)> = moves.iter().collect();
    ordered.sort_by(|a, b| b.0.cmp(&a.0));
    for (from, to) in ordered {
        std::fs::rename(course.root.join(from), course.root.join(to)).map_err(io(format!(
            "cannot rename {} to {}",
            from.display(),
            to.display()
        )))?;
        done.renamed.push((from.clone(), to.clone()));
    }
    Ok(())
}

/// Replaces each old file name by its new one in one pass, so `02-a.md -> 03-a.md` and
/// `03-b.md -> 04-b.md` never chain.
fn replace_names(text: &str, names: &[(String, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'outer: while !rest.is_empty() {
        for (old, new) in names {
            // Only whole names: not preceded by a character that could be part of one.
            if rest.starts_with(old.as_str())
                && !out.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '-')
            {
                out.push_str(new);
                rest = &rest[old.len()..];
                continue 'outer;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

/// `workbook new quiz <slug> --lesson <lesson>`.
pub fn new_quiz(course: &Course, slug: &str, lesson: &str) -> Result<Scaffolded, ScaffoldError> {
    check_slug(slug)?;
    let lesson = find_lesson(course, lesson)?;
    let rel = PathBuf::from(format!("quizzes/{slug}.toml"));
    if course.root.join(&rel).exists() {
        return Err(ScaffoldError::Exists(rel.display().to_string()));
    }
    if let Some((quiz, _)) = &lesson.quiz {
        return Err(ScaffoldError::LessonHasQuiz {
            lesson: lesson.slug.to_string(),
            quiz: quiz.to_string(),
        });
    }
    let text = format!(
        r#"title = "{title}"
pass_mark = 0.8

# Each question: id (kebab-case, unique), kind (single | multiple | short), prompt,
# options (choice questions), answer (0-based option numbers, or accepted strings for
# short), and an explanation of why the answer is right and the tempting wrong one wrong.

[[questions]]
id = "first-question"
kind = "single"
prompt = "Which of these is a question about {topic}?"
options = ["This one", "Not this one", "Nor this one"]
answer = [0]
explanation = "Say why the right option is right, and why the most tempting wrong one is wrong."
"#,
        title = lesson.title.replace('"', "\\\""),
        topic = lesson.title.to_lowercase().replace('"', "'"),
    );
    write_new(&course.root, &rel, &text)?;
    let quiz_slug = slug.to_string();
    edit_front_matter(&course.root, lesson, |doc| {
        doc["quiz"] = toml_edit::value(quiz_slug);
    })?;
    Ok(Scaffolded {
        created: vec![rel.clone()],
        changed: vec![lesson.path.clone()],
        renamed: Vec::new(),
        next_steps: vec![
            format!(
                "Write the questions in {}; aim for six or more, mixing single, multiple and short.",
                rel.display()
            ),
            "Run `workbook check` to validate the answer keys.".into(),
        ],
    })
}

/// `workbook new exercise <slug> --lesson <lesson>`.
pub fn new_exercise(
    course: &Course,
    slug: &str,
    lesson: &str,
) -> Result<Scaffolded, ScaffoldError> {
    check_slug(slug)?;
    let lesson = find_lesson(course, lesson)?;
    let stub = PathBuf::from("exercises").join(slug);
    let grader = course.grader_root.join(slug);
    for dir in [&stub, &grader] {
        if course.root.join(dir).exists() {
            return Err(ScaffoldError::Exists(dir.display().to_string()));
        }
    }
    let crate_name = slug.replace('-', "_");
    let title = title_of(slug);
    let manifest = format!(
        "[package]\nname = \"{slug}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n{}",
        shared_dependencies(course)
    );
    let lesson_link = format!("../../{}", lesson.path.display());
    let files: Vec<(PathBuf, String)> = vec![
        (stub.join("Cargo.toml"), manifest.clone()),
        (
            stub.join("exercise.toml"),
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
                lesson = lesson.slug
            ),
        ),
        (
            stub.join("README.md"),
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
                lesson_title = lesson.title
            ),
        ),
        (
            stub.join("src/lib.rs"),
            // The stub lives in a file of its own: it is the learner's starting point, not code
            // of the workbook.
            include_str!("../../templates/scaffold/stub_lib.rs").to_string(),
        ),
        (
            stub.join("tests/starter.rs"),
            format!("//! Visible tests the learner can run with `cargo test`.\n\n#[test]\nfn counts_two_words() {{\n    assert_eq!({crate_name}::word_count(\"hello world\"), 2);\n}}\n"),
        ),
        (
            grader.join("tests/hidden.rs"),
            format!(
                "//! Hidden tests: each has a one-sentence doc comment, shown to the learner.\n\n/// Words separated by several spaces and newlines are counted once each.\n#[test]\nfn any_whitespace_separates_words() {{\n    assert_eq!({crate_name}::word_count(\"one  two\\nthree\"), 3);\n}}\n\n/// An empty text has no words.\n#[test]\nfn empty_text_has_no_words() {{\n    assert_eq!({crate_name}::word_count(\"\"), 0);\n}}\n"
            ),
        ),
        (grader.join("solution/Cargo.toml"), manifest),
        (
            grader.join("solution/src/lib.rs"),
            "//! The reference solution: same API as the stub.\n\n/// How many words `text` holds; words are separated by whitespace.\npub fn word_count(text: &str) -> usize {\n    text.split_whitespace().count()\n}\n".to_string(),
        ),
    ];
    let mut done = Scaffolded::default();
    for (rel, text) in &files {
        if let Err(e) = write_new(&course.root, rel, text) {
            // Leave nothing half made.
            let _ = std::fs::remove_dir_all(course.root.join(&stub));
            let _ = std::fs::remove_dir_all(course.root.join(&grader));
            return Err(e);
        }
        done.created.push(rel.clone());
    }
    let exercise_slug = slug.to_string();
    edit_front_matter(&course.root, lesson, |doc| {
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
    })?;
    let path = course.root.join(&lesson.path);
    let mut text = std::fs::read_to_string(&path)
        .map_err(io(format!("cannot read {}", lesson.path.display())))?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!(
        "\nPractise this lesson in the [{title} exercise](../exercises/{slug}/README.md).\n"
    ));
    write_new(&course.root, &lesson.path, &text)?;
    done.changed.push(lesson.path.clone());
    done.next_steps = vec![
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
    ];
    Ok(done)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renaming_links_happens_in_one_pass() {
        let names = vec![
            ("02-a.md".to_string(), "03-a.md".to_string()),
            ("03-b.md".to_string(), "04-b.md".to_string()),
        ];
        let text = "see [a](02-a.md#x) and [b](./03-b.md); not 102-a.md";
        assert_eq!(
            replace_names(text, &names),
            "see [a](03-a.md#x) and [b](./04-b.md); not 102-a.md"
        );
    }

    #[test]
    fn titles_come_from_slugs() {
        assert_eq!(title_of("event-sourcing"), "Event sourcing");
    }
}
