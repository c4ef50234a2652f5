//! The course model: everything under `lessons/`, `quizzes/`, `exercises/` and `grader/`
//! loaded into one [`Course`], with every problem found on the way as a [`Diagnostic`].
//!
//! Loading never stops at the first problem and never panics: a broken file becomes a
//! diagnostic and the rest of the course still loads, so `workbook check` can list every
//! problem at once and the web app can show a banner instead of dying.

pub mod diagnostic;
pub mod example;
pub mod exercise;
pub mod hidden_lines;
pub mod ids;
mod key_positions;
pub mod lesson;
pub mod links;
pub mod outline;
pub mod quiz;
pub mod rules;
pub mod side_files;
pub mod source;
pub mod style_links;
mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use diagnostic::{Code, Diagnostic, Diagnostics, Severity};
pub use exercise::{DEFAULT_COMPILE_TIMEOUT, Difficulty, Exercise, Hint, Kind, Stage, hint_order};
pub use ids::{ExerciseSlug, LessonSlug, QuestionId, QuizSlug};
pub use lesson::Lesson;
pub use quiz::{AnswerKey, Question, QuestionKind, Quiz, RevealPolicy};

/// Why a course could not be loaded at all (as opposed to loaded with problems).
#[derive(Debug, thiserror::Error)]
pub enum CourseError {
    /// The course root is not a readable directory.
    #[error("cannot read the course folder {path}: {source}")]
    Unreadable {
        /// The folder.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// No folder from here up holds a course.
    #[error(
        "no course found in {start} or any folder above it: a course has a `lessons/` folder (use --course DIR to name one)"
    )]
    NotFound {
        /// Where the search started.
        start: PathBuf,
    },
}

/// The file that marks a learner edition written by `workbook publish`: it has hidden tests
/// but no reference solutions.
pub const LEARNER_EDITION_MARKER: &str = "learner-edition.toml";

/// How to load a course.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Read hidden tests and solutions from here instead of `<course>/grader`
    /// (a private repository kept apart from the published course).
    pub grader_dir: Option<PathBuf>,
}

/// A whole course: lessons in order, quizzes and exercises by slug.
#[derive(Debug, Clone, Default)]
pub struct Course {
    /// The folder holding `lessons/`, `quizzes/`, `exercises/` and `grader/`.
    pub root: PathBuf,
    /// Where hidden tests and solutions live: `grader` (relative to `root`) or another folder.
    pub grader_root: PathBuf,
    /// True for a learner edition: solutions are absent on purpose.
    pub learner_edition: bool,
    /// Lessons ordered by number.
    pub lessons: Vec<Lesson>,
    /// Quizzes by slug.
    pub quizzes: BTreeMap<QuizSlug, Quiz>,
    /// Exercises by slug.
    pub exercises: BTreeMap<ExerciseSlug, Exercise>,
}

/// A course and the problems found while loading it.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Everything that could be loaded.
    pub course: Course,
    /// Everything that is wrong, sorted by file and line.
    pub diagnostics: Diagnostics,
}

impl Course {
    /// Loads and validates the course in `root`.
    pub fn load(root: &Path) -> Result<Loaded, CourseError> {
        Course::load_with(root, &LoadOptions::default())
    }

    /// Loads and validates the course in `root` with `options`.
    pub fn load_with(root: &Path, options: &LoadOptions) -> Result<Loaded, CourseError> {
        if let Err(source) = std::fs::read_dir(root) {
            return Err(CourseError::Unreadable {
                path: root.to_path_buf(),
                source,
            });
        }
        let mut problems = Vec::new();
        let mut course = Course {
            root: root.to_path_buf(),
            learner_edition: root.join(LEARNER_EDITION_MARKER).is_file(),
            grader_root: grader_root(options)?,
            ..Course::default()
        };
        let lesson_files = course.load_lessons(&mut problems);
        course.load_quizzes(&mut problems);
        course.load_exercises(&mut problems);

        let every_lesson_loaded = course.lessons.len() == lesson_files;
        validate::course(&course, every_lesson_loaded, &mut problems);

        let mut diagnostics = Diagnostics::default();
        for problem in problems {
            diagnostics.push(problem);
        }
        diagnostics.sort();
        Ok(Loaded {
            course,
            diagnostics,
        })
    }

