//! The page a lesson example's Run lands on without JavaScript: its output, how it ended,
//! and its code in a text box to change and run again.

use askama::Template;
use axum::response::Response;

use super::{Chrome, chrome, html, progress, render_error};
use crate::app::examples::{self, Ran, find_example};
use crate::web::error::WebError;
use crate::web::state::AppState;

#[derive(Template)]
#[template(path = "example.html")]
struct ExamplePage {
    chrome: Chrome,
    slug: String,
    number: usize,
    lesson_title: String,
    code: String,
    output: String,
    sentence: String,
    went_well: bool,
    edited: bool,
}

/// The page for run `ran` of example `number` of lesson `slug`, with its `transcript`
/// (compile errors and output).
pub fn example_page(
    state: &AppState,
    (slug, number): (&str, usize),
    ran: &Ran,
    transcript: String,
) -> Result<Response, WebError> {
    let site = state.site();
    let course = &site.loaded.course;
    let (lesson, _) = find_example(course, slug, number)?;
    let found = examples::state(course, state, (slug, number))?;
    let progress = progress(state).map_err(render_error)?;
    let title = format!("Example {number} of {}", lesson.title);
    let page = ExamplePage {
        chrome: chrome(&site, &progress, &title, Some(slug), ""),
        slug: slug.to_string(),
        number,
        lesson_title: lesson.title.clone(),
        code: found.current().to_string(),
        output: transcript,
        sentence: ran.outcome.describe(ran.expect),
        went_well: ran.went_well(),
        edited: ran.edited,
    };
    let body = page.render().map_err(render_error)?;
    Ok(html(body.into()))
}
