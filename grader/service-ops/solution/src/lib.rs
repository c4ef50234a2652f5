//! Service operations: typed configuration read from the environment, liveness
//! and readiness endpoints, and a server that shuts down gracefully within a
//! deadline.
//!
//! This is the reference solution. Read it beside your own: the comments say
//! why it is written this way where the README leaves a choice.

use std::error::Error;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

// ---------------------------------------------------------------------------
// Configuration (types provided)
// ---------------------------------------------------------------------------

/// The variable holding the port to listen on.
pub const PORT: &str = "PORT";
/// The variable holding the database connection URL.
pub const DATABASE_URL: &str = "DATABASE_URL";
/// The variable holding the shutdown deadline, in whole seconds.
pub const SHUTDOWN_DEADLINE_SECS: &str = "SHUTDOWN_DEADLINE_SECS";
/// The variable holding the log level.
pub const LOG_LEVEL: &str = "LOG_LEVEL";

/// The port used when `PORT` is unset.
pub const DEFAULT_PORT: u16 = 8080;
/// The shutdown deadline used when `SHUTDOWN_DEADLINE_SECS` is unset.
pub const DEFAULT_SHUTDOWN_DEADLINE: Duration = Duration::from_secs(30);
/// The longest shutdown deadline accepted, in seconds.
pub const MAX_SHUTDOWN_DEADLINE_SECS: u64 = 300;

/// A value that must never be printed: its `Debug` output is `Secret(***)`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that needs it (opening the pool).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How much the service logs, from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Only errors.
    Error,
    /// Errors and warnings.
    Warn,
    /// The default: errors, warnings and informational messages.
    Info,
    /// Also debugging detail.
    Debug,
    /// Everything.
    Trace,
}

impl LogLevel {
    /// Every level, from least to most verbose.
    pub const ALL: [LogLevel; 5] = [
        LogLevel::Error,
        LogLevel::Warn,
        LogLevel::Info,
        LogLevel::Debug,
        LogLevel::Trace,
    ];

    /// The level's name in lower case, as `LOG_LEVEL` spells it: `"error"`, `"warn"`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }
}

/// The service's configuration, read once at startup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The TCP port to listen on (1 to 65535).
    pub port: u16,
    /// The database connection URL (`postgres://` or `postgresql://`).
    pub database_url: Secret,
    /// How long shutdown waits for requests in flight (1 to 300 seconds).
    pub shutdown_deadline: Duration,
    /// How much to log.
    pub log_level: LogLevel,
}

/// One thing wrong with the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigProblem {
    /// A required variable is unset (or set to the empty string).
    Missing {
        /// The variable's name, such as `"DATABASE_URL"`.
        name: &'static str,
    },
    /// A variable is set to a value that cannot be used.
    Invalid {
        /// The variable's name, such as `"PORT"`.
        name: &'static str,
        /// The value as found, or `None` for a secret, which is never repeated.
        value: Option<String>,
        /// What a valid value looks like, for the operator reading the error.
        reason: String,
    },
}

impl ConfigProblem {
    /// The name of the variable this problem is about.
    pub fn name(&self) -> &'static str {
        match self {
            ConfigProblem::Missing { name } | ConfigProblem::Invalid { name, .. } => name,
        }
    }
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigProblem::Missing { name } => write!(f, "{name} must be set"),
            ConfigProblem::Invalid {
                name,
                value: Some(value),
                reason,
            } => write!(f, "{name}={value:?} is invalid: {reason}"),
            ConfigProblem::Invalid {
                name,
                value: None,
                reason,
            } => write!(f, "{name} is invalid: {reason}"),
        }
    }
}

/// Everything wrong with the environment, found in one pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// One problem per bad variable, in the order PORT, DATABASE_URL,
    /// SHUTDOWN_DEADLINE_SECS, LOG_LEVEL; never empty.
    pub problems: Vec<ConfigProblem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration: ")?;
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                write!(f, "; ")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl Error for ConfigError {}

// ---------------------------------------------------------------------------
// Configuration (reading it)
// ---------------------------------------------------------------------------

impl Config {
    /// Reads the configuration through `lookup`, which returns a variable's
    /// value or `None` if it is unset.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] listing every missing or invalid variable, not just the first.
    pub fn from_lookup<F>(lookup: F) -> Result<Config, ConfigError>
    where
        F: Fn(&str) -> Option<String>,
    {
        // `PORT=` in a deployment manifest almost always means "not configured",
        // so an empty value is treated exactly like an unset one. Any other value
        // is used as found, never trimmed: `PORT= 80` is a typo worth refusing,
        // and a value of only spaces is set, so it is refused too.
        let get = |name: &str| lookup(name).filter(|value| !value.is_empty());

        // Parse every variable before looking at any result: stopping at the
        // first error (`?`) would make the operator fix one variable per deploy.
        let port = read_port(get(PORT));
        let database_url = read_database_url(get(DATABASE_URL));
        let shutdown_deadline = read_shutdown_deadline(get(SHUTDOWN_DEADLINE_SECS));
        let log_level = read_log_level(get(LOG_LEVEL));

        match (port, database_url, shutdown_deadline, log_level) {
            (Ok(port), Ok(database_url), Ok(shutdown_deadline), Ok(log_level)) => Ok(Config {
                port,
                database_url,
                shutdown_deadline,
                log_level,
            }),
            (port, database_url, shutdown_deadline, log_level) => {
                let problems = [
                    port.err(),
                    database_url.err(),
                    shutdown_deadline.err(),
                    log_level.err(),
                ];
                Err(ConfigError {
                    problems: problems.into_iter().flatten().collect(),
                })
            }
        }
    }

