//! Hidden tests for `place_order`: stock, items, totals, and all-or-nothing failures.

mod common;

use expect::expect_eq;
use common::{catalog, line, place, row_counts, stock, store};
use orders_db::{OrderItem, ProductId, Store, StoreError};

/// Asserts that the catalog's stock is back to (desk 5, chair 10, lamp 2) and no order exists.
fn assert_unchanged(store: &Store, products: (ProductId, ProductId, ProductId), what: &str) {
    let (desk, chair, lamp) = products;
    expect_eq!(
        (stock(store, desk), stock(store, chair), stock(store, lamp)),
        (5, 10, 2),
        "after {what}, the stock of (desk, chair, lamp) must be unchanged: nothing may be taken"
    );
    expect_eq!(
        row_counts(store),
        (0, 0),
        "after {what}, no order and no order item may be stored (rows in orders, order_items)"
    );
}

/// An order takes every line's quantity out of its product's stock.
/// Rules: order-takes-stock.
#[test]
fn an_order_takes_stock_for_every_line() {
    let mut store = store();
    let (desk, chair, lamp) = catalog(&mut store);
    place(
        &mut store,
        "ada",
        &[line(desk, 1), line(chair, 4), line(lamp, 1)],
        100,
    );
    expect_eq!(
        (
            stock(&store, desk),
            stock(&store, chair),
            stock(&store, lamp)
        ),
        (4, 6, 1),
        "stock of (desk, chair, lamp) after ordering 1, 4 and 1 of 5, 10 and 2"
    );
}

/// The order is stored with its customer, time, items in line order at the current prices, and their total.
/// Rules: order-stored-with-items, order-total.
#[test]
fn an_order_is_stored_with_its_items_and_total() {
    let mut store = store();
    let (desk, chair, lamp) = catalog(&mut store);
    let id = place(
        &mut store,
        "ada",
        &[line(lamp, 2), line(desk, 1), line(chair, 3)],
        1_700_000_000,
    );
    let history = store.orders_with_items("ada").unwrap();
    expect_eq!(history.len(), 1, "ada placed one order");
    let stored = &history[0];
    expect_eq!(
        stored.order.id, id,
        "the listed order should have the id place_order returned"
    );
    expect_eq!(stored.order.customer, "ada");
    expect_eq!(
        stored.order.created_at, 1_700_000_000,
        "created_at must be the value passed in"
    );
    expect_eq!(
        stored.order.total_cents,
        2 * 1_999 + 12_000 + 3 * 4_500,
        "the total is the sum of quantity × unit price"
    );
    let item = |product, quantity, unit_price_cents| OrderItem {
        product,
        quantity,
        unit_price_cents,
    };
    expect_eq!(
        stored.items,
        vec![
            item(lamp, 2, 1_999),
            item(desk, 1, 12_000),
            item(chair, 3, 4_500)
        ],
        "the items, in line order, with the prices at the time of the order"
    );
}

/// A later price change does not change the items or total of orders already placed.
/// Rules: item-price-snapshot, order-total.
#[test]
fn later_price_changes_do_not_touch_placed_orders() {
    let mut store = store();
    let (desk, _, _) = catalog(&mut store);
    place(&mut store, "ada", &[line(desk, 2)], 100);
    store.update_price(desk, 15_000, 1).unwrap();
    place(&mut store, "ada", &[line(desk, 1)], 200);

    let history = store.orders_with_items("ada").unwrap();
    let summary: Vec<(i64, i64, i64)> = history
        .iter()
        .map(|o| {
            (
                o.order.created_at,
                o.order.total_cents,
                o.items[0].unit_price_cents,
            )
        })
        .collect();
    expect_eq!(
        summary,
        vec![(200, 15_000, 15_000), (100, 24_000, 12_000)],
        "(created_at, total, unit price) per order: the first order keeps the old price"
    );
}

/// A line may take exactly the units in stock; after that the product is out of stock.
/// Rules: stock-exactly-available, insufficient-stock-names-product.
#[test]
fn the_last_unit_can_be_sold() {
    let mut store = store();
    let (_, _, lamp) = catalog(&mut store);
    store
        .place_order("ada", &[line(lamp, 2)], 100)
        .expect("ordering exactly the 2 lamps in stock must succeed");
    expect_eq!(stock(&store, lamp), 0, "both lamps are sold");
    let error = store
        .place_order("bob", &[line(lamp, 1)], 101)
        .expect_err("no lamp is left");
    assert!(
        matches!(&error, StoreError::InsufficientStock { product, requested: 1, available: 0, .. } if *product == lamp),
        "expected InsufficientStock for the lamp with 1 requested and 0 available, got {error:?}"
    );
}

/// A short line fails the whole order, names the product and its numbers, and changes nothing.
/// Rules: insufficient-stock-changes-nothing, insufficient-stock-names-product.
#[test]
fn a_short_line_changes_nothing() {
    let mut store = store();
    let products = catalog(&mut store);
    let (desk, chair, lamp) = products;
    // The first line can be served; the second cannot; the third is never reached.
    let error = store
        .place_order("ada", &[line(chair, 4), line(lamp, 3), line(desk, 1)], 100)
        .expect_err("3 lamps with 2 in stock must fail the order");
    match &error {
        StoreError::InsufficientStock {
            product,
            name,
            requested,
            available,
        } => {
            expect_eq!(
                *product, lamp,
                "the error must name the lamp, the product that is short"
            );
            expect_eq!(name, "Lamp", "the error must carry the product's name");
            expect_eq!(
                (*requested, *available),
                (3, 2),
                "(requested, available) for the lamp"
            );
        }
        other => panic!("expected InsufficientStock for the lamp, got {other:?}"),
    }
    assert_unchanged(&store, products, "an order with a short line");
}

