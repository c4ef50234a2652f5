//! Hidden tests for the two limiters: token bucket, sliding window, key
//! isolation, concurrency and eviction. Time only moves through `ManualClock`.

use expect::expect_eq;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use rate_limiter::{Decision, ManualClock, RateLimiter, SlidingWindow, TokenBucket};

const ZERO: Duration = Duration::ZERO;

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

fn secs(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

fn bucket(capacity: u32, refill_every: Duration) -> (ManualClock, TokenBucket<ManualClock>) {
    let clock = ManualClock::new();
    let limiter = TokenBucket::new(capacity, refill_every, clock.clone());
    (clock, limiter)
}

fn window(limit: u32, length: Duration) -> (ManualClock, SlidingWindow<ManualClock>) {
    let clock = ManualClock::new();
    let limiter = SlidingWindow::new(limit, length, clock.clone());
    (clock, limiter)
}

/// Calls `check` `n` times and returns how many calls were allowed.
fn admitted(limiter: &dyn RateLimiter, key: &str, n: usize) -> usize {
    (0..n).filter(|_| limiter.check(key).allowed).count()
}

#[track_caller]
fn assert_allowed(decision: Decision, remaining: u32) {
    assert!(
        decision.allowed,
        "expected the request to be allowed: {decision:?}"
    );
    expect_eq!(
        decision.remaining, remaining,
        "wrong remaining: {decision:?}"
    );
    expect_eq!(
        decision.retry_after, ZERO,
        "an allowed request has no retry_after: {decision:?}"
    );
}

#[track_caller]
fn assert_denied(decision: Decision, retry_after: Duration) {
    assert!(
        !decision.allowed,
        "expected the request to be denied: {decision:?}"
    );
    expect_eq!(
        decision.remaining, 0,
        "a denied request leaves nothing: {decision:?}"
    );
    expect_eq!(
        decision.retry_after, retry_after,
        "wrong retry_after: {decision:?}"
    );
}

// ---------------------------------------------------------------------------
// Token bucket
// ---------------------------------------------------------------------------

/// A new client may make a burst of exactly `capacity` requests, with `remaining` counting down to zero.
/// Rules: bucket-starts-full, bucket-spends-one-token, decision-limit, bucket-remaining, allowed-retry-after-zero, denied-remaining-zero.
#[test]
fn bucket_allows_a_burst_up_to_capacity() {
    let (_clock, limiter) = bucket(5, secs(1));
    for remaining in (0..5).rev() {
        let decision = limiter.check("client");
        assert_allowed(decision, remaining);
        expect_eq!(decision.limit, 5);
    }
    let decision = limiter.check("client");
    assert!(
        !decision.allowed,
        "the 6th request of a burst must be denied"
    );
    expect_eq!(decision.limit, 5);
    expect_eq!(decision.remaining, 0);
}

/// After the bucket is empty, one token comes back per refill interval.
/// Rules: bucket-refill-rate, time-from-clock, bucket-remaining, allowed-retry-after-zero.
#[test]
fn bucket_refills_one_token_per_interval() {
    let (clock, limiter) = bucket(3, secs(1));
    expect_eq!(admitted(&limiter, "client", 3), 3);
    assert!(!limiter.check("client").allowed);

    clock.advance(secs(1));
    assert_allowed(limiter.check("client"), 0);
    assert!(!limiter.check("client").allowed);

    clock.advance(secs(2));
    assert_allowed(limiter.check("client"), 1);
    assert_allowed(limiter.check("client"), 0);
    assert!(!limiter.check("client").allowed);
}

/// A long idle period refills the bucket only up to its capacity, never beyond.
/// Rules: bucket-capped-at-capacity, time-from-clock.
#[test]
fn bucket_refill_is_capped_at_capacity() {
    let (clock, limiter) = bucket(3, secs(1));
    expect_eq!(admitted(&limiter, "client", 3), 3);

    clock.advance(secs(3600));
    assert_allowed(limiter.check("client"), 2);
    assert_allowed(limiter.check("client"), 1);
    assert_allowed(limiter.check("client"), 0);
    assert!(
        !limiter.check("client").allowed,
        "a refilled bucket holds at most `capacity` tokens"
    );
}

/// Time that is not yet a whole token is not lost: partial progress adds up across checks.
/// Rules: bucket-keeps-partial-progress, time-from-clock.
#[test]
fn bucket_keeps_fractional_refill_progress() {
    let (clock, limiter) = bucket(1, secs(1));
    assert!(limiter.check("client").allowed);
    clock.advance(ms(400));
    assert!(!limiter.check("client").allowed);
    clock.advance(ms(400));
    assert!(!limiter.check("client").allowed);
    clock.advance(ms(200));
    assert!(
        limiter.check("client").allowed,
        "0.4 s + 0.4 s + 0.2 s is one whole refill interval"
    );

    let (clock, limiter) = bucket(2, secs(1));
    expect_eq!(admitted(&limiter, "client", 2), 2);
    clock.advance(ms(1500));
    assert!(limiter.check("client").allowed, "1.5 s earned one token");
    clock.advance(ms(500));
    assert!(
        limiter.check("client").allowed,
        "the half token left over plus 0.5 s is another token"
    );
    assert!(!limiter.check("client").allowed);
}

/// A denied request's `retry_after` is exactly the time until the next token, and waiting that long succeeds.
/// Rules: bucket-retry-after, denied-remaining-zero, allowed-retry-after-zero.
#[test]
fn bucket_retry_after_is_exact() {
    let (clock, limiter) = bucket(1, secs(1));
    assert_allowed(limiter.check("client"), 0);
    assert_denied(limiter.check("client"), secs(1));

    clock.advance(ms(250));
    assert_denied(limiter.check("client"), ms(750));

    clock.advance(ms(750));
    assert_allowed(limiter.check("client"), 0);
}

/// `reset_after` is the time until the bucket is full again, counting the partial token already earned.
/// Rules: bucket-reset-after, bucket-remaining.
#[test]
fn bucket_reset_after_is_time_until_full() {
    let (clock, limiter) = bucket(4, secs(1));
    expect_eq!(limiter.check("client").reset_after, secs(1));
    expect_eq!(limiter.check("client").reset_after, secs(2));

    clock.advance(ms(500));
    let decision = limiter.check("client");
    assert_allowed(decision, 1);
    expect_eq!(decision.reset_after, ms(2500));
}

/// Time spent full earns nothing: the next token comes back one interval after the request that drew from the full bucket.
/// Rules: bucket-full-banks-nothing, bucket-retry-after, bucket-reset-after, reset-after-never-zero.
#[test]
fn bucket_countdown_starts_when_a_full_bucket_is_drawn() {
    // The README's example: capacity 3, one token a second, a new key that
    // sends three requests at t = 10 s.
    let (clock, limiter) = bucket(3, secs(1));
    clock.advance(secs(10));
    assert_allowed(limiter.check("client"), 2);
    assert_allowed(limiter.check("client"), 1);
    let decision = limiter.check("client");
    assert_allowed(decision, 0);
    expect_eq!(
        decision.reset_after,
        secs(3),
        "full again at t = 13 s: {decision:?}"
    );
    let decision = limiter.check("client");
    assert_denied(decision, secs(1));
    expect_eq!(
        decision.reset_after,
        secs(3),
        "a denied request also reports the time until full: {decision:?}"
    );

    clock.advance(ms(500)); // t = 10.5 s
    assert_denied(limiter.check("client"), ms(500));
    clock.advance(ms(2500)); // t = 13 s: full again
    let decision = limiter.check("client");
    assert_allowed(decision, 2);
    expect_eq!(decision.reset_after, secs(1), "{decision:?}");

    // A key that has been sitting full for a long time banks nothing either.
    let (clock, limiter) = bucket(2, secs(1));
    assert_allowed(limiter.check("client"), 1); // t = 0
    clock.advance(ms(100_500)); // t = 100.5 s, full again since t = 1 s
    let decision = limiter.check("client");
    assert_allowed(decision, 1);
    expect_eq!(
        decision.reset_after,
        secs(1),
        "the countdown starts now, not when the bucket filled up: {decision:?}"
    );
    let decision = limiter.check("client");
    assert_allowed(decision, 0);
    expect_eq!(decision.reset_after, secs(2), "{decision:?}");
    assert_denied(limiter.check("client"), secs(1));
    clock.advance(secs(1));
    assert_allowed(limiter.check("client"), 0);
    assert!(!limiter.check("client").allowed);
}

/// A token bucket with a capacity of 0 makes no sense: the constructor refuses it.
/// Rules: zero-capacity-panics.
#[test]
fn bucket_with_zero_capacity_panics() {
    panics_only_on_zero(
        || drop(TokenBucket::new(1, secs(1), ManualClock::new())),
        || drop(TokenBucket::new(0, secs(1), ManualClock::new())),
        "capacity",
    );
}

/// A token bucket whose refill interval is zero makes no sense: the constructor refuses it.
/// Rules: zero-refill-interval-panics.
#[test]
fn bucket_with_zero_refill_interval_panics() {
    panics_only_on_zero(
        || drop(TokenBucket::new(5, secs(1), ManualClock::new())),
        || drop(TokenBucket::new(5, ZERO, ManualClock::new())),
        "refill interval",
    );
}

// ---------------------------------------------------------------------------
// Sliding window
// ---------------------------------------------------------------------------

/// A sliding window admits `limit` requests, then denies with `retry_after` equal to the whole window.
/// Rules: window-limit, window-remaining, decision-limit, window-retry-after, denied-remaining-zero, allowed-retry-after-zero.
#[test]
fn window_allows_limit_requests_then_denies() {
    let (_clock, limiter) = window(3, secs(10));
    for remaining in (0..3).rev() {
        let decision = limiter.check("client");
        assert_allowed(decision, remaining);
        expect_eq!(decision.limit, 3);
    }
    let decision = limiter.check("client");
    assert_denied(decision, secs(10));
    expect_eq!(decision.limit, 3);
}

/// A request stops counting exactly one window after it was made, not a moment later.
/// Rules: window-expiry-edge, window-retry-after, time-from-clock.
#[test]
fn window_request_expires_exactly_at_the_window_edge() {
    let (clock, limiter) = window(2, secs(10));
    expect_eq!(admitted(&limiter, "client", 2), 2);

    clock.advance(ms(9_999));
    assert_denied(limiter.check("client"), ms(1));

    clock.advance(ms(1));
    assert_allowed(limiter.check("client"), 1);
}

/// The window slides with each request instead of resetting at fixed boundaries.
/// Rules: window-slides, window-retry-after, window-remaining.
#[test]
fn window_slides_instead_of_resetting() {
    let (clock, limiter) = window(2, secs(10));
    assert_allowed(limiter.check("client"), 1); // t = 0
    clock.advance(secs(6));
    assert_allowed(limiter.check("client"), 0); // t = 6
    assert_denied(limiter.check("client"), secs(4));

    clock.advance(secs(4)); // t = 10: the request from t = 0 has left, the one from t = 6 has not
    assert_allowed(limiter.check("client"), 0);
    assert_denied(limiter.check("client"), secs(6));
}

/// After a quiet period longer than the window, old requests no longer count at all.
/// Rules: window-limit, window-remaining, time-from-clock.
#[test]
fn window_old_requests_expire() {
    let (clock, limiter) = window(3, secs(1));
    expect_eq!(admitted(&limiter, "client", 5), 3);

    clock.advance(secs(3600));
    assert_allowed(limiter.check("client"), 2);
    assert_allowed(limiter.check("client"), 1);
    assert_allowed(limiter.check("client"), 0);
    assert!(!limiter.check("client").allowed);
}

/// Denied requests are not recorded, so retrying too early does not extend a client's lockout.
/// Rules: window-counts-only-allowed, window-retry-after.
#[test]
fn window_does_not_count_denied_requests() {
    let (clock, limiter) = window(1, secs(10));
    assert!(limiter.check("client").allowed); // t = 0
    clock.advance(secs(5));
    assert_denied(limiter.check("client"), secs(5)); // t = 5
    clock.advance(secs(5));
    assert_allowed(limiter.check("client"), 0); // t = 10
}

/// `reset_after` is the time until the newest counted request leaves the window.
/// Rules: window-reset-after, reset-after-never-zero, window-retry-after.
#[test]
fn window_reset_after_is_time_until_full_quota() {
    let (clock, limiter) = window(2, secs(10));
    expect_eq!(limiter.check("client").reset_after, secs(10)); // t = 0
    clock.advance(secs(4));
    expect_eq!(limiter.check("client").reset_after, secs(10)); // t = 4
    clock.advance(secs(2));
    let decision = limiter.check("client"); // t = 6
    assert_denied(decision, secs(4));
    expect_eq!(decision.reset_after, secs(8));
}

/// A sliding window with a limit of 0 makes no sense: the constructor refuses it.
/// Rules: zero-limit-panics.
#[test]
fn window_with_zero_limit_panics() {
    panics_only_on_zero(
        || drop(SlidingWindow::new(1, secs(10), ManualClock::new())),
        || drop(SlidingWindow::new(0, secs(10), ManualClock::new())),
        "limit",
    );
}

/// A sliding window of zero length makes no sense: the constructor refuses it.
/// Rules: zero-window-panics.
#[test]
fn window_of_zero_length_panics() {
    panics_only_on_zero(
        || drop(SlidingWindow::new(5, secs(10), ManualClock::new())),
        || drop(SlidingWindow::new(5, ZERO, ManualClock::new())),
        "window length",
    );
}

// ---------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------

/// Each key has its own budget: exhausting one client does not affect another, in both limiters.
/// Rules: keys-independent, tracked-keys-counts.
#[test]
fn keys_are_limited_independently() {
    let (_clock, buckets) = bucket(2, secs(60));
    let (_clock, windows) = window(2, secs(60));
    let limiters: [&dyn RateLimiter; 2] = [&buckets, &windows];
    for limiter in limiters {
        expect_eq!(admitted(limiter, "alice", 5), 2);
        assert_allowed(limiter.check("bob"), 1);
        assert_allowed(limiter.check("bob"), 0);
        assert!(!limiter.check("bob").allowed);
        assert!(!limiter.check("alice").allowed);
        expect_eq!(limiter.tracked_keys(), 2);
    }
}

// ---------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------

/// Runs `per_thread` checks of `key` on each of 8 threads started together and returns how many were allowed.
fn hammer(limiter: Arc<dyn RateLimiter>, key: &'static str, per_thread: usize) -> usize {
    let start = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let limiter = Arc::clone(&limiter);
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                (0..per_thread)
                    .filter(|_| limiter.check(key).allowed)
                    .count()
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).sum()
}

