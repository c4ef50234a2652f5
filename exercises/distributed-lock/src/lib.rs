//! A distributed lock over a Redis-like key-value store: random owner tokens,
//! expiry, renewal by the owner, acquiring with a timeout, and fencing tokens
//! that a `FencedStorage` checks before it accepts a write.
//!
//! The clocks, the token sources and the `KvStore` trait with its in-memory
//! `MemoryStore` (all in `src/support.rs`), `Lease`,
//! `LockError`, `StaleToken` and `LockClient::new` are given, finished.
//! Everything that says `todo!()` is yours: see README.md for the steps. You
//! may add private fields, types and helper functions freely, but keep every
//! public signature as it is, because the grader's tests are compiled against
//! them.

use std::error::Error;
use std::fmt;
use std::time::Duration;

mod support;

pub use support::{
    Clock, KvStore, ManualClock, MemoryStore, RandomTokens, SequentialTokens, SystemClock,
    TokenSource,
};

// ---------------------------------------------------------------------------
// Leases and errors (provided)
// ---------------------------------------------------------------------------

/// Proof of holding a lock: what `try_acquire` and `acquire` return.
///
/// Dropping a lease does not release the lock: only `release` does, or the
/// expiry, exactly as when the holder's process crashes.
#[derive(Debug, PartialEq, Eq)]
pub struct Lease {
    key: String,
    owner: String,
    fencing_token: u64,
    expires_at: Duration,
}

impl Lease {
    /// The locked key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The owner token stored as the key's value.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The fencing token of this acquisition, to send along with every write.
    pub fn fencing_token(&self) -> u64 {
        self.fencing_token
    }

    /// The client's clock time from which the holder must consider the lock
    /// lost, unless it renewed it before then. The store's own expiry is never
    /// earlier, so `renew` and `release` still ask the store after this time.
    pub fn expires_at(&self) -> Duration {
        self.expires_at
    }
}

/// Why the lock could not be taken, renewed or released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockError {
    /// `try_acquire`: the key is held by an unexpired lock, another owner's or
    /// this client's own (the lock is not re-entrant).
    Held,
    /// `acquire`: the key was still held (by anyone, this client included)
    /// when the wait ran out.
    Timeout,
    /// `renew`, `release`: the lease had expired and nobody holds the key now.
    Expired,
    /// `renew`, `release`: the lease had expired and another owner holds the key now.
    Lost,
}

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Held => "the lock is already held",
            Self::Timeout => "the lock was still held when the wait ran out",
            Self::Expired => "the lease had expired",
            Self::Lost => "the lease had expired and another owner took the lock",
        })
    }
}

impl Error for LockError {}

// ---------------------------------------------------------------------------
// The lock client (yours)
// ---------------------------------------------------------------------------

/// Takes, renews and releases locks in a shared `KvStore`. Several clients
/// (one per process, in real life) share one store.
pub struct LockClient<S, C, T> {
    store: S,
    clock: C,
    tokens: T,
}

impl<S: KvStore, C: Clock, T: TokenSource> LockClient<S, C, T> {
    /// Creates a client over `store` that reads time from `clock` and draws
    /// owner tokens from `tokens`.
    pub fn new(store: S, clock: C, tokens: T) -> Self {
        Self {
            store,
            clock,
            tokens,
        }
    }

    /// Tries once to lock `key` for `ttl`.
    ///
    /// On success the key holds a new owner token (drawn from the token
    /// source) and expires `ttl` from now; the lease carries that token, the
    /// next fencing token of `key`, and an `expires_at` of the clock time read
    /// before the request plus `ttl`.
    ///
    /// # Errors
    ///
    /// `LockError::Held` if another owner (or another lease of this client)
    /// holds an unexpired lock on `key`.
    ///
    /// # Panics
    ///
    /// If `ttl` is zero, as the store does.
    pub fn try_acquire(&self, key: &str, ttl: Duration) -> Result<Lease, LockError> {
        let _ = (&self.store, &self.clock, &self.tokens, key, ttl);
        todo!("SET NX PX with a new owner token, then INCR the key's fencing counter")
    }