    /// Reads the configuration from the process environment. A variable that is
    /// not valid Unicode counts as unset.
    ///
    /// # Errors
    ///
    /// As [`Config::from_lookup`].
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// The address to bind: every interface, on the configured port.
    pub fn listen_addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::UNSPECIFIED, self.port))
    }
}

/// A problem about a non-secret variable, which repeats the value it found.
fn invalid(name: &'static str, value: String, reason: &str) -> ConfigProblem {
    ConfigProblem::Invalid {
        name,
        value: Some(value),
        reason: reason.to_string(),
    }
}

fn read_port(raw: Option<String>) -> Result<u16, ConfigProblem> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_PORT);
    };
    // Parsing into u16 already refuses 65536, negative numbers, decimals and
    // spaces, and accepts leading zeros (`0080`); it also accepts a leading
    // `+`, which the README leaves open. 0 parses but means "any free port" to
    // the OS, which no load balancer can find.
    match raw.parse::<u16>() {
        Ok(port) if port >= 1 => Ok(port),
        _ => Err(invalid(PORT, raw, "must be a whole number from 1 to 65535")),
    }
}

fn read_database_url(raw: Option<String>) -> Result<Secret, ConfigProblem> {
    let Some(raw) = raw else {
        return Err(ConfigProblem::Missing { name: DATABASE_URL });
    };
    if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
        Ok(Secret::new(raw))
    } else {
        // The URL usually carries the password: say what is wrong, never what it was.
        Err(ConfigProblem::Invalid {
            name: DATABASE_URL,
            value: None,
            reason: "must start with postgres:// or postgresql://".to_string(),
        })
    }
}

fn read_shutdown_deadline(raw: Option<String>) -> Result<Duration, ConfigProblem> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_SHUTDOWN_DEADLINE);
    };
    match raw.parse::<u64>() {
        Ok(secs) if (1..=MAX_SHUTDOWN_DEADLINE_SECS).contains(&secs) => {
            Ok(Duration::from_secs(secs))
        }
        _ => Err(invalid(
            SHUTDOWN_DEADLINE_SECS,
            raw,
            "must be a whole number of seconds from 1 to 300",
        )),
    }
}

fn read_log_level(raw: Option<String>) -> Result<LogLevel, ConfigProblem> {
    let Some(raw) = raw else {
        return Ok(LogLevel::Info);
    };
    LogLevel::ALL
        .into_iter()
        .find(|level| raw.eq_ignore_ascii_case(level.as_str()))
        .ok_or_else(|| {
            invalid(
                LOG_LEVEL,
                raw,
                "must be one of error, warn, info, debug, trace",
            )
        })
}

// ---------------------------------------------------------------------------
// Health
// ---------------------------------------------------------------------------

/// Whether the service should receive traffic, as `/readyz` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// Every dependency is ready and shutdown has not begun.
    Ready,
    /// Still waiting for these dependencies, in the order they were registered.
    Waiting(Vec<String>),
    /// Shutdown has begun; this never changes back.
    ShuttingDown,
}

/// The readiness state shared by the handlers, the server and the code that
/// connects to dependencies. Clones share one state.
#[derive(Debug, Clone)]
pub struct Health {
    state: Arc<Mutex<HealthState>>,
}

#[derive(Debug)]
struct HealthState {
    /// Each dependency with whether it is ready, in registration order.
    dependencies: Vec<(String, bool)>,
    shutting_down: bool,
}

impl Health {
    /// A health state waiting for the named dependencies, none of them ready
    /// yet. With no dependencies the service is ready at once.
    pub fn new<I, S>(dependencies: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let dependencies = dependencies
            .into_iter()
            .map(|name| (name.into(), false))
            .collect();
        Self {
            state: Arc::new(Mutex::new(HealthState {
                dependencies,
                shutting_down: false,
            })),
        }
    }

    /// Records whether `dependency` is ready; it may go back to not ready.
    ///
    /// # Panics
    ///
    /// If `dependency` was not given to [`Health::new`]: a misspelt name would
    /// otherwise keep the service unready forever, silently.
    pub fn set_ready(&self, dependency: &str, ready: bool) {
        let mut state = self.lock();
        match state
            .dependencies
            .iter_mut()
            .find(|(name, _)| name == dependency)
        {
            Some((_, flag)) => *flag = ready,
            None => {
                drop(state); // don't poison the lock for the other handles
                panic!("unknown dependency {dependency:?}");
            }
        }
    }

