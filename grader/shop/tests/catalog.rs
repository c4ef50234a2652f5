//! Stage 1: the settings, and a catalog the admin creates, reads, patches and deletes.

mod common;

use std::time::Duration;

use common::{PRODUCTS, id_of, product, product_body, product_path, shop};
use server_check::provider::Provider;
use server_check::{Launch, configure, expect_eq, fail, inputs, json};

#[track_caller]
fn refuses(launch: Launch, setting: &str, variable: &str) {
    let mut server = launch.spawn();
    let stderr = server.expect_refusal(setting, Duration::from_secs(5));
    if !stderr.contains(variable) {
        fail(
            &format!(
                "{setting}: the server exited, as it should, but its standard error does not name {variable}."
            ),
            &format!("a message naming {variable}"),
            &format!("{:?}", stderr.trim()),
        );
    }
}

/// The shop refuses to start without PORT, DATABASE_URL, ADMIN_TOKEN or PAYMENT_URL, with
/// a PORT of 0, an ADMIN_TOKEN shorter than 16 characters, a DATABASE_URL that is not
/// absolute, a PAYMENT_URL that is not http(s) or a RATE_LIMIT that is not a whole number
/// from 1; the message names the variable.
/// Rules: config-required
#[test]
fn refuses_to_start_without_its_settings() {
    let provider = Provider::start();
    let good = || {
        configure!()
            .env("ADMIN_TOKEN", "admin-token-0123456789")
            .env("PAYMENT_URL", &provider.url())
    };
    refuses(
        good().without("ADMIN_TOKEN"),
        "started without ADMIN_TOKEN",
        "ADMIN_TOKEN",
    );
    refuses(good().env("PORT", "0"), "started with PORT=0", "PORT");
    for limit in ["0", "ten", "-5", "+5"] {
        refuses(
            good().env("RATE_LIMIT", limit),
            &format!("started with RATE_LIMIT={limit}"),
            "RATE_LIMIT",
        );
    }
    let fifteen = "a".repeat(15);
    refuses(
        good().env("ADMIN_TOKEN", &fifteen),
        "started with an ADMIN_TOKEN of 15 characters",
        "ADMIN_TOKEN",
    );
    refuses(
        good().env("DATABASE_URL", "sqlite://shop.db"),
        "started with DATABASE_URL=sqlite://shop.db (not an absolute path)",
        "DATABASE_URL",
    );
    refuses(
        good().without("PAYMENT_URL"),
        "started without PAYMENT_URL",
        "PAYMENT_URL",
    );
    refuses(
        good().env("PAYMENT_URL", "ftp://pay.example.test"),
        "started with PAYMENT_URL=ftp://pay.example.test",
        "PAYMENT_URL",
    );
    refuses(good().without("PORT"), "started without PORT", "PORT");
    refuses(
        good().without("DATABASE_URL"),
        "started without DATABASE_URL",
        "DATABASE_URL",
    );
    // And with everything set, it starts.
    let server = good().start();
    server
        .client()
        .get("/health")
        .send()
        .status(200)
        .body_has(&json!({"status": "ok"}));
}

/// A product's life: POST answers 201 with Location and the product (trimmed, defaults
/// filled in), anyone can GET it, PATCH changes only what it names, DELETE answers 204 and
/// the id is 404 afterwards; ids count 1, 2, 3 and are never reused.
/// Rules: product-create-201, product-get-public, product-patch, product-delete, product-ids
#[test]
fn a_product_lives_and_dies() {
    let shop = shop();
    let name = format!(
        "{} {}",
        inputs::pick(&common::ADJECTIVES),
        inputs::pick(&common::NOUNS)
    );
    let price = inputs::number(1, 99_999);
    let reply = shop
        .admin
        .post(PRODUCTS)
        .json(&json!({"name": format!("  {name} "), "price_cents": price}))
        .send();
    let expected = json!({"id": 1, "name": name, "description": "", "category": "general", "price_cents": price, "stock": 0});
    reply.status(201).body_has(&json!({ "data": expected }));
    reply.check(
        reply.header("location") == Some(&product_path(1)),
        "a Location header of /api/v1/products/1",
    );
    shop.anonymous()
        .get(&product_path(1))
        .send()
        .status(200)
        .body_has(&json!({ "data": expected }));

    let stock = inputs::number(1, 500);
    let mut changed = expected.clone();
    changed["stock"] = json!(stock);
    let patch = shop
        .admin
        .patch(&product_path(1))
        .json(&json!({ "stock": stock }))
        .send();
    patch.status(200).body_has(&json!({ "data": changed }));

    let second = product(&shop, &product_body());
    expect_eq("the second product's id", 2, id_of(&second));
    let gone = shop.admin.delete(&product_path(2)).send();
    gone.status(204)
        .check(gone.text().is_empty(), "an empty body with 204");
    shop.anonymous()
        .get(&product_path(2))
        .send()
        .error(404, "NOT_FOUND");
    let third = product(&shop, &product_body());
    expect_eq(
        "the id after product 2 was deleted (never reused)",
        3,
        id_of(&third),
    );
}

