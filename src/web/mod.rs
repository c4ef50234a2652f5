//! `workbook serve`: the local web app. Lessons, quizzes, exercises and progress in the
//! browser, served from memory by axum; quizzes are scored on the server and every answer is
//! kept in the same progress store the CLI uses.

mod api;
mod clock;
mod error;
mod examples;
mod listen;
mod media;
mod pages;
mod reload;
mod security;
mod site;
mod state;
mod unspaced;

use crate::io_error::io;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::{get, post};

pub use error::WebError;
use site::Site;
use state::AppState;

use crate::course::Loaded;
use crate::render::Renderer;
use crate::store::{Store, StoreError};

/// How `workbook serve` was asked to run.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Open the browser at the start-up URL.
    pub open: bool,
    /// Accept state-changing requests without the session cookie (for tests; unsafe).
    pub no_token: bool,
    /// Compile every exercise in the background at start-up.
    pub background_build: bool,
    /// The progress database.
    pub db: PathBuf,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Another program holds the port.
    #[error(
        "port {port} on 127.0.0.1 is already in use; stop the other program or pick another port with --port"
    )]
    PortTaken {
        /// The port.
        port: u16,
    },
    /// Binding failed otherwise.
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The port.
        port: u16,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The progress store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The search index could not be built.
    #[error("cannot build the search index: {0}")]
    Search(#[from] rusqlite::Error),
    /// A file under `.workbook/` could not be read or written.
    #[error(transparent)]
    Io(#[from] crate::io_error::IoError),
}

/// Runs the web app until Ctrl-C.
pub fn run(loaded: Loaded, options: ServeOptions) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(io("cannot start the async runtime"))?;
    runtime.block_on(serve(loaded, options))
}

async fn serve(loaded: Loaded, options: ServeOptions) -> Result<(), ServeError> {
    // The port first: if it is taken, say so before anything is created.
    let (listener, port) = bind(options.port).await?;
    let started = start(loaded, &options, port)?;
    // Ready the grader while the learner reads: the first "Grade now" then only runs tests.
    if options.background_build {
        let course = started.state.site().loaded.course.clone();
        let workdir = crate::grade::Workdir::of(&course);
        started.state.warmup.start(Arc::new(course), workdir);
    }
    let _watcher = watch_course(&started.state);
    let url = announce(port, started.token.as_deref(), options.no_token);
    if options.open {
        open_browser(&url);
    }

    let app = router(started.state);
    let stop = stop_on_ctrl_c(started.shutdown, started.stop_grading);
    listen::serve(listener, app, stop).await;
    Ok(())
}

/// The listener on 127.0.0.1 and the port it holds (the one asked for, or a free one for 0),
/// or why the port cannot be had.
async fn bind(port: u16) -> Result<(tokio::net::TcpListener, u16), ServeError> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|source| match source.kind() {
            std::io::ErrorKind::AddrInUse => ServeError::PortTaken { port },
            _ => ServeError::Bind { port, source },
        })?;
    let bound = listener
        .local_addr()
        .map_err(|source| ServeError::Bind { port, source })?
        .port();
    Ok((listener, bound))
}

/// The running app's state, with the session token its URL carries and the handles that
/// stop it.
struct Started {
    state: Arc<AppState>,
    token: Option<String>,
    /// Tells open pages to disconnect.
    shutdown: tokio::sync::watch::Sender<bool>,
    /// Cancels grades in progress.
    stop_grading: crate::grade::Cancel,
}

/// The app's state (secrets under `.workbook/`, the progress store, the rendered course),
/// or why one of them cannot be made.
fn start(loaded: Loaded, options: &ServeOptions, port: u16) -> Result<Started, ServeError> {
    let root = crate::grade::absolute(&loaded.course.root);
    let workdir = root.join(".workbook");
    let token = if options.no_token {
        None
    } else {
        Some(secret(&workdir.join("session-token"))?)
    };
    let learner_seed = secret(&workdir.join("learner-id"))?;
    let store = Store::open(&options.db)?;
    let renderer = Renderer::default();
    let site = Site::build(loaded, &renderer, 1)?;

    let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
    let stop_grading = crate::grade::Cancel::default();
    let state = Arc::new(AppState::new(
        site,
        renderer,
        store,
        token.clone(),
        learner_seed,
        port,
        root,
        shutdown_rx,
        stop_grading.clone(),
    ));
    Ok(Started {
        state,
        token,
        shutdown,
        stop_grading,
    })
}

