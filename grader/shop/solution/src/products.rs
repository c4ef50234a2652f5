//! The catalog, one product at a time: the admin creates, changes and deletes products;
//! anyone reads them, with an `ETag` so that a client can ask "has it changed?" cheaply.

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use serde_json::Value;

use crate::AppState;
use crate::auth::Admin;
use crate::db::Db;
use crate::error::{ApiError, Problems};
use crate::json::{Data, JsonObject, as_string, as_whole_number};
use crate::search::list_products;

const COLLECTION: &str = "/api/v1/products";
const MAX_NAME_CHARS: usize = 120;
const MAX_DESCRIPTION_CHARS: usize = 2000;
const MAX_CATEGORY_CHARS: usize = 40;
const DEFAULT_CATEGORY: &str = "general";
/// The fields a client may send; any other name in a body is a mistake worth reporting
/// (a misspelt `price` silently ignored would leave the admin believing it was set).
const FIELDS: [&str; 5] = ["name", "description", "category", "price_cents", "stock"];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(COLLECTION, get(list_products).post(create_product))
        .route(
            "/api/v1/products/{id}",
            get(get_product)
                .patch(update_product)
                .delete(delete_product),
        )
}

/// A product, exactly as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Product {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub category: String,
    pub price_cents: i64,
    pub stock: i64,
}

/// The columns `product_from_row` reads, in its order.
pub const PRODUCT_COLUMNS: &str = "id, name, description, category, price_cents, stock";

pub fn product_from_row(row: &Row<'_>) -> rusqlite::Result<Product> {
    Ok(Product {
        id: row.get(0)?,
        name: row.get(1)?,
        description: row.get(2)?,
        category: row.get(3)?,
        price_cents: row.get(4)?,
        stock: row.get(5)?,
    })
}

/// What a search compares `q` with: the name in lower case, computed by Rust because
/// SQLite's `lower()` only knows ASCII.
pub fn fold_case(text: &str) -> String {
    text.to_lowercase()
}

/// The checked fields of a product to create.
struct NewProduct {
    name: String,
    description: String,
    category: String,
    price_cents: i64,
    stock: i64,
}

/// The checked changes of a PATCH: `None` leaves a field as it is.
#[derive(Default)]
struct Changes {
    name: Option<String>,
    description: Option<String>,
    category: Option<String>,
    price_cents: Option<i64>,
    stock: Option<i64>,
}

impl Changes {
    fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.description.is_none()
            && self.category.is_none()
            && self.price_cents.is_none()
            && self.stock.is_none()
    }

    fn apply(self, product: &mut Product) {
        if let Some(name) = self.name {
            product.name = name;
        }
        if let Some(description) = self.description {
            product.description = description;
        }
        if let Some(category) = self.category {
            product.category = category;
        }
        if let Some(price_cents) = self.price_cents {
            product.price_cents = price_cents;
        }
        if let Some(stock) = self.stock {
            product.stock = stock;
        }
    }
}

// ---------------------------------------------------------------------------
// Checking bodies
// ---------------------------------------------------------------------------

/// A string, trimmed, then 1 to `max` characters (characters, not bytes: `len()` would
/// count "é" twice).
fn trimmed_text(value: &Value, max: usize, too_long: &'static str) -> Result<String, &'static str> {
    let text = as_string(value)?.trim();
    match text.chars().count() {
        0 => Err("must not be blank"),
        n if n > max => Err(too_long),
        _ => Ok(text.to_owned()),
    }
}

fn parse_name(value: &Value) -> Result<String, &'static str> {
    trimmed_text(value, MAX_NAME_CHARS, "must be at most 120 characters")
}

fn parse_category(value: &Value) -> Result<String, &'static str> {
    trimmed_text(value, MAX_CATEGORY_CHARS, "must be at most 40 characters")
}

/// Not trimmed: a description may well start with an indented line.
fn parse_description(value: &Value) -> Result<String, &'static str> {
    let description = as_string(value)?;
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        Err("must be at most 2000 characters")
    } else {
        Ok(description.to_owned())
    }
}

fn parse_price(value: &Value) -> Result<i64, &'static str> {
    let problem = "must be a whole number of cents from 1 to 100000000";
    as_whole_number(value, 1..=100_000_000, problem)
}

fn parse_stock(value: &Value) -> Result<i64, &'static str> {
    as_whole_number(
        value,
        0..=1_000_000,
        "must be a whole number from 0 to 1000000",
    )
}

