//! The HTML pages, one module each: home, lesson (with its quiz), exercise, progress,
//! review and search. Each handler gathers what its page shows into a view struct and renders an
//! askama template; this module holds what every page shares (the frame, status pills).

mod asset;
mod compare;
mod example;
mod exercise;
mod home;
mod lesson;
mod progress;
mod quiz;
mod review;
mod search;
mod stages;

pub use asset::asset;
pub use compare::{check_style, compare};
pub use example::example_page;
pub use exercise::exercise;
pub(crate) use exercise::{RuleView, rule_views};
pub use home::home;
pub use lesson::lesson;
pub use progress::progress_page;
pub use review::review;
pub use search::search;

use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::error::WebError;
use super::site::Site;
use super::state::AppState;
use crate::app::progress::{Snapshot, snapshot};
use crate::grade::GradeStatus;

/// Bumped with the stylesheet and script, so browsers fetch new copies.
const ASSET_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The learner's progress, read once per page (a page renders inside the page cache's
/// closure, whose error type is askama's).
pub(super) fn progress(state: &AppState) -> Result<Snapshot, askama::Error> {
    snapshot(state).map_err(|e| askama::Error::Custom(Box::new(e)))
}

/// The frame around every page.
pub struct Chrome {
    title: String,
    asset_version: &'static str,
    query: String,
    banner: Vec<String>,
    sidebar: Vec<SidebarItem>,
}

struct SidebarItem {
    number: u32,
    slug: String,
    title: String,
    current: bool,
    done: bool,
    started: bool,
}

pub(super) fn chrome(
    site: &Site,
    progress: &Snapshot,
    title: &str,
    current: Option<&str>,
    query: &str,
) -> Chrome {
    let course = &site.loaded.course;
    let sidebar = course
        .lessons
        .iter()
        .map(|lesson| SidebarItem {
            number: lesson.number,
            slug: lesson.slug.to_string(),
            title: lesson.title.clone(),
            current: current == Some(lesson.slug.as_str()),
            // A lesson with nothing to do is never marked done.
            done: progress.lesson_done(lesson)
                && (lesson.quiz.is_some() || !lesson.exercises.is_empty()),
            started: progress.lesson_started(lesson),
        })
        .collect();
    Chrome {
        title: title.to_string(),
        asset_version: ASSET_VERSION,
        query: query.to_string(),
        banner: site
            .errors()
            .iter()
            .take(20)
            .map(|d| d.to_string())
            .collect(),
        sidebar,
    }
}

/// A status pill: its text and CSS class.
struct Pill {
    slug: String,
    text: String,
    class: &'static str,
}

fn quiz_pill(progress: &Snapshot, quiz: &str) -> Pill {
    match progress.quiz(quiz) {
        Some(best) => Pill {
            slug: quiz.to_string(),
            text: format!("best {:.0}%", best.score * 100.0),
            class: if best.passed { "pass" } else { "fail" },
        },
        None => Pill {
            slug: quiz.to_string(),
            text: "not taken".into(),
            class: "",
        },
    }
}

fn exercise_pill(progress: &Snapshot, slug: &str) -> Pill {
    match progress.grade(slug) {
        Some(g) => Pill {
            slug: slug.to_string(),
            text: match g.status {
                GradeStatus::Error => "does not compile".to_string(),
                GradeStatus::Pass | GradeStatus::Fail => {
                    format!("{} {}/{}", g.status.as_str(), g.passed, g.total)
                }
            },
            class: g.status.as_str(),
        },
        None => Pill {
            slug: slug.to_string(),
            text: "not graded".into(),
            class: "",
        },
    }
}

/// The exercise `slug` of `site` for a page: a 404 answered as HTML, or as JSON when the
/// client asked for it.
fn page_exercise<'s>(
    site: &'s Site,
    slug: &str,
    headers: &axum::http::HeaderMap,
) -> Result<&'s crate::course::Exercise, WebError> {
    crate::app::find_exercise(&site.loaded.course, slug)
        .map_err(|e| WebError::from(e).for_page(super::security::wants_json(headers)))
}

pub(super) fn html(body: axum::body::Bytes) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

pub(super) fn render_error(e: impl std::fmt::Display) -> WebError {
    WebError::internal(e, false)
}
