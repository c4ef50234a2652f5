//! Lessons: `lessons/NN-slug.md`, TOML front matter between `+++` lines, then Markdown.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::diagnostic::{Code, Diagnostic};
use super::ids::{ExerciseSlug, LessonSlug, QuizSlug};
use super::outline::Outline;
use super::source::{is_kebab_case, or_report, parse_toml, read_text, span_line};

/// One lesson, parsed and ready to render.
#[derive(Debug, Clone)]
pub struct Lesson {
    /// The `NN` of the file name; lessons are ordered by it.
    pub number: u32,
    /// The file name without `NN-` and `.md`; used in URLs.
    pub slug: LessonSlug,
    /// The file, relative to the course root.
    pub path: PathBuf,
    /// The lesson's title.
    pub title: String,
    /// One line saying what the lesson covers.
    pub summary: String,
    /// Estimated reading time.
    pub minutes: u32,
    /// What the learner can do afterwards.
    pub objectives: Vec<String>,
    /// The quiz at the end of the lesson, if any, with its line in the front matter.
    pub quiz: Option<(QuizSlug, u32)>,
    /// The exercises that practise the lesson, with their lines in the front matter.
    pub exercises: Vec<(ExerciseSlug, u32)>,
    /// The Markdown after the front matter.
    pub markdown: String,
    /// The line of the file on which `markdown` starts.
    pub body_line: u32,
    /// Headings, links and code blocks of the body.
    pub outline: Outline,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: Spanned<String>,
    summary: Spanned<String>,
    minutes: Spanned<u32>,
    objectives: Spanned<Vec<String>>,
    quiz: Option<Spanned<String>>,
    #[serde(default)]
    exercises: Vec<Spanned<String>>,
}

/// Splits `NN-slug.md` into its number and slug.
pub fn parse_file_name(name: &str) -> Option<(u32, &str)> {
    let stem = name.strip_suffix(".md")?;
    let (number, slug) = stem.split_once('-')?;
    if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit()) || !is_kebab_case(slug) {
        return None;
    }
    Some((number.parse().ok()?, slug))
}

/// Loads one lesson file; every problem found is pushed to `problems`.
///
/// Returns `None` when the file cannot be understood at all (no usable front matter).
pub fn load(root: &Path, rel: &Path, problems: &mut Vec<Diagnostic>) -> Option<Lesson> {
    let name = rel.file_name()?.to_string_lossy().into_owned();
    let Some((number, slug)) = parse_file_name(&name) else {
        problems.push(Diagnostic::file(
            rel,
            Code::LessonFileName,
            format!(
                "lesson file name `{name}` is not `NN-slug.md` (a number, a dash, a kebab-case slug), e.g. `02-rest-api-design.md`"
            ),
        ));
        return None;
    };
    let text = or_report(read_text(root, rel), problems)?;
    let (front, body, body_line) = or_report(split_front_matter(&text, rel), problems)?;
    let fm: FrontMatter = or_report(parse_toml(front, rel, 2), problems)?;
    let line = |span: std::ops::Range<usize>| span_line(front, &span, 2);
    check_front_matter(&fm, rel, &line, problems);

    let quiz = fm
        .quiz
        .as_ref()
        .map(|q| (QuizSlug::new(q.get_ref().trim()), line(q.span())));
    let exercises = fm
        .exercises
        .iter()
        .map(|e| (ExerciseSlug::new(e.get_ref().trim()), line(e.span())))
        .collect();

    Some(Lesson {
        number,
        slug: LessonSlug::new(slug),
        path: rel.to_path_buf(),
        title: fm.title.into_inner().trim().to_string(),
        summary: fm.summary.into_inner().trim().to_string(),
        minutes: fm.minutes.into_inner(),
        objectives: fm.objectives.into_inner(),
        quiz,
        exercises,
        outline: Outline::parse(body, body_line),
        markdown: body.to_string(),
        body_line,
    })
}

/// Reports empty fields of the front matter: `title`, `summary`, `minutes` and `objectives`.
fn check_front_matter(
    fm: &FrontMatter,
    rel: &Path,
    line: &dyn Fn(std::ops::Range<usize>) -> u32,
    problems: &mut Vec<Diagnostic>,
) {
    for (field, value) in [("title", &fm.title), ("summary", &fm.summary)] {
        if value.get_ref().trim().is_empty() {
            problems.push(Diagnostic::at(
                rel,
                line(value.span()),
                Code::InvalidField,
                format!("`{field}` is empty"),
            ));
        }
    }
    if *fm.minutes.get_ref() == 0 {
        problems.push(Diagnostic::at(
            rel,
            line(fm.minutes.span()),
            Code::InvalidField,
            "`minutes` is 0; give the estimated reading time in minutes",
        ));
    }
    let objectives = fm.objectives.get_ref();
    if objectives.is_empty() || objectives.iter().any(|o| o.trim().is_empty()) {
        problems.push(Diagnostic::at(
            rel,
            line(fm.objectives.span()),
            Code::InvalidField,
            "`objectives` needs at least one objective, and none may be empty",
        ));
    }
}

/// Splits a lesson into front matter (starting on line 2) and body, with the body's first line.
fn split_front_matter<'a>(
    text: &'a str,
    rel: &Path,
) -> Result<(&'a str, &'a str, u32), Diagnostic> {
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != "+++" {
        return Err(Diagnostic::at(
            rel,
            1,
            Code::FrontMatterMissing,
            "a lesson must start with a `+++` line opening its TOML front matter (title, summary, minutes, objectives)",
        ));
    }
    let front_start = first.len();
    let mut offset = front_start;
    for (line_no, line) in (2u32..).zip(lines) {
        if line.trim_end() == "+++" {
            let front = &text[front_start..offset];
            let body = &text[offset + line.len()..];
            return Ok((front, body, line_no + 1));
        }
        offset += line.len();
    }
    Err(Diagnostic::at(
        rel,
        1,
        Code::FrontMatterUnclosed,
        "the front matter opened on line 1 is never closed by a `+++` line",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_need_number_and_kebab_slug() {
        assert_eq!(parse_file_name("02-rest-api.md"), Some((2, "rest-api")));
        assert_eq!(parse_file_name("10-x.md"), Some((10, "x")));
        for bad in [
            "rest.md",
            "02-Rest.md",
            "02-.md",
            "x2-a.md",
            "02-a.txt",
            "-a.md",
        ] {
            assert_eq!(parse_file_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn front_matter_split_reports_body_line() {
        let text = "+++\ntitle = \"t\"\n+++\n# Body\n";
        let (front, body, line) = split_front_matter(text, Path::new("l.md")).unwrap();
        assert_eq!(front, "title = \"t\"\n");
        assert_eq!(body, "# Body\n");
        assert_eq!(line, 4);
    }

    #[test]
    fn unclosed_front_matter_is_a_diagnostic() {
        let err = split_front_matter("+++\ntitle = 1\n", Path::new("l.md")).unwrap_err();
        assert_eq!(err.code, Code::FrontMatterUnclosed);
    }
}
