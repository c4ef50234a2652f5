//! A task API over an in-memory store, built with axum: create, read, replace,
//! update and delete tasks under `/api/v1/tasks`, list them a page at a time
//! with filter, sort and navigation links, and report every failure in one
//! JSON error envelope.
//!
//! Each task belongs to the user whose bearer token created it. Users are
//! identified through a token table handed to [`app`].

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

// ---------------------------------------------------------------------------
// The resource
// ---------------------------------------------------------------------------

/// The user on whose behalf a request is made, as found in the token table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(pub u64);

/// A task's id: assigned by the server (1, 2, 3, ...), unique across all users, never reused.
pub type TaskId = u64;

/// Where a task stands. It appears in JSON as `"todo"`, `"in_progress"` or `"done"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not started; the status of a task created without one.
    #[default]
    Todo,
    /// Being worked on.
    InProgress,
    /// Finished.
    Done,
}

impl Status {
    /// Parses the JSON spelling (`todo`, `in_progress`, `done`); anything else is `None`.
    pub fn parse(text: &str) -> Option<Status> {
        match text {
            "todo" => Some(Status::Todo),
            "in_progress" => Some(Status::InProgress),
            "done" => Some(Status::Done),
            _ => None,
        }
    }

    /// The JSON spelling of this status, as used in bodies and query strings.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Todo => "todo",
            Status::InProgress => "in_progress",
            Status::Done => "done",
        }
    }
}

/// A task, exactly as the API represents it in JSON.
///
/// Every field is always present in the JSON; a missing description or due
/// date is `null`. The owner is not part of the representation: a client only
/// ever sees its own tasks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Task {
    /// Assigned by the server when the task is created.
    pub id: TaskId,
    /// 1 to 200 characters, stored without surrounding whitespace.
    pub title: String,
    /// Up to 2,000 characters, or `None`.
    pub description: Option<String>,
    /// Where the task stands.
    pub status: Status,
    /// When the task is due, or `None`.
    pub due_date: Option<DueDate>,
}

/// A due date: an RFC 3339 date-time such as `2025-03-01T09:30:00Z` or
/// `2025-03-01T10:30:00.250+01:00`.
///
/// It keeps the text exactly as the client sent it, which is also what it
/// serialises to, but it is ordered by the instant it denotes:
/// `2025-03-01T10:00:00+02:00` (08:00 UTC) sorts before `2025-03-01T09:00:00Z`.
/// Two spellings of the same instant are ordered by their text, so the order
/// is total.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DueDate {
    // The derived `Ord` compares fields in this order: the instant first.
    unix_seconds: i64,
    nanos: u32,
    text: String,
}

impl DueDate {
    /// Parses an RFC 3339 date-time (`full-date "T" full-time`, section 5.6),
    /// returning `None` for anything else.
    ///
    /// Accepted: `T` or `t` between date and time, optional fractional
    /// seconds of any length, and an offset of `Z`, `z` or `±HH:MM`. Rejected:
    /// a date alone (`2025-03-01`), a missing offset, a space instead of `T`,
    /// and impossible values such as `2025-02-29` or `24:00:00`. A leap
    /// second (`:60`) is accepted.
    pub fn parse(text: &str) -> Option<DueDate> {
        let b = text.as_bytes();
        let year = digits(b, 0, 4)?;
        let month = digits(b, 5, 2)?;
        let day = digits(b, 8, 2)?;
        let hour = digits(b, 11, 2)?;
        let minute = digits(b, 14, 2)?;
        let second = digits(b, 17, 2)?;
        let separators_ok = b.get(4) == Some(&b'-')
            && b.get(7) == Some(&b'-')
            && matches!(b.get(10), Some(b'T' | b't'))
            && b.get(13) == Some(&b':')
            && b.get(16) == Some(&b':');
        if !separators_ok
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 60
        {
            return None;
        }

        let mut at = 19;
        let mut nanos = 0;
        if b.get(at) == Some(&b'.') {
            at += 1;
            let start = at;
            while b.get(at).is_some_and(u8::is_ascii_digit) {
                // Digits beyond nanosecond precision are accepted and ignored.
                if at - start < 9 {
                    nanos = nanos * 10 + u32::from(b[at] - b'0');
                }
                at += 1;
            }
            let count = at - start;
            if count == 0 {
                return None;
            }
            for _ in count..9 {
                nanos *= 10;
            }
        }

        let offset_seconds = match b.get(at) {
            Some(b'Z' | b'z') => {
                at += 1;
                0
            }
            Some(&sign @ (b'+' | b'-')) => {
                let hours = digits(b, at + 1, 2)?;
                let minutes = digits(b, at + 4, 2)?;
                if b.get(at + 3) != Some(&b':') || hours > 23 || minutes > 59 {
                    return None;
                }
                at += 6;
                let offset = i64::from(hours * 3600 + minutes * 60);
                if sign == b'+' { offset } else { -offset }
            }
            _ => return None,
        };
        if at != b.len() {
            return None;
        }

        let days = days_from_civil(i64::from(year), month, day);
        let local = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
        Some(DueDate {
            unix_seconds: local - offset_seconds,
            nanos,
            text: text.to_owned(),
        })
    }

