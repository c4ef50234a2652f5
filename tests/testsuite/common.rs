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

/// The command lines of live processes other than this one that contain `marker` (a path or
/// an argument only the processes of one test use).
pub fn processes_mentioning(marker: &str) -> Vec<String> {
    processes_mentioning_except(marker, None)
}

/// Like [`processes_mentioning`], leaving out process `except` as well (a server under test).
pub fn processes_mentioning_except(marker: &str, except: Option<u32>) -> Vec<String> {
    let mut found = Vec::new();
    let skip = [Some(std::process::id()), except];
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if skip.contains(&Some(pid)) {
            continue;
        }
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        let zombie = std::fs::read_to_string(entry.path().join("stat")).is_ok_and(|s| {
            s.rsplit_once(')')
                .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
        });
        if cmdline.contains(marker) && !zombie {
            found.push(cmdline);
        }
    }
    found
}

/// Waits up to `limit` until no process but `except` mentions `marker`; returns what is still
/// running then (empty when all are gone).
pub fn wait_until_gone(
    marker: &str,
    except: Option<u32>,
    limit: std::time::Duration,
) -> Vec<String> {
    let deadline = std::time::Instant::now() + limit;
    loop {
        let left = processes_mentioning_except(marker, except);
        if left.is_empty() || std::time::Instant::now() >= deadline {
            return left;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// The path of `name` on PATH, if it is installed.
pub fn find_program(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}
