//! The HTML pages: home, lesson (with its quiz), exercise, progress and search. Each handler
//! gathers what the page shows into a view struct and renders an askama template.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::error::WebError;
use super::security::wants_json;
use super::site::{Hit, Site};
use super::state::AppState;
use crate::course::{AnswerKey, Lesson, QuestionKind};
use crate::grade::TestStatus;
use crate::grade::scoring::{Answer, option_order, question_hash};
use crate::render::TocEntry;
use crate::store::{AnswerRecord, GradeHistory, GradeRecord, QuizBest, StoreError};

/// Bumped with the stylesheet and script, so browsers fetch new copies.
const ASSET_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The learner's progress, read once per page.
struct Progress {
    grades: HashMap<String, GradeRecord>,
    history: HashMap<String, GradeHistory>,
    quizzes: HashMap<String, QuizBest>,
}

fn progress(state: &AppState) -> Result<Progress, StoreError> {
    state.read(|s| {
        Ok(Progress {
            grades: s.latest_grades()?,
            history: s.grade_history()?,
            quizzes: s.best_quiz_scores()?,
        })
    })
}

/// The frame around every page.
pub struct Chrome {
    title: String,
    asset_version: &'static str,
    query: String,
    banner: Vec<String>,
    sidebar: Vec<SidebarItem>,
}

struct SidebarItem {
    number: u32,
    slug: String,
    title: String,
    current: bool,
    done: bool,
    started: bool,
}

fn chrome(
    site: &Site,
    progress: &Progress,
    title: &str,
    current: Option<&str>,
    query: &str,
) -> Chrome {
    let course = &site.loaded.course;
    let sidebar = course
        .lessons
        .iter()
        .map(|lesson| {
            let quiz = lesson
                .quiz
                .as_ref()
                .and_then(|(q, _)| progress.quizzes.get(q.as_str()));
            let grades: Vec<Option<&GradeRecord>> = lesson
                .exercises
                .iter()
                .map(|(e, _)| progress.grades.get(e.as_str()))
                .collect();
            let quiz_done = lesson.quiz.is_none() || quiz.is_some_and(|q| q.passed);
            let exercises_done = grades.iter().all(|g| g.is_some_and(|g| g.report.passed()));
            SidebarItem {
                number: lesson.number,
                slug: lesson.slug.to_string(),
                title: lesson.title.clone(),
                current: current == Some(lesson.slug.as_str()),
                done: quiz_done
                    && exercises_done
                    && (lesson.quiz.is_some() || !lesson.exercises.is_empty()),
                started: quiz.is_some() || grades.iter().any(Option::is_some),
            }
        })
        .collect();
    Chrome {
        title: title.to_string(),
        asset_version: ASSET_VERSION,
        query: query.to_string(),
        banner: site
            .errors()
            .iter()
            .take(20)
            .map(|d| d.to_string())
            .collect(),
        sidebar,
    }
}

/// A status pill: its text and CSS class.
struct Pill {
    slug: String,
    text: String,
    class: &'static str,
}

fn quiz_pill(progress: &Progress, quiz: &str) -> Pill {
    match progress.quizzes.get(quiz) {
        Some(best) => Pill {
            slug: quiz.to_string(),
            text: format!("best {:.0}%", best.score * 100.0),
            class: if best.passed { "pass" } else { "fail" },
        },
        None => Pill {
            slug: quiz.to_string(),
            text: "not taken".into(),
            class: "",
        },
    }
}

fn exercise_pill(progress: &Progress, slug: &str) -> Pill {
    match progress.grades.get(slug) {
        Some(g) => Pill {
            slug: slug.to_string(),
            text: match g.status.as_str() {
                "error" => "does not compile".to_string(),
                status => format!("{status} {}/{}", g.passed, g.total),
            },
            class: g.status.as_str(),
        },
        None => Pill {
            slug: slug.to_string(),
            text: "not graded".into(),
            class: "",
        },
    }
}

fn html(body: axum::body::Bytes) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

