//! The failure card: a headline, then labelled lines in one column, raised as the test's
//! panic so the grader shows it as the failure's message:
//!
//! ```text
//! wrong remaining after 3 requests
//!   expected: 2
//!   actual:   3
//! ```

/// The width of the label column: `expected: ` and one space.
const LABEL_WIDTH: usize = 10;

/// A failure explained line by line.
#[derive(Debug, Clone, Default)]
pub struct Card {
    headline: String,
    lines: Vec<(String, String)>,
}

impl Card {
    /// A card that opens with `headline`, one sentence saying what went wrong.
    pub fn new(headline: impl Into<String>) -> Card {
        Card {
            headline: headline.into(),
            lines: Vec::new(),
        }
    }

    /// Adds `text` under `label` (`expected`, `actual`, `field`...); a text of several lines
    /// keeps them, aligned under the first.
    pub fn line(mut self, label: &str, text: &str) -> Card {
        self.lines.push((label.to_string(), text.to_string()));
        self
    }

    /// Puts `prefix` before the headline ("While signing up: ...").
    pub fn within(mut self, prefix: &str) -> Card {
        self.headline = format!("{prefix}{}", self.headline);
        self
    }

    /// The card as text: the headline, then each labelled line indented by two spaces.
    pub fn render(&self) -> String {
        let mut text = self.headline.clone();
        for (label, value) in &self.lines {
            // A label too long for the column stands on a line of its own, over its text.
            let block = label.len() >= LABEL_WIDTH - 1;
            if block {
                text.push_str(&format!("\n  {label}:"));
            }
            for (i, line) in value.lines().enumerate() {
                let label = if i == 0 && !block {
                    format!("{label}:")
                } else {
                    String::new()
                };
                text.push_str(&format!("\n  {label:<LABEL_WIDTH$}{line}"));
            }
            if value.is_empty() && !block {
                text.push_str(&format!("\n  {label}:"));
            }
        }
        text
    }

    /// Fails the test with this card.
    #[track_caller]
    pub fn panic(self) -> ! {
        panic!("{}", self.render())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_line_up_and_long_values_keep_their_lines() {
        let card = Card::new("wrong total")
            .line("expected", "5")
            .line("actual", "Order {\n    total: 4,\n}");
        assert_eq!(
            card.render(),
            "wrong total\n  expected: 5\n  actual:   Order {\n                total: 4,\n            }"
        );
        let card = Card::new("wrong total").line("difference", "- 5\n+ 4");
        assert_eq!(
            card.render(),
            "wrong total\n  difference:\n            - 5\n            + 4"
        );
    }
}
