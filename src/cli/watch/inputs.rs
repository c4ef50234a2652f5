//! What `watch` re-grades on: the crate's inputs (`Cargo.toml`, `build.rs`, `src/**`,
//! `tests/**`) whose content changed, never an editor's side files.
//!
//! Editors write many files that are not a save: Vim's swap file on opening and every few
//! seconds while typing, its `4913` probe, Emacs's lock link, backups on saving. File events
//! alone cannot tell a save from those, nor an in-place write from a write-then-rename, so
//! the watcher keeps the content of every input and re-grades only when it differs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::course::side_files::{is_side_file, is_side_path};

/// The content of a crate's inputs at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Inputs {
    root: PathBuf,
    files: BTreeMap<PathBuf, Vec<u8>>,
}

/// The files at the crate's top that are inputs.
const INPUT_FILES: [&str; 2] = ["Cargo.toml", "build.rs"];

/// The folders below the crate whose files are inputs.
const INPUT_DIRS: [&str; 2] = ["src", "tests"];

impl Inputs {
    /// Reads the inputs of the crate in `root`. Unreadable files count as absent.
    pub fn read(root: &Path) -> Inputs {
        let mut files = BTreeMap::new();
        for file in INPUT_FILES {
            if let Ok(bytes) = std::fs::read(root.join(file)) {
                files.insert(PathBuf::from(file), bytes);
            }
        }
        for dir in INPUT_DIRS {
            collect(root, &root.join(dir), &mut files);
        }
        Inputs {
            root: root.to_path_buf(),
            files,
        }
    }

    /// True when one of `paths` could be an input (so the inputs are worth reading again).
    pub fn concerns(&self, paths: &[PathBuf]) -> bool {
        paths.iter().any(|path| {
            let Ok(rel) = path.strip_prefix(&self.root) else {
                return false;
            };
            let top_level_input = INPUT_FILES.iter().any(|file| rel == Path::new(file))
                || INPUT_DIRS.iter().any(|dir| rel.starts_with(dir));
            top_level_input && !is_side_path(&self.root, path)
        })
    }

    /// Reads the inputs again if `paths` concern them; true when their content changed since
    /// the last read (which then becomes the new reference).
    #[cfg(test)]
    pub fn changed(&mut self, paths: &[PathBuf]) -> bool {
        self.concerns(paths) && self.refresh()
    }

    /// Reads the inputs again; true when their content changed since the last read (which
    /// then becomes the new reference). Called once writes have settled: a save in place
    /// truncates the file first, and that moment must not count as a change.
    pub fn refresh(&mut self) -> bool {
        let now = Inputs::read(&self.root);
        if now == *self {
            return false;
        }
        *self = now;
        true
    }
}

fn collect(root: &Path, dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if is_side_file(&entry.file_name()) {
            continue;
        }
        let path = entry.path();
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => collect(root, &path, files),
            Ok(kind) if kind.is_file() => {
                if let (Ok(bytes), Ok(rel)) = (std::fs::read(&path), path.strip_prefix(root)) {
                    files.insert(rel.to_path_buf(), bytes);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crate_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), "[package]\n").unwrap();
        std::fs::write(dir.path().join("src/lib.rs"), "pub fn a() {}\n").unwrap();
        dir
    }

    fn write(dir: &Path, rel: &str, text: &str) -> Vec<PathBuf> {
        let path = dir.join(rel);
        std::fs::write(&path, text).unwrap();
        vec![path]
    }

    #[test]
    fn vim_opening_typing_and_saving() {
        let dir = crate_dir();
        let root = dir.path();
        let mut inputs = Inputs::read(root);
        // Opening the file and typing: a swap file, written again and again.
        for _ in 0..3 {
            assert!(!inputs.changed(&write(root, "src/.lib.rs.swp", "swap")));
        }
        // Saving: the probe file, a backup, then the file itself.
        let probe = write(root, "src/4913", "");
        std::fs::remove_file(&probe[0]).unwrap();
        assert!(!inputs.changed(&probe));
        assert!(!inputs.changed(&write(root, "src/lib.rs~", "pub fn a() {}\n")));
        assert!(inputs.changed(&write(root, "src/lib.rs", "pub fn a() { }\n")));
        // Closing: the swap file goes away.
        let swap = root.join("src/.lib.rs.swp");
        std::fs::remove_file(&swap).unwrap();
        assert!(!inputs.changed(&[swap]));
    }

    #[test]
    fn emacs_lock_links_and_autosaves_are_ignored() {
        let dir = crate_dir();
        let root = dir.path();
        let mut inputs = Inputs::read(root);
        let lock = root.join("src/.#lib.rs");
        std::os::unix::fs::symlink("learner@host.1234:1700000000", &lock).unwrap();
        assert!(!inputs.changed(std::slice::from_ref(&lock)));
        assert!(!inputs.changed(&write(root, "src/#lib.rs#", "autosave")));
        assert!(inputs.changed(&write(root, "src/lib.rs", "pub fn b() {}\n")));
    }

    #[test]
    fn a_rename_save_counts_and_jetbrains_temporaries_do_not() {
        let dir = crate_dir();
        let root = dir.path();
        let mut inputs = Inputs::read(root);
        let temp = write(root, "src/lib.rs___jb_tmp___", "pub fn c() {}\n");
        assert!(!inputs.changed(&temp));
        let old = root.join("src/lib.rs___jb_old___");
        std::fs::rename(root.join("src/lib.rs"), &old).unwrap();
        std::fs::rename(&temp[0], root.join("src/lib.rs")).unwrap();
        std::fs::remove_file(&old).unwrap();
        assert!(inputs.changed(&[root.join("src/lib.rs"), old]));
    }

    #[test]
    fn touching_without_a_change_does_not_count_but_a_new_file_does() {
        let dir = crate_dir();
        let root = dir.path();
        let mut inputs = Inputs::read(root);
        assert!(!inputs.changed(&write(root, "src/lib.rs", "pub fn a() {}\n")));
        assert!(inputs.changed(&write(root, "src/extra.rs", "")));
        assert!(inputs.changed(&write(root, "Cargo.toml", "[package]\nname = \"x\"\n")));
        // Files outside the inputs never count.
        assert!(!inputs.changed(&write(root, "README.md", "notes")));
    }
}
