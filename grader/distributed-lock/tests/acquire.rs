//! Hidden tests for `try_acquire`: owner tokens, refusal, expiry, the lease's
//! deadline and fencing tokens. Time moves only through a `ManualClock`.

mod common;

use expect::{expect_eq, expect_ne};
use std::time::Duration;

use common::{KEY, TTL, Wire, World, secs};
use distributed_lock::LockError;

/// A free key is locked: the lease names it, and the store holds the lease's owner token with the ttl as its expiry.
/// Rules: acquire-free-key.
#[test]
fn free_key_is_locked_with_the_owner_token_as_its_value() {
    let world = World::new();
    let a = world.client("a");

    let lease = a.try_acquire(KEY, TTL).expect("a free key should be acquired");
    expect_eq!(lease.key(), KEY, "the lease should name the key it locks");
    expect_eq!(
        lease.owner(),
        "a-1",
        "the owner token should be the first token the token source hands out"
    );
    expect_eq!(
        world.holder(KEY).as_deref(),
        Some("a-1"),
        "the store should hold exactly the owner token under the locked key"
    );
    expect_eq!(
        world.store.ttl_left(KEY),
        Some(TTL),
        "the key should expire one ttl (30 s) after it was locked"
    );
}

/// The store gets the ttl exactly, to the millisecond: 1.5 s stays 1.5 s, not 1 s.
/// Rules: acquire-free-key.
#[test]
fn a_ttl_is_kept_to_the_millisecond() {
    let world = World::new();
    let a = world.client("a");

    let lease = a.try_acquire(KEY, Duration::from_millis(1500)).unwrap();
    expect_eq!(
        world.store.ttl_left(KEY),
        Some(Duration::from_millis(1500)),
        "the key should expire 1.5 s after it was locked (a ttl is not rounded to whole seconds)"
    );
    expect_eq!(lease.expires_at(), Duration::from_millis(1500));
}

/// A zero ttl makes no sense: `try_acquire` panics on it, as the store does.
/// Rules: zero-ttl-panics.
#[test]
#[should_panic]
fn a_zero_ttl_panics() {
    let world = World::new();
    let a = world.client("a");
    let _ = a.try_acquire(KEY, Duration::ZERO);
}

/// A key another client holds is refused with `Held`, and the holder's value and expiry are left as they were.
/// Rules: held-is-refused.
#[test]
fn held_key_is_refused_and_left_alone() {
    let world = World::new();
    let (a, b) = (world.client("a"), world.client("b"));
    let lease = a.try_acquire(KEY, TTL).unwrap();
    world.clock.advance(secs(10));

    expect_eq!(
        b.try_acquire(KEY, TTL),
        Err(LockError::Held),
        "a second client should be refused while the first holds the lock"
    );
    expect_eq!(
        world.holder(KEY).as_deref(),
        Some(lease.owner()),
        "the refused attempt should not overwrite the holder's owner token"
    );
    expect_eq!(
        world.store.ttl_left(KEY),
        Some(secs(20)),
        "the refused attempt should not change the holder's expiry (20 s left at t = 10 s)"
    );
}

/// The lock is not re-entrant: the client that holds a key is refused it a second time.
/// Rules: not-reentrant, held-is-refused.
#[test]
fn the_holder_itself_is_refused_a_second_lease() {
    let world = World::new();
    let a = world.client("a");
    let first = a.try_acquire(KEY, TTL).unwrap();

    expect_eq!(
        a.try_acquire(KEY, TTL),
        Err(LockError::Held),
        "a client that already holds the key should get Held, not a second lease"
    );
    expect_eq!(
        world.holder(KEY).as_deref(),
        Some(first.owner()),
        "the first lease's owner token should still be the key's value"
    );
}

/// A lock whose expiry is reached can be taken by another client, but not a moment before.
/// Rules: expired-lock-can-be-taken, held-is-refused.
#[test]
fn an_expired_lock_can_be_taken() {
    let world = World::new();
    let (a, b) = (world.client("a"), world.client("b"));
    a.try_acquire(KEY, TTL).unwrap();

    world.clock.advance(TTL - Duration::from_millis(1));
    expect_eq!(
        b.try_acquire(KEY, TTL),
        Err(LockError::Held),
        "one millisecond before its expiry the lock is still held"
    );

    world.clock.advance(Duration::from_millis(1));
    let lease = b
        .try_acquire(KEY, TTL)
        .expect("at its expiry the lock is free, as if its holder had crashed");
    expect_eq!(world.holder(KEY).as_deref(), Some(lease.owner()));
}

