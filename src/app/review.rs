//! The review queue: questions answered wrong come back after 1 day, then 3, then 7
//! (a simple spaced-repetition schedule). A due question answered right moves to the next
//! interval and leaves the queue after the 7-day review; a wrong answer, at any time, puts it
//! back to 1 day. An edited question (its hash changed) leaves the queue.
//!
//! Time is always a parameter, `now`, in unix seconds (UTC), so the schedule is a pure
//! function and tests pass any time; the front ends pass [`system_now`] (the web app lets
//! tests set it, see `web::clock`).

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use super::{AppError, ProgressStore};
use crate::course::{Course, Quiz};
use crate::grade::scoring::{Scored, question_hash};
use crate::store::{ReviewChange, ReviewEntry};

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// The waits of the schedule, in days: step `i` is due `INTERVAL_DAYS[i]` days after the
/// answer that put it there.
pub const INTERVAL_DAYS: [i64; 3] = [1, 3, 7];

/// A question's place in the queue: its step (an index of [`INTERVAL_DAYS`]) and when it is
/// due (unix seconds, UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// 0, 1 or 2: waiting for the 1, 3 or 7-day review.
    pub step: u8,
    /// When it is due, unix seconds (UTC).
    pub due_at: i64,
}

/// The question's place after an answer at `now` (unix seconds): `current` is its place
/// before (`None`: not in the queue), `correct` whether the answer was fully right; `None`
/// means not in the queue.
///
/// A wrong answer always goes (back) to step 0, due in a day. A right answer moves a due
/// question to the next step, out of the queue after the last; a right answer before the
/// question is due is not a review and changes nothing.
pub fn next_step(current: Option<Slot>, correct: bool, now: i64) -> Option<Slot> {
    let at = |step: u8| Slot {
        step,
        due_at: now + INTERVAL_DAYS[usize::from(step)] * DAY,
    };
    match current {
        _ if !correct => Some(at(0)),
        None => None,
        Some(slot) if !is_due(slot, now) => Some(slot),
        Some(slot) => {
            let next = slot.step.saturating_add(1);
            (usize::from(next) < INTERVAL_DAYS.len()).then(|| at(next))
        }
    }
}

/// Whether `slot` is due at `now` (unix seconds).
pub fn is_due(slot: Slot, now: i64) -> bool {
    slot.due_at <= now
}

/// The real time now, in unix seconds (UTC), for front ends to pass as `now`.
pub fn system_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// One quiz's questions due for review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueQuiz {
    /// The quiz's slug.
    pub quiz: String,
    /// The ids of its due questions, in quiz order.
    pub questions: Vec<String>,
}

impl DueQuiz {
    /// How many questions are due in all of `due`.
    pub fn count(due: &[DueQuiz]) -> usize {
        due.iter().map(|d| d.questions.len()).sum()
    }
}

/// The questions due for review at `now` (unix seconds), by quiz in lesson order. Entries for
/// a question edited since it entered the queue are dropped from the store; entries whose
/// quiz or question is not in the course (a file mid-edit) are skipped but kept.
pub fn due(
    course: &Course,
    store: &impl ProgressStore,
    now: i64,
) -> Result<Vec<DueQuiz>, AppError> {
    let entries = store.read(|s| s.due_reviews(now))?;
    let mut stale = Vec::new();
    let mut due: Vec<DueQuiz> = Vec::new();
    for quiz in quizzes_in_lesson_order(course) {
        let questions: Vec<String> = quiz
            .questions
            .iter()
            .filter(|q| {
                let Some(e) = entries
                    .iter()
                    .find(|e| e.quiz == quiz.slug.as_str() && e.question == q.id.as_str())
                else {
                    return false;
                };
                let current = e.question_hash == question_hash(q);
                if !current {
                    stale.push((e.quiz.clone(), e.question.clone()));
                }
                current
            })
            .map(|q| q.id.to_string())
            .collect();
        if !questions.is_empty() {
            due.push(DueQuiz {
                quiz: quiz.slug.to_string(),
                questions,
            });
        }
    }
    if !stale.is_empty() {
        store.write(|s| s.drop_reviews(&stale))?;
    }
    Ok(due)
}

