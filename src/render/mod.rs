//! Markdown to HTML: lessons, exercise READMEs and the inline Markdown of quizzes.
//!
//! Rendering follows the course model's outline, so heading anchors here are the anchors
//! `workbook check` validated, and links are rewritten with the same resolver that checked
//! them: `02-rest-api-design.md#pagination` becomes `/lessons/rest-api-design#pagination`.

mod example;
pub mod highlight;

use std::path::Path;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Parser, Tag, TagEnd, html};

use crate::course::example::Expectation;
use crate::course::hidden_lines::{compiled_line, is_compiled, visible_code};
use crate::course::links::{LinkTarget, resolve};
use crate::course::outline::{CodeBlock, Heading, markdown_options};
use crate::course::{Course, Lesson};
use example::example_html;
pub use highlight::{Highlighter, escape};

/// A rendered document.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// The body HTML.
    pub html: String,
    /// Headings of level 2 and 3, for a table of contents.
    pub toc: Vec<TocEntry>,
    /// The text under each heading, for search.
    pub sections: Vec<Section>,
}

/// One entry of a table of contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TocEntry {
    /// 2 or 3.
    pub level: u8,
    /// The heading's text.
    pub text: String,
    /// Its anchor.
    pub anchor: String,
}

/// The plain text of a document between two headings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The heading above the text (empty before the first heading).
    pub heading: String,
    /// Its anchor (empty before the first heading).
    pub anchor: String,
    /// The text, without markup.
    pub text: String,
}

/// Renders Markdown with the course's options, anchors and link rules.
#[derive(Default)]
pub struct Renderer {
    highlighter: Highlighter,
}

impl Renderer {
    /// A lesson's body, without its opening `# Title` (the page shows the title itself).
    /// Its runnable Rust examples are numbered (see [`crate::course::example`]) and wrapped
    /// in `<div class="example" data-example="N" data-expect="...">`, with a label when they
    /// are meant to fail, so the page's script can add Copy, Run and Edit to them.
    pub fn lesson(&self, course: &Course, lesson: &Lesson) -> Rendered {
        let mut writer = DocumentWriter::new(&self.highlighter, &lesson.outline.headings);
        writer.examples = Some((lesson.slug.to_string(), 0));
        let rendered = write(course, &lesson.path, &lesson.markdown, writer);
        strip_title(rendered, &lesson.outline.headings)
    }

    /// A document shown under a page title of its own (a lesson, an exercise's README): its
    /// opening `# Title` is left out, so the title does not appear twice.
    pub fn page_body(
        &self,
        course: &Course,
        from: &Path,
        markdown: &str,
        headings: &[Heading],
    ) -> Rendered {
        strip_title(self.document(course, from, markdown, headings), headings)
    }

    /// A Markdown document of the course (`from` is its path, for resolving relative links).
    pub fn document(
        &self,
        course: &Course,
        from: &Path,
        markdown: &str,
        headings: &[Heading],
    ) -> Rendered {
        let writer = DocumentWriter::new(&self.highlighter, headings);
        write(course, from, markdown, writer)
    }

    /// One line of inline Markdown (quiz prompts, options, explanations), without a `<p>`.
    pub fn inline(&self, markdown: &str) -> String {
        let mut out = String::new();
        html::push_html(&mut out, Parser::new_ext(markdown, markdown_options()));
        let trimmed = out.trim();
        trimmed
            .strip_prefix("<p>")
            .and_then(|s| s.strip_suffix("</p>"))
            .filter(|inner| !inner.contains("<p>"))
            .unwrap_or(trimmed)
            .to_string()
    }
}

/// A document being rendered event by event: the HTML events so far, and the section,
/// heading and code block the writer is inside.
struct DocumentWriter<'r, 'm> {
    highlighter: &'r Highlighter,
    /// The outline's headings not met yet, in document order: they hold the anchors.
    headings: std::slice::Iter<'r, Heading>,
    rendered: Rendered,
    events: Vec<Event<'m>>,
    /// The code block being read: its text so far and its info string.
    code: Option<(String, Vec<String>)>,
    /// The section being read, whose text goes into search.
    section: Section,
    in_heading: bool,
    /// In a lesson, its slug and how many runnable examples were written so far; `None`
    /// elsewhere.
    examples: Option<(String, usize)>,
}

