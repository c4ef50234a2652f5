//! Orders: placing one from the cart (the stock taken in one transaction, so the shop never
//! sells what it does not have), reading one, and listing the caller's own.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use serde::Serialize;

use crate::AppState;
use crate::auth::{Caller, CustomerId};
use crate::cart::{LineItem, cart_lines, total_cents};
use crate::db::Db;
use crate::error::{ApiError, FieldError, Problems};
use crate::idempotency::{self, IdempotencyKey, Outcome, Placed};
use crate::json::{Data, empty_or_object};
use crate::lifecycle::{cancel_order, pay_order, refund_order, ship_order};
use crate::listing::{Page, PageRequest, Params};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/orders", get(list_orders).post(place_order))
        .route("/api/v1/orders/{id}", get(get_order))
        .route("/api/v1/orders/{id}/pay", post(pay_order))
        .route("/api/v1/orders/{id}/cancel", post(cancel_order))
        .route("/api/v1/orders/{id}/ship", post(ship_order))
        .route("/api/v1/orders/{id}/refund", post(refund_order))
}

/// Where an order stands. It appears in JSON and in the database as its lower-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Paid,
    Shipped,
    Cancelled,
    Refunded,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Paid => "paid",
            Status::Shipped => "shipped",
            Status::Cancelled => "cancelled",
            Status::Refunded => "refunded",
        }
    }

    fn parse(text: &str) -> Option<Status> {
        [
            Status::Pending,
            Status::Paid,
            Status::Shipped,
            Status::Cancelled,
            Status::Refunded,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
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

/// An order, exactly as the API shows it. Its items are copies made when it was placed.
#[derive(Debug, Clone, Serialize)]
pub struct Order {
    pub id: i64,
    pub status: Status,
    pub items: Vec<LineItem>,
    pub total_cents: i64,
    pub charge_id: Option<String>,
}

// ---------------------------------------------------------------------------
// Placing an order
// ---------------------------------------------------------------------------

/// `POST /api/v1/orders` (customer): the cart becomes an order.
#[utoipa::path(
    post, path = "/api/v1/orders", tag = "orders",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header,
        description = "1 to 64 visible ASCII characters; a retry with it replays the answer")),
    responses(
        (status = 201, description = "Placed: `{data: order}`, with `Location`; \
            `Idempotent-Replayed: true` on a replay"),
        (status = 400, description = "BAD_REQUEST: a bad Idempotency-Key"),
        (status = 409, description = "OUT_OF_STOCK: one details entry per short product"),
        (status = 422, description = "VALIDATION_ERROR: the cart is empty"),
    )
)]
pub async fn place_order(
    CustomerId(customer): CustomerId,
    State(db): State<Db>,
    IdempotencyKey(key): IdempotencyKey,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Outcome, ApiError> {
    let body = body?;
    empty_or_object(&headers, &body)?;
    db.call(move |conn| place(conn, customer, key.as_deref()))
        .await
}

/// Replays the answer kept for `key`, or turns the cart into an order, in one transaction.
///
/// `BEGIN IMMEDIATE` takes SQLite's write lock before the first read, so the stock read
/// here cannot change before it is written back: the check and the decrement are one step.
/// (`Db::call` already runs one closure at a time; the lock also holds against any other
/// connection to the file.) Every early `return Err` drops `tx`, which rolls back, so a
/// refused order changes nothing: no stock, no order, no key, the cart as it was.
fn place(conn: &mut Connection, customer: i64, key: Option<&str>) -> Result<Outcome, ApiError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if let Some(key) = key
        && let Some(kept) = idempotency::find(&tx, customer, key)?
    {
        // Whatever the cart holds now: the retry gets the first answer, and nothing else.
        return Ok(Outcome::Replayed(kept));
    }
    let order = take_stock_and_create(&tx, customer)?;
    let body = serde_json::to_string(&Data { data: &order }).map_err(ApiError::internal)?;
    let placed = Placed {
        order_id: order.id,
        status: 201,
        body,
    };
    if let Some(key) = key {
        idempotency::keep(&tx, customer, key, &placed)?;
    }
    // Only now is any of it visible, and the answer goes out only after this returns: a
    // client that got its 201 has an order that survives a crash.
    tx.commit()?;
    Ok(Outcome::New(placed))
}

/// Checks every line of the cart against its product's stock, then takes the stock,
/// writes the order with copies of the names and prices, and empties the cart.
fn take_stock_and_create(conn: &Connection, customer: i64) -> Result<Order, ApiError> {
    let lines = cart_lines(conn, customer)?;
    if lines.is_empty() {
        let problem = FieldError::new("cart", "is empty: put products in it first");
        return Err(ApiError::Validation(vec![problem]));
    }
    // Every short product is named, not just the first, so the customer can fix the whole
    // cart in one go.
    let shortages: Vec<(i64, i64)> = lines
        .iter()
        .filter(|line| line.item.quantity > line.stock)
        .map(|line| (line.item.product_id, line.stock))
        .collect();
    if !shortages.is_empty() {
        return Err(ApiError::out_of_stock(&shortages));
    }
    for line in &lines {
        conn.execute(
            "UPDATE products SET stock = stock - ?1 WHERE id = ?2",
            params![line.item.quantity, line.item.product_id],
        )?;
    }
    let items: Vec<LineItem> = lines.into_iter().map(|line| line.item).collect();
    let total_cents = total_cents(&items);
    conn.execute(
        "INSERT INTO orders (customer_id, status, total_cents) VALUES (?1, ?2, ?3)",
        params![customer, Status::Pending, total_cents],
    )?;
    let id = conn.last_insert_rowid();
    for (position, item) in items.iter().enumerate() {
        conn.execute(
            "INSERT INTO order_items
                 (order_id, position, product_id, name, unit_price_cents, quantity)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                id,
                position,
                item.product_id,
                item.name,
                item.unit_price_cents,
                item.quantity
            ],
        )?;
    }
    conn.execute("DELETE FROM cart_items WHERE customer_id = ?1", [customer])?;
    Ok(Order {
        id,
        status: Status::Pending,
        items,
        total_cents,
        charge_id: None,
    })
}

