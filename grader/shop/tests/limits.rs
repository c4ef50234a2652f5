//! Stage 8: rate limits per client with 429 and Retry-After, and an OpenAPI document that
//! describes every route, checked against the routes that answer.

mod common;

use common::{
    CART, ORDERS, PRODUCTS, customer, id_of, place_order, product, product_body, put_in_cart, shop,
    shop_with,
};
use server_check::{Client, Reply, Value, fail, json};

#[track_caller]
fn limited(reply: &Reply) {
    reply.error(429, "RATE_LIMITED");
    let after = reply
        .header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok());
    reply.check(
        after.is_some_and(|s| (1..=60).contains(&s)),
        "a Retry-After header with a whole number of seconds from 1 to 60",
    );
}

/// With RATE_LIMIT=5, a client's sixth request within the minute is 429 RATE_LIMITED with
/// Retry-After, whichever routes the five went to; another client is not affected, and
/// /health and /openapi.json are never limited.
/// Rules: rate-limit-429, rate-limit-per-client
#[test]
fn the_sixth_request_in_a_minute_is_429() {
    let shop = shop_with(&[("RATE_LIMIT", "5")]);
    let (ada, bob) = (customer(&shop), customer(&shop));
    for path in [CART, ORDERS, CART, ORDERS, PRODUCTS] {
        ada.api.get(path).send().status(200);
    }
    let refused = ada.api.get(ORDERS).send();
    limited(&refused);
    bob.api.get(CART).send().status(200);
    for _ in 0..8 {
        shop.anonymous().get("/health").send().status(200);
        ada.api.get("/openapi.json").send().status(200);
    }
    limited(&ada.api.get(CART).send());
    // Retry-After is a promise: once it is short enough to wait for, the client is served.
    let after = refused
        .header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(seconds) = after.filter(|s| *s <= 5) {
        std::thread::sleep(std::time::Duration::from_secs(seconds));
        ada.api.get(CART).send().status(200);
    }
}

/// Without RATE_LIMIT the limit is 120 a minute: the 121st request is refused.
/// Rules: rate-limit-429
#[test]
fn the_default_limit_is_120_a_minute() {
    let shop = shop_with(&[]);
    let ada = customer(&shop);
    for _ in 0..120 {
        ada.api.get(CART).send().status(200);
    }
    limited(&ada.api.get(CART).send());
}

/// Without a token the client is its address: anonymous requests past the limit are 429,
/// while a customer's token has its own allowance.
/// Rules: rate-limit-per-client
#[test]
fn anonymous_clients_are_limited_by_address() {
    let shop = shop_with(&[("RATE_LIMIT", "5")]);
    let ada = customer(&shop); // two anonymous requests: sign-up and login
    for _ in 0..3 {
        shop.anonymous().get(PRODUCTS).send().status(200);
    }
    limited(&shop.anonymous().get(PRODUCTS).send());
    ada.api.get(PRODUCTS).send().status(200);
}

/// The routes of the README, with their path parameters written `{}`.
const ROUTES: [(&str, &str); 19] = [
    ("get", "/health"),
    ("get", "/openapi.json"),
    ("post", "/api/v1/products"),
    ("get", "/api/v1/products"),
    ("get", "/api/v1/products/{}"),
    ("patch", "/api/v1/products/{}"),
    ("delete", "/api/v1/products/{}"),
    ("post", "/api/v1/customers"),
    ("post", "/api/v1/sessions"),
    ("get", "/api/v1/cart"),
    ("put", "/api/v1/cart/items/{}"),
    ("delete", "/api/v1/cart/items/{}"),
    ("post", "/api/v1/orders"),
    ("get", "/api/v1/orders"),
    ("get", "/api/v1/orders/{}"),
    ("post", "/api/v1/orders/{}/pay"),
    ("post", "/api/v1/orders/{}/cancel"),
    ("post", "/api/v1/orders/{}/ship"),
    ("post", "/api/v1/orders/{}/refund"),
];

