//! An exercise's rule map: every rule its README grades, by id, and the hidden tests that
//! check each one.
//!
//! `grader/<slug>/rules.toml` lists the rules:
//!
//! ```toml
//! [graded]
//! zero-capacity-panics = "TokenBucket::new panics when the capacity is 0."
//!
//! [either]
//! retry-after-rounding = "Retry-After may be rounded up or to the nearest second."
//! ```
//!
//! and each hidden test names the rules it checks in its doc comment, on a line of its own:
//! `/// Rules: zero-capacity-panics, refill-rate.` `workbook check` reports a graded rule no
//! test checks, a test that names no rule or an unknown one, and a test that depends on a
//! rule the README accepts either way. The map is optional until an exercise has one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::diagnostic::{Code, Diagnostic};
use super::source::{line_at, parse_toml, read_text};

/// The file that holds an exercise's rule map, in its grader folder.
pub const RULES_FILE: &str = "rules.toml";

/// One rule of a README.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Its id, kebab-case.
    pub id: String,
    /// The README's sentence, in one line.
    pub text: String,
    /// Its line in `rules.toml`.
    pub line: u32,
    /// The heading anchor of the section of the exercise's lesson that teaches it, from the
    /// `[sections]` table (`rule-id = "anchor"`), with that entry's line.
    pub section: Option<(String, u32)>,
}

/// The rules of one exercise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleMap {
    /// Rules the hidden tests must check.
    pub graded: Vec<Rule>,
    /// Rules the README accepts either way: no test may depend on them.
    pub either: Vec<Rule>,
}

impl RuleMap {
    /// The README's sentence for rule `id`, graded or either-way.
    pub fn text(&self, id: &str) -> Option<&str> {
        self.rule(id).map(|r| r.text.as_str())
    }

    /// Rule `id`, graded or either-way.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.graded.iter().chain(&self.either).find(|r| r.id == id)
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    graded: BTreeMap<String, String>,
    #[serde(default)]
    either: BTreeMap<String, String>,
    /// Rule id -> the anchor of the lesson section that teaches it.
    #[serde(default)]
    sections: BTreeMap<String, String>,
}

/// A hidden test and the rules it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestRules {
    /// The test function's name.
    pub name: String,
    /// The line of `fn`.
    pub line: u32,
    /// The ids on its `Rules:` line (empty when it has none).
    pub rules: Vec<String>,
}

/// Loads `<grader_dir>/rules.toml` (relative to `root`) and checks the hidden tests against
/// it. `None` when the exercise has no rule map yet.
pub fn check(
    root: &Path,
    grader_dir: &Path,
    hidden_tests: &[PathBuf],
    problems: &mut Vec<Diagnostic>,
) -> Option<RuleMap> {
    let path = grader_dir.join(RULES_FILE);
    if !root.join(&path).is_file() {
        return None;
    }
    let text = match read_text(root, &path) {
        Ok(text) => text,
        Err(problem) => {
            problems.push(problem);
            return None;
        }
    };
    let file: RulesFile = match parse_toml(&text, &path, 1) {
        Ok(file) => file,
        Err(problem) => {
            problems.push(problem);
            return None;
        }
    };
    let sections = &file.sections;
    let rules = |table: BTreeMap<String, String>| -> Vec<Rule> {
        table
            .into_iter()
            .map(|(id, text_of)| Rule {
                line: key_line(&text, &id),
                section: sections
                    .get(&id)
                    .map(|anchor| (anchor.clone(), section_line(&text, &id))),
                id,
                text: text_of,
            })
            .collect()
    };
    let map = RuleMap {
        graded: rules(file.graded),
        either: rules(file.either),
    };
    for id in sections.keys().filter(|id| map.rule(id).is_none()) {
        let message =
            format!("`[sections]` names rule `{id}`, which neither `[graded]` nor `[either]` has");
        problems.push(Diagnostic::at(
            &path,
            section_line(&text, id),
            Code::UnknownRule,
            message,
        ));
    }
    check_tests(root, &path, &map, hidden_tests, problems);
    Some(map)
}

/// The line of `id = ...` inside the `[sections]` table (1 when it cannot be found).
fn section_line(text: &str, id: &str) -> u32 {
    let start = text.find("[sections]").unwrap_or(0);
    let before = text[..start].lines().count() as u32;
    let within = key_line(&text[start..], id);
    before + within
}

