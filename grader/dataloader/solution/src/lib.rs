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

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::watch;

/// The boxed future a batch function returns once it is stored in the loader.
type BatchFuture<K, V, E> = Pin<Box<dyn Future<Output = Result<Vec<(K, V)>, E>> + Send>>;

/// The batch function, with its concrete closure and future types erased.
type BatchFn<K, V, E> = dyn Fn(Vec<K>) -> BatchFuture<K, V, E> + Send + Sync;

/// What the callers of one key are waiting for: `None` until its batch answers.
type Answer<V, E> = Option<Result<Option<V>, E>>;

/// Batches and memoises loads of `V` by key `K` through a batch function that
/// may fail with `E`.
///
/// Cloning a loader is cheap, and clones share their batches and memo. Create
/// one loader per request: its memo never expires and knows nothing about
/// who is asking.
pub struct DataLoader<K, V, E> {
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
    batch_fn: Box<BatchFn<K, V, E>>,
    max_batch_size: usize,
    state: Mutex<State<K, V, E>>,
}

struct State<K, V, E> {
    /// Every key requested and not cleared: answered, or still being loaded.
    memo: HashMap<K, Slot<V, E>>,
    /// The keys waiting for the next batch.
    open: Vec<Pending<K, V, E>>,
    /// Numbers the open batch, so that a dispatch task can tell whether the
    /// batch it was spawned for is still the open one.
    open_batch: u64,
    /// Numbers each load, so that an answer is only memoised by the load that
    /// still owns the key's memo slot.
    next_load: u64,
}

enum Slot<V, E> {
    /// Queued or in flight; every caller of the key holds a receiver.
    Loading {
        load: u64,
        answer: watch::Receiver<Answer<V, E>>,
    },
    /// Answered: `None` means the batch function did not return the key.
    Loaded(Option<V>),
}

/// One key in a batch, with the channel its callers are waiting on.
struct Pending<K, V, E> {
    key: K,
    load: u64,
    answer: watch::Sender<Answer<V, E>>,
}