/// Two lines of the same product add up: together they must fit in the stock, and each stays an item of its own.
/// Rules: same-product-lines-add-up, insufficient-stock-changes-nothing, order-stored-with-items.
#[test]
fn two_lines_of_one_product_add_up() {
    let mut store = store();
    let products = catalog(&mut store);
    let (desk, _, _) = products;
    let error = store
        .place_order("ada", &[line(desk, 3), line(desk, 3)], 100)
        .expect_err("3 + 3 desks with 5 in stock must fail");
    assert!(
        matches!(&error, StoreError::InsufficientStock { product, .. } if *product == desk),
        "expected InsufficientStock for the desk, got {error:?}"
    );
    assert_unchanged(
        &store,
        products,
        "two desk lines that together exceed the stock",
    );

    place(&mut store, "ada", &[line(desk, 3), line(desk, 2)], 100);
    expect_eq!(stock(&store, desk), 0, "3 + 2 desks of 5 leave none");
    let items: Vec<(ProductId, u32)> = store.orders_with_items("ada").unwrap()[0]
        .items
        .iter()
        .map(|item| (item.product, item.quantity))
        .collect();
    expect_eq!(
        items,
        vec![(desk, 3), (desk, 2)],
        "(product, quantity) of the items of an order with the lines (desk, 3) and (desk, 2): each \
         line becomes an item of its own, in line order"
    );
}

/// A line for a product that does not exist fails the order with `UnknownProduct` and changes nothing.
/// Rules: unknown-product-in-order.
#[test]
fn an_unknown_product_fails_the_order() {
    let mut store = store();
    let products = catalog(&mut store);
    let (desk, chair, _) = products;
    let error = store
        .place_order(
            "ada",
            &[line(desk, 1), line(ProductId(999), 1), line(chair, 1)],
            100,
        )
        .expect_err("a line for product 999 must fail the order");
    assert!(
        matches!(error, StoreError::UnknownProduct(ProductId(999))),
        "expected UnknownProduct(999), got {error:?}"
    );
    assert_unchanged(&store, products, "an order with an unknown product");
}

/// An order without lines is `EmptyOrder`, and a line of quantity 0 is `ZeroQuantity`; neither changes anything.
/// Rules: empty-order-refused, zero-quantity-refused.
#[test]
fn empty_orders_and_zero_lines_are_refused() {
    let mut store = store();
    let products = catalog(&mut store);
    let (desk, chair, _) = products;
    let empty = store.place_order("ada", &[], 100);
    assert!(
        matches!(empty, Err(StoreError::EmptyOrder)),
        "expected EmptyOrder, got {empty:?}"
    );
    assert_unchanged(&store, products, "an empty order");

    let zero = store.place_order("ada", &[line(desk, 1), line(chair, 0)], 100);
    assert!(
        matches!(zero, Err(StoreError::ZeroQuantity(product)) if product == chair),
        "expected ZeroQuantity(chair), got {zero:?}"
    );
    assert_unchanged(&store, products, "an order with a zero line");
}

/// Customers that look like SQL are stored literally and match only themselves.
/// Rules: sql-stored-literally.
#[test]
fn sql_looking_customers_are_stored_literally() {
    let mut store = store();
    let (_, chair, _) = catalog(&mut store);
    place(&mut store, "ada", &[line(chair, 1)], 100);
    let sneaky = ["' OR '1'='1", "O'Brien", "bob'; DELETE FROM orders; --"];
    for (at, customer) in (200..).zip(sneaky) {
        place(&mut store, customer, &[line(chair, 1)], at);
    }
    for customer in sneaky {
        let page = store.orders_page(customer, None, 10).unwrap();
        let customers: Vec<&str> = page.orders.iter().map(|o| o.customer.as_str()).collect();
        expect_eq!(
            customers,
            vec![customer],
            "the page of {customer:?} should hold exactly its own order"
        );
        let history = store.orders_with_items(customer).unwrap();
        expect_eq!(
            history.len(),
            1,
            "the history of {customer:?} should hold exactly its own order"
        );
    }
    expect_eq!(
        row_counts(&store),
        (4, 4),
        "every order and item must still be there"
    );
}

/// A customer's orders are matched character for character: `Ada`, `ada`, `ada ` and `ad_` are different customers.
/// Rules: customer-matched-exactly.
#[test]
fn customers_are_matched_exactly() {
    let mut store = store();
    let (_, chair, _) = catalog(&mut store);
    let customers = ["ada", "Ada", "ADA", "ada ", "ad_", "ad%"];
    for (at, customer) in (100..).zip(customers) {
        place(&mut store, customer, &[line(chair, 1)], at);
    }
    for customer in customers {
        let page = store.orders_page(customer, None, 10).unwrap();
        let on_page: Vec<&str> = page.orders.iter().map(|o| o.customer.as_str()).collect();
        expect_eq!(
            on_page,
            vec![customer],
            "the page of {customer:?} should hold exactly its own order, among the customers {customers:?}"
        );
        let history = store.orders_with_items(customer).unwrap();
        let in_history: Vec<&str> = history.iter().map(|o| o.order.customer.as_str()).collect();
        expect_eq!(
            in_history,
            vec![customer],
            "the history of {customer:?} should hold exactly its own order, among the customers {customers:?} \
             (compare with `=`: `LIKE` ignores case and treats `_` and `%` as wildcards)"
        );
    }
}
