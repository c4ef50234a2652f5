//! Hidden tests for the memo (`clear`, `clear_all`, `prime`) and for batch
//! errors. Batch functions that take time sleep on tokio's paused clock.

use expect::expect_eq;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dataloader::DataLoader;
use tokio::task::JoinSet;

#[derive(Debug, Clone, PartialEq)]
struct DbError(String);

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// Awaits `future`, failing the test if it never completes (on the paused
/// clock this costs no real time).
async fn within<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), future)
        .await
        .expect("a load was never answered")
}

/// The keys of every call of the batch function, in call order.
#[derive(Clone, Default)]
struct Calls(Arc<Mutex<Vec<Vec<u64>>>>);

impl Calls {
    fn record(&self, keys: &[u64]) {
        self.0.lock().unwrap().push(keys.to_vec());
    }

    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    /// Every call's keys, each call's keys sorted.
    fn sorted(&self) -> Vec<Vec<u64>> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|keys| {
                let mut keys = keys.clone();
                keys.sort_unstable();
                keys
            })
            .collect()
    }
}

fn name(id: u64) -> Option<String> {
    Some(format!("name-{id}"))
}

/// Users 1 to 99 exist; rows come back in reverse key order.
fn rows_for(keys: &[u64]) -> Vec<(u64, String)> {
    keys.iter()
        .rev()
        .filter(|&&id| (1..100).contains(&id))
        .map(|&id| (id, format!("name-{id}")))
        .collect()
}

fn names(calls: &Calls) -> DataLoader<u64, String, DbError> {
    let calls = calls.clone();
    DataLoader::new(move |keys: Vec<u64>| {
        calls.record(&keys);
        async move { Ok(rows_for(&keys)) }
    })
}

/// A loader whose batch function takes 100 ms.
fn slow_names(calls: &Calls) -> DataLoader<u64, String, DbError> {
    let calls = calls.clone();
    DataLoader::new(move |keys: Vec<u64>| {
        calls.record(&keys);
        async move {
            tokio::time::sleep(ms(100)).await;
            Ok(rows_for(&keys))
        }
    })
}

/// A loader whose batch function fails its first `failures` calls, then works.
fn flaky_names(calls: &Calls, failures: usize) -> DataLoader<u64, String, DbError> {
    let calls = calls.clone();
    let attempts = Arc::new(AtomicUsize::new(0));
    DataLoader::new(move |keys: Vec<u64>| {
        calls.record(&keys);
        let attempt = attempts.fetch_add(1, Ordering::SeqCst);
        async move {
            if attempt < failures {
                Err(DbError("connection reset".to_string()))
            } else {
                Ok(rows_for(&keys))
            }
        }
    })
}

// ---------------------------------------------------------------------------
// Memo
// ---------------------------------------------------------------------------

/// A key loaded once, found or not, is answered from the memo afterwards, by the loader and by its clones.
/// Rules: memo-answers-repeats, none-is-memoised, clones-share-memo.
#[tokio::test(start_paused = true)]
async fn a_loaded_key_is_not_fetched_again() {
    let calls = Calls::default();
    let loader = names(&calls);
    expect_eq!(within(loader.load(1)).await, Ok(name(1)));
    expect_eq!(within(loader.load(404)).await, Ok(None));
    expect_eq!(calls.count(), 2);

    let clone = loader.clone();
    for _ in 0..3 {
        expect_eq!(within(loader.load(1)).await, Ok(name(1)));
        expect_eq!(within(clone.load(1)).await, Ok(name(1)));
        expect_eq!(within(clone.load(404)).await, Ok(None));
    }
    expect_eq!(
        within(loader.load_many(vec![404, 1])).await,
        Ok(vec![None, name(1)])
    );
    expect_eq!(calls.count(), 2, "memoised keys must not be fetched again");
}

