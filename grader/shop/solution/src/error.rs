//! Every way a request can fail, and the one JSON envelope all of them are answered in.

use std::fmt::Display;

use axum::Json;
use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Handlers return `Result<_, ApiError>` and extractors reject with it, so every failure
/// leaves through the single `IntoResponse` below and has the same shape.
#[derive(Debug)]
pub enum ApiError {
    /// The request could not be read: not JSON, no JSON `Content-Type`, a bad query
    /// parameter or header.
    BadRequest {
        message: String,
        details: Vec<FieldError>,
    },
    /// The body was read, but some of its fields break the rules: one entry per field.
    Validation(Vec<FieldError>),
    /// No bearer token, another scheme, or a token nobody handed out.
    Unauthorized,
    /// A login with an unknown email or a wrong password: deliberately one variant, so the
    /// two cannot drift apart and tell a caller which emails are registered.
    InvalidCredentials,
    /// A valid token of the other role.
    Forbidden,
    /// No such path, no such product, or an order or cart item that is not the caller's.
    NotFound,
    /// A path that exists, with a method it does not support.
    MethodNotAllowed,
    EmailTaken,
    /// Products with less stock than asked for: one entry per product, named by its id.
    OutOfStock(Vec<FieldError>),
    /// An order action its current status does not allow, explained.
    InvalidTransition(String),
    /// The provider declined the card.
    PaymentDeclined,
    /// The provider could not be reached, timed out or failed.
    PaymentUnavailable,
    /// Over the rate limit; the client may try again after this many seconds.
    RateLimited {
        retry_after_secs: u64,
    },
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
        eprintln!("shop: internal error: {cause}");
        ApiError::Internal
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::BadRequest {
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// The 409 for products whose stock is short, from `(product id, stock left)` pairs.
    pub fn out_of_stock(shortages: &[(i64, i64)]) -> ApiError {
        let details = shortages
            .iter()
            .map(|(id, left)| FieldError::new(id.to_string(), format!("only {left} left")))
            .collect();
        ApiError::OutOfStock(details)
    }

    /// The status, code and message of each variant, plus its details.
    fn parts(self) -> (StatusCode, &'static str, String, Vec<FieldError>) {
        match self {
            ApiError::BadRequest { message, details } => {
                (StatusCode::BAD_REQUEST, "BAD_REQUEST", message, details)
            }
            ApiError::Validation(details) => {
                let message = "the request failed validation".to_owned();
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                (status, "VALIDATION_ERROR", message, details)
            }
            ApiError::OutOfStock(details) => {
                let message = match details.as_slice() {
                    [one] => format!("{} of product {}", one.problem, one.field),
                    many => format!("{} products do not have enough stock", many.len()),
                };
                (StatusCode::CONFLICT, "OUT_OF_STOCK", message, details)
            }
            ApiError::InvalidTransition(message) => (
                StatusCode::CONFLICT,
                "INVALID_TRANSITION",
                message,
                Vec::new(),
            ),
            ApiError::RateLimited { retry_after_secs } => {
                let message = format!("too many requests: try again in {retry_after_secs} s");
                let status = StatusCode::TOO_MANY_REQUESTS;
                (status, "RATE_LIMITED", message, Vec::new())
            }
            fixed => {
                let (status, code, message) = fixed.fixed_parts();
                (status, code, message.to_owned(), Vec::new())
            }
        }
    }

    /// The status, code and message of the variants that carry nothing.
    fn fixed_parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
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
            ApiError::Forbidden => (
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                "this route is not for your role",
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
            ApiError::PaymentDeclined => (
                StatusCode::PAYMENT_REQUIRED,
                "PAYMENT_DECLINED",
                "the payment provider declined the card",
            ),
            ApiError::PaymentUnavailable => (
                StatusCode::BAD_GATEWAY,
                "PAYMENT_UNAVAILABLE",
                "the payment provider could not be reached or failed; try again later",
            ),
            ApiError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                "the request body is too large",
            ),
            // The variants with data never get here: `parts` answers them itself. They are
            // listed rather than matched by `_`, so that a new variant cannot slip into the
            // 500 unnoticed.
            ApiError::Internal
            | ApiError::BadRequest { .. }
            | ApiError::Validation(_)
            | ApiError::OutOfStock(_)
            | ApiError::InvalidTransition(_)
            | ApiError::RateLimited { .. } => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_ERROR",
                "something went wrong on our side",
            ),
        }
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
        // Two errors carry a header besides the body. A 401 must name the scheme that would
        // work (RFC 9110, section 15.5.2); a failed login is not such a challenge, since the
        // sessions route takes no token. A 429 says when to come back, so that a polite
        // client waits instead of hammering.
        let extra_header = match &self {
            ApiError::Unauthorized => {
                Some((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")))
            }
            ApiError::RateLimited { retry_after_secs } => {
                Some((header::RETRY_AFTER, HeaderValue::from(*retry_after_secs)))
            }
            _ => None,
        };
        let (status, code, message, details) = self.parts();
        let body = Envelope {
            error: ErrorBody {
                code,
                message,
                details,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let Some((name, value)) = extra_header {
            response.headers_mut().insert(name, value);
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

/// A body read as raw bytes (placing an order) fails only for its size or a broken stream.
impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> ApiError {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            _ => ApiError::bad_request(rejection.body_text()),
        }
    }
}

/// An id that is not a number names nothing, so it is a 404 like any other unknown id.
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

    /// Whether a problem with `field` is already recorded.
    pub fn mentions(&self, field: &str) -> bool {
        self.0.iter().any(|problem| problem.field == field)
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
