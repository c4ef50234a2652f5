//! Every way a request can fail, and the one JSON envelope all of them are answered in.

use std::fmt::Display;

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Handlers return `Result<_, ApiError>` and extractors reject with it, so every failure
/// leaves through the single `IntoResponse` below and has the same shape.
#[derive(Debug)]
pub enum ApiError {
    /// The request could not be read: not JSON, no JSON `Content-Type`, a bad query parameter.
    BadRequest {
        message: String,
        details: Vec<FieldError>,
    },
    /// The body was read, but some of its fields break the rules: one entry per field.
    Validation(Vec<FieldError>),
    /// No bearer token, another scheme, or a token no login handed out.
    Unauthorized,
    /// A login with an unknown email or a wrong password: deliberately one variant, so the
    /// two cannot drift apart and tell a caller which emails are registered.
    InvalidCredentials,
    /// No such path, no such task, or a task that belongs to someone else.
    NotFound,
    /// A path that exists, with a method it does not support.
    MethodNotAllowed,
    EmailTaken,
    PayloadTooLarge,
    /// Something broke on our side. The cause is logged, never sent to the client.
    Internal,
}

/// One problem with one field, as listed in `details`.
#[derive(Debug, Serialize)]
pub struct FieldError {
    pub field: String,
    pub problem: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

impl ApiError {
    /// Logs an unexpected failure on stderr and hides it behind a plain 500: database
    /// errors can quote SQL and file paths that are nobody else's business.
    pub fn internal(cause: impl Display) -> ApiError {
        eprintln!("task-api: internal error: {cause}");
        ApiError::Internal
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::BadRequest {
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// The status, code and message of each variant, plus its details.
    fn parts(self) -> (StatusCode, &'static str, String, Vec<FieldError>) {
        let (status, code, message) = match self {
            ApiError::BadRequest { message, details } => {
                return (StatusCode::BAD_REQUEST, "BAD_REQUEST", message, details);
            }
            ApiError::Validation(details) => {
                let message = "the request body failed validation".to_owned();
                return (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "VALIDATION_ERROR",
                    message,
                    details,
                );
            }
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "UNAUTHORIZED",
                "send `Authorization: Bearer <token>` with a token from POST /api/v1/sessions",
            ),
            ApiError::InvalidCredentials => (
                StatusCode::UNAUTHORIZED,
                "INVALID_CREDENTIALS",
                "the email or the password is wrong",
            ),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "NOT_FOUND", "there is nothing here"),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "this method is not supported here; see the Allow header",
            ),
            ApiError::EmailTaken => (
                StatusCode::CONFLICT,
                "EMAIL_TAKEN",
                "an account with this email already exists",
            ),
            ApiError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                "the request body is too large",
            ),
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_ERROR",
                "something went wrong on our side",
            ),
        };
        (status, code, message.to_owned(), Vec::new())
    }
}

#[derive(Serialize)]
struct Envelope {
    error: ErrorBody,
}

#[derive(Serialize)]
struct ErrorBody {
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    details: Vec<FieldError>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // A 401 must name the scheme that would work (RFC 9110, section 15.5.2). A failed
        // login is not such a challenge: the sessions route takes no bearer token, so
        // pointing the client at one would mislead it.
        let challenge = matches!(self, ApiError::Unauthorized);
        let (status, code, message, details) = self.parts();
        let body = Envelope {
            error: ErrorBody {
                code,
                message,
                details,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if challenge {
            let bearer = HeaderValue::from_static("Bearer");
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, bearer);
        }
        response
    }
}

/// axum's own rejections answer in plain text. Converting them here, once, lets every
/// handler say `body?` and still speak the envelope.
impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        match rejection {
            // Bodies are read as a JSON object and checked field by field, so this only
            // happens when the JSON is well-formed but not an object: its values are
            // wrong, which is what 422 means.
            JsonRejection::JsonDataError(_) => {
                ApiError::Validation(vec![FieldError::new("body", "must be a JSON object")])
            }
            JsonRejection::JsonSyntaxError(_) => {
                ApiError::bad_request("the request body is not valid JSON")
            }
            JsonRejection::MissingJsonContentType(_) => ApiError::bad_request(
                "send the body as JSON, with `Content-Type: application/json`",
            ),
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            other => ApiError::bad_request(other.body_text()),
        }
    }
}

/// An id that is not a number names no task, so it is a 404 like any other unknown id.
impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> ApiError {
        ApiError::NotFound
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> ApiError {
        ApiError::bad_request(rejection.body_text())
    }
}

/// Lets database code use `?`. Expected database outcomes (a taken email, a missing row)
/// are matched before they get here; whatever reaches this is a real failure.
impl From<rusqlite::Error> for ApiError {
    fn from(error: rusqlite::Error) -> ApiError {
        ApiError::internal(error)
    }
}

/// Collects problems field by field, so that one 422 lists them all instead of the client
/// learning them one round trip at a time.
#[derive(Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn add(&mut self, field: impl Into<String>, problem: impl Into<String>) {
        self.0.push(FieldError::new(field, problem));
    }

    /// Returns the value if `result` is `Ok`; otherwise records the problem and returns
    /// `None`, so the caller goes on to check the next field.
    pub fn check<T>(&mut self, field: &str, result: Result<T, &'static str>) -> Option<T> {
        result.map_err(|problem| self.add(field, problem)).ok()
    }

    /// Whether every field checked so far was fine.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The 422 naming every bad field of a body.
    pub fn into_validation(self) -> ApiError {
        ApiError::Validation(self.0)
    }

    /// The 400 naming every bad parameter of a query string.
    pub fn into_bad_request(self, message: &str) -> ApiError {
        ApiError::BadRequest {
            message: message.to_owned(),
            details: self.0,
        }
    }
}
