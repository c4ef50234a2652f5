//! The one I/O error of the library: what was being done, and what the OS said. Every
//! module's error enum wraps it (`#[from]`), so `.map_err(io("reading x"))?` works anywhere.

/// A file or folder could not be read, written, copied or created.
#[derive(Debug, thiserror::Error)]
#[error("{what}: {source}")]
pub struct IoError {
    /// What was being done, e.g. `cannot write lessons/03-caching.md`.
    pub what: String,
    /// What the OS said.
    #[source]
    pub source: std::io::Error,
}

/// Attaches `what` to an OS error: `std::fs::read(&path).map_err(io(format!("cannot read {}", path.display())))?`.
pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> IoError {
    let what = what.into();
    move |source| IoError { what, source }
}
