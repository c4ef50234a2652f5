//! Problems found in a course, each tied to a file and (where there is one) a line.

use std::fmt;
use std::path::Path;

use serde::Serialize;

/// How serious a problem is: errors make `workbook check` fail, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The course is wrong and learners would see something broken.
    Error,
    /// Probably a mistake, but the course still works.
    Warning,
}

/// A stable, machine-readable name for each kind of problem `workbook check` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// A file could not be read at all.
    Unreadable,
    /// A text file holds bytes that are not UTF-8.
    NotUtf8,
    /// A text file holds NUL bytes, so it is almost certainly binary.
    BinaryFile,
    /// A file that must have content is empty.
    EmptyFile,
    /// A lesson does not start with a `+++` front matter block.
    FrontMatterMissing,
    /// A lesson's front matter block is never closed.
    FrontMatterUnclosed,
    /// TOML (front matter, quiz, exercise.toml, Cargo.toml) failed to parse.
    TomlSyntax,
    /// A field holds a value the workbook cannot use.
    InvalidField,
    /// A lesson file name is not `NN-slug.md`.
    LessonFileName,
    /// Two lessons share a number.
    DuplicateLessonNumber,
    /// Two lessons share a slug.
    DuplicateLessonSlug,
    /// A lesson names a quiz that does not exist.
    UnknownQuiz,
    /// A lesson names an exercise that does not exist.
    UnknownExercise,
    /// An exercise names a lesson that does not exist.
    UnknownLesson,
    /// A lesson and an exercise disagree about which lesson teaches the exercise.
    ExerciseLessonMismatch,
    /// Two lessons use the same quiz.
    QuizReused,
    /// A quiz no lesson uses.
    OrphanQuiz,
    /// Most of a quiz's single-choice keys sit at the same option index in the file.
    KeysClustered,
    /// A quiz with no questions.
    QuizEmpty,
    /// A question without an answer key.
    AnswerMissing,
    /// An answer index that points past the options.
    AnswerOutOfRange,
    /// An answer of the wrong type for its question kind.
    AnswerType,
    /// A `single` question whose key holds more than one answer.
    SingleWithManyAnswers,
    /// Two questions of one quiz share an id.
    DuplicateQuestionId,
    /// A choice question with no options.
    OptionsEmpty,
    /// A question offers the same option twice.
    DuplicateOption,
    /// A question without an explanation.
    ExplanationMissing,
    /// A relative link or image in Markdown that points nowhere.
    BrokenLink,
    /// A lesson or exercise misses a file it needs.
    MissingFile,
    /// A solution crate whose package name differs from its stub's.
    SolutionCrateName,
    /// A solution crate whose dependencies differ from its stub's.
    SolutionDependencies,
    /// Two exercises declare the same dependency differently, so it would compile twice.
    DependencyMismatch,
    /// Hidden tests or a solution for an exercise that does not exist.
    OrphanGrader,
    /// A name (slug, question id) that is not kebab-case.
    NotKebabCase,
    /// The course has no lessons.
    NoLessons,
    /// A Rust block of a lesson does not compile.
    CodeDoesNotCompile,
    /// A Rust block of a lesson compiles, but its `main` or tests fail.
    CodeFails,
    /// A course file is a symbolic link to a file outside the course folder.
    LinkOutsideCourse,
    /// A graded rule of an exercise's rule map that no hidden test checks.
    UntestedRule,
    /// A hidden test that names no rule of the rule map.
    TestWithoutRule,
    /// A hidden test that names a rule the map does not grade (unknown, or accepted either way).
    UnknownRule,
}

