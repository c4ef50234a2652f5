//! Hidden tests for the customer-orders index and keyset pagination.

mod common;

use expect::expect_eq;
use common::{clear_statements, keys, line, place, plan, statements, store, traced_store};
use orders_db::{Cursor, Page, Store};

/// One product with plenty of stock, for placing many orders.
fn stocked(store: &mut Store) -> orders_db::ProductId {
    store.add_product("Pen", 150, 10_000).unwrap()
}

/// Walks every page of `customer` with `limit`, returning the pages.
fn walk(store: &Store, customer: &str, limit: usize) -> Vec<Page> {
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = store.orders_page(customer, after, limit).unwrap();
        after = page.next;
        pages.push(page);
        if after.is_none() || pages.len() > 50 {
            return pages;
        }
    }
}

/// Checks a plan: an index search on the customer, and no separate sort step.
fn assert_indexed(plan: &str, what: &str) {
    assert!(
        plan.contains("SEARCH orders USING")
            && plan.contains("INDEX")
            && plan.contains("(customer=?"),
        "{what} should be an index search on the customer (`SEARCH orders USING INDEX ... (customer=?...)`), \
         but SQLite's plan is: {plan}"
    );
    assert!(
        !plan.contains("TEMP B-TREE"),
        "{what} should read the rows already in page order from the index, but SQLite's plan sorts \
         them separately (TEMP B-TREE): {plan}; is the index (customer, created_at)?"
    );
}

/// The README's customer-orders queries, first page and next pages, are an index search with no sort step.
/// Rules: customer-orders-index.
#[test]
fn the_customer_orders_query_uses_an_index() {
    let store = store();
    let next = "SELECT id, customer, created_at, total_cents FROM orders \
                WHERE customer = 'ada' AND (created_at, id) < (1700000000, 42) \
                ORDER BY created_at DESC, id DESC LIMIT 21";
    let first = "SELECT id, customer, created_at, total_cents FROM orders \
                 WHERE customer = 'ada' ORDER BY created_at DESC, id DESC LIMIT 21";
    assert_indexed(
        &plan(store.connection(), next),
        "the next-page query of step 6",
    );
    assert_indexed(
        &plan(store.connection(), first),
        "the first-page query of step 6",
    );
}

/// The queries `orders_page` actually runs are served by the index, without a full scan or a sort step.
/// Rules: page-query-uses-index.
#[test]
fn orders_page_runs_an_indexed_query() {
    let mut store = traced_store();
    let pen = stocked(&mut store);
    for at in 0..5 {
        place(&mut store, "ada", &[line(pen, 1)], 100 + at);
    }
    clear_statements();
    let first = store.orders_page("ada", None, 2).unwrap();
    store.orders_page("ada", first.next, 2).unwrap();
    let queries: Vec<String> = statements()
        .into_iter()
        .filter(|sql| {
            let sql = sql.trim_start().to_ascii_uppercase();
            (sql.starts_with("SELECT") || sql.starts_with("WITH")) && sql.contains("ORDERS")
        })
        .collect();
    assert!(
        !queries.is_empty(),
        "orders_page ran no SELECT on the orders table"
    );
    for sql in queries {
        let plan = plan(store.connection(), &sql);
        assert!(
            !plan.contains("SCAN orders") && !plan.contains("TEMP B-TREE"),
            "orders_page ran `{sql}`, which SQLite answers with a full scan or a separate sort: {plan}. \
             Use the query of step 6, which the index serves"
        );
    }
}

/// A later page's query seeks to the cursor in the index instead of reading the newer orders only to skip them.
/// Rules: page-seeks-cursor.
#[test]
fn later_pages_seek_to_the_cursor() {
    let mut store = traced_store();
    let pen = stocked(&mut store);
    for at in 0..5 {
        place(&mut store, "ada", &[line(pen, 1)], 100 + at);
    }
    let first = store.orders_page("ada", None, 2).unwrap();
    clear_statements();
    store.orders_page("ada", first.next, 2).unwrap();
    let plans: Vec<(String, String)> = statements()
        .into_iter()
        .filter(|sql| {
            let sql = sql.trim_start().to_ascii_uppercase();
            (sql.starts_with("SELECT") || sql.starts_with("WITH")) && sql.contains("ORDERS")
        })
        .map(|sql| {
            let plan = plan(store.connection(), &sql);
            (sql, plan)
        })
        .collect();
    let seeks = |plan: &str| {
        let plan = plan.replace(' ', "");
        plan.contains("created_at<") || plan.contains("(created_at,id)<")
    };
    assert!(
        plans.iter().any(|(_, plan)| seeks(plan)),
        "orders_page with a cursor should seek to it in the index (a plan like `SEARCH orders USING \
         INDEX ... (customer=? AND created_at<?)`), but the queries it ran were {plans:?}: reading \
         from the customer's newest order and skipping to the cursor (with OFFSET, or in Rust) costs \
         more with every page. Put the cursor in the WHERE clause: `(created_at, id) < (?2, ?3)`"
    );
}

