//! Hidden tests for `acquire`, the retrying variant. Its sleeps go through
//! `ManualClock::sleep`, which moves the clock at once and records each sleep.

mod common;

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
    assert_eq!(world.clock.sleeps(), [], "nothing to wait for, so no sleep");
    assert_eq!(world.now(), Duration::ZERO);
    assert_eq!(world.holder(KEY).as_deref(), Some(lease.owner()));
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
    assert_eq!(
        world.clock.sleeps(),
        [secs(4), secs(4), secs(4)],
        "attempts at 0, 4 and 8 s fail, the one at 12 s succeeds: three sleeps of 4 s"
    );
    assert_eq!(world.now(), secs(12), "acquire should return right after the attempt that succeeded");
    assert_eq!(lease.expires_at(), secs(12) + TTL);
    assert_eq!(lease.fencing_token(), 2);
}

/// When the lock stays held, `acquire` tries at 0, 3, 6, 9 and 10 s (its last sleep cut short to the deadline), then times out.
/// Rules: acquire-sleeps-in-steps, acquire-last-attempt-at-deadline, acquire-times-out, time-from-clock.
#[test]
fn acquire_times_out_at_the_deadline() {
    let world = World::new();
    let wire = Wire::new(&world, Duration::ZERO);
    let (a, b) = (wire.client("a"), world.client("b"));
    b.try_acquire(KEY, TTL).unwrap();

    assert_eq!(a.acquire(KEY, TTL, secs(10), secs(3)), Err(LockError::Timeout));
    assert_eq!(
        world.clock.sleeps(),
        [secs(3), secs(3), secs(3), secs(1)],
        "after the attempt at 9 s only 1 s is left before the deadline, so the last sleep is 1 s"
    );
    assert_eq!(
        wire.times_of("set_if_absent"),
        [secs(0), secs(3), secs(6), secs(9), secs(10)],
        "the attempts (set_if_absent calls) should happen at these clock times"
    );
    assert_eq!(world.now(), secs(10), "acquire should give up exactly at the deadline");
}

/// When the wait is a whole number of steps, the attempt after the last full sleep is the last one: no zero-length sleep, no extra attempt.
/// Rules: acquire-sleeps-in-steps, acquire-times-out, acquire-last-attempt-at-deadline.
#[test]
fn a_wait_of_whole_steps_ends_without_an_extra_sleep() {
    let world = World::new();
    let wire = Wire::new(&world, Duration::ZERO);
    let (a, b) = (wire.client("a"), world.client("b"));
    b.try_acquire(KEY, TTL).unwrap();

    assert_eq!(a.acquire(KEY, TTL, secs(9), secs(3)), Err(LockError::Timeout));
    assert_eq!(world.clock.sleeps(), [secs(3), secs(3), secs(3)]);
    assert_eq!(
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
    assert_eq!(world.clock.sleeps(), [secs(3), secs(3), secs(3), secs(1)]);
    assert_eq!(lease.expires_at(), secs(10) + TTL);
}

/// With a zero wait, `acquire` makes a single attempt and never sleeps.
/// Rules: acquire-zero-wait, acquire-times-out.
#[test]
fn a_zero_wait_tries_exactly_once() {
    let world = World::new();
    let wire = Wire::new(&world, Duration::ZERO);
    let (a, b) = (wire.client("a"), world.client("b"));
    b.try_acquire(KEY, TTL).unwrap();

    assert_eq!(a.acquire(KEY, TTL, Duration::ZERO, secs(1)), Err(LockError::Timeout));
    assert_eq!(wire.times_of("set_if_absent").len(), 1, "exactly one attempt");
    assert_eq!(world.clock.sleeps(), [], "no sleep at all");
}

/// `acquire` panics on a zero `retry_every`, even for a free key.
/// Rules: zero-retry-panics.
#[test]
#[should_panic]
fn zero_retry_every_panics() {
    let world = World::new();
    let a = world.client("a");
    let _ = a.acquire(KEY, TTL, secs(5), Duration::ZERO);
}
