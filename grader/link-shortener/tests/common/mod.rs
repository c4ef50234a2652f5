//! Fakes of the two traits the business layer owns, shared by the hidden
//! tests: a repository that records every call (and can be told to fail), and
//! a generator that hands out a scripted list of aliases.

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response};
use http_body_util::BodyExt;
use link_shortener::domain::{
    Alias, AliasGenerator, Link, LinkRepository, RepoError, ShortenerService, TargetUrl,
};
use link_shortener::http::app;
use serde_json::Value;
use tower::ServiceExt;

/// The words a failing [`FakeRepo`] puts in its errors: they must never reach a client.
pub const SECRET: &str = "connection to db-primary.internal:5432 refused (password=hunter2)";

#[derive(Default)]
struct RepoState {
    links: HashMap<String, Link>,
    calls: Vec<String>,
    failing: bool,
    failing_visits: bool,
}

/// A repository written by the tests, not by the learner: a clone shares its
/// state, so the test keeps one clone and gives the other to the service.
/// Every call is recorded as `"insert <alias>"`, `"find <alias>"` or
/// `"visit <alias>"`.
#[derive(Clone, Default)]
pub struct FakeRepo(Arc<Mutex<RepoState>>);

impl FakeRepo {
    /// An empty repository that works.
    pub fn new() -> Self {
        Self::default()
    }

    /// A repository whose every call fails with [`SECRET`].
    pub fn failing() -> Self {
        let repo = Self::default();
        repo.0.lock().unwrap().failing = true;
        repo
    }

    /// A repository that already holds `alias` → `url` with `visits`.
    pub fn with_link(alias: &str, url: &str, visits: u64) -> Self {
        let repo = Self::default();
        repo.add(alias, url, visits);
        repo
    }

    /// From now on, `record_visit` fails with [`SECRET`] (the other calls still work).
    pub fn fail_visits(&self) {
        self.0.lock().unwrap().failing_visits = true;
    }

    /// Stores a link directly, without recording a call.
    pub fn add(&self, alias: &str, url: &str, visits: u64) {
        let link = Link {
            alias: Alias::parse(alias).unwrap(),
            target: TargetUrl::parse(url).unwrap(),
            visits,
        };
        self.0.lock().unwrap().links.insert(alias.to_string(), link);
    }

    /// Every call made so far, in order.
    pub fn calls(&self) -> Vec<String> {
        self.0.lock().unwrap().calls.clone()
    }

    /// The stored link for `alias`, read directly.
    pub fn link(&self, alias: &str) -> Option<Link> {
        self.0.lock().unwrap().links.get(alias).cloned()
    }

    fn record(&self, call: String) -> Result<std::sync::MutexGuard<'_, RepoState>, RepoError> {
        let mut state = self.0.lock().unwrap();
        state.calls.push(call);
        if state.failing {
            return Err(RepoError(SECRET.to_string()));
        }
        Ok(state)
    }
}

impl LinkRepository for FakeRepo {
    async fn insert_if_absent(&self, alias: &Alias, target: &TargetUrl) -> Result<bool, RepoError> {
        let mut state = self.record(format!("insert {alias}"))?;
        if state.links.contains_key(alias.as_str()) {
            return Ok(false);
        }
        let link = Link {
            alias: alias.clone(),
            target: target.clone(),
            visits: 0,
        };
        state.links.insert(alias.as_str().to_string(), link);
        Ok(true)
    }

    async fn find(&self, alias: &Alias) -> Result<Option<Link>, RepoError> {
        let state = self.record(format!("find {alias}"))?;
        Ok(state.links.get(alias.as_str()).cloned())
    }

    async fn record_visit(&self, alias: &Alias) -> Result<(), RepoError> {
        let mut state = self.record(format!("visit {alias}"))?;
        if state.failing_visits {
            return Err(RepoError(SECRET.to_string()));
        }
        if let Some(link) = state.links.get_mut(alias.as_str()) {
            link.visits += 1;
        }
        Ok(())
    }
}

/// A generator that hands out the aliases it was given, in order, and counts
/// how many it handed out. A clone shares the script.
#[derive(Clone, Default)]
pub struct Script(Arc<Mutex<(VecDeque<String>, usize)>>);

impl Script {
    pub fn new(aliases: &[&str]) -> Self {
        let queue = aliases.iter().map(|a| a.to_string()).collect();
        Self(Arc::new(Mutex::new((queue, 0))))
    }

    /// How many aliases the service asked for.
    pub fn used(&self) -> usize {
        self.0.lock().unwrap().1
    }
}

impl AliasGenerator for Script {
    fn generate(&self) -> Alias {
        let mut state = self.0.lock().unwrap();
        state.1 += 1;
        let next = state.0.pop_front().unwrap_or_else(|| {
            panic!(
                "the service asked the generator for more aliases than it should ({} so far)",
                state.1
            )
        });
        Alias::parse(&next).unwrap()
    }
}

pub type Service = ShortenerService<FakeRepo, Script>;

/// A service over `repo` and `script`, with the test keeping clones of both.
pub fn service(repo: &FakeRepo, script: &Script) -> Service {
    ShortenerService::new(repo.clone(), script.clone())
}

/// The router over a fresh service built from clones of `repo` and `script`.
pub fn router(repo: &FakeRepo, script: &Script) -> Router {
    app(Arc::new(service(repo, script)))
}

pub fn post_links(body: Value) -> Request<Body> {
    Request::post("/links")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

pub fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

/// Sends one request and returns the response with its body read.
pub async fn send(router: &Router, request: Request<Body>) -> (Response<Body>, String) {
    let response = router.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    (Response::from_parts(parts, Body::empty()), text)
}

/// Parses a response body as JSON, saying what it was when it is not.
#[track_caller]
pub fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| panic!("expected a JSON body, got {text:?}"))
}

/// The value of header `name`, or a failure saying it is missing.
#[track_caller]
pub fn header(response: &Response<Body>, name: &str) -> String {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("expected a `{name}` header; the response has none"))
        .to_str()
        .unwrap()
        .to_string()
}
