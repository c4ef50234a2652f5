//! Lesson examples on the page: their state (the learner's edited version), saving and
//! resetting an edit, and running one, streamed to a script as server-sent events or, from a
//! plain form without JavaScript, answered with a page of its output.
//!
//! A run executes code, so it is a state-changing request under the same rules as a grade
//! (`security::guard`: this server's Host and Origin, and the session cookie). One run per
//! example at a time: a new one stops the one before. A page that goes away stops its run,
//! and so does the server shutting down.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use tokio_stream::wrappers::UnboundedReceiverStream;

use super::api::{
    Events, cancel_when_page_goes, event_channel, json_event, read_body, send_or_cancel,
};
use super::error::WebError;
use super::media::{self, EVENT_STREAM, FORM, JSON};
use super::pages::example_page;
use super::state::AppState;
use crate::app::AppError;
use crate::app::examples::{self, Ran, find_example};
use crate::course::example::examples as lesson_examples;
use crate::grade::Cancel;
use crate::playground::{Event, Limits};

/// The run in progress of each example, so that a new one stops it.
#[derive(Default)]
pub struct Runs(Mutex<HashMap<(String, usize), (u64, Cancel)>>);

impl Runs {
    /// Registers a run of `key` (stopping the one before) and returns its id and flag, a
    /// child of `parent` (the server's shutdown flag).
    fn start(&self, key: &(String, usize), parent: &Cancel) -> (u64, Cancel) {
        let mut runs = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let id = runs.get(key).map_or(1, |(id, _)| id + 1);
        let cancel = parent.child();
        if let Some((_, before)) = runs.insert(key.clone(), (id, cancel.clone())) {
            before.cancel();
        }
        (id, cancel)
    }

    /// Forgets run `id` of `key` once it is over (unless a newer one replaced it).
    fn finish(&self, key: &(String, usize), id: u64) {
        let mut runs = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if runs.get(key).is_some_and(|(current, _)| *current == id) {
            runs.remove(key);
        }
    }
}