/// Eight threads hammering one key of a token bucket are admitted exactly `capacity` times in total.
/// Rules: no-over-admission-under-concurrency.
#[test]
fn bucket_never_over_admits_under_concurrency() {
    let clock = ManualClock::new();
    let limiter: Arc<dyn RateLimiter> = Arc::new(TokenBucket::new(100, secs(3600), clock));
    expect_eq!(hammer(limiter, "shared", 200), 100);
}

/// Eight threads hammering one key of a sliding window are admitted exactly `limit` times in total.
/// Rules: no-over-admission-under-concurrency.
#[test]
fn window_never_over_admits_under_concurrency() {
    let clock = ManualClock::new();
    let limiter: Arc<dyn RateLimiter> = Arc::new(SlidingWindow::new(100, secs(3600), clock));
    expect_eq!(hammer(limiter, "shared", 200), 100);
}

/// When 8 threads race for the last token of each of 2,000 keys, every token is still spent exactly once.
/// Rules: no-over-admission-under-concurrency.
#[test]
fn racing_for_the_last_token_admits_exactly_one() {
    const KEYS: usize = 2_000;
    let clock = ManualClock::new();
    let buckets: Arc<dyn RateLimiter> = Arc::new(TokenBucket::new(1, secs(3600), clock.clone()));
    let windows: Arc<dyn RateLimiter> = Arc::new(SlidingWindow::new(1, secs(3600), clock));
    for limiter in [buckets, windows] {
        let round = Arc::new(Barrier::new(8));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let limiter = Arc::clone(&limiter);
                let round = Arc::clone(&round);
                thread::spawn(move || {
                    let mut admitted = 0;
                    for key in 0..KEYS {
                        // All threads reach the same key at the same moment.
                        round.wait();
                        admitted += usize::from(limiter.check(&format!("key-{key}")).allowed);
                    }
                    admitted
                })
            })
            .collect();
        let total: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        expect_eq!(
            total, KEYS,
            "each key has one token, so exactly {KEYS} requests may pass"
        );
    }
}

