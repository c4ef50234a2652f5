//! Hints: revealing the next one, and how many the learner has seen.

use super::{AppError, ProgressStore};
use crate::course::Exercise;

/// What revealing a hint showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reveal<'e> {
    /// A hint not seen before, now recorded as revealed.
    Next {
        /// Its position, 1-based.
        number: usize,
        /// How many hints the exercise has.
        total: usize,
        /// The hint's Markdown.
        hint: &'e str,
    },
    /// Every hint had been revealed already (or the exercise has none).
    AllSeen {
        /// All the hints, in order.
        hints: &'e [String],
    },
}

/// Reveals the next hint of `exercise` and records it, in one store transaction.
pub fn reveal_next_hint<'e>(
    exercise: &'e Exercise,
    store: &impl ProgressStore,
) -> Result<Reveal<'e>, AppError> {
    let total = exercise.hints.len();
    let next = store.write(|s| s.reveal_next_hint(exercise.slug.as_str(), total))?;
    Ok(
        match next.and_then(|i| exercise.hints.get(i).map(|h| (i, h))) {
            Some((index, hint)) => Reveal::Next {
                number: index + 1,
                total,
                hint,
            },
            None => Reveal::AllSeen {
                hints: &exercise.hints,
            },
        },
    )
}

/// How many hints of `exercise` the learner has revealed.
pub fn revealed(exercise: &Exercise, store: &impl ProgressStore) -> Result<usize, AppError> {
    Ok(store.read(|s| s.revealed_hints(exercise.slug.as_str()))?)
}
