//! Starter tests: run them with `cargo test`. They cover a little of the
//! task; `workbook grade orders-db` runs the full hidden suite.

use orders_db::{Line, MIGRATIONS, Store, StoreError, schema_version};

/// Opening a store migrates it to the last version.
#[test]
fn opening_migrates_to_the_latest_version() {
    let store = Store::open_in_memory().unwrap();
    let version = schema_version(store.connection()).unwrap();
    assert_eq!(version as usize, MIGRATIONS.len());
}

/// An order takes its quantity out of stock and keeps the price it was sold at.
#[test]
fn an_order_takes_stock() {
    let mut store = Store::open_in_memory().unwrap();
    let desk = store.add_product("Desk", 12_000, 3).unwrap();
    let line = Line {
        product: desk,
        quantity: 2,
    };
    store.place_order("ada", &[line], 1_700_000_000).unwrap();

    assert_eq!(store.product(desk).unwrap().stock, 1);
    let history = store.orders_with_items("ada").unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].order.total_cents, 24_000);
}

/// Asking for more than the stock fails, names the product and changes nothing.
#[test]
fn a_short_line_changes_nothing() {
    let mut store = Store::open_in_memory().unwrap();
    let desk = store.add_product("Desk", 12_000, 3).unwrap();
    let chair = store.add_product("Chair", 4_500, 1).unwrap();
    let lines = [
        Line {
            product: desk,
            quantity: 1,
        },
        Line {
            product: chair,
            quantity: 2,
        },
    ];
    let error = store.place_order("ada", &lines, 1_700_000_000).unwrap_err();

    assert!(
        matches!(error, StoreError::InsufficientStock { product, .. } if product == chair),
        "expected InsufficientStock for the chair, got {error:?}"
    );
    assert_eq!(
        store.product(desk).unwrap().stock,
        3,
        "the desk's stock must be untouched"
    );
    assert!(store.orders_with_items("ada").unwrap().is_empty());
}