fn render_error(e: impl std::fmt::Display) -> WebError {
    WebError::internal(e, false)
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    /// Where the learner left off: (lesson slug, "N. Title"), once they have started.
    resume: Option<(String, String)>,
    lessons: Vec<HomeLesson>,
    total_minutes: u32,
    exercise_count: usize,
}

struct HomeLesson {
    number: u32,
    slug: String,
    title: String,
    summary: String,
    minutes: u32,
    quiz: Option<Pill>,
    exercises: Vec<Pill>,
}

/// `GET /`: the course overview.
pub async fn home(State(state): State<Arc<AppState>>) -> Result<Response, WebError> {
    let body = state
        .page("/", || {
            let site = state.site();
            let progress = progress(&state).map_err(|e| askama::Error::Custom(Box::new(e)))?;
            let course = &site.loaded.course;
            HomePage {
                chrome: chrome(&site, &progress, "Course", None, ""),
                resume: resume(course, &progress)
                    .map(|l| (l.slug.to_string(), format!("{}. {}", l.number, l.title))),
                lessons: course
                    .lessons
                    .iter()
                    .map(|l| HomeLesson {
                        number: l.number,
                        slug: l.slug.to_string(),
                        title: l.title.clone(),
                        summary: l.summary.clone(),
                        minutes: l.minutes,
                        quiz: l
                            .quiz
                            .as_ref()
                            .map(|(q, _)| quiz_pill(&progress, q.as_str())),
                        exercises: l
                            .exercises
                            .iter()
                            .map(|(e, _)| exercise_pill(&progress, e.as_str()))
                            .collect(),
                    })
                    .collect(),
                total_minutes: course.lessons.iter().map(|l| l.minutes).sum(),
                exercise_count: course.exercises.len(),
            }
            .render()
        })
        .map_err(render_error)?;
    Ok(html(body))
}

/// The lesson to continue with: the one of the learner's latest quiz attempt or grade, or the
/// first unfinished lesson after it when that one is done. `None` before anything was done.
fn resume<'c>(course: &'c crate::course::Course, progress: &Progress) -> Option<&'c Lesson> {
    let quiz_times = course.lessons.iter().filter_map(|l| {
        let (quiz, _) = l.quiz.as_ref()?;
        Some((
            progress
                .quizzes
                .get(quiz.as_str())?
                .last_attempt_at
                .as_str(),
            l,
        ))
    });
    let grade_times = course.lessons.iter().flat_map(|l| {
        l.exercises.iter().filter_map(move |(e, _)| {
            Some((progress.grades.get(e.as_str())?.graded_at.as_str(), l))
        })
    });
    let (_, latest) = quiz_times
        .chain(grade_times)
        .max_by_key(|(at, l)| (*at, l.number))?;
    let done = |l: &Lesson| {
        let quiz_done = l
            .quiz
            .as_ref()
            .is_none_or(|(q, _)| progress.quizzes.get(q.as_str()).is_some_and(|b| b.passed));
        quiz_done
            && l.exercises.iter().all(|(e, _)| {
                progress
                    .grades
                    .get(e.as_str())
                    .is_some_and(|g| g.report.passed())
            })
    };
    if !done(latest) {
        return Some(latest);
    }
    course
        .lessons
        .iter()
        .skip_while(|l| l.number <= latest.number)
        .chain(course.lessons.iter())
        .find(|l| !done(l))
}

#[derive(Template)]
#[template(path = "lesson.html")]
struct LessonPage {
    chrome: Chrome,
    number: u32,
    title: String,
    minutes: u32,
    objectives: Vec<String>,
    toc: Vec<TocEntry>,
    body: String,
    exercises: Vec<ExerciseCard>,
    quiz: Option<QuizView>,
    prev: Option<(String, String)>,
    next: Option<(String, String)>,
}

struct ExerciseCard {
    slug: String,
    title: String,
    difficulty: &'static str,
    text: String,
    class: &'static str,
}

