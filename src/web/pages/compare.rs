//! The review page of a passed exercise: the learner's code beside the reference solution,
//! each difference side by side with the function it is in.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::{Chrome, chrome, html, page_exercise, progress, render_error};
use crate::app::AppError;
use crate::app::compare::{FilePair, Review, Row, hunks, review, side_by_side};
use crate::course::Exercise;
use crate::web::error::WebError;
use crate::web::site::Site;
use crate::web::state::AppState;

#[derive(Template)]
#[template(path = "compare.html")]
struct ComparePage {
    chrome: Chrome,
    slug: String,
    title: String,
    state: CompareState,
}

/// What the page can show, matched exhaustively in the template.
enum CompareState {
    /// Not passed yet: the reference stays hidden.
    NotPassedYet,
    /// Passed, but a learner edition has no reference.
    NoSolution { first_passed_at: String },
    /// Passed: the files side by side.
    Ready {
        first_passed_at: String,
        files: Vec<FileView>,
    },
}

struct FileView {
    path: String,
    note: &'static str,
    hunks: Vec<HunkView>,
}

struct HunkView {
    item: Option<String>,
    rows: Vec<Row>,
}

/// `GET /exercises/{slug}/review`: your code beside the reference, once the exercise passed.
pub async fn compare(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let site = state.site();
    let exercise = page_exercise(&site, &slug, &headers)?;
    // Never cached: it reads the learner's files, which change without the store knowing.
    let page = compare_page(&state, &site, exercise).map_err(render_error)?;
    Ok(html(page.render().map_err(render_error)?.into()))
}

fn compare_page(
    state: &AppState,
    site: &Site,
    exercise: &Exercise,
) -> Result<ComparePage, askama::Error> {
    let progress = progress(state)?;
    let review = review(&site.loaded.course, exercise, state)
        .map_err(|e: AppError| askama::Error::Custom(Box::new(e)))?;
    let title = format!("Review: {}", exercise.title);
    Ok(ComparePage {
        chrome: chrome(
            site,
            &progress,
            &title,
            Some(exercise.lesson.0.as_str()),
            "",
        ),
        slug: exercise.slug.to_string(),
        title,
        state: match review {
            Review::NotPassedYet => CompareState::NotPassedYet,
            Review::NoSolution { first_passed_at } => CompareState::NoSolution { first_passed_at },
            Review::Ready {
                first_passed_at,
                files,
            } => CompareState::Ready {
                first_passed_at,
                files: files.iter().map(file_view).collect(),
            },
        },
    })
}

fn file_view(pair: &FilePair) -> FileView {
    FileView {
        path: pair.path.display().to_string(),
        note: match (&pair.yours, &pair.reference) {
            (None, _) => "only the reference has this file",
            (_, None) => "only you have this file",
            (Some(_), Some(_)) => "",
        },
        hunks: hunks(pair)
            .iter()
            .map(|hunk| HunkView {
                item: hunk.item.clone(),
                rows: side_by_side(hunk),
            })
            .collect(),
    }
}