    /// The date-time exactly as the client wrote it.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for DueDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for DueDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

/// The number made of the ASCII digits `b[start..start + len]`, if they all are digits.
fn digits(b: &[u8], start: usize, len: usize) -> Option<u32> {
    b.get(start..start + len)?.iter().try_fold(0, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given date in the proleptic Gregorian calendar
/// (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let (month, day) = (i64::from(month), i64::from(day));
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

// ---------------------------------------------------------------------------
// The application
// ---------------------------------------------------------------------------

/// The collection's path; links and `Location` headers are built from it.
const COLLECTION: &str = "/api/v1/tasks";
const DEFAULT_LIMIT: u64 = 10;
const MAX_LIMIT: u64 = 100;
const MAX_TITLE_CHARS: usize = 200;
const MAX_DESCRIPTION_CHARS: usize = 2000;

/// Builds the task API: every route under `/api/v1/tasks`, over a new, empty in-memory store.
///
/// `tokens` maps each bearer token to the user it identifies: a request with
/// `Authorization: Bearer <token>` acts as `tokens[token]`. Clones of the
/// returned router share one store.
///
/// ```no_run
/// # use std::collections::HashMap;
/// # use rest_handlers::{UserId, app};
/// # async fn run() {
/// let tokens = HashMap::from([("s3cret".to_owned(), UserId(1))]);
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await.unwrap();
/// axum::serve(listener, app(tokens)).await.unwrap();
/// # }
/// ```
pub fn app(tokens: HashMap<String, UserId>) -> Router {
    let state = Arc::new(AppState {
        tokens,
        store: Mutex::new(Store::default()),
    });
    Router::new()
        .route(COLLECTION, get(list_tasks).post(create_task))
        .route(
            "/api/v1/tasks/{id}",
            get(get_task)
                .put(replace_task)
                .patch(update_task)
                .delete(delete_task),
        )
        // Without these, an unknown path or method gets axum's empty 404/405,
        // the one place a client would meet a response outside the envelope.
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .with_state(state)
}

/// Shared by every request through an `Arc`: the router clones its state per request.
struct AppState {
    tokens: HashMap<String, UserId>,
    store: Mutex<Store>,
}

impl AppState {
    /// Locks the store. A std `Mutex` is right here: it is never held across an
    /// `.await`, and every critical section is a few map operations.
    fn store(&self) -> MutexGuard<'_, Store> {
        // Poisoning only means a thread panicked while holding the lock. Every
        // critical section here is one or two map operations that leave the
        // store consistent, so carrying on beats failing every later request.
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

type SharedState = Arc<AppState>;

#[derive(Debug, Default)]
struct Store {
    last_id: TaskId,
    /// Each user's tasks, by id. Keeping them per user means another user's
    /// task is simply not found: "not yours" becomes the same 404 as "does
    /// not exist" by construction, not by a check someone could forget.
    /// A `BTreeMap` iterates in id order, which is creation order.
    tasks: HashMap<UserId, BTreeMap<TaskId, Task>>,
}

impl Store {
    fn insert(&mut self, owner: UserId, fields: TaskFields) -> Task {
        self.last_id += 1;
        let task = fields.into_task(self.last_id);
        self.tasks
            .entry(owner)
            .or_default()
            .insert(task.id, task.clone());
        task
    }

    fn tasks_of(&self, owner: UserId) -> impl Iterator<Item = &Task> {
        self.tasks
            .get(&owner)
            .into_iter()
            .flat_map(BTreeMap::values)
    }

    fn get(&self, owner: UserId, id: TaskId) -> Result<&Task, ApiError> {
        self.tasks
            .get(&owner)
            .and_then(|tasks| tasks.get(&id))
            .ok_or(ApiError::NotFound)
    }

    fn get_mut(&mut self, owner: UserId, id: TaskId) -> Result<&mut Task, ApiError> {
        self.tasks
            .get_mut(&owner)
            .and_then(|tasks| tasks.get_mut(&id))
            .ok_or(ApiError::NotFound)
    }

    fn remove(&mut self, owner: UserId, id: TaskId) -> Result<Task, ApiError> {
        self.tasks
            .get_mut(&owner)
            .and_then(|tasks| tasks.remove(&id))
            .ok_or(ApiError::NotFound)
    }
}

// ---------------------------------------------------------------------------
// Errors: one type, one envelope
// ---------------------------------------------------------------------------

/// Every way a request can fail. Handlers return `Result<_, ApiError>` and
/// extractors reject with it, so every failure leaves through the one
/// `IntoResponse` below and has the same shape.
#[derive(Debug)]
enum ApiError {
    /// The request could not be read: malformed JSON, not JSON, a bad query parameter.
    BadRequest {
        message: String,
        details: Vec<FieldError>,
    },
    /// No usable credentials. `invalid_token` is set when a bearer token was
    /// sent but is not in the table.
    Unauthorized {
        invalid_token: bool,
    },
    /// No such task, or one that belongs to someone else.
    NotFound,
    MethodNotAllowed,
    PayloadTooLarge,
    /// The body was read, but its values break the rules.
    Validation(Vec<FieldError>),
}

/// One problem with one field, as listed in `details`.
#[derive(Debug, Serialize)]
struct FieldError {
    field: &'static str,
    problem: String,
}

impl FieldError {
    fn new(field: &'static str, problem: impl Into<String>) -> Self {
        Self {
            field,
            problem: problem.into(),
        }
    }
}

#[derive(Serialize)]
struct ErrorEnvelope {
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
        // A 401 must name the scheme that would work (RFC 9110, section 15.5.2);
        // RFC 6750 adds `error="invalid_token"` when a token was sent but is bad.
        let challenge = match self {
            ApiError::Unauthorized {
                invalid_token: false,
            } => Some(r#"Bearer realm="tasks""#),
            ApiError::Unauthorized {
                invalid_token: true,
            } => Some(r#"Bearer realm="tasks", error="invalid_token""#),
            _ => None,
        };
        let (status, code, message, details) = match self {
            ApiError::BadRequest { message, details } => {
                (StatusCode::BAD_REQUEST, "BAD_REQUEST", message, details)
            }
            ApiError::Unauthorized { invalid_token } => (
                StatusCode::UNAUTHORIZED,
                "UNAUTHORIZED",
                if invalid_token {
                    "the bearer token is not valid".into()
                } else {
                    "send `Authorization: Bearer <token>`".into()
                },
                Vec::new(),
            ),
            ApiError::NotFound => (
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "no such task".into(),
                Vec::new(),
            ),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "this method is not supported here".into(),
                Vec::new(),
            ),
            ApiError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                "the request body is too large".into(),
                Vec::new(),
            ),
            ApiError::Validation(details) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "VALIDATION_ERROR",
                "the request body failed validation".into(),
                details,
            ),
        };
        let error = ErrorBody {
            code,
            message,
            details,
        };
        let mut response = (status, Json(ErrorEnvelope { error })).into_response();
        if let Some(challenge) = challenge {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        response
    }
}

/// axum's own rejections answer in plain text. Converting them here, once,
/// lets every handler say `body?` and still speak the envelope.
impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            // Well-formed JSON of the wrong shape (a number where a string
            // belongs, an unknown field): the client's *values* are wrong,
            // which is what 422 means.
            JsonRejection::JsonDataError(error) => {
                ApiError::Validation(vec![FieldError::new("body", error.body_text())])
            }
            JsonRejection::JsonSyntaxError(_) => ApiError::BadRequest {
                message: "the request body is not valid JSON".into(),
                details: Vec::new(),
            },
            JsonRejection::MissingJsonContentType(_) => ApiError::BadRequest {
                message: "send the body as JSON with `Content-Type: application/json`".into(),
                details: Vec::new(),
            },
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            other => ApiError::BadRequest {
                message: other.body_text(),
                details: Vec::new(),
            },
        }
    }
}

