//! Error responses: a JSON envelope `{"error":{"code","message"}}` for API calls and form
//! posts from scripts, a small HTML page for a person's browser.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use crate::render::escape;

/// A request that cannot be served, with what to tell the client.
#[derive(Debug)]
pub struct WebError {
    /// The status code.
    pub status: StatusCode,
    /// A stable machine-readable code, e.g. `NOT_FOUND`.
    pub code: &'static str,
    /// A sentence saying what was wrong.
    pub message: String,
    /// Answer with JSON rather than HTML.
    pub json: bool,
}

impl WebError {
    /// An error answered as JSON.
    pub fn json(status: StatusCode, code: &'static str, message: impl Into<String>) -> WebError {
        WebError {
            status,
            code,
            message: message.into(),
            json: true,
        }
    }

    /// An error answered as an HTML page.
    pub fn page(status: StatusCode, code: &'static str, message: impl Into<String>) -> WebError {
        WebError {
            json: false,
            ..WebError::json(status, code, message)
        }
    }

    /// 404 for a lesson, quiz, question or exercise that does not exist.
    pub fn not_found(what: impl Into<String>, json: bool) -> WebError {
        WebError {
            json,
            ..WebError::json(StatusCode::NOT_FOUND, "NOT_FOUND", what)
        }
    }

    /// 500 for a failure of the server's own (database, template).
    pub fn internal(error: impl std::fmt::Display, json: bool) -> WebError {
        WebError {
            json,
            ..WebError::json(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                format!("the server failed: {error}"),
            )
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if self.json {
            let body = json!({ "error": { "code": self.code, "message": self.message } });
            return (self.status, Json(body)).into_response();
        }
        let html = format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{status} · Backend Workbook</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head>\
             <body><main class=\"lesson\"><h1>{status}</h1><p>{message}</p><p><a href=\"/\">Back to the course</a></p></main></body></html>",
            status = self.status,
            message = escape(&self.message)
        );
        (self.status, Html(html)).into_response()
    }
}
