//! Service operations: typed configuration read from the environment, liveness
//! and readiness endpoints, and a server that shuts down gracefully within a
//! deadline.
//!
//! The configuration types, `Readiness` and `ShutdownOutcome` are given to
//! you, finished. Everything that says `todo!()` is yours: see README.md for
//! the steps. You may add private fields, types and functions freely, but keep
//! every public signature as it is, because the grader's tests are compiled
//! against them.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;

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
    /// value or `None` if it is unset. A variable set to the empty string
    /// counts as unset. Nothing else is read: not the process environment.
    ///
    /// | variable | type | default |
    /// |---|---|---|
    /// | `PORT` | a whole number from 1 to 65535 | 8080 |
    /// | `DATABASE_URL` | starts with `postgres://` or `postgresql://` | required |
    /// | `SHUTDOWN_DEADLINE_SECS` | whole seconds from 1 to 300 | 30 |
    /// | `LOG_LEVEL` | `error`, `warn`, `info`, `debug` or `trace`, any case | `info` |
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] listing every missing or invalid variable, not just
    /// the first, one problem per variable, in the order of the table above.
    /// An invalid `DATABASE_URL` is reported with `value: None`.
    pub fn from_lookup<F>(lookup: F) -> Result<Config, ConfigError>
    where
        F: Fn(&str) -> Option<String>,
    {
        let _ = lookup;
        todo!("read and check all four variables, then report every problem at once")
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
    // TODO: replace with the state you need (each dependency and whether it is
    // ready, whether shutdown has begun), shared by every clone.
    _state: Arc<Mutex<()>>,
}

impl Health {
    /// A health state waiting for the named dependencies, none of them ready
    /// yet. With no dependencies the service is ready at once.
    pub fn new<I, S>(dependencies: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let _ = dependencies;
        todo!("remember the dependencies, none of them ready")
    }

    /// Records whether `dependency` is ready; it may go back to not ready.
    ///
    /// # Panics
    ///
    /// If `dependency` was not given to [`Health::new`].
    pub fn set_ready(&self, dependency: &str, ready: bool) {
        let _ = (dependency, ready);
        todo!("update one dependency, or panic if it is unknown")
    }

    /// Marks the start of shutdown: from now on the service is not ready.
    pub fn begin_shutdown(&self) {
        todo!("remember that shutdown has begun")
    }

    /// The current readiness. Shutting down wins over waiting.
    pub fn readiness(&self) -> Readiness {
        todo!("shutting down, else waiting for the unready dependencies, else ready")
    }
}

/// A router with `GET /livez` and `GET /readyz`, both reading `health`.
///
/// - `/livez`: always `200 OK` with `{"status":"alive"}`.
/// - `/readyz`: `200 OK` with `{"status":"ready"}` when ready;
///   `503 Service Unavailable` with `{"status":"waiting","waiting_for":[...]}`
///   while dependencies are not ready, or with `{"status":"shutting_down"}`
///   once shutdown has begun.
pub fn health_routes(health: Health) -> Router {
    let _ = health;
    todo!("two GET routes with the health as their state")
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
    let _ = (listener, app, health, shutdown, deadline);
    todo!("serve with graceful shutdown, fail readiness on the signal, drain up to the deadline")
}
