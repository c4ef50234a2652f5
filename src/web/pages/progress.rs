//! The progress page: every quiz's best score and every exercise's status, with times.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::{Chrome, chrome, html, progress, render_error};
use crate::app::progress::Snapshot;
use crate::course::{Course, Exercise, Lesson, Quiz};
use crate::web::error::WebError;
use crate::web::state::AppState;

#[derive(Template)]
#[template(path = "progress.html")]
struct ProgressPage {
    chrome: Chrome,
    quizzes: Vec<QuizRow>,
    exercises: Vec<ExerciseRow>,
}

struct QuizRow {
    lesson_slug: String,
    lesson_title: String,
    best: String,
    pass_mark: String,
    attempts: usize,
    when: String,
    class: &'static str,
}

struct ExerciseRow {
    slug: String,
    title: String,
    status: String,
    score: String,
    best: String,
    first_passed: String,
    hints: String,
    when: String,
    class: &'static str,
}

/// `GET /progress`: every quiz's best score and every exercise's status, with times.
pub async fn progress_page(State(state): State<Arc<AppState>>) -> Result<Response, WebError> {
    let body = state
        .page("/progress", || {
            let site = state.site();
            let course = &site.loaded.course;
            let progress = progress(&state)?;
            let quizzes = course
                .lessons
                .iter()
                .filter_map(|l| l.quiz.as_ref().map(|(q, _)| (l, q)))
                .filter_map(|(l, q)| course.quizzes.get(q).map(|quiz| (l, quiz)))
                .map(|(lesson, quiz)| quiz_row(&progress, lesson, quiz))
                .collect();
            ProgressPage {
                chrome: chrome(&site, &progress, "Progress", None, ""),
                quizzes,
                exercises: exercise_rows(course, &progress),
            }
            .render()
        })
        .map_err(render_error)?;
    Ok(html(body))
}

fn quiz_row(progress: &Snapshot, lesson: &Lesson, quiz: &Quiz) -> QuizRow {
    let best = progress.quiz(quiz.slug.as_str());
    QuizRow {
        lesson_slug: lesson.slug.to_string(),
        lesson_title: format!("{}. {}", lesson.number, lesson.title),
        best: best.map_or("not taken".into(), |b| format!("{:.0}%", b.score * 100.0)),
        pass_mark: format!("{:.0}%", quiz.pass_mark * 100.0),
        attempts: best.map_or(0, |b| b.attempts),
        when: best.map_or(String::new(), |b| b.last_attempt_at.clone()),
        class: match best {
            Some(b) if b.passed => "pass",
            Some(_) => "fail",
            None => "",
        },
    }
}

fn exercise_rows(course: &Course, progress: &Snapshot) -> Vec<ExerciseRow> {
    course
        .exercises
        .values()
        .map(|exercise| exercise_row(progress, exercise))
        .collect()
}

fn exercise_row(progress: &Snapshot, exercise: &Exercise) -> ExerciseRow {
    let slug = exercise.slug.as_str();
    let grade = progress.grade(slug);
    let history = progress.history.get(slug);
    ExerciseRow {
        slug: slug.to_string(),
        title: exercise.title.clone(),
        status: grade.map_or("not graded".into(), |g| g.status.as_str().to_string()),
        score: grade.map_or(String::new(), |g| format!("{}/{}", g.passed, g.total)),
        best: history.map_or(String::new(), |h| {
            format!("{}/{}", h.best_passed, h.best_total)
        }),
        first_passed: history
            .and_then(|h| h.first_passed_at.clone())
            .unwrap_or_default(),
        hints: format!("{}/{}", progress.hints_revealed(slug), exercise.hints.len()),
        when: grade.map_or(String::new(), |g| g.graded_at.clone()),
        class: grade.map_or("", |g| g.status.as_str()),
    }
}
