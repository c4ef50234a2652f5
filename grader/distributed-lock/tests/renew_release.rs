//! Hidden tests for `renew` and `release`: only the owner's lease works, and a
//! lease that has run out fails with `Expired` or `Lost` and changes nothing.

mod common;

use expect::expect_eq;
use std::time::Duration;

use common::{KEY, TTL, Wire, World, secs};
use distributed_lock::LockError;

/// Renewing makes the holder's lock expire one ttl from now, so it survives past its first expiry.
/// Rules: renew-extends, renew-moves-deadline.
#[test]
fn renewal_extends_the_lock() {
    let world = World::new();
    let (a, b) = (world.client("a"), world.client("b"));
    let mut lease = a.try_acquire(KEY, TTL).unwrap();

    world.clock.advance(secs(20));
    a.renew(&mut lease, TTL)
        .expect("the holder should be able to renew its lock");
    expect_eq!(
        world.store.ttl_left(KEY),
        Some(TTL),
        "right after the renewal the key should have a whole ttl (30 s) left"
    );
    expect_eq!(
        lease.expires_at(),
        secs(50),
        "renewed at t = 20 s for 30 s, the lease should end at 50 s"
    );

    world.clock.advance(secs(20));
    expect_eq!(
        b.try_acquire(KEY, TTL),
        Err(LockError::Held),
        "at t = 40 s, past the first expiry, the renewed lock should still be held"
    );
}

/// Renewal keeps the lease's key, owner token and fencing token.
/// Rules: renew-keeps-tokens.
#[test]
fn renewal_keeps_the_tokens() {
    let world = World::new();
    let a = world.client("a");
    let mut lease = a.try_acquire(KEY, TTL).unwrap();
    let (owner, fence) = (lease.owner().to_string(), lease.fencing_token());

    world.clock.advance(secs(10));
    a.renew(&mut lease, secs(60)).unwrap();
    expect_eq!(lease.key(), KEY);
    expect_eq!(lease.owner(), owner, "renewal should keep the owner token");
    expect_eq!(
        lease.fencing_token(),
        fence,
        "renewal should keep the fencing token: it is the same holder"
    );
    expect_eq!(world.holder(KEY), Some(owner), "the store should still hold the owner token");
    expect_eq!(world.store.ttl_left(KEY), Some(secs(60)));
    expect_eq!(
        lease.expires_at(),
        secs(70),
        "renewed at t = 10 s for 60 s (the renewal's ttl, not the first one's), the lease should end at 70 s"
    );
}

/// A renewal with a ttl below a second keeps it exactly: 2.5 s stays 2.5 s.
/// Rules: renew-extends.
#[test]
fn a_renewal_keeps_its_ttl_to_the_millisecond() {
    let world = World::new();
    let a = world.client("a");
    let mut lease = a.try_acquire(KEY, TTL).unwrap();

    a.renew(&mut lease, Duration::from_millis(2500)).unwrap();
    expect_eq!(
        world.store.ttl_left(KEY),
        Some(Duration::from_millis(2500)),
        "the renewed key should expire 2.5 s from now (a ttl is not rounded to whole seconds)"
    );
}

/// A zero ttl makes no sense: `renew` panics on it, as the store does.
/// Rules: zero-ttl-panics.
#[test]
#[should_panic]
fn renewing_with_a_zero_ttl_panics() {
    let world = World::new();
    let a = world.client("a");
    let mut lease = a.try_acquire(KEY, TTL).unwrap();
    let _ = a.renew(&mut lease, Duration::ZERO);
}

/// Past the lease's own deadline, renewal still asks the store, and succeeds while the store (which started the ttl later) still holds the owner's lock.
/// Rules: store-decides-expiry, renew-extends, renew-moves-deadline.
#[test]
fn renewal_past_the_lease_deadline_asks_the_store() {
    let world = World::new();
    let wire = Wire::slow(&world, "set_if_absent", secs(2));
    let a = wire.client("a");
    let mut lease = a.try_acquire(KEY, TTL).unwrap();
    expect_eq!(lease.expires_at(), TTL, "the request left at 0 s");

    world.clock.advance(TTL + secs(1) - world.now());
    expect_eq!(
        a.renew(&mut lease, TTL),
        Ok(()),
        "at t = 31 s the lease's deadline (30 s) has passed, but the store, which got the request at 2 s, holds the lock until 32 s: the renewal should succeed"
    );
    expect_eq!(wire.calls().last(), Some(&"extend_if_equals"));
    expect_eq!(world.store.ttl_left(KEY), Some(TTL));
    expect_eq!(lease.expires_at(), secs(31) + TTL);
}

/// Past the lease's own deadline, release still asks the store, and deletes the owner's lock while the store still holds it.
/// Rules: store-decides-expiry, release-frees.
#[test]
fn release_past_the_lease_deadline_asks_the_store() {
    let world = World::new();
    let wire = Wire::slow(&world, "set_if_absent", secs(2));
    let (a, b) = (wire.client("a"), world.client("b"));
    let lease = a.try_acquire(KEY, TTL).unwrap();

    world.clock.advance(TTL + secs(1) - world.now());
    expect_eq!(
        a.release(lease),
        Ok(()),
        "at t = 31 s the store still holds the lock (until 32 s): the release should delete it"
    );
    expect_eq!(world.holder(KEY), None, "the released key should be gone from the store");
    assert!(b.try_acquire(KEY, TTL).is_ok(), "another client should get the key at once");
}

