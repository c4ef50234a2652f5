//! What can go wrong in a use case. The web app turns each variant into a status code
//! (`impl From<AppError> for WebError`); the CLI prints it.

use crate::course::CourseError;
use crate::grade::GradeError;
use crate::grade::pristine::PristineError;
use crate::grade::sandbox::SandboxError;
use crate::grade::scoring::SubmissionError;
use crate::io_error::IoError;
use crate::store::StoreError;

/// A use case that could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The course could not be found or loaded.
    #[error(transparent)]
    Course(#[from] CourseError),
    /// No exercise has this slug.
    #[error("no exercise `{slug}`; the exercises are: {known}")]
    UnknownExercise {
        /// The slug asked for.
        slug: String,
        /// The course's exercises, comma-separated.
        known: String,
    },
    /// No exercise was named and the current folder is not inside one.
    #[error("name an exercise (or run this inside its folder); the exercises are: {known}")]
    NotInAnExercise {
        /// The course's exercises, comma-separated.
        known: String,
    },
    /// No quiz has this slug.
    #[error("there is no quiz `{0}`")]
    UnknownQuiz(String),
    /// No lesson has this slug.
    #[error("there is no lesson `{slug}`; the lessons are: {known}")]
    UnknownLesson {
        /// The slug asked for.
        slug: String,
        /// The course's lessons, comma-separated.
        known: String,
    },
    /// The lesson has no example with this number.
    #[error(
        "lesson `{lesson}` has {count} runnable example(s), numbered from 1; there is no example {number}"
    )]
    UnknownExample {
        /// The lesson.
        lesson: String,
        /// The number asked for.
        number: usize,
        /// How many it has.
        count: usize,
    },
    /// An edited example is too long to keep or run.
    #[error("the example's code is {bytes} bytes long; at most {limit} are accepted")]
    ExampleTooLong {
        /// Its length.
        bytes: usize,
        /// The most accepted.
        limit: usize,
    },
    /// The folder to write an example project into already holds files.
    #[error("{} is not empty; name a new or empty folder", .0.display())]
    FolderNotEmpty(std::path::PathBuf),
    /// Running an example failed before its program could run or finish (cargo missing,
    /// cancelled, a bad `lessons/code.toml`).
    #[error("running the example failed: {0}")]
    Example(#[source] GradeError),
    /// A quiz submission does not fit the quiz (unknown question, wrong kind of answer).
    #[error(transparent)]
    Submission(#[from] SubmissionError),
    /// The grader could not grade (cargo missing, the workspace unwritable, cancelled).
    #[error("grading `{slug}` failed: {source}")]
    Grade {
        /// The exercise.
        slug: String,
        /// What the grader said.
        #[source]
        source: GradeError,
    },
    /// The learner's repository to grade is not a folder.
    #[error("the learner's repository {} is not a folder", .0.display())]
    NoLearnerRepository(std::path::PathBuf),
    /// Class grading needs a sandbox and none can be made here.
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    /// The pristine stubs could not be kept or restored.
    #[error(transparent)]
    Pristine(#[from] PristineError),
    /// The progress store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file could not be read or written.
    #[error(transparent)]
    Io(#[from] IoError),
}
