//! Stage 7: an order's life (pay, ship, cancel, refund) as a state machine, with charges
//! and refunds through the payment provider.

mod common;

use common::{
    Customer, ORDERS, Shop, customer, id_of, order_path, place_order, product_with_stock,
    put_in_cart, shop, stock_of,
};
use server_check::provider::{DECLINED_CARD, SLOW_CARD};
use server_check::{Client, Reply, Value, expect_eq, fail, inputs, json};

/// A customer with a placed (pending) order of `quantity` items of a new product.
fn pending_order(shop: &Shop, quantity: u32) -> (Customer, Value, Value) {
    let someone = customer(shop);
    let item = product_with_stock(shop, 40);
    put_in_cart(&someone, id_of(&item), quantity);
    let order = place_order(&someone);
    (someone, order, item)
}

fn act(api: &Client, order: &Value, action: &str, body: Value) -> Reply {
    api.post(&format!("{}/{action}", order_path(id_of(order))))
        .json(&body)
        .send()
}

fn card() -> String {
    format!("tok_{}", inputs::password())
}

#[track_caller]
fn status_is(api: &Client, order: &Value, status: &str) {
    api.get(&order_path(id_of(order)))
        .send()
        .status(200)
        .body_has(&json!({"data": {"status": status}}));
}

/// Paying charges the provider once with the order's total, in usd, with the card, the
/// reference order-<id> and the key order-<id>-pay; the order is paid with that charge's id.
/// The admin ships it, then refunds it: the provider gets the charge id, the total and the
/// key order-<id>-refund.
/// Rules: pay-charges-provider, ship, refund-through-provider
#[test]
fn an_order_is_paid_shipped_and_refunded_through_the_provider() {
    let shop = shop();
    let (ada, order, _) = pending_order(&shop, 2);
    let id = id_of(&order);
    let total = order["total_cents"].clone();
    let card = card();
    let paid = act(&ada.api, &order, "pay", json!({ "card": card }));
    paid.status(200)
        .body_has(&json!({"data": {"id": id, "status": "paid", "charge_id": "ch_1001"}}));
    let charges: Vec<_> = shop
        .provider
        .received()
        .into_iter()
        .filter(|r| r.path == "/charges")
        .collect();
    expect_eq(
        "charges the provider received for one payment",
        1,
        charges.len(),
    );
    let charge = &charges[0];
    expect_eq(
        "the Idempotency-Key of the charge",
        Some(format!("order-{id}-pay")),
        charge.idempotency_key.clone(),
    );
    let expected = json!({"amount_cents": total, "currency": "usd", "card": card, "reference": format!("order-{id}")});
    for field in ["amount_cents", "currency", "card", "reference"] {
        expect_eq(
            &format!("the charge's {field}"),
            &expected[field],
            &charge.body[field],
        );
    }
    act(&shop.admin, &order, "ship", json!({}))
        .status(200)
        .body_has(&json!({"data": {"status": "shipped"}}));
    act(&shop.admin, &order, "refund", json!({}))
        .status(200)
        .body_has(&json!({"data": {"status": "refunded"}}));
    let refunds: Vec<_> = shop
        .provider
        .received()
        .into_iter()
        .filter(|r| r.path == "/refunds")
        .collect();
    expect_eq("refunds the provider received", 1, refunds.len());
    expect_eq(
        "the Idempotency-Key of the refund",
        Some(format!("order-{id}-refund")),
        refunds[0].idempotency_key.clone(),
    );
    expect_eq(
        "the refund's charge_id",
        &json!("ch_1001"),
        &refunds[0].body["charge_id"],
    );
    expect_eq(
        "the refund's amount_cents",
        &total,
        &refunds[0].body["amount_cents"],
    );
}

