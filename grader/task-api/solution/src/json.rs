//! The JSON shapes every route shares: the `{"data": ...}` wrapper of a success, and request
//! bodies read as plain JSON objects.

use serde::Serialize;
use serde_json::{Map, Value};

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
