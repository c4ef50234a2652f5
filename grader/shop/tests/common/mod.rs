//! What the shop's hidden tests share: a shop started with its settings and a fake payment
//! provider, customers, products, carts and orders.
#![allow(dead_code)]

use server_check::provider::Provider;
use server_check::{Client, Reply, Server, Value, configure, during, inputs, json};

pub const PRODUCTS: &str = "/api/v1/products";
pub const CUSTOMERS: &str = "/api/v1/customers";
pub const SESSIONS: &str = "/api/v1/sessions";
pub const CART: &str = "/api/v1/cart";
pub const ORDERS: &str = "/api/v1/orders";

/// What a failure card says about a request the admin sent.
pub const ADMIN_TOKEN_NOTE: &str =
    "the admin's token: `export TOKEN=<the ADMIN_TOKEN you started your server with>` first";

/// A running shop: the server, its payment provider, and the admin's client.
pub struct Shop {
    pub server: Server,
    pub provider: Provider,
    pub admin_token: String,
    pub admin: Client,
}

/// A signed-up, logged-in customer.
pub struct Customer {
    pub email: String,
    pub password: String,
    pub id: i64,
    pub token: String,
    pub api: Client,
}

/// A shop with a rate limit too high to matter (the tests of stage 8 set their own).
#[track_caller]
pub fn shop() -> Shop {
    shop_with(&[("RATE_LIMIT", "1000000")])
}

/// A shop with `env` added to (or replacing) its default settings.
#[track_caller]
pub fn shop_with(env: &[(&str, &str)]) -> Shop {
    let provider = Provider::start();
    let admin_token = format!("admin-{}", inputs::password());
    let mut launch = configure!()
        .env("ADMIN_TOKEN", &admin_token)
        .env("PAYMENT_URL", &provider.url());
    for (key, value) in env {
        launch = launch.env(key, value);
    }
    let server = launch.start();
    let admin = server
        .client()
        .authorized_as(&admin_token, ADMIN_TOKEN_NOTE);
    Shop {
        server,
        provider,
        admin_token,
        admin,
    }
}

impl Shop {
    /// A client without a token.
    pub fn anonymous(&self) -> Client {
        self.server.client()
    }

    /// Clients made again after a restart (the port changed).
    pub fn reconnect(&mut self) {
        self.admin = self
            .server
            .client()
            .authorized_as(&self.admin_token, ADMIN_TOKEN_NOTE);
    }
}

/// Signs a new customer up and logs them in; a failure says it happened while setting up.
#[track_caller]
pub fn customer(shop: &Shop) -> Customer {
    during("signing up and logging in a customer for this test", || {
        let (email, password) = (inputs::email(), inputs::password());
        let api = shop.anonymous();
        let reply = api
            .post(CUSTOMERS)
            .json(&json!({"email": email, "password": password}))
            .send();
        reply.status(201);
        let id = reply.json()["data"]["id"].as_i64().unwrap_or(-1);
        let token = log_in(&api, &email, &password);
        Customer {
            email,
            password,
            id,
            api: api.authorized(&token),
            token,
        }
    })
}

/// Logs in; the token.
#[track_caller]
pub fn log_in(api: &Client, email: &str, password: &str) -> String {
    let reply = api
        .post(SESSIONS)
        .json(&json!({"email": email, "password": password}))
        .send();
    reply.status(201);
    match reply.json()["data"]["token"].as_str() {
        Some(token) if token.len() >= 22 => token.to_string(),
        _ => reply.fail("data.token to be a string of at least 22 characters"),
    }
}

/// A product body with random name, category, price and stock.
pub fn product_body() -> Value {
    json!({
        "name": format!("{} {}", inputs::pick(&ADJECTIVES), inputs::pick(&NOUNS)),
        "description": "",
        "category": inputs::pick(&CATEGORIES),
        "price_cents": inputs::number(100, 50_000),
        "stock": inputs::number(20, 200),
    })
}

pub const ADJECTIVES: [&str; 8] = [
    "Blue", "Small", "Sturdy", "Quiet", "Linen", "Cedar", "Copper", "Woollen",
];
pub const NOUNS: [&str; 8] = [
    "cup", "lamp", "notebook", "scarf", "kettle", "chair", "basket", "mug",
];
pub const CATEGORIES: [&str; 4] = ["kitchen", "office", "garden", "clothing"];

/// Creates a product as the admin; the product.
#[track_caller]
pub fn product(shop: &Shop, body: &Value) -> Value {
    during("creating a product as the admin for this test", || {
        let reply = shop.admin.post(PRODUCTS).json(body).send();
        reply.status(201);
        reply.json()["data"].clone()
    })
}

/// A product with exactly `stock` items and a random price.
#[track_caller]
pub fn product_with_stock(shop: &Shop, stock: u32) -> Value {
    let mut body = product_body();
    body["stock"] = json!(stock);
    product(shop, &body)
}

/// The id of a product, order, ...
pub fn id_of(value: &Value) -> i64 {
    value["id"].as_i64().unwrap_or(-1)
}

/// `/api/v1/products/{id}`.
pub fn product_path(id: i64) -> String {
    format!("{PRODUCTS}/{id}")
}

/// `/api/v1/orders/{id}`.
pub fn order_path(id: i64) -> String {
    format!("{ORDERS}/{id}")
}

/// Puts `quantity` of `product` in the customer's cart (checked to be 200).
#[track_caller]
pub fn put_in_cart(customer: &Customer, product: i64, quantity: u32) -> Reply {
    let reply = customer
        .api
        .put(&format!("{CART}/items/{product}"))
        .json(&json!({ "quantity": quantity }))
        .send();
    reply.status(200);
    reply
}

/// Places an order from the cart (checked to be 201); the order.
#[track_caller]
pub fn place_order(customer: &Customer) -> Value {
    let reply = customer.api.post(ORDERS).json(&json!({})).send();
    reply.status(201);
    reply.json()["data"].clone()
}

/// A product's current stock, read as anyone may.
#[track_caller]
pub fn stock_of(shop: &Shop, product: i64) -> i64 {
    let reply = shop.anonymous().get(&product_path(product)).send();
    reply.status(200);
    reply.json()["data"]["stock"].as_i64().unwrap_or(-1)
}

/// What a list's `data` must hold: these ids, in this order.
pub fn by_ids(ids: &[i64]) -> Value {
    Value::Array(ids.iter().map(|id| json!({ "id": id })).collect())
}
