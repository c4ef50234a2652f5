//! The review page: the questions due for review (`app::review`), each quiz's in the same
//! markup as on its lesson, each quiz's form sending its answers to that quiz's attempts, as
//! a retry of some of its questions does. No keys: nothing on it has been answered yet.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::quiz::{QuizShown, QuizView, quiz_view};
use super::{Chrome, chrome, html, progress, render_error};
use crate::app::review::{self, DueQuiz};
use crate::course::QuestionKind;
use crate::web::clock;
use crate::web::error::WebError;
use crate::web::site::Site;
use crate::web::state::AppState;

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    chrome: Chrome,
    /// How many questions are due, over all quizzes.
    count: usize,
    quizzes: Vec<QuizView>,
}

/// `GET /review`: the questions due now. Never cached: questions fall due as time passes,
/// with no change to the store.
pub async fn review(State(state): State<Arc<AppState>>) -> Result<Response, WebError> {
    let site = state.site();
    let due = review::due(&site.loaded.course, state.as_ref(), clock::now())?;
    let body = review_page(&state, &site, &due)
        .and_then(|page| page.render())
        .map_err(render_error)?;
    Ok(html(body.into()))
}

fn review_page(
    state: &AppState,
    site: &Site,
    due: &[DueQuiz],
) -> Result<ReviewPage, askama::Error> {
    let progress = progress(state)?;
    let mut quizzes = Vec::new();
    for d in due {
        let shown = QuizShown {
            attempt: None,
            retrying: false,
            only: Some(&d.questions),
        };
        let view = quiz_view(state, site, &d.quiz, None, &progress, shown)
            .map_err(|e| askama::Error::Custom(Box::new(e)))?;
        quizzes.extend(view);
    }
    Ok(ReviewPage {
        chrome: chrome(site, &progress, "Review", None, ""),
        count: DueQuiz::count(due),
        quizzes,
    })
}

/// How many questions are due now, for the home page's link.
pub(super) fn due_count(state: &AppState, site: &Site) -> Result<usize, WebError> {
    let due = review::due(&site.loaded.course, state, clock::now())?;
    Ok(DueQuiz::count(&due))
}
