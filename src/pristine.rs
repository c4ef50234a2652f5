//! The original stub of every exercise, kept under `.workbook/pristine/<slug>/` so that
//! `workbook reset` can restore it after the learner has changed it.
//!
//! The copy is taken the first time the workbook sees an exercise. Where the course is a git
//! checkout, files are taken as committed (so edits made before that first run are not
//! mistaken for the original); elsewhere, as they are on disk.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::course::{Course, Exercise};

/// Why a pristine copy could not be made or restored.
#[derive(Debug, thiserror::Error)]
pub enum PristineError {
    /// A file could not be read, written or copied.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// No pristine copy exists to restore from.
    #[error("no original copy of `{0}` was kept, so it cannot be reset")]
    Missing(String),
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> PristineError {
    let what = what.into();
    move |source| PristineError::Io { what, source }
}

/// Where the pristine copy of `exercise` lives.
pub fn dir(course: &Course, exercise: &Exercise) -> PathBuf {
    course
        .root
        .join(".workbook/pristine")
        .join(exercise.slug.as_str())
}

/// Takes the pristine copy of every exercise that does not have one yet.
pub fn ensure(course: &Course) -> Result<(), PristineError> {
    for exercise in course.exercises.values() {
        let target = dir(course, exercise);
        if target.exists() {
            continue;
        }
        // A staging folder of its own: the background build and a grade may both take the
        // copy at once, and neither may remove the other's half-written files.
        let parent = target.parent().unwrap_or(&course.root);
        std::fs::create_dir_all(parent)
            .map_err(io(format!("cannot create {}", parent.display())))?;
        let staging = tempfile::Builder::new()
            .prefix(&format!(".{}-", exercise.slug.as_str()))
            .tempdir_in(parent)
            .map_err(io(format!(
                "cannot create a folder in {}",
                parent.display()
            )))?;
        let source = course.root.join(&exercise.stub_dir);
        for rel in stub_files(&source)? {
            let to = staging.path().join(&rel);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(io(format!("cannot create {}", parent.display())))?;
            }
            let bytes = committed(&course.root, &exercise.stub_dir.join(&rel))
                .map(Ok)
                .unwrap_or_else(|| std::fs::read(source.join(&rel)))
                .map_err(io(format!("cannot read {}", source.join(&rel).display())))?;
            std::fs::write(&to, bytes).map_err(io(format!("cannot write {}", to.display())))?;
        }
        // Renamed into place whole, so a copy is never half there; if another process won the
        // race, its copy (of the same files) stands and this one is dropped.
        let staged = staging.keep();
        if let Err(e) = std::fs::rename(&staged, &target) {
            let _ = std::fs::remove_dir_all(&staged);
            if !target.exists() {
                return Err(io(format!("cannot create {}", target.display()))(e));
            }
        }
    }
    Ok(())
}

/// Files of a crate folder relative to it, without build output.
fn stub_files(dir: &Path) -> Result<Vec<PathBuf>, PristineError> {
    let mut found = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(rel) = pending.pop() {
        let entries = std::fs::read_dir(dir.join(&rel))
            .map_err(io(format!("cannot read {}", dir.join(&rel).display())))?;
        for entry in entries {
            let entry = entry.map_err(io(format!("cannot read {}", dir.display())))?;
            let name = entry.file_name();
            if name == "target" || name == "Cargo.lock" {
                continue;
            }
            let path = rel.join(&name);
            if entry.path().is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The committed content of `rel` in the git checkout at `root`, if there is one.
fn committed(root: &Path, rel: &Path) -> Option<Vec<u8>> {
    let spec = format!("HEAD:./{}", rel.to_string_lossy());
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["show", &spec])
        .output()
        .ok()?;
    output.status.success().then_some(output.stdout)
}

/// Copies the learner's folder to `.workbook/backups/<slug>-<time>/`, then makes it exactly
/// the pristine copy again. Returns the backup folder.
pub fn reset(course: &Course, exercise: &Exercise) -> Result<PathBuf, PristineError> {
    let original = dir(course, exercise);
    if !original.is_dir() {
        return Err(PristineError::Missing(exercise.slug.to_string()));
    }
    let learner = course.root.join(&exercise.stub_dir);
    let backup =
        course
            .root
            .join(".workbook/backups")
            .join(format!("{}-{}", exercise.slug, timestamp()));
    for rel in stub_files(&learner)? {
        let to = backup.join(&rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .map_err(io(format!("cannot create {}", parent.display())))?;
        }
        std::fs::copy(learner.join(&rel), &to).map_err(io(format!(
            "cannot back up {}",
            learner.join(&rel).display()
        )))?;
    }
    // Only once the backup is complete is anything of the learner's removed.
    for rel in stub_files(&learner)? {
        if !original.join(&rel).exists() {
            std::fs::remove_file(learner.join(&rel)).map_err(io(format!(
                "cannot remove {}",
                learner.join(&rel).display()
            )))?;
        }
    }
    for rel in stub_files(&original)? {
        let to = learner.join(&rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .map_err(io(format!("cannot create {}", parent.display())))?;
        }
        std::fs::copy(original.join(&rel), &to)
            .map_err(io(format!("cannot restore {}", to.display())))?;
    }
    Ok(backup)
}

/// `YYYYMMDD-HHMMSS` in UTC, for backup folder names that sort by time.
fn timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), after Howard Hinnant's `civil_from_days`.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_416), (2025, 11, 24));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
