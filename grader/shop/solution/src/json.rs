//! The JSON shapes every route shares: the `{"data": ...}` wrapper of a success, and request
//! bodies read as plain JSON objects and checked by hand.

use std::ops::RangeInclusive;

use axum::body::Bytes;
use axum::http::{HeaderMap, header};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{ApiError, FieldError};

/// Every successful body is `{"data": ...}`: room for siblings such as `pagination` without
/// changing the shape clients already parse.
#[derive(Serialize)]
pub struct Data<T> {
    pub data: T,
}

/// A request body, read as a JSON object and checked by hand rather than deserialised
/// straight into a typed struct: serde stops at the first bad field, and the API promises
/// to report every bad field in one answer.
pub type JsonObject = Map<String, Value>;

/// The string in `body[name]`, or the problem with it, as a `details` entry would put it.
pub fn string_field<'a>(body: &'a JsonObject, name: &str) -> Result<&'a str, &'static str> {
    match body.get(name) {
        None => Err("is required"),
        Some(value) => as_string(value),
    }
}

/// A JSON value that must be a string.
pub fn as_string(value: &Value) -> Result<&str, &'static str> {
    match value {
        Value::String(text) => Ok(text),
        Value::Null => Err("must not be null"),
        _ => Err("must be a string"),
    }
}

/// A JSON value that must be a whole number within `range`; `problem` names the range.
///
/// `12.0` and `1e3` are refused: JSON keeps them as floats, and money or a quantity that
/// arrives as a float is a client bug worth hearing about, not something to round.
pub fn as_whole_number(
    value: &Value,
    range: RangeInclusive<i64>,
    problem: &'static str,
) -> Result<i64, &'static str> {
    match value.as_i64() {
        Some(number) if range.contains(&number) => Ok(number),
        _ => Err(problem),
    }
}

/// The body of a route that takes nothing, or `{}` (placing an order): an empty body is
/// fine with any `Content-Type`, anything else must be a JSON object. Its fields, if any,
/// mean nothing to the route and are ignored.
pub fn empty_or_object(headers: &HeaderMap, body: &Bytes) -> Result<(), ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    if !is_json(headers) {
        return Err(ApiError::bad_request(
            "send the body as JSON, with `Content-Type: application/json`, or send none",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(_)) => Ok(()),
        Ok(_) => Err(ApiError::Validation(vec![FieldError::new(
            "body",
            "must be a JSON object",
        )])),
        Err(_) => Err(ApiError::bad_request("the request body is not valid JSON")),
    }
}

/// `application/json`, `application/json; charset=utf-8` or any `application/...+json`:
/// the same media types axum's `Json` extractor accepts.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let media_type = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    media_type == "application/json"
        || (media_type.starts_with("application/") && media_type.ends_with("+json"))
}
