//! The hidden tests' binaries stay the grader's. A program a grade runs (a server
//! exercise's server, a test's own code) runs as the same user as the grader, and could
//! replace a test binary with one that reports success, for this grade or the next.
//!
//! - When cargo writes a test binary, its SHA-256 is recorded under the grader's cache. When
//!   cargo calls a binary fresh, the file must still have that digest; if it does not (or
//!   none was recorded), the grader removes it so that cargo builds it again.
//! - Before each test runs, its binary must still be the very file that was checked (same
//!   inode, size and modification time); otherwise the grade stops with an error.
//!
//! In class grading the build folder is read-only inside the sandbox, so this matters on a
//! learner's own machine, where a grade is progress the learner may be tempted to fake.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// What a checked binary's file looked like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Identity {
    inode: u64,
    size: u64,
    modified: i64,
    modified_nanos: i64,
}

/// The checked binaries of one grade, to compare with before each test.
#[derive(Debug, Default)]
pub struct Seals(HashMap<PathBuf, Identity>);

impl Seals {
    /// `Ok` while `binary` is still the file that was checked; else a sentence saying so.
    pub fn unchanged(&self, binary: &Path) -> Result<(), String> {
        let now = identity(binary);
        match (self.0.get(binary), now) {
            (Some(sealed), Some(now)) if *sealed == now => Ok(()),
            _ => Err(format!(
                "the hidden test binary {} changed while the grade ran: a program the grade started replaced it. The grade stops here; nothing was recorded.",
                binary.display()
            )),
        }
    }
}

fn identity(path: &Path) -> Option<Identity> {
    let meta = std::fs::metadata(path).ok()?;
    Some(Identity {
        inode: meta.ino(),
        size: meta.size(),
        modified: meta.mtime(),
        modified_nanos: meta.mtime_nsec(),
    })
}

/// Records the digests of the binaries cargo just wrote and checks those it called fresh.
/// Returns the seals of the binaries that passed, and the binaries that did not (removed,
/// so that the next build writes them again).
pub fn seal(
    cache: &Path,
    binaries: &[(String, PathBuf)],
    fresh: &dyn Fn(&Path) -> bool,
) -> (Seals, Vec<PathBuf>) {
    let mut seals = Seals::default();
    let mut doubtful = Vec::new();
    for (_, binary) in binaries {
        let record = record_path(cache, binary);
        let (Some(digest), Some(id)) = (digest(binary), identity(binary)) else {
            doubtful.push(binary.clone());
            continue;
        };
        let trusted = if fresh(binary) {
            std::fs::read_to_string(&record).is_ok_and(|r| r.trim() == digest)
        } else {
            let _ = std::fs::create_dir_all(cache.join("binaries"));
            std::fs::write(&record, &digest).is_ok()
        };
        if trusted {
            seals.0.insert(binary.clone(), id);
        } else {
            let _ = std::fs::remove_file(binary);
            doubtful.push(binary.clone());
        }
    }
    (seals, doubtful)
}

/// Where the digest of `binary` is kept: one file per binary path.
fn record_path(cache: &Path, binary: &Path) -> PathBuf {
    let name = hex(&Sha256::digest(binary.as_os_str().as_encoded_bytes()));
    cache
        .join("binaries")
        .join(format!("{}.sha256", &name[..32]))
}

fn digest(path: &Path) -> Option<String> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).ok()?;
    Some(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_binary_replaced_after_it_was_recorded_is_removed_and_a_changed_file_is_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        let binary = dir.path().join("tasks-1234");
        std::fs::write(&binary, b"the real test binary").unwrap();
        let list = [("tasks".to_string(), binary.clone())];
        // Written by cargo: recorded and trusted.
        let (seals, doubtful) = seal(&cache, &list, &|_| false);
        assert!(doubtful.is_empty() && seals.unchanged(&binary).is_ok());
        // Called fresh, unchanged: trusted.
        let (seals, doubtful) = seal(&cache, &list, &|_| true);
        assert!(doubtful.is_empty() && seals.unchanged(&binary).is_ok());
        // Replaced during a test: noticed before the next one.
        std::fs::remove_file(&binary).unwrap();
        std::fs::write(&binary, b"#!/bin/sh\necho ok").unwrap();
        assert!(
            seals
                .unchanged(&binary)
                .unwrap_err()
                .contains("changed while the grade ran")
        );
        // Called fresh by cargo at the next grade: not trusted, removed for a rebuild.
        let (_, doubtful) = seal(&cache, &list, &|_| true);
        assert_eq!(doubtful, std::slice::from_ref(&binary));
        assert!(!binary.exists());
    }
}
