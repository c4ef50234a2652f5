//! Cache-aside: a generic async read-through cache with a TTL, single-flight
//! loading, LRU eviction and counters, and a `UserService` that reads users
//! through it and invalidates after writing.
//!
//! Time comes from an injected [`Clock`], so tests move it by hand instead of
//! sleeping.

use std::collections::{BTreeMap, HashMap};
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

// ---------------------------------------------------------------------------
// Clocks
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
        // `Instant` is monotonic; `SystemTime` can jump when the wall clock is
        // adjusted, which would expire (or resurrect) every entry at once.
        self.start.elapsed()
    }
}

/// A clock for tests that only moves when told to; clones share the same time.
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
        *lock(&self.now) += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        *lock(&self.now)
    }
}

/// Locks a mutex, ignoring poisoning: the cache's bookkeeping stays consistent
/// even if a thread panicked while holding the lock (every update is a few
/// assignments that cannot panic halfway through), so one panicking request
/// should not take the cache down for everybody.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
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
/// counts as a use for the LRU order, and so does storing one.
pub struct Cache<K, V, C = SystemClock> {
    ttl: Duration,
    capacity: usize,
    clock: C,
    state: Mutex<State<K, V>>,
}

/// Everything behind the cache's one lock.
struct State<K, V> {
    entries: HashMap<K, Entry<V>>,
    /// Tick of last use -> key, oldest first: the front is the LRU victim.
    by_use: BTreeMap<u64, K>,
    /// Increases on every use, so ticks order the entries by recency.
    tick: u64,
    /// One cell per key whose load is under way; concurrent misses share it.
    in_flight: HashMap<K, Arc<OnceCell<V>>>,
    stats: CacheStats,
}

struct Entry<V> {
    value: V,
    expires_at: Duration,
    last_used: u64,
}

impl<K: Eq + Hash + Clone, V: Clone> State<K, V> {
    /// Returns the value of a fresh entry and marks it as just used. An
    /// expired entry is removed on the spot: it can only ever be a miss.
    fn take_fresh(&mut self, key: &K, now: Duration) -> Option<V> {
        let entry = self.entries.get(key)?;
        // Fresh strictly before `expires_at`: at exactly `ttl` the entry has
        // had its full lifetime.
        if now >= entry.expires_at {
            self.remove(key);
            return None;
        }
        self.tick += 1;
        let entry = self.entries.get_mut(key)?;
        self.by_use.remove(&entry.last_used);
        entry.last_used = self.tick;
        self.by_use.insert(self.tick, key.clone());
        Some(entry.value.clone())
    }

    fn insert(&mut self, key: K, value: V, expires_at: Duration, capacity: usize) {
        self.tick += 1;
        if let Some(old) = self.entries.remove(&key) {
            // Replacing an entry does not grow the cache, so nobody is evicted.
            self.by_use.remove(&old.last_used);
        } else if self.entries.len() >= capacity
            && let Some((_, oldest)) = self.by_use.pop_first()
        {
            // Full: make room by dropping the entry unused for longest.
            self.entries.remove(&oldest);
        }
        self.by_use.insert(self.tick, key.clone());
        self.entries.insert(
            key,
            Entry {
                value,
                expires_at,
                last_used: self.tick,
            },
        );
    }

    fn remove(&mut self, key: &K) {
        if let Some(old) = self.entries.remove(key) {
            self.by_use.remove(&old.last_used);
        }
    }
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
        assert!(!ttl.is_zero(), "a zero TTL would cache nothing");
        assert!(capacity > 0, "a cache with no room caches nothing");
        Self {
            ttl,
            capacity,
            clock,
            state: Mutex::new(State {
                entries: HashMap::new(),
                by_use: BTreeMap::new(),
                tick: 0,
                in_flight: HashMap::new(),
                stats: CacheStats::default(),
            }),
        }
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
        let flight = {
            let mut state = lock(&self.state);
            let now = self.clock.now();
            if let Some(value) = state.take_fresh(&key, now) {
                state.stats.hits += 1;
                return Ok(value);
            }
            state.stats.misses += 1;
            // Join the load already under way for this key, or register a new one.
            Arc::clone(state.in_flight.entry(key.clone()).or_default())
        }; // The std guard is dropped here: never hold it across an `.await`.

        // Only one caller's loader runs at a time; the others wait for its
        // value. If it fails, the cell stays empty and the next waiter tries
        // its own loader, so one failure is never handed to everybody.
        let result = flight
            .get_or_try_init(|| self.load(key.clone(), loader))
            .await
            .cloned();

        // The load is over: forget it, so that the next miss loads afresh. Only
        // remove *our* cell; a newer load may already have replaced it.
        let mut state = lock(&self.state);
        if state
            .in_flight
            .get(&key)
            .is_some_and(|current| Arc::ptr_eq(current, &flight))
        {
            state.in_flight.remove(&key);
        }
        result
    }

    /// Runs one loader and stores its value; an error is passed on untouched.
    async fn load<F, Fut, E>(&self, key: K, loader: F) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        lock(&self.state).stats.loads += 1;
        let value = loader().await?;
        // The TTL starts when the value arrives: a slow load must not hand
        // back an entry that is already half expired.
        let expires_at = self.clock.now() + self.ttl;
        lock(&self.state).insert(key, value.clone(), expires_at, self.capacity);
        Ok(value)
    }

    /// Removes the entry for `key`, if any, so that the next lookup loads it again.
    pub fn invalidate(&self, key: &K) {
        lock(&self.state).remove(key);
    }

    /// Whether the cache holds a fresh entry for `key`. Does not count as a
    /// hit or a miss and does not change the entry's recency.
    pub fn contains(&self, key: &K) -> bool {
        let now = self.clock.now();
        lock(&self.state)
            .entries
            .get(key)
            .is_some_and(|entry| now < entry.expires_at)
    }

    /// How many entries the cache holds (never more than its capacity).
    pub fn len(&self) -> usize {
        lock(&self.state).entries.len()
    }

    /// Whether the cache holds no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The hit, miss and load counters so far.
    pub fn stats(&self) -> CacheStats {
        lock(&self.state).stats
    }
}

// ---------------------------------------------------------------------------
// Users
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
        // `None` is cached like any value: without negative caching, a client
        // asking for an id that does not exist would reach the store every time.
        self.cache.get_or_load(id, || self.repo.find(id)).await
    }

    /// Saves the user to the repository, then invalidates its cache entry.
    /// If the save fails, the error is returned and the cache is left alone.
    pub async fn update_user(&self, user: User) -> Result<(), RepoError> {
        let id = user.id;
        // Write the store first. Invalidating first would open a window in
        // which a reader reloads the old row and caches it for a whole TTL.
        self.repo.save(user).await?;
        // Delete rather than overwrite: deletes cannot be applied "in the
        // wrong order" by two concurrent writers; the next read loads the truth.
        self.cache.invalidate(&id);
        Ok(())
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
