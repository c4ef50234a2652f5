//! Hidden tests for `acquire`, the retrying variant. Its sleeps go through
//! `ManualClock::sleep`, which moves the clock at once and records each sleep.

mod common;

use expect::expect_eq;
use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

use common::{KEY, TTL, Wire, World, secs};
use distributed_lock::LockError;

/// `acquire` on a free key succeeds at the first attempt, without sleeping.
/// Rules: acquire-first-attempt-immediate.
#[test]
fn a_free_key_is_acquired_at_once() {
    let world = World::new();
    let a = world.client("a");

    let lease = a.acquire(KEY, TTL, secs(10), secs(1)).unwrap();
    expect_eq!(world.clock.sleeps(), [], "nothing to wait for, so no sleep");
    expect_eq!(world.now(), Duration::ZERO);
    expect_eq!(world.holder(KEY).as_deref(), Some(lease.owner()));
}

/// `acquire` sleeps on the clock in steps of `retry_every` and returns as soon as an attempt succeeds.
/// Rules: acquire-returns-on-success, acquire-sleeps-in-steps, time-from-clock.
#[test]
fn acquire_retries_until_the_holder_expires() {
    let world = World::new();
    let (a, b) = (world.client("a"), world.client("b"));
    b.try_acquire(KEY, secs(10)).unwrap();

    let lease = a
        .acquire(KEY, TTL, secs(30), secs(4))
        .expect("the holder's lock expires at 10 s, well within the 30 s wait");
    expect_eq!(
        world.clock.sleeps(),
        [secs(4), secs(4), secs(4)],
        "attempts at 0, 4 and 8 s fail, the one at 12 s succeeds: three sleeps of 4 s"
    );
    expect_eq!(world.now(), secs(12), "acquire should return right after the attempt that succeeded");
    expect_eq!(lease.expires_at(), secs(12) + TTL);
    expect_eq!(lease.fencing_token(), 2);
}

/// When the lock stays held, `acquire` tries at 0, 3, 6, 9 and 10 s (its last sleep cut short to the deadline), then times out.
/// Rules: acquire-sleeps-in-steps, acquire-last-attempt-at-deadline, acquire-times-out, time-from-clock.
#[test]
fn acquire_times_out_at_the_deadline() {
    let world = World::new();
    let wire = Wire::new(&world, Duration::ZERO);
    let (a, b) = (wire.client("a"), world.client("b"));
    b.try_acquire(KEY, TTL).unwrap();

    expect_eq!(a.acquire(KEY, TTL, secs(10), secs(3)), Err(LockError::Timeout));
    expect_eq!(
        world.clock.sleeps(),
        [secs(3), secs(3), secs(3), secs(1)],
        "after the attempt at 9 s only 1 s is left before the deadline, so the last sleep is 1 s"
    );
    expect_eq!(
        wire.times_of("set_if_absent"),
        [secs(0), secs(3), secs(6), secs(9), secs(10)],
        "the attempts (set_if_absent calls) should happen at these clock times"
    );
    expect_eq!(world.now(), secs(10), "acquire should give up exactly at the deadline");
}

/// When the wait is a whole number of steps, the attempt after the last full sleep is the last one: no zero-length sleep, no extra attempt.
/// Rules: acquire-sleeps-in-steps, acquire-times-out, acquire-last-attempt-at-deadline.
#[test]
fn a_wait_of_whole_steps_ends_without_an_extra_sleep() {
    let world = World::new();
    let wire = Wire::new(&world, Duration::ZERO);
    let (a, b) = (wire.client("a"), world.client("b"));
    b.try_acquire(KEY, TTL).unwrap();

    expect_eq!(a.acquire(KEY, TTL, secs(9), secs(3)), Err(LockError::Timeout));
    expect_eq!(world.clock.sleeps(), [secs(3), secs(3), secs(3)]);
    expect_eq!(
        wire.times_of("set_if_absent"),
        [secs(0), secs(3), secs(6), secs(9)],
        "one attempt at each of 0, 3, 6 and 9 s"
    );
}

/// The last attempt, exactly at the deadline, can still win the lock.
/// Rules: acquire-last-attempt-at-deadline, acquire-returns-on-success.
#[test]
fn the_attempt_at_the_deadline_can_win() {
    let world = World::new();
    let (a, b) = (world.client("a"), world.client("b"));
    b.try_acquire(KEY, secs(10)).unwrap();

    let lease = a
        .acquire(KEY, TTL, secs(10), secs(3))
        .expect("the lock expires at 10 s, exactly the deadline: the last attempt should get it");
    expect_eq!(world.clock.sleeps(), [secs(3), secs(3), secs(3), secs(1)]);
    expect_eq!(lease.expires_at(), secs(10) + TTL);
}

