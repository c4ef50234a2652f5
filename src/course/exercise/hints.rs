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

/// The order in which to offer `hints` to a learner whose first failing test checks the
/// rules `first`, and whose failing tests check `failing` in all: the hints about the first
/// failure, then the general ones (hints that name no rule: an author's advice on where to
/// start), then the hints about the other failures, then the rest; each group in authored
/// order. So a stub failing everything is offered the general advice unless a hint is about
/// its first step, and a nearly finished crate the hint about what still fails. With
/// nothing failing, it is the authored order.
pub fn hint_order(
    hints: &[Hint],
    (first, failing): (&BTreeSet<&str>, &BTreeSet<&str>),
) -> Vec<usize> {
    let rank = |hint: &Hint| {
        if hint.helps_with(first) {
            0
        } else if hint.rules.is_empty() {
            1
        } else if hint.helps_with(failing) {
            2
        } else {
            3
        }
    };
    let mut order: Vec<usize> = (0..hints.len()).collect();
    // A stable sort keeps the authored order within each group.
    order.sort_by_key(|&i| rank(&hints[i]));
    order
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
        let none = BTreeSet::new();
        assert_eq!(hint_order(&hints, (&none, &none)), vec![0, 1, 2, 3]);
        let ttl = BTreeSet::from(["ttl"]);
        assert_eq!(hint_order(&hints, (&ttl, &ttl)), vec![1, 3, 0, 2]);
        let both = BTreeSet::from(["capacity", "expiry"]);
        assert_eq!(hint_order(&hints, (&both, &both)), vec![2, 3, 0, 1]);
    }

    #[test]
    fn with_no_hint_about_the_first_failure_the_general_advice_comes_first() {
        let hints = [
            hint("start with parsing", &[]),
            hint("about storing", &["store"]),
            hint("about http", &["http"]),
        ];
        let first = BTreeSet::from(["parse"]);
        let all = BTreeSet::from(["parse", "store", "http"]);
        assert_eq!(hint_order(&hints, (&first, &all)), vec![0, 1, 2]);
        // Once parsing passes, storing fails first: its hint leads.
        let first = BTreeSet::from(["store"]);
        let all = BTreeSet::from(["store", "http"]);
        assert_eq!(hint_order(&hints, (&first, &all)), vec![1, 0, 2]);
    }
}
