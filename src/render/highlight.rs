//! Code highlighting on the server with syntect. Each token gets at most one short class
//! (`hl-k` keyword, `hl-s` string, ...) from a small palette, not syntect's full scope
//! names: the page stays small (a lesson's HTML shrinks several times over) and one
//! stylesheet colours both the light and the dark theme.

use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxSet};
use syntect::util::LinesWithEndings;

/// Highlights code blocks; building the syntax set is slow, so one is made and shared.
pub struct Highlighter {
    syntaxes: SyntaxSet,
    /// Scope prefixes and the class each maps to, most specific first.
    palette: Vec<(Scope, &'static str)>,
}

/// Which scopes get which class; the first match, innermost scope first, wins.
const PALETTE: [(&str, &str); 13] = [
    ("comment", "hl-c"),
    // Operators read better uncoloured; an empty class means "no span".
    ("keyword.operator", ""),
    ("string", "hl-s"),
    ("constant.character.escape", "hl-s"),
    ("constant.numeric", "hl-n"),
    ("constant.language", "hl-n"),
    ("entity.name.function", "hl-f"),
    ("support.function", "hl-f"),
    ("support.macro", "hl-m"),
    ("entity.name.type", "hl-t"),
    ("storage.type", "hl-k"),
    ("keyword", "hl-k"),
    ("storage", "hl-k"),
];

/// Scopes that colour as a type when nothing more specific applies.
const TYPES: [&str; 2] = ["support.type", "entity.name.struct"];

/// Scopes of attributes (`#[derive(...)]`).
const ATTRIBUTES: [&str; 1] = ["meta.annotation"];

impl Default for Highlighter {
    fn default() -> Self {
        let scope = |s: &str| Scope::new(s).ok();
        let mut palette: Vec<(Scope, &'static str)> = PALETTE
            .iter()
            .filter_map(|(s, c)| scope(s).map(|s| (s, *c)))
            .collect();
        palette.extend(TYPES.iter().filter_map(|s| scope(s).map(|s| (s, "hl-t"))));
        palette.extend(
            ATTRIBUTES
                .iter()
                .filter_map(|s| scope(s).map(|s| (s, "hl-a"))),
        );
        Highlighter {
            syntaxes: SyntaxSet::load_defaults_newlines(),
            palette,
        }
    }
}

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
        let mut parser = ParseState::new(syntax);
        let mut stack = ScopeStack::new();
        let mut out = Spans::default();
        for line in LinesWithEndings::from(code) {
            let Ok(ops) = parser.parse_line(line, &self.syntaxes) else {
                return escape(code);
            };
            let mut at = 0;
            for (index, op) in ops {
                let index = index.min(line.len());
                if index > at && line.is_char_boundary(index) && line.is_char_boundary(at) {
                    out.push(&line[at..index], self.class_of(&stack));
                    at = index;
                }
                if stack.apply(&op).is_err() {
                    return escape(code);
                }
            }
            if at < line.len() && line.is_char_boundary(at) {
                out.push(&line[at..], self.class_of(&stack));
            }
        }
        out.finish()
    }

    fn class_of(&self, stack: &ScopeStack) -> Option<&'static str> {
        stack
            .as_slice()
            .iter()
            .rev()
            .find_map(|scope| {
                self.palette
                    .iter()
                    .find(|(prefix, _)| prefix.is_prefix_of(*scope))
                    .map(|(_, class)| *class)
            })
            .filter(|class| !class.is_empty())
    }
}

/// Builds the spans, merging neighbouring text of the same class into one span.
#[derive(Default)]
struct Spans {
    html: String,
    open: Option<&'static str>,
    text: String,
}

impl Spans {
    fn push(&mut self, text: &str, class: Option<&'static str>) {
        // Whitespace takes the class around it, so spans are not cut at every space.
        let class = if text.trim().is_empty() {
            self.open
        } else {
            class
        };
        if class != self.open {
            self.flush();
            self.open = class;
        }
        self.text.push_str(text);
    }

    fn flush(&mut self) {
        if self.text.is_empty() {
            return;
        }
        match self.open {
            Some(class) => {
                self.html.push_str(&format!(
                    "<span class=\"{class}\">{}</span>",
                    escape(&self.text)
                ));
            }
            None => self.html.push_str(&escape(&self.text)),
        }
        self.text.clear();
    }

    fn finish(mut self) -> String {
        self.flush();
        self.html
    }
}

/// Escapes text for HTML element content and attribute values (`&`, `<`, `>`, `"`), with
/// the escaper of pulldown-cmark, which renders the rest of the page.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    // Writing into a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html(&mut out, text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_is_highlighted_with_short_classes() {
        let html = Highlighter::default().html("fn main() { let x = \"<hi>\"; } // done\n", "rust");
        assert!(html.contains("<span class=\"hl-k\">fn </span>"), "{html}");
        assert!(html.contains("<span class=\"hl-f\">main</span>"), "{html}");
        assert!(
            html.contains("<span class=\"hl-s\">&quot;&lt;hi&gt;&quot;</span>"),
            "{html}"
        );
        assert!(
            html.contains("<span class=\"hl-c\">// done\n</span>"),
            "{html}"
        );
        assert!(html.contains(" x = "), "operators are not coloured: {html}");
        assert!(!html.contains("<hi>"));
    }

    #[test]
    fn unknown_languages_are_escaped() {
        let html = Highlighter::default().html("<script>", "nonsense");
        assert_eq!(html, "&lt;script&gt;");
    }
}
