//! The home page: the course overview, and where to pick up.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::{Chrome, Pill, chrome, exercise_pill, html, progress, quiz_pill, render_error};
use crate::web::error::WebError;
use crate::web::state::AppState;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    /// Where the learner left off: (lesson slug, "N. Title"), once they have started.
    resume: Option<(String, String)>,
    lessons: Vec<HomeLesson>,
    total_minutes: u32,
    exercise_count: usize,
    /// Questions due for review now.
    reviews: usize,
}

struct HomeLesson {
    number: u32,
    slug: String,
    title: String,
    summary: String,
    minutes: u32,
    quiz: Option<Pill>,
    exercises: Vec<Pill>,
}

/// `GET /`: the course overview.
pub async fn home(State(state): State<Arc<AppState>>) -> Result<Response, WebError> {
    let site = state.site();
    // Questions fall due as time passes, with no change to the store: the count is part of
    // the cache key, so the cached page is used only while it shows the right count.
    let reviews = super::review::due_count(&state, &site)?;
    let body = state
        .page(&format!("/?reviews={reviews}"), || {
            let progress = progress(&state)?;
            let course = &site.loaded.course;
            HomePage {
                chrome: chrome(&site, &progress, "Course", None, ""),
                resume: progress
                    .resume(course)
                    .map(|l| (l.slug.to_string(), format!("{}. {}", l.number, l.title))),
                lessons: course
                    .lessons
                    .iter()
                    .map(|l| HomeLesson {
                        number: l.number,
                        slug: l.slug.to_string(),
                        title: l.title.clone(),
                        summary: l.summary.clone(),
                        minutes: l.minutes,
                        quiz: l
                            .quiz
                            .as_ref()
                            .map(|(q, _)| quiz_pill(&progress, q.as_str())),
                        exercises: l
                            .exercises
                            .iter()
                            .map(|(e, _)| exercise_pill(&progress, e.as_str()))
                            .collect(),
                    })
                    .collect(),
                total_minutes: course.lessons.iter().map(|l| l.minutes).sum(),
                exercise_count: course.exercises.len(),
                reviews,
            }
            .render()
        })
        .map_err(render_error)?;
    Ok(html(body))
}
