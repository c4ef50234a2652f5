//! Resetting an exercise to its original stub, and the backups resets keep.

use std::path::PathBuf;

use super::AppError;
use crate::course::{Course, Exercise};
use crate::grade::pristine::{self, Backup};

/// Keeps a copy of every exercise's original stub (once; later calls change nothing), so a
/// reset can restore it even after the learner has edited the exercise. Called before a
/// learner can change anything: at the start of `serve`, and before every grade and reset.
pub fn keep_originals(course: &Course) -> Result<(), AppError> {
    Ok(pristine::ensure(course)?)
}

/// Restores `exercise` to its pristine stub; returns the folder where the learner's version
/// was backed up (under `.workbook/backups/`).
pub fn reset(course: &Course, exercise: &Exercise) -> Result<PathBuf, AppError> {
    keep_originals(course)?;
    Ok(pristine::reset(course, exercise)?)
}

/// The backups earlier resets of `exercise` kept, newest first.
pub fn backups(course: &Course, exercise: &Exercise) -> Result<Vec<Backup>, AppError> {
    Ok(pristine::backups(course, exercise)?)
}