/// Pages come newest first (by created_at, then id, from the newest whatever its date) and hold only that customer's orders.
/// Rules: page-newest-first, page-only-customer.
#[test]
fn pages_come_newest_first_and_only_the_customers_own() {
    let mut store = store();
    let pen = stocked(&mut store);
    let a1 = place(&mut store, "ada", &[line(pen, 1)], 300);
    place(&mut store, "bob", &[line(pen, 1)], 400);
    let a2 = place(&mut store, "ada", &[line(pen, 1)], 100);
    let a3 = place(&mut store, "ada", &[line(pen, 1)], 300);
    place(&mut store, "adam", &[line(pen, 1)], 200);
    let a4 = place(&mut store, "ada", &[line(pen, 1)], 200);
    // 2100-01-01: a first page starts above every timestamp, not at a year-2038 limit.
    let a5 = place(&mut store, "ada", &[line(pen, 1)], 4_102_444_800);

    let page = store.orders_page("ada", None, 10).unwrap();
    expect_eq!(
        keys(&page.orders),
        vec![
            (4_102_444_800, a5.0),
            (300, a3.0),
            (300, a1.0),
            (200, a4.0),
            (100, a2.0)
        ],
        "ada's orders as (created_at, id), newest first and the larger id first on equal times \
         (the first is dated 2100-01-01)"
    );
    assert!(
        page.orders.iter().all(|o| o.customer == "ada"),
        "a page may hold only ada's orders"
    );
    expect_eq!(page.next, None, "all of ada's orders fit on this page");
}

/// Walking the pages yields every order once, `limit` at a time, with `next` the last order's key while more follow.
/// Rules: page-limit, page-next-none-at-end.
#[test]
fn walking_the_pages_yields_every_order_once() {
    let mut store = store();
    let pen = stocked(&mut store);
    let ids: Vec<_> = (0..7)
        .map(|at| place(&mut store, "ada", &[line(pen, 1)], 1_000 + at))
        .collect();
    let pages = walk(&store, "ada", 3);
    let sizes: Vec<usize> = pages.iter().map(|p| p.orders.len()).collect();
    expect_eq!(sizes, vec![3, 3, 1], "7 orders, 3 per page: page sizes");
    for page in &pages[..2] {
        let last = page.orders.last().unwrap();
        expect_eq!(
            page.next,
            Some(Cursor {
                created_at: last.created_at,
                id: last.id
            }),
            "`next` should be the (created_at, id) of the page's last order"
        );
    }
    expect_eq!(pages[2].next, None, "the last page's `next` should be None");
    let seen: Vec<i64> = pages
        .iter()
        .flat_map(|p| p.orders.iter().map(|o| o.id.0))
        .collect();
    let expected: Vec<i64> = ids.iter().rev().map(|id| id.0).collect();
    expect_eq!(
        seen, expected,
        "order ids over all pages, newest first, each exactly once"
    );
}

/// A last page that is exactly full has no `next`, and a customer without orders gets an empty page.
/// Rules: page-next-none-at-end.
#[test]
fn an_exactly_full_last_page_has_no_next() {
    let mut store = store();
    let pen = stocked(&mut store);
    for at in 0..6 {
        place(&mut store, "ada", &[line(pen, 1)], 1_000 + at);
    }
    let first = store.orders_page("ada", None, 3).unwrap();
    assert!(
        first.next.is_some(),
        "3 more orders follow the first page: `next` should be Some"
    );
    let second = store.orders_page("ada", first.next, 3).unwrap();
    expect_eq!(second.orders.len(), 3);
    expect_eq!(
        second.next, None,
        "the second page holds ada's last order: `next` should be None"
    );

    let nobody = store.orders_page("nobody", None, 3).unwrap();
    assert!(
        nobody.orders.is_empty() && nobody.next.is_none(),
        "no orders: empty page, no next"
    );
}

/// Orders with the same created_at are split across pages by id, without skipping or repeating one.
/// Rules: page-ties-broken-by-id.
#[test]
fn equal_timestamps_are_split_by_id() {
    let mut store = store();
    let pen = stocked(&mut store);
    place(&mut store, "ada", &[line(pen, 1)], 50);
    let ids: Vec<i64> = (0..5)
        .map(|_| place(&mut store, "ada", &[line(pen, 1)], 500).0)
        .collect();
    place(&mut store, "ada", &[line(pen, 1)], 40);
    let pages = walk(&store, "ada", 2);
    let seen: Vec<(i64, i64)> = pages.iter().flat_map(|p| keys(&p.orders)).collect();
    let mut expected: Vec<(i64, i64)> = ids.iter().rev().map(|id| (500, *id)).collect();
    expected.extend(keys(
        &store.orders_page("ada", None, 10).unwrap().orders[5..],
    ));
    expect_eq!(
        seen.len(),
        7,
        "7 orders in 2-order pages, each once; got {seen:?}"
    );
    expect_eq!(
        seen, expected,
        "5 orders share created_at 500: they must come by id, each once"
    );
}

/// Orders placed between two page requests neither repeat nor skip an order on the later pages.
/// Rules: page-stable-under-inserts.
#[test]
fn pages_stay_stable_while_orders_are_inserted() {
    let mut store = store();
    let pen = stocked(&mut store);
    let ids: Vec<i64> = (0..6)
        .map(|at| place(&mut store, "ada", &[line(pen, 1)], 100 + at).0)
        .collect();
    let first = store.orders_page("ada", None, 2).unwrap();
    expect_eq!(keys(&first.orders), vec![(105, ids[5]), (104, ids[4])]);

    // New orders arrive while ada reads page one: two newer, one at the cursor's own time.
    place(&mut store, "ada", &[line(pen, 1)], 200);
    place(&mut store, "ada", &[line(pen, 1)], 201);
    place(&mut store, "ada", &[line(pen, 1)], 104);

    let second = store.orders_page("ada", first.next, 2).unwrap();
    let third = store.orders_page("ada", second.next, 2).unwrap();
    expect_eq!(
        keys(&second.orders),
        vec![(103, ids[3]), (102, ids[2])],
        "page two must continue right after page one's last order, whatever was inserted since"
    );
    expect_eq!(
        keys(&third.orders),
        vec![(101, ids[1]), (100, ids[0])],
        "page three"
    );
    expect_eq!(
        third.next, None,
        "page three holds the oldest order: `next` should be None"
    );
}
