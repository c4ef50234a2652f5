//! Given, finished: the clocks, the owner-token sources and the in-memory
//! key-value store that stands in for Redis. You use these; you do not need
//! to change them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// Clocks
// ---------------------------------------------------------------------------

/// A source of monotonic time, injected so that tests can control it.
pub trait Clock: Send + Sync {
    /// Time elapsed since this clock's epoch; never goes backwards.
    fn now(&self) -> Duration;

    /// Blocks the caller for `duration` of this clock's time.
    fn sleep(&self, duration: Duration);
}

/// The real clock: time elapsed since the clock was created; `sleep` really sleeps.
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

    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// A clock for tests that only moves when told to; clones share the same time.
///
/// `sleep` does not block: it moves the clock forward by the duration at
/// once and records it, so `sleeps()` lists every sleep in order.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    state: Arc<Mutex<ManualState>>,
}

#[derive(Debug, Default)]
struct ManualState {
    now: Duration,
    sleeps: Vec<Duration>,
}

impl ManualClock {
    /// Creates a clock that reads zero until it is advanced.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves this clock, and every clone of it, forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.state().now += by;
    }

    /// Every duration passed to `sleep` so far, in order (not `advance`).
    pub fn sleeps(&self) -> Vec<Duration> {
        self.state().sleeps.clone()
    }

    fn state(&self) -> MutexGuard<'_, ManualState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        self.state().now
    }

    fn sleep(&self, duration: Duration) {
        let mut state = self.state();
        state.now += duration;
        state.sleeps.push(duration);
    }
}

// ---------------------------------------------------------------------------
// Owner tokens
// ---------------------------------------------------------------------------

/// Where owner tokens come from: every call returns a value never returned before.
pub trait TokenSource: Send + Sync {
    /// A new owner token.
    fn new_token(&self) -> String;
}

/// Unguessable tokens: 128 bits from a cryptographically secure generator
/// seeded by the operating system, as 32 lowercase hex digits.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomTokens;

impl TokenSource for RandomTokens {
    fn new_token(&self) -> String {
        format!("{:032x}", rand::random::<u128>())
    }
}

/// Predictable tokens for tests: `"<prefix>-1"`, `"<prefix>-2"`, and so on.
#[derive(Debug)]
pub struct SequentialTokens {
    prefix: String,
    issued: AtomicU64,
}

impl SequentialTokens {
    /// Creates a source whose first token is `"<prefix>-1"`.
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_string(),
            issued: AtomicU64::new(0),
        }
    }
}

impl TokenSource for SequentialTokens {
    fn new_token(&self) -> String {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        format!("{}-{n}", self.prefix)
    }
}

// ---------------------------------------------------------------------------
// The key-value store
// ---------------------------------------------------------------------------

/// The atomic operations a Redis server offers a lock, each one indivisible.
///
/// A key with an expiry counts as absent from the moment its expiry is
/// reached (`now >= expires_at`). Counters (`incr`) live in a namespace of
/// their own and never expire.
pub trait KvStore: Send + Sync {
    /// `SET key value NX PX ttl`: stores `value` under `key`, expiring `ttl`
    /// from now, only if `key` is absent. Returns whether it stored it.
    ///
    /// # Panics
    ///
    /// If `ttl` is zero (Redis refuses such an expiry too).
    fn set_if_absent(&self, key: &str, value: &str, ttl: Duration) -> bool;

    /// `GET key`: the value under `key`, or `None` if it is absent.
    fn get(&self, key: &str) -> Option<String>;

    /// Compare-and-delete (the release script): deletes `key` only if its
    /// value is `expected`. Returns whether it deleted it.
    fn delete_if_equals(&self, key: &str, expected: &str) -> bool;

    /// Compare-and-extend (the renewal script): if the value under `key` is
    /// `expected`, makes it expire `ttl` from now. Returns whether it did.
    ///
    /// # Panics
    ///
    /// If `ttl` is zero.
    fn extend_if_equals(&self, key: &str, expected: &str, ttl: Duration) -> bool;

    /// `INCR key`: adds one to the counter `key` (which starts at 0) and
    /// returns the new value.
    fn incr(&self, key: &str) -> u64;
}

impl<S: KvStore + ?Sized> KvStore for Arc<S> {
    fn set_if_absent(&self, key: &str, value: &str, ttl: Duration) -> bool {
        (**self).set_if_absent(key, value, ttl)
    }

    fn get(&self, key: &str) -> Option<String> {
        (**self).get(key)
    }

    fn delete_if_equals(&self, key: &str, expected: &str) -> bool {
        (**self).delete_if_equals(key, expected)
    }

    fn extend_if_equals(&self, key: &str, expected: &str, ttl: Duration) -> bool {
        (**self).extend_if_equals(key, expected, ttl)
    }

    fn incr(&self, key: &str) -> u64 {
        (**self).incr(key)
    }
}

/// An in-memory `KvStore` that stands in for one Redis server; time comes
/// from its clock. Share it between lock clients with an `Arc`.
#[derive(Debug)]
pub struct MemoryStore<C> {
    clock: C,
    state: Mutex<StoreState>,
}

#[derive(Debug, Default)]
struct StoreState {
    /// key -> (value, expires at)
    values: HashMap<String, (String, Duration)>,
    counters: HashMap<String, u64>,
}

impl StoreState {
    /// The value under `key` if it has not expired at `now`.
    fn live(&self, key: &str, now: Duration) -> Option<&String> {
        let (value, expires_at) = self.values.get(key)?;
        (now < *expires_at).then_some(value)
    }
}

impl<C: Clock> MemoryStore<C> {
    /// Creates an empty store reading time from `clock`.
    pub fn new(clock: C) -> Self {
        Self {
            clock,
            state: Mutex::default(),
        }
    }

    /// `PTTL key`: how long `key` has left before it expires, or `None` if it
    /// is absent.
    pub fn ttl_left(&self, key: &str) -> Option<Duration> {
        let now = self.clock.now();
        let state = self.state();
        let (_, expires_at) = state.values.get(key)?;
        (now < *expires_at).then(|| *expires_at - now)
    }

    fn state(&self) -> MutexGuard<'_, StoreState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<C: Clock> KvStore for MemoryStore<C> {
    fn set_if_absent(&self, key: &str, value: &str, ttl: Duration) -> bool {
        assert!(!ttl.is_zero(), "invalid expire time: a ttl must be above zero");
        let now = self.clock.now();
        let mut state = self.state();
        if state.live(key, now).is_some() {
            return false;
        }
        state
            .values
            .insert(key.to_string(), (value.to_string(), now + ttl));
        true
    }

    fn get(&self, key: &str) -> Option<String> {
        let now = self.clock.now();
        self.state().live(key, now).cloned()
    }

    fn delete_if_equals(&self, key: &str, expected: &str) -> bool {
        let now = self.clock.now();
        let mut state = self.state();
        if state.live(key, now).is_some_and(|value| value == expected) {
            state.values.remove(key);
            return true;
        }
        false
    }

    fn extend_if_equals(&self, key: &str, expected: &str, ttl: Duration) -> bool {
        assert!(!ttl.is_zero(), "invalid expire time: a ttl must be above zero");
        let now = self.clock.now();
        match self.state().values.get_mut(key) {
            Some((value, expires_at)) if now < *expires_at && value == expected => {
                *expires_at = now + ttl;
                true
            }
            _ => false,
        }
    }

    fn incr(&self, key: &str) -> u64 {
        let mut state = self.state();
        let counter = state.counters.entry(key.to_string()).or_insert(0);
        *counter += 1;
        *counter
    }
}
