//! Stage 2: sign up and log in, with passwords kept as argon2id hashes in the database.

mod common;

use common::{SESSIONS, USERS, disguises, log_in, user};
use server_check::{fail, inputs, json, start};

/// Signing up answers 201 with the new id and the email, trimmed and lower-cased, and
/// nothing else secret; ids count 1, 2, 3 in order of sign-up.
/// Rules: signup-201, email-normalised, user-ids-count-from-1
#[test]
fn sign_up_answers_the_id_and_the_normalised_email() {
    let server = start!();
    let api = server.client();
    for expected_id in 1..=3 {
        let email = inputs::email();
        let shouted = format!("  {}  ", email.to_uppercase());
        let password = inputs::password();
        let reply = api
            .post(USERS)
            .json(&json!({"email": shouted, "password": password}))
            .send();
        reply
            .status(201)
            .body_has(&json!({"data": {"id": expected_id, "email": email}}));
        let text = reply.text();
        reply.check(
            !text.contains(&password) && !text.contains("$argon2"),
            "a body without the password or its hash",
        );
    }
}

/// A bad email and a short password are reported together in one 422, one details entry
/// each; a missing field, or one that is not a string, is a 422 too.
/// Rules: email-and-password-validated, error-envelope
#[test]
fn bad_emails_and_short_passwords_are_reported_together() {
    let server = start!();
    let api = server.client();
    let short: String = inputs::password().chars().take(7).collect();
    for email in [
        "no-at-sign.example.test",
        "@example.test",
        "ada@",
        "a@b@example.test",
    ] {
        let reply = api
            .post(USERS)
            .json(&json!({"email": email, "password": short}))
            .send();
        reply.error(422, "VALIDATION_ERROR");
        let fields = reply.detail_fields();
        reply.check(
            fields.contains(&"email".to_string()) && fields.contains(&"password".to_string()),
            "details entries for both `email` and `password`",
        );
    }
    // Eight characters is enough, counted as characters: "ééééé123" is 8, not 13 bytes.
    let reply = api
        .post(USERS)
        .json(&json!({"email": inputs::email(), "password": "ééééé123"}))
        .send();
    reply.status(201);
    api.post(USERS)
        .json(&json!({"email": inputs::email()}))
        .send()
        .error(422, "VALIDATION_ERROR");
    // Both fields are strings: a number is a bad field, not something to convert.
    for body in [
        json!({"email": inputs::email(), "password": 12345678901u64}),
        json!({"email": 42, "password": inputs::password()}),
    ] {
        api.post(USERS)
            .json(&body)
            .send()
            .error(422, "VALIDATION_ERROR");
    }
}

/// The same email again, in another case or with spaces, is 409 EMAIL_TAKEN.
/// Rules: email-taken-409, email-normalised
#[test]
fn a_taken_email_is_a_409_whatever_its_case() {
    let server = start!();
    let api = server.client();
    let email = inputs::email();
    api.post(USERS)
        .json(&json!({"email": email, "password": inputs::password()}))
        .send()
        .status(201);
    let again = format!(" {} ", email.to_uppercase());
    api.post(USERS)
        .json(&json!({"email": again, "password": inputs::password()}))
        .send()
        .error(409, "EMAIL_TAKEN");
}

/// The database file holds an argon2id hash and never the password itself.
/// Rules: password-hashed-argon2id
#[test]
fn the_database_holds_an_argon2id_hash_not_the_password() {
    let server = start!();
    let someone = user(&server.client());
    let mut bytes = Vec::new();
    for suffix in ["", "-wal"] {
        let path = format!("{}{suffix}", server.database_file().display());
        bytes.extend(std::fs::read(path).unwrap_or_default());
    }
    let haystack = String::from_utf8_lossy(&bytes);
    let file = server.database_file().display().to_string();
    if bytes.is_empty() {
        fail(
            "after a sign-up, the database file DATABASE_URL names is missing or empty: keep accounts in it.",
            &format!("{file} holding the account"),
            "no such file, or an empty one",
        );
    }
    let ways = [
        "as it was sent",
        "in base64",
        "in URL-safe base64",
        "in hex",
        "in upper-case hex",
        "reversed",
    ];
    for (disguise, how) in disguises(&someone.password).iter().zip(ways) {
        if haystack.contains(disguise.as_str()) {
            fail(
                &format!(
                    "the database file holds the password {:?}, {how}.",
                    someone.password
                ),
                "only an argon2id hash of it",
                &format!("{disguise:?} in the file"),
            );
        }
    }
    if !haystack.contains("$argon2id$") {
        fail(
            "the database holds no argon2id hash.",
            "a hash string starting with `$argon2id$` (Argon2::default().hash_password(...) makes one)",
            "no such string in the database file",
        );
    }
}

/// Logging in answers 201 with a token of at least 22 characters, a new random one each time
/// (the email is normalised here too).
/// Rules: login-201-token
#[test]
fn each_login_gives_a_new_working_token() {
    let server = start!();
    let api = server.client();
    let someone = user(&api);
    let first = log_in(&api, &someone.email, &someone.password);
    let second = log_in(
        &api,
        &format!(" {} ", someone.email.to_uppercase()),
        &someone.password,
    );
    let mut tokens = vec![first, second];
    for _ in 0..6 {
        tokens.push(log_in(&api, &someone.email, &someone.password));
    }
    // Random tokens share no long beginning; a clock or a counter written out does.
    for (i, a) in tokens.iter().enumerate() {
        for b in &tokens[i + 1..] {
            let shared = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
            if shared >= 8 {
                fail(
                    "two logins gave tokens that begin alike, as a clock or a counter would: a token must be random (at least 128 bits from a secure generator).",
                    "tokens with no long common beginning",
                    &format!("{a:?} and {b:?} share their first {shared} characters"),
                );
            }
        }
    }
}

/// A wrong password and an unknown email both answer 401 INVALID_CREDENTIALS, with the same
/// message, so the answer does not tell which emails are registered; so does a login whose
/// email and password could never be right.
/// Rules: login-failure-uniform, error-envelope
#[test]
fn wrong_password_and_unknown_email_look_the_same() {
    let server = start!();
    let api = server.client();
    let someone = user(&api);
    let wrong = api
        .post(SESSIONS)
        .json(&json!({"email": someone.email, "password": inputs::password()}))
        .send();
    wrong.error(401, "INVALID_CREDENTIALS");
    let unknown = api
        .post(SESSIONS)
        .json(&json!({"email": inputs::email(), "password": someone.password}))
        .send();
    unknown.error(401, "INVALID_CREDENTIALS");
    // A credential that cannot be right is simply wrong: login does not validate forms.
    api.post(SESSIONS)
        .json(&json!({"email": "nope", "password": "abc"}))
        .send()
        .error(401, "INVALID_CREDENTIALS");
    let message = |r: &server_check::Reply| r.json()["error"]["message"].clone();
    unknown.check(
        message(&wrong) == message(&unknown),
        &format!(
            "the same message as for a wrong password ({}), so that a caller cannot tell an unknown email from a wrong password",
            message(&wrong)
        ),
    );
}

/// A login body that lacks a field, or has one that is not a string, is 422.
/// Rules: login-body-validated
#[test]
fn a_login_body_without_its_fields_is_a_422() {
    let server = start!();
    let api = server.client();
    for body in [
        json!({"email": inputs::email()}),
        json!({"password": inputs::password()}),
        json!({"email": 42, "password": inputs::password()}),
    ] {
        api.post(SESSIONS)
            .json(&body)
            .send()
            .error(422, "VALIDATION_ERROR");
    }
}
