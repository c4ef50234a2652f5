//! Idempotency keys for placing orders: a client that got no answer retries with the same
//! `Idempotency-Key`, and gets the first answer again instead of a second order.
//!
//! The kept answer is written in the *same transaction* as the order it describes (see
//! `orders::place`): the key, the order, the stock taken and the emptied cart are committed
//! together or not at all. So there is never a key without its order (a crash between the
//! two would otherwise leave a key that replays nothing, or an order that a retry places
//! again), and a request that fails keeps nothing, since its transaction rolls back.
//!
//! Two requests with the same key at the same moment cannot both miss the key: the lookup
//! happens inside the transaction, which holds SQLite's write lock from its first statement
//! (`BEGIN IMMEDIATE`), so the second one looks only after the first has committed, finds
//! its answer and replays it. That is why this server never needs to answer `409
//! IDEMPOTENCY_KEY_IN_USE`: no request can ever see a key whose request is still running.
//! A server that did slow work outside the transaction (a payment, say) would have to claim
//! the key first, commit the claim, and answer that 409 to whoever finds a claim.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::ApiError;

const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
const MAX_KEY_CHARS: usize = 64;

/// The request's `Idempotency-Key`, if it sent one: 1 to 64 visible ASCII characters
/// (`!` to `~`), else 400.
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<IdempotencyKey, ApiError> {
        let mut values = parts.headers.get_all(IDEMPOTENCY_KEY).iter();
        let Some(value) = values.next() else {
            return Ok(IdempotencyKey(None));
        };
        // Two keys on one request: which one would the client look its answer up by?
        if values.next().is_some() {
            return Err(ApiError::bad_request(
                "send at most one Idempotency-Key header",
            ));
        }
        match value.to_str() {
            // Visible ASCII only: one byte per character, so `len` counts characters.
            Ok(key)
                if (1..=MAX_KEY_CHARS).contains(&key.len())
                    && key.bytes().all(|byte| byte.is_ascii_graphic()) =>
            {
                Ok(IdempotencyKey(Some(key.to_owned())))
            }
            _ => Err(ApiError::bad_request(
                "the Idempotency-Key header must be 1 to 64 visible ASCII characters",
            )),
        }
    }
}

/// A `201 Created` answer to placing an order, as sent the first time and as kept with its
/// key: the body is kept as the exact text sent, so a replay is byte for byte the same.
pub struct Placed {
    pub order_id: i64,
    pub status: u16,
    pub body: String,
}

/// What `POST /api/v1/orders` answers: a new order, or the kept answer of an earlier one.
pub enum Outcome {
    New(Placed),
    Replayed(Placed),
}

impl IntoResponse for Outcome {
    fn into_response(self) -> Response {
        let (placed, replayed) = match self {
            Outcome::New(placed) => (placed, false),
            Outcome::Replayed(placed) => (placed, true),
        };
        let status = StatusCode::from_u16(placed.status).unwrap_or(StatusCode::CREATED);
        let location = format!("/api/v1/orders/{}", placed.order_id);
        let json = HeaderValue::from_static("application/json");
        let mut response = (status, [(header::CONTENT_TYPE, json)], placed.body).into_response();
        if let Ok(location) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, location);
        }
        if replayed {
            let yes = HeaderValue::from_static("true");
            response.headers_mut().insert(IDEMPOTENT_REPLAYED, yes);
        }
        response
    }
}

/// The answer kept for this customer's key, if any. Keys are per customer: another
/// customer's identical key is a different key.
pub fn find(conn: &Connection, customer: i64, key: &str) -> Result<Option<Placed>, ApiError> {
    let placed = conn
        .query_row(
            "SELECT order_id, status, body FROM idempotency_keys
             WHERE customer_id = ?1 AND idempotency_key = ?2",
            params![customer, key],
            |row| {
                Ok(Placed {
                    order_id: row.get(0)?,
                    status: row.get(1)?,
                    body: row.get(2)?,
                })
            },
        )
        .optional()?;
    Ok(placed)
}

/// Keeps the answer with the key, to replay to every later request with it.
pub fn keep(conn: &Connection, customer: i64, key: &str, placed: &Placed) -> Result<(), ApiError> {
    conn.execute(
        "INSERT INTO idempotency_keys (customer_id, idempotency_key, order_id, status, body)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![customer, key, placed.order_id, placed.status, placed.body],
    )?;
    Ok(())
}