/// An id that is not a number names no task, so it is a 404 like any other unknown id.
impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        ApiError::NotFound
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::BadRequest {
            message: rejection.body_text(),
            details: Vec::new(),
        }
    }
}

// ---------------------------------------------------------------------------
// Authentication
// ---------------------------------------------------------------------------

/// The authenticated caller. As an extractor it runs before the body is read,
/// so a request without valid credentials is a 401 whatever its body.
struct CurrentUser(UserId);

impl FromRequestParts<SharedState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers).ok_or(ApiError::Unauthorized {
            invalid_token: false,
        })?;
        state
            .tokens
            .get(token)
            .copied()
            .map(CurrentUser)
            .ok_or(ApiError::Unauthorized {
                invalid_token: true,
            })
    }
}

/// The token of an `Authorization: Bearer <token>` header, if there is one.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    // Authentication schemes are case-insensitive; the token itself is not.
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|token| !token.is_empty())
}

// ---------------------------------------------------------------------------
// Request bodies and their validation
// ---------------------------------------------------------------------------

/// The body of POST and PUT: a whole task. Every field is optional *here* so
/// that a missing title is reported next to the other problems instead of
/// failing deserialisation on its own, and `status` and `due_date` are plain
/// strings for the same reason: typed as `Status` or `DueDate`, serde would
/// stop at the first bad value and the client would learn one problem per
/// round trip.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskBody {
    title: Option<String>,
    description: Option<String>,
    status: Option<String>,
    due_date: Option<String>,
}