    /// Loads every lesson that can be loaded, in order. Returns how many lesson files there
    /// are, loaded or not.
    fn load_lessons(&mut self, problems: &mut Vec<Diagnostic>) -> usize {
        let root = &self.root;
        let lesson_files = entries(root, "lessons", |p| !p.is_dir() && has_extension(p, "md"));
        for rel in &lesson_files {
            if let Some(lesson) = lesson::load(root, rel, problems) {
                self.lessons.push(lesson);
            }
        }
        self.lessons
            .sort_by(|a, b| (a.number, &a.path).cmp(&(b.number, &b.path)));
        lesson_files.len()
    }

    /// Loads every quiz that can be graded as written.
    fn load_quizzes(&mut self, problems: &mut Vec<Diagnostic>) {
        let root = &self.root;
        for rel in entries(root, "quizzes", |p| !p.is_dir() && has_extension(p, "toml")) {
            if let Some(quiz) = quiz::load(root, &rel, problems) {
                self.quizzes.insert(quiz.slug.clone(), quiz);
            }
        }
    }

    /// Loads every exercise that can be loaded.
    fn load_exercises(&mut self, problems: &mut Vec<Diagnostic>) {
        let root = &self.root;
        for rel in entries(root, "exercises", Path::is_dir) {
            let slug = rel
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let solutions_expected = !self.learner_edition;
            if let Some(exercise) =
                exercise::load(root, &self.grader_root, &slug, solutions_expected, problems)
            {
                self.exercises.insert(exercise.slug.clone(), exercise);
            }
        }
    }

    /// Finds the course root: `start` or the nearest folder above it with a `lessons/` folder,
    /// so commands work from inside an exercise's folder too.
    pub fn discover(start: &Path) -> Result<PathBuf, CourseError> {
        start
            .ancestors()
            .find(|dir| dir.join("lessons").is_dir())
            .map(Path::to_path_buf)
            .ok_or_else(|| CourseError::NotFound {
                start: start.to_path_buf(),
            })
    }

    /// The exercises in the order of the lessons that teach them (then by slug).
    pub fn exercises_in_order(&self) -> Vec<&Exercise> {
        let mut all: Vec<&Exercise> = self.exercises.values().collect();
        all.sort_by_key(|e| {
            let lesson = self.lesson(e.lesson.0.as_str()).map(|l| l.number);
            (lesson.unwrap_or(u32::MAX), e.slug.clone())
        });
        all
    }

    /// The lesson with this slug.
    pub fn lesson(&self, slug: &str) -> Option<&Lesson> {
        self.lessons.iter().find(|l| l.slug.as_str() == slug)
    }

    /// The lessons' slugs in order, comma-separated, for an error that lists them.
    pub fn lesson_slugs(&self) -> String {
        let slugs: Vec<&str> = self.lessons.iter().map(|l| l.slug.as_str()).collect();
        slugs.join(", ")
    }
}

/// The folder of the grader root that holds `server-check`, the support crate of the hidden
/// tests of server exercises (so no exercise may be called this).
pub const SUPPORT_DIR: &str = "support";

/// Returns where hidden tests and solutions are read from: `options.grader_dir` made
/// absolute, else `grader` in the course.
fn grader_root(options: &LoadOptions) -> Result<PathBuf, CourseError> {
    match &options.grader_dir {
        Some(dir) => {
            if let Err(source) = std::fs::read_dir(dir) {
                return Err(CourseError::Unreadable {
                    path: dir.clone(),
                    source,
                });
            }
            Ok(std::path::absolute(dir).unwrap_or_else(|_| dir.clone()))
        }
        None => Ok(PathBuf::from("grader")),
    }
}

/// The entries of `root/dir` that `keep` accepts, relative to `root`, sorted by name. Side
/// files (dotfiles such as `exercises/.cargo/`, editor lock links and backups) are never
/// course content.
fn entries(root: &Path, dir: &str, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let Ok(read) = std::fs::read_dir(root.join(dir)) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = read
        .filter_map(Result::ok)
        .filter(|e| !side_files::is_side_file(&e.file_name()) && keep(&e.path()))
        .map(|e| Path::new(dir).join(e.file_name()))
        .collect();
    found.sort();
    found
}

fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension().is_some_and(|x| x == ext)
}
