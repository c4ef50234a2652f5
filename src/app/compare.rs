//! Review after passing: once an exercise passes, the learner may compare their code with
//! the reference solution, file by file. Never before the first pass (the solution would
//! give the exercise away), and not in a learner edition, which has no solutions.

use std::path::{Path, PathBuf};

use super::{AppError, ProgressStore};
use crate::course::{Course, Exercise};
use crate::io_error::io;

/// What a review can show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Review {
    /// The exercise has not passed yet: nothing is shown.
    NotPassedYet,
    /// It passed, but this course has no reference solutions (a learner edition).
    NoSolution {
        /// When it first passed (UTC, `YYYY-MM-DD HH:MM:SS`).
        first_passed_at: String,
    },
    /// The learner's files beside the reference's.
    Ready {
        /// When it first passed (UTC); a later regression does not change it.
        first_passed_at: String,
        /// One entry per Rust file of either side, by path under the crate.
        files: Vec<FilePair>,
    },
}

/// One file of the crate as the learner and the reference have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePair {
    /// The path under the crate, e.g. `src/lib.rs`.
    pub path: PathBuf,
    /// The learner's text (`None`: the learner has no such file).
    pub yours: Option<String>,
    /// The reference's text (`None`: only the learner has it).
    pub reference: Option<String>,
}

/// The review of `exercise`, if it has passed.
pub fn review(
    course: &Course,
    exercise: &Exercise,
    store: &impl ProgressStore,
) -> Result<Review, AppError> {
    let history = store.read(|s| s.grade_history())?;
    let Some(first_passed_at) = history
        .get(exercise.slug.as_str())
        .and_then(|h| h.first_passed_at.clone())
    else {
        return Ok(Review::NotPassedYet);
    };
    let solution = course.root.join(&exercise.grader_dir).join("solution");
    if !solution.join("src").is_dir() {
        return Ok(Review::NoSolution { first_passed_at });
    }
    let yours = course.root.join(&exercise.stub_dir);
    let mut paths = rust_files(&yours.join("src"), &yours)?;
    paths.extend(rust_files(&solution.join("src"), &solution)?);
    paths.sort();
    paths.dedup();
    let files = paths
        .into_iter()
        .map(|path| {
            Ok(FilePair {
                yours: read_if_present(&yours.join(&path))?,
                reference: read_if_present(&solution.join(&path))?,
                path,
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(Review::Ready {
        first_passed_at,
        files,
    })
}

/// The `.rs` files under `dir`, relative to `base`, sorted.
fn rust_files(dir: &Path, base: &Path) -> Result<Vec<PathBuf>, AppError> {
    let mut found = Vec::new();
    if !dir.is_dir() {
        return Ok(found);
    }
    let entries = std::fs::read_dir(dir).map_err(io(format!("cannot read {}", dir.display())))?;
    for entry in entries {
        let path = entry
            .map_err(io(format!("cannot read {}", dir.display())))?
            .path();
        // Links are not followed: a review reads only the crate's own files.
        let kind = std::fs::symlink_metadata(&path)
            .map_err(io(format!("cannot read {}", path.display())))?
            .file_type();
        if kind.is_dir() {
            found.extend(rust_files(&path, base)?);
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "rs") {
            found.push(path.strip_prefix(base).unwrap_or(&path).to_path_buf());
        }
    }
    found.sort();
    Ok(found)
}

fn read_if_present(path: &Path) -> Result<Option<String>, AppError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(format!("cannot read {}", path.display()))(e).into()),
    }
}

/// Which side a line of a hunk is from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// In both files.
    Both,
    /// Only in the learner's file.
    Yours,
    /// Only in the reference's.
    Reference,
}

/// One place where the two files differ, with a few lines around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    /// The item it is in, as the reference names it (e.g. `fn get_or_load`), when found.
    pub item: Option<String>,
    /// Its lines, each with its side, without the line end.
    pub lines: Vec<(Side, String)>,
}

