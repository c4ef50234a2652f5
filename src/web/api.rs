//! The state-changing requests: submitting a quiz, revealing a hint, grading an exercise,
//! and the live-reload event stream. Each answers JSON to scripts and redirects a plain form
//! post back to its page, so every action works without JavaScript too.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;

use axum::Json;
use axum::body::{Body, to_bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use tokio_stream::wrappers::{ReceiverStream, UnboundedReceiverStream};

use super::clock;
use super::error::WebError;
use super::media::{self, EVENT_STREAM, FORM, JSON};
use super::pages::{RuleView, rule_views};
use super::security::{BODY_LIMIT, wants_json};
use super::site::Site;
use super::state::AppState;
use crate::app::grading::{self, Graded};
use crate::app::hints::{self, Reveal};
use crate::app::quizzes::{self, KeyReveal, OptionRef, SentAnswer, Submitted};
use crate::app::{self, AppError};
use crate::course::{Exercise, Quiz};
use crate::grade::options::option_token;
use crate::grade::scoring::QuestionResult;
use crate::grade::{Cancel, Progress, TestOutcome};
use crate::render::Renderer;

/// A request's whole body, refused with 413 past [`BODY_LIMIT`] bytes (a body sent in
/// chunks declares no length for the guard to check first).
pub(super) async fn read_body(body: Body) -> Result<axum::body::Bytes, WebError> {
    to_bytes(body, BODY_LIMIT).await.map_err(|_| {
        WebError::json(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("the request body is over {BODY_LIMIT} bytes"),
        )
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Submission {
    answers: BTreeMap<String, SentAnswer>,
}

/// Reads a quiz submission sent as JSON (`{"answers": {...}}`) or as a form (`q.<id>=...`).
/// Options come as the page's tokens (or, in JSON, as numbers); `app::quizzes` reads them
/// against the questions.
async fn read_submission(
    headers: &HeaderMap,
    body: Body,
) -> Result<BTreeMap<String, SentAnswer>, WebError> {
    let bytes = read_body(body).await?;
    if media::content_type_is(headers, JSON) {
        let submission: Submission = serde_json::from_slice(&bytes).map_err(|e| {
            use serde_json::error::Category;
            match e.classify() {
                Category::Syntax | Category::Eof | Category::Io => {
                    WebError::json(StatusCode::BAD_REQUEST, "MALFORMED_JSON", format!("the body is not valid JSON: {e}"))
                }
                Category::Data => WebError::json(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "INVALID_SUBMISSION",
                    format!("expected {{\"answers\": {{\"<question id>\": [option values] or \"text\"}}}}: {e}"),
                ),
            }
        })?;
        return Ok(submission.answers);
    }
    if media::content_type_is(headers, FORM) {
        let mut answers: BTreeMap<String, SentAnswer> = BTreeMap::new();
        for (key, value) in form_urlencoded::parse(&bytes) {
            let Some(id) = key.strip_prefix("q.") else {
                continue;
            };
            // A form sends option tokens and typed text alike as strings; which is which
            // depends on the question, so every value is kept and the question decides.
            let entry = answers
                .entry(id.to_string())
                .or_insert_with(|| SentAnswer::Options(Vec::new()));
            if let SentAnswer::Options(list) = entry {
                list.push(OptionRef::Token(value.into_owned()));
            }
        }
        return Ok(answers);
    }
    Err(WebError::json(
        StatusCode::BAD_REQUEST,
        "UNSUPPORTED_CONTENT_TYPE",
        "send the answers as application/json or as a form (application/x-www-form-urlencoded)",
    ))
}

/// `POST /quizzes/{slug}/attempts`: scores, stores and answers with the results of the
/// questions answered (their keys and explanations when the quiz's reveal policy allows, and
/// nothing about the others).
pub async fn submit_quiz(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, WebError> {
    let site = state.site();
    let course = &site.loaded.course;
    if !course.quizzes.contains_key(slug.as_str()) {
        return Err(AppError::UnknownQuiz(slug).into());
    }
    let answers = read_submission(&headers, body).await?;
    let seed = &state.learner_seed;
    let Submitted {
        attempt,
        scored,
        reveal,
    } = quizzes::submit_attempt(course, &slug, answers, seed, state.as_ref(), clock::now())?;
    let lesson = course
        .lessons
        .iter()
        .find(|l| l.quiz.as_ref().is_some_and(|(q, _)| q.as_str() == slug));
    if !wants_json(&headers) {
        let target = match lesson {
            Some(lesson) => format!("/lessons/{}?attempt={attempt}#wb:quiz", lesson.slug),
            None => "/progress".to_string(),
        };
        return Ok(Redirect::to(&target).into_response());
    }
    let quiz = &course.quizzes[slug.as_str()];
    let results: Vec<serde_json::Value> = scored
        .results
        .iter()
        .map(|r| result_json(&site, quiz, seed, r, reveal))
        .collect();
    let mut body = json!({
        "attempt": attempt,
        "quiz": scored.quiz,
        "score": scored.score,
        "pass_mark": scored.pass_mark,
        "passed": scored.passed,
        "results": results,
        "missed": scored.missed,
        "retry_url": lesson.map(|l| format!("/lessons/{}?retry=missed#wb:quiz", l.slug)),
    });
    // Said only while the keys are kept back, so a quiz that always shows them answers as
    // before the policy existed.
    if !reveal.shown() {
        body["reveal"] = reveal_json(reveal);
    }
    Ok(Json(body).into_response())
}

/// When keys kept back will be shown: `{"shown": false, "until": "pass" | "attempts", ...,
/// "message": ...}`.
fn reveal_json(reveal: KeyReveal) -> serde_json::Value {
    let mut value = serde_json::to_value(reveal).unwrap_or_default();
    value["shown"] = json!(reveal.shown());
    if let Some(notice) = reveal.notice() {
        value["message"] = json!(notice);
    }
    value
}

/// One answered question's result as the page's script reads it: the scorer's fields, the
/// key as the page names its options (`correct_values`, tokens), and the explanation as HTML.
/// Until `reveal` allows, the key and explanation fields are left out, not emptied, so that
/// no script can take "no key" for "no right option".
fn result_json(
    site: &Site,
    quiz: &Quiz,
    seed: &str,
    result: &QuestionResult,
    reveal: KeyReveal,
) -> serde_json::Value {
    let mut value = serde_json::to_value(result).unwrap_or_default();
    if !reveal.shown() {
        if let Some(fields) = value.as_object_mut() {
            for key in ["correct_choices", "accepted", "explanation"] {
                fields.remove(key);
            }
        }
        return value;
    }
    let question = quiz.questions.iter().find(|q| q.id.as_str() == result.id);
    let tokens: Vec<String> = question
        .map(|q| {
            let token = |&i: &usize| option_token(seed, quiz.slug.as_str(), q, i);
            result.correct_choices.iter().map(token).collect()
        })
        .unwrap_or_default();
    value["correct_values"] = json!(tokens);
    value["explanation_html"] = json!(
        site.explanations
            .get(quiz.slug.as_str())
            .and_then(|e| e.get(&result.id))
            .cloned()
            .unwrap_or_default()
    );
    value
}

/// `POST /exercises/{slug}/hints`: reveals and records the next hint.
pub async fn reveal_hint(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let site = state.site();
    let exercise = app::find_exercise(&site.loaded.course, &slug)?;
    let reveal = hints::reveal_next_hint(exercise, state.as_ref())?;
    if !wants_json(&headers) {
        return Ok(Redirect::to(&format!("/exercises/{slug}#wb:hints")).into_response());
    }
    let (number, total, hint, next) = match reveal {
        Reveal::Next {
            number,
            total,
            hint,
            next,
        } => (number, total, Some(state.renderer.inline(hint)), next),
        Reveal::AllSeen { hints } => (hints.len(), hints.len(), None, None),
    };
    Ok(Json(json!({
        "number": number,
        "total": total,
        "hint_html": hint,
        "next": next,
    }))
    .into_response())
}

/// `POST /exercises/{slug}/grade`: runs the same grader as `workbook grade`. Asked for
/// `text/event-stream`, it streams progress, each test and the report; otherwise it grades,
/// then redirects back to the exercise page, which shows the result.
pub async fn grade_exercise(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    app::find_exercise(&state.site().loaded.course, &slug)?;
    let (tx, rx) = event_channel();
    let cancel = state.stop_grading.child();
    let done = cancel_when_page_goes(&tx, &cancel);
    let job_state = state.clone();
    let job_slug = slug.clone();
    let job = tokio::task::spawn_blocking(move || {
        let _done = done;
        grade_job(&job_state, &job_slug, &tx, &cancel)
    });
    if media::accepts(&headers, EVENT_STREAM) {
        // Frequent keep-alives let the server notice a closed page within about a second.
        return Ok(Sse::new(UnboundedReceiverStream::new(rx))
            .keep_alive(KeepAlive::new().interval(std::time::Duration::from_millis(500)))
            .into_response());
    }
    // Without a stream to read, drain events while the grade runs, then go back to the page.
    let mut rx = rx;
    while rx.recv().await.is_some() {}
    match job.await {
        Ok(Ok(())) => Ok(Redirect::to(&format!("/exercises/{slug}")).into_response()),
        Ok(Err(error)) => Err(error.into()),
        Err(e) => Err(WebError::internal(e, true)),
    }
}

/// Where a streamed job sends its events.
///
/// Unbounded, so that sending never blocks the job: a page that stops reading (a stalled
/// connection) must not stall a grade or a run past its time limit, nor its cancel flag. The
/// events of one job are bounded by the job's own limits (its tests and their output, a
/// run's 64 KiB), and they are freed when the page goes.
pub(super) type Events = tokio::sync::mpsc::UnboundedSender<Result<Event, Infallible>>;

/// A new stream of events: the job's end and the page's end.
pub(super) fn event_channel() -> (
    Events,
    tokio::sync::mpsc::UnboundedReceiver<Result<Event, Infallible>>,
) {
    tokio::sync::mpsc::unbounded_channel()
}

/// A page that goes away cancels its grade at once, even while nothing is being sent. The
/// watch ends when the returned sender is dropped (the grade is over), so that its copy of
/// `tx` does not hold the event stream open.
pub(super) fn cancel_when_page_goes(
    tx: &Events,
    cancel: &Cancel,
) -> tokio::sync::oneshot::Sender<()> {
    let (page_gone, cancel) = (tx.clone(), cancel.clone());
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        tokio::select! {
            _ = page_gone.closed() => cancel.cancel(),
            _ = done_rx => {}
        }
    });
    done_tx
}

/// Sends an event to the page from a blocking job; a page that is gone cancels the job.
pub(super) fn send_or_cancel<'a>(tx: &'a Events, cancel: &'a Cancel) -> impl Fn(Event) + 'a {
    move |event| {
        if tx.send(Ok(event)).is_err() {
            cancel.cancel();
        }
    }
}

/// Grades `slug` and records it, sending each step to the page as an event.
fn grade_job(state: &AppState, slug: &str, tx: &Events, cancel: &Cancel) -> Result<(), AppError> {
    let site = state.site();
    let course = &site.loaded.course;
    let send = send_or_cancel(tx, cancel);
    // The background build steps aside until this grade is done.
    let _first = state.warmup.preempt();
    let graded = app::find_exercise(course, slug).and_then(|exercise| {
        grading::grade_and_record(course, exercise, state, cancel, &mut |p| {
            send(progress_event(&state.renderer, exercise, p))
        })
    });
    match graded {
        Ok(Graded { report, unsaved }) => {
            if let Some(e) = unsaved {
                let message = format!("the grade could not be saved: {e}");
                send(json_event("error", &json!({ "message": message })));
            }
            send(json_event("report", &report));
            Ok(())
        }
        Err(e) => {
            send(json_event("error", &json!({"message": e.to_string()})));
            Err(e)
        }
    }
}

/// A finished test as the page shows it: the outcome, and its description's inline Markdown
/// rendered (the page's script only inserts it).
#[derive(serde::Serialize)]
struct TestEvent<'a> {
    #[serde(flatten)]
    outcome: &'a TestOutcome,
    description_html: String,
    /// For a failure, the README rules it checks, with the lesson section to read.
    rules: Vec<RuleView>,
}

/// One step of a grade as the page's stream shows it.
fn progress_event(renderer: &Renderer, exercise: &Exercise, progress: Progress) -> Event {
    let text = |text: String| json_event("progress", &json!({ "text": text }));
    match progress {
        Progress::FirstBuild => text(
            "First grade: compiling the exercises' dependencies once (a minute or two)…".into(),
        ),
        Progress::Compiled { name } => text(format!("compiling {name}")),
        Progress::Built => text("running the hidden tests…".into()),
        Progress::Running { name, index, total } => text(format!("test {index}/{total}: {name}")),
        Progress::Stage {
            index,
            total,
            id,
            title,
        } => json_event(
            "stage",
            &json!({ "index": index, "total": total, "id": id, "title": title }),
        ),
        Progress::Finished(outcome) => {
            let event = TestEvent {
                outcome: &outcome,
                description_html: renderer.inline(&outcome.description),
                rules: rule_views(renderer, exercise, &outcome),
            };
            json_event("test", &event)
        }
    }
}

/// `GET /grader`: where the background build stands, for the exercise page's status line.
pub async fn grader_status(State(state): State<Arc<AppState>>) -> Response {
    axum::Json(state.warmup.status()).into_response()
}

pub(super) fn json_event(name: &str, data: &impl serde::Serialize) -> Event {
    Event::default()
        .event(name)
        .data(serde_json::to_string(data).unwrap_or_else(|_| "{}".into()))
}

/// `GET /events`: tells open pages to reload when the course changes on disk.
pub async fn events(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Event, Infallible>>(4);
    let mut reloads = state.reload.subscribe();
    let mut shutdown = state.shutdown.clone();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                version = reloads.recv() => {
                    let Ok(version) = version else { break };
                    if tx.send(Ok(Event::default().event("reload").data(version.to_string()))).await.is_err() {
                        break;
                    }
                }
                // Ending the stream lets the server shut down without waiting for the page.
                _ = shutdown.changed() => break,
                _ = tx.closed() => break,
            }
        }
    });
    Sse::new(ReceiverStream::new(rx)).keep_alive(KeepAlive::default())
}
