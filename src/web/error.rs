//! Error responses: a JSON envelope `{"error":{"code","message"}}` for API calls and form
//! posts from scripts, a small HTML page for a person's browser.

use askama::Template;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use crate::app::AppError;
use crate::grade::scoring::SubmissionError;
use crate::store::StoreError;

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

/// A use case's error, answered as JSON (the actions that fail this way are API calls and
/// scripts' form posts; a page turns it into HTML with [`WebError::for_page`]).
impl From<AppError> for WebError {
    fn from(error: AppError) -> WebError {
        let message = error.to_string();
        match error {
            AppError::UnknownExercise { slug, .. } => {
                WebError::not_found(format!("there is no exercise `{slug}`"), true)
            }
            AppError::UnknownQuiz(_)
            | AppError::UnknownLesson { .. }
            | AppError::UnknownExample { .. }
            | AppError::Submission(SubmissionError::UnknownQuestion { .. }) => {
                WebError::not_found(message, true)
            }
            AppError::Submission(SubmissionError::Empty | SubmissionError::Invalid { .. }) => {
                WebError::json(StatusCode::UNPROCESSABLE_ENTITY, "INVALID_ANSWER", message)
            }
            AppError::ExampleTooLong { .. } => {
                WebError::json(StatusCode::PAYLOAD_TOO_LARGE, "EXAMPLE_TOO_LONG", message)
            }
            AppError::Example(_) => {
                WebError::json(StatusCode::INTERNAL_SERVER_ERROR, "RUN_FAILED", message)
            }
            AppError::Grade { .. } => {
                WebError::json(StatusCode::INTERNAL_SERVER_ERROR, "GRADE_FAILED", message)
            }
            AppError::NotInAnExercise { .. }
            | AppError::Course(_)
            | AppError::FolderNotEmpty(_)
            | AppError::NoLearnerRepository(_)
            | AppError::Sandbox(_)
            | AppError::Pristine(_)
            | AppError::Store(_)
            | AppError::Io(_) => WebError::internal(message, true),
        }
    }
}

/// The store failing is the server's own failure.
impl From<StoreError> for WebError {
    fn from(error: StoreError) -> WebError {
        WebError::internal(error, true)
    }
}

/// A template that cannot render is the server's own failure, shown as a page.
impl From<askama::Error> for WebError {
    fn from(error: askama::Error) -> WebError {
        WebError::internal(error, false)
    }
}

impl WebError {
    /// The same error answered as an HTML page, unless the client asked for JSON.
    pub fn for_page(self, wants_json: bool) -> WebError {
        WebError {
            json: wants_json,
            ..self
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if self.json {
            let body = json!({ "error": { "code": self.code, "message": self.message } });
            return (self.status, Json(body)).into_response();
        }
        let page = ErrorPage {
            status: self.status.to_string(),
            message: &self.message,
        };
        // askama escapes the message; a page that cannot render falls back to plain text.
        let html = page.render().unwrap_or_else(|_| self.message.clone());
        (self.status, Html(html)).into_response()
    }
}

/// The HTML page of an error, for a person's browser.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: String,
    message: &'a str,
}