/// A blank card is 422; a declined card is 402 PAYMENT_DECLINED and the order stays pending
/// (another card then pays it); a provider that is down is 502 PAYMENT_UNAVAILABLE, the
/// order unchanged.
/// Rules: payment-declined-402, payment-unavailable-502
#[test]
fn declined_cards_and_an_unavailable_provider_leave_the_order_pending() {
    let shop = shop();
    let (ada, order, _) = pending_order(&shop, 1);
    for blank in ["", "   "] {
        act(&ada.api, &order, "pay", json!({ "card": blank })).lists_fields(&["card"]);
    }
    act(&ada.api, &order, "pay", json!({"card": DECLINED_CARD})).error(402, "PAYMENT_DECLINED");
    status_is(&ada.api, &order, "pending");
    shop.provider.set_down(true);
    act(&ada.api, &order, "pay", json!({"card": card()})).error(502, "PAYMENT_UNAVAILABLE");
    status_is(&ada.api, &order, "pending");
    shop.provider.set_down(false);
    act(&ada.api, &order, "pay", json!({"card": card()}))
        .status(200)
        .body_has(&json!({"data": {"status": "paid"}}));
}

/// With nothing listening at PAYMENT_URL, paying is 502 PAYMENT_UNAVAILABLE and the order
/// stays pending.
/// Rules: payment-unavailable-502
#[test]
fn an_unreachable_provider_is_502() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(9);
    let shop = common::shop_with(&[
        ("RATE_LIMIT", "1000000"),
        ("PAYMENT_URL", &format!("http://127.0.0.1:{closed}")),
    ]);
    let (ada, order, _) = pending_order(&shop, 1);
    act(&ada.api, &order, "pay", json!({"card": card()})).error(502, "PAYMENT_UNAVAILABLE");
    status_is(&ada.api, &order, "pending");
}

/// Cancelling a pending order puts every line back into stock; after it, cancel, pay, ship
/// and refund are all 409 INVALID_TRANSITION and change nothing.
/// Rules: cancel-returns-stock, invalid-transition-409
#[test]
fn cancelling_puts_the_stock_back() {
    let shop = shop();
    let ada = customer(&shop);
    let (cup, lamp) = (product_with_stock(&shop, 40), product_with_stock(&shop, 40));
    let (q1, q2) = (inputs::number(1, 9), inputs::number(1, 9));
    put_in_cart(&ada, id_of(&cup), q1);
    put_in_cart(&ada, id_of(&lamp), q2);
    let order = place_order(&ada);
    let stocks = |shop: &Shop| (stock_of(shop, id_of(&cup)), stock_of(shop, id_of(&lamp)));
    expect_eq(
        "(cup, lamp) stock after the order",
        (40 - i64::from(q1), 40 - i64::from(q2)),
        stocks(&shop),
    );
    act(&ada.api, &order, "cancel", json!({}))
        .status(200)
        .body_has(&json!({"data": {"status": "cancelled"}}));
    expect_eq(
        "(cup, lamp) stock after the cancel",
        (40, 40),
        stocks(&shop),
    );
    act(&ada.api, &order, "cancel", json!({})).error(409, "INVALID_TRANSITION");
    act(&ada.api, &order, "pay", json!({"card": card()})).error(409, "INVALID_TRANSITION");
    act(&shop.admin, &order, "ship", json!({})).error(409, "INVALID_TRANSITION");
    act(&shop.admin, &order, "refund", json!({})).error(409, "INVALID_TRANSITION");
    expect_eq(
        "(cup, lamp) stock after the refused moves",
        (40, 40),
        stocks(&shop),
    );
    status_is(&ada.api, &order, "cancelled");
}

/// A paid order may be refunded before it ships; the stock does not come back. A provider
/// that is down makes the refund 502 and leaves the order paid.
/// Rules: refund-through-provider, payment-unavailable-502
#[test]
fn a_paid_order_is_refunded_without_giving_stock_back() {
    let shop = shop();
    let (ada, order, item) = pending_order(&shop, 3);
    act(&ada.api, &order, "pay", json!({"card": card()})).status(200);
    shop.provider.set_down(true);
    act(&shop.admin, &order, "refund", json!({})).error(502, "PAYMENT_UNAVAILABLE");
    status_is(&ada.api, &order, "paid");
    shop.provider.set_down(false);
    act(&shop.admin, &order, "refund", json!({}))
        .status(200)
        .body_has(&json!({"data": {"status": "refunded"}}));
    expect_eq(
        "the stock after a refund (goods may be gone: it stays taken)",
        37,
        stock_of(&shop, id_of(&item)),
    );
}

