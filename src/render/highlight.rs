//! Code highlighting on the server with syntect, as CSS classes (not inline colours) so one
//! stylesheet serves the light and the dark theme.

use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

/// Highlights code blocks; building the syntax set is slow, so one is made and shared.
pub struct Highlighter {
    syntaxes: SyntaxSet,
}

impl Default for Highlighter {
    fn default() -> Self {
        Highlighter {
            syntaxes: SyntaxSet::load_defaults_newlines(),
        }
    }
}

/// The class prefix of highlighted tokens: `hl-keyword`, `hl-string`, ...
pub const CLASS_PREFIX: &str = "hl-";

impl Highlighter {
    /// `code` as HTML spans for `language`; unknown languages come back escaped, unhighlighted.
    pub fn html(&self, code: &str, language: &str) -> String {
        let token = match language {
            "sh" | "shell" | "console" => "bash",
            "rs" => "rust",
            "yml" => "yaml",
            other => other,
        };
        let Some(syntax) = (!token.is_empty())
            .then(|| self.syntaxes.find_syntax_by_token(token))
            .flatten()
        else {
            return escape(code);
        };
        let mut generator = ClassedHTMLGenerator::new_with_class_style(
            syntax,
            &self.syntaxes,
            ClassStyle::SpacedPrefixed {
                prefix: CLASS_PREFIX,
            },
        );
        for line in LinesWithEndings::from(code) {
            if generator
                .parse_html_for_line_which_includes_newline(line)
                .is_err()
            {
                return escape(code);
            }
        }
        generator.finalize()
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_is_highlighted_with_classes() {
        let html = Highlighter::default().html("fn main() { let x = \"<hi>\"; }\n", "rust");
        assert!(
            html.contains("hl-keyword") || html.contains("hl-storage"),
            "{html}"
        );
        assert!(html.contains("&lt;hi&gt;"), "{html}");
        assert!(!html.contains("<hi>"));
    }

    #[test]
    fn unknown_languages_are_escaped() {
        let html = Highlighter::default().html("<script>", "nonsense");
        assert_eq!(html, "&lt;script&gt;");
    }
}
