//! A URL shortener in four layers, one module each: `domain` (the business
//! rules and the traits they need), `storage` (data access), `http`
//! (presentation) and `infra` (the concrete alias generator).
//!
//! The dependencies point inward: `storage` and `http` use `domain`; `domain`
//! uses neither, and never names axum, serde or a `Mutex`.
//!
//! The types, errors, traits, JSON shapes and the generator are given,
//! finished. Everything that says `todo!()` is yours: see README.md for the
//! steps. Add private fields, types and helper functions as you like, but
//! keep every public signature, because the grader's tests compile against
//! them.

pub mod domain {
    //! The business layer: validated values, the errors the business cares
    //! about, the two traits it needs from the outside world, and the service.

    use std::fmt;
    use std::future::Future;

    /// The fewest characters an alias may have.
    pub const MIN_ALIAS_LEN: usize = 3;
    /// The most characters an alias may have.
    pub const MAX_ALIAS_LEN: usize = 32;
    /// The most characters a target URL may have.
    pub const MAX_URL_LEN: usize = 2048;
    /// How many generated aliases `shorten` tries before giving up.
    pub const MAX_GENERATE_ATTEMPTS: usize = 5;

    /// A short code: 3 to 32 characters, each `a`-`z`, `0`-`9` or `-`.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct Alias(String);

    impl Alias {
        /// Lower-cases the ASCII letters of `raw`, then checks the result.
        ///
        /// # Errors
        /// [`LinkError::InvalidAlias`] if the lower-cased text is shorter than
        /// 3 or longer than 32 characters, or has a character outside
        /// `a-z`, `0-9` and `-`.
        pub fn parse(raw: &str) -> Result<Self, LinkError> {
            let _ = raw;
            todo!("lower-case, then check the length and the characters")
        }

        /// The alias as text, always lower case.
        pub fn as_str(&self) -> &str {
            &self.0
        }
    }