impl<'r, 'm> DocumentWriter<'r, 'm> {
    fn new(highlighter: &'r Highlighter, headings: &'r [Heading]) -> Self {
        DocumentWriter {
            highlighter,
            headings: headings.iter(),
            rendered: Rendered::default(),
            events: Vec::new(),
            code: None,
            section: Section {
                heading: String::new(),
                anchor: String::new(),
                text: String::new(),
            },
            in_heading: false,
            examples: None,
        }
    }

    /// Opens a heading with the next outline heading's anchor; it starts a new section and,
    /// at level 2 or 3, adds a table of contents entry.
    fn start_heading(&mut self, level: HeadingLevel) {
        self.in_heading = true;
        let heading = self.headings.next();
        let anchor = heading.map(|h| h.anchor.clone()).unwrap_or_default();
        let text = heading.map(|h| h.text.clone()).unwrap_or_default();
        let level_number = level as u8;
        if (2..=3).contains(&level_number) {
            self.rendered.toc.push(TocEntry {
                level: level_number,
                text: text.clone(),
                anchor: anchor.clone(),
            });
        }
        self.rendered.sections.push(std::mem::replace(
            &mut self.section,
            Section {
                heading: text,
                anchor: anchor.clone(),
                text: String::new(),
            },
        ));
        self.events.push(Event::Html(CowStr::from(format!(
            "<{level} id=\"{}\">",
            escape(&anchor)
        ))));
    }

    /// Closes a heading with a link to its own anchor.
    fn end_heading(&mut self, level: HeadingLevel) {
        self.in_heading = false;
        let anchor = &self.section.anchor;
        self.events.push(Event::Html(CowStr::from(format!(
            " <a class=\"self-link\" href=\"#{}\" aria-label=\"Link to this section\">#</a></{level}>\n",
            escape(anchor)
        ))));
    }

    fn start_code(&mut self, kind: CodeBlockKind<'_>) {
        let info = match kind {
            CodeBlockKind::Fenced(info) => info.split(',').map(|p| p.trim().to_string()).collect(),
            CodeBlockKind::Indented => Vec::new(),
        };
        self.code = Some((String::new(), info));
    }

    fn code_text(&mut self, text: &str) {
        if let Some((buf, _)) = self.code.as_mut() {
            buf.push_str(text);
        }
    }

    /// Writes the code block being read, highlighted and without hidden Rust lines; its
    /// shown code goes into the section's text.
    fn end_code(&mut self) {
        if let Some((text, info)) = self.code.take() {
            let language = info.first().map(String::as_str).unwrap_or("");
            let shown = if language == "rust" {
                visible_code(&text)
            } else {
                text.clone()
            };
            self.section.text.push_str(&shown);
            self.section.text.push('\n');
            let (class, label) = if language.is_empty() {
                (String::new(), "Code example".to_string())
            } else {
                let language = escape(language);
                (
                    format!(" class=\"language-{language}\""),
                    format!("Code example ({language})"),
                )
            };
            // Focusable, so a keyboard can scroll a block wider than the page; the page's
            // script takes the tab stop away again from a block that fits.
            let pre = format!(
                "<pre class=\"code\" tabindex=\"0\" role=\"group\" aria-label=\"{label}\"><code{class}>{}</code></pre>\n",
                self.highlighter.html(&shown, language)
            );
            let html = match self.example_number(&info) {
                Some((slug, number, expect)) => {
                    let program: String = text
                        .lines()
                        .map(|l| format!("{}\n", compiled_line(l)))
                        .collect();
                    example_html((&slug, number, expect), &pre, &program)
                }
                None => pre,
            };
            self.events.push(Event::Html(CowStr::from(html)));
        }
    }

