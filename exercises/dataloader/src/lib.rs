//! A DataLoader: coalesces the single-key loads that many independent pieces
//! of code (GraphQL resolvers, typically) issue at about the same time into
//! one call of a batch function, and memoises the answers.
//!
//! # When a batch closes
//!
//! The first key of a new batch spawns a *dispatch task*. That task calls
//! [`tokio::task::yield_now`] once and then takes every key queued so far.
//! On tokio's current-thread runtime, a batch therefore holds every key
//! requested by the code that runs before the dispatch task gets its turn:
//! the rest of the current task up to its next `.await` that has to wait, and
//! every other task that was already ready to run. Keys requested after that
//! go into the next batch.
//!
//! Everything that says `todo!()` is yours: see README.md for the steps. You
//! may add private fields, types and helper functions freely, but keep every
//! public signature as it is, because the grader's tests are compiled against
//! them.

use std::future::Future;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

/// Batches and memoises loads of `V` by key `K` through a batch function that
/// may fail with `E`.
///
/// Cloning a loader is cheap, and clones share their batches and memo. Create
/// one loader per request: its memo never expires and knows nothing about
/// who is asking.
pub struct DataLoader<K, V, E> {
    // Clones must share one memo and one queue of pending keys, and the
    // dispatch task needs them too, so all the state lives behind this `Arc`.
    inner: Arc<Inner<K, V, E>>,
}

impl<K, V, E> Clone for DataLoader<K, V, E> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

struct Inner<K, V, E> {
    // TODO: replace with the state you need: the (boxed) batch function, the
    // maximum batch size, and a `Mutex` around the memo and the open batch.
    _types: PhantomData<Mutex<(K, V, E)>>,
}

impl<K, V, E> DataLoader<K, V, E>
where
    K: Eq + Hash + Clone + Send + 'static,
    V: Clone + Send + Sync + 'static,
    E: Clone + Send + Sync + 'static,
{
    /// Creates a loader that passes every batch, however large, to `batch_fn`
    /// in one call.
    ///
    /// `batch_fn` receives each distinct key once, in no particular order, and
    /// returns the `(key, value)` pairs it found, in any order; a key it leaves
    /// out loads as `None`. An `Err` fails every load of that batch.
    pub fn new<F, Fut>(batch_fn: F) -> Self
    where
        F: Fn(Vec<K>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<(K, V)>, E>> + Send + 'static,
    {
        Self::with_max_batch_size(usize::MAX, batch_fn)
    }

    /// Like [`DataLoader::new`], but no call of `batch_fn` gets more than
    /// `max_batch_size` keys: a larger batch is split into as few calls as
    /// that allows. Which keys share a call, and whether the calls overlap,
    /// is up to you (see README.md, step 6).
    ///
    /// # Panics
    ///
    /// If `max_batch_size` is zero.
    pub fn with_max_batch_size<F, Fut>(max_batch_size: usize, batch_fn: F) -> Self
    where
        F: Fn(Vec<K>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<(K, V)>, E>> + Send + 'static,
    {
        let _ = (max_batch_size, batch_fn);
        todo!("box the batch function and create the shared state")
    }

    /// Loads the value for `key`: `Ok(None)` if the batch function did not
    /// return it, `Err` if its batch failed.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, or if the batch function panicked.
    pub async fn load(&self, key: K) -> Result<Option<V>, E> {
        let _ = key;
        todo!("answer from the memo, join the key's load, or queue it; then wait")
    }

    /// Loads several keys in one batch and returns their values in the order
    /// of `keys` (duplicates included). If the batch fails, so does the whole
    /// call; if keys in different calls fail, the error is that of the first
    /// failed key in the order of `keys`.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, or if the batch function panicked.
    pub async fn load_many(&self, keys: Vec<K>) -> Result<Vec<Option<V>>, E> {
        let _ = keys;
        todo!("queue every key before waiting for any of them")
    }

    /// Forgets the memoised value of `key`, so that the next load fetches it
    /// again. Callers already waiting for it still get their answer, but a
    /// load made after the clear starts a new request instead of joining
    /// theirs, and their answer is not memoised.
    pub fn clear(&self, key: &K) {
        let _ = key;
        todo!("drop the key from the memo")
    }

    /// Forgets every memoised value.
    pub fn clear_all(&self) {
        todo!("empty the memo")
    }

    /// Puts `value` in the memo for `key`, so that loading it needs no batch.
    /// Does nothing if the key is already loaded or being loaded; call
    /// [`DataLoader::clear`] first to replace it.
    pub fn prime(&self, key: K, value: V) {
        let _ = (key, value);
        todo!("memoise the value unless the key is already known")
    }
}
