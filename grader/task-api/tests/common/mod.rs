//! What the task API's hidden tests share: signing up and logging in, and making tasks.
#![allow(dead_code)]

use server_check::{Client, Value, inputs, json};

pub const USERS: &str = "/api/v1/users";
pub const SESSIONS: &str = "/api/v1/sessions";
pub const TASKS: &str = "/api/v1/tasks";

/// A signed-up user: their credentials, and a client that sends their token.
pub struct User {
    pub email: String,
    pub password: String,
    pub id: i64,
    pub token: String,
    pub api: Client,
}

impl User {
    /// The user's token.
    pub fn api_token(&self) -> &str {
        &self.token
    }
}

/// Signs a new user up (random email and password) and logs them in; a failure says it
/// happened while setting the test up.
#[track_caller]
pub fn user(api: &Client) -> User {
    server_check::during("signing up and logging in a user for this test", || {
        new_user(api)
    })
}

#[track_caller]
fn new_user(api: &Client) -> User {
    let (email, password) = (inputs::email(), inputs::password());
    let reply = api
        .post(USERS)
        .json(&json!({"email": email, "password": password}))
        .send();
    reply.status(201);
    let id = reply.json()["data"]["id"]
        .as_i64()
        .unwrap_or_else(|| reply.fail("data.id to be the new user's id, a whole number"));
    let token = log_in(api, &email, &password);
    User {
        email,
        password,
        id,
        api: api.authorized(&token),
        token,
    }
}

/// Logs in and returns the token.
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

/// Creates a task from `body` and returns it (`data`).
#[track_caller]
pub fn create(api: &Client, body: &Value) -> Value {
    let reply = api.post(TASKS).json(body).send();
    reply.status(201);
    reply.json()["data"].clone()
}

/// The id of a task, as a number.
pub fn id_of(task: &Value) -> i64 {
    task["id"].as_i64().unwrap_or(-1)
}

/// `/api/v1/tasks/{id}`.
pub fn task_path(id: i64) -> String {
    format!("{TASKS}/{id}")
}

/// The ways a careless server might keep a password recognisably: as it is, base64
/// (standard and URL-safe, with and without padding), hex, and reversed.
pub fn disguises(password: &str) -> Vec<String> {
    let bytes = password.as_bytes();
    let standard = base64(
        bytes,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    );
    let url_safe = base64(
        bytes,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
    );
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    vec![
        password.to_string(),
        standard.trim_end_matches('=').to_string(),
        url_safe.trim_end_matches('=').to_string(),
        hex.clone(),
        hex.to_uppercase(),
        password.chars().rev().collect(),
    ]
}

/// Base64 with `alphabet`, padded.
fn base64(bytes: &[u8], alphabet: &[u8; 64]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(alphabet[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Checks that the task at `path` is still `task`, as its owner reads it (after requests
/// that must have changed nothing).
#[track_caller]
pub fn still_is(api: &Client, path: &str, task: &Value) {
    api.get(path)
        .send()
        .status(200)
        .body_has(&json!({ "data": task }));
}
