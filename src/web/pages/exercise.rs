//! The exercise page: the README, the command to grade it, the latest grade and the hints
//! revealed so far.

use std::collections::BTreeSet;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::{Chrome, chrome, html, page_exercise, progress, render_error};
use crate::app::{AppError, hints};
use crate::course::Exercise;
use crate::grade::report::rule_notes;
use crate::grade::{GradeStatus, TestOutcome, TestStatus};
use crate::render::Renderer;
use crate::store::GradeRecord;
use crate::web::error::WebError;
use crate::web::site::Site;
use crate::web::state::AppState;

#[derive(Template)]
#[template(path = "exercise.html")]
struct ExercisePage {
    chrome: Chrome,
    slug: String,
    title: String,
    difficulty: &'static str,
    lesson: Option<(String, String)>,
    folder: String,
    /// The file to edit first: `src/lib.rs`, or `src/main.rs` for a server.
    root_file: &'static str,
    /// A staged exercise's stages (empty otherwise).
    stages: Vec<super::stages::StageView>,
    grade: Option<GradeView>,
    /// The revealed hints: (number, HTML).
    hints: Vec<(usize, String)>,
    /// The number of the hint a reveal would show next (`None`: all seen).
    next_hint: Option<usize>,
    /// The exercise passed once: the review beside the reference is open.
    review_open: bool,
    hint_total: usize,
    readme: String,
}

struct GradeView {
    status: &'static str,
    class: &'static str,
    score: String,
    when: String,
    compile_errors: String,
    /// The failing tests, first: what to fix.
    failures: Vec<TestView>,
    /// The passing tests, shown folded.
    passes: Vec<TestView>,
}

struct TestView {
    mark: &'static str,
    class: &'static str,
    /// The test's description, its inline Markdown (`code`) rendered.
    description_html: String,
    /// For a failure, the README rules it checks: what to reread.
    rules: Vec<RuleView>,
    duration_ms: u64,
    message: String,
}

/// `GET /exercises/{slug}`: the README, the grade command, the last grade, the hints.
pub async fn exercise(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let site = state.site();
    let exercise = page_exercise(&site, &slug, &headers)?;
    let body = state
        .page(&format!("/exercises/{slug}"), || {
            exercise_page(&state, &site, exercise)?.render()
        })
        .map_err(render_error)?;
    Ok(html(body))
}

fn exercise_page(
    state: &AppState,
    site: &Site,
    exercise: &Exercise,
) -> Result<ExercisePage, askama::Error> {
    let course = &site.loaded.course;
    let progress = progress(state)?;
    let slug = exercise.slug.as_str();
    let seen = hints::revealed(exercise, state).map_err(page_error)?;
    let stages = super::stages::stage_views(exercise, progress.grade(slug).map(|g| &g.report));
    let readme = site
        .readmes
        .get(slug)
        .map(|r| super::stages::fold_locked(&r.html, &stages))
        .unwrap_or_default();
    Ok(ExercisePage {
        chrome: chrome(
            site,
            &progress,
            &exercise.title,
            Some(exercise.lesson.0.as_str()),
            "",
        ),
        slug: slug.to_string(),
        title: exercise.title.clone(),
        difficulty: exercise.difficulty.as_str(),
        lesson: course
            .lesson(exercise.lesson.0.as_str())
            .map(|l| (l.slug.to_string(), l.title.clone())),
        folder: exercise.stub_dir.display().to_string(),
        root_file: exercise.kind.root_file(),
        stages,
        grade: progress
            .grade(slug)
            .map(|g| grade_view(&state.renderer, exercise, g)),
        hints: revealed_hints(state, exercise, &seen),
        next_hint: hints::next_hint(exercise, progress.grade(slug).map(|g| &g.report), &seen),
        review_open: progress
            .history
            .get(slug)
            .is_some_and(|h| h.first_passed_at.is_some()),
        hint_total: exercise.hints.len(),
        readme,
    })
}

/// The revealed hints as (number, HTML), in the exercise's order.
fn revealed_hints(
    state: &AppState,
    exercise: &Exercise,
    seen: &BTreeSet<usize>,
) -> Vec<(usize, String)> {
    seen.iter()
        .copied()
        .filter_map(|i| {
            exercise
                .hints
                .get(i)
                .map(|h| (i + 1, state.renderer.inline(&h.text)))
        })
        .collect()
}

fn page_error(error: AppError) -> askama::Error {
    askama::Error::Custom(Box::new(error))
}

fn grade_view(renderer: &Renderer, exercise: &Exercise, g: &GradeRecord) -> GradeView {
    let (passes, failures): (Vec<&TestOutcome>, Vec<&TestOutcome>) = g
        .report
        .tests
        .iter()
        .partition(|t| t.status == TestStatus::Passed);
    let views = |tests: Vec<&TestOutcome>| {
        tests
            .into_iter()
            .map(|t| test_view(renderer, exercise, t))
            .collect()
    };
    GradeView {
        status: match g.status {
            GradeStatus::Error => "compile error",
            GradeStatus::Pass | GradeStatus::Fail => g.status.as_str(),
        },
        class: g.status.as_str(),
        score: format!("{}/{} passed", g.passed, g.total),
        when: g.graded_at.clone(),
        compile_errors: g
            .report
            .compile_errors
            .iter()
            .map(|e| e.rendered.as_str())
            .collect::<Vec<_>>()
            .join("\n\n"),
        failures: views(failures),
        passes: views(passes),
    }
}

fn test_view(renderer: &Renderer, exercise: &Exercise, t: &TestOutcome) -> TestView {
    TestView {
        mark: t.status.mark(),
        // CSS classes cannot hold the space of "timed out".
        class: match t.status {
            TestStatus::Passed => "passed",
            TestStatus::Failed => "failed",
            TestStatus::TimedOut => "timed_out",
        },
        description_html: renderer.inline(&t.description),
        rules: rule_views(renderer, exercise, t),
        duration_ms: t.duration_ms,
        message: t.message.clone().unwrap_or_default(),
    }
}

/// A rule on a failure card: its README sentence rendered, and the lesson section to read.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct RuleView {
    /// The sentence as HTML (its inline Markdown rendered).
    pub(crate) html: String,
    /// `/lessons/<slug>#<anchor>`, when the rule map names the section.
    pub(crate) read: Option<String>,
}

/// The rules a failing `test` checks (none for a passing one).
pub(crate) fn rule_views(
    renderer: &Renderer,
    exercise: &Exercise,
    test: &TestOutcome,
) -> Vec<RuleView> {
    match test.status {
        TestStatus::Passed => Vec::new(),
        TestStatus::Failed | TestStatus::TimedOut => rule_notes(exercise, test)
            .into_iter()
            .map(|rule| RuleView {
                html: renderer.inline(rule.text),
                read: rule.section_url(),
            })
            .collect(),
    }
}