    /// In a lesson, the lesson's slug and the number and expectation of a block that is a
    /// runnable example.
    fn example_number(&mut self, info: &[String]) -> Option<(String, usize, Expectation)> {
        let (slug, count) = self.examples.as_mut()?;
        let block = CodeBlock {
            info: info.to_vec(),
            code: String::new(),
            line: 0,
        };
        if !is_compiled(&block) {
            return None;
        }
        *count += 1;
        Some((slug.clone(), *count, Expectation::of(&block)))
    }

    /// Passes an event through unchanged, adding its text to the section's.
    fn pass_through(&mut self, event: Event<'m>) {
        let text = &mut self.section.text;
        if let Event::Text(t) | Event::Code(t) = &event
            && !self.in_heading
        {
            text.push_str(t);
        }
        // Block ends separate the words of a section's text, so a search snippet
        // never runs two cells or items together ("sessionself-contained").
        match &event {
            Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::Paragraph) => text.push(' '),
            Event::End(TagEnd::Item | TagEnd::TableCell) => text.push_str(" · "),
            Event::End(TagEnd::TableRow | TagEnd::TableHead | TagEnd::Heading(_)) => {
                text.push_str(" · ")
            }
            _ => {}
        }
        self.events.push(event);
    }

    /// Returns the rendered document: its HTML, its table of contents and its sections
    /// that have a heading or text.
    fn finish(mut self) -> Rendered {
        self.rendered.sections.push(self.section);
        self.rendered
            .sections
            .retain(|s| !s.text.trim().is_empty() || !s.heading.is_empty());
        let mut html = String::new();
        html::push_html(&mut html, self.events.into_iter());
        // A table scrolls sideways on a narrow screen: focusable, like a code block.
        self.rendered.html = html.replace("<table>", "<table tabindex=\"0\">");
        self.rendered
    }
}

/// Feeds `markdown`'s events through `writer`, rewriting links for the web app.
fn write<'m>(
    course: &Course,
    from: &Path,
    markdown: &'m str,
    mut writer: DocumentWriter<'_, 'm>,
) -> Rendered {
    for event in Parser::new_ext(markdown, markdown_options()) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => writer.start_heading(level),
            Event::End(TagEnd::Heading(level)) => writer.end_heading(level),
            Event::Start(Tag::CodeBlock(kind)) => writer.start_code(kind),
            Event::End(TagEnd::CodeBlock) => writer.end_code(),
            Event::Text(text) if writer.code.is_some() => writer.code_text(&text),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => writer.events.push(Event::Start(Tag::Link {
                link_type,
                dest_url: CowStr::from(rewrite_link(course, from, &dest_url)),
                title,
                id,
            })),
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => writer.events.push(Event::Start(Tag::Image {
                link_type,
                dest_url: CowStr::from(rewrite_link(course, from, &dest_url)),
                title,
                id,
            })),
            other => writer.pass_through(other),
        }
    }
    writer.finish()
}

/// `rendered` without its opening `<h1>`. Links to the heading's anchor keep working: the
/// anchor stays, the text goes.
fn strip_title(mut rendered: Rendered, headings: &[Heading]) -> Rendered {
    if rendered.html.starts_with("<h1")
        && let Some(end) = rendered.html.find("</h1>\n")
    {
        let anchor = headings
            .first()
            .map(|h| format!("<span id=\"{}\"></span>\n", escape(&h.anchor)))
            .unwrap_or_default();
        rendered
            .html
            .replace_range(..end + "</h1>\n".len(), &anchor);
    }
    rendered
}

