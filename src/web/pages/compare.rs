//! The review page of a passed exercise: the learner's code beside the reference solution,
//! each difference side by side with the function it is in, and clippy's style notes on the
//! learner's code when asked for (`POST /exercises/{slug}/style`, which runs clippy).

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::{Chrome, chrome, html, page_exercise, progress, render_error};
use crate::app::AppError;
use crate::app::compare::{FilePair, Review, Row, hunks, review, side_by_side};
use crate::app::style::{StyleCheck, style};
use crate::course::Exercise;
use crate::grade::Cancel;
use crate::grade::style::{Style, StyleNote, shown_places};
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
    style: StyleView,
}

/// The style notes section, matched exhaustively in the template.
enum StyleView {
    /// Not asked for yet: a button runs clippy.
    NotAsked,
    /// The exercise has not passed.
    NotPassedYet,
    /// `cargo clippy` is not installed.
    ClippyMissing,
    /// The crate does not compile now.
    DoesNotCompile,
    /// Clippy's notes (none when it has nothing to say).
    Notes(Vec<NoteView>),
}

struct NoteView {
    lint: String,
    advice: String,
    places: Vec<(String, String)>,
    more: usize,
    docs: Option<String>,
    read: Option<String>,
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
    let page = compare_page(&state, &site, exercise, StyleView::NotAsked).map_err(render_error)?;
    Ok(html(page.render().map_err(render_error)?.into()))
}

/// `POST /exercises/{slug}/style`: runs clippy on the learner's crate (it compiles their
/// code, so it takes the session and Origin checks of every POST) and answers the review
/// page with the notes. The page's script swaps in their section; without script the form
/// lands on this page. A request that goes away stops clippy.
pub async fn check_style(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let site = state.site();
    let exercise = page_exercise(&site, &slug, &headers)?;
    let cancel = state.stop_grading.child();
    let _stop_when_gone = CancelOnDrop(cancel.clone());
    let (job_state, job_site, job_slug) = (state.clone(), site.clone(), exercise.slug.clone());
    let checked = tokio::task::spawn_blocking(move || {
        let course = &job_site.loaded.course;
        let exercise = crate::app::find_exercise(course, job_slug.as_str())?;
        style(course, exercise, job_state.as_ref(), &cancel)
    })
    .await
    .map_err(|e| WebError::internal(e, false))??;
    let view = match checked {
        StyleCheck::NotPassedYet => StyleView::NotPassedYet,
        StyleCheck::Checked(Style::ClippyMissing) => StyleView::ClippyMissing,
        StyleCheck::Checked(Style::DoesNotCompile) => StyleView::DoesNotCompile,
        StyleCheck::Checked(Style::Notes(notes)) => {
            StyleView::Notes(notes.iter().map(note_view).collect())
        }
    };
    let page = compare_page(&state, &site, exercise, view).map_err(render_error)?;
    Ok(html(page.render().map_err(render_error)?.into()))
}

/// Cancels when dropped: when the request's future is dropped (the page went away) or ends.
struct CancelOnDrop(Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

fn note_view(note: &StyleNote) -> NoteView {
    let (places, more) = shown_places(note);
    NoteView {
        lint: note.lint.clone(),
        advice: note.advice.clone(),
        places: places.to_vec(),
        more,
        docs: note.docs.clone(),
        read: note.read.clone(),
    }
}

fn compare_page(
    state: &AppState,
    site: &Site,
    exercise: &Exercise,
    style: StyleView,
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
        style,
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
