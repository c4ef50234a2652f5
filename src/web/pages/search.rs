//! The search page.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::{Chrome, chrome, render_error};
use crate::app::progress::snapshot;
use crate::web::error::WebError;
use crate::web::site::Hit;
use crate::web::state::AppState;

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    hits: Vec<Hit>,
}

/// Query parameters of the search page.
#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// `GET /search?q=`: full-text search over lessons.
pub async fn search(
    State(state): State<Arc<AppState>>,
    Query(query): Query<SearchQuery>,
) -> Result<Response, WebError> {
    let site = state.site();
    let progress = snapshot(state.as_ref()).map_err(|e| WebError::from(e).for_page(false))?;
    let q = query.q.chars().take(200).collect::<String>();
    let page = SearchPage {
        chrome: chrome(&site, &progress, "Search", None, &q),
        hits: site.search(&q),
    };
    Ok(Html(page.render().map_err(render_error)?).into_response())
}