    /// Locks `key` for `ttl`, retrying every `retry_every` until `wait` has
    /// passed on the clock.
    ///
    /// Tries at once; after each failed attempt reads the clock and, unless
    /// the deadline (`wait` after the call started) has been reached, sleeps
    /// (on the clock) for `retry_every`, or less so as not to pass the
    /// deadline, and tries again: its last attempt starts at the deadline.
    ///
    /// # Errors
    ///
    /// `LockError::Timeout` if the deadline was reached with the lock still
    /// held (with a zero `wait` too: never `LockError::Held`).
    ///
    /// # Panics
    ///
    /// If `retry_every` is zero, before any attempt.
    pub fn acquire(
        &self,
        key: &str,
        ttl: Duration,
        wait: Duration,
        retry_every: Duration,
    ) -> Result<Lease, LockError> {
        let _ = (key, ttl, wait, retry_every);
        todo!("try, sleep on the clock, try again, until the deadline")
    }

    /// Extends the lease's lock to expire `ttl` from now, if it is still held
    /// under the lease's owner token; the lease's owner and fencing tokens do
    /// not change, and its `expires_at` moves to the new deadline.
    ///
    /// # Errors
    ///
    /// `LockError::Expired` if the lock has expired and nobody holds the key,
    /// `LockError::Lost` if another owner holds it now. The lease is unchanged.
    ///
    /// # Panics
    ///
    /// If `ttl` is zero, as the store does.
    pub fn renew(&self, lease: &mut Lease, ttl: Duration) -> Result<(), LockError> {
        let _ = (lease, ttl);
        todo!("compare-and-extend, then move expires_at")
    }

    /// Releases the lease's lock, if it is still held under the lease's owner
    /// token; otherwise leaves the key alone.
    ///
    /// # Errors
    ///
    /// `LockError::Expired` if the lock had expired and nobody holds the key,
    /// `LockError::Lost` if another owner holds it now (and keeps holding it).
    pub fn release(&self, lease: Lease) -> Result<(), LockError> {
        let _ = lease;
        todo!("compare-and-delete")
    }
}

// ---------------------------------------------------------------------------
// Fenced storage (yours; `StaleToken` is given)
// ---------------------------------------------------------------------------

/// A write refused because its fencing token is older than one already seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaleToken {
    /// The token the refused write carried.
    pub token: u64,
    /// The highest token the storage had accepted for that key.
    pub highest: u64,
}

impl fmt::Display for StaleToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "fencing token {} is older than {}, the highest already accepted",
            self.token, self.highest
        )
    }
}

impl Error for StaleToken {}

/// A key-value storage that refuses writes from lock holders whose lease has
/// been superseded: for each key it remembers the highest fencing token it
/// has accepted.
#[derive(Debug, Default)]
pub struct FencedStorage {
    // TODO: replace with the state you need (for each key: its value and the
    // highest fencing token accepted for it).
    _todo: (),
}

impl FencedStorage {
    /// Creates an empty storage.
    pub fn new() -> Self {
        todo!("an empty storage")
    }

    /// Stores `value` under `key` if `token` is at least the highest fencing
    /// token accepted for `key` so far (any token, for a key never written),
    /// and makes `token` the new highest.
    ///
    /// # Errors
    ///
    /// `StaleToken` if `token` is lower than the highest accepted for `key`;
    /// the stored value and the highest token are then unchanged.
    pub fn write(&self, key: &str, value: &str, token: u64) -> Result<(), StaleToken> {
        let _ = (key, value, token);
        todo!("compare with the highest token seen for the key")
    }

    /// The value stored under `key`, if any.
    pub fn read(&self, key: &str) -> Option<String> {
        let _ = key;
        todo!("the stored value")
    }

    /// The highest fencing token accepted for `key`, or `None` if it was never written.
    pub fn highest_token(&self, key: &str) -> Option<u64> {
        let _ = key;
        todo!("the highest token")
    }
}
