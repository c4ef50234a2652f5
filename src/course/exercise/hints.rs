//! An exercise's hints, gentlest first. A hint may name the rules of the README it helps
//! with (`{ text = "...", rules = ["refill-rate"] }` in `exercise.toml`); when a grade fails
//! those rules, that hint is offered before the others.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;

use crate::course::diagnostic::{Code, Diagnostic};
use crate::course::rules::RuleMap;

/// One hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    /// The hint, in Markdown.
    pub text: String,
    /// The ids of the rules it helps with (empty: a general hint).
    pub rules: Vec<String>,
}

/// A hint as `exercise.toml` holds it: plain text, or text with the rules it helps with.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum HintEntry {
    /// `"Keep the entries in one Mutex."`
    Text(String),
    /// `{ text = "...", rules = ["id", ...] }`
    Tagged {
        text: String,
        #[serde(default)]
        rules: Vec<String>,
    },
}

impl From<HintEntry> for Hint {
    fn from(entry: HintEntry) -> Hint {
        match entry {
            HintEntry::Text(text) => Hint {
                text,
                rules: Vec::new(),
            },
            HintEntry::Tagged { text, rules } => Hint { text, rules },
        }
    }
}

impl Hint {
    /// Whether the hint helps with one of `rules`.
    pub fn helps_with(&self, rules: &BTreeSet<&str>) -> bool {
        self.rules.iter().any(|r| rules.contains(r.as_str()))
    }
}

/// The order in which to offer `hints` to a learner failing `failing_rules`: the hints that
/// help with a failing rule, gentlest first, then the others, gentlest first. With nothing
/// failing (or no hint naming rules), it is the authored order.
pub fn hint_order(hints: &[Hint], failing_rules: &BTreeSet<&str>) -> Vec<usize> {
    let (helpful, others): (Vec<usize>, Vec<usize>) =
        (0..hints.len()).partition(|&i| hints[i].helps_with(failing_rules));
    helpful.into_iter().chain(others).collect()
}

/// Reports each rule a hint names that the rule map does not have (or every rule, when the
/// exercise has no map), at `line` of `toml_path`.
pub(super) fn check_hint_rules(
    hints: &[Hint],
    map: Option<&RuleMap>,
    (toml_path, line): (&Path, u32),
    problems: &mut Vec<Diagnostic>,
) {
    for (i, hint) in hints.iter().enumerate() {
        for id in &hint.rules {
            let known = map.is_some_and(|m| m.text(id).is_some());
            if !known {
                problems.push(Diagnostic::at(
                    toml_path,
                    line,
                    Code::UnknownRule,
                    format!(
                        "hint {} names rule `{id}`, which the exercise's rules.toml does not have",
                        i + 1
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hint(text: &str, rules: &[&str]) -> Hint {
        Hint {
            text: text.to_string(),
            rules: rules.iter().map(|r| r.to_string()).collect(),
        }
    }

    #[test]
    fn hints_for_the_failing_rules_come_first_in_authored_order() {
        let hints = [
            hint("general", &[]),
            hint("about ttl", &["ttl"]),
            hint("about capacity", &["capacity"]),
            hint("also ttl", &["ttl", "expiry"]),
        ];
        assert_eq!(hint_order(&hints, &BTreeSet::new()), vec![0, 1, 2, 3]);
        assert_eq!(
            hint_order(&hints, &BTreeSet::from(["ttl"])),
            vec![1, 3, 0, 2]
        );
        assert_eq!(
            hint_order(&hints, &BTreeSet::from(["capacity", "expiry"])),
            vec![2, 3, 0, 1]
        );
    }
}
