//! The guard in front of every route. A local server that can run the grader must not be
//! drivable by other web pages or other hosts:
//!
//! - the Host header must name this machine on this port (defeats DNS rebinding);
//! - a state-changing request needs an Origin equal to this server's own, and the session
//!   cookie that the printed start-up URL hands out (defeats cross-site requests);
//! - the start-up URL's redirect only ever leads to a path on this server (no open redirect);
//! - bodies over 64 KiB are refused before a handler reads them;
//! - every response says what a browser may do with it: scripts, styles and requests from
//!   this server only, no framing, no Referer, no content sniffing.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::error::WebError;
use super::media::{self, JSON};
use super::state::AppState;

/// The largest request body accepted.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The session cookie's name for the server on `port`: `workbook_session_<port>`.
///
/// Browsers keep cookies per host, not per host and port (RFC 6265, section 8.5): with one
/// name, signing in to a second server on 127.0.0.1 would overwrite the first one's cookie
/// and sign that browser out of it. A name per port keeps the sessions of two servers apart.
/// It hides nothing from other ports: the browser still sends every `workbook_session_*`
/// cookie to any server on this host, so another program listening on 127.0.0.1 can read
/// them. The cookie guards against other web pages (HttpOnly: their scripts cannot read it;
/// SameSite=Strict: their requests do not carry it), never against programs on this machine.
pub fn cookie_name(port: u16) -> String {
    format!("workbook_session_{port}")
}

/// True when the request prefers a JSON answer (scripts, the page's fetch calls): it accepts
/// `application/json` by name or sends a JSON body.
pub fn wants_json(headers: &HeaderMap) -> bool {
    media::accepts(headers, JSON) || media::content_type_is(headers, JSON)
}

/// The Content-Security-Policy of every response. Scripts, styles, images and requests come
/// from this server only (so no inline script, style attribute or event-handler attribute
/// runs: templates/ and static/ have none), forms post only here, no page may frame this one
/// and no `<base>` can redirect relative links.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'; object-src 'none'";

/// Adds the security headers to every response, errors and redirects included.
pub async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        // For browsers that predate frame-ancestors.
        (header::X_FRAME_OPTIONS, "DENY"),
        // URLs can carry the start-up token; never send them to anyone.
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Applies the rules above to every request.
pub async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    if let Err(refused) = check_host_and_length(&state, request.headers(), request.method()) {
        return refused.into_response();
    }
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        // The start-up URL carries the token once; trade it for a cookie and drop it from the URL.
        if let Some(given) = token_in_query(request.uri().query())
            && let Some(token) = &state.token
        {
            return sign_in(&given, token, state.port, request.uri());
        }
        return next.run(request).await;
    }
    if let Err(refused) = check_origin_and_session(&state, request.headers()) {
        return refused.into_response();
    }
    next.run(request).await
}

/// Refuses a Host header that does not name this server, and a declared body over
/// [`BODY_LIMIT`] bytes.
fn check_host_and_length(
    state: &AppState,
    headers: &HeaderMap,
    method: &Method,
) -> Result<(), WebError> {
    let json = wants_json(headers) || method != Method::GET;
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !state.local_hosts.iter().any(|h| h == host) {
        return Err(WebError {
            json,
            ..WebError::json(
                StatusCode::FORBIDDEN,
                "FORBIDDEN_HOST",
                format!(
                    "this server only answers to localhost:{port} and 127.0.0.1:{port}, not to `{host}`",
                    port = state.port
                ),
            )
        });
    }
    if let Some(length) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && length > BODY_LIMIT
    {
        return Err(WebError::json(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("the request body is {length} bytes; the limit is {BODY_LIMIT}"),
        ));
    }
    Ok(())
}

/// Answers the start-up link: a wrong token is refused; the right one sets the session cookie
/// and redirects to the same page without the token.
fn sign_in(given: &str, token: &str, port: u16, uri: &Uri) -> Response {
    if !constant_time_eq(given.as_bytes(), token.as_bytes()) {
        return WebError::page(
            StatusCode::FORBIDDEN,
            "BAD_TOKEN",
            "this link's token is not the server's; open the URL `workbook serve` printed",
        )
        .into_response();
    }
    let cookie = format!(
        "{}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=31536000",
        cookie_name(port)
    );
    let mut response = Redirect::to(&local_target(uri)).into_response();
    if let Ok(value) = cookie.parse() {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// Where the start-up link goes once the cookie is set: its path and query without the
/// token, always as a path on this server.
fn local_target(uri: &Uri) -> String {
    // `//host/x` in a Location header is a network-path reference to another host, and
    // browsers read `\` as `/` in http URLs, so `/\host/x` is one too: whatever leading
    // slashes the request had, the target keeps exactly one.
    let path = uri.path().trim_start_matches(['/', '\\']);
    let rest: Vec<&str> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty() && token_in_query(Some(pair)).is_none())
        .collect();
    if rest.is_empty() {
        format!("/{path}")
    } else {
        format!("/{path}?{}", rest.join("&"))
    }
}

/// Refuses a state-changing request without this server's Origin or without the session
/// cookie.
fn check_origin_and_session(state: &AppState, headers: &HeaderMap) -> Result<(), WebError> {
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !origin
        .strip_prefix("http://")
        .is_some_and(|rest| state.local_hosts.iter().any(|h| h == rest))
    {
        return Err(WebError::json(
            StatusCode::FORBIDDEN,
            "FORBIDDEN_ORIGIN",
            if origin.is_empty() {
                "a request that changes anything must carry an Origin header naming this server"
                    .to_string()
            } else {
                format!("requests from `{origin}` may not change anything here")
            },
        ));
    }
    if let Some(token) = &state.token {
        let cookie = session_cookie(headers, &cookie_name(state.port));
        if !cookie.is_some_and(|c| constant_time_eq(c.as_bytes(), token.as_bytes())) {
            return Err(WebError::json(
                StatusCode::FORBIDDEN,
                "NO_SESSION",
                "this browser has no session with the server: open the URL `workbook serve` printed (with its ?token=)",
            ));
        }
    }
    Ok(())
}

fn token_in_query(query: Option<&str>) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(key, _)| key == "token")
        .map(|(_, value)| value.into_owned())
}

fn session_cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
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
            "a=1; workbook_session_8000=abc; workbook_session_9000=def"
                .parse()
                .unwrap(),
        );
        assert_eq!(
            session_cookie(&headers, "workbook_session_9000"),
            Some("def")
        );
        assert_eq!(session_cookie(&headers, "workbook_session"), None);
        assert_eq!(
            token_in_query(Some("x=1&token=t%2B1")).as_deref(),
            Some("t+1")
        );
        assert!(constant_time_eq(b"same", b"same"));
        assert!(!constant_time_eq(b"same", b"same!"));
        assert!(!constant_time_eq(b"same", b"sane"));
    }

    #[test]
    fn the_token_redirect_stays_on_this_server_and_keeps_the_query() {
        let target = |uri: &str| local_target(&uri.parse::<Uri>().unwrap());
        assert_eq!(target("/?token=t"), "/");
        assert_eq!(target("//evil.example/x?token=t"), "/evil.example/x");
        assert_eq!(target("/\\evil.example/x?token=t"), "/evil.example/x");
        assert_eq!(target("/\\/\\evil.example?token=t"), "/evil.example");
        assert_eq!(
            target("/lessons/caching?token=t&attempt=3&retry=missed"),
            "/lessons/caching?attempt=3&retry=missed"
        );
        assert_eq!(target("/x?attempt=3&to%6Ben=t"), "/x?attempt=3");
    }
}