struct QuizView {
    slug: String,
    title: String,
    pass_percent: u32,
    best: Option<String>,
    questions: Vec<QuestionVm>,
    retrying: bool,
    retry_link: Option<String>,
    score_text: Option<String>,
}

struct QuestionVm {
    id: String,
    kind: &'static str,
    prompt_html: String,
    /// Say "Select all that apply" (a `multiple` question whose prompt does not say it).
    select_all: bool,
    options: Vec<OptionVm>,
    changed: bool,
    typed: String,
    result_class: &'static str,
    feedback: Option<Feedback>,
}

struct OptionVm {
    value: usize,
    html: String,
    correct: bool,
    chosen: bool,
}

struct Feedback {
    verdict: &'static str,
    accepted: String,
    explanation_html: String,
}

/// Query parameters of a lesson page.
#[derive(Deserialize, Default)]
pub struct LessonQuery {
    /// Show the results of this attempt (the form post without JavaScript lands here).
    attempt: Option<i64>,
    /// `missed`: show only the questions not yet answered right.
    retry: Option<String>,
}

/// `GET /lessons/{slug}`: a lesson with its quiz at the end.
pub async fn lesson(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    Query(query): Query<LessonQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let site = state.site();
    let Some(lesson) = site.loaded.course.lesson(&slug) else {
        return Err(WebError::not_found(
            format!("there is no lesson `{slug}`"),
            wants_json(&headers),
        ));
    };
    let render = || -> Result<String, askama::Error> {
        let progress = progress(&state).map_err(|e| askama::Error::Custom(Box::new(e)))?;
        lesson_page(&state, &site, lesson, &progress, &query)
            .map_err(|e| askama::Error::Custom(Box::new(e)))?
            .render()
    };
    // Only the plain page is cached; attempts and retries are per visit.
    let body = if query.attempt.is_none() && query.retry.is_none() {
        state
            .page(&format!("/lessons/{slug}"), render)
            .map_err(render_error)?
    } else {
        render().map_err(render_error)?.into()
    };
    Ok(html(body))
}

fn lesson_page(
    state: &AppState,
    site: &Site,
    lesson: &Lesson,
    progress: &Progress,
    query: &LessonQuery,
) -> Result<LessonPage, StoreError> {
    let course = &site.loaded.course;
    let rendered = site.lessons.get(lesson.slug.as_str());
    let position = course
        .lessons
        .iter()
        .position(|l| l.slug == lesson.slug)
        .unwrap_or(0);
    let neighbour = |i: Option<usize>| {
        i.and_then(|i| course.lessons.get(i))
            .map(|l| (l.slug.to_string(), l.title.clone()))
    };
    let exercises = lesson
        .exercises
        .iter()
        .filter_map(|(slug, _)| course.exercises.get(slug))
        .map(|e| {
            let pill = exercise_pill(progress, e.slug.as_str());
            ExerciseCard {
                slug: e.slug.to_string(),
                title: e.title.clone(),
                difficulty: e.difficulty.as_str(),
                text: pill.text,
                class: pill.class,
            }
        })
        .collect();
    let quiz = match &lesson.quiz {
        Some((slug, _)) => quiz_view(state, site, slug.as_str(), lesson, progress, query)?,
        None => None,
    };
    Ok(LessonPage {
        chrome: chrome(
            site,
            progress,
            &lesson.title,
            Some(lesson.slug.as_str()),
            "",
        ),
        number: lesson.number,
        title: lesson.title.clone(),
        minutes: lesson.minutes,
        objectives: lesson.objectives.clone(),
        toc: rendered.map(|r| r.toc.clone()).unwrap_or_default(),
        body: rendered.map(|r| r.html.clone()).unwrap_or_default(),
        exercises,
        quiz,
        prev: neighbour(position.checked_sub(1)),
        next: neighbour(Some(position + 1)),
    })
}

