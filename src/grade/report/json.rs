//! The JSON printer: the report's serde form, plus the README's words and the lesson section
//! of each rule a failing test checks, so a tool reading the JSON shows the same card as the
//! terminal without the course at hand. Stored reports keep only the rule ids.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Report, TestStatus, rule_notes};
use crate::course::Exercise;

/// A report as the JSON interface prints it.
#[derive(Debug, Serialize)]
pub struct JsonReport<'a> {
    #[serde(flatten)]
    report: &'a Report,
    /// Each rule a failing test checks, by id; absent when none do (or no rule map exists).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    rule_notes: BTreeMap<&'a str, RuleJson<'a>>,
}

/// One rule: its README sentence and where the lesson teaches it.
#[derive(Debug, Serialize)]
struct RuleJson<'a> {
    /// The README's sentence.
    text: &'a str,
    /// The lesson section's address in `workbook serve`, e.g. `/lessons/caching#expiry`.
    #[serde(skip_serializing_if = "Option::is_none")]
    read: Option<String>,
}

/// `report` with the notes of the rules its failing tests check.
pub fn json<'a>(report: &'a Report, exercise: &'a Exercise) -> JsonReport<'a> {
    let mut notes = BTreeMap::new();
    for test in report
        .tests
        .iter()
        .filter(|t| t.status != TestStatus::Passed)
    {
        for note in rule_notes(exercise, test) {
            notes.entry(note.id).or_insert(RuleJson {
                text: note.text,
                read: note.section_url(),
            });
        }
    }
    JsonReport {
        report,
        rule_notes: notes,
    }
}