/// Names every field of `body` that a product does not have.
fn check_unknown_fields(body: &JsonObject, problems: &mut Problems) {
    for name in body.keys().filter(|name| !FIELDS.contains(&name.as_str())) {
        problems.add(name.as_str(), "is not a field of a product");
    }
}

/// The checked value of `body[name]`, or `None` when the field is absent or bad. A bad one
/// is recorded in `problems`, and the callers answer 422 whenever there is a problem, so
/// "bad" never gets mistaken for "absent". `null` is bad for every field of a product.
fn field<T>(
    body: &JsonObject,
    name: &str,
    parse: fn(&Value) -> Result<T, &'static str>,
    problems: &mut Problems,
) -> Option<T> {
    let value = body.get(name)?;
    problems.check(name, parse(value))
}

/// Checks every field of a body, as a PATCH would take it, plus unknown names.
fn checked_fields(body: &JsonObject) -> (Changes, Problems) {
    let mut problems = Problems::default();
    check_unknown_fields(body, &mut problems);
    let changes = Changes {
        name: field(body, "name", parse_name, &mut problems),
        description: field(body, "description", parse_description, &mut problems),
        category: field(body, "category", parse_category, &mut problems),
        price_cents: field(body, "price_cents", parse_price, &mut problems),
        stock: field(body, "stock", parse_stock, &mut problems),
    };
    (changes, problems)
}

/// Checks a POST body. Every problem is collected before answering, so one 422 names them
/// all; an absent optional field takes its default.
fn new_product(body: &JsonObject) -> Result<NewProduct, ApiError> {
    let (fields, mut problems) = checked_fields(body);
    for required in ["name", "price_cents"] {
        if !body.contains_key(required) {
            problems.add(required, "is required");
        }
    }
    match (fields.name, fields.price_cents) {
        (Some(name), Some(price_cents)) if problems.is_empty() => Ok(NewProduct {
            name,
            description: fields.description.unwrap_or_default(),
            category: fields
                .category
                .unwrap_or_else(|| DEFAULT_CATEGORY.to_owned()),
            price_cents,
            stock: fields.stock.unwrap_or(0),
        }),
        _ => Err(problems.into_validation()),
    }
}

/// Checks a PATCH body. An absent field stays as it is.
fn changes(body: &JsonObject) -> Result<Changes, ApiError> {
    let (changes, problems) = checked_fields(body);
    if problems.is_empty() {
        Ok(changes)
    } else {
        Err(problems.into_validation())
    }
}

// ---------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------

// Extractor order is the order of the checks: the role first (401, 403), then the path
// (404 for an id that is not a number), then the body (400, then 422), and only then the
// database (404 for an unknown product). The path and body are taken as `Result`s so their
// rejections reach the client in the envelope, through `From`.

/// `POST /api/v1/products` (admin).
#[utoipa::path(
    post, path = "/api/v1/products", tag = "catalog",
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created: `{data: product}`, with `Location`"),
        (status = 401, description = "UNAUTHORIZED"),
        (status = 403, description = "FORBIDDEN: a customer's token"),
        (status = 422, description = "VALIDATION_ERROR: every bad field"),
    )
)]
pub async fn create_product(
    _: Admin,
    State(db): State<Db>,
    body: Result<Json<JsonObject>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Json(body) = body?;
    let new = new_product(&body)?;
    let product = db.call(move |conn| insert_product(conn, new)).await?;
    let location = format!("{COLLECTION}/{}", product.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(Data { data: product }),
    ))
}

/// `GET /api/v1/products/{id}` (anyone), conditional on `If-None-Match`.
#[utoipa::path(
    get, path = "/api/v1/products/{id}", tag = "catalog",
    params(("id" = i64, Path, description = "The product's id")),
    responses(
        (status = 200, description = "`{data: product}`, with an `ETag`"),
        (status = 304, description = "Not modified: `If-None-Match` holds the current ETag"),
        (status = 404, description = "NOT_FOUND"),
    )
)]
pub async fn get_product(
    State(db): State<Db>,
    id: Result<Path<i64>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path(id) = id?;
    let (product, version) = db
        .call(move |conn| find_product(conn, id)?.ok_or(ApiError::NotFound))
        .await?;
    // The version counts every change to the row (a trigger bumps it), so together with
    // the id, which is never reused, it names one state of one product.
    let etag = format!("\"{id}-{version}\"");
    let etag = HeaderValue::from_str(&etag).map_err(ApiError::internal)?;
    if matches_if_none_match(&headers, &etag) {
        // The client's copy is current: no body, and the ETag again to confirm it.
        Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response())
    } else {
        Ok(([(header::ETAG, etag)], Json(Data { data: product })).into_response())
    }
}