    /// Marks the start of shutdown: from now on the service is not ready.
    pub fn begin_shutdown(&self) {
        self.lock().shutting_down = true;
    }

    /// The current readiness. Shutting down wins over waiting.
    pub fn readiness(&self) -> Readiness {
        let state = self.lock();
        if state.shutting_down {
            return Readiness::ShuttingDown;
        }
        let waiting: Vec<String> = state
            .dependencies
            .iter()
            .filter(|(_, ready)| !ready)
            .map(|(name, _)| name.clone())
            .collect();
        if waiting.is_empty() {
            Readiness::Ready
        } else {
            Readiness::Waiting(waiting)
        }
    }

    fn lock(&self) -> MutexGuard<'_, HealthState> {
        // Every update is a single assignment, so a panic elsewhere cannot
        // leave the state half-written: using it after a poison is safe.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A router with `GET /livez` and `GET /readyz`, both reading `health`.
pub fn health_routes(health: Health) -> Router {
    Router::new()
        .route("/livez", get(livez))
        .route("/readyz", get(readyz))
        .with_state(health)
}

/// Liveness asks only "is this process able to answer?". It must not look at
/// dependencies or shutdown: a failing liveness probe gets the process
/// restarted, which would turn a database outage into a restart storm.
async fn livez() -> Json<serde_json::Value> {
    Json(json!({ "status": "alive" }))
}

async fn readyz(State(health): State<Health>) -> Response {
    match health.readiness() {
        Readiness::Ready => (StatusCode::OK, Json(json!({ "status": "ready" }))).into_response(),
        Readiness::Waiting(names) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "waiting", "waiting_for": names })),
        )
            .into_response(),
        Readiness::ShuttingDown => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "shutting_down" })),
        )
            .into_response(),
    }
}

// ---------------------------------------------------------------------------
// Serving and graceful shutdown
// ---------------------------------------------------------------------------

/// How [`run`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShutdownOutcome {
    /// Every connection finished before the deadline.
    Drained,
    /// The deadline passed first; `in_flight` requests were still running.
    DeadlineHit {
        /// How many requests had not finished when the deadline passed.
        in_flight: usize,
    },
}

/// Serves `app` plus `/livez` and `/readyz` on `listener` until `shutdown`
/// completes, then shuts down gracefully and says how that went.
///
/// When `shutdown` completes: readiness turns to shutting down, the listener
/// stops accepting, requests in flight run on, and `run` returns once every
/// connection is closed ([`ShutdownOutcome::Drained`]) or once `deadline` has
/// passed since the signal ([`ShutdownOutcome::DeadlineHit`]), whichever is first.
///
/// # Errors
///
/// An I/O error from the server itself.
pub async fn run<F>(
    listener: TcpListener,
    app: Router,
    health: Health,
    shutdown: F,
    deadline: Duration,
) -> io::Result<ShutdownOutcome>
where
    F: Future<Output = ()> + Send + 'static,
{
    let in_flight = Arc::new(AtomicUsize::new(0));
    let app = app
        .merge(health_routes(health.clone()))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&in_flight),
            count_in_flight,
        ));

    // axum stops accepting as soon as this future completes, so readiness is
    // failed inside it, before the listener closes. The oneshot tells `run`
    // when the signal came, which is when the deadline starts counting.
    let (signalled_tx, signalled_rx) = oneshot::channel();
    let signal = async move {
        shutdown.await;
        health.begin_shutdown();
        let _ = signalled_tx.send(());
    };
    let mut server = pin!(
        axum::serve(listener, app)
            .with_graceful_shutdown(signal)
            .into_future()
    );

    tokio::select! {
        result = &mut server => return result.map(|()| ShutdownOutcome::Drained),
        _ = signalled_rx => {}
    }
    match tokio::time::timeout(deadline, server).await {
        Ok(result) => result.map(|()| ShutdownOutcome::Drained),
        // Dropping the server future stops waiting; connections still open are
        // left to die with the process, which is what happens right after.
        Err(_elapsed) => Ok(ShutdownOutcome::DeadlineHit {
            in_flight: in_flight.load(Ordering::SeqCst),
        }),
    }
}

/// Decrements the in-flight count when dropped.
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Counts the requests whose handler is running. The count goes down in a
/// `Drop` guard, not after `.await`, because hyper drops (cancels) a handler
/// whose client disconnected, and that request is no longer in flight. The
/// layer wraps the merged router, so the probes count too, and a request stops
/// counting when its handler returns the response, before the body is sent
/// (both left open by the README).
async fn count_in_flight(
    State(count): State<Arc<AtomicUsize>>,
    request: Request,
    next: Next,
) -> Response {
    count.fetch_add(1, Ordering::SeqCst);
    let _guard = InFlight(count);
    next.run(request).await
}
