//! `workbook gradebook`, for instructors: learners' report files merged into one table,
//! or (`--by-test`) one row per hidden test, and (`--html`) a page with both. It needs no
//! course: a CI runner may hold only the report files; given `--course`, the per-test rows
//! also name the rules each test checks.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::output::{TableFormat, emit, write_atomically};
use crate::class::by_test::{RuleIndex, by_test, rule_index};
use crate::class::{gradebook, page};
use crate::course::{Course, LoadOptions};

/// What `workbook gradebook` was asked for.
pub struct GradebookArgs<'a> {
    /// The learners' report files.
    pub reports: &'a [PathBuf],
    /// CSV or JSON.
    pub format: TableFormat,
    /// Where the table goes (standard output when `None`).
    pub out_file: Option<&'a Path>,
    /// One row per hidden test instead of one per learner.
    pub by_test: bool,
    /// Also write the HTML page here.
    pub html: Option<&'a Path>,
    /// The course whose rule maps name each test's rules (`--course`), and its grader
    /// folder (`--grader-dir`).
    pub course: Option<&'a Path>,
    /// Hidden tests kept outside the course.
    pub grader_dir: Option<PathBuf>,
}

/// Merges the reports and writes the table (and the page); returns true.
pub fn run(args: GradebookArgs<'_>, out: &mut impl Write) -> anyhow::Result<bool> {
    let merged = gradebook::merge_with_tests(args.reports)?;
    let book = &merged.book;
    if !book.self_reported_quizzes.is_empty() {
        eprintln!(
            "note: the scores of quiz(zes) {} come from learners' own progress, which learners can edit (marked \"self-reported\"); grade their answers with `workbook quiz grade` for scores they cannot set",
            book.self_reported_quizzes.join(", ")
        );
    }
    let wants_tests = args.by_test || args.html.is_some();
    let rules = match args.course {
        Some(dir) if wants_tests => Some(rules_of_course(dir, args.grader_dir)?),
        _ => None,
    };
    if wants_tests && rules.is_none() {
        eprintln!(
            "note: the per-test rows name no rules; give the course with `--course DIR` to add the rule ids of its rule maps"
        );
    }
    let tests = by_test(&merged, rules.as_ref());
    let text = match (args.by_test, args.format) {
        (false, TableFormat::Csv) => book.to_csv()?,
        (false, TableFormat::Json) => format!("{}\n", serde_json::to_string_pretty(book)?),
        (true, TableFormat::Csv) => tests.to_csv()?,
        (true, TableFormat::Json) => format!("{}\n", serde_json::to_string_pretty(&tests)?),
    };
    // Both are made before either is written, so a failure leaves no half of the pair.
    let html = match args.html {
        Some(path) => Some((path, page::render(&merged, &tests)?)),
        None => None,
    };
    if let Some((path, html)) = html {
        write_atomically(path, html.as_bytes())?;
    }
    emit(text.as_bytes(), args.out_file, out)?;
    Ok(true)
}

/// The rule index of the course in `dir`; a course that cannot be read is refused, since
/// the instructor asked for its rules.
fn rules_of_course(dir: &Path, grader_dir: Option<PathBuf>) -> anyhow::Result<RuleIndex> {
    let loaded = Course::load_with(dir, &LoadOptions { grader_dir })
        .with_context(|| format!("cannot read the course in {}", dir.display()))?;
    Ok(rule_index(&loaded.course))
}
