//! Hidden tests for the memo (`clear`, `clear_all`, `prime`) and for batch
//! errors. Batch functions that take time sleep on tokio's paused clock.

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
#[tokio::test(start_paused = true)]
async fn a_loaded_key_is_not_fetched_again() {
    let calls = Calls::default();
    let loader = names(&calls);
    assert_eq!(within(loader.load(1)).await, Ok(name(1)));
    assert_eq!(within(loader.load(404)).await, Ok(None));
    assert_eq!(calls.count(), 2);

    let clone = loader.clone();
    for _ in 0..3 {
        assert_eq!(within(loader.load(1)).await, Ok(name(1)));
        assert_eq!(within(clone.load(1)).await, Ok(name(1)));
        assert_eq!(within(clone.load(404)).await, Ok(None));
    }
    assert_eq!(
        within(loader.load_many(vec![404, 1])).await,
        Ok(vec![None, name(1)])
    );
    assert_eq!(calls.count(), 2, "memoised keys must not be fetched again");
}

/// A key requested again while its batch is still running waits for that batch instead of being fetched a second time.
#[tokio::test(start_paused = true)]
async fn a_key_in_flight_is_not_fetched_again() {
    let calls = Calls::default();
    let loader = slow_names(&calls);
    let first = tokio::spawn({
        let loader = loader.clone();
        async move { loader.load(1).await }
    });
    tokio::time::sleep(ms(50)).await; // the batch with key 1 is running

    assert_eq!(within(loader.load(1)).await, Ok(name(1)));
    assert_eq!(within(first).await.unwrap(), Ok(name(1)));
    assert_eq!(calls.sorted(), vec![vec![1]]);
}

/// Only keys not in the memo are sent: a batch mixing known and new keys fetches just the new ones.
#[tokio::test(start_paused = true)]
async fn only_unknown_keys_are_sent() {
    let calls = Calls::default();
    let loader = names(&calls);
    within(loader.load_many(vec![1, 2])).await.unwrap();
    let values = within(loader.load_many(vec![2, 3, 1, 4])).await;
    assert_eq!(values, Ok(vec![name(2), name(3), name(1), name(4)]));
    assert_eq!(calls.sorted(), vec![vec![1, 2], vec![3, 4]]);
}

/// `clear` forgets one key, so its next load fetches it again while other keys stay memoised.
#[tokio::test(start_paused = true)]
async fn clear_forgets_one_key() {
    let calls = Calls::default();
    let loader = names(&calls);
    within(loader.load_many(vec![1, 2])).await.unwrap();

    loader.clear(&1);
    let values = within(loader.load_many(vec![1, 2])).await;
    assert_eq!(values, Ok(vec![name(1), name(2)]));
    assert_eq!(calls.sorted(), vec![vec![1, 2], vec![1]]);

    loader.clear(&77); // a key never loaded: nothing happens
    within(loader.load(1)).await.unwrap();
    assert_eq!(calls.count(), 2);
}

/// `clear_all` forgets every key, so the next loads fetch them all again.
#[tokio::test(start_paused = true)]
async fn clear_all_forgets_every_key() {
    let calls = Calls::default();
    let loader = names(&calls);
    within(loader.load_many(vec![1, 2, 3])).await.unwrap();

    loader.clear_all();
    let values = within(loader.load_many(vec![3, 2, 1])).await;
    assert_eq!(values, Ok(vec![name(3), name(2), name(1)]));
    assert_eq!(calls.sorted(), vec![vec![1, 2, 3], vec![1, 2, 3]]);
}

/// `prime` puts a value in the memo so loading it needs no call, but does not overwrite a key already loaded.
#[tokio::test(start_paused = true)]
async fn prime_fills_the_memo_without_overwriting() {
    let calls = Calls::default();
    let loader = names(&calls);

    loader.prime(5, "primed".to_string());
    assert_eq!(within(loader.load(5)).await, Ok(Some("primed".to_string())));
    assert_eq!(calls.count(), 0, "a primed key needs no batch");

    within(loader.load(6)).await.unwrap();
    loader.prime(6, "ignored".to_string());
    assert_eq!(
        within(loader.load(6)).await,
        Ok(name(6)),
        "prime must not replace a loaded value"
    );

    loader.clear(&6);
    loader.prime(6, "replaced".to_string());
    assert_eq!(
        within(loader.load(6)).await,
        Ok(Some("replaced".to_string()))
    );
    assert_eq!(calls.count(), 1);
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// When the batch function fails, every caller of that batch gets the error: duplicates, clones and `load_many` alike.
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
    assert_eq!(a, error);
    assert_eq!(b, error);
    assert_eq!(c, error);
    assert_eq!(many, Err(DbError("connection reset".to_string())));
    assert_eq!(calls.count(), 1);
}

/// A failed key is not memoised: loading it again calls the batch function again, which can now succeed.
#[tokio::test(start_paused = true)]
async fn errors_are_not_memoised() {
    let calls = Calls::default();
    let loader = flaky_names(&calls, 1);
    assert_eq!(
        within(loader.load(1)).await,
        Err(DbError("connection reset".to_string()))
    );
    assert_eq!(within(loader.load(1)).await, Ok(name(1)));
    assert_eq!(within(loader.load(1)).await, Ok(name(1)));
    assert_eq!(calls.sorted(), vec![vec![1], vec![1]]);
}

/// An error fails only the callers of its own batch: keys sent in another call of a split batch still get their values.
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
    assert_eq!(
        batches.len(),
        2,
        "4 keys in calls of at most 2: {batches:?}"
    );
    for (id, result) in results {
        let batch = batches.iter().find(|batch| batch.contains(&id)).unwrap();
        if batch.contains(&3) {
            assert_eq!(
                result,
                Err(DbError("key 3 is cursed".to_string())),
                "key {id}"
            );
        } else {
            assert_eq!(result, Ok(name(id)), "key {id} was not in the failed call");
        }
    }
}
