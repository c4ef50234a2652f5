//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/fixtures`.
pub fn fixtures() -> PathBuf {
    root().join("tests/fixtures")
}

/// Copies a folder recursively, leaving out what a build or a run leaves behind
/// (`.workbook/`, `target/`, `Cargo.lock`), so every copy starts clean.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == ".workbook" || name == "target" || name == "Cargo.lock" {
            continue;
        }
        let target = to.join(&name);
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Makes in-process grades supervise their processes with the `workbook` binary (the test
/// binary itself cannot act as the supervisor).
pub fn supervise_with_workbook() {
    workbook::grade::contain::set_supervisor(env!("CARGO_BIN_EXE_workbook"));
}