/// `/api/v1/orders/{order_id}/pay` as `/api/v1/orders/{}/pay`.
fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            _ if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

/// (method, path) of every operation in the document.
fn operations(doc: &Value) -> Vec<(String, String)> {
    let methods = ["get", "put", "post", "delete", "patch"];
    let Some(paths) = doc["paths"].as_object() else {
        return Vec::new();
    };
    paths
        .iter()
        .flat_map(|(path, item)| {
            methods
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(move |m| (m.to_string(), path.clone()))
        })
        .collect()
}

/// GET /openapi.json is an OpenAPI 3 document whose paths hold every route of the README
/// with its methods, and every operation it describes answers (none is 404 or 405).
/// Rules: openapi-complete, openapi-operations-answer
#[test]
fn the_openapi_document_describes_the_routes_that_answer() {
    let shop = shop();
    let reply = shop.anonymous().get("/openapi.json").send();
    reply.status(200);
    let doc = reply.json();
    let version = doc["openapi"].as_str().unwrap_or("");
    reply.check(
        version.starts_with("3.0") || version.starts_with("3.1"),
        "\"openapi\": \"3.0.x\" or \"3.1.x\"",
    );
    let described = operations(&doc);
    let shapes: Vec<(String, String)> = described
        .iter()
        .map(|(m, p)| (m.clone(), shape(p)))
        .collect();
    let missing: Vec<String> = ROUTES
        .iter()
        .filter(|(m, p)| !shapes.iter().any(|(dm, dp)| dm == m && dp == p))
        .map(|(m, p)| format!("{} {p}", m.to_uppercase()))
        .collect();
    reply.check(
        missing.is_empty(),
        &format!("every route of the README under paths; missing: {missing:?}"),
    );
    calls_every_operation(&shop, &described);
}

/// Calls every described operation with real ids, and fails on a 404 or 405: an operation
/// the document promises that the server does not have. Deletions go last.
fn calls_every_operation(shop: &common::Shop, described: &[(String, String)]) {
    let ada = customer(shop);
    let item = product(shop, &product_body());
    let spare = product(shop, &product_body());
    put_in_cart(&ada, id_of(&item), 1);
    let order = place_order(&ada);
    put_in_cart(&ada, id_of(&spare), 1);
    let mut calls: Vec<&(String, String)> = described.iter().collect();
    calls.sort_by_key(|(method, _)| method == "delete");
    for (method, path) in calls {
        let id = if path.starts_with("/api/v1/orders/") {
            id_of(&order)
        } else if path.starts_with("/api/v1/cart/") {
            id_of(&spare)
        } else {
            id_of(&item)
        };
        let concrete = fill(path, id);
        if path.starts_with("/api/v1/cart/") {
            // An order placed by an earlier call empties the cart: put the line back.
            put_in_cart(&ada, id_of(&spare), 1);
        }
        let reply = first_answer(shop, &ada.api, method, &concrete);
        if matches!(reply.status_code(), 404 | 405) {
            fail(
                &format!(
                    "the OpenAPI document describes {} {path}, but the server has no such operation ({} {concrete} answered {}).",
                    method.to_uppercase(),
                    method.to_uppercase(),
                    reply.status_code()
                ),
                "every operation the document describes to exist",
                &format!("{} {}", reply.status_code(), reply.text()),
            );
        }
    }
}

fn fill(path: &str, id: i64) -> String {
    shape(path).replace("{}", &id.to_string())
}

/// The answer to `method path` as the customer, or as the admin when the customer is
/// refused for their role.
fn first_answer(shop: &common::Shop, customer: &Client, method: &str, path: &str) -> Reply {
    let send = |api: &Client| {
        let call = api.call(&method.to_uppercase(), path);
        match method {
            "post" | "put" | "patch" => call.json(&json!({})).send(),
            _ => call.send(),
        }
    };
    let reply = send(customer);
    if reply.status_code() == 403 {
        send(&shop.admin)
    } else {
        reply
    }
}