/// The body of PATCH, with JSON Merge Patch semantics: an absent field is left
/// alone, `null` clears it. `Option<Option<T>>` keeps the two apart: absent is
/// `None`, `null` is `Some(None)`, a value is `Some(Some(value))`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskPatch {
    #[serde(default, deserialize_with = "present")]
    title: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    description: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    status: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    due_date: Option<Option<String>>,
}

/// Only called for a field that is present, so wrapping in `Some` marks
/// "present", whether the value is `null` or not.
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// A validated whole task, minus its id.
struct TaskFields {
    title: String,
    description: Option<String>,
    status: Status,
    due_date: Option<DueDate>,
}

impl TaskFields {
    fn into_task(self, id: TaskId) -> Task {
        Task {
            id,
            title: self.title,
            description: self.description,
            status: self.status,
            due_date: self.due_date,
        }
    }
}

/// A validated patch: `None` leaves a field alone.
struct TaskChanges {
    title: Option<String>,
    description: Option<Option<String>>,
    status: Option<Status>,
    due_date: Option<Option<DueDate>>,
}

impl TaskChanges {
    fn apply(self, task: &mut Task) {
        if let Some(title) = self.title {
            task.title = title;
        }
        if let Some(description) = self.description {
            task.description = description;
        }
        if let Some(status) = self.status {
            task.status = status;
        }
        if let Some(due_date) = self.due_date {
            task.due_date = due_date;
        }
    }
}

/// Collects problems field by field, so that one response lists them all.
#[derive(Default)]
struct Problems(Vec<FieldError>);

impl Problems {
    /// Returns the value if `result` is `Ok`; otherwise records the problem
    /// and returns `None`, so the caller goes on to check the next field.
    fn check<T>(&mut self, field: &'static str, result: Result<T, &'static str>) -> Option<T> {
        result
            .map_err(|problem| self.0.push(FieldError::new(field, problem)))
            .ok()
    }
}

