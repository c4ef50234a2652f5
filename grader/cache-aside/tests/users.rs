//! Hidden tests for `UserService`: reading through the cache, negative
//! caching, errors, and invalidation after writes. The repository is an
//! in-memory fake that counts its calls and can fail or pause on demand.

use expect::expect_eq;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cache_aside::{Cache, ManualClock, RepoError, User, UserRepository, UserService};
use tokio::sync::Notify;
use tokio::task::JoinSet;

const TTL: Duration = Duration::from_secs(60);

fn user(id: u64, name: &str) -> User {
    User {
        id,
        name: name.to_string(),
        email: format!("{}@example.com", name.to_lowercase()),
    }
}

/// An in-memory user table that counts calls and fails or pauses when told to.
#[derive(Default)]
struct FakeRepo {
    rows: Mutex<HashMap<u64, User>>,
    finds: AtomicUsize,
    saves: AtomicUsize,
    /// How many upcoming `find` calls fail.
    failing_finds: AtomicUsize,
    /// How many upcoming `save` calls fail.
    failing_saves: AtomicUsize,
    /// How long each `find` takes, on tokio's (paused) clock.
    find_delay: Mutex<Duration>,
    /// When set, `save` signals `save_started` and waits for `save_release`
    /// before it writes.
    gate_saves: AtomicBool,
    save_started: Notify,
    save_release: Notify,
}

impl FakeRepo {
    fn with(users: &[User]) -> Self {
        let repo = Self::default();
        for user in users {
            repo.rows.lock().unwrap().insert(user.id, user.clone());
        }
        repo
    }

    fn finds(&self) -> usize {
        self.finds.load(Ordering::SeqCst)
    }

    fn saves(&self) -> usize {
        self.saves.load(Ordering::SeqCst)
    }

    fn stored(&self, id: u64) -> Option<User> {
        self.rows.lock().unwrap().get(&id).cloned()
    }

