//! What every request shares: the current rendered site, the progress store, the session
//! token, and a cache of rendered pages.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use tokio::sync::{broadcast, watch};

use super::site::Site;
use crate::app::ProgressStore;
use crate::grade::Cancel;
use crate::grade::warmup::Warmup;
use crate::render::Renderer;
use crate::store::{Store, StoreError};

/// Shared state of the web app.
pub struct AppState {
    site: RwLock<Arc<Site>>,
    /// Renders rebuilt sites (keeps syntect's syntax set loaded).
    pub renderer: Renderer,
    store: Mutex<Store>,
    /// Bumped by every write this process makes to the store.
    local_writes: AtomicU64,
    /// The session token, unless started with `--no-token`.
    pub token: Option<String>,
    /// A random id of this learner's installation, seeding the option shuffle.
    pub learner_seed: String,
    /// The port the server listens on, for Host and Origin checks.
    pub port: u16,
    /// The course folder.
    pub course_root: PathBuf,
    /// Tells open pages to reload (live reload).
    pub reload: broadcast::Sender<u64>,
    /// Becomes true when the server shuts down, ending open event streams.
    pub shutdown: watch::Receiver<bool>,
    /// Stops every grade and the background build when the server shuts down.
    pub stop_grading: Cancel,
    /// The background build that readies the grader while the learner reads.
    pub warmup: Arc<Warmup>,
    pages: Mutex<HashMap<String, CachedPage>>,
    started: Instant,
    others_polled_at: AtomicU64,
    others_version: AtomicU64,
    /// The Host header values this server answers to.
    pub local_hosts: [String; 3],
    /// The lesson example running for each example, if any.
    pub runs: super::examples::Runs,
}

/// How often to ask SQLite whether another process changed progress.
const OTHERS_POLL: Duration = Duration::from_millis(100);

struct CachedPage {
    key: (u64, u64),
    body: Bytes,
}

impl AppState {
    /// Builds the state around a first site.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        site: Site,
        renderer: Renderer,
        store: Store,
        token: Option<String>,
        learner_seed: String,
        port: u16,
        course_root: PathBuf,
        shutdown: watch::Receiver<bool>,
        stop_grading: Cancel,
    ) -> AppState {
        AppState {
            site: RwLock::new(Arc::new(site)),
            renderer,
            store: Mutex::new(store),
            local_writes: AtomicU64::new(0),
            token,
            learner_seed,
            port,
            course_root,
            reload: broadcast::channel(16).0,
            shutdown,
            warmup: Warmup::new(&stop_grading),
            stop_grading,
            pages: Mutex::new(HashMap::new()),
            started: Instant::now(),
            others_polled_at: AtomicU64::new(0),
            others_version: AtomicU64::new(0),
            local_hosts: ["localhost", "127.0.0.1", "[::1]"].map(|name| format!("{name}:{port}")),
            runs: super::examples::Runs::default(),
        }
    }

    /// The current site.
    pub fn site(&self) -> Arc<Site> {
        match self.site.read() {
            Ok(site) => site.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Replaces the site (after a change on disk) and tells open pages to reload.
    pub fn replace_site(&self, site: Site) {
        let version = site.version;
        match self.site.write() {
            Ok(mut slot) => *slot = Arc::new(site),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(site),
        }
        let _ = self.reload.send(version);
    }

    /// A number that changes whenever progress changes, in this process or another one
    /// (`workbook grade` in a terminal): SQLite's data_version covers the others. It is
    /// asked at most every [`OTHERS_POLL`], so a page under load does not queue on the store.
    fn progress_version(&self) -> u64 {
        let now = self.started.elapsed().as_millis() as u64;
        let polled = self.others_polled_at.load(Ordering::Relaxed);
        if now.saturating_sub(polled) >= OTHERS_POLL.as_millis() as u64 || polled == 0 {
            self.others_polled_at.store(now.max(1), Ordering::Relaxed);
            let others = self.read(|s| s.data_version()).unwrap_or(0);
            self.others_version.store(others, Ordering::Relaxed);
        }
        self.others_version
            .load(Ordering::Relaxed)
            .wrapping_mul(1 << 32)
            ^ self.local_writes.load(Ordering::SeqCst)
    }

    /// A cached page for `key`, or renders it with `render` and caches it.
    pub fn page(
        &self,
        key: &str,
        render: impl FnOnce() -> Result<String, askama::Error>,
    ) -> Result<Bytes, askama::Error> {
        let version = (self.site().version, self.progress_version());
        if let Ok(pages) = self.pages.lock()
            && let Some(page) = pages.get(key)
            && page.key == version
        {
            return Ok(page.body.clone());
        }
        let body = Bytes::from(render()?);
        if let Ok(mut pages) = self.pages.lock() {
            pages.insert(
                key.to_string(),
                CachedPage {
                    key: version,
                    body: body.clone(),
                },
            );
        }
        Ok(body)
    }
}

/// The use cases read and write progress through the server's one store; every write marks
/// cached pages stale.
impl ProgressStore for AppState {
    fn read<T>(&self, f: impl FnOnce(&Store) -> Result<T, StoreError>) -> Result<T, StoreError> {
        self.store.read(f)
    }

    fn write<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let result = self.store.write(f);
        self.local_writes.fetch_add(1, Ordering::SeqCst);
        result
    }
}