/// The course's quizzes, those of lessons first in lesson order, then any other.
fn quizzes_in_lesson_order(course: &Course) -> Vec<&Quiz> {
    let mut quizzes: Vec<&Quiz> = course
        .lessons
        .iter()
        .filter_map(|l| l.quiz.as_ref())
        .filter_map(|(slug, _)| course.quizzes.get(slug))
        .collect();
    for quiz in course.quizzes.values() {
        if !quizzes.iter().any(|q| q.slug == quiz.slug) {
            quizzes.push(quiz);
        }
    }
    quizzes
}

/// What the scored attempt `scored` of `quiz` at `now` (unix seconds) does to the queue,
/// given the quiz's entries before it (`current`, by question id). An entry for an earlier
/// version of an edited question counts as no entry.
pub fn changes(
    quiz: &Quiz,
    scored: &Scored,
    current: &HashMap<String, ReviewEntry>,
    now: i64,
) -> Vec<ReviewChange> {
    let mut changes = Vec::new();
    for result in &scored.results {
        let Some(question) = quiz.questions.iter().find(|q| q.id.as_str() == result.id) else {
            continue;
        };
        let hash = question_hash(question);
        let entry = current.get(&result.id);
        let before = entry.filter(|e| e.question_hash == hash).map(|e| Slot {
            step: e.step,
            due_at: e.due_at,
        });
        match next_step(before, result.correct, now) {
            Some(slot) if Some(slot) == before => {}
            Some(slot) => changes.push(ReviewChange::Schedule(ReviewEntry {
                quiz: quiz.slug.to_string(),
                question: result.id.clone(),
                question_hash: hash,
                step: slot.step,
                due_at: slot.due_at,
            })),
            None if entry.is_some() => changes.push(ReviewChange::Remove(result.id.clone())),
            None => {}
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2025-01-01 00:00:00 UTC: any fixed time does.
    const T0: i64 = 1_735_689_600;

    fn slot(step: u8, due_at: i64) -> Option<Slot> {
        Some(Slot { step, due_at })
    }

    #[test]
    fn the_schedule_goes_1_3_7_days_then_out_and_back_to_1_on_a_wrong_answer() {
        // Wrong at first: due in a day.
        let first = next_step(None, false, T0);
        assert_eq!(first, slot(0, T0 + DAY));
        // Right at the 1-day review: 3 days; at the 3-day review: 7 days; then out.
        let t1 = T0 + DAY;
        let second = next_step(first, true, t1);
        assert_eq!(second, slot(1, t1 + 3 * DAY));
        let t2 = t1 + 3 * DAY;
        let third = next_step(second, true, t2);
        assert_eq!(third, slot(2, t2 + 7 * DAY));
        assert_eq!(next_step(third, true, t2 + 7 * DAY), None);
        // Wrong at any step: back to 1 day.
        for current in [first, second, third] {
            let later = current.unwrap().due_at + 5;
            assert_eq!(next_step(current, false, later), slot(0, later + DAY));
        }
        // Right at first: never enters.
        assert_eq!(next_step(None, true, T0), None);
    }

    #[test]
    fn a_question_is_not_due_before_its_time_and_an_early_right_answer_changes_nothing() {
        let first = next_step(None, false, T0).unwrap();
        assert!(!is_due(first, T0));
        assert!(!is_due(first, T0 + DAY - 1));
        assert!(is_due(first, T0 + DAY));
        assert_eq!(next_step(Some(first), true, T0 + 60), Some(first));
        // A wrong answer before its time still starts it over from now.
        assert_eq!(
            next_step(Some(first), false, T0 + 60),
            slot(0, T0 + 60 + DAY)
        );
    }
}