    impl fmt::Display for Alias {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.0)
        }
    }

    /// Where a short link leads: an `http://` or `https://` URL with a host.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct TargetUrl(String);

    impl TargetUrl {
        /// Checks `raw` and keeps it exactly as given.
        ///
        /// # Errors
        /// [`LinkError::InvalidUrl`] unless all of these hold: `raw` is at
        /// most 2048 characters long; every character is visible ASCII
        /// (`!` to `~`: no spaces, no control characters, nothing non-ASCII);
        /// it starts with `http://` or `https://` in lower case; and the host,
        /// the text after `://` up to the first `/`, `?`, `#` or the end, is
        /// not empty.
        pub fn parse(raw: &str) -> Result<Self, LinkError> {
            let _ = raw;
            todo!("check the length, the characters, the scheme and the host")
        }

        /// The URL exactly as it was given.
        pub fn as_str(&self) -> &str {
            &self.0
        }
    }

    impl fmt::Display for TargetUrl {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.0)
        }
    }

    /// A stored short link.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Link {
        pub alias: Alias,
        pub target: TargetUrl,
        /// How many times the link has been followed.
        pub visits: u64,
    }

    /// Everything that can go wrong, in the business layer's words.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum LinkError {
        /// The target URL broke a rule of [`TargetUrl::parse`].
        InvalidUrl,
        /// The custom alias broke a rule of [`Alias::parse`].
        InvalidAlias,
        /// The custom alias already belongs to another link.
        AliasTaken,
        /// No link has this alias.
        NotFound,
        /// Every one of the generated aliases tried was taken.
        NoFreeAlias,
        /// The repository failed. The cause is kept for logs, never for clients.
        Storage(RepoError),
    }

    impl fmt::Display for LinkError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                Self::InvalidUrl => f.write_str(
                    "url must be an http:// or https:// URL with a host, \
                     of at most 2048 visible ASCII characters",
                ),
                Self::InvalidAlias => {
                    f.write_str("alias must be 3 to 32 characters of a-z, 0-9 and '-'")
                }
                Self::AliasTaken => f.write_str("that alias is already taken"),
                Self::NotFound => f.write_str("no link has that alias"),
                Self::NoFreeAlias => f.write_str("no free alias could be generated"),
                Self::Storage(cause) => write!(f, "storage failure: {cause}"),
            }
        }
    }

    impl std::error::Error for LinkError {}

    impl From<RepoError> for LinkError {
        fn from(cause: RepoError) -> Self {
            let _ = cause;
            todo!("which variant carries a repository failure?")
        }
    }

    /// A failure inside a repository (a lost connection, a full disk...).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RepoError(pub String);

    impl fmt::Display for RepoError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.0)
        }
    }

    impl std::error::Error for RepoError {}

    /// Where links are kept. Declared here, by the business layer, in its own
    /// words; the data access layer implements it.
    ///
    /// The futures are `Send` so that the service can run inside axum
    /// handlers and `tokio::spawn`.
    pub trait LinkRepository: Send + Sync {
        /// Stores a new link with 0 visits, unless `alias` is already used.
        /// `Ok(true)` if stored; `Ok(false)` if the alias was taken, in which
        /// case nothing changes.
        fn insert_if_absent(
            &self,
            alias: &Alias,
            target: &TargetUrl,
        ) -> impl Future<Output = Result<bool, RepoError>> + Send;

        /// The link with this alias, or `None`.
        fn find(
            &self,
            alias: &Alias,
        ) -> impl Future<Output = Result<Option<Link>, RepoError>> + Send;

        /// Adds one to the link's visits. Does nothing for an unknown alias.
        fn record_visit(&self, alias: &Alias)
        -> impl Future<Output = Result<(), RepoError>> + Send;
    }

    /// Makes aliases for links created without a custom one.
    pub trait AliasGenerator: Send + Sync {
        /// The next alias to try. It may already be taken.
        fn generate(&self) -> Alias;
    }

    /// The use cases: shorten a URL, follow a short link, read its visits.
    pub struct ShortenerService<R, G> {
        repo: R,
        generator: G,
    }

    impl<R: LinkRepository, G: AliasGenerator> ShortenerService<R, G> {
        /// A service that keeps links in `repo` and names them with `generator`.
        pub fn new(repo: R, generator: G) -> Self {
            Self { repo, generator }
        }

        /// Creates a short link to `url`, under `custom_alias` if given, or
        /// else under a generated alias. Returns it with 0 visits, built here
        /// rather than read back from the repository.
        ///
        /// # Errors
        /// `InvalidUrl`, then `InvalidAlias`, before any repository call;
        /// `AliasTaken` if the custom alias is in use; `NoFreeAlias` after
        /// [`MAX_GENERATE_ATTEMPTS`] taken generated aliases; `Storage` if the
        /// repository fails (not retried).
        pub async fn shorten(
            &self,
            url: &str,
            custom_alias: Option<&str>,
        ) -> Result<Link, LinkError> {
            let _ = (&self.repo, &self.generator, url, custom_alias);
            todo!("validate, then insert under the custom alias or generated ones")
        }

        /// The target of the link `alias` (any letter case), counting one visit.
        ///
        /// # Errors
        /// `NotFound` for an unknown alias, or for text that is not a valid
        /// alias at all (without asking the repository); `Storage` if the
        /// repository fails, even when only `record_visit` does.
        pub async fn resolve(&self, alias: &str) -> Result<TargetUrl, LinkError> {
            let _ = alias;
            todo!("find the link, record a visit, return its target")
        }

        /// The link `alias` with its visits so far. Does not count a visit.
        ///
        /// # Errors
        /// As [`ShortenerService::resolve`].
        pub async fn stats(&self, alias: &str) -> Result<Link, LinkError> {
            let _ = alias;
            todo!("find the link without counting a visit")
        }
    }
}

pub mod storage {
    //! The data access layer: a repository that keeps links in memory.

    use std::collections::HashMap;
    use std::sync::Mutex;

