//! Hidden tests for batching: coalescing concurrent loads, deduplication,
//! matching results by key, `load_many`, `max_batch_size`, and when a batch
//! closes. Batch functions that take time sleep on tokio's paused clock, which
//! jumps ahead instantly once every task is waiting.

use expect::expect_eq;
use std::collections::BTreeSet;
use std::future::Future;
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

    fn all(&self) -> Vec<Vec<u64>> {
        self.0.lock().unwrap().clone()
    }

    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    /// Every call's keys, each call's keys sorted.
    fn sorted(&self) -> Vec<Vec<u64>> {
        self.all()
            .into_iter()
            .map(|mut keys| {
                keys.sort_unstable();
                keys
            })
            .collect()
    }
}

fn name(id: u64) -> Option<String> {
    Some(format!("name-{id}"))
}

/// Users 1 to 99 exist; the rows come back in the reverse order of the keys,
/// as a database is free to do, and ids of 100 or more are simply missing.
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

fn names_max(calls: &Calls, max_batch_size: usize) -> DataLoader<u64, String, DbError> {
    let calls = calls.clone();
    DataLoader::with_max_batch_size(max_batch_size, move |keys: Vec<u64>| {
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

/// Loads awaited together with `tokio::join!` reach the batch function in a single call.
/// Rules: joined-loads-share-a-call.
#[tokio::test(start_paused = true)]
async fn joined_loads_make_one_batch_call() {
    let calls = Calls::default();
    let loader = names(&calls);
    let (a, b, c) =
        within(async { tokio::join!(loader.load(1), loader.load(2), loader.load(3)) }).await;
    expect_eq!((a, b, c), (Ok(name(1)), Ok(name(2)), Ok(name(3))));
    expect_eq!(
        calls.sorted(),
        vec![vec![1, 2, 3]],
        "three concurrent loads, one call"
    );
}

/// Loads from twenty tasks spawned together reach the batch function in a single call.
/// Rules: spawned-loads-share-a-call, load-futures-are-send.
#[tokio::test(start_paused = true)]
async fn loads_from_spawned_tasks_make_one_batch_call() {
    let calls = Calls::default();
    let loader = names(&calls);
    let mut tasks = JoinSet::new();
    for id in 1..=20 {
        let loader = loader.clone();
        tasks.spawn(async move { (id, loader.load(id).await) });
    }
    for (id, value) in within(tasks.join_all()).await {
        expect_eq!(value, Ok(name(id)));
    }
    expect_eq!(calls.sorted(), vec![(1..=20).collect::<Vec<_>>()]);
}

/// Each caller gets the value of its own key even though the batch function returns its rows in a different order.
/// Rules: match-by-key.
#[tokio::test(start_paused = true)]
async fn values_are_matched_by_key_not_position() {
    let calls = Calls::default();
    let loader = names(&calls);
    let (a, b, c, d) = within(async {
        tokio::join!(
            loader.load(4),
            loader.load(8),
            loader.load(15),
            loader.load(16)
        )
    })
    .await;
    expect_eq!(a, Ok(name(4)));
    expect_eq!(b, Ok(name(8)));
    expect_eq!(c, Ok(name(15)));
    expect_eq!(d, Ok(name(16)));
}

/// A key the batch function leaves out loads as `None`, without shifting the values of the other keys.
/// Rules: missing-key-is-none, match-by-key.
#[tokio::test(start_paused = true)]
async fn missing_keys_load_as_none() {
    let calls = Calls::default();
    let loader = names(&calls);
    let (a, b, c, d) = within(async {
        tokio::join!(
            loader.load(1),
            loader.load(500),
            loader.load(2),
            loader.load(600)
        )
    })
    .await;
    expect_eq!(a, Ok(name(1)));
    expect_eq!(b, Ok(None), "key 500 does not exist");
    expect_eq!(c, Ok(name(2)));
    expect_eq!(d, Ok(None), "key 600 does not exist");
    expect_eq!(calls.count(), 1);
}

/// A key requested several times at once is sent to the batch function once, and every one of its callers gets the value.
/// Rules: duplicates-sent-once.
#[tokio::test(start_paused = true)]
async fn duplicate_keys_are_fetched_once() {
    let calls = Calls::default();
    let loader = names(&calls);
    let (a, b, c, d, e) = within(async {
        tokio::join!(
            loader.load(7),
            loader.load(7),
            loader.load(8),
            loader.load(7),
            loader.load(8)
        )
    })
    .await;
    expect_eq!((a, b, d), (Ok(name(7)), Ok(name(7)), Ok(name(7))));
    expect_eq!((c, e), (Ok(name(8)), Ok(name(8))));
    expect_eq!(
        calls.sorted(),
        vec![vec![7, 8]],
        "each key must be sent once"
    );
}

/// `load_many` makes one call and returns the values in the order of its keys, duplicates and missing keys included.
/// Rules: load-many-order, load-many-one-batch, load-many-empty-no-call, duplicates-sent-once.
#[tokio::test(start_paused = true)]
async fn load_many_keeps_the_order_of_its_keys() {
    let calls = Calls::default();
    let loader = names(&calls);
    let values = within(loader.load_many(vec![5, 3, 999, 3, 1])).await;
    expect_eq!(values, Ok(vec![name(5), name(3), None, name(3), name(1)]));
    expect_eq!(calls.sorted(), vec![vec![1, 3, 5, 999]]);

    expect_eq!(within(loader.load_many(Vec::new())).await, Ok(Vec::new()));
    expect_eq!(
        calls.count(),
        1,
        "loading no keys must not call the batch function"
    );
}

/// Keys from `load_many` and from single loads issued at the same time share one batch.
/// Rules: joined-loads-share-a-call, load-many-one-batch.
#[tokio::test(start_paused = true)]
async fn load_many_joins_the_same_batch_as_single_loads() {
    let calls = Calls::default();
    let loader = names(&calls);
    let (many, one) =
        within(async { tokio::join!(loader.load_many(vec![2, 4]), loader.load(6)) }).await;
    expect_eq!(many, Ok(vec![name(2), name(4)]));
    expect_eq!(one, Ok(name(6)));
    expect_eq!(calls.sorted(), vec![vec![2, 4, 6]]);
}

/// With `max_batch_size` 3, seven concurrent keys are fetched in three calls of at most three distinct keys each.
/// Rules: max-batch-size-cap, max-batch-fewest-calls, no-empty-call, split-fetches-each-key-once, load-futures-are-send.
#[tokio::test(start_paused = true)]
async fn max_batch_size_splits_a_large_batch() {
    let calls = Calls::default();
    let loader = names_max(&calls, 3);
    let mut tasks = JoinSet::new();
    for id in 1..=7 {
        let loader = loader.clone();
        tasks.spawn(async move { (id, loader.load(id).await) });
    }
    for (id, value) in within(tasks.join_all()).await {
        expect_eq!(value, Ok(name(id)));
    }

    let batches = calls.sorted();
    expect_eq!(
        batches.len(),
        3,
        "7 keys need 3 calls of at most 3: {batches:?}"
    );
    for batch in &batches {
        assert!(
            batch.len() <= 3,
            "a call got {} keys: {batches:?}",
            batch.len()
        );
        assert!(!batch.is_empty(), "a call got no keys: {batches:?}");
    }
    let all: Vec<u64> = batches.concat();
    let distinct: BTreeSet<u64> = all.iter().copied().collect();
    expect_eq!(all.len(), 7, "no key may be fetched twice: {batches:?}");
    expect_eq!(distinct, (1..=7).collect());
}

/// A batch that exactly fills `max_batch_size` is sent in full calls, with no extra or empty call.
/// Rules: max-batch-fewest-calls, max-batch-size-cap, no-empty-call.
#[tokio::test(start_paused = true)]
async fn max_batch_size_exact_multiple_needs_no_extra_call() {
    let calls = Calls::default();
    let loader = names_max(&calls, 3);
    let values = within(loader.load_many(vec![1, 2, 3, 4, 5, 6])).await;
    expect_eq!(values, Ok((1..=6).map(name).collect()));
    let batches = calls.sorted();
    expect_eq!(batches.len(), 2, "6 keys fit in 2 calls of 3: {batches:?}");
    assert!(batches.iter().all(|batch| batch.len() == 3), "{batches:?}");

    let calls = Calls::default();
    let loader = names_max(&calls, 10);
    let values = within(loader.load_many(vec![1, 2, 3])).await;
    expect_eq!(values, Ok(vec![name(1), name(2), name(3)]));
    expect_eq!(calls.sorted(), vec![vec![1, 2, 3]]);
}

/// A load issued after the previous batch has been answered starts a new batch.
/// Rules: next-load-starts-new-batch.
#[tokio::test(start_paused = true)]
async fn a_batch_closes_once_it_is_sent() {
    let calls = Calls::default();
    let loader = names(&calls);
    expect_eq!(within(loader.load(1)).await, Ok(name(1)));
    expect_eq!(within(loader.load(2)).await, Ok(name(2)));
    expect_eq!(calls.all(), vec![vec![1], vec![2]]);
}

/// A key requested while a batch is already running goes into a new batch and is still answered.
/// Rules: key-during-running-batch-goes-next.
#[tokio::test(start_paused = true)]
async fn a_key_requested_during_a_running_batch_is_loaded_next() {
    let calls = Calls::default();
    let loader = slow_names(&calls);
    let first = tokio::spawn({
        let loader = loader.clone();
        async move { loader.load(1).await }
    });
    tokio::time::sleep(ms(50)).await; // the batch with key 1 is now running

    expect_eq!(within(loader.load(2)).await, Ok(name(2)));
    expect_eq!(within(first).await.unwrap(), Ok(name(1)));
    expect_eq!(calls.all(), vec![vec![1], vec![2]]);
}

/// A caller that gives up (its task is aborted) does not stop the other callers of its batch from getting their values.
/// Rules: abandoned-caller-does-not-strand-others.
#[tokio::test(start_paused = true)]
async fn an_abandoned_caller_does_not_strand_the_others() {
    let calls = Calls::default();
    let loader = slow_names(&calls);
    let abandoned = tokio::spawn({
        let loader = loader.clone();
        async move { loader.load(1).await }
    });
    let kept = tokio::spawn({
        let loader = loader.clone();
        async move { loader.load(2).await }
    });
    tokio::time::sleep(ms(1)).await; // both keys are queued or already being fetched
    abandoned.abort();

    expect_eq!(within(kept).await.unwrap(), Ok(name(2)));
    expect_eq!(calls.count(), 1);
}

/// A maximum batch size of zero makes no sense: `with_max_batch_size` refuses it with a panic.
/// Rules: zero-max-batch-size-panics.
#[tokio::test]
async fn zero_max_batch_size_panics() {
    let calls = Calls::default();
    let valid =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(names_max(&calls, 1))));
    assert!(
        valid.is_ok(),
        "a maximum batch size of 1 must be accepted without a panic"
    );
    let zero =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(names_max(&calls, 0))));
    assert!(
        zero.is_err(),
        "a maximum batch size of 0 must make the constructor panic"
    );
}
