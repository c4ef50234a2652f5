//! Style notes after passing: what clippy says of the learner's crate, grouped and worded for
//! a learner (see [`crate::grade::style`]). Like the review beside the reference, they open
//! only once the exercise has passed: they are about polish, never part of the score.

use super::{AppError, ProgressStore};
use crate::course::{Course, Exercise};
use crate::grade::Cancel;
use crate::grade::style::{Style, style_notes};

/// What the style check of an exercise gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StyleCheck {
    /// The exercise has not passed yet: first make it work.
    NotPassedYet,
    /// Clippy ran (or could not): its notes.
    Checked(Style),
}

/// The style notes on the learner's crate of `exercise`, once it has passed.
pub fn style(
    course: &Course,
    exercise: &Exercise,
    store: &impl ProgressStore,
    cancel: &Cancel,
) -> Result<StyleCheck, AppError> {
    let history = store.read(|s| s.grade_history())?;
    let passed = history
        .get(exercise.slug.as_str())
        .is_some_and(|h| h.first_passed_at.is_some());
    if !passed {
        return Ok(StyleCheck::NotPassedYet);
    }
    let crate_dir = course.root.join(&exercise.stub_dir);
    let style = style_notes(course, &crate_dir, cancel).map_err(|source| AppError::Grade {
        slug: exercise.slug.to_string(),
        source,
    })?;
    Ok(StyleCheck::Checked(style))
}