/// Every bad field of a POST or PATCH is listed in one 422, and nothing changes.
/// Rules: product-validation
#[test]
fn every_bad_field_is_listed_in_one_422() {
    let shop = shop();
    let reply = shop
        .admin
        .post(PRODUCTS)
        .json(&json!({"name": "   ", "description": "d".repeat(2001), "category": "", "price_cents": 0, "stock": -1, "colour": "red"}))
        .send();
    reply.lists_fields(&[
        "name",
        "description",
        "category",
        "price_cents",
        "stock",
        "colour",
    ]);
    for (field, value) in [
        ("name", json!("n".repeat(121))),
        ("price_cents", json!(100_000_001)),
        ("price_cents", json!(12.5)),
        ("price_cents", json!("1250")),
        ("stock", json!(1_000_001)),
        ("category", json!("c".repeat(41))),
    ] {
        let mut body = json!({"name": "Cup", "price_cents": 100});
        body[field] = value;
        shop.admin
            .post(PRODUCTS)
            .json(&body)
            .send()
            .lists_fields(&[field]);
    }
    let made = product(
        &shop,
        &json!({"name": "é".repeat(120), "price_cents": 100_000_000, "stock": 1_000_000}),
    );
    // The edges are allowed: a 40-character category, a stock of exactly 0, a description of
    // 2000 characters.
    let edges = product(
        &shop,
        &json!({"description": "é".repeat(2000), "name": "Edge", "price_cents": 1, "stock": 0, "category": "c".repeat(40)}),
    );
    expect_eq(
        "the stock of a product created with stock 0",
        Some(0),
        edges["stock"].as_i64(),
    );
    expect_eq(
        "the first product created after the rejected ones",
        1,
        id_of(&made),
    );
    let path = product_path(1);
    let reply = shop
        .admin
        .patch(&path)
        .json(&json!({"name": null, "price_cents": 0, "size": 3, "stock": 7}))
        .send();
    reply.lists_fields(&["name", "price_cents", "size"]);
    shop.anonymous()
        .get(&path)
        .send()
        .status(200)
        .body_has(&json!({ "data": made }));
}

/// Writes without a token, or with an unknown one, are 401 UNAUTHORIZED with
/// WWW-Authenticate: Bearer, and change nothing; bodies that are not JSON are 400.
/// Rules: writes-need-a-token, error-envelope, malformed-json-400
#[test]
fn writes_without_the_admin_token_are_401() {
    let shop = shop();
    let made = product(&shop, &product_body());
    let path = product_path(id_of(&made));
    let anonymous = shop.anonymous();
    let unknown = shop
        .anonymous()
        .authorized(&format!("x{}", shop.admin_token));
    // The same length as the admin's token, two characters off (in the same bits, so that
    // a comparison that lets differences cancel out is caught too).
    let near: String = shop
        .admin_token
        .bytes()
        .enumerate()
        .map(|(i, b)| char::from(if i == 6 || i == 7 { b ^ 1 } else { b }))
        .collect();
    let near = shop.anonymous().authorized(&near);
    for call in [
        anonymous.post(PRODUCTS).json(&product_body()),
        anonymous.patch(&path).json(&json!({"stock": 0})),
        anonymous
            .post(PRODUCTS)
            .header("Authorization", &format!("Basic {}", shop.admin_token))
            .json(&product_body()),
        unknown.delete(&path),
        near.delete(&path),
        near.post(PRODUCTS).json(&product_body()),
        unknown
            .post(PRODUCTS)
            .body("{not json", Some("application/json")),
    ] {
        let reply = call.send();
        reply.error(401, "UNAUTHORIZED");
        let challenge = reply.header("www-authenticate").unwrap_or("");
        reply.check(
            challenge.to_ascii_lowercase().starts_with("bearer"),
            "a WWW-Authenticate header naming the Bearer scheme",
        );
    }
    shop.admin
        .post(PRODUCTS)
        .body("{\"name\": ", Some("application/json"))
        .send()
        .error(400, "BAD_REQUEST");
    shop.admin
        .post(PRODUCTS)
        .body(&product_body().to_string(), Some("application/xml"))
        .send()
        .error(400, "BAD_REQUEST");
    shop.admin
        .post(PRODUCTS)
        .body(&product_body().to_string(), None)
        .send()
        .error(400, "BAD_REQUEST");
    shop.anonymous()
        .get(&path)
        .send()
        .status(200)
        .body_has(&json!({ "data": made }));
}

/// An unknown product id, or one that is not a number, is 404 NOT_FOUND for every method;
/// so is a path that matches no route.
/// Rules: unknown-product-404, error-envelope
#[test]
fn unknown_ids_and_paths_are_404() {
    let shop = shop();
    let unknown = product_path(i64::from(inputs::number(50, 90_000)));
    for path in [unknown.as_str(), "/api/v1/products/cup"] {
        shop.anonymous().get(path).send().error(404, "NOT_FOUND");
        shop.admin
            .patch(path)
            .json(&json!({"stock": 1}))
            .send()
            .error(404, "NOT_FOUND");
        shop.admin.delete(path).send().error(404, "NOT_FOUND");
    }
    shop.anonymous()
        .get("/api/v1/warehouses")
        .send()
        .error(404, "NOT_FOUND");
}