/// The URL a link of a course file points at in the web app.
fn rewrite_link(course: &Course, from: &Path, target: &str) -> String {
    let with_anchor = |path: String, anchor: Option<String>| match anchor {
        Some(anchor) => format!("{path}#{anchor}"),
        None => path,
    };
    match resolve(course, from, target) {
        LinkTarget::Lesson { slug, anchor } => with_anchor(format!("/lessons/{slug}"), anchor),
        LinkTarget::Exercise { slug, anchor } => with_anchor(format!("/exercises/{slug}"), anchor),
        LinkTarget::External
        | LinkTarget::SameDocument { .. }
        | LinkTarget::File { .. }
        | LinkTarget::Absolute
        | LinkTarget::Outside
        | LinkTarget::Empty => target.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::outline::Outline;

    fn render(md: &str) -> Rendered {
        let course = Course::default();
        let outline = Outline::parse(md, 1);
        Renderer::default().document(&course, Path::new("lessons/01-a.md"), md, &outline.headings)
    }

    #[test]
    fn a_lessons_compiled_rust_blocks_are_numbered_examples_with_a_form() {
        let md = "# T\n\n```rust\nfn main() {}\n```\n\n```rust,ignore\nx\n```\n\n```text\nt\n```\n\n```rust,compile_fail\n# use std::fmt;\nfn main() { let x: u8 = \"<no>\"; }\n```\n";
        let lesson = Lesson {
            number: 1,
            slug: crate::course::LessonSlug::new("basics"),
            path: "lessons/01-basics.md".into(),
            title: "T".into(),
            summary: String::new(),
            minutes: 1,
            objectives: Vec::new(),
            quiz: None,
            exercises: Vec::new(),
            markdown: md.into(),
            body_line: 1,
            outline: Outline::parse(md, 1),
        };
        let html = Renderer::default().lesson(&Course::default(), &lesson).html;
        assert_eq!(html.matches("<div class=\"example\"").count(), 2, "{html}");
        assert!(
            html.contains(
                "id=\"example-1\" data-lesson=\"basics\" data-example=\"1\" data-expect=\"runs\""
            ),
            "{html}"
        );
        assert!(html.contains("data-example=\"2\" data-expect=\"compile_fail\">\n<p class=\"example-mark\">Does not compile, on purpose</p>"), "{html}");
        // The form without JavaScript holds the whole program, hidden lines too, escaped.
        assert!(
            html.contains("action=\"/lessons/basics/examples/2/run\""),
            "{html}"
        );
        assert!(
            html.contains("use std::fmt;\nfn main() { let x: u8 = &quot;&lt;no&gt;&quot;; }"),
            "{html}"
        );
        // Other documents (an exercise's README) have no examples.
        assert!(!render(md).html.contains("class=\"example\""));
    }

    #[test]
    fn headings_get_anchors_and_self_links() {
        let r = render("# Title\n\n## The N+1 problem\n\ntext\n");
        assert!(r.html.contains("<h2 id=\"the-n1-problem\">The N+1 problem <a class=\"self-link\" href=\"#the-n1-problem\""), "{}", r.html);
        assert_eq!(
            r.toc,
            vec![TocEntry {
                level: 2,
                text: "The N+1 problem".into(),
                anchor: "the-n1-problem".into()
            }]
        );
    }

    #[test]
    fn tables_footnotes_strikethrough_and_tasks_render() {
        let r = render(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ and a note[^1]\n\n- [x] done\n\n[^1]: The note.\n",
        );
        for needle in [
            // Focusable, so a keyboard can scroll a wide table on a phone.
            "<table tabindex=\"0\">",
            "<del>old</del>",
            "footnote-reference",
            "type=\"checkbox\"",
        ] {
            assert!(r.html.contains(needle), "{needle} in {}", r.html);
        }
    }

    #[test]
    fn hidden_rust_lines_are_not_shown() {
        let r = render("```rust\n# use std::fmt;\nfn shown() {}\n```\n");
        assert!(
            r.html.contains(
                "<pre class=\"code\" tabindex=\"0\" role=\"group\" aria-label=\"Code example (rust)\">"
            ),
            "a labelled, focusable block: {}",
            r.html
        );
        assert!(!r.html.contains("fmt"), "{}", r.html);
        assert!(r.html.contains("shown"), "{}", r.html);
    }

    #[test]
    fn sections_collect_text_under_each_heading() {
        let r = render("Intro text.\n\n## Caching\n\nKeep it `fresh`.\n");
        assert_eq!(r.sections.len(), 2);
        assert_eq!(r.sections[1].anchor, "caching");
        assert!(
            r.sections[1].text.contains("Keep it fresh."),
            "{:?}",
            r.sections
        );
    }

    #[test]
    fn inline_markdown_has_no_paragraph() {
        assert_eq!(
            Renderer::default().inline("Use `PATCH` *here*"),
            "Use <code>PATCH</code> <em>here</em>"
        );
    }
}
