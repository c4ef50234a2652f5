//! Helpers shared by the hidden tests: a recording random source, a service on a
//! manual clock set in 2001, hand-made tokens, and a small router.
#![allow(dead_code)]

use expect::expect_eq;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use auth_tokens::{
    AuthConfig, AuthRejection, AuthService, CurrentUser, ManualClock, Params, Permission,
    RandomSource, Role,
};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http_body_util::BodyExt;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tower::ServiceExt;

/// The service's HS256 secret in every test (45 bytes).
pub const SECRET: &[u8] = b"hidden-tests-secret-0123456789-abcdefghijklmn";
/// Another secret, for tokens signed by somebody else.
pub const OTHER_SECRET: &[u8] = b"somebody-elses-secret-0123456789-abcdefghijk";
/// The manual clock's start: 2001-09-09, long before the machine's real time.
pub const START: u64 = 1_000_000_000;
pub const ACCESS_TTL: u64 = 900;
pub const REFRESH_TTL: u64 = 86_400;
pub const ISSUER: &str = "https://auth.articles.test";
pub const AUDIENCE: &str = "articles-api";

/// Small Argon2 costs so the suite stays fast.
pub fn fast_params() -> Params {
    Params::new(64, 1, 1, None).unwrap()
}

pub fn config() -> AuthConfig {
    AuthConfig {
        issuer: ISSUER.to_string(),
        audience: AUDIENCE.to_string(),
        access_ttl_secs: ACCESS_TTL,
        refresh_ttl_secs: REFRESH_TTL,
        argon2_params: fast_params(),
    }
}

/// A deterministic random source (xorshift) that remembers every buffer it filled.
/// Clones share the state and the log.
#[derive(Clone)]
pub struct RecordingRandom {
    inner: Arc<Mutex<(u64, Vec<Vec<u8>>)>>,
}

impl RecordingRandom {
    pub fn new(seed: u64) -> Self {
        Self {
            inner: Arc::new(Mutex::new((seed | 1, Vec::new()))),
        }
    }

    /// Every buffer handed out so far, in order.
    pub fn fills(&self) -> Vec<Vec<u8>> {
        self.inner.lock().unwrap().1.clone()
    }
}

impl RandomSource for RecordingRandom {
    fn fill_bytes(&self, dest: &mut [u8]) {
        let mut inner = self.inner.lock().unwrap();
        for byte in dest.iter_mut() {
            let mut x = inner.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            inner.0 = x;
            *byte = (x >> 24) as u8;
        }
        inner.1.push(dest.to_vec());
    }
}

pub struct Setup {
    pub clock: ManualClock,
    pub random: RecordingRandom,
    pub auth: Arc<AuthService>,
}

/// A service on a manual clock at `START`, with the tests' config and a recording random source.
pub fn setup() -> Setup {
    let clock = ManualClock::new(START);
    let random = RecordingRandom::new(0x5eed);
    let auth = Arc::new(AuthService::new(
        SECRET,
        config(),
        clock.clone(),
        random.clone(),
    ));
    Setup {
        clock,
        random,
        auth,
    }
}

/// A service with `alice` (editor, password `alice-password`) registered.
pub fn setup_with_alice() -> Setup {
    let setup = setup();
    setup
        .auth
        .register("alice", "alice-password", Role::Editor)
        .unwrap();
    setup
}

/// base64url without padding, as JWTs use it.
pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn b64url_decode(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(text)
        .unwrap_or_else(|e| panic!("{text:?} is not base64url: {e}"))
}

/// The JSON of one part of a JWT (0 = header, 1 = payload).
pub fn token_part(token: &str, index: usize) -> Value {
    let parts: Vec<&str> = token.split('.').collect();
    expect_eq!(
        parts.len(),
        3,
        "a JWT has three dot-separated parts, got {token:?}"
    );
    serde_json::from_slice(&b64url_decode(parts[index]))
        .unwrap_or_else(|e| panic!("part {index} of the token is not JSON: {e}"))
}

/// The claims of a token the service would accept at `now` (for `alice`, an editor).
pub fn good_claims(now: u64) -> Value {
    json!({
        "sub": "alice",
        "role": "editor",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + ACCESS_TTL,
    })
}

/// A token signed by the tests themselves with `jsonwebtoken`.
pub fn forge(algorithm: Algorithm, secret: &[u8], claims: &Value) -> String {
    let key = EncodingKey::from_secret(secret).unwrap();
    jsonwebtoken::encode(&Header::new(algorithm), claims, &key).unwrap()
}

/// Replaces part `index` of a token with base64url of `json`, keeping the other parts.
pub fn replace_part(token: &str, index: usize, json: &Value) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    parts[index] = b64url(json.to_string().as_bytes());
    parts.join(".")
}

// ---------------------------------------------------------------------------
// A router guarded by the extractor
// ---------------------------------------------------------------------------

/// `GET /me` (any valid token) answers `"<id> <role:?>"`; `GET /articles` needs
/// `ReadArticles`; `DELETE /articles/{id}` needs `DeleteArticles` and counts its work.
pub fn app(auth: Arc<AuthService>, deletions: Arc<AtomicUsize>) -> Router {
    Router::new()
        .route(
            "/me",
            get(|user: CurrentUser| async move { format!("{} {:?}", user.id, user.role) }),
        )
        .route(
            "/articles",
            get(|user: CurrentUser| async move {
                user.require(Permission::ReadArticles)?;
                Ok::<_, AuthRejection>("the articles")
            }),
        )
        .route(
            "/articles/{id}",
            axum::routing::delete(move |user: CurrentUser| async move {
                user.require(Permission::DeleteArticles)?;
                deletions.fetch_add(1, Ordering::SeqCst);
                Ok::<_, AuthRejection>(StatusCode::NO_CONTENT)
            }),
        )
        .with_state(auth)
}

/// Sends one request with an optional `Authorization` header value.
pub async fn send(
    app: &Router,
    method: &str,
    uri: &str,
    authorization: Option<&str>,
) -> Response<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(value) = authorization {
        builder = builder.header(header::AUTHORIZATION, value);
    }
    app.clone()
        .oneshot(builder.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

pub async fn body_text(response: Response<Body>) -> String {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// The response's `WWW-Authenticate` header, failing with a clear message when it is absent.
#[track_caller]
pub fn challenge(response: &Response<Body>) -> String {
    let value = response
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .unwrap_or_else(|| {
            panic!(
                "a {} response must carry a WWW-Authenticate header, but it has none",
                response.status()
            )
        });
    value.to_str().unwrap().to_string()
}

/// Whether a challenge uses the Bearer scheme (its first word, case-insensitively).
pub fn is_bearer_challenge(challenge: &str) -> bool {
    challenge
        .split([' ', ','])
        .next()
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("bearer"))
}

/// Checks the body is the JSON error envelope with `code`.
pub async fn assert_error_envelope(response: Response<Body>, code: &str) {
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(
        content_type.starts_with("application/json"),
        "a {status} body should be sent as application/json, but content-type is {content_type:?}"
    );
    let text = body_text(response).await;
    let body: Value = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("the {status} body should be JSON, got {text:?}"));
    expect_eq!(
        body["error"]["code"], code,
        "a {status} body should be {{\"error\":{{\"code\":\"{code}\",...}}}}, got {text}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "the error envelope should have a non-empty \"message\", got {text}"
    );
}
