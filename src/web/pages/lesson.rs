//! The lesson page: the lesson, its exercises, and its quiz at the end.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

use super::quiz::{QuizShown, QuizView, quiz_view};
use super::{Chrome, chrome, exercise_pill, html, progress, render_error};
use crate::app::progress::Snapshot;
use crate::course::{Course, Lesson, QuestionKind};
use crate::render::TocEntry;
use crate::web::error::WebError;
use crate::web::security::wants_json;
use crate::web::site::Site;
use crate::web::state::AppState;

#[derive(Template)]
#[template(path = "lesson.html")]
struct LessonPage {
    chrome: Chrome,
    number: u32,
    title: String,
    minutes: u32,
    objectives: Vec<String>,
    toc: Vec<TocEntry>,
    body: String,
    exercises: Vec<ExerciseCard>,
    quiz: Option<QuizView>,
    prev: Option<(String, String)>,
    next: Option<(String, String)>,
}

struct ExerciseCard {
    slug: String,
    title: String,
    difficulty: &'static str,
    text: String,
    class: &'static str,
}

/// Query parameters of a lesson page.
#[derive(Deserialize, Default)]
pub struct LessonQuery {
    /// Show the results of this attempt (the form post without JavaScript lands here).
    attempt: Option<i64>,
    /// `missed`: show only the questions not yet answered right.
    retry: Option<String>,
}

/// `GET /lessons/{slug}`: a lesson with its quiz at the end.
pub async fn lesson(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Query(query): Query<LessonQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let site = state.site();
    let Some(lesson) = site.loaded.course.lesson(&slug) else {
        return Err(WebError::not_found(
            format!("there is no lesson `{slug}`"),
            wants_json(&headers),
        ));
    };
    let render = || -> Result<String, askama::Error> {
        lesson_page(&state, &site, lesson, &query)?.render()
    };
    // Only the plain page is cached; attempts and retries are per visit.
    let body = if query.attempt.is_none() && query.retry.is_none() {
        state
            .page(&format!("/lessons/{slug}"), render)
            .map_err(render_error)?
    } else {
        render().map_err(render_error)?.into()
    };
    Ok(html(body))
}

fn lesson_page(
    state: &AppState,
    site: &Site,
    lesson: &Lesson,
    query: &LessonQuery,
) -> Result<LessonPage, askama::Error> {
    let course = &site.loaded.course;
    let progress = &progress(state)?;
    let rendered = site.lessons.get(lesson.slug.as_str());
    let position = course
        .lessons
        .iter()
        .position(|l| l.slug == lesson.slug)
        .unwrap_or(0);
    let neighbour = |i: Option<usize>| {
        i.and_then(|i| course.lessons.get(i))
            .map(|l| (l.slug.to_string(), l.title.clone()))
    };
    let exercises = exercise_cards(course, lesson, progress);
    let quiz = match &lesson.quiz {
        Some((slug, _)) => {
            let shown = QuizShown {
                attempt: query.attempt,
                retrying: query.retry.as_deref() == Some("missed"),
                only: None,
            };
            quiz_view(state, site, slug.as_str(), Some(lesson), progress, shown)
                .map_err(|e| askama::Error::Custom(Box::new(e)))?
        }
        None => None,
    };
    Ok(LessonPage {
        chrome: chrome(
            site,
            progress,
            &lesson.title,
            Some(lesson.slug.as_str()),
            "",
        ),
        number: lesson.number,
        title: lesson.title.clone(),
        minutes: lesson.minutes,
        objectives: lesson.objectives.clone(),
        toc: rendered.map(|r| r.toc.clone()).unwrap_or_default(),
        body: rendered.map(|r| r.html.clone()).unwrap_or_default(),
        exercises,
        quiz,
        prev: neighbour(position.checked_sub(1)),
        next: neighbour(Some(position + 1)),
    })
}

/// The lesson's exercises, each with its latest grade as a pill.
fn exercise_cards(course: &Course, lesson: &Lesson, progress: &Snapshot) -> Vec<ExerciseCard> {
    lesson
        .exercises
        .iter()
        .filter_map(|(slug, _)| course.exercises.get(slug))
        .map(|e| {
            let pill = exercise_pill(progress, e.slug.as_str());
            ExerciseCard {
                slug: e.slug.to_string(),
                title: e.title.clone(),
                difficulty: e.difficulty.as_str(),
                text: pill.text,
                class: pill.class,
            }
        })
        .collect()
}
