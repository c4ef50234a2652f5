//! Hidden tests for writes that race another connection: a rival connection to the
//! same database file commits its own write at the moment the learner's store
//! starts writing to `products`. Deterministic: the rival runs inside the trace
//! hook, on the test's own thread, before the learner's statement executes.

mod common;

use expect::expect_eq;
use std::cell::RefCell;
use std::path::PathBuf;
use std::time::Duration;

use common::line;
use orders_db::{ProductId, Store, StoreError};
use rusqlite::Connection;

/// What the rival does once, and what came of it.
struct Rival {
    store: Store,
    action: Option<Box<dyn FnOnce(&mut Store) -> String>>,
    outcome: Option<String>,
}

thread_local! {
    static RIVAL: RefCell<Option<Rival>> = const { RefCell::new(None) };
}

/// Whether `sql` writes to the products table (`UPDATE products ...`, any spelling).
fn updates_products(sql: &str) -> bool {
    let words: Vec<String> = sql
        .replace(['"', '`', '[', ']'], " ")
        .split_whitespace()
        .map(|word| word.to_ascii_lowercase())
        .collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["update", "or", _, table, ..] | ["update", table, ..] => {
            *table == "products" || *table == "main.products"
        }
        _ => false,
    }
}

/// The learner's connection's trace hook: the first write to `products` lets the rival in first.
fn interfere(sql: &str) {
    if !updates_products(sql) {
        return;
    }
    RIVAL.with(|rival| {
        let mut rival = rival.borrow_mut();
        if let Some(rival) = rival.as_mut() {
            if let Some(action) = rival.action.take() {
                rival.outcome = Some(action(&mut rival.store));
            }
        }
    });
}

/// A database file of its own, removed when dropped.
struct TempDb(PathBuf);

impl TempDb {
    fn new(name: &str) -> TempDb {
        let path =
            std::env::temp_dir().join(format!("orders-db-{name}-{}.sqlite", std::process::id()));
        let db = TempDb(path);
        db.remove();
        db
    }

    fn remove(&self) {
        for suffix in ["", "-journal", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        self.remove();
    }
}

/// The learner's store on `db`, traced so that the rival can cut in.
fn traced(db: &TempDb) -> Store {
    let mut conn = Connection::open(&db.0).expect("SQLite opens the database file");
    conn.trace(Some(interfere));
    Store::from_connection(conn).expect("Store::from_connection should migrate the database file")
}

/// A second store on the same file. It never waits for a lock: if the learner's
/// transaction holds one, the rival's write fails at once with a busy error.
fn rival_on(db: &TempDb, action: impl FnOnce(&mut Store) -> String + 'static) {
    let conn = Connection::open(&db.0).expect("SQLite opens the database file a second time");
    conn.busy_timeout(Duration::ZERO)
        .expect("the busy timeout can be set");
    let store = Store::from_connection(conn).expect("the second connection opens the same store");
    RIVAL.with(|rival| {
        *rival.borrow_mut() = Some(Rival {
            store,
            action: Some(Box::new(action)),
            outcome: None,
        })
    });
}

/// What the rival's write returned, or a failure if the learner's code never wrote to `products`.
fn rival_outcome(what: &str) -> String {
    RIVAL.with(|rival| {
        let mut rival = rival.borrow_mut();
        let rival = rival.take().expect("the rival was set up");
        rival.outcome.unwrap_or_else(|| {
            panic!("{what} never ran an `UPDATE products ...` statement on its connection")
        })
    })
}

/// Units of `product` in order items, and in stock, read straight from the file.
fn units(db: &TempDb, product: ProductId) -> (i64, i64) {
    let conn = Connection::open(&db.0).expect("SQLite opens the database file");
    let sold = conn
        .query_row(
            "SELECT coalesce(sum(quantity), 0) FROM order_items WHERE product_id = ?1",
            [product.0],
            |row| row.get(0),
        )
        .expect("order_items can be read");
    let stock = conn
        .query_row(
            "SELECT stock FROM products WHERE id = ?1",
            [product.0],
            |row| row.get(0),
        )
        .expect("the product can be read");
    (sold, stock)
}

/// A sale committed by another connection just before the order writes its stock is never overwritten: no unit is sold twice.
/// Rules: stock-no-lost-sale.
#[test]
fn a_rival_sale_is_not_overwritten() {
    let db = TempDb::new("rival-sale");
    let mut store = traced(&db);
    let lamp = store.add_product("Lamp", 1_999, 2).unwrap();
    // Bob buys one of the two lamps at the moment ada's order starts taking stock.
    rival_on(&db, move |rival| {
        match rival.place_order("bob", &[line(lamp, 1)], 100) {
            Ok(_) => "sold".to_string(),
            Err(StoreError::Db(error)) => format!("blocked: {error}"),
            Err(other) => panic!(
                "bob's order of 1 lamp out of 2, from a second connection, failed: {other:?}"
            ),
        }
    });

    let ada = store.place_order("ada", &[line(lamp, 2)], 101);
    let bob = rival_outcome("place_order");
    let (sold, stock) = units(&db, lamp);
    expect_eq!(
        stock + sold,
        2,
        "2 lamps were in stock; bob's order (from a second connection: {bob}) and ada's (2 lamps: {ada:?}) \
         sold {sold} and left {stock} in stock. Bob's sale committed before ada's order wrote the stock: \
         check and take it in one statement (`SET stock = stock - ?1 ... AND stock >= ?1`) inside the \
         transaction, not from a number read earlier"
    );
    if bob == "sold" {
        assert!(
            matches!(&ada, Err(StoreError::InsufficientStock { product, requested: 2, available: 1, .. }) if *product == lamp),
            "bob bought 1 of the 2 lamps first: ada's order of 2 should be InsufficientStock \
             {{ requested: 2, available: 1 }}, got {ada:?}"
        );
    }
}

/// A price update committed by another connection between reading the version and writing is a `Conflict`, never overwritten.
/// Rules: price-no-lost-update.
#[test]
fn a_rival_price_update_is_not_lost() {
    let db = TempDb::new("rival-price");
    let mut store = traced(&db);
    let desk = store.add_product("Desk", 12_000, 5).unwrap();
    // Both admins read version 1; bob's save commits at the moment ada's starts writing.
    rival_on(&db, move |rival| match rival.update_price(desk, 9_900, 1) {
        Ok(version) => format!("saved as version {version}"),
        Err(StoreError::Db(error)) => format!("blocked: {error}"),
        Err(other) => {
            panic!("bob's update of version 1, from a second connection, failed: {other:?}")
        }
    });

    let ada = store.update_price(desk, 11_000, 1);
    let bob = rival_outcome("update_price");
    let after = store.product(desk).unwrap();
    let expected = if bob.starts_with("saved") {
        assert!(
            matches!(
                &ada,
                Err(StoreError::Conflict {
                    expected: 1,
                    actual: 2,
                    ..
                })
            ),
            "bob saved 9900 from version 1 (a second connection) just before ada's update of version 1 \
             wrote: ada's update should be Conflict {{ expected: 1, actual: 2 }}, got {ada:?}. Compare \
             the version in the UPDATE itself (`WHERE id = ?2 AND version = ?3`), not in Rust"
        );
        (9_900, 2)
    } else {
        (11_000, 2)
    };
    expect_eq!(
        (after.price_cents, after.version),
        expected,
        "(price, version) after bob's update ({bob}) and ada's ({ada:?}), both based on version 1: \
         exactly one may win"
    );
}
