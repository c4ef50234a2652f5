//! Hidden tests for products, prices and optimistic concurrency.

mod common;

use expect::{expect_eq, expect_ne};
use common::{catalog, line, place, store};
use orders_db::{Product, ProductId, StoreError};

/// `add_product` stores the name, price and stock as given, with version 1, and `product` reads them back.
/// Rules: product-stored-as-given.
#[test]
fn products_are_stored_as_given() {
    let mut store = store();
    let desk = store.add_product("Standing desk", 34_900, 7).unwrap();
    let free = store.add_product("Sticker", 0, 0).unwrap();
    expect_ne!(desk, free, "two products must get two different ids");
    expect_eq!(
        store.product(desk).unwrap(),
        Product {
            id: desk,
            name: "Standing desk".into(),
            price_cents: 34_900,
            stock: 7,
            version: 1
        },
    );
    expect_eq!(
        store.product(free).unwrap(),
        Product {
            id: free,
            name: "Sticker".into(),
            price_cents: 0,
            stock: 0,
            version: 1
        },
    );
}

/// A negative price is refused by `add_product` and `update_price`, and nothing changes; a price of 0 is accepted.
/// Rules: negative-price-refused.
#[test]
fn negative_prices_are_refused() {
    let mut store = store();
    let error = store
        .add_product("Refund", -1, 1)
        .expect_err("a price of -1 cent must be refused");
    assert!(
        matches!(error, StoreError::NegativePrice(-1)),
        "expected NegativePrice(-1), got {error:?}"
    );
    let products: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM products", [], |row| row.get(0))
        .unwrap();
    expect_eq!(products, 0, "a refused product must not be stored");

    let (desk, _, _) = catalog(&mut store);
    let error = store
        .update_price(desk, -500, 1)
        .expect_err("a price of -500 cents must be refused");
    assert!(
        matches!(error, StoreError::NegativePrice(-500)),
        "expected NegativePrice(-500), got {error:?}"
    );
    let after = store.product(desk).unwrap();
    expect_eq!(
        (after.price_cents, after.version),
        (12_000, 1),
        "a refused update changed the product"
    );
    expect_eq!(
        store.update_price(desk, 0, 1).ok(),
        Some(2),
        "a price of 0 cents is not negative: the update should succeed and return version 2"
    );
}

/// Reading or repricing a product that does not exist is `UnknownProduct`.
/// Rules: unknown-product.
#[test]
fn unknown_products_are_reported() {
    let mut store = store();
    catalog(&mut store);
    let missing = ProductId(999);
    let read = store.product(missing);
    assert!(
        matches!(read, Err(StoreError::UnknownProduct(ProductId(999)))),
        "product(999) should be UnknownProduct(999), got {read:?}"
    );
    let update = store.update_price(missing, 100, 1);
    assert!(
        matches!(update, Err(StoreError::UnknownProduct(ProductId(999)))),
        "update_price(999, ..) should be UnknownProduct(999), got {update:?}"
    );
}

/// An update with the current version sets the price and returns the version plus one, even when the price stays the same.
/// Rules: price-update-bumps-version.
#[test]
fn an_update_with_the_current_version_succeeds() {
    let mut store = store();
    let (desk, chair, _) = catalog(&mut store);
    expect_eq!(
        store.update_price(desk, 11_000, 1).unwrap(),
        2,
        "the new version should be 2"
    );
    expect_eq!(
        store.update_price(desk, 10_500, 2).unwrap(),
        3,
        "the new version should be 3"
    );
    let after = store.product(desk).unwrap();
    expect_eq!(
        (after.price_cents, after.version),
        (10_500, 3),
        "(price, version) after two updates"
    );
    expect_eq!(
        store.update_price(desk, 10_500, 3).ok(),
        Some(4),
        "an update with the current version 3 succeeds and bumps the version to 4, even when the \
         price is the one the desk already has"
    );
    let other = store.product(chair).unwrap();
    expect_eq!(
        (other.price_cents, other.version),
        (4_500, 1),
        "updating the desk changed the chair"
    );
}

/// An update based on a version that has moved on is a `Conflict` with both versions, and is not applied.
/// Rules: stale-update-conflicts.
#[test]
fn a_stale_update_is_a_conflict() {
    let mut store = store();
    let (desk, _, _) = catalog(&mut store);
    // Two admins read the desk at version 1; the first one saves.
    let alice_read = store.product(desk).unwrap();
    let bob_read = store.product(desk).unwrap();
    store
        .update_price(desk, 11_000, alice_read.version)
        .unwrap();

    let error = store
        .update_price(desk, 9_900, bob_read.version)
        .expect_err("an update based on version 1 after another update must be refused");
    assert!(
        matches!(error, StoreError::Conflict { product, expected: 1, actual: 2 } if product == desk),
        "expected Conflict {{ product: desk, expected: 1, actual: 2 }}, got {error:?}"
    );
    let after = store.product(desk).unwrap();
    expect_eq!(
        (after.price_cents, after.version),
        (11_000, 2),
        "the stale update overwrote the first admin's price (a lost update)"
    );

    // A third admin saves (version 3); bob retries with his old version 1, then with a made-up 9.
    store.update_price(desk, 10_000, 2).unwrap();
    for stale in [1, 9] {
        let error = store
            .update_price(desk, 9_900, stale)
            .expect_err("an update based on a version other than the current 3 must be refused");
        assert!(
            matches!(error, StoreError::Conflict { product, expected, actual: 3 } if product == desk && expected == stale),
            "expected Conflict {{ product: desk, expected: {stale}, actual: 3 }} (the version the desk has now), got {error:?}"
        );
    }
    let after = store.product(desk).unwrap();
    expect_eq!(
        (after.price_cents, after.version),
        (10_000, 3),
        "(price, version): updates based on versions 1 and 9 must change nothing while the desk is at version 3"
    );
}

/// Placing an order changes a product's stock but not its version.
/// Rules: orders-keep-version.
#[test]
fn orders_do_not_change_the_version() {
    let mut store = store();
    let (desk, _, _) = catalog(&mut store);
    place(&mut store, "ada", &[line(desk, 2)], 100);
    expect_eq!(
        store.product(desk).unwrap().version,
        1,
        "an order must not bump the product's version"
    );
    expect_eq!(
        store.update_price(desk, 13_000, 1).unwrap(),
        2,
        "a price update read before an order should still succeed"
    );
}

/// Names that look like SQL are stored and read back literally.
/// Rules: sql-stored-literally.
#[test]
fn sql_looking_names_are_stored_literally() {
    let mut store = store();
    let names = [
        "O'Brien's \"desk\"",
        "x'); DROP TABLE products; --",
        "Robert', 0, 0); --",
        "?1 ; /* not a comment */",
    ];
    for (index, name) in names.iter().enumerate() {
        let id = store
            .add_product(name, 100, 1)
            .unwrap_or_else(|error| panic!("add_product({name:?}) failed: {error}"));
        let stored = store
            .product(id)
            .unwrap_or_else(|error| panic!("product({name:?}): {error}"));
        expect_eq!(
            stored.name, *name,
            "the name must be stored exactly as given"
        );
        expect_eq!(
            (stored.price_cents, stored.stock),
            (100, 1),
            "product {index} has wrong numbers"
        );
    }
}
