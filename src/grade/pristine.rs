//! The original stub of every exercise, kept under `.workbook/pristine/<slug>/` so that
//! `workbook reset` can restore it after the learner has changed it.
//!
//! The copy is taken the first time the workbook sees an exercise. Where the course is a git
//! checkout, files are taken as committed (so edits made before that first run are not
//! mistaken for the original); elsewhere, as they are on disk.

use crate::io_error::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::course::{Course, Exercise};

/// Why a pristine copy could not be made or restored.
#[derive(Debug, thiserror::Error)]
pub enum PristineError {
    /// A file could not be read, written or copied.
    #[error(transparent)]
    Io(#[from] crate::io_error::IoError),
    /// The learner's folder is a link to a folder outside the course.
    #[error("{} leads outside the course; reset writes only inside the course folder", .0.display())]
    OutsideCourse(PathBuf),
    /// No pristine copy exists to restore from.
    #[error("no original copy of `{0}` was kept, so it cannot be reset")]
    Missing(String),
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
            // A link is not part of a stub: its target may be anywhere on the machine.
            if std::fs::symlink_metadata(source.join(&rel)).is_ok_and(|m| m.is_symlink()) {
                continue;
            }
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
                return Err(io(format!("cannot create {}", target.display()))(e).into());
            }
        }
    }
    Ok(())
}

/// Files of a crate folder relative to it, without build output. Symbolic links are listed
/// as files and never followed, so a link to a folder elsewhere is not walked into.
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
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_dir {
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

/// Copies the learner's folder to a new `.workbook/backups/<slug>-<time>[-N]/`, then makes it
/// exactly the pristine copy again. Returns the backup folder.
///
/// Every reset gets a folder of its own, however quickly resets follow each other. Nothing is
/// written through a symbolic link: a link in the learner's folder is backed up as a link and
/// replaced by a real file, and a learner's folder that is itself a link out of the course is
/// refused.
pub fn reset(course: &Course, exercise: &Exercise) -> Result<PathBuf, PristineError> {
    let original = dir(course, exercise);
    if !original.is_dir() {
        return Err(PristineError::Missing(exercise.slug.to_string()));
    }
    let learner = course.root.join(&exercise.stub_dir);
    let inside = match (learner.canonicalize(), course.root.canonicalize()) {
        (Ok(folder), Ok(root)) => folder.starts_with(root),
        _ => false,
    };
    if !inside || std::fs::symlink_metadata(&learner).is_ok_and(|m| m.is_symlink()) {
        return Err(PristineError::OutsideCourse(learner));
    }
    let backup = new_backup_dir(course, exercise)?;
    for rel in stub_files(&learner)? {
        copy_entry(&learner.join(&rel), &backup.join(&rel))?;
    }
    // Only once the backup is complete is anything of the learner's removed.
    for rel in stub_files(&learner)? {
        let from = learner.join(&rel);
        let link = std::fs::symlink_metadata(&from).is_ok_and(|m| m.is_symlink());
        if link || !original.join(&rel).exists() {
            std::fs::remove_file(&from).map_err(io(format!("cannot remove {}", from.display())))?;
        }
    }
    for rel in stub_files(&original)? {
        let to = learner.join(&rel);
        make_real_parents(&learner, &rel)?;
        std::fs::copy(original.join(&rel), &to)
            .map_err(io(format!("cannot restore {}", to.display())))?;
    }
    Ok(backup)
}

/// Claims a backup folder no other reset has: `create_dir` fails on an existing folder, so
/// two resets in the same second get `-2`, `-3`, ...
fn new_backup_dir(course: &Course, exercise: &Exercise) -> Result<PathBuf, PristineError> {
    let backups = course.root.join(".workbook/backups");
    std::fs::create_dir_all(&backups)
        .map_err(io(format!("cannot create {}", backups.display())))?;
    let stem = format!("{}-{}", exercise.slug, timestamp());
    for n in 1..10_000 {
        let name = if n == 1 {
            stem.clone()
        } else {
            format!("{stem}-{n}")
        };
        let candidate = backups.join(name);
        match std::fs::create_dir(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(format!("cannot create {}", candidate.display()))(e).into()),
        }
    }
    Err(io(format!(
        "cannot create a backup folder in {}",
        backups.display()
    ))(std::io::Error::other("too many backups in one second"))
    .into())
}

/// Copies one file, or recreates one symbolic link as a link (never following it).
fn copy_entry(from: &Path, to: &Path) -> Result<(), PristineError> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)
            .map_err(io(format!("cannot create {}", parent.display())))?;
    }
    let what = format!("cannot back up {}", from.display());
    if std::fs::symlink_metadata(from).is_ok_and(|m| m.is_symlink()) {
        let target = std::fs::read_link(from).map_err(io(what.clone()))?;
        return Ok(std::os::unix::fs::symlink(target, to).map_err(io(what))?);
    }
    std::fs::copy(from, to).map_err(io(what))?;
    Ok(())
}

/// Makes every folder on the way from `root` to `rel` a real folder inside the course: a
/// symbolic link met on the way is removed (it was backed up) and a folder made instead.
fn make_real_parents(root: &Path, rel: &Path) -> Result<(), PristineError> {
    let mut at = root.to_path_buf();
    let Some(parent) = rel.parent() else {
        return Ok(());
    };
    for part in parent.components() {
        at.push(part);
        if std::fs::symlink_metadata(&at).is_ok_and(|m| m.is_symlink()) {
            std::fs::remove_file(&at).map_err(io(format!("cannot remove {}", at.display())))?;
        }
        if !at.is_dir() {
            std::fs::create_dir(&at).map_err(io(format!("cannot create {}", at.display())))?;
        }
    }
    Ok(())
}

/// One backup of an exercise, as `reset --list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    /// The folder.
    pub dir: PathBuf,
    /// The files in it.
    pub files: usize,
}

/// The backups of `exercise`, newest first.
pub fn backups(course: &Course, exercise: &Exercise) -> Result<Vec<Backup>, PristineError> {
    let folder = course.root.join(".workbook/backups");
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return Ok(Vec::new());
    };
    let prefix = format!("{}-", exercise.slug);
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        // `<date>-<time>` and an optional `-N`: the sort key.
        let mut parts = rest.splitn(3, '-');
        let (Some(date), Some(time)) = (parts.next(), parts.next()) else {
            continue;
        };
        if date.len() != 8
            || time.len() != 6
            || !(date.to_owned() + time).chars().all(|c| c.is_ascii_digit())
        {
            continue;
        }
        let n: u32 = parts.next().and_then(|n| n.parse().ok()).unwrap_or(1);
        let files = stub_files(&entry.path())?.len();
        found.push((
            (date.to_string(), time.to_string(), n),
            Backup {
                dir: entry.path(),
                files,
            },
        ));
    }
    found.sort_by(|a, b| b.0.cmp(&a.0));
    Ok(found.into_iter().map(|(_, backup)| backup).collect())
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
