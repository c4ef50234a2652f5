//! Customers and roles: sign-up, login, and the bearer-token extractors that tell the admin
//! from a customer before any handler runs.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::{Json, Router, routing::post};
use rand::Rng;
use rusqlite::{Connection, OptionalExtension, ffi, params};
use serde::Serialize;

use crate::AppState;
use crate::db::Db;
use crate::error::{ApiError, Problems};
use crate::json::{Data, JsonObject, string_field};

const MIN_PASSWORD_CHARS: usize = 8;

/// An argon2id hash of a random password that was thrown away, made with the parameters of
/// `Argon2::default()` (m=19456, t=2, p=1). A login for an unknown email is checked against
/// it, so that it costs as much as a login with a wrong password: otherwise the time of the
/// answer would tell a caller which emails are registered, even though the answer does not.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$oLhcGY4hx/kUnoNuem6CtQ$WPHxB96Ev3Hja2ojPmRUnqsNbSSv00ToEa0geHZAiw8";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/customers", post(sign_up))
        .route("/api/v1/sessions", post(log_in))
}

/// A customer as the API shows it: never the password, nor its hash.
#[derive(Serialize)]
struct Customer {
    id: i64,
    email: String,
}

#[derive(Serialize)]
struct Session {
    token: String,
}

/// `POST /api/v1/customers`: signs a customer up.
#[utoipa::path(
    post, path = "/api/v1/customers", tag = "customers",
    responses(
        (status = 201, description = "Signed up: `{data: {id, email}}`"),
        (status = 409, description = "EMAIL_TAKEN"),
        (status = 422, description = "A bad email or a password under 8 characters"),
    )
)]
pub async fn sign_up(
    State(db): State<Db>,
    body: Result<Json<JsonObject>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Json(body) = body?;
    let (email, password) = sign_up_fields(&body)?;
    // Argon2 is slow on purpose (that is what makes a stolen hash hard to crack), far too
    // slow to run on a runtime thread that other requests are waiting for.
    let password_hash = blocking(move || hash_password(&password)).await??;
    let stored_email = email.clone();
    let id = db
        .call(move |conn| insert_customer(conn, &stored_email, &password_hash))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Data {
            data: Customer { id, email },
        }),
    ))
}

/// `POST /api/v1/sessions`: logs a customer in with a new token.
#[utoipa::path(
    post, path = "/api/v1/sessions", tag = "customers",
    responses(
        (status = 201, description = "Logged in: `{data: {token}}`"),
        (status = 401, description = "INVALID_CREDENTIALS"),
        (status = 422, description = "The email or the password is missing"),
    )
)]
pub async fn log_in(
    State(db): State<Db>,
    body: Result<Json<JsonObject>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Json(body) = body?;
    let (email, password) = log_in_fields(&body)?;
    let account = db.call(move |conn| find_account(conn, &email)).await?;
    let customer_id = blocking(move || check_password(account, &password))
        .await?
        .ok_or(ApiError::InvalidCredentials)?;
    let token = new_token();
    let stored_token = token.clone();
    db.call(move |conn| {
        conn.execute(
            "INSERT INTO sessions (token, customer_id) VALUES (?1, ?2)",
            params![stored_token, customer_id],
        )?;
        Ok(())
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(Data {
            data: Session { token },
        }),
    ))
}

/// The normalised email and the password of a sign-up, or a 422 naming every bad field.
fn sign_up_fields(body: &JsonObject) -> Result<(String, String), ApiError> {
    let mut problems = Problems::default();
    let email = problems.check("email", string_field(body, "email").and_then(valid_email));
    let password = problems.check(
        "password",
        string_field(body, "password").and_then(valid_password),
    );
    match (email, password) {
        (Some(email), Some(password)) => Ok((email, password)),
        _ => Err(problems.into_validation()),
    }
}

/// A login only needs two strings: an email or password that could never have signed up
/// simply matches no account, and gets the same 401 as any other wrong guess.
fn log_in_fields(body: &JsonObject) -> Result<(String, String), ApiError> {
    let mut problems = Problems::default();
    let email = problems.check("email", string_field(body, "email").map(normalize_email));
    let password = problems.check(
        "password",
        string_field(body, "password").map(str::to_owned),
    );
    match (email, password) {
        (Some(email), Some(password)) => Ok((email, password)),
        _ => Err(problems.into_validation()),
    }
}

/// Emails are compared after trimming and lower-casing, so `Ada@Example.com ` and
/// `ada@example.com` are one account.
fn normalize_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

fn valid_email(raw: &str) -> Result<String, &'static str> {
    let email = normalize_email(raw);
    match email.split_once('@') {
        Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !domain.contains('@') =>
        {
            Ok(email)
        }
        _ => Err("must be an email address: exactly one @, with text on both sides"),
    }
}

fn valid_password(raw: &str) -> Result<String, &'static str> {
    // Characters, not bytes: `len()` would let "pässwö" (6 characters, 8 bytes) through.
    if raw.chars().count() >= MIN_PASSWORD_CHARS {
        Ok(raw.to_owned())
    } else {
        Err("must be at least 8 characters long")
    }
}

