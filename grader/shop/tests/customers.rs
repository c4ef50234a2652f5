//! Stage 2: customers sign up and log in; a valid token of the wrong role is 403.

mod common;

use common::{
    CUSTOMERS, PRODUCTS, SESSIONS, customer, id_of, log_in, product, product_body, product_path,
    shop,
};
use server_check::{fail, inputs, json};

/// Signing up answers 201 with the id and the email trimmed and lower-cased; a bad email
/// and a short password are reported together; a taken email is 409 in any case.
/// Rules: signup, email-taken-409
#[test]
fn customers_sign_up_with_checked_emails_and_passwords() {
    let shop = shop();
    let api = shop.anonymous();
    let email = inputs::email();
    let reply = api
        .post(CUSTOMERS)
        .json(&json!({"email": format!(" {} ", email.to_uppercase()), "password": inputs::password()}))
        .send();
    reply
        .status(201)
        .body_has(&json!({"data": {"email": email}}));
    reply.check(
        reply.json()["data"]["id"].is_i64(),
        "data.id, a whole number",
    );
    let reply = api
        .post(CUSTOMERS)
        .json(&json!({"email": "no-at.example.test", "password": "short"}))
        .send();
    reply.error(422, "VALIDATION_ERROR");
    let fields = reply.detail_fields();
    reply.check(
        fields.iter().any(|f| f == "email") && fields.iter().any(|f| f == "password"),
        "details entries for both email and password",
    );
    // Exactly one @; eight characters, counted as characters ("pässwö" is 6, in 8 bytes).
    for (body, field) in [
        (
            json!({"email": "a@b@c.example.test", "password": inputs::password()}),
            "email",
        ),
        (
            json!({"email": inputs::email(), "password": "pässwö"}),
            "password",
        ),
    ] {
        let reply = api.post(CUSTOMERS).json(&body).send();
        reply.error(422, "VALIDATION_ERROR");
        reply.check(
            reply.detail_fields().iter().any(|f| f == field),
            &format!("a details entry for {field}"),
        );
    }
    api.post(CUSTOMERS)
        .json(&json!({"email": email.to_uppercase(), "password": inputs::password()}))
        .send()
        .error(409, "EMAIL_TAKEN");
}

/// Logins give a new token each time; a wrong password and an unknown email get the same
/// 401 INVALID_CREDENTIALS; the database holds an argon2id hash, never the password.
/// Rules: login, password-hashed
#[test]
fn customers_log_in_and_their_passwords_are_hashed() {
    let shop = shop();
    let ada = customer(&shop);
    let api = shop.anonymous();
    // The email is normalised at login too.
    let again = log_in(
        &api,
        &format!(" {} ", ada.email.to_uppercase()),
        &ada.password,
    );
    if again == ada.token {
        fail(
            "two logins gave the same token.",
            "a new token on every login",
            &format!("{again:?} twice"),
        );
    }
    // 128 bits: 32 characters of hex, or 22 of base64url.
    let hex = again.chars().all(|c| c.is_ascii_hexdigit());
    if hex && again.len() < 32 {
        fail(
            "a login token is shorter than 128 bits.",
            "at least 32 hex characters (or 22 of base64url)",
            &format!("{} hex characters: {again:?}", again.len()),
        );
    }
    let wrong = api
        .post(SESSIONS)
        .json(&json!({"email": ada.email, "password": inputs::password()}))
        .send();
    wrong.error(401, "INVALID_CREDENTIALS");
    let unknown = api
        .post(SESSIONS)
        .json(&json!({"email": inputs::email(), "password": ada.password}))
        .send();
    unknown.error(401, "INVALID_CREDENTIALS");
    let message = |r: &server_check::Reply| r.json()["error"]["message"].clone();
    unknown.check(
        message(&wrong) == message(&unknown),
        "the same message as for a wrong password",
    );
    let mut bytes = std::fs::read(shop.server.database_file()).unwrap_or_default();
    bytes.extend(
        std::fs::read(format!("{}-wal", shop.server.database_file().display())).unwrap_or_default(),
    );
    let text = String::from_utf8_lossy(&bytes);
    if text.contains(&ada.password) || !text.contains("$argon2id$") {
        fail(
            "the database does not hold the password as an argon2id hash.",
            "an argon2id hash (`$argon2id$...`), and never the password",
            if text.contains(&ada.password) {
                "the password itself in the file"
            } else {
                "no argon2id hash in the file"
            },
        );
    }
}

/// A customer's token on an admin route is 403 FORBIDDEN and changes nothing; an unknown
/// token is 401.
/// Rules: roles-403
#[test]
fn a_customer_cannot_use_the_admin_routes() {
    let shop = shop();
    let made = product(&shop, &product_body());
    let path = product_path(id_of(&made));
    let ada = customer(&shop);
    for call in [
        ada.api.post(PRODUCTS).json(&product_body()),
        ada.api.patch(&path).json(&json!({"price_cents": 1})),
        ada.api.delete(&path),
    ] {
        call.send().error(403, "FORBIDDEN");
    }
    shop.anonymous()
        .authorized(&format!("{}0", ada.token))
        .delete(&path)
        .send()
        .error(401, "UNAUTHORIZED");
    shop.anonymous()
        .get(&path)
        .send()
        .status(200)
        .body_has(&json!({ "data": made }));
}
