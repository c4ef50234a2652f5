//! The learner's progress at a glance: every latest grade, grade history, best quiz score and
//! hint count, read in one go (four batch queries, whatever the course's size), with the
//! rules that say what counts as done.

use std::collections::HashMap;

use super::{AppError, ProgressStore};
use crate::course::{Course, Exercise, Lesson};
use crate::store::{GradeHistory, GradeRecord, QuizBest};

/// Everything the progress views show, by exercise or quiz slug.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The latest grade of each exercise graded at least once.
    pub grades: HashMap<String, GradeRecord>,
    /// The best grade and first pass of each exercise graded at least once.
    pub history: HashMap<String, GradeHistory>,
    /// The best score of each quiz attempted at least once.
    pub quizzes: HashMap<String, QuizBest>,
    /// How many hints of each exercise were revealed (absent: none).
    pub hints: HashMap<String, usize>,
}

/// Reads the learner's progress.
pub fn snapshot(store: &impl ProgressStore) -> Result<Snapshot, AppError> {
    Ok(store.read(|s| {
        Ok(Snapshot {
            grades: s.latest_grades()?,
            history: s.grade_history()?,
            quizzes: s.best_quiz_scores()?,
            hints: s.hint_counts()?.into_iter().collect(),
        })
    })?)
}

impl Snapshot {
    /// The latest grade of `exercise`.
    pub fn grade(&self, exercise: &str) -> Option<&GradeRecord> {
        self.grades.get(exercise)
    }

    /// The best score of `quiz`.
    pub fn quiz(&self, quiz: &str) -> Option<&QuizBest> {
        self.quizzes.get(quiz)
    }

    /// How many hints of `exercise` were revealed.
    pub fn hints_revealed(&self, exercise: &str) -> usize {
        self.hints.get(exercise).copied().unwrap_or(0)
    }

    /// The latest grade of `exercise` passes.
    pub fn exercise_passed(&self, exercise: &str) -> bool {
        self.grade(exercise).is_some_and(|g| g.report.passed())
    }

    /// The lesson's quiz (if any) was passed and each of its exercises passes now.
    pub fn lesson_done(&self, lesson: &Lesson) -> bool {
        let quiz_done = lesson
            .quiz
            .as_ref()
            .is_none_or(|(q, _)| self.quiz(q.as_str()).is_some_and(|b| b.passed));
        quiz_done
            && lesson
                .exercises
                .iter()
                .all(|(e, _)| self.exercise_passed(e.as_str()))
    }

    /// The learner attempted the lesson's quiz or graded one of its exercises.
    pub fn lesson_started(&self, lesson: &Lesson) -> bool {
        lesson
            .quiz
            .as_ref()
            .is_some_and(|(q, _)| self.quiz(q.as_str()).is_some())
            || lesson
                .exercises
                .iter()
                .any(|(e, _)| self.grade(e.as_str()).is_some())
    }

    /// The lesson to continue with: the one of the learner's latest quiz attempt or grade,
    /// or the first unfinished lesson after it when that one is done. `None` before anything
    /// was done, or when everything is.
    pub fn resume<'c>(&self, course: &'c Course) -> Option<&'c Lesson> {
        let quiz_times = course.lessons.iter().filter_map(|l| {
            let (quiz, _) = l.quiz.as_ref()?;
            Some((self.quiz(quiz.as_str())?.last_attempt_at.as_str(), l))
        });
        let grade_times = course.lessons.iter().flat_map(|l| {
            l.exercises
                .iter()
                .filter_map(move |(e, _)| Some((self.grade(e.as_str())?.graded_at.as_str(), l)))
        });
        let (_, latest) = quiz_times
            .chain(grade_times)
            .max_by_key(|(at, l)| (*at, l.number))?;
        if !self.lesson_done(latest) {
            return Some(latest);
        }
        course
            .lessons
            .iter()
            .skip_while(|l| l.number <= latest.number)
            .chain(course.lessons.iter())
            .find(|l| !self.lesson_done(l))
    }

    /// The first exercise in course order (after `after`, wrapping round, if given) whose
    /// latest grade is not a pass.
    pub fn next_unfinished<'c>(
        &self,
        course: &'c Course,
        after: Option<&Exercise>,
    ) -> Option<&'c Exercise> {
        let all = course.exercises_in_order();
        let start = after
            .and_then(|a| all.iter().position(|e| e.slug == a.slug))
            .map_or(0, |i| i + 1);
        let rotated = all[start..].iter().chain(all[..start].iter());
        rotated.copied().find(|e| {
            after.is_none_or(|a| a.slug != e.slug) && !self.exercise_passed(e.slug.as_str())
        })
    }
}