/// The watcher that reloads the course on every change, or `None` (said on stderr) when the
/// folder cannot be watched, which leaves the app usable.
fn watch_course(state: &Arc<AppState>) -> Option<notify::RecommendedWatcher> {
    match reload::watch(state.clone()) {
        Ok(watcher) => Some(watcher),
        Err(e) => {
            eprintln!("warning: live reload is off, the course folder cannot be watched: {e}");
            None
        }
    }
}

/// Prints where the app is running (and the warning `--no-token` deserves); returns the
/// start-up URL, which signs the browser in.
fn announce(port: u16, token: Option<&str>, no_token: bool) -> String {
    let url = match token {
        Some(token) => format!("http://127.0.0.1:{port}/?token={token}"),
        None => format!("http://127.0.0.1:{port}/"),
    };
    println!("Backend Workbook is running at {url}");
    println!("Open that address in your browser (it signs this browser in); press Ctrl-C to stop.");
    if no_token {
        eprintln!(
            "warning: --no-token is UNSAFE outside tests: any program on this machine can submit answers and run the grader through this server"
        );
    }
    let _ = std::io::stdout().flush();
    url
}

/// Returns on Ctrl-C, once open pages are told to disconnect and grades in progress to stop.
async fn stop_on_ctrl_c(
    shutdown: tokio::sync::watch::Sender<bool>,
    stop_grading: crate::grade::Cancel,
) {
    let _ = tokio::signal::ctrl_c().await;
    println!("\nStopping: open pages are told to disconnect.");
    // Grades in progress stop too, with everything they started.
    stop_grading.cancel();
    let _ = shutdown.send(true);
}

fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/lessons/{slug}", get(pages::lesson))
        .route("/exercises/{slug}", get(pages::exercise))
        .route("/exercises/{slug}/review", get(pages::compare))
        .route("/exercises/{slug}/style", post(pages::check_style))
        .route("/exercises/{slug}/hints", post(api::reveal_hint))
        .route("/exercises/{slug}/grade", post(api::grade_exercise))
        .route("/lessons/{slug}/examples", get(examples::list))
        .route(
            "/lessons/{slug}/examples/{number}",
            get(examples::show).put(examples::save),
        )
        .route("/lessons/{slug}/examples/{number}/run", post(examples::run))
        .route(
            "/lessons/{slug}/examples/{number}/reset",
            post(examples::reset),
        )
        .route("/grader", get(api::grader_status))
        .route("/quizzes/{slug}/attempts", post(api::submit_quiz))
        .route("/progress", get(pages::progress_page))
        .route("/review", get(pages::review))
        .route("/search", get(pages::search))
        .route("/events", get(api::events))
        .route("/static/{name}", get(pages::asset))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::guard,
        ))
        // Outermost, so the guard's refusals carry the headers too.
        .layer(middleware::map_response(security::security_headers))
        .with_state(state)
}

async fn not_found(request: axum::extract::Request) -> impl IntoResponse {
    let json =
        security::wants_json(request.headers()) || request.method() != axum::http::Method::GET;
    WebError::not_found(format!("nothing lives at {}", request.uri().path()), json)
}

async fn method_not_allowed(request: axum::extract::Request) -> impl IntoResponse {
    WebError::json(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        format!(
            "{} is not allowed on {}",
            request.method(),
            request.uri().path()
        ),
    )
}

/// A 128-bit random secret kept in `path` (owner-only), created on first use, so bookmarks
/// and option shuffles survive restarts.
fn secret(path: &Path) -> Result<String, ServeError> {
    if let Ok(text) = std::fs::read_to_string(path) {
        let text = text.trim();
        if text.len() >= 32 && text.chars().all(|c| c.is_ascii_hexdigit()) {
            return Ok(text.to_string());
        }
    }
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| {
        io("cannot get random bytes for the session token")(std::io::Error::other(e.to_string()))
    })?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io(format!("cannot create {}", dir.display())))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(io(format!("cannot write {}", path.display())))?;
    file.write_all(hex.as_bytes())
        .map_err(io(format!("cannot write {}", path.display())))?;
    Ok(hex)
}

fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    if std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_err()
    {
        eprintln!("note: could not start a browser ({opener}); open the address above yourself");
    }
}
