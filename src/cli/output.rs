//! Where a command's output goes: standard output, or a file named with `--out`, written
//! whole at the end so a report is never left half-written.

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;

/// The formats of tables: gradebooks and exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TableFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// JSON with a `version` field.
    Json,
}

/// Writes `bytes` to `file` (atomically) when one was named, else to `out`.
pub fn emit(bytes: &[u8], file: Option<&Path>, out: &mut impl Write) -> anyhow::Result<()> {
    match file {
        Some(path) => write_atomically(path, bytes),
        None => Ok(out.write_all(bytes)?),
    }
}

/// Refuses an `--out` file whose folder does not exist, before work that may take minutes.
pub fn check_out_file(file: Option<&Path>) -> anyhow::Result<()> {
    if let Some(path) = file {
        let dir = parent(path);
        if !dir.is_dir() {
            anyhow::bail!(
                "cannot write the report to {}: {} is not a folder",
                path.display(),
                dir.display()
            );
        }
    }
    Ok(())
}

fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Writes `bytes` to a temporary file beside `path`, then renames it into place.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = parent(path);
    let mut file = tempfile::NamedTempFile::new_in(dir).with_context(|| {
        format!(
            "cannot write {}: cannot create a file in {}",
            path.display(),
            dir.display()
        )
    })?;
    file.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    // A temporary file is private; a report is meant to be shared like any other file.
    use std::os::unix::fs::PermissionsExt;
    file.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