fn insert_customer(
    conn: &mut Connection,
    email: &str,
    password_hash: &str,
) -> Result<i64, ApiError> {
    // The UNIQUE constraint decides, not a SELECT beforehand: two sign-ups racing for one
    // email could both pass a check made before either inserts.
    let inserted = conn.execute(
        "INSERT INTO customers (email, password_hash) VALUES (?1, ?2)",
        params![email, password_hash],
    );
    match inserted {
        Ok(_) => Ok(conn.last_insert_rowid()),
        Err(rusqlite::Error::SqliteFailure(error, _))
            if error.extended_code == ffi::SQLITE_CONSTRAINT_UNIQUE =>
        {
            Err(ApiError::EmailTaken)
        }
        Err(error) => Err(error.into()),
    }
}

/// The id and password hash of the account with this (normalised) email, if there is one.
fn find_account(conn: &mut Connection, email: &str) -> Result<Option<(i64, String)>, ApiError> {
    let account = conn
        .query_row(
            "SELECT id, password_hash FROM customers WHERE email = ?1",
            [email],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    Ok(account)
}

/// The account's id if the password is right; `None` for a wrong password and for no
/// account at all, after the same amount of work in both cases.
fn check_password(account: Option<(i64, String)>, password: &str) -> Option<i64> {
    match account {
        Some((id, hash)) => verify_password(password, &hash).then_some(id),
        None => {
            verify_password(password, DUMMY_HASH);
            None
        }
    }
}

/// An argon2id hash in PHC format (`$argon2id$v=19$m=...`), which records the salt and the
/// parameters next to the hash, so `verify_password` needs nothing else.
fn hash_password(password: &str) -> Result<String, ApiError> {
    let mut salt = [0u8; 16];
    rand::rng().fill(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(ApiError::internal)?;
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(ApiError::internal)?;
    Ok(hash.to_string())
}

fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        // The hash carries its own parameters; `Argon2::default()` only supplies the code.
        Ok(hash) => Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok(),
        Err(error) => {
            eprintln!("shop: a stored password hash is unreadable: {error}");
            false
        }
    }
}

/// 32 bytes (256 bits) from `rand::rng()`, a cryptographically secure generator seeded by
/// the operating system, written as 64 hex digits. Nobody can guess one, so holding one
/// proves a login.
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Runs slow, CPU-bound work on tokio's blocking pool, so the runtime threads stay free.
async fn blocking<T, F>(work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(ApiError::internal)
}

/// Who a request acts for, found from its bearer token.
///
/// As an extractor it runs before the path, query and body are looked at (put it, or
/// [`Admin`] or [`CustomerId`], first in a handler's arguments), so the checks come in the
/// README's order: authentication (401), then the role (403), then the request itself.
pub enum Caller {
    Admin,
    Customer(i64),
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let token = bearer_token(&parts.headers)
            .ok_or(ApiError::Unauthorized)?
            .to_owned();
        if same_secret(token.as_bytes(), state.admin_token.as_bytes()) {
            return Ok(Caller::Admin);
        }
        let customer_id = state
            .db
            .call(move |conn| {
                let customer_id = conn
                    .query_row(
                        "SELECT customer_id FROM sessions WHERE token = ?1",
                        [token],
                        |row| row.get(0),
                    )
                    .optional()?;
                Ok(customer_id)
            })
            .await?;
        customer_id
            .map(Caller::Customer)
            .ok_or(ApiError::Unauthorized)
    }
}

/// The admin, on an admin route: a customer's token is 403.
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Admin, ApiError> {
        match Caller::from_request_parts(parts, state).await? {
            Caller::Admin => Ok(Admin),
            Caller::Customer(_) => Err(ApiError::Forbidden),
        }
    }
}

/// The id of the customer, on a customer route: the admin token is 403. The admin has no
/// cart and places no orders; acting as a customer is not among its powers.
pub struct CustomerId(pub i64);

impl FromRequestParts<AppState> for CustomerId {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<CustomerId, ApiError> {
        match Caller::from_request_parts(parts, state).await? {
            Caller::Customer(id) => Ok(CustomerId(id)),
            Caller::Admin => Err(ApiError::Forbidden),
        }
    }
}

/// Compares a presented token with the admin's in constant time: `==` stops at the first
/// differing byte, so how long a wrong guess takes to refuse would tell an attacker how
/// many of its first bytes were right, and let them find the token a byte at a time.
/// Every byte is looked at here, whatever they hold. Only the length can leak, which gives
/// away nothing worth having about a random secret.
fn same_secret(given: &[u8], secret: &[u8]) -> bool {
    if given.len() != secret.len() {
        return false;
    }
    let difference = given
        .iter()
        .zip(secret)
        .fold(0u8, |difference, (a, b)| difference | (a ^ b));
    // Keeps the optimiser from turning the fold back into an early exit.
    std::hint::black_box(difference) == 0
}

/// The token of an `Authorization: Bearer <token>` header, if there is one.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    // The scheme is case-insensitive (RFC 9110, section 11.1); the token is compared exactly.
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|token| !token.is_empty())
}
