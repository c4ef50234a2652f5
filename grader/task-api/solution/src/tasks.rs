//! One task at a time: create, read, update and delete, each for the caller's own tasks only,
//! with every field checked before anything is written.

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use serde_json::Value;

use crate::auth::CurrentUser;
use crate::db::Db;
use crate::error::{ApiError, Problems};
use crate::json::{Data, JsonObject, as_string};
use crate::listing::list_tasks;

const COLLECTION: &str = "/api/v1/tasks";
const MAX_TITLE_CHARS: usize = 200;
const MAX_DESCRIPTION_CHARS: usize = 2000;
/// The fields a client may send; any other name in a body is a mistake worth reporting
/// (a misspelt `due-date` silently ignored would leave the client believing it was set).
const FIELDS: [&str; 4] = ["title", "description", "status", "due_date"];

pub fn routes() -> Router<Db> {
    // Each route's own fallback answers a method it does not support. It is a handler
    // like the others, so it too starts with `CurrentUser`: on these paths, authentication
    // comes before anything else, the method included.
    Router::new()
        .route(
            COLLECTION,
            get(list_tasks).post(create_task).fallback(wrong_method),
        )
        .route(
            "/api/v1/tasks/{id}",
            get(get_task)
                .patch(update_task)
                .delete(delete_task)
                .fallback(wrong_method),
        )
}

async fn wrong_method(_: CurrentUser) -> ApiError {
    ApiError::MethodNotAllowed
}

/// Where a task stands. It appears in JSON, in query strings and in the database as
/// `"todo"`, `"in_progress"` or `"done"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    Todo,
    InProgress,
    Done,
}

impl Status {
    pub fn parse(text: &str) -> Option<Status> {
        match text {
            "todo" => Some(Status::Todo),
            "in_progress" => Some(Status::InProgress),
            "done" => Some(Status::Done),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Status::Todo => "todo",
            Status::InProgress => "in_progress",
            Status::Done => "done",
        }
    }
}

impl ToSql for Status {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

impl FromSql for Status {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Status> {
        Status::parse(value.as_str()?).ok_or(FromSqlError::InvalidType)
    }
}

/// A task, exactly as the API shows it. The owner is not part of it: a client only ever
/// sees its own tasks.
#[derive(Debug, Clone, Serialize)]
pub struct Task {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub status: Status,
    /// Always a valid `YYYY-MM-DD` date: only `parse_due_date` lets one in.
    pub due_date: Option<String>,
}

/// The columns `task_from_row` reads, in its order.
pub const TASK_COLUMNS: &str = "id, title, description, status, due_date";

pub fn task_from_row(row: &Row<'_>) -> rusqlite::Result<Task> {
    Ok(Task {
        id: row.get(0)?,
        title: row.get(1)?,
        description: row.get(2)?,
        status: row.get(3)?,
        due_date: row.get(4)?,
    })
}

/// The checked fields of a task to create.
struct NewTask {
    title: String,
    description: String,
    status: Status,
    due_date: Option<String>,
}

/// The checked changes of a PATCH: `None` leaves a field as it is. `due_date` is the one
/// field that can be removed, so it has three states: absent (`None`), `null`
/// (`Some(None)`) and a date (`Some(Some(date))`).
struct Changes {
    title: Option<String>,
    description: Option<String>,
    status: Option<Status>,
    due_date: Option<Option<String>>,
}

impl Changes {
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

// ---------------------------------------------------------------------------
// Checking bodies
// ---------------------------------------------------------------------------

fn parse_title(value: &Value) -> Result<String, &'static str> {
    // Trim first: "   " is blank, and 200 characters with padding around them is fine.
    let title = as_string(value)?.trim();
    // Characters, not bytes: `len()` would count "é" twice.
    match title.chars().count() {
        0 => Err("must not be blank"),
        n if n > MAX_TITLE_CHARS => Err("must be at most 200 characters"),
        _ => Ok(title.to_owned()),
    }
}

fn parse_description(value: &Value) -> Result<String, &'static str> {
    let description = as_string(value)?;
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        Err("must be at most 2000 characters")
    } else {
        Ok(description.to_owned())
    }
}

fn parse_status(value: &Value) -> Result<Status, &'static str> {
    Status::parse(as_string(value)?).ok_or("must be one of todo, in_progress, done")
}

/// `null`, or a real calendar date written `YYYY-MM-DD`.
fn parse_due_date(value: &Value) -> Result<Option<String>, &'static str> {
    const PROBLEM: &str = "must be a real date written YYYY-MM-DD, or null";
    let text = match value {
        Value::Null => return Ok(None),
        Value::String(text) => text,
        _ => return Err(PROBLEM),
    };
    // chrono alone would also take `2026-1-5` or `+2026-01-05`; checking the shape first
    // keeps one spelling per date, which is what makes text order equal date order.
    let b = text.as_bytes();
    let shape_ok = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        });
    // chrono knows the calendar: 2026-02-29 and 2026-04-31 are refused here.
    if shape_ok && NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok() {
        Ok(Some(text.clone()))
    } else {
        Err(PROBLEM)
    }
}

/// Names every field of `body` that a task does not have.
fn check_unknown_fields(body: &JsonObject, problems: &mut Problems) {
    for name in body.keys().filter(|name| !FIELDS.contains(&name.as_str())) {
        problems.add(name.as_str(), "is not a field of a task");
    }
}

