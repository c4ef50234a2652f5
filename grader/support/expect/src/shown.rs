//! How two unequal values are shown: labelled lines for the card.
//!
//! The macros pick the JSON view for a `serde_json::Value` and the `Debug` view for anything
//! else at compile time, through autoref specialization: `(&Pair(..)).shown()` finds
//! [`ByJson`] (implemented on `Pair` itself) before [`ByDebug`] (implemented on `&Pair`),
//! and [`ByJson`] exists only for a JSON actual value.

use std::fmt::Debug;

use serde::Serialize;
use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use crate::diff::{all_differences, short};

/// A one-line `Debug` form longer than this is shown as a difference of the pretty forms.
const ONE_LINE: usize = 60;
/// The most lines of a difference a card shows.
const MOST_LINES: usize = 40;
/// The most fields of a JSON difference a card names.
const MOST_FIELDS: usize = 5;

/// The actual and the expected value, borrowed for showing.
pub struct Pair<'a, A: ?Sized, E: ?Sized>(pub &'a A, pub &'a E);

/// The labelled lines that show two unequal values.
pub struct Shown {
    pub lines: Vec<(&'static str, String)>,
}

/// The JSON view: each field that differs.
pub trait ByJson {
    fn shown(&self) -> Shown;
}

impl<E: Serialize + Debug + ?Sized> ByJson for Pair<'_, Value, E> {
    fn shown(&self) -> Shown {
        match serde_json::to_value(self.1) {
            Ok(expected) => json(&expected, self.0),
            Err(_) => by_debug(self.0, self.1),
        }
    }
}

/// The `Debug` view: both values, or the lines of them that differ.
pub trait ByDebug {
    fn shown(&self) -> Shown;
}

impl<A: Debug + ?Sized, E: Debug + ?Sized> ByDebug for &Pair<'_, A, E> {
    fn shown(&self) -> Shown {
        by_debug(self.0, self.1)
    }
}

/// A value's one-line `Debug` form.
pub fn debug<T: Debug + ?Sized>(value: &T) -> String {
    format!("{value:?}")
}

fn json(expected: &Value, actual: &Value) -> Shown {
    let found = all_differences(expected, actual);
    let whole = found.len() == 1 && found[0].path == "(the body)";
    if found.is_empty() || whole {
        return Shown {
            lines: vec![("expected", short(expected)), ("actual", short(actual))],
        };
    }
    let mut lines = Vec::new();
    for difference in found.iter().take(MOST_FIELDS) {
        let actual = match &difference.actual {
            Some(value) => short(value),
            None => "(missing)".to_string(),
        };
        let expected = if difference.path.ends_with("(not expected)") {
            "(no such field)".to_string()
        } else {
            short(&difference.expected)
        };
        lines.push(("field", difference.path.clone()));
        lines.push(("expected", expected));
        lines.push(("actual", actual));
    }
    if found.len() > MOST_FIELDS {
        let more = found.len() - MOST_FIELDS;
        lines.push(("and", format!("{more} more fields differ")));
    }
    Shown { lines }
}

fn by_debug<A: Debug + ?Sized, E: Debug + ?Sized>(actual: &A, expected: &E) -> Shown {
    let (actual_line, expected_line) = (debug(actual), debug(expected));
    if actual_line.len() <= ONE_LINE && expected_line.len() <= ONE_LINE {
        return Shown {
            lines: vec![("expected", expected_line), ("actual", actual_line)],
        };
    }
    let (actual_pretty, expected_pretty) = (format!("{actual:#?}"), format!("{expected:#?}"));
    if actual_pretty.lines().count() < 3 || expected_pretty.lines().count() < 3 {
        return Shown {
            lines: vec![
                ("expected", cut(&expected_pretty)),
                ("actual", cut(&actual_pretty)),
            ],
        };
    }
    Shown {
        lines: vec![
            ("expected", "(lines marked -)".to_string()),
            ("actual", "(lines marked +)".to_string()),
            (
                "difference",
                line_difference(&expected_pretty, &actual_pretty),
            ),
        ],
    }
}

/// The lines that differ between two pretty forms, with two lines of context each side.
fn line_difference(expected: &str, actual: &str) -> String {
    let diff = TextDiff::from_lines(expected, actual);
    let mut shown = Vec::new();
    for (i, group) in diff.grouped_ops(2).iter().enumerate() {
        if i > 0 {
            shown.push("  ...".to_string());
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let mark = match change.tag() {
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                    ChangeTag::Equal => ' ',
                };
                shown.push(format!("{mark} {}", change.value().trim_end()));
            }
        }
    }
    if shown.len() > MOST_LINES {
        let more = shown.len() - MOST_LINES;
        shown.truncate(MOST_LINES);
        shown.push(format!("  ... ({more} more lines)"));
    }
    shown.join("\n")
}

/// At most [`MOST_LINES`] lines of a pretty form.
fn cut(pretty: &str) -> String {
    let lines: Vec<&str> = pretty.lines().collect();
    if lines.len() <= MOST_LINES {
        return pretty.to_string();
    }
    let more = lines.len() - MOST_LINES;
    format!(
        "{}\n... ({more} more lines)",
        lines[..MOST_LINES].join("\n")
    )
}
