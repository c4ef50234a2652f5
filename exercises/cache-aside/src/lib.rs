//! Cache-aside: a generic async read-through cache with a TTL, single-flight
//! loading, LRU eviction and counters, and a `UserService` that reads users
//! through it and invalidates after writing.
//!
//! The clocks, the user types and the repository trait are given to you,
//! finished. Everything that says `todo!()` is yours: see README.md for the
//! steps. You may add private fields, types and helper functions freely, but
//! keep every public signature as it is, because the grader's tests are
//! compiled against them.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// Clocks (provided)
// ---------------------------------------------------------------------------

/// A source of monotonic time, injected into the cache so tests can control it.
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
/// Keep one clone in the test and give the other to the cache:
/// `clock.advance(...)` then moves the cache's time too.
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
// The cache
// ---------------------------------------------------------------------------

/// How often the cache answered from memory, and how often it had to load.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Lookups answered from a fresh entry, without calling a loader.
    pub hits: u64,
    /// Lookups that found no fresh entry (absent or expired), including those
    /// that then waited for a load already in flight.
    pub misses: u64,
    /// Loader calls actually made, successful or not.
    pub loads: u64,
}

/// A read-through cache with a time to live, single-flight loading and a
/// least-recently-used capacity bound.
///
/// An entry stored when its load finishes at time `t` is fresh while
/// `now < t + ttl`; at exactly `t + ttl` it has expired. Reading a fresh entry
/// counts as a use for the LRU order, and so does storing one; a miss on an
/// expired entry does not. A full cache makes room when a loaded value is
/// stored (not at the miss), by evicting the least recently used entry.
pub struct Cache<K, V, C = SystemClock> {
    // TODO: replace with the state you need (settings, the clock, the entries,
    // the recency order, the loads in flight, the counters).
    _clock: C,
    _entries: PhantomData<Mutex<(K, V)>>,
}

impl<K, V, C> Cache<K, V, C>
where
    K: Eq + Hash + Clone,
    V: Clone,
    C: Clock,
{
    /// Creates an empty cache whose entries live for `ttl` and which holds at
    /// most `capacity` entries.
    ///
    /// # Panics
    ///
    /// If `ttl` is zero or `capacity` is zero.
    pub fn new(ttl: Duration, capacity: usize, clock: C) -> Self {
        let _ = (ttl, capacity, clock);
        todo!("create an empty cache")
    }

    /// Returns the cached value for `key` if it is fresh; otherwise calls
    /// `loader`, caches what it returns and returns it.
    ///
    /// Concurrent misses for one key share a single call of one loader
    /// (single-flight). A loader error is returned to the caller whose loader
    /// failed and is never cached; callers that were waiting on that load
    /// then run their own loaders, one at a time.
    pub async fn get_or_load<F, Fut, E>(&self, key: K, loader: F) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let _ = (key, loader);
        todo!("hit, or join the load in flight, or load and store")
    }

    /// Removes the entry for `key`, if any, so that the next lookup loads it again.
    ///
    /// Only a stored entry is removed: `invalidate` does not need to cancel or
    /// detach a load already in progress for `key` (see README.md for the race
    /// this leaves open, which the TTL bounds).
    pub fn invalidate(&self, key: &K) {
        let _ = key;
        todo!("drop the entry")
    }

    /// Whether the cache holds a fresh entry for `key`. Does not count as a
    /// hit or a miss and does not change the entry's recency.
    pub fn contains(&self, key: &K) -> bool {
        let _ = key;
        todo!("is there a fresh entry?")
    }

    /// How many entries the cache holds (never more than its capacity).
    pub fn len(&self) -> usize {
        todo!("count the entries")
    }

    /// Whether the cache holds no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The hit, miss and load counters so far.
    pub fn stats(&self) -> CacheStats {
        todo!("return the counters")
    }
}

// ---------------------------------------------------------------------------
// Users (types provided)
// ---------------------------------------------------------------------------

/// A user record, as stored in the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The user's id, which is also the cache key.
    pub id: u64,
    /// The display name.
    pub name: String,
    /// The e-mail address.
    pub email: String,
}

/// Why a repository call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepoError {
    /// The store could not be reached or did not answer in time.
    Unavailable(String),
    /// The store refused the write, for example because it broke a constraint.
    Rejected(String),
}

impl fmt::Display for RepoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unavailable(why) => write!(f, "user store unavailable: {why}"),
            Self::Rejected(why) => write!(f, "user store rejected the write: {why}"),
        }
    }
}

impl Error for RepoError {}

/// The source of truth for users: a database in production, a fake in tests.
///
/// Implementations may write these methods as `async fn`.
pub trait UserRepository: Send + Sync {
    /// Reads one user; `Ok(None)` if there is no user with this id.
    fn find(&self, id: u64) -> impl Future<Output = Result<Option<User>, RepoError>> + Send;

    /// Inserts the user, or replaces the stored user with the same id.
    fn save(&self, user: User) -> impl Future<Output = Result<(), RepoError>> + Send;
}

/// Reads users through a cache (cache-aside) and keeps the cache honest on writes.
pub struct UserService<R, C = SystemClock> {
    repo: R,
    cache: Cache<u64, Option<User>, C>,
}

impl<R: UserRepository, C: Clock> UserService<R, C> {
    /// Creates a service over `repo` that caches users (and missing users) in `cache`.
    pub fn new(repo: R, cache: Cache<u64, Option<User>, C>) -> Self {
        Self { repo, cache }
    }

    /// Returns the user with this id, from the cache when fresh, else from the
    /// repository. A missing user is cached too, as `None`; a repository error
    /// is returned and not cached.
    pub async fn get_user(&self, id: u64) -> Result<Option<User>, RepoError> {
        let _ = id;
        todo!("read through the cache")
    }

    /// Saves the user to the repository, then invalidates its cache entry.
    /// If the save fails, the error is returned and the cache is left alone.
    pub async fn update_user(&self, user: User) -> Result<(), RepoError> {
        let _ = user;
        todo!("write the store, then invalidate")
    }

    /// The cache the service reads through.
    pub fn cache(&self) -> &Cache<u64, Option<User>, C> {
        &self.cache
    }

    /// The repository the service writes to.
    pub fn repository(&self) -> &R {
        &self.repo
    }
}
