//! A URL shortener in four layers, one module each: `domain` (the business
//! rules and the traits they need), `storage` (data access), `http`
//! (presentation) and `infra` (the concrete alias generator).
//!
//! The dependencies point inward: `storage` and `http` use `domain`; `domain`
//! uses neither, and never names axum, serde or a `Mutex`.

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
            // Lower-case first, so `My-Link` and `my-link` are one alias.
            let alias = raw.to_ascii_lowercase();
            // Every allowed character is one byte, so counting bytes is
            // counting characters for any alias that passes the second test.
            let length_ok = (MIN_ALIAS_LEN..=MAX_ALIAS_LEN).contains(&alias.len());
            let chars_ok = alias
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if length_ok && chars_ok {
                Ok(Self(alias))
            } else {
                Err(LinkError::InvalidAlias)
            }
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
            // Visible ASCII only: the URL goes into a `Location` header as is,
            // and axum's `Redirect` refuses (panics on) anything else.
            if raw.len() > MAX_URL_LEN || !raw.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(LinkError::InvalidUrl);
            }
            let rest = raw
                .strip_prefix("https://")
                .or_else(|| raw.strip_prefix("http://"))
                .ok_or(LinkError::InvalidUrl)?;
            let host_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            if host_len == 0 {
                return Err(LinkError::InvalidUrl);
            }
            Ok(Self(raw.to_string()))
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
            Self::Storage(cause)
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
            // Validate everything before touching storage: bad input must
            // never cost a database round trip.
            let target = TargetUrl::parse(url)?;
            let alias = match custom_alias {
                Some(raw) => {
                    let alias = Alias::parse(raw)?;
                    // Ask the repository to check and insert in one step: a
                    // separate `find` first would race with a concurrent request.
                    if !self.repo.insert_if_absent(&alias, &target).await? {
                        return Err(LinkError::AliasTaken);
                    }
                    alias
                }
                None => self.insert_generated(&target).await?,
            };
            Ok(Link {
                alias,
                target,
                visits: 0,
            })
        }

        /// Tries generated aliases until one is free, at most
        /// `MAX_GENERATE_ATTEMPTS` of them.
        async fn insert_generated(&self, target: &TargetUrl) -> Result<Alias, LinkError> {
            for _ in 0..MAX_GENERATE_ATTEMPTS {
                let alias = self.generator.generate();
                // `?` ends the loop on a storage error: retrying a broken
                // database only makes the client wait longer.
                if self.repo.insert_if_absent(&alias, target).await? {
                    return Ok(alias);
                }
            }
            Err(LinkError::NoFreeAlias)
        }

        /// The target of the link `alias` (any letter case), counting one visit.
        ///
        /// # Errors
        /// `NotFound` for an unknown alias, or for text that is not a valid
        /// alias at all (without asking the repository); `Storage` if the
        /// repository fails, even when only `record_visit` does.
        pub async fn resolve(&self, alias: &str) -> Result<TargetUrl, LinkError> {
            let link = self.find(alias).await?;
            self.repo.record_visit(&link.alias).await?;
            Ok(link.target)
        }

        /// The link `alias` with its visits so far. Does not count a visit.
        ///
        /// # Errors
        /// As [`ShortenerService::resolve`].
        pub async fn stats(&self, alias: &str) -> Result<Link, LinkError> {
            self.find(alias).await
        }

        async fn find(&self, alias: &str) -> Result<Link, LinkError> {
            // Text that can never be an alias names no link: say so without
            // a repository call.
            let alias = Alias::parse(alias).map_err(|_| LinkError::NotFound)?;
            self.repo.find(&alias).await?.ok_or(LinkError::NotFound)
        }
    }
}

pub mod storage {
    //! The data access layer: a repository that keeps links in memory.

    use std::collections::HashMap;
    use std::collections::hash_map::Entry;
    use std::sync::{Mutex, MutexGuard};

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