// ---------------------------------------------------------------------------
// Reading orders
// ---------------------------------------------------------------------------

/// `GET /api/v1/orders/{id}`: the owner or the admin.
#[utoipa::path(
    get, path = "/api/v1/orders/{id}", tag = "orders",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The order's id")),
    responses(
        (status = 200, description = "`{data: order}`"),
        (status = 404, description = "NOT_FOUND: no such order, or another customer's"),
    )
)]
pub async fn get_order(
    caller: Caller,
    State(db): State<Db>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Data<Order>>, ApiError> {
    let Path(id) = id?;
    let owner = match caller {
        Caller::Admin => None,
        Caller::Customer(customer) => Some(customer),
    };
    let order = db.call(move |conn| find_order(conn, id, owner)).await?;
    Ok(Json(Data { data: order }))
}

/// `GET /api/v1/orders` (customer): the caller's own orders, newest first.
#[utoipa::path(
    get, path = "/api/v1/orders", tag = "orders",
    security(("bearer" = [])),
    params(
        ("page" = Option<u64>, Query, description = "From 1 (default 1)"),
        ("limit" = Option<u64>, Query, description = "1 to 100 (default 20)"),
    ),
    responses(
        (status = 200, description = "`{data: [order], pagination}`"),
        (status = 400, description = "BAD_REQUEST: a bad or repeated parameter"),
        (status = 403, description = "FORBIDDEN: the admin token"),
    )
)]
pub async fn list_orders(
    CustomerId(customer): CustomerId,
    State(db): State<Db>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Json<Page<Order>>, ApiError> {
    let Query(pairs) = query?;
    let mut params = Params::parse(pairs, &["page", "limit"])?;
    let mut problems = Problems::default();
    let request = PageRequest::from_params(&mut params, &mut problems);
    if !problems.is_empty() {
        return Err(problems.into_bad_request("invalid query parameters"));
    }
    let page = db
        .call(move |conn| {
            let (limit, offset) = request.limit_offset();
            // Ids only grow, so the highest id is the newest order.
            let mut statement = conn.prepare(&format!(
                "SELECT {ORDER_COLUMNS} FROM orders WHERE customer_id = ?1
                 ORDER BY id DESC LIMIT ?2 OFFSET ?3"
            ))?;
            let orders = statement
                .query_map(params![customer, limit, offset], order_from_row)?
                .collect::<Result<Vec<Order>, _>>()?;
            let orders = with_items(conn, orders)?;
            let total = conn.query_row(
                "SELECT COUNT(*) FROM orders WHERE customer_id = ?1",
                [customer],
                |row| row.get(0),
            )?;
            Ok(Page::new(orders, total, request))
        })
        .await?;
    Ok(Json(page))
}

/// The columns `order_from_row` reads, in its order.
const ORDER_COLUMNS: &str = "id, status, total_cents, charge_id";

/// An order without its items, which `with_items` adds.
fn order_from_row(row: &Row<'_>) -> rusqlite::Result<Order> {
    Ok(Order {
        id: row.get(0)?,
        status: row.get(1)?,
        items: Vec::new(),
        total_cents: row.get(2)?,
        charge_id: row.get(3)?,
    })
}

/// The order with this id, with its items. With an `owner`, another customer's order is
/// "not found", exactly like one that never existed: the owner is part of the query, so a
/// customer cannot even learn that the id is taken.
pub fn find_order(conn: &Connection, id: i64, owner: Option<i64>) -> Result<Order, ApiError> {
    let order = conn
        .query_row(
            &format!(
                "SELECT {ORDER_COLUMNS} FROM orders
                 WHERE id = ?1 AND (?2 IS NULL OR customer_id = ?2)"
            ),
            params![id, owner],
            order_from_row,
        )
        .optional()?
        .ok_or(ApiError::NotFound)?;
    let mut orders = with_items(conn, vec![order])?;
    orders.pop().ok_or(ApiError::NotFound)
}

/// Fills in the items of each order, in the order they were in the cart.
fn with_items(conn: &Connection, mut orders: Vec<Order>) -> Result<Vec<Order>, ApiError> {
    let mut statement = conn.prepare(
        "SELECT product_id, name, unit_price_cents, quantity FROM order_items
         WHERE order_id = ?1 ORDER BY position",
    )?;
    for order in &mut orders {
        order.items = statement
            .query_map([order.id], |row| {
                Ok(LineItem::new(
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                ))
            })?
            .collect::<Result<Vec<LineItem>, _>>()?;
    }
    Ok(orders)
}
