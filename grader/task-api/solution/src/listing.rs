//! `GET /api/v1/tasks`: the caller's tasks, filtered by status, sorted, one page at a time.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use rusqlite::{Connection, params};
use serde::Serialize;

use crate::auth::CurrentUser;
use crate::db::Db;
use crate::error::{ApiError, Problems};
use crate::tasks::{Status, TASK_COLUMNS, Task, task_from_row};

const DEFAULT_LIMIT: u64 = 20;
const MAX_LIMIT: u64 = 100;

/// The orders a client may ask for. Only these: the `ORDER BY` clause is picked from this
/// list, never built from the client's text, so the query string cannot inject SQL.
#[derive(Debug, Clone, Copy, Default)]
enum Sort {
    #[default]
    Id,
    DueDate,
    LatestDueDate,
}

impl Sort {
    fn parse(text: &str) -> Option<Sort> {
        match text {
            "id" => Some(Sort::Id),
            "due_date" => Some(Sort::DueDate),
            "-due_date" => Some(Sort::LatestDueDate),
            _ => None,
        }
    }

    /// Undated tasks go last in *both* date orders ("latest first" should not open with
    /// tasks that have no date at all), so only the dated comparison is reversed:
    /// `due_date IS NULL` is 0 for dated tasks and 1 for the others. The id last makes the
    /// order total, so that pages neither skip nor repeat tasks that share a date.
    fn order_by(self) -> &'static str {
        match self {
            Sort::Id => "id",
            Sort::DueDate => "due_date IS NULL, due_date, id",
            Sort::LatestDueDate => "due_date IS NULL, due_date DESC, id",
        }
    }
}

/// A checked listing request.
#[derive(Debug, Clone, Copy)]
struct ListQuery {
    status: Option<Status>,
    sort: Sort,
    page: u64,
    limit: u64,
}

/// The query string as it was sent, one string per known parameter.
#[derive(Default)]
struct RawQuery {
    status: Option<String>,
    sort: Option<String>,
    page: Option<String>,
    limit: Option<String>,
}

impl ListQuery {
    /// The query string arrives as name-value pairs, in order and with repeats, rather than
    /// as a struct: that is how a repeated parameter (`?page=1&page=2`, which of the two
    /// did the client mean?) can be seen and refused.
    fn parse(pairs: Vec<(String, String)>) -> Result<ListQuery, ApiError> {
        let mut raw = RawQuery::default();
        let mut problems = Problems::default();
        for (name, value) in pairs {
            let slot = match name.as_str() {
                "status" => &mut raw.status,
                "sort" => &mut raw.sort,
                "page" => &mut raw.page,
                "limit" => &mut raw.limit,
                // Parameters the API does not define are none of its business.
                _ => continue,
            };
            if slot.replace(value).is_some() {
                problems.add(name, "must be given at most once");
            }
        }
        if !problems.is_empty() {
            return Err(problems.into_bad_request("a query parameter is repeated"));
        }
        raw.check()
    }
}

impl RawQuery {
    /// Checks every parameter given, so that one 400 names all the bad ones.
    fn check(self) -> Result<ListQuery, ApiError> {
        let mut problems = Problems::default();
        let status = self.status.map(|text| {
            problems.check(
                "status",
                Status::parse(&text).ok_or("must be todo, in_progress or done"),
            )
        });
        let sort = self.sort.map(|text| {
            problems.check(
                "sort",
                Sort::parse(&text).ok_or("must be id, due_date or -due_date"),
            )
        });
        let page = self.page.map(|text| {
            let page = whole_number(&text).filter(|&page| page >= 1);
            problems.check("page", page.ok_or("must be a whole number from 1"))
        });
        // Out of range is an error, not something to clamp: a client asking for 500 and
        // silently getting 100 would believe it had everything.
        let limit = self.limit.map(|text| {
            let limit = whole_number(&text).filter(|limit| (1..=MAX_LIMIT).contains(limit));
            problems.check("limit", limit.ok_or("must be a whole number from 1 to 100"))
        });
        if !problems.is_empty() {
            return Err(problems.into_bad_request("invalid query parameters"));
        }
        // No problems, so every parameter given was valid: `flatten` only drops absent ones.
        Ok(ListQuery {
            status: status.flatten(),
            sort: sort.flatten().unwrap_or_default(),
            page: page.flatten().unwrap_or(1),
            limit: limit.flatten().unwrap_or(DEFAULT_LIMIT),
        })
    }
}

/// Digits only: `u64::from_str` would also take `+5`, which is not how anyone writes a page.
fn whole_number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[derive(Serialize)]
pub struct TaskPage {
    data: Vec<Task>,
    pagination: Pagination,
}

#[derive(Serialize)]
struct Pagination {
    page: u64,
    limit: u64,
    /// Every task that matches the filter, on any page.
    total: u64,
    total_pages: u64,
}

pub async fn list_tasks(
    CurrentUser(user): CurrentUser,
    State(db): State<Db>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Json<TaskPage>, ApiError> {
    let Query(pairs) = query?;
    let query = ListQuery::parse(pairs)?;
    // Count and page in one closure: `Db::call` runs one at a time, so no write can land
    // between them and make `total` disagree with `data`.
    let (data, total) = db
        .call(move |conn| {
            Ok((
                page_of_tasks(conn, user, &query)?,
                count_tasks(conn, user, &query)?,
            ))
        })
        .await?;
    // An empty list still has one (empty) page, so `total_pages` is always a page a
    // client can ask for.
    let total_pages = total.div_ceil(query.limit).max(1);
    let pagination = Pagination {
        page: query.page,
        limit: query.limit,
        total,
        total_pages,
    };
    Ok(Json(TaskPage { data, pagination }))
}

fn page_of_tasks(
    conn: &mut Connection,
    user: i64,
    query: &ListQuery,
) -> Result<Vec<Task>, ApiError> {
    // SQLite takes LIMIT and OFFSET as signed 64-bit numbers: a page far past the end
    // saturates instead of overflowing, and still finds nothing.
    let offset = (query.page - 1).saturating_mul(query.limit);
    let offset = i64::try_from(offset).unwrap_or(i64::MAX);
    let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
    // `?2 IS NULL OR ...`: one statement serves "all statuses" and "only this one".
    let sql = format!(
        "SELECT {TASK_COLUMNS} FROM tasks
         WHERE user_id = ?1 AND (?2 IS NULL OR status = ?2)
         ORDER BY {} LIMIT ?3 OFFSET ?4",
        query.sort.order_by()
    );
    let mut statement = conn.prepare(&sql)?;
    let tasks = statement
        .query_map(params![user, query.status, limit, offset], task_from_row)?
        .collect::<Result<Vec<Task>, _>>()?;
    Ok(tasks)
}

fn count_tasks(conn: &mut Connection, user: i64, query: &ListQuery) -> Result<u64, ApiError> {
    let total: i64 = conn.query_row(
        "SELECT COUNT(*) FROM tasks WHERE user_id = ?1 AND (?2 IS NULL OR status = ?2)",
        params![user, query.status],
        |row| row.get(0),
    )?;
    // COUNT(*) is never negative.
    Ok(u64::try_from(total).unwrap_or(0))
}
