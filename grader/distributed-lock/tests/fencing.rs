//! Hidden tests for `FencedStorage`, and the README's scenario end to end:
//! a stalled holder whose lease ran out can neither write nor release.

mod common;

use expect::expect_eq;
use common::{KEY, TTL, World, secs};
use distributed_lock::{FencedStorage, LockError, StaleToken};

/// A key never written accepts any token; `read` and `highest_token` report what was written, `None` for other keys.
/// Rules: fence-first-write-any-token, fence-read-and-highest.
#[test]
fn a_new_key_accepts_any_token() {
    let storage = FencedStorage::new();
    expect_eq!(storage.read("summary"), None);
    expect_eq!(storage.highest_token("summary"), None);

    expect_eq!(storage.write("summary", "v1", 7), Ok(()));
    expect_eq!(storage.read("summary").as_deref(), Some("v1"));
    expect_eq!(storage.highest_token("summary"), Some(7));
    expect_eq!(storage.read("other"), None, "only the written key should have a value");
    expect_eq!(storage.highest_token("other"), None);

    expect_eq!(
        storage.write("fresh", "v0", 0),
        Ok(()),
        "a key never written should accept any token, 0 included"
    );
    expect_eq!(storage.highest_token("fresh"), Some(0));
}

/// A write with a token equal to or above the key's highest is stored and its token becomes the highest.
/// Rules: fence-accepts-equal-or-higher.
#[test]
fn equal_and_higher_tokens_are_accepted() {
    let storage = FencedStorage::default();
    storage.write("summary", "first", 3).unwrap();

    expect_eq!(
        storage.write("summary", "second", 3),
        Ok(()),
        "the same holder (same token) writing twice should be accepted"
    );
    expect_eq!(storage.read("summary").as_deref(), Some("second"));
    expect_eq!(storage.write("summary", "third", 5), Ok(()));
    expect_eq!(storage.read("summary").as_deref(), Some("third"));
    expect_eq!(storage.highest_token("summary"), Some(5));
}

/// A lower token is refused with `StaleToken { token, highest }`, and neither the value nor the highest token changes.
/// Rules: fence-rejects-lower, fence-refusal-changes-nothing.
#[test]
fn a_lower_token_is_refused_and_changes_nothing() {
    let storage = FencedStorage::new();
    storage.write("summary", "new", 5).unwrap();

    expect_eq!(
        storage.write("summary", "old", 4),
        Err(StaleToken {
            token: 4,
            highest: 5
        })
    );
    expect_eq!(storage.read("summary").as_deref(), Some("new"), "the refused value must not be stored");
    expect_eq!(storage.highest_token("summary"), Some(5), "a refusal must not lower the highest token");
    expect_eq!(
        storage.write("summary", "older", 4),
        Err(StaleToken {
            token: 4,
            highest: 5
        }),
        "token 4 should still be refused the second time"
    );
}

/// Each key keeps its own highest token: a high token on one key does not fence another.
/// Rules: fence-keys-independent.
#[test]
fn keys_are_fenced_independently() {
    let storage = FencedStorage::new();
    storage.write("invoices", "a", 9).unwrap();

    expect_eq!(
        storage.write("payroll", "b", 2),
        Ok(()),
        "token 9 on another key should not fence this one"
    );
    expect_eq!(
        storage.write("payroll", "c", 1),
        Err(StaleToken {
            token: 1,
            highest: 2
        }),
        "this key's highest token is 2, not the other key's 9"
    );
    expect_eq!(storage.highest_token("invoices"), Some(9));
    expect_eq!(storage.highest_token("payroll"), Some(2));
}

/// The README's scenario: a holder that stalled past its expiry has its write refused and its release fails with `Lost`, while the new holder's write and lock stand.
/// Rules: fence-rejects-lower, release-checks-owner, fencing-shared-by-clients, renew-extends.
#[test]
fn a_stalled_holder_can_neither_write_nor_release() {
    let world = World::new();
    let storage = FencedStorage::new();
    let (a, b) = (world.client("a"), world.client("b"));

    let stalled = a.try_acquire(KEY, TTL).unwrap();
    world.clock.advance(secs(40));
    let mut current = b.try_acquire(KEY, TTL).unwrap();
    expect_eq!((stalled.fencing_token(), current.fencing_token()), (1, 2));

    storage.write("summary", "B's numbers", current.fencing_token()).unwrap();
    expect_eq!(
        storage.write("summary", "A's stale numbers", stalled.fencing_token()),
        Err(StaleToken {
            token: 1,
            highest: 2
        }),
        "the stalled holder's write should be fenced off"
    );
    expect_eq!(storage.read("summary").as_deref(), Some("B's numbers"));

    expect_eq!(a.release(stalled), Err(LockError::Lost));
    world.clock.advance(secs(20));
    expect_eq!(b.renew(&mut current, TTL), Ok(()), "B still holds its lock and can renew it");
    expect_eq!(b.release(current), Ok(()));
}