// ---------------------------------------------------------------------------
// Eviction
// ---------------------------------------------------------------------------

/// After 100,000 one-off clients have gone idle, `sweep` leaves no key tracked, in both limiters.
/// Rules: sweep-removes-idle-keys, tracked-keys-counts.
#[test]
fn sweep_forgets_100k_idle_keys() {
    let (bucket_clock, buckets) = bucket(5, secs(1));
    let (window_clock, windows) = window(5, secs(1));
    for (clock, limiter) in [
        (bucket_clock, &buckets as &dyn RateLimiter),
        (window_clock, &windows),
    ] {
        for i in 0..100_000 {
            assert!(limiter.check(&format!("client-{i}")).allowed);
        }
        assert!(limiter.tracked_keys() <= 100_000);
        clock.advance(secs(1));
        limiter.sweep();
        expect_eq!(
            limiter.tracked_keys(),
            0,
            "every client is back to a full quota"
        );
        assert!(limiter.check("client-0").allowed);
        expect_eq!(limiter.tracked_keys(), 1);
    }
}

/// `sweep` keeps clients that are still limited, so evicting never hands anyone a fresh budget.
/// Rules: eviction-keeps-busy-keys, sweep-removes-idle-keys, tracked-keys-counts.
#[test]
fn sweep_keeps_keys_that_are_not_idle() {
    let (clock, limiter) = bucket(2, secs(10));
    expect_eq!(admitted(&limiter, "busy", 2), 2);
    assert!(limiter.check("idle").allowed);
    clock.advance(secs(10)); // "idle" is full again; "busy" has earned back one of two tokens
    limiter.sweep();
    expect_eq!(limiter.tracked_keys(), 1);
    assert_allowed(limiter.check("busy"), 0);
    assert!(!limiter.check("busy").allowed);

    let (clock, limiter) = window(1, secs(10));
    assert!(limiter.check("idle").allowed); // t = 0
    clock.advance(secs(6));
    assert!(limiter.check("busy").allowed); // t = 6
    clock.advance(secs(4)); // t = 10: "idle"'s request has expired, "busy"'s has not
    limiter.sweep();
    expect_eq!(limiter.tracked_keys(), 1);
    assert_denied(limiter.check("busy"), secs(6));
}