fn check_tests(
    root: &Path,
    rules_path: &Path,
    map: &RuleMap,
    hidden_tests: &[PathBuf],
    problems: &mut Vec<Diagnostic>,
) {
    let mut checked: Vec<String> = Vec::new();
    for rel in hidden_tests {
        let Ok(text) = read_text(root, rel) else {
            continue;
        };
        for test in tests_and_rules(&text) {
            if test.rules.is_empty() {
                problems.push(Diagnostic::at(
                    rel,
                    test.line,
                    Code::TestWithoutRule,
                    format!(
                        "test `{}` names no rule: add a `/// Rules: <id>, ...` line to its doc comment",
                        test.name
                    ),
                ));
            }
            for id in &test.rules {
                let problem = if map.either.iter().any(|r| &r.id == id) {
                    Some(format!(
                        "test `{}` depends on rule `{id}`, which the README accepts either way",
                        test.name
                    ))
                } else if !map.graded.iter().any(|r| &r.id == id) {
                    Some(format!(
                        "test `{}` names rule `{id}`, which {} does not list",
                        test.name,
                        rules_path.display()
                    ))
                } else {
                    None
                };
                if let Some(message) = problem {
                    problems.push(Diagnostic::at(rel, test.line, Code::UnknownRule, message));
                }
                checked.push(id.clone());
            }
        }
    }
    for rule in &map.graded {
        if !checked.contains(&rule.id) {
            problems.push(Diagnostic::at(
                rules_path,
                rule.line,
                Code::UntestedRule,
                format!(
                    "graded rule `{}` is checked by no hidden test: write one, or move it to [either] if the README accepts both",
                    rule.id
                ),
            ));
        }
    }
}

/// The line of `key = ...` in `text` (1 when it cannot be found).
fn key_line(text: &str, key: &str) -> u32 {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let bare = trimmed
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='));
        let quoted = trimmed
            .strip_prefix(&format!("\"{key}\""))
            .is_some_and(|rest| rest.trim_start().starts_with('='));
        if bare || quoted {
            return line_at(text, offset);
        }
        offset += line.len();
    }
    1
}

/// Every test function of a hidden test file (a `fn` after a `#[test]` or
/// `#[tokio::test...]` attribute) with the rules its doc comment names.
pub fn tests_and_rules(text: &str) -> Vec<TestRules> {
    let mut found = Vec::new();
    let mut rules: Vec<String> = Vec::new();
    let mut is_test = false;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(doc) = trimmed.strip_prefix("///") {
            if let Some(list) = doc.trim().strip_prefix("Rules:") {
                rules.extend(
                    list.trim()
                        .trim_end_matches('.')
                        .split(',')
                        .map(|id| id.trim().to_string())
                        .filter(|id| !id.is_empty()),
                );
            }
            continue;
        }
        if trimmed.starts_with("#[test]") || trimmed.starts_with("#[tokio::test") {
            is_test = true;
            continue;
        }
        if trimmed.starts_with("#[") || trimmed.is_empty() || trimmed.starts_with("//") {
            continue;
        }
        if is_test && let Some(name) = test_fn_name(trimmed) {
            found.push(TestRules {
                name: name.to_string(),
                line: u32::try_from(index + 1).unwrap_or(u32::MAX),
                rules: std::mem::take(&mut rules),
            });
        }
        rules.clear();
        is_test = false;
    }
    found
}

fn test_fn_name(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("async ").unwrap_or(line);
    let rest = rest.strip_prefix("fn ")?;
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
    Some(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tests_name_their_rules_on_a_doc_line() {
        let text = "/// Refills.\n/// Rules: refill-rate, cap.\n#[test]\nfn refills() {}\n\n#[tokio::test(start_paused = true)]\nasync fn bare() {}\n\n/// Helper.\nfn helper() {}\n";
        let tests = tests_and_rules(text);
        assert_eq!(
            tests,
            vec![
                TestRules {
                    name: "refills".into(),
                    line: 4,
                    rules: vec!["refill-rate".into(), "cap".into()],
                },
                TestRules {
                    name: "bare".into(),
                    line: 7,
                    rules: vec![],
                },
            ]
        );
    }

    #[test]
    fn a_key_is_found_on_its_line() {
        let text = "[graded]\n# note\nzero = \"x\"\n\"quoted-id\" = \"y\"\n";
        assert_eq!(key_line(text, "zero"), 3);
        assert_eq!(key_line(text, "quoted-id"), 4);
    }
}
