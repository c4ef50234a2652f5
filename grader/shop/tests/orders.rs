//! Stage 5: orders placed from the cart, with prices frozen and stock taken in one
//! transaction, so that the shop never sells what it does not have.

mod common;

use std::sync::Barrier;

use common::{
    CART, Customer, ORDERS, customer, id_of, order_path, place_order, product, product_body,
    product_path, product_with_stock, put_in_cart, shop, stock_of,
};
use server_check::{Value, expect_eq, inputs, json};

fn line(product: &Value, quantity: i64) -> Value {
    let price = product["price_cents"].as_i64().unwrap_or(0);
    json!({"product_id": id_of(product), "name": product["name"], "unit_price_cents": price, "quantity": quantity, "line_total_cents": price * quantity})
}

/// Placing an order answers 201 with Location and a pending order holding the cart's lines
/// and total; the stock goes down, the cart empties, and later price changes leave the order
/// as it was.
/// Rules: order-create-201, order-prices-frozen, order-takes-stock, order-empties-cart
#[test]
fn an_order_freezes_the_cart_and_takes_the_stock() {
    let shop = shop();
    let ada = customer(&shop);
    let (cup, lamp) = (product_with_stock(&shop, 30), product_with_stock(&shop, 30));
    let (q1, q2) = (
        i64::from(inputs::number(1, 9)),
        i64::from(inputs::number(1, 9)),
    );
    put_in_cart(&ada, id_of(&cup), q1 as u32);
    put_in_cart(&ada, id_of(&lamp), q2 as u32);
    let reply = ada.api.post(ORDERS).json(&json!({})).send();
    let lines = [line(&cup, q1), line(&lamp, q2)];
    let total: i64 = lines
        .iter()
        .map(|l| l["line_total_cents"].as_i64().unwrap_or(0))
        .sum();
    let expected =
        json!({"status": "pending", "items": lines, "total_cents": total, "charge_id": null});
    reply.status(201).body_has(&json!({ "data": expected }));
    let order = reply.json()["data"].clone();
    reply.check(
        reply.header("location") == Some(&order_path(id_of(&order))),
        "a Location header naming the order",
    );
    expect_eq(
        "the cup's stock after the order",
        30 - q1,
        stock_of(&shop, id_of(&cup)),
    );
    expect_eq(
        "the lamp's stock after the order",
        30 - q2,
        stock_of(&shop, id_of(&lamp)),
    );
    ada.api
        .get(CART)
        .send()
        .status(200)
        .body_has(&json!({"data": {"items": [], "total_cents": 0}}));
    shop.admin
        .patch(&product_path(id_of(&cup)))
        .json(&json!({"price_cents": 99_999, "name": "Renamed"}))
        .send()
        .status(200);
    // Deleting a product that was ordered leaves the order as it was.
    shop.admin
        .delete(&product_path(id_of(&lamp)))
        .send()
        .status(204);
    ada.api
        .get(&order_path(id_of(&order)))
        .send()
        .status(200)
        .body_has(&json!({ "data": order }));
}

/// Taking stock changes the product: its ETag from before the order no longer gets a 304.
/// Rules: etag-304, order-takes-stock
#[test]
fn an_order_changes_the_etag_of_what_it_took() {
    let shop = shop();
    let ada = customer(&shop);
    let item = product_with_stock(&shop, 30);
    let path = product_path(id_of(&item));
    let before = shop.anonymous().get(&path).send();
    before.status(200);
    let etag = before.header("etag").unwrap_or("\"none\"").to_string();
    put_in_cart(&ada, id_of(&item), 2);
    place_order(&ada);
    let after = shop
        .anonymous()
        .get(&path)
        .header("If-None-Match", &etag)
        .send();
    after.status(200).body_has(&json!({"data": {"stock": 28}}));
}

