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

use std::collections::HashMap;
use std::error::Error;
use std::fmt;
use std::sync::{Mutex, PoisonError};
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
// The lock client
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
        // A fresh token per attempt: a token reused across acquisitions would
        // let an old, expired lease of this client release a newer one.
        let owner = self.tokens.new_token();
        // Read the clock *before* asking the store. The store starts its ttl
        // when the request arrives, later than this, so the lease ends on our
        // side no later than in the store, however slow the network was.
        let started = self.clock.now();
        if !self.store.set_if_absent(key, &owner, ttl) {
            return Err(LockError::Held);
        }
        // INCR only once the lock is ours: numbering attempts instead would
        // waste numbers and could hand a holder a token lower than that of
        // someone who acquired before it.
        let fencing_token = self.store.incr(&fencing_key(key));
        Ok(Lease {
            key: key.to_string(),
            owner,
            fencing_token,
            expires_at: started + ttl,
        })
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
        assert!(!retry_every.is_zero(), "retry_every must be above zero");
        let deadline = self.clock.now() + wait;
        loop {
            match self.try_acquire(key, ttl) {
                Err(LockError::Held) => {}
                done => return done,
            }
            let now = self.clock.now();
            if now >= deadline {
                return Err(LockError::Timeout);
            }
            // Sleeping on the injected clock, never `thread::sleep`, keeps the
            // tests instant and lets them decide what happens while we wait.
            self.clock.sleep(retry_every.min(deadline - now));
        }
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
        let started = self.clock.now();
        // One compare-and-extend: a GET then a PEXPIRE could extend the lock
        // of someone who took it in between.
        if self.store.extend_if_equals(&lease.key, &lease.owner, ttl) {
            lease.expires_at = started + ttl;
            Ok(())
        } else {
            Err(self.why_not_ours(&lease.key))
        }
    }

    /// Releases the lease's lock, if it is still held under the lease's owner
    /// token; otherwise leaves the key alone.
    ///
    /// # Errors
    ///
    /// `LockError::Expired` if the lock had expired and nobody holds the key,
    /// `LockError::Lost` if another owner holds it now (and keeps holding it).
    pub fn release(&self, lease: Lease) -> Result<(), LockError> {
        // One compare-and-delete: a blind DEL would free whoever holds the
        // key now, which after an expiry is somebody else.
        if self.store.delete_if_equals(&lease.key, &lease.owner) {
            Ok(())
        } else {
            Err(self.why_not_ours(&lease.key))
        }
    }

    /// After a compare operation failed: the key is either free or someone
    /// else's. This GET is only for the error message, so it needs no atomicity.
    fn why_not_ours(&self, key: &str) -> LockError {
        match self.store.get(key) {
            None => LockError::Expired,
            Some(_) => LockError::Lost,
        }
    }
}

/// The store counter holding the last fencing token handed out for `key`. It
/// lives in the store, not in the client, so that every client draws from the
/// same sequence.
fn fencing_key(key: &str) -> String {
    format!("{key}:fencing")
}

// ---------------------------------------------------------------------------
// Fenced storage
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
    rows: Mutex<HashMap<String, Row>>,
}

#[derive(Debug)]
struct Row {
    value: String,
    highest: u64,
}

impl FencedStorage {
    /// Creates an empty storage.
    pub fn new() -> Self {
        Self::default()
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
        let mut rows = self.rows.lock().unwrap_or_else(PoisonError::into_inner);
        match rows.get_mut(key) {
            // Equal is accepted: the same holder writing twice.
            Some(row) if token < row.highest => Err(StaleToken {
                token,
                highest: row.highest,
            }),
            Some(row) => {
                row.value = value.to_string();
                row.highest = token;
                Ok(())
            }
            None => {
                let row = Row {
                    value: value.to_string(),
                    highest: token,
                };
                rows.insert(key.to_string(), row);
                Ok(())
            }
        }
    }

    /// The value stored under `key`, if any.
    pub fn read(&self, key: &str) -> Option<String> {
        let rows = self.rows.lock().unwrap_or_else(PoisonError::into_inner);
        rows.get(key).map(|row| row.value.clone())
    }

    /// The highest fencing token accepted for `key`, or `None` if it was never written.
    pub fn highest_token(&self, key: &str) -> Option<u64> {
        let rows = self.rows.lock().unwrap_or_else(PoisonError::into_inner);
        rows.get(key).map(|row| row.highest)
    }
}
