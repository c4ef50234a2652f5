//! The structure of a Markdown document that the course cares about: its headings (with the
//! anchors links point at), its links and images, and its fenced code blocks, each with the
//! line it sits on.

use std::collections::HashMap;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::source::line_at;

/// The Markdown extensions every lesson may use; the renderer uses the same set.
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// A heading and the anchor that links to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 1 for `#`, 2 for `##`, ...
    pub level: u8,
    /// The heading's plain text.
    pub text: String,
    /// The id used in `#anchor` links (GitHub's rule, or an explicit `{#id}`).
    pub anchor: String,
    /// The line in the file.
    pub line: u32,
}

/// A link or image target as written in the Markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The destination as written.
    pub target: String,
    /// True for `![..](..)`.
    pub is_image: bool,
    /// The line in the file.
    pub line: u32,
}

/// A fenced code block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeBlock {
    /// The fence's info string split on commas: `rust,no_run` is `["rust", "no_run"]`.
    pub info: Vec<String>,
    /// The block's text, without the fences.
    pub code: String,
    /// The line of the first line of code (the one after the opening fence).
    pub line: u32,
}

impl CodeBlock {
    /// The language, the first word of the info string (empty when none was given).
    pub fn language(&self) -> &str {
        self.info.first().map(String::as_str).unwrap_or("")
    }

    /// True when the info string carries `flag` (`no_run`, `ignore`, ...).
    pub fn has_flag(&self, flag: &str) -> bool {
        self.info.iter().skip(1).any(|f| f == flag)
    }
}

/// Headings, links and code blocks of one Markdown document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outline {
    /// Headings in document order.
    pub headings: Vec<Heading>,
    /// Links and images in document order.
    pub links: Vec<Link>,
    /// Fenced code blocks in document order.
    pub code_blocks: Vec<CodeBlock>,
}

impl Outline {
    /// Reads the outline of `markdown`, whose first line is line `first_line` of its file.
    pub fn parse(markdown: &str, first_line: u32) -> Outline {
        let mut reader = OutlineReader::default();
        let line = |offset: usize| first_line + line_at(markdown, offset) - 1;

        for (event, range) in Parser::new_ext(markdown, markdown_options()).into_offset_iter() {
            match event {
                Event::Start(Tag::Heading { level, id, .. }) => {
                    let explicit = id.map(|id| id.to_string());
                    reader.heading = Some(OpenHeading {
                        level: level_number(level),
                        explicit,
                        line: line(range.start),
                        text: String::new(),
                    });
                }
                Event::End(TagEnd::Heading(_)) => reader.end_heading(),
                Event::Start(Tag::Link { dest_url, .. }) => reader.outline.links.push(Link {
                    target: dest_url.to_string(),
                    is_image: false,
                    line: line(range.start),
                }),
                Event::Start(Tag::Image { dest_url, .. }) => reader.outline.links.push(Link {
                    target: dest_url.to_string(),
                    is_image: true,
                    line: line(range.start),
                }),
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                    // The code starts on the line after the opening fence.
                    reader.start_code(&info, line(range.start) + 1);
                }
                Event::End(TagEnd::CodeBlock) => reader.end_code(),
                Event::Text(text) | Event::Code(text) => reader.text(&text),
                _ => {}
            }
        }
        reader.outline
    }

    /// True when some heading has this anchor.
    pub fn has_anchor(&self, anchor: &str) -> bool {
        self.headings.iter().any(|h| h.anchor == anchor)
    }
}

/// An outline being read event by event, with the heading and code block it is inside.
#[derive(Default)]
struct OutlineReader {
    outline: Outline,
    anchors: AnchorSet,
    heading: Option<OpenHeading>,
    /// The fenced code block being read, with its code so far.
    code: Option<CodeBlock>,
}

/// A heading whose text is still being read.
struct OpenHeading {
    level: u8,
    /// The id given with `{#id}`, if any.
    explicit: Option<String>,
    line: u32,
    text: String,
}

impl OutlineReader {
    /// Adds the heading being read, with a unique anchor.
    fn end_heading(&mut self) {
        if let Some(heading) = self.heading.take() {
            let text = heading.text.trim().to_string();
            let anchor = match heading.explicit {
                Some(id) => self.anchors.claim(id),
                None => self.anchors.claim(slugify(&text)),
            };
            self.outline.headings.push(Heading {
                level: heading.level,
                text,
                anchor,
                line: heading.line,
            });
        }
    }

    /// Opens a fenced code block whose code starts on `line`.
    fn start_code(&mut self, info: &str, line: u32) {
        let info = info
            .split(',')
            .map(|part| part.trim().to_string())
            .filter(|part| !part.is_empty())
            .collect();
        self.code = Some(CodeBlock {
            info,
            code: String::new(),
            line,
        });
    }

    /// Adds the code block being read.
    fn end_code(&mut self) {
        if let Some(block) = self.code.take() {
            self.outline.code_blocks.push(block);
        }
    }

    /// Adds text to the heading or code block being read.
    fn text(&mut self, text: &str) {
        if let Some(heading) = self.heading.as_mut() {
            heading.text.push_str(text);
        }
        if let Some(block) = self.code.as_mut() {
            block.code.push_str(text);
        }
    }
}