    use crate::domain::{Alias, Link, LinkRepository, RepoError, TargetUrl};

    /// Links in a `HashMap` behind a `Mutex`; gone when the process ends.
    #[derive(Debug, Default)]
    pub struct InMemoryLinks {
        links: Mutex<HashMap<Alias, Link>>,
    }

    impl InMemoryLinks {
        /// An empty repository.
        pub fn new() -> Self {
            Self::default()
        }
    }

    impl LinkRepository for InMemoryLinks {
        async fn insert_if_absent(
            &self,
            alias: &Alias,
            target: &TargetUrl,
        ) -> Result<bool, RepoError> {
            let _ = (&self.links, alias, target);
            todo!("store the link unless the alias is taken")
        }

        async fn find(&self, alias: &Alias) -> Result<Option<Link>, RepoError> {
            let _ = alias;
            todo!("look the link up")
        }

        async fn record_visit(&self, alias: &Alias) -> Result<(), RepoError> {
            let _ = alias;
            todo!("add one to the link's visits")
        }
    }
}

pub mod infra {
    //! Infrastructure: the alias generator the application runs with.

    use std::sync::atomic::{AtomicU64, Ordering};

    use crate::domain::{Alias, AliasGenerator};

    /// Generates `000001`, `000002`, ... Predictable, which is fine for an
    /// exercise; a public service would draw random codes instead.
    #[derive(Debug, Default)]
    pub struct SequentialAliases {
        next: AtomicU64,
    }

    impl SequentialAliases {
        /// A generator whose first alias is `000001`.
        pub fn new() -> Self {
            Self::default()
        }
    }

    impl AliasGenerator for SequentialAliases {
        fn generate(&self) -> Alias {
            let n = self.next.fetch_add(1, Ordering::Relaxed) + 1;
            // At least six digits and at most twenty: always a valid alias.
            Alias::parse(&format!("{n:06}")).expect("digits make a valid alias")
        }
    }
}

pub mod http {
    //! The presentation layer: routes, JSON shapes, status codes. It decodes,
    //! calls the service and encodes; every rule lives in the service.

    use std::sync::Arc;

    use axum::Router;
    use axum::response::{IntoResponse, Response};
    use serde::{Deserialize, Serialize};

    use crate::domain::{AliasGenerator, Link, LinkError, LinkRepository, ShortenerService};

    /// The JSON body of `POST /links`: `{"url": "...", "alias": "..."}`, where
    /// `alias` may be left out or `null`. A DTO, kept apart from the domain's
    /// types so that the JSON can change without touching the rules.
    #[derive(Debug, Deserialize)]
    pub struct CreateLink {
        pub url: String,
        #[serde(default)]
        pub alias: Option<String>,
    }

    /// How a link looks in JSON: `{"alias": "...", "url": "...", "visits": 0}`.
    #[derive(Debug, Serialize)]
    pub struct LinkBody {
        pub alias: String,
        pub url: String,
        pub visits: u64,
    }

    impl From<Link> for LinkBody {
        fn from(link: Link) -> Self {
            Self {
                alias: link.alias.as_str().to_string(),
                url: link.target.as_str().to_string(),
                visits: link.visits,
            }
        }
    }

    /// The one place where business errors become HTTP responses: the
    /// status, and the JSON error envelope described in README.md.
    impl IntoResponse for LinkError {
        fn into_response(self) -> Response {
            todo!("pick the status, the code and the field; hide server-side causes")
        }
    }

    /// The router: `POST /links` (201), `GET /{alias}` (307 to the target) and
    /// `GET /links/{alias}/stats` (200), each a thin handler that calls
    /// `service` and lets `LinkError`'s `IntoResponse` answer errors.
    pub fn app<R, G>(service: Arc<ShortenerService<R, G>>) -> Router
    where
        R: LinkRepository + 'static,
        G: AliasGenerator + 'static,
    {
        let _ = service;
        todo!("route the three handlers and attach the service as state")
    }
}