/// `GET /lessons/{slug}/examples`: each runnable example's number, mark, and whether the
/// learner has a version of their own (the page opens those in the editor).
pub async fn list(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    let site = state.site();
    let course = &site.loaded.course;
    let (lesson, _) = match find_example(course, &slug, 1) {
        Ok(found) => found,
        Err(AppError::UnknownExample { count: 0, .. }) => {
            return Ok(Json(json!({ "examples": [] })).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let mut listed = Vec::new();
    for example in lesson_examples(lesson) {
        let number = example.number;
        let found = examples::state(course, state.as_ref(), (&slug, number))?;
        listed.push(json!({
            "number": number,
            "expect": found.expect,
            "edited": found.edited.is_some(),
            "lesson_changed": found.lesson_changed,
        }));
    }
    Ok(Json(json!({ "examples": listed })).into_response())
}

/// `GET /lessons/{slug}/examples/{n}`: the whole program (the lesson's, and the learner's
/// version if any), for the editor.
pub async fn show(
    State(state): State<Arc<AppState>>,
    Path((slug, number)): Path<(String, usize)>,
) -> Result<Response, WebError> {
    let site = state.site();
    let found = examples::state(&site.loaded.course, state.as_ref(), (&slug, number))?;
    Ok(Json(json!({
        "number": number,
        "expect": found.expect,
        "lesson_version": found.lesson_version,
        "edited": found.edited.map(|e| e.code),
        "lesson_changed": found.lesson_changed,
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeBody {
    code: Option<String>,
}

/// `PUT /lessons/{slug}/examples/{n}` with `{"code": "..."}`: keeps the learner's version
/// (or forgets it when it is the lesson's again).
pub async fn save(
    State(state): State<Arc<AppState>>,
    Path((slug, number)): Path<(String, usize)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, WebError> {
    let Some(code) = read_code(&headers, body).await? else {
        return Err(WebError::json(
            StatusCode::UNPROCESSABLE_ENTITY,
            "CODE_MISSING",
            "send {\"code\": \"...\"}",
        ));
    };
    let site = state.site();
    let kept = examples::save_edit(&site.loaded.course, state.as_ref(), (&slug, number), &code)?;
    Ok(Json(json!({ "edited": kept })).into_response())
}

/// `POST /lessons/{slug}/examples/{n}/reset`: forgets the learner's version; a form post
/// goes back to the example on the lesson page.
pub async fn reset(
    State(state): State<Arc<AppState>>,
    Path((slug, number)): Path<(String, usize)>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let site = state.site();
    let had = examples::reset_edit(&site.loaded.course, state.as_ref(), (&slug, number))?;
    if media::content_type_is(&headers, FORM) {
        let to = format!("/lessons/{slug}#example-{number}");
        return Ok(axum::response::Redirect::to(&to).into_response());
    }
    Ok(Json(json!({ "reset": had })).into_response())
}

/// Reads `{"code": ...}` (JSON) or `code=...` (a form); `None` when no code was sent.
async fn read_code(headers: &HeaderMap, body: Body) -> Result<Option<String>, WebError> {
    let bytes = read_body(body).await?;
    if bytes.is_empty() {
        return Ok(None);
    }
    if media::content_type_is(headers, FORM) {
        let code = form_urlencoded::parse(&bytes)
            .find(|(key, _)| key == "code")
            .map(|(_, value)| value.replace("\r\n", "\n"));
        return Ok(code);
    }
    if media::content_type_is(headers, JSON) {
        let body: CodeBody = serde_json::from_slice(&bytes).map_err(|e| {
            WebError::json(
                StatusCode::UNPROCESSABLE_ENTITY,
                "INVALID_BODY",
                format!("expected {{\"code\": \"...\"}}: {e}"),
            )
        })?;
        return Ok(body.code);
    }
    Err(WebError::json(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UNSUPPORTED_CONTENT_TYPE",
        "send the code as application/json or as a form (application/x-www-form-urlencoded)",
    ))
}

/// `POST /lessons/{slug}/examples/{n}/run`: runs the example (the code sent, else the
/// learner's version, else the lesson's). Asked for `text/event-stream`, it streams each
/// step; a plain form post gets a page with the output once the run is over.
pub async fn run(
    State(state): State<Arc<AppState>>,
    Path((slug, number)): Path<(String, usize)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, WebError> {
    let form = media::content_type_is(&headers, FORM);
    let code = read_code(&headers, body).await?;
    find_example(&state.site().loaded.course, &slug, number)?;
    let (tx, rx) = event_channel();
    let key = (slug.clone(), number);
    let (id, cancel) = state.runs.start(&key, &state.stop_grading);
    let done = cancel_when_page_goes(&tx, &cancel);
    let job_state = state.clone();
    let job = tokio::task::spawn_blocking(move || {
        let _done = done;
        let ran = run_job(&job_state, (&key, code.as_deref()), &tx, &cancel);
        job_state.runs.finish(&key, id);
        ran
    });
    if !form && media::accepts(&headers, EVENT_STREAM) {
        return Ok(Sse::new(UnboundedReceiverStream::new(rx))
            .keep_alive(KeepAlive::new().interval(std::time::Duration::from_millis(500)))
            .into_response());
    }
    // Without a stream to read, drain the events while it runs, then show the page.
    let mut rx = rx;
    while rx.recv().await.is_some() {}
    let (ran, transcript) = job
        .await
        .map_err(|e| WebError::internal(e, !form))?
        .map_err(|e| WebError::from(e).for_page(!form))?;
    example_page(&state, (&slug, number), &ran, transcript)
}

/// Runs the example, sending each step to the page as an event; returns how it went and its
/// transcript (compile errors and output, as a terminal would show them).
fn run_job(
    state: &AppState,
    ((slug, number), code): (&(String, usize), Option<&str>),
    tx: &Events,
    cancel: &Cancel,
) -> Result<(Ran, String), AppError> {
    let site = state.site();
    let course = &site.loaded.course;
    let send = send_or_cancel(tx, cancel);
    // The background build steps aside while the example builds.
    let _first = state.warmup.preempt();
    let mut transcript = String::new();
    let ran = examples::run(
        course,
        state,
        ((slug, *number), code),
        (Limits::default(), cancel),
        &mut |event| {
            match &event {
                Event::CompileError { rendered, .. } => {
                    transcript.push_str(rendered);
                    transcript.push_str("\n\n");
                }
                Event::Output { text, .. } => transcript.push_str(text),
                Event::FirstBuild | Event::Started => {}
            }
            send(run_event(event))
        },
    );
    match &ran {
        Ok(ran) => send(json_event(
            "end",
            &json!({
                "ending": ran.outcome.ending,
                "went_well": ran.went_well(),
                "sentence": ran.outcome.describe(ran.expect),
                "build_ms": ran.outcome.build_ms,
                "run_ms": ran.outcome.run_ms,
                "edited": ran.edited,
            }),
        )),
        Err(AppError::Example(crate::grade::GradeError::Cancelled)) => send(json_event(
            "cancelled",
            &json!({ "message": "Stopped: the page left, or a newer run of this example replaced it." }),
        )),
        Err(e) => send(json_event("error", &json!({ "message": e.to_string() }))),
    }
    ran.map(|ran| (ran, transcript))
}

/// One step of a run as the page's stream shows it.
fn run_event(event: Event) -> SseEvent {
    match event {
        Event::FirstBuild => json_event(
            "progress",
            &json!({ "text": "First run: compiling the lessons' crates once (a few minutes)…" }),
        ),
        Event::CompileError { line, rendered } => json_event(
            "compile_error",
            &json!({ "line": line, "rendered": rendered }),
        ),
        Event::Started => json_event("started", &json!({})),
        Event::Output { text } => json_event("output", &json!({ "text": text })),
    }
}