/// A key requested again while its batch is still running waits for that batch instead of being fetched a second time.
/// Rules: in-flight-key-joins.
#[tokio::test(start_paused = true)]
async fn a_key_in_flight_is_not_fetched_again() {
    let calls = Calls::default();
    let loader = slow_names(&calls);
    let first = tokio::spawn({
        let loader = loader.clone();
        async move { loader.load(1).await }
    });
    tokio::time::sleep(ms(50)).await; // the batch with key 1 is running

    expect_eq!(within(loader.load(1)).await, Ok(name(1)));
    expect_eq!(within(first).await.unwrap(), Ok(name(1)));
    expect_eq!(calls.sorted(), vec![vec![1]]);
}

/// A memoised key is answered at once, without waiting for a batch of other keys that is still running.
/// Rules: memo-hit-does-not-wait.
#[tokio::test(start_paused = true)]
async fn a_memoised_key_does_not_wait_for_a_running_batch() {
    let calls = Calls::default();
    let loader = slow_names(&calls);
    expect_eq!(within(loader.load(1)).await, Ok(name(1)));

    let running = tokio::spawn({
        let loader = loader.clone();
        async move { loader.load(2).await }
    });
    tokio::time::sleep(ms(50)).await; // the batch with key 2 is running, 50 ms to go

    let asked = tokio::time::Instant::now();
    expect_eq!(within(loader.load(1)).await, Ok(name(1)));
    assert!(
        asked.elapsed() < ms(50),
        "a memoised key must not wait for the running batch (it took {:?})",
        asked.elapsed()
    );
    expect_eq!(within(running).await.unwrap(), Ok(name(2)));
    expect_eq!(calls.sorted(), vec![vec![1], vec![2]]);
}

/// Only keys not in the memo are sent: a batch mixing known and new keys fetches just the new ones.
/// Rules: only-unknown-keys-sent.
#[tokio::test(start_paused = true)]
async fn only_unknown_keys_are_sent() {
    let calls = Calls::default();
    let loader = names(&calls);
    within(loader.load_many(vec![1, 2])).await.unwrap();
    let values = within(loader.load_many(vec![2, 3, 1, 4])).await;
    expect_eq!(values, Ok(vec![name(2), name(3), name(1), name(4)]));
    expect_eq!(calls.sorted(), vec![vec![1, 2], vec![3, 4]]);
}

/// `clear` forgets one key, so its next load fetches it again while other keys stay memoised.
/// Rules: clear-forgets-one-key.
#[tokio::test(start_paused = true)]
async fn clear_forgets_one_key() {
    let calls = Calls::default();
    let loader = names(&calls);
    within(loader.load_many(vec![1, 2])).await.unwrap();

    loader.clear(&1);
    let values = within(loader.load_many(vec![1, 2])).await;
    expect_eq!(values, Ok(vec![name(1), name(2)]));
    expect_eq!(calls.sorted(), vec![vec![1, 2], vec![1]]);

    loader.clear(&77); // a key never loaded: nothing happens
    within(loader.load(1)).await.unwrap();
    expect_eq!(calls.count(), 2);
}

/// `clear_all` forgets every key, so the next loads fetch them all again.
/// Rules: clear-all-forgets-every-key.
#[tokio::test(start_paused = true)]
async fn clear_all_forgets_every_key() {
    let calls = Calls::default();
    let loader = names(&calls);
    within(loader.load_many(vec![1, 2, 3])).await.unwrap();

    loader.clear_all();
    let values = within(loader.load_many(vec![3, 2, 1])).await;
    expect_eq!(values, Ok(vec![name(3), name(2), name(1)]));
    expect_eq!(calls.sorted(), vec![vec![1, 2, 3], vec![1, 2, 3]]);
}

/// `prime` puts a value in the memo so loading it needs no call, but does not overwrite a key already loaded.
/// Rules: prime-fills-memo, prime-ignores-known-key, clear-forgets-one-key.
#[tokio::test(start_paused = true)]
async fn prime_fills_the_memo_without_overwriting() {
    let calls = Calls::default();
    let loader = names(&calls);

    loader.prime(5, "primed".to_string());
    expect_eq!(within(loader.load(5)).await, Ok(Some("primed".to_string())));
    expect_eq!(calls.count(), 0, "a primed key needs no batch");

    within(loader.load(6)).await.unwrap();
    loader.prime(6, "ignored".to_string());
    expect_eq!(
        within(loader.load(6)).await,
        Ok(name(6)),
        "prime must not replace a loaded value"
    );

    loader.clear(&6);
    loader.prime(6, "replaced".to_string());
    expect_eq!(
        within(loader.load(6)).await,
        Ok(Some("replaced".to_string()))
    );
    expect_eq!(calls.count(), 1);
}