/// A provider that takes longer than 5 seconds is given up on: 502 PAYMENT_UNAVAILABLE, the
/// order still pending.
/// Rules: payment-unavailable-502
#[test]
fn a_provider_slower_than_five_seconds_is_502() {
    let shop = shop();
    let (ada, order, _) = pending_order(&shop, 1);
    let started = std::time::Instant::now();
    act(&ada.api, &order, "pay", json!({"card": SLOW_CARD})).error(502, "PAYMENT_UNAVAILABLE");
    let waited = started.elapsed().as_secs_f64();
    if waited >= 5.9 {
        fail(
            "the server waited for the provider's answer instead of giving up after 5 seconds.",
            "a 502 about 5 seconds after the request",
            &format!("an answer after {waited:.1} s"),
        );
    }
    status_is(&ada.api, &order, "pending");
}

/// The answer kept for an idempotency key is the one first sent: after the order is paid,
/// a retry with its key still gets the original (pending) order.
/// Rules: idempotent-replay
#[test]
fn a_replay_is_the_first_answer_even_after_the_order_moved_on() {
    let shop = shop();
    let ada = customer(&shop);
    let item = product_with_stock(&shop, 20);
    put_in_cart(&ada, id_of(&item), 1);
    let key = format!("retry-{}", inputs::password());
    let first = ada
        .api
        .post(ORDERS)
        .header("Idempotency-Key", &key)
        .json(&json!({}))
        .send();
    first.status(201);
    let order = first.json()["data"].clone();
    act(&ada.api, &order, "pay", json!({"card": card()})).status(200);
    let retry = ada
        .api
        .post(ORDERS)
        .header("Idempotency-Key", &key)
        .json(&json!({}))
        .send();
    retry.status(201).body_has(&first.json());
}

/// Every move the state machine does not allow is 409 INVALID_TRANSITION and changes
/// nothing; the admin cannot pay or cancel, a customer cannot ship or refund (403), and
/// another customer's order is 404.
/// Rules: invalid-transition-409, order-action-roles
#[test]
fn forbidden_moves_are_409_and_wrong_roles_403() {
    let shop = shop();
    let (ada, order, _) = pending_order(&shop, 1);
    let bob = customer(&shop);
    act(&shop.admin, &order, "ship", json!({})).error(409, "INVALID_TRANSITION");
    act(&shop.admin, &order, "refund", json!({})).error(409, "INVALID_TRANSITION");
    act(&shop.admin, &order, "pay", json!({"card": card()})).error(403, "FORBIDDEN");
    act(&ada.api, &order, "ship", json!({})).error(403, "FORBIDDEN");
    act(&shop.admin, &order, "cancel", json!({})).error(403, "FORBIDDEN");
    act(&bob.api, &order, "cancel", json!({})).error(404, "NOT_FOUND");
    act(&bob.api, &order, "pay", json!({"card": card()})).error(404, "NOT_FOUND");
    status_is(&ada.api, &order, "pending");
    act(&ada.api, &order, "pay", json!({"card": card()})).status(200);
    act(&ada.api, &order, "pay", json!({"card": card()})).error(409, "INVALID_TRANSITION");
    act(&ada.api, &order, "cancel", json!({})).error(409, "INVALID_TRANSITION");
    act(&ada.api, &order, "refund", json!({})).error(403, "FORBIDDEN");
    act(&shop.admin, &order, "ship", json!({})).status(200);
    act(&ada.api, &order, "cancel", json!({})).error(409, "INVALID_TRANSITION");
    act(&shop.admin, &order, "ship", json!({})).error(409, "INVALID_TRANSITION");
    act(&shop.admin, &order, "refund", json!({})).status(200);
    act(&shop.admin, &order, "refund", json!({})).error(409, "INVALID_TRANSITION");
    status_is(&ada.api, &order, "refunded");
    let charges = shop
        .provider
        .received()
        .iter()
        .filter(|r| r.path == "/charges")
        .count();
    if charges != 1 {
        fail(
            "the provider was asked to charge more than once for one order.",
            "1 charge",
            &format!("{charges} charges"),
        );
    }
}
