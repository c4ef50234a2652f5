//! Per-client rate limiting: a token bucket, a sliding-window log, and an
//! axum middleware that puts either of them in front of a router.
//!
//! The clocks are given to you, finished. Everything that says `todo!()` is
//! yours: see README.md for the steps. You may add private fields, types and
//! helper functions freely, but keep every public signature as it is, because
//! the grader's tests are compiled against them.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http;
use axum::middleware::Next;
use axum::response::Response;

// ---------------------------------------------------------------------------
// Clocks (provided)
// ---------------------------------------------------------------------------

/// A source of monotonic time, injected into the limiters so tests can control it.
pub trait Clock: Send + Sync {
    /// Time elapsed since this clock's epoch; never goes backwards.
    fn now(&self) -> Duration;
}

/// The real clock: time elapsed since the clock was created.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    start: Instant,
}

impl SystemClock {
    /// Creates a clock whose epoch is the moment of creation.
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }
}

/// A clock for tests that only moves when told to; clones share the same time.
///
/// Keep one clone in the test and give the other to the limiter:
/// `clock.advance(...)` then moves the limiter's time too.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    now: Arc<Mutex<Duration>>,
}

impl ManualClock {
    /// Creates a clock that reads zero until it is advanced.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves this clock, and every clone of it, forward by `by`.
    pub fn advance(&self, by: Duration) {
        *self.now.lock().unwrap() += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        *self.now.lock().unwrap()
    }
}

// ---------------------------------------------------------------------------
// The common interface
// ---------------------------------------------------------------------------

/// The outcome of one [`RateLimiter::check`], with everything the HTTP headers need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether this request may proceed (and has been counted against the quota).
    pub allowed: bool,
    /// The quota: the bucket capacity or the number of requests per window.
    pub limit: u32,
    /// How many more requests the key could make right now, after this one: whole
    /// tokens left (rounded down) or free places in the window; 0 when denied.
    pub remaining: u32,
    /// How long to wait before a retry can succeed; zero when allowed.
    pub retry_after: Duration,
    /// How long until the key's full quota is available again. Never zero after a
    /// `check`, which has just spent from the quota or found it empty.
    pub reset_after: Duration,
}

/// A per-key rate limiter that can be shared between threads.
pub trait RateLimiter: Send + Sync {
    /// Decides whether one more request from `key` is allowed now, and counts it if so.
    fn check(&self, key: &str) -> Decision;

    /// How many keys currently have state in memory.
    fn tracked_keys(&self) -> usize;

    /// Forgets every key that is idle, i.e. whose state equals that of a key never seen.
    fn sweep(&self);
}

// ---------------------------------------------------------------------------
// Token bucket
// ---------------------------------------------------------------------------

/// A token bucket per key: bursts up to `capacity`, then one request per `refill_every`.
///
/// A key seen for the first time starts with a full bucket. Each allowed
/// request spends one token; one token comes back every `refill_every`, and
/// time that is not yet a whole token is not lost. A bucket never holds more
/// than `capacity` tokens, and a full bucket earns nothing: the next token comes
/// back one `refill_every` after the request that took a token from a full bucket.
///
/// Idle keys (whose bucket is full again) must be forgotten: by [`RateLimiter::sweep`],
/// and also by `check` itself from time to time, so memory stays bounded
/// without anyone calling `sweep`.
#[derive(Debug)]
pub struct TokenBucket<C = SystemClock> {
    // TODO: replace with the state you need (settings, the clock, the per-key map).
    _clock: C,
}

impl<C: Clock> TokenBucket<C> {
    /// Creates a limiter that gives each key `capacity` tokens and adds one token every `refill_every`.
    ///
    /// # Panics
    ///
    /// If `capacity` is zero or `refill_every` is zero.
    pub fn new(capacity: u32, refill_every: Duration, clock: C) -> Self {
        let _ = (capacity, refill_every, clock);
        todo!("create the token bucket limiter")
    }
}

impl<C: Clock> RateLimiter for TokenBucket<C> {
    fn check(&self, key: &str) -> Decision {
        let _ = key;
        todo!("refill, decide and spend, all under one lock")
    }