/// Whether `If-None-Match` names the current ETag, so the client's copy is current (RFC
/// 9110, section 13.1.2). The header may list several ETags, or be `*`; the comparison is
/// the weak one, so `W/"1-3"` matches `"1-3"`.
fn matches_if_none_match(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let current = etag.as_bytes();
    let matches_one = |candidate: &str| {
        let candidate = candidate.trim();
        let candidate = candidate.strip_prefix("W/").unwrap_or(candidate);
        candidate == "*" || candidate.as_bytes() == current
    };
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.split(',').any(matches_one))
}

/// `PATCH /api/v1/products/{id}` (admin).
#[utoipa::path(
    patch, path = "/api/v1/products/{id}", tag = "catalog",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The product's id")),
    responses(
        (status = 200, description = "The changed product: `{data: product}`"),
        (status = 403, description = "FORBIDDEN: a customer's token"),
        (status = 404, description = "NOT_FOUND"),
        (status = 422, description = "VALIDATION_ERROR: every bad field"),
    )
)]
pub async fn update_product(
    _: Admin,
    State(db): State<Db>,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<JsonObject>, JsonRejection>,
) -> Result<Json<Data<Product>>, ApiError> {
    let Path(id) = id?;
    let Json(body) = body?;
    // Checked in full before the product is even read: a rejected PATCH changes nothing.
    let changes = changes(&body)?;
    let product = db
        .call(move |conn| {
            // Read, change, write back: safe because `Db::call` runs one closure at a
            // time, so nothing else can touch the product in between.
            let (mut product, _) = find_product(conn, id)?.ok_or(ApiError::NotFound)?;
            if changes.is_empty() {
                // Writing the same values back would still bump the version, and with it
                // the ETag, of a product that did not change.
                return Ok(product);
            }
            changes.apply(&mut product);
            conn.execute(
                "UPDATE products SET name = ?1, name_folded = ?2, description = ?3,
                     category = ?4, price_cents = ?5, stock = ?6
                 WHERE id = ?7",
                params![
                    product.name,
                    fold_case(&product.name),
                    product.description,
                    product.category,
                    product.price_cents,
                    product.stock,
                    product.id
                ],
            )?;
            Ok(product)
        })
        .await?;
    Ok(Json(Data { data: product }))
}

/// `DELETE /api/v1/products/{id}` (admin). The product leaves every cart with it (a
/// cascade of the foreign key); orders keep their own copy of what they bought.
#[utoipa::path(
    delete, path = "/api/v1/products/{id}", tag = "catalog",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The product's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "FORBIDDEN: a customer's token"),
        (status = 404, description = "NOT_FOUND"),
    )
)]
pub async fn delete_product(
    _: Admin,
    State(db): State<Db>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let Path(id) = id?;
    let deleted = db
        .call(move |conn| Ok(conn.execute("DELETE FROM products WHERE id = ?1", [id])?))
        .await?;
    match deleted {
        0 => Err(ApiError::NotFound),
        _ => Ok(StatusCode::NO_CONTENT),
    }
}

fn insert_product(conn: &mut Connection, new: NewProduct) -> Result<Product, ApiError> {
    conn.execute(
        "INSERT INTO products (name, name_folded, description, category, price_cents, stock)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            new.name,
            fold_case(&new.name),
            new.description,
            new.category,
            new.price_cents,
            new.stock
        ],
    )?;
    Ok(Product {
        // The id SQLite just chose. Reading it is safe: nothing else can use the
        // connection until this closure returns.
        id: conn.last_insert_rowid(),
        name: new.name,
        description: new.description,
        category: new.category,
        price_cents: new.price_cents,
        stock: new.stock,
    })
}

/// The product with this id and its version, if there is one.
fn find_product(conn: &mut Connection, id: i64) -> Result<Option<(Product, i64)>, ApiError> {
    let sql = format!("SELECT {PRODUCT_COLUMNS}, version FROM products WHERE id = ?1");
    let found = conn
        .query_row(&sql, [id], |row| Ok((product_from_row(row)?, row.get(6)?)))
        .optional()?;
    Ok(found)
}