/// Every acquisition draws a new owner token, so a client's own expired lease cannot release its newer one.
/// Rules: new-token-per-acquisition, release-checks-owner.
#[test]
fn every_acquisition_draws_a_new_owner_token() {
    let world = World::new();
    let a = world.client("a");
    let old = a.try_acquire(KEY, TTL).unwrap();
    world.clock.advance(TTL);
    let new = a.try_acquire(KEY, TTL).unwrap();

    expect_ne!(
        old.owner(),
        new.owner(),
        "two acquisitions should never share an owner token"
    );
    assert!(
        new.owner().starts_with("a-"),
        "owner tokens should come from the client's token source, got {:?}",
        new.owner()
    );
    expect_eq!(
        a.release(old),
        Err(LockError::Lost),
        "the expired lease should not be able to release the client's newer lock"
    );
    expect_eq!(
        world.holder(KEY).as_deref(),
        Some(new.owner()),
        "the newer lease should still hold the key"
    );
}

/// The lease's deadline is the clock time read before the request plus the ttl, even when the request took 2 s to reach the store.
/// Rules: deadline-from-before-request.
#[test]
fn lease_deadline_counts_from_before_the_request() {
    let world = World::new();
    world.clock.advance(secs(5));
    let wire = Wire::new(&world, secs(2));
    let a = wire.client("a");

    let lease = a.try_acquire(KEY, TTL).unwrap();
    expect_eq!(
        lease.expires_at(),
        secs(5) + TTL,
        "the request left at t = 5 s, so the lease should end at 35 s (the store, which got it at 7 s, ends it at 37 s)"
    );
}

/// Fencing tokens of a key go 1, 2, 3 with each acquisition, and another key has its own sequence starting at 1.
/// Rules: fencing-sequence-per-key.
#[test]
fn fencing_tokens_count_up_per_key() {
    let world = World::new();
    let a = world.client("a");

    let mut tokens = Vec::new();
    for _ in 0..3 {
        let lease = a.try_acquire(KEY, TTL).unwrap();
        tokens.push(lease.fencing_token());
        a.release(lease).unwrap();
    }
    expect_eq!(tokens, [1, 2, 3], "fencing tokens of one key, in order");

    let other = a.try_acquire("nightly-export", TTL).unwrap();
    expect_eq!(
        other.fencing_token(),
        1,
        "a different key should start its own sequence at 1"
    );
    let again = a.try_acquire(KEY, TTL).unwrap();
    expect_eq!(
        again.fencing_token(),
        4,
        "the first key's sequence should continue where it was"
    );
}

/// Clients sharing a store share each key's fencing sequence, a client started later included.
/// Rules: fencing-shared-by-clients, fencing-sequence-per-key.
#[test]
fn clients_sharing_a_store_share_the_fencing_sequence() {
    let world = World::new();
    let (a, b) = (world.client("a"), world.client("b"));

    let first = a.try_acquire(KEY, TTL).unwrap();
    world.clock.advance(TTL);
    let second = b.try_acquire(KEY, TTL).unwrap();
    world.clock.advance(TTL);
    let restarted = world.client("c");
    let third = restarted.try_acquire(KEY, TTL).unwrap();

    expect_eq!(
        [
            first.fencing_token(),
            second.fencing_token(),
            third.fencing_token()
        ],
        [1, 2, 3],
        "three acquisitions by three clients of one store should get 1, 2 and 3"
    );
}

/// A failed attempt uses no fencing number: no `incr` happens until `set_if_absent` has succeeded.
/// Rules: fencing-no-number-for-failures.
#[test]
fn failed_attempts_use_no_fencing_number() {
    let world = World::new();
    let wire = Wire::new(&world, Duration::ZERO);
    let (a, b) = (world.client("a"), wire.client("b"));
    let lease = a.try_acquire(KEY, TTL).unwrap();

    for _ in 0..3 {
        expect_eq!(b.try_acquire(KEY, TTL), Err(LockError::Held));
    }
    assert!(
        !wire.calls().contains(&"incr"),
        "a refused attempt should not increment the fencing counter, but the calls were {:?}",
        wire.calls()
    );

    a.release(lease).unwrap();
    let next = b.try_acquire(KEY, TTL).unwrap();
    expect_eq!(
        next.fencing_token(),
        2,
        "after three refused attempts the next acquisition should still get token 2"
    );
}
