//! Everything the web app serves that depends only on the course files: rendered lessons,
//! READMEs and quiz text, and the search index. Built once at start-up and again on every
//! change (live reload), then shared read-only between requests.

use std::collections::HashMap;
use std::sync::Mutex;

use rusqlite::Connection;

use super::unspaced::{self, SectionText, is_unspaced};
use crate::course::{Course, Diagnostic, Loaded, Severity};
use crate::render::{Rendered, Renderer, escape};

/// A question of a quiz, rendered, without its answer key or explanation.
#[derive(Debug, Clone)]
pub struct QuestionView {
    /// The question's id.
    pub id: String,
    /// The prompt as HTML.
    pub prompt_html: String,
    /// Options as (identity, HTML), in authored order.
    pub options_html: Vec<(usize, String)>,
}

/// A rendered course.
pub struct Site {
    /// The course and its diagnostics.
    pub loaded: Loaded,
    /// Rendered lesson bodies by lesson slug.
    pub lessons: HashMap<String, Rendered>,
    /// Rendered exercise READMEs by exercise slug.
    pub readmes: HashMap<String, Rendered>,
    /// Rendered quiz questions by quiz slug.
    pub quizzes: HashMap<String, Vec<QuestionView>>,
    /// Rendered explanations, sent only with results: quiz slug -> question id -> HTML.
    pub explanations: HashMap<String, HashMap<String, String>>,
    /// Full-text index of lesson sections.
    search: Mutex<Connection>,
    /// The same sections as text, for queries in scripts without spaces.
    sections: Vec<SectionText>,
    /// Bumped on every rebuild, so cached pages know they are stale.
    pub version: u64,
}

/// One search hit.
#[derive(Debug, Clone)]
pub struct Hit {
    /// The lesson's slug.
    pub lesson: String,
    /// The lesson's title.
    pub lesson_title: String,
    /// The section's heading (empty for the introduction).
    pub heading: String,
    /// The section's anchor.
    pub anchor: String,
    /// A snippet as HTML with the matches in `<mark>`.
    pub snippet_html: String,
}

impl Site {
    /// Renders `loaded`; `version` tells this build from the previous one.
    pub fn build(
        loaded: Loaded,
        renderer: &Renderer,
        version: u64,
    ) -> Result<Site, rusqlite::Error> {
        let course = &loaded.course;
        let lessons = render_lessons(course, renderer);
        let readmes = render_readmes(course, renderer);
        let quizzes = render_quizzes(course, renderer);
        let (search, sections) = index_sections(course, &lessons)?;
        Ok(Site {
            loaded,
            lessons,
            readmes,
            quizzes: quizzes.questions,
            explanations: quizzes.explanations,
            search: Mutex::new(search),
            sections,
            version,
        })
    }

    /// The errors of the course, for the banner (warnings are left to `workbook check`).
    pub fn errors(&self) -> Vec<&Diagnostic> {
        self.loaded
            .diagnostics
            .as_slice()
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect()
    }

