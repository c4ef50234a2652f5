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
        let mut outline = Outline::default();
        let mut anchors = AnchorSet::default();
        let mut heading: Option<(u8, Option<String>, u32, String)> = None;
        let mut code: Option<(Vec<String>, u32, String)> = None;
        let line = |offset: usize| first_line + line_at(markdown, offset) - 1;

        for (event, range) in Parser::new_ext(markdown, markdown_options()).into_offset_iter() {
            match event {
                Event::Start(Tag::Heading { level, id, .. }) => {
                    let explicit = id.map(|id| id.to_string());
                    heading = Some((
                        level_number(level),
                        explicit,
                        line(range.start),
                        String::new(),
                    ));
                }
                Event::End(TagEnd::Heading(_)) => {
                    if let Some((level, explicit, at, text)) = heading.take() {
                        let text = text.trim().to_string();
                        let anchor = match explicit {
                            Some(id) => anchors.claim(id),
                            None => anchors.claim(slugify(&text)),
                        };
                        outline.headings.push(Heading {
                            level,
                            text,
                            anchor,
                            line: at,
                        });
                    }
                }
                Event::Start(Tag::Link { dest_url, .. }) => outline.links.push(Link {
                    target: dest_url.to_string(),
                    is_image: false,
                    line: line(range.start),
                }),
                Event::Start(Tag::Image { dest_url, .. }) => outline.links.push(Link {
                    target: dest_url.to_string(),
                    is_image: true,
                    line: line(range.start),
                }),
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                    let info = info
                        .split(',')
                        .map(|part| part.trim().to_string())
                        .filter(|part| !part.is_empty())
                        .collect();
                    // The code starts on the line after the opening fence.
                    code = Some((info, line(range.start) + 1, String::new()));
                }
                Event::End(TagEnd::CodeBlock) => {
                    if let Some((info, at, text)) = code.take() {
                        outline.code_blocks.push(CodeBlock {
                            info,
                            code: text,
                            line: at,
                        });
                    }
                }
                Event::Text(text) | Event::Code(text) => {
                    if let Some((_, _, _, buf)) = heading.as_mut() {
                        buf.push_str(&text);
                    }
                    if let Some((_, _, buf)) = code.as_mut() {
                        buf.push_str(&text);
                    }
                }
                _ => {}
            }
        }
        outline
    }

    /// True when some heading has this anchor.
    pub fn has_anchor(&self, anchor: &str) -> bool {
        self.headings.iter().any(|h| h.anchor == anchor)
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

/// The anchor GitHub gives a heading: lower case, letters, digits, `-` and `_` kept, spaces
/// turned into `-`, everything else dropped. Authors already know this rule from READMEs.
pub fn slugify(text: &str) -> String {
    text.trim()
        .chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// Hands out unique anchors: the second "Examples" heading becomes `examples-1`.
#[derive(Default)]
struct AnchorSet {
    seen: HashMap<String, usize>,
}

impl AnchorSet {
    fn claim(&mut self, base: String) -> String {
        let count = self.seen.entry(base.clone()).or_insert(0);
        let anchor = if *count == 0 {
            base.clone()
        } else {
            format!("{base}-{count}")
        };
        *count += 1;
        if anchor != base {
            self.seen.insert(anchor.clone(), 1);
        }
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