const NOT_NULL: &str = "must not be null";

fn valid_title(raw: &str) -> Result<String, &'static str> {
    // Trim first: "   " is blank, and 200 characters plus padding is fine.
    let title = raw.trim();
    // Characters, not bytes: `len()` would count "é" twice.
    match title.chars().count() {
        0 => Err("must not be blank"),
        n if n > MAX_TITLE_CHARS => Err("must be at most 200 characters"),
        _ => Ok(title.to_owned()),
    }
}

fn valid_description(raw: String) -> Result<String, &'static str> {
    if raw.chars().count() > MAX_DESCRIPTION_CHARS {
        Err("must be at most 2000 characters")
    } else {
        Ok(raw)
    }
}

fn valid_status(raw: &str) -> Result<Status, &'static str> {
    Status::parse(raw).ok_or("must be one of todo, in_progress, done")
}

fn valid_due_date(raw: &str) -> Result<DueDate, &'static str> {
    DueDate::parse(raw).ok_or("must be an RFC 3339 date-time such as 2025-03-01T09:30:00Z")
}

impl TaskBody {
    fn validate(self) -> Result<TaskFields, ApiError> {
        let mut problems = Problems::default();
        let title = problems.check(
            "title",
            self.title
                .as_deref()
                .ok_or("is required")
                .and_then(valid_title),
        );
        let description = problems.check(
            "description",
            self.description.map(valid_description).transpose(),
        );
        let status = problems.check(
            "status",
            self.status.as_deref().map(valid_status).transpose(),
        );
        let due_date = problems.check(
            "due_date",
            self.due_date.as_deref().map(valid_due_date).transpose(),
        );
        match (title, description, status, due_date) {
            (Some(title), Some(description), Some(status), Some(due_date)) => Ok(TaskFields {
                title,
                description,
                // PUT replaces the whole task: whatever the body leaves out
                // gets its default, exactly as in a POST.
                status: status.unwrap_or_default(),
                due_date,
            }),
            _ => Err(ApiError::Validation(problems.0)),
        }
    }
}

impl TaskPatch {
    fn validate(self) -> Result<TaskChanges, ApiError> {
        let mut problems = Problems::default();
        // A title and a status can be changed but not removed, so `null` is a
        // problem for them, while for the description and due date it clears.
        let title = problems.check(
            "title",
            self.title
                .map(|title| title.ok_or(NOT_NULL).and_then(|t| valid_title(&t)))
                .transpose(),
        );
        let description = problems.check(
            "description",
            self.description
                .map(|d| d.map(valid_description).transpose())
                .transpose(),
        );
        let status = problems.check(
            "status",
            self.status
                .map(|status| status.ok_or(NOT_NULL).and_then(|s| valid_status(&s)))
                .transpose(),
        );
        let due_date = problems.check(
            "due_date",
            self.due_date
                .map(|d| d.as_deref().map(valid_due_date).transpose())
                .transpose(),
        );
        match (title, description, status, due_date) {
            (Some(title), Some(description), Some(status), Some(due_date)) => Ok(TaskChanges {
                title,
                description,
                status,
                due_date,
            }),
            _ => Err(ApiError::Validation(problems.0)),
        }
    }
}

// ---------------------------------------------------------------------------
// Handlers for one task
// ---------------------------------------------------------------------------

/// The `{"data": ...}` wrapper of every successful body: it leaves room for
/// siblings such as `pagination` and `links` without changing the shape.
#[derive(Serialize)]
struct Data<T> {
    data: T,
}

// Extractor order matters: `CurrentUser` comes first so that authentication
// is decided before anything else is looked at. The path and body are taken
// as `Result`s so that their rejections go through `From` into `ApiError`
// (and the envelope) rather than out as axum's plain-text defaults.

async fn create_task(
    CurrentUser(user): CurrentUser,
    State(state): State<SharedState>,
    body: Result<Json<TaskBody>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Json(body) = body?;
    let fields = body.validate()?;
    let task = state.store().insert(user, fields);
    let location = format!("{COLLECTION}/{}", task.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(Data { data: task }),
    ))
}

