//! Hidden tests for `orders_with_items`: complete, in order, and without N+1 queries.

mod common;

use expect::expect_eq;
use common::{catalog, clear_statements, line, place, statements, store, traced_store};
use orders_db::{OrderItem, Store};

/// `(order id, created_at, [(product id, quantity, unit price)])` per order.
type Summary = Vec<(i64, i64, Vec<(i64, u32, i64)>)>;

fn summary(store: &Store, customer: &str) -> Summary {
    let item = |i: &OrderItem| (i.product.0, i.quantity, i.unit_price_cents);
    store
        .orders_with_items(customer)
        .unwrap()
        .iter()
        .map(|o| {
            (
                o.order.id.0,
                o.order.created_at,
                o.items.iter().map(item).collect(),
            )
        })
        .collect()
}

/// The history lists every order of the customer, newest first (then by id, like the pages), each with all its items in line order.
/// Rules: listing-complete.
#[test]
fn the_history_lists_every_order_with_its_items() {
    let mut store = store();
    let (desk, chair, lamp) = catalog(&mut store);
    let (d, c, l) = (desk.0, chair.0, lamp.0);
    let first = place(&mut store, "ada", &[line(chair, 2), line(desk, 1)], 100).0;
    place(&mut store, "bob", &[line(chair, 1)], 150);
    let second = place(&mut store, "ada", &[line(lamp, 1)], 300).0;
    let third = place(
        &mut store,
        "ada",
        &[line(desk, 1), line(lamp, 1), line(chair, 1)],
        200,
    )
    .0;
    let fourth = place(&mut store, "ada", &[line(chair, 1)], 300).0;

    let expected: Summary = vec![
        (fourth, 300, vec![(c, 1, 4_500)]),
        (second, 300, vec![(l, 1, 1_999)]),
        (
            third,
            200,
            vec![(d, 1, 12_000), (l, 1, 1_999), (c, 1, 4_500)],
        ),
        (first, 100, vec![(c, 2, 4_500), (d, 1, 12_000)]),
    ];
    expect_eq!(
        summary(&store, "ada"),
        expected,
        "ada's history as (order id, created_at, [(product, quantity, unit price)]), newest first \
         and the larger id first on equal times, like the pages"
    );
    assert!(
        store.orders_with_items("carol").unwrap().is_empty(),
        "carol has no orders"
    );
}

/// The history runs as many SQL statements for 25 orders of 25 products as for 1 order: no query per order (N+1), nor per product.
/// Rules: listing-fixed-queries.
#[test]
fn the_history_runs_a_fixed_number_of_statements() {
    let mut store = traced_store();
    let pen = store.add_product("Pen", 150, 10_000).unwrap();
    let cap = store.add_product("Cap", 300, 10_000).unwrap();
    place(&mut store, "ada", &[line(pen, 1), line(cap, 1)], 100);

    clear_statements();
    let one = store.orders_with_items("ada").unwrap();
    let for_one = statements();
    expect_eq!(one.len(), 1);

    // Each later order has a product of its own: not one query per product either.
    for at in 1..25 {
        let extra = store.add_product(&format!("Sticker {at}"), 50, 10).unwrap();
        place(&mut store, "ada", &[line(pen, 1), line(extra, 2)], 100 + at);
    }
    clear_statements();
    let many = store.orders_with_items("ada").unwrap();
    let for_many = statements();
    expect_eq!(many.len(), 25);
    assert!(
        many.iter().all(|o| o.items.len() == 2),
        "every order should come with its 2 items"
    );

    assert!(
        !for_one.is_empty(),
        "orders_with_items ran no statement at all on the traced connection"
    );
    expect_eq!(
        for_many.len(),
        for_one.len(),
        "orders_with_items ran {} statements for 1 order but {} for 25: it must not query once per \
         order. The statements for 25 orders began with: {:?}",
        for_one.len(),
        for_many.len(),
        &for_many[..for_many.len().min(4)]
    );
}
