//! Stage 6: idempotency keys on POST /api/v1/orders make a retried order harmless.

mod common;

use std::sync::Barrier;

use common::{
    CART, Customer, ORDERS, customer, id_of, product_with_stock, put_in_cart, shop, stock_of,
};
use server_check::{Reply, expect_eq, inputs, json};

fn order_with_key(someone: &Customer, key: &str) -> Reply {
    someone
        .api
        .post(ORDERS)
        .header("Idempotency-Key", key)
        .json(&json!({}))
        .send()
}

fn key() -> String {
    format!(
        "order-attempt-{}-{}",
        inputs::number(1000, 9999),
        inputs::password()
    )
}

#[track_caller]
fn order_count(someone: &Customer) -> i64 {
    let reply = someone.api.get(ORDERS).send();
    reply.status(200);
    reply.json()["pagination"]["total"].as_i64().unwrap_or(-1)
}

/// A retry with the same key gets the same status and body with Idempotent-Replayed: true,
/// places no second order and takes no stock, whatever the cart holds by then.
/// Rules: idempotent-replay
#[test]
fn a_retry_with_the_same_key_replays_the_first_answer() {
    let shop = shop();
    let ada = customer(&shop);
    let (first, second) = (product_with_stock(&shop, 20), product_with_stock(&shop, 20));
    put_in_cart(&ada, id_of(&first), 2);
    let key = key();
    let original = order_with_key(&ada, &key);
    original.status(201);
    put_in_cart(&ada, id_of(&second), 3);
    let retry = order_with_key(&ada, &key);
    retry.status(201).body_has(&original.json());
    retry.check(
        retry
            .header("idempotent-replayed")
            .is_some_and(|v| v.eq_ignore_ascii_case("true")),
        "the header Idempotent-Replayed: true on a replayed answer",
    );
    expect_eq("orders after a request and its retry", 1, order_count(&ada));
    expect_eq(
        "the second product's stock (the retry must take none)",
        20,
        stock_of(&shop, id_of(&second)),
    );
    let cart = ada.api.get(CART).send();
    cart.status(200)
        .body_has(&json!({"data": {"items": [{"product_id": id_of(&second), "quantity": 3}]}}));
}

/// Keys belong to a customer: two customers using one key place two orders. A request that
/// failed keeps nothing: the same key after fixing the cart places the order.
/// Rules: idempotency-per-customer, idempotency-failures-not-kept
#[test]
fn keys_are_per_customer_and_failures_are_not_kept() {
    let shop = shop();
    let (ada, bob) = (customer(&shop), customer(&shop));
    let item = product_with_stock(&shop, 20);
    let key = key();
    let empty = order_with_key(&ada, &key);
    empty.error(422, "VALIDATION_ERROR");
    put_in_cart(&ada, id_of(&item), 1);
    let placed = order_with_key(&ada, &key);
    placed.status(201);
    placed.check(
        placed.header("idempotent-replayed").is_none(),
        "no Idempotent-Replayed header on a first answer",
    );
    put_in_cart(&bob, id_of(&item), 1);
    let theirs = order_with_key(&bob, &key);
    theirs.status(201);
    theirs.check(
        id_of(&theirs.json()["data"]) != id_of(&placed.json()["data"]),
        "another order for another customer with the same key",
    );
    expect_eq(
        "the stock after two customers' orders",
        18,
        stock_of(&shop, id_of(&item)),
    );
}

/// Eight requests with one key at the same moment place one order: each answer is that
/// order (201) or 409 IDEMPOTENCY_KEY_IN_USE.
/// Rules: idempotency-concurrent
#[test]
fn concurrent_requests_with_one_key_place_one_order() {
    let shop = shop();
    let ada = customer(&shop);
    let item = product_with_stock(&shop, 50);
    put_in_cart(&ada, id_of(&item), 2);
    let key = key();
    let start = Barrier::new(8);
    let replies: Vec<Reply> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|_| {
                let (start, ada, key) = (&start, &ada, &key);
                scope.spawn(move || {
                    start.wait();
                    order_with_key(ada, key)
                })
            })
            .collect();
        workers.into_iter().filter_map(|w| w.join().ok()).collect()
    });
    let mut orders = Vec::new();
    for reply in &replies {
        match reply.status_code() {
            201 => orders.push(id_of(&reply.json()["data"])),
            _ => {
                reply.error(409, "IDEMPOTENCY_KEY_IN_USE");
            }
        }
    }
    orders.sort_unstable();
    orders.dedup();
    expect_eq(
        "the distinct orders in the 201 answers to eight requests with one key",
        1,
        orders.len(),
    );
    expect_eq("orders placed", 1, order_count(&ada));
    expect_eq(
        "the stock after eight requests with one key",
        48,
        stock_of(&shop, id_of(&item)),
    );
}

/// A key must be 1 to 64 visible ASCII characters (not empty), else 400; keys survive a
/// restart.
/// Rules: idempotency-key-format, idempotency-survives-restart
#[test]
fn keys_are_checked_and_survive_a_restart() {
    let mut shop = shop();
    let ada = customer(&shop);
    let item = product_with_stock(&shop, 20);
    put_in_cart(&ada, id_of(&item), 1);
    for bad in [String::new(), "k".repeat(65), "two words".to_string()] {
        order_with_key(&ada, &bad).error(400, "BAD_REQUEST");
    }
    let key = key();
    let original = order_with_key(&ada, &key);
    original.status(201);
    shop.server.kill();
    shop.server.restart();
    shop.reconnect();
    let ada = Customer {
        api: shop.anonymous().authorized(&ada.token),
        ..ada
    };
    put_in_cart(&ada, id_of(&item), 1);
    let retry = order_with_key(&ada, &key);
    retry.status(201).body_has(&original.json());
    expect_eq(
        "orders after a retry across a restart",
        1,
        order_count(&ada),
    );
}