async fn get_task(
    CurrentUser(user): CurrentUser,
    State(state): State<SharedState>,
    id: Result<Path<TaskId>, PathRejection>,
) -> Result<Json<Data<Task>>, ApiError> {
    let Path(id) = id?;
    let task = state.store().get(user, id)?.clone();
    Ok(Json(Data { data: task }))
}

async fn replace_task(
    CurrentUser(user): CurrentUser,
    State(state): State<SharedState>,
    id: Result<Path<TaskId>, PathRejection>,
    body: Result<Json<TaskBody>, JsonRejection>,
) -> Result<Json<Data<Task>>, ApiError> {
    let Path(id) = id?;
    let Json(body) = body?;
    let fields = body.validate()?;
    let mut store = state.store();
    let task = store.get_mut(user, id)?;
    // Ids are the server's to hand out, so PUT replaces an existing task but
    // never creates one: an unknown id is a 404, not an upsert.
    *task = fields.into_task(id);
    Ok(Json(Data { data: task.clone() }))
}

async fn update_task(
    CurrentUser(user): CurrentUser,
    State(state): State<SharedState>,
    id: Result<Path<TaskId>, PathRejection>,
    body: Result<Json<TaskPatch>, JsonRejection>,
) -> Result<Json<Data<Task>>, ApiError> {
    let Path(id) = id?;
    let Json(patch) = body?;
    let changes = patch.validate()?;
    let mut store = state.store();
    let task = store.get_mut(user, id)?;
    changes.apply(task);
    Ok(Json(Data { data: task.clone() }))
}

async fn delete_task(
    CurrentUser(user): CurrentUser,
    State(state): State<SharedState>,
    id: Result<Path<TaskId>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let Path(id) = id?;
    // DELETE is idempotent in its effect (the task stays gone), not in its
    // answer: the second one finds nothing to delete.
    state.store().remove(user, id)?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------
// The collection: filter, sort, paginate, link
// ---------------------------------------------------------------------------

/// The raw query string. Every parameter is a string here and parsed by hand,
/// so that each bad one can be named in `details`.
#[derive(Debug, Deserialize)]
struct ListParams {
    page: Option<String>,
    limit: Option<String>,
    status: Option<String>,
    sort: Option<String>,
}

#[derive(Debug, Clone, Copy)]
enum SortKey {
    Title,
    DueDate,
}

/// A sort order from the allowlist: a key, ascending or descending.
#[derive(Debug, Clone, Copy)]
struct Sort {
    key: SortKey,
    descending: bool,
}

impl Sort {
    fn parse(raw: &str) -> Option<Sort> {
        let (descending, name) = match raw.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, raw),
        };
        let key = match name {
            "title" => SortKey::Title,
            "due_date" => SortKey::DueDate,
            _ => return None,
        };
        Some(Sort { key, descending })
    }

    fn compare(self, a: &Task, b: &Task) -> Ordering {
        let directed = |ordering: Ordering| {
            if self.descending {
                ordering.reverse()
            } else {
                ordering
            }
        };
        let primary = match self.key {
            SortKey::Title => directed(a.title.cmp(&b.title)),
            SortKey::DueDate => match (&a.due_date, &b.due_date) {
                (Some(x), Some(y)) => directed(x.cmp(y)),
                // Undated tasks go last in *both* directions: "latest first"
                // should not open with the tasks that have no date at all.
                // That is why only the dated comparison is reversed, rather
                // than the whole sorted list.
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
        };
        // A unique tie-breaker makes the order total, so pages neither skip
        // nor repeat tasks that share a title or a due date.
        primary.then(a.id.cmp(&b.id))
    }
}

impl fmt::Display for Sort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.descending { "-" } else { "" };
        let name = match self.key {
            SortKey::Title => "title",
            SortKey::DueDate => "due_date",
        };
        write!(f, "{sign}{name}")
    }
}

/// A validated listing request.
struct ListQuery {
    page: u64,
    limit: u64,
    status: Option<Status>,
    sort: Option<Sort>,
}

