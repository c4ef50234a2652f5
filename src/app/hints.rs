//! Hints: revealing the next one (the most helpful for what the latest grade fails), and
//! which ones the learner has seen.

use std::collections::BTreeSet;

use super::{AppError, ProgressStore};
use crate::course::{Exercise, hint_order};
use crate::grade::Report;

/// What revealing a hint showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reveal<'e> {
    /// A hint not seen before, now recorded as revealed.
    Next {
        /// Its position in the exercise's list, 1-based.
        number: usize,
        /// How many hints the exercise has.
        total: usize,
        /// The hint's Markdown.
        hint: &'e str,
        /// The number (1-based) of the hint a further reveal would show; `None` when this
        /// was the last unseen one.
        next: Option<usize>,
    },
    /// Every hint had been revealed already (or the exercise has none).
    AllSeen {
        /// All the hints' Markdown, in order.
        hints: Vec<&'e str>,
    },
}

/// Reveals the next hint of `exercise` and records it, in one store transaction: the first
/// unseen hint that helps with a rule the latest grade fails, else the first unseen one.
pub fn reveal_next_hint<'e>(
    exercise: &'e Exercise,
    store: &impl ProgressStore,
) -> Result<Reveal<'e>, AppError> {
    let slug = exercise.slug.as_str();
    let order = offer_order(exercise, store)?;
    let next = store.write(|s| s.reveal_first_of(slug, &order))?;
    let Some((index, hint)) = next.and_then(|i| exercise.hints.get(i).map(|h| (i, h))) else {
        return Ok(Reveal::AllSeen {
            hints: exercise.hints.iter().map(|h| h.text.as_str()).collect(),
        });
    };
    let seen = revealed(exercise, store)?;
    Ok(Reveal::Next {
        number: index + 1,
        total: exercise.hints.len(),
        hint: &hint.text,
        next: first_unseen(&order, &seen).map(|i| i + 1),
    })
}

/// The number (1-based) of the hint the next reveal would show, given the latest grade's
/// report and the hints `seen`; `None` when all are seen.
pub fn next_hint(
    exercise: &Exercise,
    latest: Option<&Report>,
    seen: &BTreeSet<usize>,
) -> Option<usize> {
    first_unseen(&order_for(exercise, latest), seen).map(|i| i + 1)
}

/// The order to offer hints in, given what the latest grade fails.
fn offer_order(exercise: &Exercise, store: &impl ProgressStore) -> Result<Vec<usize>, AppError> {
    let latest = store.read(|s| s.latest_grade(exercise.slug.as_str()))?;
    Ok(order_for(exercise, latest.as_ref().map(|g| &g.report)))
}

fn order_for(exercise: &Exercise, latest: Option<&Report>) -> Vec<usize> {
    let (first, failing) = latest.map(Report::failures_for_hints).unwrap_or_default();
    hint_order(&exercise.hints, (&first, &failing))
}

fn first_unseen(order: &[usize], seen: &BTreeSet<usize>) -> Option<usize> {
    order.iter().copied().find(|i| !seen.contains(i))
}

/// Which hints of `exercise` the learner has revealed, by 0-based index.
pub fn revealed(
    exercise: &Exercise,
    store: &impl ProgressStore,
) -> Result<BTreeSet<usize>, AppError> {
    Ok(store.read(|s| s.revealed_hint_indices(exercise.slug.as_str()))?)
}