/// If lines are short, the order is 409 OUT_OF_STOCK naming each short product, and nothing
/// changes: no stock taken from the other lines, the cart kept. An empty cart is 422.
/// Rules: order-all-or-nothing, order-empty-cart-422, malformed-json-400
#[test]
fn a_short_line_refuses_the_whole_order() {
    let shop = shop();
    let ada = customer(&shop);
    let (plenty, scarce) = (product_with_stock(&shop, 50), product_with_stock(&shop, 5));
    let rare = product_with_stock(&shop, 3);
    put_in_cart(&ada, id_of(&plenty), 3);
    put_in_cart(&ada, id_of(&scarce), 4);
    put_in_cart(&ada, id_of(&rare), 3);
    // Someone else buys 2 of the scarce product and 1 of the rare one first.
    let bob = customer(&shop);
    put_in_cart(&bob, id_of(&scarce), 2);
    put_in_cart(&bob, id_of(&rare), 1);
    place_order(&bob);
    let cart = ada.api.get(CART).send().json();
    let reply = ada.api.post(ORDERS).json(&json!({})).send();
    reply.error(409, "OUT_OF_STOCK");
    let mut fields = reply.detail_fields();
    fields.sort();
    let mut short = vec![id_of(&scarce).to_string(), id_of(&rare).to_string()];
    short.sort();
    reply.check(
        fields == short,
        &format!("one details entry per short product, fields {short:?}"),
    );
    expect_eq(
        "the rare product's stock after the refused order",
        2,
        stock_of(&shop, id_of(&rare)),
    );
    expect_eq(
        "the plentiful product's stock after the refused order",
        50,
        stock_of(&shop, id_of(&plenty)),
    );
    expect_eq(
        "the scarce product's stock after the refused order",
        3,
        stock_of(&shop, id_of(&scarce)),
    );
    ada.api.get(CART).send().status(200).body_has(&cart);
    // A body, when there is one, is JSON like every other: else 400, and nothing is placed.
    ada.api
        .post(ORDERS)
        .body("{not json", Some("application/json"))
        .send()
        .error(400, "BAD_REQUEST");
    ada.api
        .post(ORDERS)
        .body("{}", Some("text/plain"))
        .send()
        .error(400, "BAD_REQUEST");
    ada.api
        .post(ORDERS)
        .body("{}", Some("application/xml"))
        .send()
        .error(400, "BAD_REQUEST");
    expect_eq(
        "the plentiful product's stock after three unreadable orders",
        50,
        stock_of(&shop, id_of(&plenty)),
    );
    let carol = customer(&shop);
    let empty = carol.api.post(ORDERS).json(&json!({})).send();
    empty.lists_fields(&["cart"]);
}

/// Fifty customers order the last ten items at the same moment: exactly ten orders are
/// placed, forty get 409 OUT_OF_STOCK, and the stock ends at 0.
/// Rules: order-no-oversell
#[test]
fn fifty_customers_for_the_last_ten_items() {
    let shop = shop();
    let item = product_with_stock(&shop, 10);
    let customers: Vec<Customer> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..5)
            .map(|_| scope.spawn(|| (0..10).map(|_| customer(&shop)).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    expect_eq("customers signed up", 50, customers.len());
    for someone in &customers {
        put_in_cart(someone, id_of(&item), 1);
    }
    let start = Barrier::new(customers.len());
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let workers: Vec<_> = customers
            .iter()
            .map(|someone| {
                let start = &start;
                scope.spawn(move || {
                    start.wait();
                    someone
                        .api
                        .post(ORDERS)
                        .json(&json!({}))
                        .send()
                        .status_code()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or(0)).collect()
    });
    let placed = statuses.iter().filter(|s| **s == 201).count();
    let refused = statuses.iter().filter(|s| **s == 409).count();
    expect_eq(
        "(orders placed, orders refused with 409) for 10 items and 50 buyers",
        (10, 40),
        (placed, refused),
    );
    expect_eq(
        "the stock after fifty orders for ten items",
        0,
        stock_of(&shop, id_of(&item)),
    );
}

/// An order is its customer's and the admin's to see: another customer gets 404.
/// GET /api/v1/orders lists the caller's own orders, newest first, a page at a time.
/// Rules: order-visibility, order-list
#[test]
fn who_sees_which_order() {
    let shop = shop();
    let (ada, bob) = (customer(&shop), customer(&shop));
    let item = product(&shop, &product_body());
    let mut mine = Vec::new();
    for _ in 0..3 {
        put_in_cart(&ada, id_of(&item), 1);
        mine.push(place_order(&ada));
    }
    put_in_cart(&bob, id_of(&item), 1);
    let theirs = place_order(&bob);
    let path = order_path(id_of(&mine[0]));
    bob.api.get(&path).send().error(404, "NOT_FOUND");
    shop.admin
        .get(&path)
        .send()
        .status(200)
        .body_has(&json!({ "data": mine[0] }));
    shop.anonymous()
        .get(&path)
        .send()
        .error(401, "UNAUTHORIZED");
    // The list is the customer's own: the admin has no list of their own orders.
    shop.admin.get(ORDERS).send().error(403, "FORBIDDEN");
    let newest_first: Vec<Value> = mine.iter().rev().map(|o| json!({"id": id_of(o)})).collect();
    ada.api.get(ORDERS).send().status(200).body_has(&json!({
        "data": newest_first,
        "pagination": {"page": 1, "limit": 20, "total": 3, "total_pages": 1}
    }));
    ada.api
        .get(&format!("{ORDERS}?limit=2&page=2"))
        .send()
        .status(200)
        .body_has(&json!({
            "data": [{"id": id_of(&mine[0])}],
            "pagination": {"page": 2, "limit": 2, "total": 3, "total_pages": 2}
        }));
    bob.api
        .get(ORDERS)
        .send()
        .status(200)
        .body_has(&json!({"data": [{"id": id_of(&theirs)}]}));
}