/// `prime` leaves a key that is being loaded alone: loads made meanwhile, and after, get the batch's value.
/// Rules: prime-ignores-known-key.
#[tokio::test(start_paused = true)]
async fn prime_leaves_a_key_being_loaded_alone() {
    let calls = Calls::default();
    let loader = slow_names(&calls);
    let first = tokio::spawn({
        let loader = loader.clone();
        async move { loader.load(6).await }
    });
    tokio::time::sleep(ms(50)).await; // the batch with key 6 is running

    loader.prime(6, "primed".to_string());
    expect_eq!(
        within(loader.load(6)).await,
        Ok(name(6)),
        "key 6 is being loaded, so prime must do nothing"
    );
    expect_eq!(within(first).await.unwrap(), Ok(name(6)));
    expect_eq!(
        within(loader.load(6)).await,
        Ok(name(6)),
        "the batch's value is memoised, not the primed one"
    );
    expect_eq!(calls.sorted(), vec![vec![6]]);
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// When the batch function fails, every caller of that batch gets the error: duplicates, clones and `load_many` alike.
/// Rules: error-reaches-every-caller, load-many-fails-with-its-keys.
#[tokio::test(start_paused = true)]
async fn a_batch_error_reaches_every_caller() {
    let calls = Calls::default();
    let loader = flaky_names(&calls, 1);
    let clone = loader.clone();
    let error = Err(DbError("connection reset".to_string()));

    let (a, b, c, many) = within(async {
        tokio::join!(
            loader.load(1),
            loader.load(2),
            clone.load(1),
            loader.load_many(vec![3, 1])
        )
    })
    .await;
    expect_eq!(a, error);
    expect_eq!(b, error);
    expect_eq!(c, error);
    expect_eq!(many, Err(DbError("connection reset".to_string())));
    expect_eq!(calls.count(), 1);
}

/// A failed key is not memoised: loading it again calls the batch function again, which can now succeed.
/// Rules: errors-not-memoised.
#[tokio::test(start_paused = true)]
async fn errors_are_not_memoised() {
    let calls = Calls::default();
    let loader = flaky_names(&calls, 1);
    expect_eq!(
        within(loader.load(1)).await,
        Err(DbError("connection reset".to_string()))
    );
    expect_eq!(within(loader.load(1)).await, Ok(name(1)));
    expect_eq!(within(loader.load(1)).await, Ok(name(1)));
    expect_eq!(calls.sorted(), vec![vec![1], vec![1]]);
}

/// An error fails only the callers of its own batch: keys sent in another call of a split batch still get their values.
/// Rules: error-only-its-call, max-batch-size-cap.
#[tokio::test(start_paused = true)]
async fn an_error_fails_only_its_own_batch() {
    let calls = Calls::default();
    let recorder = calls.clone();
    let loader = DataLoader::with_max_batch_size(2, move |keys: Vec<u64>| {
        recorder.record(&keys);
        async move {
            if keys.contains(&3) {
                Err(DbError("key 3 is cursed".to_string()))
            } else {
                Ok(rows_for(&keys))
            }
        }
    });

    let mut tasks = JoinSet::new();
    for id in 1..=4 {
        let loader = loader.clone();
        tasks.spawn(async move { (id, loader.load(id).await) });
    }
    let results = within(tasks.join_all()).await;
    let batches = calls.sorted();
    expect_eq!(
        batches.len(),
        2,
        "4 keys in calls of at most 2: {batches:?}"
    );
    for (id, result) in results {
        let batch = batches.iter().find(|batch| batch.contains(&id)).unwrap();
        if batch.contains(&3) {
            expect_eq!(
                result,
                Err(DbError("key 3 is cursed".to_string())),
                "key {id}"
            );
        } else {
            expect_eq!(result, Ok(name(id)), "key {id} was not in the failed call");
        }
    }
}