    /// Takes one "fail" token from `counter`, if any is left.
    fn should_fail(counter: &AtomicUsize) -> bool {
        counter
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

impl UserRepository for FakeRepo {
    async fn find(&self, id: u64) -> Result<Option<User>, RepoError> {
        self.finds.fetch_add(1, Ordering::SeqCst);
        let delay = *self.find_delay.lock().unwrap();
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        if Self::should_fail(&self.failing_finds) {
            return Err(RepoError::Unavailable("connection refused".to_string()));
        }
        Ok(self.stored(id))
    }

    async fn save(&self, user: User) -> Result<(), RepoError> {
        self.saves.fetch_add(1, Ordering::SeqCst);
        if self.gate_saves.load(Ordering::SeqCst) {
            self.save_started.notify_one();
            self.save_release.notified().await;
        }
        if Self::should_fail(&self.failing_saves) {
            return Err(RepoError::Rejected("email already taken".to_string()));
        }
        self.rows.lock().unwrap().insert(user.id, user);
        Ok(())
    }
}

fn service(repo: FakeRepo) -> (ManualClock, UserService<FakeRepo, ManualClock>) {
    let clock = ManualClock::new();
    let service = UserService::new(repo, Cache::new(TTL, 100, clock.clone()));
    (clock, service)
}

/// `get_user` loads a user from the repository once and serves repeated reads from the cache until the TTL passes.
/// Rules: get-user-reads-through.
#[tokio::test(start_paused = true)]
async fn get_user_reads_through_the_cache() {
    let ada = user(1, "Ada");
    let (clock, service) = service(FakeRepo::with(&[ada.clone()]));

    for _ in 0..3 {
        expect_eq!(service.get_user(1).await, Ok(Some(ada.clone())));
    }
    expect_eq!(
        service.repository().finds(),
        1,
        "only the first read reaches the repository"
    );
    assert!(service.cache().contains(&1));

    clock.advance(TTL);
    expect_eq!(service.get_user(1).await, Ok(Some(ada)));
    expect_eq!(
        service.repository().finds(),
        2,
        "after the TTL the user is read again"
    );
}

/// A user that does not exist is cached as `None`, so asking again does not reach the repository.
/// Rules: missing-user-cached.
#[tokio::test(start_paused = true)]
async fn missing_users_are_cached_too() {
    let (_clock, service) = service(FakeRepo::with(&[user(1, "Ada")]));
    for _ in 0..3 {
        expect_eq!(service.get_user(404).await, Ok(None));
    }
    expect_eq!(service.repository().finds(), 1);
}

/// A repository error reaches the caller as an error (not as a missing user) and is not cached.
/// Rules: repo-error-not-cached.
#[tokio::test(start_paused = true)]
async fn repository_errors_propagate_and_are_not_cached() {
    let ada = user(1, "Ada");
    let (_clock, service) = service(FakeRepo::with(&[ada.clone()]));
    service
        .repository()
        .failing_finds
        .store(1, Ordering::SeqCst);

    expect_eq!(
        service.get_user(1).await,
        Err(RepoError::Unavailable("connection refused".to_string())),
        "a failed read is an error, not a missing user"
    );
    assert!(
        !service.cache().contains(&1),
        "the failure must not be cached"
    );
    expect_eq!(service.get_user(1).await, Ok(Some(ada)));
    expect_eq!(service.repository().finds(), 2);
}

/// `update_user` saves to the repository and invalidates the entry, so the next read loads the new version.
/// Rules: update-saves-then-invalidates.
#[tokio::test(start_paused = true)]
async fn update_saves_then_invalidates() {
    let (_clock, service) = service(FakeRepo::with(&[user(1, "Ada"), user(2, "Grace")]));
    service.get_user(1).await.unwrap();
    service.get_user(2).await.unwrap();

    let renamed = user(1, "Ada Lovelace");
    expect_eq!(service.update_user(renamed.clone()).await, Ok(()));
    expect_eq!(service.repository().saves(), 1);
    expect_eq!(service.repository().stored(1), Some(renamed.clone()));
    assert!(
        !service.cache().contains(&1),
        "the updated user's entry must be invalidated"
    );
    assert!(
        service.cache().contains(&2),
        "other users' entries stay cached"
    );

    expect_eq!(service.get_user(1).await, Ok(Some(renamed)));
    expect_eq!(service.repository().finds(), 3);
}

/// A user cached as missing stays cached exactly as long as an existing user: one TTL for every entry.
/// Rules: missing-user-same-ttl.
#[tokio::test(start_paused = true)]
async fn a_missing_user_is_cached_for_the_full_ttl() {
    let (clock, service) = service(FakeRepo::default());
    expect_eq!(service.get_user(404).await, Ok(None));

    clock.advance(TTL - Duration::from_millis(1));
    expect_eq!(service.get_user(404).await, Ok(None));
    expect_eq!(
        service.repository().finds(),
        1,
        "a cached `None` is still fresh just before the TTL"
    );

    clock.advance(Duration::from_millis(1));
    expect_eq!(service.get_user(404).await, Ok(None));
    expect_eq!(
        service.repository().finds(),
        2,
        "at exactly the TTL the cached `None` has expired"
    );
}

/// Creating a user whose id was cached as missing makes the new user visible at once.
/// Rules: update-saves-then-invalidates, missing-user-cached.
#[tokio::test(start_paused = true)]
async fn creating_a_user_cached_as_missing_makes_it_visible() {
    let (_clock, service) = service(FakeRepo::default());
    expect_eq!(service.get_user(7).await, Ok(None));

    let linus = user(7, "Linus");
    service.update_user(linus.clone()).await.unwrap();
    expect_eq!(
        service.get_user(7).await,
        Ok(Some(linus)),
        "the cached `None` must not hide the user just created"
    );
}

/// When the save fails, `update_user` returns the error and leaves the cached user in place.
/// Rules: failed-save-leaves-cache.
#[tokio::test(start_paused = true)]
async fn failed_update_leaves_the_cache_alone() {
    let ada = user(1, "Ada");
    let (_clock, service) = service(FakeRepo::with(&[ada.clone()]));
    service.get_user(1).await.unwrap();
    service
        .repository()
        .failing_saves
        .store(1, Ordering::SeqCst);

    expect_eq!(
        service.update_user(user(1, "Eve")).await,
        Err(RepoError::Rejected("email already taken".to_string()))
    );
    assert!(
        service.cache().contains(&1),
        "nothing changed in the store, so the cached user is still right"
    );
    expect_eq!(service.get_user(1).await, Ok(Some(ada)));
    expect_eq!(service.repository().finds(), 1);
}

/// A read that runs while an update is being saved cannot leave the old version cached once the update returns.
/// Rules: update-saves-then-invalidates.
#[tokio::test(start_paused = true)]
async fn read_during_a_write_cannot_leave_a_stale_entry() {
    let old = user(1, "Ada");
    let new = user(1, "Ada Lovelace");
    let (_clock, service) = service(FakeRepo::with(&[old.clone()]));
    service
        .repository()
        .gate_saves
        .store(true, Ordering::SeqCst);

    let (updated, read_meanwhile) = tokio::join!(service.update_user(new.clone()), async {
        // The writer is inside `save`, which has not committed yet.
        service.repository().save_started.notified().await;
        let seen = service.get_user(1).await;
        service.repository().save_release.notify_one();
        seen
    });
    expect_eq!(updated, Ok(()));
    expect_eq!(
        read_meanwhile,
        Ok(Some(old)),
        "before the save commits, readers see the old user"
    );
    expect_eq!(
        service.get_user(1).await,
        Ok(Some(new)),
        "after update_user returns, the old user must not be served from the cache"
    );
}

/// Ten concurrent reads of an uncached user make one repository query.
/// Rules: service-single-flight, futures-are-send.
#[tokio::test(start_paused = true)]
async fn concurrent_reads_make_one_query() {
    let ada = user(1, "Ada");
    let repo = FakeRepo::with(&[ada.clone()]);
    *repo.find_delay.lock().unwrap() = Duration::from_millis(50);
    let (_clock, service) = service(repo);
    let service = Arc::new(service);

    let mut readers = JoinSet::new();
    for _ in 0..10 {
        let service = Arc::clone(&service);
        readers.spawn(async move { service.get_user(1).await });
    }
    for result in readers.join_all().await {
        expect_eq!(result, Ok(Some(ada.clone())));
    }
    expect_eq!(service.repository().finds(), 1);
}