/// Without any call to `sweep`, 100,000 clients passing through (about 100 active at a time) leave fewer than 10,000 keys tracked.
/// Rules: check-bounds-memory, tracked-keys-counts.
#[test]
fn checks_evict_idle_keys_on_their_own() {
    let (bucket_clock, buckets) = bucket(1, ms(100));
    let (window_clock, windows) = window(1, ms(100));
    for (clock, limiter) in [
        (bucket_clock, &buckets as &dyn RateLimiter),
        (window_clock, &windows),
    ] {
        let mut most = 0;
        for i in 0..100_000 {
            assert!(limiter.check(&format!("client-{i}")).allowed);
            most = most.max(limiter.tracked_keys());
            clock.advance(ms(1));
        }
        assert!(
            most < 10_000,
            "up to {most} keys were tracked although only about 100 clients were ever active at once"
        );
    }
}

/// The cleanup inside `check` never forgets a client that is still limited, even while 20,000 other clients pass through.
/// Rules: eviction-keeps-busy-keys.
#[test]
fn checks_never_evict_a_limited_key() {
    let (_bucket_clock, buckets) = bucket(1, secs(3600));
    let (_window_clock, windows) = window(1, secs(3600));
    for limiter in [&buckets as &dyn RateLimiter, &windows] {
        assert!(limiter.check("busy").allowed);
        for i in 0..20_000 {
            assert!(limiter.check(&format!("client-{i}")).allowed);
        }
        assert!(
            !limiter.check("busy").allowed,
            "`busy` has spent its budget for the next hour: evicting it handed it a fresh one"
        );
        assert!(!limiter.check("client-0").allowed);
    }
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
