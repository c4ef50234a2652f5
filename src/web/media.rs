//! Media types in `Content-Type` and `Accept` headers, compared as media types rather than as
//! text: `type/subtype` without parameters, ignoring ASCII case, so `application/json;
//! charset=utf-8` is JSON and `application/jsonx` or `application/json-seq` is not.

use axum::http::{HeaderMap, HeaderName, header};

/// JSON.
pub const JSON: &str = "application/json";
/// An HTML form's body.
pub const FORM: &str = "application/x-www-form-urlencoded";
/// Server-sent events.
pub const EVENT_STREAM: &str = "text/event-stream";

/// The `type/subtype` of one media type (`text/html; q=0.9` gives `text/html`), and whether
/// its parameters rule it out (`q=0` in an Accept header means "not this one").
fn essence(media_type: &str) -> (&str, bool) {
    let mut parts = media_type.split(';');
    let essence = parts.next().unwrap_or("").trim();
    let refused = parts.any(|parameter| {
        parameter.split_once('=').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("q")
                && value.trim().parse::<f32>().is_ok_and(|q| q == 0.0)
        })
    });
    (essence, refused)
}

/// Every media type listed in the headers named `name` (a request may repeat a header, and
/// one value may list several types separated by commas).
fn listed<'h>(headers: &'h HeaderMap, name: &HeaderName) -> impl Iterator<Item = &'h str> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
}

/// True when the body is declared as `expected` (e.g. `application/json`), parameters aside.
pub fn content_type_is(headers: &HeaderMap, expected: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| essence(value).0.eq_ignore_ascii_case(expected))
}

/// True when the Accept headers name `expected` itself; a wildcard such as `*/*` does not
/// count, so a browser's default Accept never asks for JSON or an event stream.
pub fn accepts(headers: &HeaderMap, expected: &str) -> bool {
    listed(headers, &header::ACCEPT).any(|media_type| {
        let (essence, refused) = essence(media_type);
        essence.eq_ignore_ascii_case(expected) && !refused
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(HeaderName, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(name, value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn content_types_match_as_media_types() {
        let is_json = |value: &str| {
            content_type_is(
                &headers(&[(header::CONTENT_TYPE, value)]),
                "application/json",
            )
        };
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(is_json(" application/json ;charset=utf-8"));
        assert!(!is_json("application/jsonx"));
        assert!(!is_json("application/json-seq"));
        assert!(!is_json("text/plain; x=application/json"));
        assert!(!content_type_is(&HeaderMap::new(), "application/json"));
    }

    #[test]
    fn accept_lists_are_split_and_weighed() {
        let accepts_json = |values: &[&str]| {
            let pairs: Vec<_> = values.iter().map(|v| (header::ACCEPT, *v)).collect();
            accepts(&headers(&pairs), "application/json")
        };
        assert!(accepts_json(&["text/html, application/json;q=0.9"]));
        assert!(accepts_json(&["*/*", "application/json"]));
        assert!(!accepts_json(&["application/jsonx"]));
        assert!(!accepts_json(&["*/*"]));
        assert!(!accepts_json(&["application/json;q=0"]));
    }
}