impl Code {
    /// The kebab-case name shown in output, the same as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Unreadable => "unreadable",
            Code::NotUtf8 => "not-utf8",
            Code::BinaryFile => "binary-file",
            Code::EmptyFile => "empty-file",
            Code::FrontMatterMissing => "front-matter-missing",
            Code::FrontMatterUnclosed => "front-matter-unclosed",
            Code::TomlSyntax => "toml-syntax",
            Code::InvalidField => "invalid-field",
            Code::LessonFileName => "lesson-file-name",
            Code::DuplicateLessonNumber => "duplicate-lesson-number",
            Code::DuplicateLessonSlug => "duplicate-lesson-slug",
            Code::UnknownQuiz => "unknown-quiz",
            Code::UnknownExercise => "unknown-exercise",
            Code::UnknownLesson => "unknown-lesson",
            Code::ExerciseLessonMismatch => "exercise-lesson-mismatch",
            Code::QuizReused => "quiz-reused",
            Code::OrphanQuiz => "orphan-quiz",
            Code::KeysClustered => "keys-clustered",
            Code::QuizEmpty => "quiz-empty",
            Code::AnswerMissing => "answer-missing",
            Code::AnswerOutOfRange => "answer-out-of-range",
            Code::AnswerType => "answer-type",
            Code::SingleWithManyAnswers => "single-with-many-answers",
            Code::DuplicateQuestionId => "duplicate-question-id",
            Code::OptionsEmpty => "options-empty",
            Code::DuplicateOption => "duplicate-option",
            Code::ExplanationMissing => "explanation-missing",
            Code::BrokenLink => "broken-link",
            Code::MissingFile => "missing-file",
            Code::SolutionCrateName => "solution-crate-name",
            Code::SolutionDependencies => "solution-dependencies",
            Code::DependencyMismatch => "dependency-mismatch",
            Code::OrphanGrader => "orphan-grader",
            Code::NotKebabCase => "not-kebab-case",
            Code::NoLessons => "no-lessons",
            Code::CodeDoesNotCompile => "code-does-not-compile",
            Code::CodeFails => "code-fails",
            Code::LinkOutsideCourse => "link-outside-course",
            Code::UntestedRule => "untested-rule",
            Code::TestWithoutRule => "test-without-rule",
            Code::UnknownRule => "unknown-rule",
        }
    }

    /// Problems that leave the course usable are warnings; all others are errors.
    pub fn severity(self) -> Severity {
        match self {
            Code::OrphanQuiz | Code::KeysClustered => Severity::Warning,
            Code::Unreadable
            | Code::NotUtf8
            | Code::BinaryFile
            | Code::EmptyFile
            | Code::FrontMatterMissing
            | Code::FrontMatterUnclosed
            | Code::TomlSyntax
            | Code::InvalidField
            | Code::LessonFileName
            | Code::DuplicateLessonNumber
            | Code::DuplicateLessonSlug
            | Code::UnknownQuiz
            | Code::UnknownExercise
            | Code::UnknownLesson
            | Code::ExerciseLessonMismatch
            | Code::QuizReused
            | Code::QuizEmpty
            | Code::AnswerMissing
            | Code::AnswerOutOfRange
            | Code::AnswerType
            | Code::SingleWithManyAnswers
            | Code::DuplicateQuestionId
            | Code::OptionsEmpty
            | Code::DuplicateOption
            | Code::ExplanationMissing
            | Code::BrokenLink
            | Code::MissingFile
            | Code::SolutionCrateName
            | Code::SolutionDependencies
            | Code::DependencyMismatch
            | Code::OrphanGrader
            | Code::NotKebabCase
            | Code::NoLessons
            | Code::CodeDoesNotCompile
            | Code::CodeFails
            | Code::LinkOutsideCourse
            | Code::UntestedRule
            | Code::TestWithoutRule
            | Code::UnknownRule => Severity::Error,
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem: where it is, what kind it is, and a sentence a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The file, relative to the course root, with `/` separators.
    pub file: String,
    /// The 1-based line, when the problem sits on one.
    pub line: Option<u32>,
    /// Error or warning, derived from the code.
    pub severity: Severity,
    /// The kind of problem.
    pub code: Code,
    /// What is wrong, in a plain sentence.
    pub message: String,
}

impl Diagnostic {
    /// A problem on a line of a file.
    pub fn at(file: &Path, line: u32, code: Code, message: impl Into<String>) -> Self {
        Self::new(file, Some(line), code, message)
    }

    /// A problem with a file as a whole (it is missing, unreadable, ...).
    pub fn file(file: &Path, code: Code, message: impl Into<String>) -> Self {
        Self::new(file, None, code, message)
    }

    fn new(file: &Path, line: Option<u32>, code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            file: display_path(file),
            line,
            severity: code.severity(),
            code,
            message: message.into(),
        }
    }

    /// `path:line` (or just `path`), as editors and terminals link it.
    pub fn location(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{}", self.file, line),
            None => self.file.clone(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}: {}[{}]: {}",
            self.location(),
            severity,
            self.code,
            self.message
        )
    }
}

/// A relative path written with `/` on every platform, so output and snapshots agree.
pub fn display_path(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

/// Every problem found while loading a course, in a stable order.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    /// Records one problem.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    /// Sorts by file, then line, then code, so output does not depend on directory order.
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| {
            (&a.file, a.line, a.code, &a.message).cmp(&(&b.file, b.line, b.code, &b.message))
        });
        self.0.dedup();
    }

    /// All problems.
    pub fn as_slice(&self) -> &[Diagnostic] {
        &self.0
    }

    /// How many problems are errors.
    pub fn error_count(&self) -> usize {
        self.0
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    /// How many problems are warnings.
    pub fn warning_count(&self) -> usize {
        self.0.len() - self.error_count()
    }

    /// True when nothing at all was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}