fn level_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// The anchor GitHub gives a heading (github-slugger, which GitHub's Markdown renderer
/// follows): lower case; letters, marks, numbers, `_` (and other connector punctuation), `-`
/// and spaces kept, everything else (punctuation, symbols, emoji) dropped; each space turned
/// into `-`. Authors already know this rule from READMEs, and links checked on GitHub work
/// here.
pub fn slugify(text: &str) -> String {
    text.trim()
        .chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-'
            | '_'
            | '\u{203F}'
            | '\u{2040}'
            | '\u{2054}'
            | '\u{FE33}'
            | '\u{FE34}'
            | '\u{FE4D}'..='\u{FE4F}'
            | '\u{FF3F}' => Some(c),
            c if c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c) => {
                Some(c)
            }
            _ => None,
        })
        .collect()
}

/// Hands out unique anchors the way github-slugger does: a repeated slug gets `-1`, `-2`, ...
/// after the first, skipping any that an earlier heading already took (`a-1`, `a`, `a` gives
/// `a-1`, `a`, `a-2`), so no two headings on a page ever share an id.
#[derive(Default)]
struct AnchorSet {
    /// For each slug handed out or asked for, how many times it was asked for after the first.
    seen: HashMap<String, usize>,
}

impl AnchorSet {
    fn claim(&mut self, base: String) -> String {
        let mut anchor = base.clone();
        while self.seen.contains_key(&anchor) {
            let count = self.seen.entry(base.clone()).or_insert(0);
            *count += 1;
            anchor = format!("{base}-{count}");
        }
        self.seen.insert(anchor.clone(), 0);
        anchor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugify_follows_github() {
        assert_eq!(slugify("Pagination with links"), "pagination-with-links");
        assert_eq!(slugify("The N+1 problem"), "the-n1-problem");
        assert_eq!(slugify("  `IntoResponse` errors "), "intoresponse-errors");
        assert_eq!(slugify("400 vs. 422"), "400-vs-422");
        assert_eq!(slugify("Caché & TTL"), "caché--ttl");
    }

    /// Heading sequences and the ids GitHub gives them (checked against github-slugger's
    /// rules: its own test fixtures cover the same cases).
    #[test]
    fn tricky_heading_sequences_get_unique_github_ids() {
        let cases: &[(&[&str], &[&str])] = &[
            (
                &["Examples", "Examples", "Examples-1"],
                &["examples", "examples-1", "examples-1-1"],
            ),
            (&["a-1", "a", "a"], &["a-1", "a", "a-2"]),
            (&["C++", "C#", "C"], &["c", "c-1", "c-2"]),
            (
                &["🚀 Launch", "Emoji 🚀 launch"],
                &["-launch", "emoji--launch"],
            ),
            (&["`Code` and _em_", "foo_bar"], &["code-and-em", "foo_bar"]),
            (
                &["Привет мир", "日本語の見出し"],
                &["привет-мир", "日本語の見出し"],
            ),
            (&["Cafe\u{301}", "Café"], &["cafe\u{301}", "café"]),
            (&["Q&A", "Q & A", "Q-A"], &["qa", "q--a", "q-a"]),
            (&["???", "!!!"], &["", "-1"]),
            (&["1. Intro", "1 Intro"], &["1-intro", "1-intro-1"]),
        ];
        for (headings, ids) in cases {
            let markdown: String = headings.iter().map(|h| format!("## {h}\n\n")).collect();
            let outline = Outline::parse(&markdown, 1);
            let got: Vec<&str> = outline.headings.iter().map(|h| h.anchor.as_str()).collect();
            assert_eq!(&got, ids, "{headings:?}");
        }
    }

    #[test]
    fn an_explicit_id_is_unique_too() {
        let outline = Outline::parse("## Setup\n\n## Install {#setup}\n", 1);
        let got: Vec<&str> = outline.headings.iter().map(|h| h.anchor.as_str()).collect();
        assert_eq!(got, ["setup", "setup-1"]);
    }

    #[test]
    fn repeated_headings_get_numbered_anchors() {
        let outline = Outline::parse("# A\n\n## Examples\n\n## Examples\n\n## Examples\n", 1);
        let anchors: Vec<_> = outline.headings.iter().map(|h| h.anchor.as_str()).collect();
        assert_eq!(anchors, ["a", "examples", "examples-1", "examples-2"]);
    }

    #[test]
    fn lines_are_offset_by_first_line() {
        let md = "# Title\n\nSee [x](02-b.md#c).\n\n```rust,no_run\nfn main() {}\n```\n";
        let outline = Outline::parse(md, 7);
        assert_eq!(outline.headings[0].line, 7);
        assert_eq!(outline.links[0].line, 9);
        assert_eq!(outline.links[0].target, "02-b.md#c");
        let block = &outline.code_blocks[0];
        assert_eq!(block.line, 12);
        assert_eq!(block.language(), "rust");
        assert!(block.has_flag("no_run"));
        assert_eq!(block.code, "fn main() {}\n");
    }

    #[test]
    fn explicit_heading_ids_win() {
        let outline = Outline::parse("## Setup {#install}\n", 1);
        assert_eq!(outline.headings[0].anchor, "install");
        assert_eq!(outline.headings[0].text, "Setup");
    }
}
