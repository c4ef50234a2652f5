//! Ordering and listing hidden tests cheaply, from what earlier grades learned.
//!
//! Tests run side by side on a few workers, so the order matters: a long test started last
//! keeps one worker busy while the others idle. Starting the longest first (the "longest
//! processing time" rule) keeps the workers evenly loaded; the durations come from the last
//! grade of the same package. Listing a binary's tests costs a process, so the list is kept
//! beside it and reused while the binary is unchanged.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// How long each test of one harness package took last time, in milliseconds.
#[derive(Debug, Default)]
pub struct Timings {
    path: PathBuf,
    millis: HashMap<String, u64>,
}

impl Timings {
    /// The timings kept in `dir` for `package` (none yet is an empty record).
    pub fn load(dir: &Path, package: &str) -> Timings {
        let path = dir.join(format!("{package}.json"));
        let millis = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        Timings { path, millis }
    }

    /// Sorts `names` longest first; tests never timed go first of all (they may be long),
    /// in their listed order.
    pub fn order<'a, T>(&self, items: &mut [T], name: impl Fn(&T) -> &'a str) {
        items.sort_by_key(|item| {
            std::cmp::Reverse(self.millis.get(name(item)).copied().unwrap_or(u64::MAX))
        });
    }

    /// Records this grade's durations and writes them; a failure to write only costs speed.
    pub fn save(mut self, durations: impl IntoIterator<Item = (String, u64)>) {
        self.millis = durations.into_iter().collect();
        if let (Some(dir), Ok(text)) = (self.path.parent(), serde_json::to_vec(&self.millis)) {
            let _ = std::fs::create_dir_all(dir);
            let _ = std::fs::write(&self.path, text);
        }
    }
}

/// The test names of `binary` as listed when it had its current size and modification
/// time, if they were kept in `dir`.
pub fn cached_list(dir: &Path, binary: &Path) -> Option<Vec<String>> {
    let (file, stamp) = list_file(dir, binary)?;
    let text = std::fs::read_to_string(file).ok()?;
    let (first, rest) = text.split_once('\n')?;
    (first == stamp).then(|| rest.lines().map(str::to_string).collect())
}

/// Keeps `names` as the list of `binary`'s tests.
pub fn keep_list(dir: &Path, binary: &Path, names: &[String]) {
    if let Some((file, stamp)) = list_file(dir, binary) {
        let _ = std::fs::create_dir_all(dir);
        let _ = std::fs::write(file, format!("{stamp}\n{}", names.join("\n")));
    }
}

fn list_file(dir: &Path, binary: &Path) -> Option<(PathBuf, String)> {
    let meta = std::fs::metadata(binary).ok()?;
    let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    let stamp = format!("{} {}", modified.as_nanos(), meta.len());
    let name = binary.file_name()?.to_string_lossy().into_owned();
    Some((dir.join(format!("{name}.tests")), stamp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_tests_go_first_and_new_ones_before_them() {
        let dir = tempfile::tempdir().unwrap();
        let timings = Timings::load(dir.path(), "p");
        timings.save([
            ("a".to_string(), 5),
            ("b".to_string(), 300),
            ("c".to_string(), 40),
        ]);
        let timings = Timings::load(dir.path(), "p");
        let mut names = vec!["a", "b", "c", "new"];
        timings.order(&mut names, |n| n);
        assert_eq!(names, ["new", "b", "c", "a"]);
    }

    #[test]
    fn a_list_is_reused_only_while_the_binary_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let binary = dir.path().join("tests-0123");
        std::fs::write(&binary, "one").unwrap();
        assert_eq!(cached_list(dir.path(), &binary), None);
        keep_list(dir.path(), &binary, &["x".to_string(), "y".to_string()]);
        assert_eq!(
            cached_list(dir.path(), &binary),
            Some(vec!["x".into(), "y".into()])
        );
        std::fs::write(&binary, "longer").unwrap();
        assert_eq!(cached_list(dir.path(), &binary), None);
    }
}