        // A poisoned lock is a storage failure like any other: report it
        // instead of panicking inside a request.
        fn lock(&self) -> Result<MutexGuard<'_, HashMap<Alias, Link>>, RepoError> {
            self.links
                .lock()
                .map_err(|_| RepoError("the link map's lock is poisoned".to_string()))
        }
    }

    impl LinkRepository for InMemoryLinks {
        async fn insert_if_absent(
            &self,
            alias: &Alias,
            target: &TargetUrl,
        ) -> Result<bool, RepoError> {
            // Check and insert under one lock, so two requests for one alias
            // cannot both win.
            match self.lock()?.entry(alias.clone()) {
                Entry::Occupied(_) => Ok(false),
                Entry::Vacant(slot) => {
                    slot.insert(Link {
                        alias: alias.clone(),
                        target: target.clone(),
                        visits: 0,
                    });
                    Ok(true)
                }
            }
        }

        async fn find(&self, alias: &Alias) -> Result<Option<Link>, RepoError> {
            Ok(self.lock()?.get(alias).cloned())
        }

        async fn record_visit(&self, alias: &Alias) -> Result<(), RepoError> {
            if let Some(link) = self.lock()?.get_mut(alias) {
                link.visits += 1;
            }
            Ok(())
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

    use axum::extract::{Path, State};
    use axum::http::{StatusCode, header};
    use axum::response::{IntoResponse, Redirect, Response};
    use axum::routing::{get, post};
    use axum::{Json, Router};
    use serde::{Deserialize, Serialize};
    use serde_json::json;

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

    /// The one place where business errors become HTTP responses.
    impl IntoResponse for LinkError {
        fn into_response(self) -> Response {
            let (status, code, field) = match &self {
                Self::InvalidUrl => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "VALIDATION_ERROR",
                    Some("url"),
                ),
                Self::InvalidAlias => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "VALIDATION_ERROR",
                    Some("alias"),
                ),
                Self::AliasTaken => (StatusCode::CONFLICT, "ALIAS_TAKEN", None),
                Self::NotFound => (StatusCode::NOT_FOUND, "NOT_FOUND", None),
                Self::NoFreeAlias | Self::Storage(_) => {
                    (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", None)
                }
            };
            // The client gets a fixed sentence for server-side failures: the
            // cause (a path, a host name, a password) is for the logs only.
            let message = if status.is_server_error() {
                "something went wrong on our side".to_string()
            } else {
                self.to_string()
            };
            let mut error = json!({ "code": code, "message": message });
            if let Some(field) = field {
                error["field"] = json!(field);
            }
            (status, Json(json!({ "error": error }))).into_response()
        }
    }

    /// The router: `POST /links`, `GET /{alias}`, `GET /links/{alias}/stats`.
    pub fn app<R, G>(service: Arc<ShortenerService<R, G>>) -> Router
    where
        R: LinkRepository + 'static,
        G: AliasGenerator + 'static,
    {
        Router::new()
            .route("/links", post(create::<R, G>))
            .route("/{alias}", get(follow::<R, G>))
            .route("/links/{alias}/stats", get(stats::<R, G>))
            .with_state(service)
    }

    async fn create<R: LinkRepository, G: AliasGenerator>(
        State(service): State<Arc<ShortenerService<R, G>>>,
        Json(body): Json<CreateLink>,
    ) -> Result<impl IntoResponse, LinkError> {
        let link = service.shorten(&body.url, body.alias.as_deref()).await?;
        let location = format!("/{}", link.alias);
        Ok((
            StatusCode::CREATED,
            [(header::LOCATION, location)],
            Json(LinkBody::from(link)),
        ))
    }

    async fn follow<R: LinkRepository, G: AliasGenerator>(
        State(service): State<Arc<ShortenerService<R, G>>>,
        Path(alias): Path<String>,
    ) -> Result<Redirect, LinkError> {
        let target = service.resolve(&alias).await?;
        // 307, not 308: a permanent redirect may be cached by the browser,
        // and a cached redirect never reaches us to be counted.
        Ok(Redirect::temporary(target.as_str()))
    }

    async fn stats<R: LinkRepository, G: AliasGenerator>(
        State(service): State<Arc<ShortenerService<R, G>>>,
        Path(alias): Path<String>,
    ) -> Result<Json<LinkBody>, LinkError> {
        Ok(Json(LinkBody::from(service.stats(&alias).await?)))
    }
}