/// How a caller gets its value: right away from the memo, or by waiting.
enum Ticket<V, E> {
    Ready(Option<V>),
    Wait(watch::Receiver<Answer<V, E>>),
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The state is only changed in short sections that cannot panic halfway,
    // so a poisoned lock still guards consistent data.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
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
    /// `batch_fn` receives each distinct key once and returns the `(key,
    /// value)` pairs it found, in any order; a key it leaves out loads as
    /// `None`. An `Err` fails every load of that batch.
    pub fn new<F, Fut>(batch_fn: F) -> Self
    where
        F: Fn(Vec<K>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<(K, V)>, E>> + Send + 'static,
    {
        Self::with_max_batch_size(usize::MAX, batch_fn)
    }

    /// Like [`DataLoader::new`], but no call of `batch_fn` gets more than
    /// `max_batch_size` keys: a larger batch is split into as few calls as
    /// that allows.
    ///
    /// # Panics
    ///
    /// If `max_batch_size` is zero.
    pub fn with_max_batch_size<F, Fut>(max_batch_size: usize, batch_fn: F) -> Self
    where
        F: Fn(Vec<K>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<(K, V)>, E>> + Send + 'static,
    {
        assert!(max_batch_size > 0, "a batch must hold at least one key");
        Self {
            inner: Arc::new(Inner {
                batch_fn: Box::new(move |keys| Box::pin(batch_fn(keys))),
                max_batch_size,
                state: Mutex::new(State {
                    memo: HashMap::new(),
                    open: Vec::new(),
                    open_batch: 0,
                    next_load: 0,
                }),
            }),
        }
    }

    /// Loads the value for `key`: `Ok(None)` if the batch function did not
    /// return it, `Err` if its batch failed.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, or if the batch function panicked.
    pub async fn load(&self, key: K) -> Result<Option<V>, E> {
        let ticket = self.enqueue(&mut lock(&self.inner.state), key);
        redeem(ticket).await
    }

    /// Loads several keys in one batch and returns their values in the order
    /// of `keys` (duplicates included). If the batch fails, so does the whole
    /// call.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, or if the batch function panicked.
    pub async fn load_many(&self, keys: Vec<K>) -> Result<Vec<Option<V>>, E> {
        // Queue every key before waiting for any: they all join one batch.
        let tickets: Vec<_> = {
            let mut state = lock(&self.inner.state);
            keys.into_iter()
                .map(|key| self.enqueue(&mut state, key))
                .collect()
        };
        let mut values = Vec::with_capacity(tickets.len());
        for ticket in tickets {
            values.push(redeem(ticket).await?);
        }
        Ok(values)
    }

    /// Forgets the memoised value of `key`, so that the next load fetches it
    /// again. Callers already waiting for it still get their answer.
    pub fn clear(&self, key: &K) {
        lock(&self.inner.state).memo.remove(key);
    }

    /// Forgets every memoised value.
    pub fn clear_all(&self) {
        lock(&self.inner.state).memo.clear();
    }

    /// Puts `value` in the memo for `key`, so that loading it needs no batch.
    /// Does nothing if the key is already loaded or being loaded; call
    /// [`DataLoader::clear`] first to replace it.
    pub fn prime(&self, key: K, value: V) {
        lock(&self.inner.state)
            .memo
            .entry(key)
            .or_insert(Slot::Loaded(Some(value)));
    }

    /// Answers `key` from the memo, joins its load in progress, or queues it.
    fn enqueue(&self, state: &mut State<K, V, E>, key: K) -> Ticket<V, E> {
        match state.memo.get(&key) {
            Some(Slot::Loaded(value)) => return Ticket::Ready(value.clone()),
            // Queued or in flight: wait for that answer instead of fetching
            // the key a second time.
            Some(Slot::Loading { answer, .. }) => return Ticket::Wait(answer.clone()),
            None => {}
        }

        let (sender, answer) = watch::channel(None);
        let load = state.next_load;
        state.next_load += 1;
        state.memo.insert(
            key.clone(),
            Slot::Loading {
                load,
                answer: answer.clone(),
            },
        );
        state.open.push(Pending {
            key,
            load,
            answer: sender,
        });

        if state.open.len() >= self.inner.max_batch_size {
            // Full: waiting would not make this batch any bigger.
            let batch = std::mem::take(&mut state.open);
            state.open_batch += 1;
            tokio::spawn(run_batch(Arc::clone(&self.inner), batch));
        } else if state.open.len() == 1 {
            // The first key of a new batch schedules its dispatch. A separate
            // task, rather than the first caller, runs the batch, so a caller
            // that gives up (its future is dropped) cannot strand the others.
            tokio::spawn(dispatch(Arc::clone(&self.inner), state.open_batch));
        }
        Ticket::Wait(answer)
    }
}

/// Waits for the batch that holds a key, unless the memo already answered.
async fn redeem<V: Clone, E: Clone>(ticket: Ticket<V, E>) -> Result<Option<V>, E> {
    let mut answer = match ticket {
        Ticket::Ready(value) => return Ok(value),
        Ticket::Wait(answer) => answer,
    };
    let answered = answer
        .wait_for(Option::is_some)
        .await
        .expect("the batch task ended without answering: did the batch function panic?");
    answered
        .clone()
        .expect("wait_for only returns once an answer is there")
}

/// Lets every task that is ready run (and queue its keys), then sends the
/// open batch, unless it has already been sent because it filled up.
async fn dispatch<K, V, E>(inner: Arc<Inner<K, V, E>>, batch: u64)
where
    K: Eq + Hash + Clone + Send + 'static,
    V: Clone + Send + Sync + 'static,
    E: Clone + Send + Sync + 'static,
{
    tokio::task::yield_now().await;
    let pending = {
        let mut state = lock(&inner.state);
        if state.open_batch != batch {
            return;
        }
        // Close the batch *before* calling the batch function: keys requested
        // while it runs belong to the next batch, which gets its own dispatch.
        state.open_batch += 1;
        std::mem::take(&mut state.open)
    };
    run_batch(inner, pending).await;
}

/// Calls the batch function once and hands every caller the value of its key.
async fn run_batch<K, V, E>(inner: Arc<Inner<K, V, E>>, pending: Vec<Pending<K, V, E>>)
where
    K: Eq + Hash + Clone,
    V: Clone,
    E: Clone,
{
    // A key can be queued twice only if it was cleared in between; the batch
    // function still sees it once.
    let keys: Vec<K> = {
        let mut seen = HashSet::with_capacity(pending.len());
        pending
            .iter()
            .filter(|p| seen.insert(&p.key))
            .map(|p| p.key.clone())
            .collect()
    };
    let result = (inner.batch_fn)(keys).await;

    let mut state = lock(&inner.state);
    match result {
        Ok(rows) => {
            // Match by key, never by position: the rows come back in whatever
            // order the store likes, and missing keys are simply absent.
            let found: HashMap<K, V> = rows.into_iter().collect();
            for p in pending {
                let value = found.get(&p.key).cloned();
                if owns(&state, &p) {
                    state.memo.insert(p.key, Slot::Loaded(value.clone()));
                }
                p.answer.send_replace(Some(Ok(value)));
            }
        }
        Err(error) => {
            for p in pending {
                // Errors are not memoised: the next load of the key retries.
                if owns(&state, &p) {
                    state.memo.remove(&p.key);
                }
                p.answer.send_replace(Some(Err(error.clone())));
            }
        }
    }
}

/// Whether `pending`'s load still owns its key's memo slot: a `clear` or a
/// `prime` while the batch was in flight means its answer must not be memoised.
fn owns<K: Eq + Hash, V, E>(state: &State<K, V, E>, pending: &Pending<K, V, E>) -> bool {
    matches!(
        state.memo.get(&pending.key),
        Some(Slot::Loading { load, .. }) if *load == pending.load
    )
}
