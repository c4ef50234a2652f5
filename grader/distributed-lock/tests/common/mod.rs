//! Shared helpers for the hidden tests: a store and clock shared by several
//! clients, and a store wrapper that records every call and can make each
//! request take time to reach the store.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use distributed_lock::{
    Clock, KvStore, LockClient, ManualClock, MemoryStore, SequentialTokens,
};

pub const TTL: Duration = Duration::from_secs(30);
pub const KEY: &str = "invoice-summary";

pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

pub type Client = LockClient<Arc<MemoryStore<ManualClock>>, ManualClock, SequentialTokens>;

/// One Redis stand-in and one clock, shared by every client a test makes.
pub struct World {
    pub clock: ManualClock,
    pub store: Arc<MemoryStore<ManualClock>>,
}

impl World {
    pub fn new() -> Self {
        let clock = ManualClock::new();
        let store = Arc::new(MemoryStore::new(clock.clone()));
        Self { clock, store }
    }

    /// A client (think: one instance of the service) whose owner tokens are
    /// `"<name>-1"`, `"<name>-2"`, ...
    pub fn client(&self, name: &str) -> Client {
        LockClient::new(
            Arc::clone(&self.store),
            self.clock.clone(),
            SequentialTokens::new(name),
        )
    }

    /// The value stored under `key` now (the holder's owner token), if any.
    pub fn holder(&self, key: &str) -> Option<String> {
        self.store.get(key)
    }

    pub fn now(&self) -> Duration {
        self.clock.now()
    }
}

/// A `KvStore` in front of the world's store that writes down each call, with
/// the clock time at which it reached the store, and makes every request (or
/// only the requests of one method) spend `latency` in transit first.
pub struct Wire {
    store: Arc<MemoryStore<ManualClock>>,
    clock: ManualClock,
    latency: Duration,
    slow_method: Option<&'static str>,
    calls: Mutex<Vec<(&'static str, Duration)>>,
}

impl Wire {
    pub fn new(world: &World, latency: Duration) -> Arc<Self> {
        Arc::new(Self {
            store: Arc::clone(&world.store),
            clock: world.clock.clone(),
            latency,
            slow_method: None,
            calls: Mutex::new(Vec::new()),
        })
    }

    /// A wire on which only calls of `method` take `latency` to reach the
    /// store; every other call arrives at once.
    pub fn slow(world: &World, method: &'static str, latency: Duration) -> Arc<Self> {
        Arc::new(Self {
            store: Arc::clone(&world.store),
            clock: world.clock.clone(),
            latency,
            slow_method: Some(method),
            calls: Mutex::new(Vec::new()),
        })
    }

    /// A client that talks to the store through this wire.
    pub fn client(
        self: &Arc<Self>,
        name: &str,
    ) -> LockClient<Arc<Wire>, ManualClock, SequentialTokens> {
        LockClient::new(Arc::clone(self), self.clock.clone(), SequentialTokens::new(name))
    }

    /// Every call so far, by method name.
    pub fn calls(&self) -> Vec<&'static str> {
        self.calls.lock().unwrap().iter().map(|(name, _)| *name).collect()
    }

    /// The clock times at which `method` reached the store.
    pub fn times_of(&self, method: &str) -> Vec<Duration> {
        let calls = self.calls.lock().unwrap();
        calls
            .iter()
            .filter(|(name, _)| *name == method)
            .map(|(_, at)| *at)
            .collect()
    }

    fn arrive(&self, method: &'static str) {
        if self.slow_method.is_none_or(|slow| slow == method) {
            self.clock.advance(self.latency);
        }
        self.calls.lock().unwrap().push((method, self.clock.now()));
    }
}

impl KvStore for Wire {
    fn set_if_absent(&self, key: &str, value: &str, ttl: Duration) -> bool {
        self.arrive("set_if_absent");
        self.store.set_if_absent(key, value, ttl)
    }

    fn get(&self, key: &str) -> Option<String> {
        self.arrive("get");
        self.store.get(key)
    }

    fn delete_if_equals(&self, key: &str, expected: &str) -> bool {
        self.arrive("delete_if_equals");
        self.store.delete_if_equals(key, expected)
    }

    fn extend_if_equals(&self, key: &str, expected: &str, ttl: Duration) -> bool {
        self.arrive("extend_if_equals");
        self.store.extend_if_equals(key, expected, ttl)
    }

    fn incr(&self, key: &str) -> u64 {
        self.arrive("incr");
        self.store.incr(key)
    }
}