fn quiz_view(
    state: &AppState,
    site: &Site,
    slug: &str,
    lesson: &Lesson,
    progress: &Progress,
    query: &LessonQuery,
) -> Result<Option<QuizView>, StoreError> {
    let (Some(quiz), Some(views)) = (site.loaded.course.quizzes.get(slug), site.quizzes.get(slug))
    else {
        return Ok(None);
    };
    let latest = state.read(|s| s.latest_answers(slug))?;
    let shown_attempt = match query.attempt {
        Some(id) => state.read(|s| s.attempt(id))?.filter(|a| a.quiz == slug),
        None => None,
    };
    let shown: HashMap<&str, &AnswerRecord> = shown_attempt
        .as_ref()
        .map(|attempt| {
            attempt
                .answers
                .iter()
                .map(|a| (a.question.as_str(), a))
                .collect()
        })
        .unwrap_or_default();
    let missed: Vec<&str> = quiz
        .questions
        .iter()
        .filter(|q| {
            latest
                .get(q.id.as_str())
                .is_none_or(|a| a.points < 1.0 || a.question_hash != question_hash(q))
        })
        .map(|q| q.id.as_str())
        .collect();
    let retrying = query.retry.as_deref() == Some("missed")
        && !missed.is_empty()
        && missed.len() < quiz.questions.len();

    let mut questions = Vec::new();
    for (question, view) in quiz.questions.iter().zip(views) {
        if retrying && !missed.contains(&question.id.as_str()) {
            continue;
        }
        let answered = shown.get(question.id.as_str());
        let answer: Option<Answer> = answered.and_then(|a| serde_json::from_str(&a.answer).ok());
        let chosen: Vec<usize> = match &answer {
            Some(Answer::Choices(c)) => c.clone(),
            _ => Vec::new(),
        };
        // The key is shown only for a question answered in the attempt on screen.
        let key: Vec<usize> = match (&question.answer, answered) {
            (AnswerKey::Choices(k), Some(_)) => k.iter().copied().collect(),
            _ => Vec::new(),
        };
        let options = option_order(question, &state.learner_seed)
            .into_iter()
            .filter_map(|i| view.options_html.get(i))
            .map(|(value, html)| OptionVm {
                value: *value,
                html: html.clone(),
                correct: key.contains(value),
                chosen: chosen.contains(value),
            })
            .collect();
        let feedback = answered.map(|a| Feedback {
            verdict: if a.correct {
                "Right."
            } else if a.points > 0.0 {
                "Partly right."
            } else {
                "Not quite."
            },
            accepted: match &question.answer {
                AnswerKey::Accepted(accepted) if question.kind == QuestionKind::Short => {
                    accepted.join(", ")
                }
                _ => String::new(),
            },
            explanation_html: site
                .explanations
                .get(slug)
                .and_then(|e| e.get(question.id.as_str()))
                .cloned()
                .unwrap_or_default(),
        });
        questions.push(QuestionVm {
            id: view.id.clone(),
            kind: view.kind,
            select_all: view.kind == "multiple"
                && !view.prompt_html.to_lowercase().contains("all that apply"),
            prompt_html: view.prompt_html.clone(),
            options,
            changed: latest
                .get(question.id.as_str())
                .is_some_and(|a| a.question_hash != question_hash(question)),
            typed: match &answer {
                Some(Answer::Text(t)) => t.clone(),
                _ => String::new(),
            },
            result_class: match answered {
                Some(a) if a.correct => "right",
                Some(_) => "wrong",
                None => "",
            },
            feedback,
        });
    }
    let best = progress.quizzes.get(slug).map(|b| {
        format!(
            "{:.0}% ({} attempt{})",
            b.score * 100.0,
            b.attempts,
            if b.attempts == 1 { "" } else { "s" }
        )
    });
    let score_text = shown_attempt.as_ref().map(|attempt| {
        let (score, passed) = (attempt.score, &attempt.passed);
        format!(
            "Score: {:.0}% (pass mark {:.0}%) — {}",
            score * 100.0,
            quiz.pass_mark * 100.0,
            if *passed {
                "passed!"
            } else {
                "not yet passed."
            }
        )
    });
    let has_attempts = !latest.is_empty();
    Ok(Some(QuizView {
        slug: slug.to_string(),
        title: quiz.title.clone(),
        pass_percent: (quiz.pass_mark * 100.0).round() as u32,
        best,
        questions,
        retrying,
        retry_link: (has_attempts && !missed.is_empty() && missed.len() < quiz.questions.len())
            .then(|| format!("/lessons/{}?retry=missed#wb:quiz", lesson.slug)),
        score_text,
    }))
}