/// With a zero wait, `acquire` makes a single attempt, never sleeps, and reports the failure as `Timeout`, not `Held`.
/// Rules: acquire-zero-wait, acquire-times-out.
#[test]
fn a_zero_wait_tries_exactly_once() {
    let world = World::new();
    let wire = Wire::new(&world, Duration::ZERO);
    let (a, b) = (wire.client("a"), world.client("b"));
    b.try_acquire(KEY, TTL).unwrap();

    expect_eq!(
        a.acquire(KEY, TTL, Duration::ZERO, secs(1)),
        Err(LockError::Timeout),
        "a failed acquire reports Timeout, even with a zero wait"
    );
    expect_eq!(wire.times_of("set_if_absent").len(), 1, "exactly one attempt");
    expect_eq!(world.clock.sleeps(), [], "no sleep at all");
}

/// `acquire` panics on a zero `retry_every` before its first attempt: even a free key is left untouched.
/// Rules: zero-retry-panics.
#[test]
fn zero_retry_every_panics_before_any_attempt() {
    let world = World::new();
    let wire = Wire::new(&world, Duration::ZERO);
    let a = wire.client("a");

    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        a.acquire(KEY, TTL, secs(5), Duration::ZERO)
    }));
    assert!(
        outcome.is_err(),
        "acquire with a zero retry_every should panic, but it returned {:?}",
        outcome.unwrap()
    );
    expect_eq!(
        wire.calls(),
        Vec::<&str>::new(),
        "the panic should come before the first attempt: no store call at all"
    );
    expect_eq!(world.holder(KEY), None, "the free key should still be free after the panic");
}

/// `acquire` panics on a zero `retry_every` even when `wait` is zero too.
/// Rules: zero-retry-panics.
#[test]
#[should_panic]
fn zero_retry_every_panics_even_with_a_zero_wait() {
    let world = World::new();
    let a = world.client("a");
    let _ = a.acquire(KEY, TTL, Duration::ZERO, Duration::ZERO);
}

/// Time spent inside the attempts counts against the wait: with attempts that take 1 s to reach the store, `acquire` sends them at 0, 4, 8 and 10 s and sleeps 3, 3 and 1 s.
/// Rules: acquire-clock-after-attempt, acquire-sleeps-in-steps, acquire-times-out.
#[test]
fn slow_attempts_count_against_the_wait() {
    let world = World::new();
    let (a_wire, b) = (Wire::slow(&world, "set_if_absent", secs(1)), world.client("b"));
    let a = a_wire.client("a");
    b.try_acquire(KEY, secs(60)).unwrap();

    expect_eq!(a.acquire(KEY, TTL, secs(10), secs(3)), Err(LockError::Timeout));
    expect_eq!(
        world.clock.sleeps(),
        [secs(3), secs(3), secs(1)],
        "the deadline is 10 s after the call started; each attempt takes 1 s, so after the attempts that reach the store at 1, 5 and 9 s, acquire should read the clock and sleep 3, 3 and then only 1 s"
    );
    expect_eq!(
        a_wire.times_of("set_if_absent"),
        [secs(1), secs(5), secs(9), secs(11)],
        "the attempts, sent at 0, 4, 8 and 10 s, should reach the store at these times"
    );
    expect_eq!(
        world.now(),
        secs(11),
        "after the attempt sent at the deadline, acquire should time out without sleeping again"
    );
}

/// An attempt whose store call itself runs past the deadline is the last one: `acquire` times out without sleeping.
/// Rules: acquire-clock-after-attempt, acquire-times-out.
#[test]
fn an_attempt_that_outlasts_the_wait_is_the_last() {
    let world = World::new();
    let (a_wire, b) = (Wire::slow(&world, "set_if_absent", secs(5)), world.client("b"));
    let a = a_wire.client("a");
    b.try_acquire(KEY, secs(60)).unwrap();

    expect_eq!(a.acquire(KEY, TTL, secs(2), secs(1)), Err(LockError::Timeout));
    expect_eq!(
        a_wire.times_of("set_if_absent"),
        [secs(5)],
        "the first attempt reached the store at 5 s, past the 2 s deadline: there should be no other"
    );
    expect_eq!(world.clock.sleeps(), [], "past the deadline, acquire should not sleep");
}
