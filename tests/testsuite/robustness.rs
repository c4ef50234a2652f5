//! Loading a course never panics, whatever bytes its files hold.

use workbook::course::Course;

use crate::common::{fixture_copy, fixtures};

/// A small deterministic generator, so a failure reproduces without a seed file.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

const TARGETS: [&str; 5] = [
    "lessons/01-intro.md",
    "quizzes/intro.toml",
    "exercises/hello/exercise.toml",
    "exercises/hello/Cargo.toml",
    "exercises/hello/README.md",
];

#[test]
fn random_bytes_in_any_course_file_become_diagnostics() {
    let base = fixtures().join("base");
    let mut rng = Lcg(0x5eed);
    for round in 0..120 {
        let dir = fixture_copy("base");
        let target = TARGETS[round % TARGETS.len()];
        let len = (rng.next() % 600) as usize;
        // Half the rounds keep the original text and corrupt a stretch of it, which reaches
        // deeper into the parsers than pure noise does.
        let content = if round % 2 == 0 {
            rng.bytes(len)
        } else {
            let mut text = std::fs::read(base.join(target)).unwrap();
            let at = (rng.next() as usize) % text.len().max(1);
            let noise = rng.bytes(len % 40 + 1);
            text.splice(at..at.min(text.len()), noise);
            text
        };
        std::fs::write(dir.path().join(target), &content).unwrap();
        let loaded = Course::load(dir.path()).unwrap();
        // Whatever happened, every diagnostic points at a file of the course.
        for d in loaded.diagnostics.as_slice() {
            assert!(!d.file.is_empty() && !d.message.is_empty(), "{d:?}");
        }
    }
}

#[test]
fn empty_binary_and_latin1_files_are_reported_not_panicked_on() {
    let cases: [(&str, &[u8], &str); 3] = [
        ("", b"", "empty-file"),
        ("binary", b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary-file"),
        ("latin1", b"title = \"Caf\xe9\"\n", "not-utf8"),
    ];
    for target in TARGETS {
        for (label, bytes, code) in cases {
            let dir = fixture_copy("base");
            std::fs::write(dir.path().join(target), bytes).unwrap();
            let loaded = Course::load(dir.path()).unwrap();
            let codes: Vec<&str> = loaded
                .diagnostics
                .as_slice()
                .iter()
                .filter(|d| d.file == target)
                .map(|d| d.code.as_str())
                .collect();
            assert!(
                codes.contains(&code),
                "{label} {target}: expected {code}, got {codes:?}"
            );
        }
    }
}
