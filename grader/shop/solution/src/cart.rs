//! Every customer's one cart: set a product's quantity, remove it, read the whole cart with
//! the catalog's current names and prices.

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::routing::{get, put};
use axum::{Json, Router};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::AppState;
use crate::auth::CustomerId;
use crate::db::Db;
use crate::error::{ApiError, Problems};
use crate::json::{Data, JsonObject, as_whole_number};

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/cart", get(get_cart)).route(
        "/api/v1/cart/items/{product_id}",
        put(set_item).delete(remove_item),
    )
}

/// One line of a cart or of an order. The line total is computed once, here, so that a
/// line and the sum of the lines can never disagree.
#[derive(Debug, Clone, Serialize)]
pub struct LineItem {
    pub product_id: i64,
    pub name: String,
    pub unit_price_cents: i64,
    pub quantity: i64,
    pub line_total_cents: i64,
}

impl LineItem {
    pub fn new(product_id: i64, name: String, unit_price_cents: i64, quantity: i64) -> LineItem {
        LineItem {
            product_id,
            name,
            unit_price_cents,
            quantity,
            // At most 100000000 * 99: far inside an i64.
            line_total_cents: unit_price_cents * quantity,
        }
    }
}

/// The sum of the lines' totals.
pub fn total_cents(items: &[LineItem]) -> i64 {
    items.iter().map(|item| item.line_total_cents).sum()
}

#[derive(Serialize)]
pub struct Cart {
    items: Vec<LineItem>,
    total_cents: i64,
}

/// A cart line with its product's stock right now, which placing an order compares.
pub struct CartLine {
    pub item: LineItem,
    pub stock: i64,
}

/// The customer's cart, in the order the items were first added, priced from the catalog
/// as it is now.
pub fn cart_lines(conn: &Connection, customer: i64) -> Result<Vec<CartLine>, ApiError> {
    let mut statement = conn.prepare(
        "SELECT c.product_id, p.name, p.price_cents, c.quantity, p.stock
         FROM cart_items c JOIN products p ON p.id = c.product_id
         WHERE c.customer_id = ?1
         ORDER BY c.id",
    )?;
    let lines = statement
        .query_map([customer], |row| {
            Ok(CartLine {
                item: LineItem::new(row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?),
                stock: row.get(4)?,
            })
        })?
        .collect::<Result<Vec<CartLine>, _>>()?;
    Ok(lines)
}

fn load_cart(conn: &Connection, customer: i64) -> Result<Cart, ApiError> {
    let items: Vec<LineItem> = cart_lines(conn, customer)?
        .into_iter()
        .map(|line| line.item)
        .collect();
    let total_cents = total_cents(&items);
    Ok(Cart { items, total_cents })
}

/// The quantity of a PUT body: a whole number from 1 to 99. Other fields are ignored.
fn quantity(body: &JsonObject) -> Result<i64, ApiError> {
    let mut problems = Problems::default();
    let quantity = match body.get("quantity") {
        None => problems.check("quantity", Err("is required")),
        Some(value) => problems.check(
            "quantity",
            as_whole_number(value, 1..=99, "must be a whole number from 1 to 99"),
        ),
    };
    quantity.ok_or_else(|| problems.into_validation())
}

/// `GET /api/v1/cart` (customer).
#[utoipa::path(
    get, path = "/api/v1/cart", tag = "cart",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "`{data: {items, total_cents}}`"),
        (status = 403, description = "FORBIDDEN: the admin token"),
    )
)]
pub async fn get_cart(
    CustomerId(customer): CustomerId,
    State(db): State<Db>,
) -> Result<Json<Data<Cart>>, ApiError> {
    let cart = db.call(move |conn| load_cart(conn, customer)).await?;
    Ok(Json(Data { data: cart }))
}

/// `PUT /api/v1/cart/items/{product_id}` (customer): sets the quantity, never adds to it,
/// so sending the same request twice leaves the same cart (PUT is idempotent).
#[utoipa::path(
    put, path = "/api/v1/cart/items/{product_id}", tag = "cart",
    security(("bearer" = [])),
    params(("product_id" = i64, Path, description = "The product's id")),
    responses(
        (status = 200, description = "The cart: `{data: {items, total_cents}}`"),
        (status = 404, description = "NOT_FOUND: no such product"),
        (status = 409, description = "OUT_OF_STOCK: more than the stock"),
        (status = 422, description = "VALIDATION_ERROR: quantity not from 1 to 99"),
    )
)]
pub async fn set_item(
    CustomerId(customer): CustomerId,
    State(db): State<Db>,
    product_id: Result<Path<i64>, PathRejection>,
    body: Result<Json<JsonObject>, JsonRejection>,
) -> Result<Json<Data<Cart>>, ApiError> {
    let Path(product_id) = product_id?;
    let Json(body) = body?;
    let quantity = quantity(&body)?;
    let cart = db
        .call(move |conn| {
            let stock: i64 = conn
                .query_row(
                    "SELECT stock FROM products WHERE id = ?1",
                    [product_id],
                    |row| row.get(0),
                )
                .optional()?
                .ok_or(ApiError::NotFound)?;
            // Only a first check, to tell the customer early: the stock can still drop
            // before the order is placed, which is why placing it checks again.
            if quantity > stock {
                return Err(ApiError::out_of_stock(&[(product_id, stock)]));
            }
            // An upsert updates the row in place, so the item keeps its place in the cart.
            conn.execute(
                "INSERT INTO cart_items (customer_id, product_id, quantity) VALUES (?1, ?2, ?3)
                 ON CONFLICT (customer_id, product_id) DO UPDATE SET quantity = excluded.quantity",
                params![customer, product_id, quantity],
            )?;
            load_cart(conn, customer)
        })
        .await?;
    Ok(Json(Data { data: cart }))
}

/// `DELETE /api/v1/cart/items/{product_id}` (customer).
#[utoipa::path(
    delete, path = "/api/v1/cart/items/{product_id}", tag = "cart",
    security(("bearer" = [])),
    params(("product_id" = i64, Path, description = "The product's id")),
    responses(
        (status = 200, description = "The cart without the item"),
        (status = 404, description = "NOT_FOUND: the product is not in the cart"),
    )
)]
pub async fn remove_item(
    CustomerId(customer): CustomerId,
    State(db): State<Db>,
    product_id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Data<Cart>>, ApiError> {
    let Path(product_id) = product_id?;
    let cart = db
        .call(move |conn| {
            let removed = conn.execute(
                "DELETE FROM cart_items WHERE customer_id = ?1 AND product_id = ?2",
                params![customer, product_id],
            )?;
            if removed == 0 {
                return Err(ApiError::NotFound);
            }
            load_cart(conn, customer)
        })
        .await?;
    Ok(Json(Data { data: cart }))
}
