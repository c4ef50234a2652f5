//! Stage 4: each customer's cart: items at the current price, totals, quantities set (not
//! added), stock and roles.

mod common;

use common::{
    CART, customer, id_of, product, product_body, product_path, product_with_stock, put_in_cart,
    shop,
};
use server_check::{Value, inputs, json};

fn line(product: &Value, quantity: i64) -> Value {
    let price = product["price_cents"].as_i64().unwrap_or(0);
    json!({
        "product_id": id_of(product),
        "name": product["name"],
        "unit_price_cents": price,
        "quantity": quantity,
        "line_total_cents": price * quantity,
    })
}

fn total(lines: &[Value]) -> i64 {
    lines
        .iter()
        .map(|l| l["line_total_cents"].as_i64().unwrap_or(0))
        .sum()
}

/// An empty cart, then lines in the order they were added with their totals; PUT sets a
/// quantity rather than adding to it; a price change shows in the cart; DELETE removes a
/// line, and one not in the cart is 404.
/// Rules: cart-lines, cart-put-sets, cart-delete
#[test]
fn the_cart_holds_lines_at_current_prices() {
    let shop = shop();
    let ada = customer(&shop);
    ada.api
        .get(CART)
        .send()
        .status(200)
        .body_has(&json!({"data": {"items": [], "total_cents": 0}}));
    let (cup, lamp) = (
        product(&shop, &product_body()),
        product(&shop, &product_body()),
    );
    let (q1, q2) = (
        i64::from(inputs::number(2, 5)),
        i64::from(inputs::number(1, 3)),
    );
    put_in_cart(&ada, id_of(&lamp), q2 as u32);
    put_in_cart(&ada, id_of(&cup), q1 as u32);
    let lines = [line(&lamp, q2), line(&cup, q1)];
    let reply = ada.api.get(CART).send();
    reply
        .status(200)
        .body_has(&json!({"data": {"items": lines, "total_cents": total(&lines)}}));
    // Setting, not adding: the lamp line goes to 1, and stays where it was.
    let set = put_in_cart(&ada, id_of(&lamp), 1);
    let lines = [line(&lamp, 1), line(&cup, q1)];
    set.body_has(&json!({"data": {"items": lines, "total_cents": total(&lines)}}));
    // The admin changes the cup's price: the cart shows the new one.
    let price = inputs::number(60_000, 90_000);
    let reply = shop
        .admin
        .patch(&product_path(id_of(&cup)))
        .json(&json!({"price_cents": price}))
        .send();
    reply.status(200);
    let cup = reply.json()["data"].clone();
    let lines = [line(&lamp, 1), line(&cup, q1)];
    ada.api
        .get(CART)
        .send()
        .status(200)
        .body_has(&json!({"data": {"items": lines, "total_cents": total(&lines)}}));
    let removed = ada
        .api
        .delete(&format!("{CART}/items/{}", id_of(&lamp)))
        .send();
    let lines = [line(&cup, q1)];
    removed
        .status(200)
        .body_has(&json!({"data": {"items": lines, "total_cents": total(&lines)}}));
    ada.api
        .delete(&format!("{CART}/items/{}", id_of(&lamp)))
        .send()
        .error(404, "NOT_FOUND");
}

/// A quantity outside 1 to 99 (or not a whole number) is 422, an unknown product 404, more
/// than the stock 409 OUT_OF_STOCK, an unreadable body 400; none of them changes the cart.
/// Rules: cart-quantity-rules, cart-stock-409, malformed-json-400
#[test]
fn quantities_are_checked_against_the_rules_and_the_stock() {
    let shop = shop();
    let ada = customer(&shop);
    let stock = inputs::number(3, 9);
    let item = product_with_stock(&shop, stock);
    let path = format!("{CART}/items/{}", id_of(&item));
    put_in_cart(&ada, id_of(&item), 1);
    let before = ada.api.get(CART).send().json();
    for bad in [json!(0), json!(100), json!(-1), json!(1.5), json!("2")] {
        let reply = ada.api.put(&path).json(&json!({ "quantity": bad })).send();
        reply.error(422, "VALIDATION_ERROR");
    }
    ada.api
        .put(&path)
        .json(&json!({"quantity": stock + 1}))
        .send()
        .error(409, "OUT_OF_STOCK");
    let unknown = format!("{CART}/items/{}", inputs::number(500, 9000));
    ada.api
        .put(&unknown)
        .json(&json!({"quantity": 1}))
        .send()
        .error(404, "NOT_FOUND");
    // An unreadable body is 400 here too, in the envelope.
    ada.api
        .put(&path)
        .body("{\"quantity\": ", Some("application/json"))
        .send()
        .error(400, "BAD_REQUEST");
    ada.api
        .put(&path)
        .body("{\"quantity\": 1}", None)
        .send()
        .error(400, "BAD_REQUEST");
    ada.api.get(CART).send().status(200).body_has(&before);
    put_in_cart(&ada, id_of(&item), stock);
}

/// The cart needs a customer's token: none is 401, the admin's is 403; each customer has a
/// cart of their own; a deleted product leaves every cart.
/// Rules: cart-roles, cart-per-customer, product-delete
#[test]
fn each_customer_has_a_cart_of_their_own() {
    let shop = shop();
    let (ada, bob) = (customer(&shop), customer(&shop));
    let (kept, doomed) = (
        product(&shop, &product_body()),
        product(&shop, &product_body()),
    );
    put_in_cart(&ada, id_of(&kept), 2);
    put_in_cart(&ada, id_of(&doomed), 1);
    bob.api
        .get(CART)
        .send()
        .status(200)
        .body_has(&json!({"data": {"items": [], "total_cents": 0}}));
    shop.anonymous().get(CART).send().error(401, "UNAUTHORIZED");
    shop.admin.get(CART).send().error(403, "FORBIDDEN");
    shop.admin
        .put(&format!("{CART}/items/{}", id_of(&kept)))
        .json(&json!({"quantity": 1}))
        .send()
        .error(403, "FORBIDDEN");
    shop.admin
        .delete(&product_path(id_of(&doomed)))
        .send()
        .status(204);
    let lines = [line(&kept, 2)];
    ada.api
        .get(CART)
        .send()
        .status(200)
        .body_has(&json!({"data": {"items": lines, "total_cents": total(&lines)}}));
}
