//! The sentence each hidden test's instructor wrote: its `///` doc comment, and the rules of
//! the README it checks (its `/// Rules:` line). The grader shows them instead of the test's
//! source, so a failing test says what it expects, and which rule, without giving the test
//! away.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What a hidden test's doc comment says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestDoc {
    /// The comment's sentences, without the `Rules:` line (empty when there are none).
    pub description: String,
    /// The rule ids of its `Rules:` line, in order.
    pub rules: Vec<String>,
}

/// Maps `file_stem::fn_name` (and `file_stem::module::fn_name`) to the test's doc comment.
pub fn describe_tests(root: &Path, files: &[PathBuf]) -> HashMap<String, TestDoc> {
    let mut found = HashMap::new();
    for rel in files {
        let Some(stem) = rel.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(root.join(rel)) else {
            continue;
        };
        for (path, doc) in doc_comments(&text) {
            found.insert(format!("{stem}::{path}"), doc);
        }
    }
    found
}

/// `(path, doc)` for every function with a doc comment, `path` including inline modules.
fn doc_comments(source: &str) -> Vec<(String, TestDoc)> {
    let mut out = Vec::new();
    let mut doc: Vec<String> = Vec::new();
    let mut rules: Vec<String> = Vec::new();
    // Inline `mod name {` blocks and the brace depth at which each opened.
    let mut modules: Vec<(String, i32)> = Vec::new();
    let mut depth = 0i32;
    for line in source.lines() {
        let trimmed = line.trim();
        if let Some(text) = trimmed.strip_prefix("///") {
            // The rule map's `Rules:` line names rules; it is not part of the sentence.
            match text.trim().strip_prefix("Rules:") {
                Some(ids) => rules.extend(rule_ids(ids)),
                None => doc.push(text.trim().to_string()),
            }
            continue;
        }
        if trimmed.starts_with("#[")
            || trimmed.starts_with("//")
            || trimmed.is_empty() && !(doc.is_empty() && rules.is_empty())
        {
            continue;
        }
        if let Some(name) = fn_name(trimmed) {
            if !doc.is_empty() || !rules.is_empty() {
                let mut path: Vec<&str> = modules.iter().map(|(m, _)| m.as_str()).collect();
                path.push(name);
                let found = TestDoc {
                    description: doc.join(" "),
                    rules: std::mem::take(&mut rules),
                };
                out.push((path.join("::"), found));
            }
        } else if let Some(name) = mod_name(trimmed) {
            modules.push((name.to_string(), depth));
        }
        doc.clear();
        rules.clear();
        for c in trimmed.chars() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if modules.last().is_some_and(|(_, d)| *d == depth) {
                        modules.pop();
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// `a, b.` -> `["a", "b"]`: the ids of a `Rules:` line.
fn rule_ids(line: &str) -> impl Iterator<Item = String> + '_ {
    line.trim()
        .trim_end_matches('.')
        .split(',')
        .map(|id| id.trim().to_string())
        .filter(|id| !id.is_empty())
}

fn fn_name(line: &str) -> Option<&str> {
    let mut rest = line;
    for prefix in ["pub(crate) ", "pub ", "async ", "unsafe "] {
        rest = rest.strip_prefix(prefix).unwrap_or(rest);
    }
    let rest = rest.strip_prefix("async ").unwrap_or(rest);
    let rest = rest.strip_prefix("fn ")?;
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
    Some(&rest[..end])
}

fn mod_name(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("pub ").unwrap_or(line);
    let rest = rest.strip_prefix("mod ")?;
    let name = rest.strip_suffix('{')?.trim();
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_comments_attach_to_the_following_test() {
        let source = r#"
use x::y;

/// Refills one token per second.
/// Even across calls.
/// Rules: refill-rate, capacity-cap.
#[test]
fn refills() {
    assert!(true);
}

#[test]
fn undocumented() {}

mod headers {
    use super::*;

    /// Sends Retry-After.
    #[tokio::test(start_paused = true)]
    async fn retry_after() {
        if true { }
    }
}

/// After the module.
#[test]
fn last() {}
"#;
        let doc = |description: &str, rules: &[&str]| TestDoc {
            description: description.to_string(),
            rules: rules.iter().map(|r| r.to_string()).collect(),
        };
        assert_eq!(
            doc_comments(source),
            vec![
                (
                    "refills".to_string(),
                    doc(
                        "Refills one token per second. Even across calls.",
                        &["refill-rate", "capacity-cap"]
                    )
                ),
                (
                    "headers::retry_after".to_string(),
                    doc("Sends Retry-After.", &[])
                ),
                ("last".to_string(), doc("After the module.", &[])),
            ]
        );
    }
}