    /// Full-text search over lesson sections, best matches first.
    pub fn search(&self, query: &str) -> Vec<Hit> {
        if query.chars().any(is_unspaced) {
            return unspaced::search(&self.sections, query);
        }
        // Each word is quoted, so FTS5 operators typed by the learner are plain words.
        let terms: Vec<String> = query
            .split_whitespace()
            .take(12)
            .map(|w| format!("\"{}\"*", w.replace('"', "")))
            .filter(|t| t != "\"\"*")
            .collect();
        if terms.is_empty() {
            return Vec::new();
        }
        let Ok(conn) = self.search.lock() else {
            return Vec::new();
        };
        let Ok(mut stmt) = conn.prepare(
            "SELECT lesson, lesson_title, heading, anchor, snippet(sections, 4, char(1), char(2), '…', 16)
             FROM sections WHERE sections MATCH ?1 ORDER BY rank LIMIT 30",
        ) else {
            return Vec::new();
        };
        let rows = stmt.query_map([terms.join(" ")], |row| {
            let snippet: String = row.get(4)?;
            Ok(Hit {
                lesson: row.get(0)?,
                lesson_title: row.get(1)?,
                heading: row.get(2)?,
                anchor: row.get(3)?,
                // Escape the text, then turn the match markers into <mark>.
                snippet_html: escape(&snippet)
                    .replace('\u{1}', "<mark>")
                    .replace('\u{2}', "</mark>"),
            })
        });
        match rows {
            Ok(rows) => rows.filter_map(Result::ok).collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// Every lesson's body, rendered, by lesson slug.
fn render_lessons(course: &Course, renderer: &Renderer) -> HashMap<String, Rendered> {
    let mut lessons = HashMap::new();
    for lesson in &course.lessons {
        lessons.insert(lesson.slug.to_string(), renderer.lesson(course, lesson));
    }
    lessons
}

/// Every exercise's README, rendered without its lesson line, by exercise slug.
fn render_readmes(course: &Course, renderer: &Renderer) -> HashMap<String, Rendered> {
    let mut readmes = HashMap::new();
    for exercise in course.exercises.values() {
        let path = exercise.stub_dir.join("README.md");
        // Read as every course file is (a link out of the course is refused); the loader
        // has already reported any problem as a diagnostic.
        let markdown = crate::course::source::read_text(&course.root, &path).unwrap_or_default();
        let mut rendered = renderer.page_body(course, &path, &markdown, &exercise.readme.headings);
        rendered.html = without_lesson_line(&rendered.html);
        readmes.insert(exercise.slug.to_string(), rendered);
    }
    readmes
}

/// Every quiz rendered, its questions apart from its explanations.
struct RenderedQuizzes {
    /// Questions without keys by quiz slug, for [`Site::quizzes`].
    questions: HashMap<String, Vec<QuestionView>>,
    /// Explanations by quiz slug and question id, for [`Site::explanations`].
    explanations: HashMap<String, HashMap<String, String>>,
}

/// Every quiz's questions and explanations, rendered.
fn render_quizzes(course: &Course, renderer: &Renderer) -> RenderedQuizzes {
    let mut quizzes = HashMap::new();
    let mut explanations = HashMap::new();
    for quiz in course.quizzes.values() {
        let views = quiz
            .questions
            .iter()
            .map(|q| QuestionView {
                id: q.id.to_string(),
                prompt_html: renderer.inline(&q.prompt),
                options_html: q
                    .options
                    .iter()
                    .enumerate()
                    .map(|(i, o)| (i, renderer.inline(o)))
                    .collect(),
            })
            .collect();
        quizzes.insert(quiz.slug.to_string(), views);
        explanations.insert(
            quiz.slug.to_string(),
            quiz.questions
                .iter()
                .map(|q| (q.id.to_string(), renderer.inline(&q.explanation)))
                .collect(),
        );
    }
    RenderedQuizzes {
        questions: quizzes,
        explanations,
    }
}

/// The full-text index of every rendered lesson's sections, and the same sections as text.
fn index_sections(
    course: &Course,
    lessons: &HashMap<String, Rendered>,
) -> Result<(Connection, Vec<SectionText>), rusqlite::Error> {
    let search = Connection::open_in_memory()?;
    let mut sections = Vec::new();
    search.execute_batch(
        "CREATE VIRTUAL TABLE sections USING fts5(lesson UNINDEXED, lesson_title, heading, anchor UNINDEXED, body, tokenize = 'porter unicode61')",
    )?;
    {
        let mut insert = search.prepare("INSERT INTO sections VALUES (?1, ?2, ?3, ?4, ?5)")?;
        for lesson in &course.lessons {
            let Some(rendered) = lessons.get(lesson.slug.as_str()) else {
                continue;
            };
            for section in &rendered.sections {
                sections.push(SectionText {
                    lesson: lesson.slug.to_string(),
                    lesson_title: lesson.title.clone(),
                    heading: section.heading.clone(),
                    anchor: section.anchor.clone(),
                    body: section.text.clone(),
                });
                insert.execute((
                    lesson.slug.as_str(),
                    lesson.title.as_str(),
                    &section.heading,
                    &section.anchor,
                    &section.text,
                ))?;
            }
        }
    }
    Ok((search, sections))
}

/// A README's opening "Lesson: … · Difficulty: …" paragraph, left out on the exercise page,
/// whose header already says both (the line stays in the file for readers of the README in
/// an editor or on a forge).
fn without_lesson_line(html: &str) -> String {
    let body_start = match html.strip_prefix("<span id=") {
        Some(rest) => rest
            .find("</span>\n")
            .map_or(0, |i| "<span id=".len() + i + "</span>\n".len()),
        None => 0,
    };
    let rest = &html[body_start..];
    if rest.starts_with("<p>Lesson:")
        && let Some(end) = rest.find("</p>\n")
    {
        return format!("{}{}", &html[..body_start], &rest[end + "</p>\n".len()..]);
    }
    html.to_string()
}

#[cfg(test)]
mod tests {
    use super::without_lesson_line;

    #[test]
    fn the_readmes_lesson_line_is_left_out_once() {
        let html = "<span id=\"x\"></span>\n<p>Lesson: <a href=\"/lessons/a\">A</a> · Difficulty: easy</p>\n<h2>Task</h2>\n<p>Lesson: later mentions stay.</p>\n";
        assert_eq!(
            without_lesson_line(html),
            "<span id=\"x\"></span>\n<h2>Task</h2>\n<p>Lesson: later mentions stay.</p>\n"
        );
        assert_eq!(without_lesson_line("<p>Other</p>\n"), "<p>Other</p>\n");
    }
}
