//! Resetting an exercise to its original stub, and the backups resets keep.

use std::path::PathBuf;

use super::AppError;
use crate::course::{Course, Exercise};
use crate::grade::pristine::{self, Backup};

/// Restores `exercise` to its pristine stub; returns the folder where the learner's version
/// was backed up (under `.workbook/backups/`).
pub fn reset(course: &Course, exercise: &Exercise) -> Result<PathBuf, AppError> {
    pristine::ensure(course)?;
    Ok(pristine::reset(course, exercise)?)
}

/// The backups earlier resets of `exercise` kept, newest first.
pub fn backups(course: &Course, exercise: &Exercise) -> Result<Vec<Backup>, AppError> {
    Ok(pristine::backups(course, exercise)?)
}
