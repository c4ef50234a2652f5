//! Live reload: a change under `lessons/`, `quizzes/` or an exercise's README re-renders the
//! course and tells open pages to reload. A broken file does not stop the server: its
//! diagnostics show as a banner until it is fixed.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

use super::site::Site;
use super::state::AppState;
use crate::course::Course;
use crate::course::side_files::is_side_path;

/// Editors write a file in several steps; wait this long for the last one.
const DEBOUNCE: Duration = Duration::from_millis(120);

/// Starts watching the course; the returned watcher stops when dropped.
pub fn watch(state: Arc<AppState>) -> notify::Result<notify::RecommendedWatcher> {
    let (tx, rx) = channel();
    let root = state.course_root.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && !matches!(event.kind, notify::EventKind::Access(_))
            && event.paths.iter().any(|p| is_content(&root, p))
        {
            let _ = tx.send(());
        }
    })?;
    for dir in ["lessons", "quizzes", "exercises"] {
        let path = state.course_root.join(dir);
        if path.is_dir() {
            watcher.watch(&path, RecursiveMode::Recursive)?;
        }
    }
    let version = AtomicU64::new(state.site().version);
    std::thread::spawn(move || {
        while rx.recv().is_ok() {
            // Swallow the rest of a burst of events before rebuilding once.
            loop {
                match rx.recv_timeout(DEBOUNCE) {
                    Ok(()) => continue,
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
            let loaded = match Course::load(&state.course_root) {
                Ok(loaded) => loaded,
                Err(e) => {
                    eprintln!("live reload: {e}");
                    continue;
                }
            };
            let next = version.fetch_add(1, Ordering::SeqCst) + 1;
            match Site::build(loaded, &state.renderer, next) {
                Ok(site) => {
                    let problems = site.errors().len();
                    state.replace_site(site);
                    if problems > 0 {
                        eprintln!(
                            "live reload: the course has {problems} problem(s); pages show them in a banner"
                        );
                    }
                }
                Err(e) => eprintln!("live reload: cannot build the search index: {e}"),
            }
        }
    });
    Ok(watcher)
}

/// Lesson and quiz files, and an exercise's README or exercise.toml; not build output, and
/// not an editor's side files (a swap file, a lock link or a backup is not a change of the
/// course).
fn is_content(root: &Path, path: &Path) -> bool {
    if path.components().any(|c| c.as_os_str() == "target") || is_side_path(root, path) {
        return false;
    }
    if path.file_name().is_none_or(|name| name == "Cargo.toml") {
        return false;
    }
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("md") | Some("toml")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn side_files_do_not_reload_the_course() {
        for path in [
            "/c/lessons/.#02-rest-api-design.md",
            "/c/lessons/#02-rest-api-design.md#",
            "/c/lessons/02-rest-api-design.md~",
            "/c/lessons/.02-rest-api-design.md.swp",
            "/c/quizzes/intro.toml.orig",
            "/c/exercises/.cargo/config.toml",
            "/c/exercises/x/Cargo.toml",
            "/c/exercises/x/target/foo.md",
        ] {
            assert!(!is_content(Path::new("/c"), Path::new(path)), "{path}");
        }
        for path in [
            "/c/lessons/02-rest-api-design.md",
            "/c/quizzes/intro.toml",
            "/c/exercises/x/README.md",
            "/c/exercises/x/exercise.toml",
        ] {
            assert!(is_content(Path::new("/c"), Path::new(path)), "{path}");
        }
    }
}