#[derive(Template)]
#[template(path = "exercise.html")]
struct ExercisePage {
    chrome: Chrome,
    slug: String,
    title: String,
    difficulty: &'static str,
    lesson: Option<(String, String)>,
    folder: String,
    grade: Option<GradeView>,
    hints: Vec<String>,
    hint_total: usize,
    readme: String,
}

struct GradeView {
    status: &'static str,
    class: &'static str,
    score: String,
    when: String,
    compile_errors: String,
    tests: Vec<TestView>,
}

struct TestView {
    mark: &'static str,
    class: &'static str,
    description: String,
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
    let course = &site.loaded.course;
    let Some(exercise) = course.exercises.get(slug.as_str()) else {
        return Err(WebError::not_found(
            format!("there is no exercise `{slug}`"),
            wants_json(&headers),
        ));
    };
    let body = state
        .page(&format!("/exercises/{slug}"), || {
            let progress = progress(&state).map_err(|e| askama::Error::Custom(Box::new(e)))?;
            let revealed = state
                .read(|s| s.revealed_hints(exercise.slug.as_str()))
                .map_err(|e| askama::Error::Custom(Box::new(e)))?;
            let grade = progress
                .grades
                .get(exercise.slug.as_str())
                .map(|g| GradeView {
                    status: match g.status.as_str() {
                        "error" => "compile error",
                        other => other,
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
                    tests: g
                        .report
                        .tests
                        .iter()
                        .map(|t| TestView {
                            mark: match t.status {
                                TestStatus::Passed => "✓",
                                TestStatus::Failed => "✗",
                                TestStatus::TimedOut => "⏱",
                            },
                            class: match t.status {
                                TestStatus::Passed => "passed",
                                TestStatus::Failed => "failed",
                                TestStatus::TimedOut => "timed_out",
                            },
                            description: t.description.clone(),
                            duration_ms: t.duration_ms,
                            message: t.message.clone().unwrap_or_default(),
                        })
                        .collect(),
                });
            ExercisePage {
                chrome: chrome(
                    &site,
                    &progress,
                    &exercise.title,
                    Some(exercise.lesson.0.as_str()),
                    "",
                ),
                slug: exercise.slug.to_string(),
                title: exercise.title.clone(),
                difficulty: exercise.difficulty.as_str(),
                lesson: course
                    .lesson(exercise.lesson.0.as_str())
                    .map(|l| (l.slug.to_string(), l.title.clone())),
                folder: exercise.stub_dir.display().to_string(),
                grade,
                hints: exercise
                    .hints
                    .iter()
                    .take(revealed)
                    .map(|h| state.renderer.inline(h))
                    .collect(),
                hint_total: exercise.hints.len(),
                readme: site
                    .readmes
                    .get(exercise.slug.as_str())
                    .map(|r| r.html.clone())
                    .unwrap_or_default(),
            }
            .render()
        })
        .map_err(render_error)?;
    Ok(html(body))
}

#[derive(Template)]
#[template(path = "progress.html")]
struct ProgressPage {
    chrome: Chrome,
    quizzes: Vec<QuizRow>,
    exercises: Vec<ExerciseRow>,
}

struct QuizRow {
    lesson_slug: String,
    lesson_title: String,
    best: String,
    pass_mark: String,
    attempts: usize,
    when: String,
    class: &'static str,
}

struct ExerciseRow {
    slug: String,
    title: String,
    status: String,
    score: String,
    best: String,
    first_passed: String,
    hints: String,
    when: String,
    class: &'static str,
}

/// `GET /progress`: every quiz's best score and every exercise's status, with times.
pub async fn progress_page(State(state): State<Arc<AppState>>) -> Result<Response, WebError> {
    let body = state
        .page("/progress", || {
            let site = state.site();
            let course = &site.loaded.course;
            let progress = progress(&state).map_err(|e| askama::Error::Custom(Box::new(e)))?;
            let quizzes = course
                .lessons
                .iter()
                .filter_map(|l| l.quiz.as_ref().map(|(q, _)| (l, q)))
                .filter_map(|(l, q)| course.quizzes.get(q).map(|quiz| (l, quiz)))
                .map(|(lesson, quiz)| {
                    let best = progress.quizzes.get(quiz.slug.as_str());
                    QuizRow {
                        lesson_slug: lesson.slug.to_string(),
                        lesson_title: format!("{}. {}", lesson.number, lesson.title),
                        best: best
                            .map_or("not taken".into(), |b| format!("{:.0}%", b.score * 100.0)),
                        pass_mark: format!("{:.0}%", quiz.pass_mark * 100.0),
                        attempts: best.map_or(0, |b| b.attempts),
                        when: best.map_or(String::new(), |b| b.last_attempt_at.clone()),
                        class: match best {
                            Some(b) if b.passed => "pass",
                            Some(_) => "fail",
                            None => "",
                        },
                    }
                })
                .collect();
            let mut exercises = Vec::new();
            for exercise in course.exercises.values() {
                let grade = progress.grades.get(exercise.slug.as_str());
                let history = progress.history.get(exercise.slug.as_str());
                let revealed = state
                    .read(|s| s.revealed_hints(exercise.slug.as_str()))
                    .map_err(|e| askama::Error::Custom(Box::new(e)))?;
                exercises.push(ExerciseRow {
                    slug: exercise.slug.to_string(),
                    title: exercise.title.clone(),
                    status: grade.map_or("not graded".into(), |g| g.status.as_str().to_string()),
                    score: grade.map_or(String::new(), |g| format!("{}/{}", g.passed, g.total)),
                    best: history.map_or(String::new(), |h| {
                        format!("{}/{}", h.best_passed, h.best_total)
                    }),
                    first_passed: history
                        .and_then(|h| h.first_passed_at.clone())
                        .unwrap_or_default(),
                    hints: format!("{revealed}/{}", exercise.hints.len()),
                    when: grade.map_or(String::new(), |g| g.graded_at.clone()),
                    class: grade.map_or("", |g| g.status.as_str()),
                });
            }
            ProgressPage {
                chrome: chrome(&site, &progress, "Progress", None, ""),
                quizzes,
                exercises,
            }
            .render()
        })
        .map_err(render_error)?;
    Ok(html(body))
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    hits: Vec<Hit>,
}

/// Query parameters of the search page.
#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// `GET /search?q=`: full-text search over lessons.
pub async fn search(
    State(state): State<Arc<AppState>>,
    Query(query): Query<SearchQuery>,
) -> Result<Response, WebError> {
    let site = state.site();
    let progress = progress(&state).map_err(|e| WebError::internal(e, false))?;
    let q = query.q.chars().take(200).collect::<String>();
    let page = SearchPage {
        chrome: chrome(&site, &progress, "Search", None, &q),
        hits: site.search(&q),
    };
    Ok(Html(page.render().map_err(render_error)?).into_response())
}

/// `GET /static/app.css`, `/static/app.js` and `/static/theme.js`: assets compiled into the
/// binary.
pub async fn asset(Path(name): Path<String>) -> Response {
    let (body, content_type) = match name.as_str() {
        "app.css" => (
            include_str!("../../static/app.css"),
            "text/css; charset=utf-8",
        ),
        "app.js" => (
            include_str!("../../static/app.js"),
            "text/javascript; charset=utf-8",
        ),
        "theme.js" => (
            include_str!("../../static/theme.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => {
            return WebError::not_found(format!("there is no asset `{name}`"), false)
                .into_response();
        }
    };
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, "public, max-age=3600")
        .body(Body::from(body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