    fn tracked_keys(&self) -> usize {
        todo!("count the keys in memory")
    }

    fn sweep(&self) {
        todo!("forget the keys whose bucket is full again")
    }
}

// ---------------------------------------------------------------------------
// Sliding window (log)
// ---------------------------------------------------------------------------

/// A sliding-window log per key: at most `limit` requests in any span of `window`.
///
/// A request made at time `t` counts until `t + window` and no longer: at
/// exactly `t + window` it has left the window. Only allowed requests are
/// recorded. Idle keys (nothing left in their window) must be forgotten, as
/// for [`TokenBucket`].
#[derive(Debug)]
pub struct SlidingWindow<C = SystemClock> {
    // TODO: replace with the state you need (settings, the clock, the per-key map).
    _clock: C,
}

impl<C: Clock> SlidingWindow<C> {
    /// Creates a limiter that allows each key `limit` requests in any window of length `window`.
    ///
    /// # Panics
    ///
    /// If `limit` is zero or `window` is zero.
    pub fn new(limit: u32, window: Duration, clock: C) -> Self {
        let _ = (limit, window, clock);
        todo!("create the sliding-window limiter")
    }
}

impl<C: Clock> RateLimiter for SlidingWindow<C> {
    fn check(&self, key: &str) -> Decision {
        let _ = key;
        todo!("drop expired timestamps, decide, record, all under one lock")
    }

    fn tracked_keys(&self) -> usize {
        todo!("count the keys in memory")
    }

    fn sweep(&self) {
        todo!("forget the keys with nothing left in their window")
    }
}

// ---------------------------------------------------------------------------
// axum middleware
// ---------------------------------------------------------------------------

/// The header a client identifies itself with.
pub const API_KEY_HEADER: &str = "x-api-key";

/// The key shared by every request that has neither an API key nor a known peer address.
pub const ANONYMOUS_KEY: &str = "anonymous";

/// Chooses the rate-limit key for a request: `api-key:<X-Api-Key>` if the header is present,
/// else `ip:<peer IP>` from `ConnectInfo<SocketAddr>`, else [`ANONYMOUS_KEY`].
///
/// For example `api-key:abc123`, `ip:10.0.0.1` (no port) or `anonymous`. The prefixes
/// keep API keys apart from IP keys and from the anonymous key. An `X-Api-Key` that is
/// empty or not readable with `HeaderValue::to_str` counts as absent.
///
/// The peer address is the `axum::extract::ConnectInfo<std::net::SocketAddr>` request
/// extension (present when the server is run with `into_make_service_with_connect_info`).
pub fn client_key<B>(request: &http::Request<B>) -> String {
    let _ = request;
    todo!("X-Api-Key, else the peer's IP address, else the anonymous key")
}

/// Middleware for `axum::middleware::from_fn_with_state`: counts each request against
/// `limiter` under its [`client_key`], then
///
/// - if allowed, passes the request on to the rest of the stack (`next`);
/// - if limited, answers `429 Too Many Requests` itself, with `Retry-After` (whole
///   seconds, rounded up) and the body `{"error":{"code":"RATE_LIMITED","message":"..."}}`
///   sent as `application/json`. Only 429 responses get `Retry-After`.
///
/// Either way the response carries `RateLimit-Limit`, `RateLimit-Remaining` and
/// `RateLimit-Reset` (whole seconds until the full quota is back, rounded up).
///
/// ```no_run
/// # use std::{sync::Arc, time::Duration};
/// # use axum::{Router, middleware::from_fn_with_state, routing::get};
/// # use rate_limiter::{RateLimiter, SystemClock, TokenBucket, rate_limit};
/// let limiter: Arc<dyn RateLimiter> =
///     Arc::new(TokenBucket::new(10, Duration::from_secs(1), SystemClock::new()));
/// let app: Router = Router::new()
///     .route("/", get(|| async { "hello" }))
///     .layer(from_fn_with_state(limiter, rate_limit));
/// ```
pub async fn rate_limit(
    State(limiter): State<Arc<dyn RateLimiter>>,
    request: Request,
    next: Next,
) -> Response {
    let _ = (limiter, request, next);
    todo!("check the client's key, then pass the request on or answer 429; add the headers")
}
