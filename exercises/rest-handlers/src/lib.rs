//! A task API over an in-memory store, built with axum: create, read, replace,
//! update and delete tasks under `/api/v1/tasks`, list them a page at a time
//! with filter, sort and navigation links, and report every failure in one
//! JSON error envelope.
//!
//! The resource types (`UserId`, `Status`, `Task` and `DueDate`, with its
//! RFC 3339 parser) are given to you, finished. The HTTP layer is yours:
//! everything that says `todo!()`, plus whatever state, error type, request
//! types and extractors you need. See README.md for the steps. You may add
//! private items freely and change the private handlers' signatures, but keep
//! every public item as it is: the grader's tests are compiled against them.

use std::collections::HashMap;
use std::fmt;

use axum::Router;
use axum::response::Response;
use axum::routing::get;
use serde::{Deserialize, Serialize, Serializer};

// ---------------------------------------------------------------------------
// The resource (provided)
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
// The application (yours)
// ---------------------------------------------------------------------------

/// Builds the task API: every route under `/api/v1/tasks`, over a new, empty in-memory store.
///
/// `tokens` maps each bearer token to the user it identifies: a request with
/// `Authorization: Bearer <token>` acts as `tokens[token]`. The scheme name
/// is matched regardless of case (`bearer` works too); the token is compared
/// exactly. Clones of the returned router share one store.
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
    // TODO: put `tokens` and an empty store into one shared state (behind an
    // `Arc`), and give it to the router with `.with_state(...)`.
    let _ = tokens;
    Router::new()
        .route("/api/v1/tasks", get(list_tasks).post(create_task))
        .route(
            "/api/v1/tasks/{id}",
            get(get_task)
                .put(replace_task)
                .patch(update_task)
                .delete(delete_task),
        )
}

// The handlers. Give each one the extractors it needs (the caller, the state,
// the path, the query, the body) and a return type such as
// `Result<impl IntoResponse, ApiError>` with an error type of your own.

/// `GET /api/v1/tasks`: one page of the caller's tasks, with `pagination` and `links`.
async fn list_tasks() -> Response {
    todo!("parse page, limit, status and sort; filter, sort, page; build the links")
}

/// `POST /api/v1/tasks`: 201 Created, a `Location` header and the new task under `data`.
async fn create_task() -> Response {
    todo!("authenticate, read and validate the body, store the task")
}

/// `GET /api/v1/tasks/{id}`: the task under `data`, or 404.
async fn get_task() -> Response {
    todo!("authenticate, find the caller's task")
}

/// `PUT /api/v1/tasks/{id}`: replace the whole task; what the body leaves out (or sends as
/// `null`) gets its default.
///
/// Checks in this order: 401, then a non-numeric id (404), then an unreadable body (400),
/// then a wrong-shaped or invalid body (422), and only then whether the id names one of
/// the caller's tasks (404). PUT never creates a task.
async fn replace_task() -> Response {
    todo!("authenticate, validate like POST, replace every field")
}

/// `PATCH /api/v1/tasks/{id}`: change only the fields the body names; `null` clears a
/// description or due date and is a 422 for a title or status.
///
/// Same order of checks as `replace_task`: 401, non-numeric id (404), 400, 422, then
/// the lookup (404).
async fn update_task() -> Response {
    todo!("authenticate, tell absent from null, validate what is present, apply it")
}

/// `DELETE /api/v1/tasks/{id}`: 204 No Content, then 404 for that id from then on.
async fn delete_task() -> Response {
    todo!("authenticate, remove the caller's task")
}
