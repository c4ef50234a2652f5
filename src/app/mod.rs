//! The use cases: one function for each thing a learner does, called by both front ends.
//! The CLI and the web app find the course and the store, call one of these, and only
//! format the result; neither calls `store` or `grade` itself for these actions.
//!
//! | a learner...                    | function                              |
//! |---------------------------------|---------------------------------------|
//! | grades an exercise              | [`grading::grade_and_record`]         |
//! | reveals the next hint           | [`hints::reveal_next_hint`]           |
//! | submits a quiz attempt          | [`quizzes::submit_attempt`]           |
//! | looks at their progress         | [`progress::snapshot`]                |
//! | resets an exercise to its stub  | [`reset::reset`]                      |
//! | exports their progress          | [`export::export`]                    |
//! | compares with the reference     | [`compare::review`]                   |
//! | looks at the questions to review | [`review::due`]                      |
//! | runs (or edits) a lesson example | [`examples::run`], [`examples::save_edit`] |
//!
//! Where progress is kept is a [`ProgressStore`]: the web app's shared store (with its page
//! cache), or the CLI's [`Workbook`], which opens the database on first use.

pub mod compare;
mod error;
pub mod examples;
pub mod export;
pub mod grading;
pub mod hints;
pub mod progress;
pub mod quizzes;
pub mod reset;
pub mod review;
pub mod style;
pub mod verify;
mod workbook;

use std::path::Path;
use std::sync::Mutex;

pub use error::AppError;
pub use workbook::Workbook;

use crate::course::{Course, Exercise};
use crate::store::{Store, StoreError};

/// Somewhere progress is read and written. Reads and writes are closures so that the
/// implementer decides how the store is shared (a mutex in the web app) and what a write
/// means beyond the database (the web app marks cached pages stale).
pub trait ProgressStore {
    /// Runs `f` with the store, for reading.
    fn read<T>(&self, f: impl FnOnce(&Store) -> Result<T, StoreError>) -> Result<T, StoreError>;
    /// Runs `f` with the store, for writing.
    fn write<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError>;
}

impl ProgressStore for Mutex<Store> {
    fn read<T>(&self, f: impl FnOnce(&Store) -> Result<T, StoreError>) -> Result<T, StoreError> {
        f(&self.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn write<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        f(&mut self.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// The exercise named `slug`; the error lists the exercises there are.
pub fn find_exercise<'c>(course: &'c Course, slug: &str) -> Result<&'c Exercise, AppError> {
    course
        .exercises
        .get(slug)
        .ok_or_else(|| AppError::UnknownExercise {
            slug: slug.to_string(),
            known: known_exercises(course),
        })
}

/// The exercise whose folder holds `dir` (a learner running `workbook grade` inside it).
pub fn exercise_at<'c>(course: &'c Course, dir: &Path) -> Result<&'c Exercise, AppError> {
    course
        .exercises
        .values()
        .find(|e| dir.starts_with(crate::grade::absolute(&course.root.join(&e.stub_dir))))
        .ok_or_else(|| AppError::NotInAnExercise {
            known: known_exercises(course),
        })
}

fn known_exercises(course: &Course) -> String {
    let slugs: Vec<&str> = course.exercises.keys().map(|s| s.as_str()).collect();
    slugs.join(", ")
}
