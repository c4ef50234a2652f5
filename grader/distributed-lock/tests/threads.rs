//! Hidden test that `FencedStorage` can be shared between threads, as the
//! storage written by several lock holders at once must be.

use expect::expect_eq;
use std::sync::Arc;
use std::thread;

use distributed_lock::{FencedStorage, StaleToken};

/// One `FencedStorage` shared through an `Arc` takes writes from several threads, and keeps the highest token any of them wrote.
/// Rules: fence-shared-between-threads.
#[test]
fn the_storage_is_shared_between_threads() {
    let storage = Arc::new(FencedStorage::new());
    let writers: Vec<_> = (1..=4u64)
        .map(|token| {
            let storage = Arc::clone(&storage);
            thread::spawn(move || {
                // Each writer may be refused if a higher token got there first.
                let _ = storage.write("summary", &format!("from {token}"), token);
            })
        })
        .collect();
    for writer in writers {
        writer.join().expect("a writer thread panicked");
    }

    expect_eq!(
        storage.highest_token("summary"),
        Some(4),
        "whatever the order of the writes, the highest token accepted is 4"
    );
    expect_eq!(storage.read("summary").as_deref(), Some("from 4"));
    expect_eq!(
        storage.write("summary", "late", 3),
        Err(StaleToken {
            token: 3,
            highest: 4
        })
    );
}
