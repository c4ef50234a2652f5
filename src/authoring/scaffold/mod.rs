//! `workbook new lesson|quiz|exercise`: complete, valid skeletons an instructor edits, linked
//! from their lesson, so `workbook check` is clean and `workbook verify` passes right away.
//!
//! Every refusal (a taken or malformed slug, an unknown lesson) happens before anything is
//! written; files are written whole, and a lesson's front matter is edited with toml_edit so
//! the instructor's formatting and comments survive.
//!
//! This module holds what every kind shares (the error, [`Scaffolded`], writing files and
//! front matter); each kind's skeleton is a module of its own: `lesson.rs`, `quiz.rs`,
//! `exercise.rs`.

use crate::io_error::io;
use std::path::{Path, PathBuf};

use crate::course::source::is_kebab_case;
use crate::course::{Course, Lesson};

mod exercise;
mod lesson;
mod quiz;

pub use exercise::new_exercise;
pub use lesson::new_lesson;
pub use quiz::new_quiz;

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

/// `Ok` when `slug` is kebab-case, the refusal otherwise.
fn check_slug(slug: &str) -> Result<(), ScaffoldError> {
    if is_kebab_case(slug) {
        Ok(())
    } else {
        Err(ScaffoldError::NotKebabCase(slug.to_string()))
    }
}

/// The lesson named `slug`, or the refusal that lists the lessons there are.
fn find_lesson<'c>(course: &'c Course, slug: &str) -> Result<&'c Lesson, ScaffoldError> {
    course
        .lesson(slug)
        .ok_or_else(|| ScaffoldError::UnknownLesson {
            lesson: slug.to_string(),
            known: course.lesson_slugs(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_come_from_slugs() {
        assert_eq!(title_of("event-sourcing"), "Event sourcing");
    }
}