/// The checked value of `body[name]`, or `None` when the field is absent or bad. A bad one
/// is recorded in `problems`, and the callers answer 422 whenever there is a problem, so
/// "bad" never gets mistaken for "absent".
fn field<T>(
    body: &JsonObject,
    name: &str,
    parse: fn(&Value) -> Result<T, &'static str>,
    problems: &mut Problems,
) -> Option<T> {
    let value = body.get(name)?;
    problems.check(name, parse(value))
}

/// Checks a POST body. Every problem is collected before answering, so one 422 names them
/// all; an absent optional field takes its default.
fn new_task(body: &JsonObject) -> Result<NewTask, ApiError> {
    let mut problems = Problems::default();
    check_unknown_fields(body, &mut problems);
    if !body.contains_key("title") {
        problems.add("title", "is required");
    }
    let title = field(body, "title", parse_title, &mut problems);
    let description = field(body, "description", parse_description, &mut problems);
    let status = field(body, "status", parse_status, &mut problems);
    let due_date = field(body, "due_date", parse_due_date, &mut problems);
    match title {
        Some(title) if problems.is_empty() => Ok(NewTask {
            title,
            description: description.unwrap_or_default(),
            status: status.unwrap_or_default(),
            due_date: due_date.flatten(),
        }),
        _ => Err(problems.into_validation()),
    }
}

/// Checks a PATCH body. An absent field stays as it is; `null` clears the due date and is
/// a bad value for the other fields, which no task can be without.
fn changes(body: &JsonObject) -> Result<Changes, ApiError> {
    let mut problems = Problems::default();
    check_unknown_fields(body, &mut problems);
    let changes = Changes {
        title: field(body, "title", parse_title, &mut problems),
        description: field(body, "description", parse_description, &mut problems),
        status: field(body, "status", parse_status, &mut problems),
        due_date: field(body, "due_date", parse_due_date, &mut problems),
    };
    if problems.is_empty() {
        Ok(changes)
    } else {
        Err(problems.into_validation())
    }
}

// ---------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------

// Extractor order is the order of the checks: `CurrentUser` first (401), then the path
// (404 for an id that is not a number), then the body (400, then 422), and only then the
// database (404 for a task that is not the caller's). The path and body are taken as
// `Result`s so their rejections reach the client in the envelope, through `From`.

async fn create_task(
    CurrentUser(user): CurrentUser,
    State(db): State<Db>,
    body: Result<Json<JsonObject>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Json(body) = body?;
    let new = new_task(&body)?;
    let task = db.call(move |conn| insert_task(conn, user, new)).await?;
    let location = format!("{COLLECTION}/{}", task.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(Data { data: task }),
    ))
}

async fn get_task(
    CurrentUser(user): CurrentUser,
    State(db): State<Db>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Data<Task>>, ApiError> {
    let Path(id) = id?;
    let task = db.call(move |conn| find_task(conn, user, id)).await?;
    Ok(Json(Data { data: task }))
}

async fn update_task(
    CurrentUser(user): CurrentUser,
    State(db): State<Db>,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<JsonObject>, JsonRejection>,
) -> Result<Json<Data<Task>>, ApiError> {
    let Path(id) = id?;
    let Json(body) = body?;
    // Checked in full before the task is even read: a rejected PATCH changes nothing.
    let changes = changes(&body)?;
    let task = db
        .call(move |conn| {
            // Read, change, write back: safe because `Db::call` runs one closure at a
            // time, so nothing else can touch the task in between.
            let mut task = find_task(conn, user, id)?;
            changes.apply(&mut task);
            conn.execute(
                "UPDATE tasks SET title = ?1, description = ?2, status = ?3, due_date = ?4
                 WHERE id = ?5",
                params![
                    task.title,
                    task.description,
                    task.status,
                    task.due_date,
                    task.id
                ],
            )?;
            Ok(task)
        })
        .await?;
    Ok(Json(Data { data: task }))
}

async fn delete_task(
    CurrentUser(user): CurrentUser,
    State(db): State<Db>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let Path(id) = id?;
    let deleted = db
        .call(move |conn| {
            let sql = "DELETE FROM tasks WHERE id = ?1 AND user_id = ?2";
            Ok(conn.execute(sql, params![id, user])?)
        })
        .await?;
    match deleted {
        0 => Err(ApiError::NotFound),
        _ => Ok(StatusCode::NO_CONTENT),
    }
}

fn insert_task(conn: &mut Connection, user: i64, new: NewTask) -> Result<Task, ApiError> {
    conn.execute(
        "INSERT INTO tasks (user_id, title, description, status, due_date)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![user, new.title, new.description, new.status, new.due_date],
    )?;
    Ok(Task {
        // The id SQLite just chose. Reading it is safe: nothing else can use the
        // connection until this closure returns.
        id: conn.last_insert_rowid(),
        title: new.title,
        description: new.description,
        status: new.status,
        due_date: new.due_date,
    })
}

/// The caller's task with this id. Another user's task is "not found", exactly like a task
/// that never existed: the owner is part of the query, so a client cannot even learn that
/// the id is taken.
fn find_task(conn: &mut Connection, user: i64, id: i64) -> Result<Task, ApiError> {
    let sql = format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = ?1 AND user_id = ?2");
    conn.query_row(&sql, params![id, user], task_from_row)
        .optional()?
        .ok_or(ApiError::NotFound)
}
