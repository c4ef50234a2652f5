//! Hidden tests for the generic `Cache`: hits, misses, TTL, errors,
//! single-flight, LRU eviction and counters. The cache's time only moves
//! through `ManualClock`; loaders that take time sleep on tokio's paused
//! clock, which jumps ahead instantly once every task is waiting.

use expect::expect_eq;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cache_aside::{Cache, CacheStats, ManualClock};
use tokio::task::JoinSet;
use tokio::time::Instant;

const TTL: Duration = Duration::from_secs(60);

fn secs(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

fn cache(capacity: usize) -> (ManualClock, Cache<String, String, ManualClock>) {
    let clock = ManualClock::new();
    let cache = Cache::new(TTL, capacity, clock.clone());
    (clock, cache)
}

/// Counts the calls of the loaders it makes.
#[derive(Clone, Default)]
struct Loads(Arc<AtomicUsize>);

impl Loads {
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Looks `key` up, loading `"<key>-v<n>"` on a miss (n = how many loads so far).
/// Returns the value and whether this call ran its loader.
async fn get(
    cache: &Cache<String, String, ManualClock>,
    loads: &Loads,
    key: &str,
) -> (String, bool) {
    let before = loads.count();
    let counter = Arc::clone(&loads.0);
    let owned = key.to_string();
    let value = cache
        .get_or_load(key.to_string(), move || async move {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            Ok::<_, String>(format!("{owned}-v{n}"))
        })
        .await
        .expect("this loader never fails");
    (value, loads.count() > before)
}

/// Asserts that `key` is served from the cache (no load).
async fn assert_hit(cache: &Cache<String, String, ManualClock>, loads: &Loads, key: &str) {
    let (_, loaded) = get(cache, loads, key).await;
    assert!(!loaded, "`{key}` should have been served from the cache");
}

/// Asserts that `key` has to be loaded again.
async fn assert_loads(cache: &Cache<String, String, ManualClock>, loads: &Loads, key: &str) {
    let (_, loaded) = get(cache, loads, key).await;
    assert!(loaded, "`{key}` should not be in the cache any more");
}

// ---------------------------------------------------------------------------
// Hits, misses and expiry
// ---------------------------------------------------------------------------

/// A miss calls the loader and returns its value; later lookups within the TTL return that value without loading.
/// Rules: miss-loads-and-stores, hit-served-without-loading, len-counts-entries.
#[tokio::test(start_paused = true)]
async fn miss_loads_then_hits_are_served_from_the_cache() {
    let (clock, cache) = cache(10);
    let loads = Loads::default();

    expect_eq!(get(&cache, &loads, "a").await, ("a-v1".to_string(), true));
    assert!(cache.contains(&"a".to_string()));
    expect_eq!(cache.len(), 1);
    for _ in 0..5 {
        clock.advance(secs(10));
        expect_eq!(get(&cache, &loads, "a").await, ("a-v1".to_string(), false));
    }
    expect_eq!(loads.count(), 1);
}

/// An entry is fresh until just before its TTL has passed and is reloaded at exactly the TTL.
/// Rules: fresh-before-ttl, expired-at-ttl, contains-false-when-expired, new-load-after-finish, time-from-clock.
#[tokio::test(start_paused = true)]
async fn entry_expires_exactly_at_the_ttl() {
    let (clock, cache) = cache(10);
    let loads = Loads::default();

    get(&cache, &loads, "a").await;
    clock.advance(TTL - ms(1));
    expect_eq!(get(&cache, &loads, "a").await, ("a-v1".to_string(), false));
    assert!(cache.contains(&"a".to_string()));

    clock.advance(ms(1));
    assert!(
        !cache.contains(&"a".to_string()),
        "an entry is expired once its TTL has fully passed"
    );
    expect_eq!(
        get(&cache, &loads, "a").await,
        ("a-v2".to_string(), true),
        "at exactly the TTL the entry must be reloaded"
    );

    // The reloaded entry gets a whole new TTL.
    clock.advance(TTL - ms(1));
    assert_hit(&cache, &loads, "a").await;
    clock.advance(ms(1));
    assert_loads(&cache, &loads, "a").await;
}

/// An entry's TTL starts when its load finishes, not when the lookup started.
/// Rules: ttl-from-load-end, contains-false-when-expired.
#[tokio::test(start_paused = true)]
async fn ttl_starts_when_the_load_finishes() {
    let (clock, cache) = cache(10);
    let slow_clock = clock.clone();
    let value = cache
        .get_or_load("slow".to_string(), move || async move {
            // The query takes 30 s of the cache's time.
            slow_clock.advance(secs(30));
            Ok::<_, String>("v1".to_string())
        })
        .await
        .unwrap();
    expect_eq!(value, "v1");

    clock.advance(TTL - ms(1));
    assert!(
        cache.contains(&"slow".to_string()),
        "the entry was stored 30 s after the lookup began; it must live a full TTL from then"
    );
    clock.advance(ms(1));
    assert!(!cache.contains(&"slow".to_string()));
}

/// A loader's error is returned to the caller, nothing is cached, and the next lookup calls the loader again.
/// Rules: loader-error-propagates, loader-error-not-cached, failed-load-leaves-nothing, len-counts-entries.
#[tokio::test(start_paused = true)]
async fn loader_errors_propagate_and_are_not_cached() {
    let (_clock, cache) = cache(10);

    let failed = cache
        .get_or_load("a".to_string(), || async {
            Err::<String, _>("database timed out".to_string())
        })
        .await;
    expect_eq!(failed, Err("database timed out".to_string()));
    assert!(
        !cache.contains(&"a".to_string()),
        "an error must not be cached"
    );
    expect_eq!(cache.len(), 0);

    let retried = cache
        .get_or_load("a".to_string(), || async {
            Ok::<_, String>("a-v1".to_string())
        })
        .await;
    expect_eq!(
        retried,
        Ok("a-v1".to_string()),
        "the next lookup must load again"
    );
    assert!(cache.contains(&"a".to_string()));
}

/// `invalidate` removes one entry, so the next lookup of that key loads again while other keys stay cached.
/// Rules: invalidate-removes-one-entry, len-counts-entries.
#[tokio::test(start_paused = true)]
async fn invalidate_removes_only_that_entry() {
    let (_clock, cache) = cache(10);
    let loads = Loads::default();
    get(&cache, &loads, "a").await;
    get(&cache, &loads, "b").await;

    cache.invalidate(&"a".to_string());
    assert!(!cache.contains(&"a".to_string()));
    expect_eq!(cache.len(), 1);
    expect_eq!(get(&cache, &loads, "a").await, ("a-v3".to_string(), true));
    assert_hit(&cache, &loads, "b").await;

    // Invalidating a key that is not cached is harmless.
    cache.invalidate(&"nobody".to_string());
    expect_eq!(cache.len(), 2);
}

/// A cache whose entries would expire at once makes no sense: the constructor refuses a zero TTL.
/// Rules: zero-ttl-panics.
#[test]
fn cache_with_zero_ttl_panics() {
    panics_only_on_zero(
        || drop(Cache::<String, String, _>::new(TTL, 10, ManualClock::new())),
        || {
            drop(Cache::<String, String, _>::new(
                Duration::ZERO,
                10,
                ManualClock::new(),
            ))
        },
        "TTL",
    );
}

/// A cache with no room makes no sense: the constructor refuses a zero capacity.
/// Rules: zero-capacity-panics.
#[test]
fn cache_with_zero_capacity_panics() {
    panics_only_on_zero(
        || drop(Cache::<String, String, _>::new(TTL, 10, ManualClock::new())),
        || drop(Cache::<String, String, _>::new(TTL, 0, ManualClock::new())),
        "capacity",
    );
}

// ---------------------------------------------------------------------------
// Single-flight
// ---------------------------------------------------------------------------

/// Twenty concurrent misses for one key call the loader exactly once, and every caller gets the loaded value.
/// Rules: single-flight, futures-are-send.
#[tokio::test(start_paused = true)]
async fn concurrent_misses_share_one_load() {
    let clock = ManualClock::new();
    let cache = Arc::new(Cache::new(TTL, 10, clock));
    let loads = Loads::default();

    let mut callers = JoinSet::new();
    for _ in 0..20 {
        let cache = Arc::clone(&cache);
        let counter = Arc::clone(&loads.0);
        callers.spawn(async move {
            cache
                .get_or_load("hot".to_string(), move || async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(ms(100)).await; // a slow query
                    Ok::<_, String>("value".to_string())
                })
                .await
        });
    }
    let results = callers.join_all().await;
    expect_eq!(loads.count(), 1, "20 concurrent misses must make one load");
    expect_eq!(results.len(), 20);
    for result in results {
        expect_eq!(result, Ok("value".to_string()));
    }
}

/// Callers waiting on a load count as misses (not hits or loads), and once it finishes later lookups are hits.
/// Rules: single-flight, hits-counted, misses-counted, loads-counted.
#[tokio::test(start_paused = true)]
async fn stampede_counts_misses_but_one_load() {
    let clock = ManualClock::new();
    let cache = Arc::new(Cache::<String, String, _>::new(TTL, 10, clock));

    let mut callers = JoinSet::new();
    for _ in 0..10 {
        let cache = Arc::clone(&cache);
        callers.spawn(async move {
            cache
                .get_or_load("hot".to_string(), || async {
                    tokio::time::sleep(ms(100)).await;
                    Ok::<_, String>("value".to_string())
                })
                .await
        });
    }
    callers.join_all().await;
    expect_eq!(
        cache.stats(),
        CacheStats {
            hits: 0,
            misses: 10,
            loads: 1
        }
    );

    for _ in 0..3 {
        let value = cache
            .get_or_load("hot".to_string(), || async {
                Ok::<_, String>("reloaded".to_string())
            })
            .await;
        expect_eq!(value, Ok("value".to_string()));
    }
    expect_eq!(
        cache.stats(),
        CacheStats {
            hits: 3,
            misses: 10,
            loads: 1
        }
    );
}

/// When a shared load fails, only its own caller gets the error; the waiting callers load again, once, and get the value.
/// Rules: failed-shared-load-not-inherited, loads-counted, futures-are-send.
#[tokio::test(start_paused = true)]
async fn failed_shared_load_is_retried_by_the_waiters() {
    let clock = ManualClock::new();
    let cache = Arc::new(Cache::new(TTL, 10, clock));
    let loads = Loads::default();

    let mut callers = JoinSet::new();
    for _ in 0..8 {
        let cache = Arc::clone(&cache);
        let counter = Arc::clone(&loads.0);
        callers.spawn(async move {
            cache
                .get_or_load("flaky".to_string(), move || async move {
                    let attempt = counter.fetch_add(1, Ordering::SeqCst) + 1;
                    tokio::time::sleep(ms(100)).await;
                    if attempt == 1 {
                        Err("connection reset".to_string())
                    } else {
                        Ok(format!("value from attempt {attempt}"))
                    }
                })
                .await
        });
    }
    let results = callers.join_all().await;
    let errors = results.iter().filter(|result| result.is_err()).count();
    expect_eq!(
        errors, 1,
        "only the caller whose loader failed sees the error: {results:?}"
    );
    for result in &results {
        if let Ok(value) = result {
            expect_eq!(value, "value from attempt 2");
        }
    }
    expect_eq!(
        loads.count(),
        2,
        "after the failure the 7 waiters must share one new load"
    );
    expect_eq!(cache.stats().loads, 2);
    assert!(cache.contains(&"flaky".to_string()));
}

/// Loads of different keys run at the same time instead of waiting for one another.
/// Rules: different-keys-do-not-wait, futures-are-send.
#[tokio::test(start_paused = true)]
async fn loads_of_different_keys_run_concurrently() {
    let clock = ManualClock::new();
    let cache = Arc::new(Cache::new(TTL, 10, clock));
    let started = Instant::now();

    let mut callers = JoinSet::new();
    for key in ["a", "b", "c", "d"] {
        let cache = Arc::clone(&cache);
        callers.spawn(async move {
            cache
                .get_or_load(key.to_string(), move || async move {
                    tokio::time::sleep(ms(100)).await;
                    Ok::<_, String>(key.to_uppercase())
                })
                .await
        });
    }
    let mut results = callers.join_all().await;
    results.sort();
    expect_eq!(
        results,
        ["A", "B", "C", "D"].map(|v| Ok::<_, String>(v.to_string()))
    );
    let elapsed = started.elapsed();
    assert!(
        elapsed < ms(150),
        "four 100 ms loads of different keys took {elapsed:?}: they ran one after another"
    );
}

// ---------------------------------------------------------------------------
// Capacity and LRU
// ---------------------------------------------------------------------------

/// The cache never holds more entries than its capacity, and keeps the most recently loaded ones.
/// Rules: capacity-bound, evicts-least-recently-used, len-counts-entries.
#[tokio::test(start_paused = true)]
async fn capacity_bounds_the_number_of_entries() {
    let (_clock, cache) = cache(10);
    let loads = Loads::default();
    for i in 0..100 {
        get(&cache, &loads, &format!("k{i}")).await;
        assert!(
            cache.len() <= 10,
            "{} entries in a cache of capacity 10",
            cache.len()
        );
    }
    expect_eq!(cache.len(), 10);
    for i in 90..100 {
        assert!(
            cache.contains(&format!("k{i}")),
            "k{i} was loaded last and must be kept"
        );
    }
    assert!(!cache.contains(&"k0".to_string()));
}

/// With no reads in between, a full cache evicts the entry that was loaded first.
/// Rules: evicts-least-recently-used, store-and-hit-are-uses, capacity-bound.
#[tokio::test(start_paused = true)]
async fn full_cache_evicts_the_oldest_unused_entry() {
    let (_clock, cache) = cache(2);
    let loads = Loads::default();
    get(&cache, &loads, "a").await;
    get(&cache, &loads, "b").await;
    get(&cache, &loads, "c").await; // full: "a" has been unused the longest

    assert!(
        !cache.contains(&"a".to_string()),
        "`a` should have been evicted"
    );
    assert!(
        cache.contains(&"b".to_string()),
        "`b` was evicted instead of `a`"
    );
    assert!(
        cache.contains(&"c".to_string()),
        "the new entry must be kept"
    );
    expect_eq!(cache.len(), 2);
}

/// A hit counts as a use: a full cache evicts the least recently used entry, not the oldest insertion.
/// Rules: store-and-hit-are-uses, evicts-least-recently-used.
#[tokio::test(start_paused = true)]
async fn reading_an_entry_protects_it_from_eviction() {
    let (_clock, cache) = cache(3);
    let loads = Loads::default();
    get(&cache, &loads, "a").await;
    get(&cache, &loads, "b").await;
    get(&cache, &loads, "c").await;
    assert_hit(&cache, &loads, "a").await; // order of use now: b, c, a

    get(&cache, &loads, "d").await; // evicts b
    assert!(
        !cache.contains(&"b".to_string()),
        "`b` was the least recently used"
    );
    for key in ["a", "c", "d"] {
        assert!(
            cache.contains(&key.to_string()),
            "`{key}` must still be cached"
        );
    }

    assert_hit(&cache, &loads, "c").await; // order of use: a, d, c
    get(&cache, &loads, "e").await; // evicts a
    assert!(
        !cache.contains(&"a".to_string()),
        "`a` was the least recently used"
    );
    for key in ["c", "d", "e"] {
        assert!(
            cache.contains(&key.to_string()),
            "`{key}` must still be cached"
        );
    }
}

/// In a full cache, a miss whose load is still running, or whose load fails, evicts nothing.
/// Rules: evict-only-when-storing.
#[tokio::test(start_paused = true)]
async fn a_miss_or_a_failed_load_in_a_full_cache_evicts_nothing() {
    let (_clock, cache) = cache(2);
    let loads = Loads::default();
    get(&cache, &loads, "a").await;
    get(&cache, &loads, "b").await;

    let (failed, ()) = tokio::join!(
        cache.get_or_load("c".to_string(), || async {
            tokio::time::sleep(ms(100)).await; // a slow query that then fails
            Err::<String, _>("database timed out".to_string())
        }),
        async {
            tokio::time::sleep(ms(50)).await; // the load of "c" is under way
            for key in ["a", "b"] {
                assert!(
                    cache.contains(&key.to_string()),
                    "`{key}` was evicted by a miss whose load has not finished"
                );
            }
            expect_eq!(cache.len(), 2);
        }
    );
    assert!(failed.is_err());
    for key in ["a", "b"] {
        assert!(
            cache.contains(&key.to_string()),
            "`{key}` was evicted by a load that failed and stored nothing"
        );
    }
    assert!(!cache.contains(&"c".to_string()));
    expect_eq!(cache.len(), 2);
}

/// `contains` is not a use: it does not protect an entry from eviction, and counts as neither hit nor miss.
/// Rules: contains-keeps-lru-order, contains-is-not-a-lookup.
#[tokio::test(start_paused = true)]
async fn contains_does_not_change_the_lru_order() {
    let (_clock, cache) = cache(2);
    let loads = Loads::default();
    get(&cache, &loads, "a").await;
    get(&cache, &loads, "b").await;
    assert!(cache.contains(&"a".to_string()));
    expect_eq!(
        cache.stats(),
        CacheStats {
            hits: 0,
            misses: 2,
            loads: 2
        },
        "`contains` is not a lookup"
    );

    get(&cache, &loads, "c").await; // full: "a" is still the least recently used
    assert!(
        !cache.contains(&"a".to_string()),
        "`contains(a)` must not count as a use of `a`: `a` should have been evicted"
    );
    assert!(
        cache.contains(&"b".to_string()),
        "`b` was evicted instead of `a`"
    );
    assert!(cache.contains(&"c".to_string()));
}

/// Reloading an expired entry in a full cache replaces it without evicting any other key.
/// Rules: replacing-evicts-nothing, expired-at-ttl.
#[tokio::test(start_paused = true)]
async fn reloading_an_expired_entry_evicts_nothing_else() {
    let (clock, cache) = cache(2);
    let loads = Loads::default();
    get(&cache, &loads, "a").await; // t = 0, expires at 60
    clock.advance(secs(30));
    get(&cache, &loads, "b").await; // t = 30, expires at 90
    clock.advance(secs(20));
    assert_hit(&cache, &loads, "a").await; // t = 50: "b" is now the least recently used
    clock.advance(secs(10));

    assert_loads(&cache, &loads, "a").await; // t = 60: "a" has expired
    assert!(cache.contains(&"a".to_string()));
    assert!(
        cache.contains(&"b".to_string()),
        "replacing `a` does not need room: `b` must not be evicted"
    );
    assert_hit(&cache, &loads, "b").await;
}

// ---------------------------------------------------------------------------
// Counters
// ---------------------------------------------------------------------------

/// `stats` counts every hit, every miss (absent or expired) and every loader call, failed ones included.
/// Rules: hits-counted, misses-counted, loads-counted, expired-lookup-is-a-miss, contains-is-not-a-lookup.
#[tokio::test(start_paused = true)]
async fn stats_count_hits_misses_and_loads() {
    let (clock, cache) = cache(10);
    let loads = Loads::default();
    expect_eq!(cache.stats(), CacheStats::default());

    get(&cache, &loads, "a").await; // miss, load
    get(&cache, &loads, "a").await; // hit
    get(&cache, &loads, "a").await; // hit
    get(&cache, &loads, "b").await; // miss, load
    expect_eq!(
        cache.stats(),
        CacheStats {
            hits: 2,
            misses: 2,
            loads: 2
        }
    );

    clock.advance(TTL);
    get(&cache, &loads, "a").await; // expired: miss, load
    let failed = cache
        .get_or_load("c".to_string(), || async {
            Err::<String, _>("down".to_string())
        })
        .await; // miss, failed load
    assert!(failed.is_err());
    get(&cache, &loads, "a").await; // hit
    assert!(cache.contains(&"a".to_string())); // not a lookup
    expect_eq!(
        cache.stats(),
        CacheStats {
            hits: 3,
            misses: 4,
            loads: 4
        }
    );
}

/// Checks that the constructor accepts a valid value and panics on zero. Both halves matter:
/// a constructor that always panics (a stub's `todo!()`) must not pass.
fn panics_only_on_zero(
    valid: impl FnOnce() + std::panic::UnwindSafe,
    zero: impl FnOnce() + std::panic::UnwindSafe,
    what: &str,
) {
    assert!(
        std::panic::catch_unwind(valid).is_ok(),
        "the constructor must accept a valid {what} without a panic"
    );
    assert!(
        std::panic::catch_unwind(zero).is_err(),
        "the constructor must panic on a {what} of zero"
    );
}
