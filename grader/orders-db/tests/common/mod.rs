//! Helpers shared by the hidden tests: stores, fixtures, a statement counter
//! built on rusqlite's trace hook, and query plans.

#![allow(dead_code)] // each test file uses a different part of this module

use std::cell::RefCell;

use orders_db::{Line, OrderId, ProductId, Store};
use rusqlite::Connection;

thread_local! {
    /// The SQL of every statement the traced connections of this thread ran,
    /// with bound parameters written in. rusqlite runs statements on the
    /// calling thread, so tests running side by side never mix their logs.
    static STATEMENTS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// The trace hook: `Connection::trace` takes a plain `fn(&str)`.
fn record(sql: &str) {
    STATEMENTS.with(|log| log.borrow_mut().push(sql.to_string()));
}

/// A fresh, migrated in-memory store.
pub fn store() -> Store {
    Store::open_in_memory().expect("Store::open_in_memory should open and migrate a new database")
}

/// A fresh in-memory store whose statements are recorded (see `statements`).
pub fn traced_store() -> Store {
    let mut conn = Connection::open_in_memory().expect("SQLite opens an in-memory database");
    conn.trace(Some(record));
    Store::from_connection(conn).expect("Store::from_connection should migrate a new database")
}

/// Forgets the statements recorded so far on this thread.
pub fn clear_statements() {
    STATEMENTS.with(|log| log.borrow_mut().clear());
}

/// The statements recorded on this thread since the last `clear_statements`.
pub fn statements() -> Vec<String> {
    STATEMENTS.with(|log| log.borrow().clone())
}

/// The steps of SQLite's plan for `sql`, joined with " | ".
pub fn plan(conn: &Connection, sql: &str) -> String {
    let mut stmt = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .unwrap_or_else(|error| panic!("EXPLAIN QUERY PLAN failed for `{sql}`: {error}"));
    let steps: Vec<String> = stmt
        .query_map([], |row| row.get::<_, String>(3))
        .expect("the plan can be read")
        .collect::<Result<_, _>>()
        .expect("the plan can be read");
    steps.join(" | ")
}

/// A line of `quantity` units of `product`.
pub fn line(product: ProductId, quantity: u32) -> Line {
    Line { product, quantity }
}

/// Three products: a desk (120.00, 5 in stock), a chair (45.00, 10) and a lamp (19.99, 2).
pub fn catalog(store: &mut Store) -> (ProductId, ProductId, ProductId) {
    let desk = store
        .add_product("Desk", 12_000, 5)
        .expect("add_product(Desk)");
    let chair = store
        .add_product("Chair", 4_500, 10)
        .expect("add_product(Chair)");
    let lamp = store
        .add_product("Lamp", 1_999, 2)
        .expect("add_product(Lamp)");
    (desk, chair, lamp)
}

/// Places an order that must succeed.
pub fn place(store: &mut Store, customer: &str, lines: &[Line], created_at: i64) -> OrderId {
    store
        .place_order(customer, lines, created_at)
        .unwrap_or_else(|error| panic!("placing a valid order for {customer:?} failed: {error}"))
}

/// The stock of `product` now.
pub fn stock(store: &Store, product: ProductId) -> u32 {
    store.product(product).expect("the product exists").stock
}

/// How many rows the `orders` and `order_items` tables hold.
pub fn row_counts(store: &Store) -> (i64, i64) {
    let count = |table: &str| -> i64 {
        store
            .connection()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
                row.get(0)
            })
            .expect("the table exists")
    };
    (count("orders"), count("order_items"))
}

/// The `(created_at, id)` of each order of a page, for compact comparisons.
pub fn keys(orders: &[orders_db::Order]) -> Vec<(i64, i64)> {
    orders
        .iter()
        .map(|order| (order.created_at, order.id.0))
        .collect()
}