impl ListQuery {
    fn parse(params: ListParams) -> Result<ListQuery, ApiError> {
        let mut problems = Problems::default();
        let page = problems.check(
            "page",
            params.page.as_deref().map_or(Ok(1), |raw| {
                raw.parse()
                    .ok()
                    .filter(|&page| page >= 1)
                    .ok_or("must be a whole number, 1 or more")
            }),
        );
        // Out of range is an error, not something to clamp: a client asking
        // for 500 and silently getting 100 would believe it has everything.
        let limit = problems.check(
            "limit",
            params.limit.as_deref().map_or(Ok(DEFAULT_LIMIT), |raw| {
                raw.parse()
                    .ok()
                    .filter(|limit| (1..=MAX_LIMIT).contains(limit))
                    .ok_or("must be a whole number from 1 to 100")
            }),
        );
        let status = problems.check(
            "status",
            params.status.as_deref().map(valid_status).transpose(),
        );
        let sort = problems.check(
            "sort",
            params
                .sort
                .as_deref()
                .map(|raw| {
                    Sort::parse(raw).ok_or("must be one of title, -title, due_date, -due_date")
                })
                .transpose(),
        );
        match (page, limit, status, sort) {
            (Some(page), Some(limit), Some(status), Some(sort)) => Ok(ListQuery {
                page,
                limit,
                status,
                sort,
            }),
            _ => Err(ApiError::BadRequest {
                message: "invalid query parameters".into(),
                details: problems.0,
            }),
        }
    }

    /// A link to page `page` of the same listing: same filter, same sort, same limit.
    fn link(&self, page: u64) -> String {
        let mut url = format!("{COLLECTION}?");
        if let Some(status) = self.status {
            url += &format!("status={}&", status.as_str());
        }
        if let Some(sort) = self.sort {
            url += &format!("sort={sort}&");
        }
        url + &format!("page={page}&limit={}", self.limit)
    }
}

#[derive(Serialize)]
struct TaskPage {
    data: Vec<Task>,
    pagination: Pagination,
    links: Links,
}

#[derive(Serialize)]
struct Pagination {
    total: u64,
    page: u64,
    limit: u64,
    total_pages: u64,
    has_next: bool,
    has_previous: bool,
}

/// Ready-made links, so that clients never assemble URLs themselves.
/// `previous` and `next` are `null` when there is no such page.
#[derive(Serialize)]
struct Links {
    #[serde(rename = "self")]
    this: String,
    first: String,
    previous: Option<String>,
    next: Option<String>,
    last: String,
}

async fn list_tasks(
    CurrentUser(user): CurrentUser,
    State(state): State<SharedState>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<TaskPage>, ApiError> {
    let Query(params) = params?;
    let query = ListQuery::parse(params)?;

    let store = state.store();
    let mut matching: Vec<&Task> = store
        .tasks_of(user)
        .filter(|task| query.status.is_none_or(|status| task.status == status))
        .collect();
    if let Some(sort) = query.sort {
        matching.sort_by(|a, b| sort.compare(a, b));
    }

    let total = matching.len() as u64;
    // An empty collection still has one (empty) page, so `last` is always a
    // page a client can ask for.
    let total_pages = total.div_ceil(query.limit).max(1);
    let skip = (query.page - 1).saturating_mul(query.limit);
    let data: Vec<Task> = matching
        .into_iter()
        .skip(usize::try_from(skip).unwrap_or(usize::MAX))
        .take(query.limit as usize) // at most 100
        .cloned()
        .collect();
    drop(store);

    let (page, has_next, has_previous) = (query.page, query.page < total_pages, query.page > 1);
    let links = Links {
        this: query.link(page),
        first: query.link(1),
        previous: has_previous.then(|| query.link(page - 1)),
        next: has_next.then(|| query.link(page + 1)),
        last: query.link(total_pages),
    };
    Ok(Json(TaskPage {
        data,
        pagination: Pagination {
            total,
            page,
            limit: query.limit,
            total_pages,
            has_next,
            has_previous,
        },
        links,
    }))
}