/// The renewed deadline is the clock time read before the renewal request plus the ttl.
/// Rules: renew-moves-deadline.
#[test]
fn renewed_deadline_counts_from_before_the_request() {
    let world = World::new();
    let wire = Wire::new(&world, secs(2));
    let a = wire.client("a");
    let mut lease = a.try_acquire(KEY, TTL).unwrap();

    world.clock.advance(secs(10));
    let before = world.now();
    a.renew(&mut lease, TTL).unwrap();
    expect_eq!(
        lease.expires_at(),
        before + TTL,
        "the renewal left at t = {before:?}, so the lease should end one ttl after that, not after the store got it"
    );
}

/// Renewing after the lock expired, with nobody holding the key, fails with `Expired`, takes nothing and leaves the lease as it was.
/// Rules: renew-expired-fails, failed-renew-leaves-lease.
#[test]
fn renewing_an_expired_lease_fails_with_expired() {
    let world = World::new();
    let a = world.client("a");
    let mut lease = a.try_acquire(KEY, TTL).unwrap();
    let before = format!("{lease:?}");

    world.clock.advance(TTL);
    expect_eq!(
        a.renew(&mut lease, TTL),
        Err(LockError::Expired),
        "the lock expired at 30 s and nobody took it"
    );
    expect_eq!(
        world.holder(KEY),
        None,
        "a failed renewal should not take the key again"
    );
    expect_eq!(format!("{lease:?}"), before, "a failed renewal should leave the lease unchanged");
}

/// Renewing after another client took the key fails with `Lost` and leaves that client's value and expiry alone.
/// Rules: renew-lost-fails, failed-renew-leaves-lease.
#[test]
fn renewing_a_lost_lease_fails_with_lost() {
    let world = World::new();
    let (a, b) = (world.client("a"), world.client("b"));
    let mut stale = a.try_acquire(KEY, TTL).unwrap();
    world.clock.advance(TTL);
    let current = b.try_acquire(KEY, TTL).unwrap();
    world.clock.advance(secs(5));

    expect_eq!(
        a.renew(&mut stale, TTL),
        Err(LockError::Lost),
        "another client holds the key now"
    );
    expect_eq!(world.holder(KEY).as_deref(), Some(current.owner()));
    expect_eq!(
        world.store.ttl_left(KEY),
        Some(secs(25)),
        "the new holder's expiry should not move"
    );
    expect_eq!(stale.expires_at(), TTL, "a failed renewal should leave the lease unchanged");
}

/// Releasing deletes the key, so another client can take it at once.
/// Rules: release-frees.
#[test]
fn release_frees_the_key() {
    let world = World::new();
    let (a, b) = (world.client("a"), world.client("b"));
    let lease = a.try_acquire(KEY, TTL).unwrap();

    expect_eq!(a.release(lease), Ok(()));
    expect_eq!(world.holder(KEY), None, "the released key should be gone from the store");
    assert!(
        b.try_acquire(KEY, TTL).is_ok(),
        "another client should get the key right after the release"
    );
}

/// Releasing a stale lease after another client took the key fails with `Lost`, and the new holder keeps its lock.
/// Rules: release-checks-owner.
#[test]
fn a_stale_release_leaves_the_new_holders_lock() {
    let world = World::new();
    let (a, b, c) = (world.client("a"), world.client("b"), world.client("c"));
    let stale = a.try_acquire(KEY, TTL).unwrap();
    world.clock.advance(secs(35));
    let current = b.try_acquire(KEY, TTL).unwrap();

    expect_eq!(a.release(stale), Err(LockError::Lost));
    expect_eq!(
        world.holder(KEY).as_deref(),
        Some(current.owner()),
        "the stale release should not delete the new holder's lock"
    );
    expect_eq!(world.store.ttl_left(KEY), Some(TTL));
    expect_eq!(
        c.try_acquire(KEY, TTL),
        Err(LockError::Held),
        "a third client should still be refused"
    );
    expect_eq!(b.release(current), Ok(()), "the new holder can still release its own lock");
}

/// Releasing after the lock expired, with nobody holding the key, fails with `Expired`.
/// Rules: release-expired-reports.
#[test]
fn release_after_expiry_reports_expired() {
    let world = World::new();
    let a = world.client("a");
    let lease = a.try_acquire(KEY, TTL).unwrap();
    world.clock.advance(secs(31));

    expect_eq!(
        a.release(lease),
        Err(LockError::Expired),
        "the lock expired at 30 s and nobody took it: the holder should learn its lease ran out"
    );
    expect_eq!(world.holder(KEY), None);
}

/// Dropping a lease releases nothing: the lock stays until its expiry, as when the holder crashes.
/// Rules: drop-does-not-release.
#[test]
fn dropping_a_lease_releases_nothing() {
    let world = World::new();
    let (a, b) = (world.client("a"), world.client("b"));
    let lease = a.try_acquire(KEY, TTL).unwrap();
    let owner = lease.owner().to_string();
    drop(lease);

    expect_eq!(world.holder(KEY), Some(owner), "the dropped lease's lock should still be there");
    expect_eq!(b.try_acquire(KEY, TTL), Err(LockError::Held));
    world.clock.advance(TTL);
    assert!(b.try_acquire(KEY, TTL).is_ok(), "the expiry frees it");
}
