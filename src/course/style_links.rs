//! `grader/style.toml`: the lesson section a style note links to, by lint.
//!
//! ```toml
//! [read]
//! await_holding_lock = "framework-patterns#shared-state-and-dependency-injection"
//! ```
//!
//! Optional: a course without it shows clippy's notes with clippy's own pages only.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::Course;

/// The file's name in the grader folder.
pub const STYLE_FILE: &str = "style.toml";

/// A lint's lesson section: `<lesson slug>#<anchor>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StyleLink {
    /// The lesson's slug.
    pub lesson: String,
    /// The heading's anchor.
    pub anchor: String,
    /// The line of the file that names it (1-based), for `check`.
    pub line: u32,
}

/// Where the course keeps the file.
pub fn style_file(course: &Course) -> PathBuf {
    course.root.join(&course.grader_root).join(STYLE_FILE)
}

/// The links by lint; none when the file is absent. `Err` is the parser's message (a bad
/// TOML file, an unknown table, a value without `#`).
pub fn read(path: &Path) -> Result<BTreeMap<String, StyleLink>, String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(BTreeMap::new());
    };
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct StyleFile {
        #[serde(default)]
        read: BTreeMap<String, String>,
    }
    let file: StyleFile = toml::from_str(&text).map_err(|e| e.message().to_string())?;
    let mut links = BTreeMap::new();
    for (lint, section) in file.read {
        let line = text
            .lines()
            .position(|l| {
                l.trim_start().starts_with(&format!("{lint} "))
                    || l.trim_start().starts_with(&format!("{lint}="))
            })
            .map_or(1, |i| i as u32 + 1);
        let Some((lesson, anchor)) = section.split_once('#') else {
            return Err(format!(
                "line {line}: `{lint}` must name `<lesson slug>#<anchor>`, not `{section}`"
            ));
        };
        links.insert(
            lint,
            StyleLink {
                lesson: lesson.to_string(),
                anchor: anchor.to_string(),
                line,
            },
        );
    }
    Ok(links)
}
