//! At most `RATE_LIMIT` requests per minute per client, as a middleware in front of every
//! route but `/health` and `/openapi.json`.
//!
//! The algorithm is a **sliding window log**: each client's admitted requests of the last
//! 60 seconds are kept as instants, and a request is admitted when fewer than the limit
//! remain. It is exact ("no more than N in *any* 60 seconds", where a fixed window lets 2N
//! through around a window's edge), and `Retry-After` is exact too: the moment the oldest
//! logged request leaves the window. It costs one instant per admitted request, which for
//! limits of a few hundred a minute is nothing.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::bearer_token;
use crate::error::ApiError;

const WINDOW: Duration = Duration::from_secs(60);

/// The paths a monitor or a client generator must always reach.
const EXEMPT: [&str; 2] = ["/health", "/openapi.json"];

#[derive(Clone)]
pub struct RateLimiter {
    limit: usize,
    windows: Arc<Mutex<Windows>>,
}

struct Windows {
    /// Each client's admitted requests of the last `WINDOW`, oldest first.
    clients: HashMap<String, VecDeque<Instant>>,
    last_sweep: Instant,
}

impl RateLimiter {
    pub fn new(requests_per_minute: u32) -> RateLimiter {
        RateLimiter {
            limit: usize::try_from(requests_per_minute).unwrap_or(usize::MAX),
            windows: Arc::new(Mutex::new(Windows {
                clients: HashMap::new(),
                last_sweep: Instant::now(),
            })),
        }
    }

    /// Admits a request of `client` at `now` and logs it; or, over the limit, says how
    /// long until the client may send again. A refused request is not logged: a client
    /// that keeps knocking while limited is not locked out for longer.
    fn admit(&self, client: String, now: Instant) -> Result<(), Duration> {
        // A std mutex, held for a few instructions and never across an `.await`.
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        windows.sweep(now);
        let log = windows.clients.entry(client).or_default();
        while log
            .front()
            .is_some_and(|&at| now.duration_since(at) >= WINDOW)
        {
            log.pop_front();
        }
        match log.front() {
            Some(&oldest) if log.len() >= self.limit => Err(oldest + WINDOW - now),
            _ => {
                log.push_back(now);
                Ok(())
            }
        }
    }
}

impl Windows {
    /// Once per window, forgets the clients with no request in the last window: without
    /// it, every IP address and made-up token ever seen would stay in memory for good.
    fn sweep(&mut self, now: Instant) {
        if now.duration_since(self.last_sweep) < WINDOW {
            return;
        }
        self.clients.retain(|_, log| {
            log.back()
                .is_some_and(|&at| now.duration_since(at) < WINDOW)
        });
        self.last_sweep = now;
    }
}

/// The middleware: counts the request against its client, or answers 429 before any
/// handler (or the authentication check) runs.
pub async fn limit(State(limiter): State<RateLimiter>, request: Request, next: Next) -> Response {
    if EXEMPT.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    match limiter.admit(client_of(&request), Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(wait) => ApiError::RateLimited {
            retry_after_secs: whole_seconds(wait),
        }
        .into_response(),
    }
}

/// The client a request counts against: its bearer token when it sends one (valid or not:
/// it is what the client says it is), else its IP address. The prefixes keep a token that
/// happens to read like an address from sharing that address's window.
fn client_of(request: &Request) -> String {
    if let Some(token) = bearer_token(request.headers()) {
        return format!("token {token}");
    }
    // The port is left out: a client opens connections from many ports.
    match request.extensions().get::<ConnectInfo<SocketAddr>>() {
        Some(ConnectInfo(peer)) => format!("ip {}", peer.ip()),
        None => "ip unknown".to_owned(),
    }
}

/// `Retry-After` is a whole number of seconds: rounded up, so that a client waiting that
/// long is sure to be admitted, and at least 1.
fn whole_seconds(wait: Duration) -> u64 {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    seconds.max(1)
}