/// The differences of `pair`, each with 3 lines of context and the item it is in.
pub fn hunks(pair: &FilePair) -> Vec<Hunk> {
    let yours = pair.yours.as_deref().unwrap_or("");
    let reference = pair.reference.as_deref().unwrap_or("");
    let diff = similar::TextDiff::from_lines(yours, reference);
    let reference_lines: Vec<&str> = reference.lines().collect();
    diff.grouped_ops(3)
        .iter()
        .map(|group| {
            let lines = group
                .iter()
                .flat_map(|op| diff.iter_changes(op))
                .map(|change| {
                    let side = match change.tag() {
                        similar::ChangeTag::Equal => Side::Both,
                        similar::ChangeTag::Delete => Side::Yours,
                        similar::ChangeTag::Insert => Side::Reference,
                    };
                    (
                        side,
                        change.value().trim_end_matches(['\n', '\r']).to_string(),
                    )
                })
                .collect();
            // Where the hunk first changes something, in the reference's lines.
            let changed = group
                .iter()
                .find(|op| op.tag() != similar::DiffTag::Equal)
                .map_or(0, |op| op.new_range().start);
            let end = group.last().map_or(0, |op| op.new_range().end);
            Hunk {
                item: enclosing_item(&reference_lines, changed, end),
                lines,
            }
        })
        .collect()
}

/// The item (`fn`, `impl`, `struct`, `enum`, `trait`, `mod`) a change at line `at` of
/// `lines` is in, as its first words: the nearest one starting at or before `at`, else (a
/// change to the doc comment above an item) the first one before `end`.
fn enclosing_item(lines: &[&str], at: usize, end: usize) -> Option<String> {
    let at = at.min(lines.len());
    let end = end.clamp(at, lines.len());
    let before = lines[..(at + 1).min(lines.len())].iter().rev();
    before
        .filter_map(|line| item_head(line))
        .next()
        .or_else(|| lines[at..end].iter().find_map(|line| item_head(line)))
}

/// `fn add` for `    pub fn add(a: i32) -> i32 {`; `None` for a line that starts no item.
fn item_head(line: &str) -> Option<String> {
    let keywords = ["fn ", "impl", "struct ", "enum ", "trait ", "mod "];
    let code = ["pub(crate) ", "pub ", "async ", "unsafe "]
        .iter()
        .fold(line.trim_start(), |rest, prefix| {
            rest.strip_prefix(prefix).unwrap_or(rest)
        });
    keywords.iter().any(|k| code.starts_with(k)).then(|| {
        let head = code.split(['(', '{', '<']).next().unwrap_or(code);
        head.trim().to_string()
    })
}

/// One row of a side-by-side view: a line of yours beside a line of the reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Your line (`None`: nothing on your side here).
    pub yours: Option<String>,
    /// The reference's line (`None`: nothing on its side here).
    pub reference: Option<String>,
    /// The two sides differ on this row.
    pub changed: bool,
}

/// `hunk` as rows side by side: lines in both on one row, and each run of your lines paired,
/// in order, with the run of the reference's lines that replaces it.
pub fn side_by_side(hunk: &Hunk) -> Vec<Row> {
    let mut rows = Vec::new();
    let (mut yours, mut theirs): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    let flush = |yours: &mut Vec<String>, theirs: &mut Vec<String>, rows: &mut Vec<Row>| {
        let n = yours.len().max(theirs.len());
        let (mut y, mut t) = (yours.drain(..), theirs.drain(..));
        for _ in 0..n {
            rows.push(Row {
                yours: y.next(),
                reference: t.next(),
                changed: true,
            });
        }
    };
    for (side, line) in &hunk.lines {
        match side {
            Side::Yours => yours.push(line.clone()),
            Side::Reference => theirs.push(line.clone()),
            Side::Both => {
                flush(&mut yours, &mut theirs, &mut rows);
                rows.push(Row {
                    yours: Some(line.clone()),
                    reference: Some(line.clone()),
                    changed: false,
                });
            }
        }
    }
    flush(&mut yours, &mut theirs, &mut rows);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hunk_names_the_function_it_is_in() {
        let pair = FilePair {
            path: PathBuf::from("src/lib.rs"),
            yours: Some("pub fn add(a: i32, b: i32) -> i32 {\n    a.wrapping_add(b)\n}\n\npub fn one() -> i32 {\n    1\n}\n".into()),
            reference: Some("/// Adds.\npub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n\npub fn one() -> i32 {\n    1\n}\n".into()),
        };
        let hunks = hunks(&pair);
        assert_eq!(hunks.len(), 1, "{hunks:?}");
        assert_eq!(hunks[0].item.as_deref(), Some("fn add"));
        assert!(
            hunks[0]
                .lines
                .contains(&(Side::Yours, "    a.wrapping_add(b)".into()))
        );
        assert!(
            hunks[0]
                .lines
                .contains(&(Side::Reference, "    a + b".into()))
        );
        assert!(
            hunks[0]
                .lines
                .contains(&(Side::Reference, "/// Adds.".into()))
        );
    }
}
