//! The guard in front of every route. A local server that can run the grader must not be
//! drivable by other web pages or other hosts:
//!
//! - the Host header must name this machine on this port (defeats DNS rebinding);
//! - a state-changing request needs an Origin equal to this server's own, and the session
//!   cookie that the printed start-up URL hands out (defeats cross-site requests);
//! - bodies over 64 KiB are refused before a handler reads them.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::error::WebError;
use super::state::AppState;

/// The largest request body accepted.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The session cookie's name.
pub const COOKIE: &str = "workbook_session";

/// True when the request prefers a JSON answer (scripts, the page's fetch calls).
pub fn wants_json(headers: &HeaderMap) -> bool {
    // A request may carry several Accept headers (a client's default and its own).
    let accepts_json = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("application/json"));
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accepts_json || content_type.starts_with("application/json")
}

/// Applies the rules above to every request.
pub async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let json = wants_json(headers) || request.method() != Method::GET;
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !state.local_hosts.iter().any(|h| h == host) {
        return WebError {
            json,
            ..WebError::json(
                StatusCode::FORBIDDEN,
                "FORBIDDEN_HOST",
                format!("this server only answers to localhost:{port} and 127.0.0.1:{port}, not to `{host}`", port = state.port),
            )
        }
        .into_response();
    }

    if let Some(length) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && length > BODY_LIMIT
    {
        return WebError::json(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("the request body is {length} bytes; the limit is {BODY_LIMIT}"),
        )
        .into_response();
    }

    if matches!(*request.method(), Method::GET | Method::HEAD) {
        // The start-up URL carries the token once; trade it for a cookie and drop it from the URL.
        if let Some(given) = token_in_query(request.uri().query())
            && let Some(token) = &state.token
        {
            if !constant_time_eq(given.as_bytes(), token.as_bytes()) {
                return WebError::page(
                    StatusCode::FORBIDDEN,
                    "BAD_TOKEN",
                    "this link's token is not the server's; open the URL `workbook serve` printed",
                )
                .into_response();
            }
            let path = request.uri().path().to_string();
            let cookie =
                format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=31536000");
            let mut response = Redirect::to(&path).into_response();
            if let Ok(value) = cookie.parse() {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            return response;
        }
        return next.run(request).await;
    }

    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !origin
        .strip_prefix("http://")
        .is_some_and(|rest| state.local_hosts.iter().any(|h| h == rest))
    {
        return WebError::json(
            StatusCode::FORBIDDEN,
            "FORBIDDEN_ORIGIN",
            if origin.is_empty() {
                "a request that changes anything must carry an Origin header naming this server"
                    .to_string()
            } else {
                format!("requests from `{origin}` may not change anything here")
            },
        )
        .into_response();
    }
    if let Some(token) = &state.token {
        let cookie = session_cookie(headers);
        if !cookie.is_some_and(|c| constant_time_eq(c.as_bytes(), token.as_bytes())) {
            return WebError::json(
                StatusCode::FORBIDDEN,
                "NO_SESSION",
                "this browser has no session with the server: open the URL `workbook serve` printed (with its ?token=)",
            )
            .into_response();
        }
    }
    next.run(request).await
}

fn token_in_query(query: Option<&str>) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(key, _)| key == "token")
        .map(|(_, value)| value.into_owned())
}

fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

/// Compares secrets without an early exit, so timing does not reveal how much matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_and_token_parsing() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; workbook_session=abc; b=2".parse().unwrap(),
        );
        assert_eq!(session_cookie(&headers), Some("abc"));
        assert_eq!(
            token_in_query(Some("x=1&token=t%2B1")).as_deref(),
            Some("t+1")
        );
        assert!(constant_time_eq(b"same", b"same"));
        assert!(!constant_time_eq(b"same", b"sane"));
    }
}
