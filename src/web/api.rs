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
use tokio_stream::wrappers::ReceiverStream;

use super::error::WebError;
use super::media::{self, EVENT_STREAM, FORM, JSON};
use super::security::{BODY_LIMIT, wants_json};
use super::state::AppState;
use crate::course::QuestionKind;
use crate::grade::{self, Progress, Workdir};

use crate::grade::scoring::{Answer, SubmissionError};
use crate::store::AnswerRecord;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Submission {
    answers: BTreeMap<String, Answer>,
}

/// Reads a quiz submission sent as JSON (`{"answers": {...}}`) or as a form (`q.<id>=...`).
async fn read_submission(
    headers: &HeaderMap,
    body: Body,
) -> Result<BTreeMap<String, Answer>, WebError> {
    let bytes = to_bytes(body, BODY_LIMIT).await.map_err(|_| {
        WebError::json(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("the request body is over {BODY_LIMIT} bytes"),
        )
    })?;
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
                    format!("expected {{\"answers\": {{\"<question id>\": [option numbers] or \"text\"}}}}: {e}"),
                ),
            }
        })?;
        return Ok(submission.answers);
    }
    if media::content_type_is(headers, FORM) {
        let mut answers: BTreeMap<String, Answer> = BTreeMap::new();
        for (key, value) in form_urlencoded::parse(&bytes) {
            let Some(id) = key.strip_prefix("q.") else {
                continue;
            };
            // A form sends option numbers and typed text alike as strings; which is which
            // depends on the question, so numbers are kept as choices only when they parse.
            match (answers.get_mut(id), value.parse::<usize>()) {
                (Some(Answer::Choices(list)), Ok(n)) => list.push(n),
                (None, Ok(n)) => {
                    answers.insert(id.to_string(), Answer::Choices(vec![n]));
                }
                (_, _) => {
                    answers.insert(id.to_string(), Answer::Text(value.into_owned()));
                }
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
/// questions answered (their keys and explanations, and nothing about the others).
pub async fn submit_quiz(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, WebError> {
    let site = state.site();
    let course = &site.loaded.course;
    let Some(quiz) = course.quizzes.get(slug.as_str()) else {
        return Err(WebError::not_found(
            format!("there is no quiz `{slug}`"),
            true,
        ));
    };
    let mut answers = read_submission(&headers, body).await?;
    // A short answer that happens to be a number arrives from a form as a choice.
    for question in quiz
        .questions
        .iter()
        .filter(|q| q.kind == QuestionKind::Short)
    {
        if let Some(Answer::Choices(numbers)) = answers.get(question.id.as_str()) {
            let text = numbers
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(" ");
            answers.insert(question.id.to_string(), Answer::Text(text));
        }
    }
    let checked = crate::grade::scoring::validate(quiz, &answers).map_err(|e| match e {
        SubmissionError::UnknownQuestion { .. } => WebError::not_found(e.to_string(), true),
        other => WebError::json(
            StatusCode::UNPROCESSABLE_ENTITY,
            "INVALID_ANSWER",
            other.to_string(),
        ),
    })?;

    let latest = state
        .read(|s| s.latest_answers(&slug))
        .map_err(|e| WebError::internal(e, true))?;
    let earlier = quiz
        .questions
        .iter()
        .filter_map(|q| {
            latest
                .get(q.id.as_str())
                .filter(|a| a.question_hash == crate::grade::scoring::question_hash(q))
                .map(|a| (q.id.to_string(), a.points))
        })
        .collect();
    let records: Vec<AnswerRecord> = checked
        .iter()
        .map(|(question, answer)| {
            let points = crate::grade::scoring::points(question, answer, quiz.partial_credit);
            AnswerRecord {
                question: question.id.to_string(),
                question_hash: crate::grade::scoring::question_hash(question),
                answer: serde_json::to_string(answer).unwrap_or_default(),
                correct: points >= 1.0,
                points,
            }
        })
        .collect();
    let scored = crate::grade::scoring::score(quiz, checked, &earlier);
    let attempt = state
        .write(|s| s.record_attempt(&slug, scored.score, scored.passed, &records))
        .map_err(|e| WebError::internal(e, true))?;

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
    let explanations = site.explanations.get(slug.as_str());
    let results: Vec<serde_json::Value> = scored
        .results
        .iter()
        .map(|r| {
            let mut value = serde_json::to_value(r).unwrap_or_default();
            value["explanation_html"] = json!(
                explanations
                    .and_then(|e| e.get(&r.id))
                    .cloned()
                    .unwrap_or_default()
            );
            value
        })
        .collect();
    Ok(Json(json!({
        "attempt": attempt,
        "quiz": scored.quiz,
        "score": scored.score,
        "pass_mark": scored.pass_mark,
        "passed": scored.passed,
        "results": results,
        "missed": scored.missed,
        "retry_url": lesson.map(|l| format!("/lessons/{}?retry=missed#wb:quiz", l.slug)),
    }))
    .into_response())
}

/// `POST /exercises/{slug}/hints`: reveals and records the next hint.
pub async fn reveal_hint(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let site = state.site();
    let Some(exercise) = site.loaded.course.exercises.get(slug.as_str()) else {
        return Err(WebError::not_found(
            format!("there is no exercise `{slug}`"),
            true,
        ));
    };
    let total = exercise.hints.len();
    let revealed = state
        .write(|s| {
            let revealed = s.revealed_hints(&slug)?;
            if revealed < total {
                s.reveal_hint(&slug, revealed)?;
            }
            Ok(revealed)
        })
        .map_err(|e| WebError::internal(e, true))?;
    if !wants_json(&headers) {
        return Ok(Redirect::to(&format!("/exercises/{slug}#wb:hints")).into_response());
    }
    let hint = exercise
        .hints
        .get(revealed)
        .map(|h| state.renderer.inline(h));
    Ok(Json(json!({
        "number": (revealed + 1).min(total),
        "total": total,
        "hint_html": hint,
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
    let site = state.site();
    if !site.loaded.course.exercises.contains_key(slug.as_str()) {
        return Err(WebError::not_found(
            format!("there is no exercise `{slug}`"),
            true,
        ));
    }
    let streaming = media::accepts(&headers, EVENT_STREAM);
    let page = format!("/exercises/{slug}");
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Event, Infallible>>(64);
    let job_state = state.clone();
    let job_cancel = state.stop_grading.child();
    // A page that goes away cancels its grade at once, even while nothing is being sent.
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    let (page_gone, gone_cancel) = (tx.clone(), job_cancel.clone());
    tokio::spawn(async move {
        tokio::select! {
            _ = page_gone.closed() => gone_cancel.cancel(),
            _ = done_rx => {}
        }
    });
    let job = tokio::task::spawn_blocking(move || {
        let _done = done_tx;
        let site = job_state.site();
        let course = &site.loaded.course;
        let Some(exercise) = course.exercises.get(slug.as_str()) else {
            return Err("the exercise disappeared".to_string());
        };
        let send = |event: Event| {
            if tx.blocking_send(Ok(event)).is_err() {
                job_cancel.cancel();
            }
        };
        // The background build steps aside until this grade is done.
        let _first = job_state.warmup.preempt();
        if let Err(e) = crate::grade::pristine::ensure(course) {
            send(json_event(
                "error",
                &json!({"message": format!("grading failed: {e}")}),
            ));
            return Err(e.to_string());
        }
        let crate_dir = course.root.join(&exercise.stub_dir);
        let report = grade::grade(
            course,
            exercise,
            &crate_dir,
            &Workdir::of(course),
            &job_cancel,
            &mut |p| {
                let event = match p {
                    Progress::FirstBuild => json_event(
                        "progress",
                        &json!({"text": "First grade: compiling the exercises' dependencies once (a minute or two)…"}),
                    ),
                    Progress::Compiled { name } => {
                        json_event("progress", &json!({"text": format!("compiling {name}")}))
                    }
                    Progress::Built => {
                        json_event("progress", &json!({"text": "running the hidden tests…"}))
                    }
                    Progress::Running { name, index, total } => json_event(
                        "progress",
                        &json!({"text": format!("test {index}/{total}: {name}")}),
                    ),
                    Progress::Finished(outcome) => json_event("test", &outcome),
                };
                send(event);
            },
        );
        match report {
            Ok(report) => {
                if let Err(e) = job_state.write(|s| s.record_grade(&report)) {
                    send(json_event(
                        "error",
                        &json!({"message": format!("the grade could not be saved: {e}")}),
                    ));
                }
                send(json_event("report", &report));
                Ok(())
            }
            Err(e) => {
                send(json_event(
                    "error",
                    &json!({"message": format!("grading failed: {e}")}),
                ));
                Err(e.to_string())
            }
        }
    });

    if streaming {
        let stream = ReceiverStream::new(rx);
        // Frequent keep-alives let the server notice a closed page within about a second.
        return Ok(Sse::new(stream)
            .keep_alive(KeepAlive::new().interval(std::time::Duration::from_millis(500)))
            .into_response());
    }
    // Without a stream to read, drain events while the grade runs, then go back to the page.
    let mut rx = rx;
    while rx.recv().await.is_some() {}
    match job.await {
        Ok(Ok(())) => Ok(Redirect::to(&page).into_response()),
        Ok(Err(message)) => Err(WebError::json(
            StatusCode::INTERNAL_SERVER_ERROR,
            "GRADE_FAILED",
            message,
        )),
        Err(e) => Err(WebError::internal(e, true)),
    }
}

/// `GET /grader`: where the background build stands, for the exercise page's status line.
pub async fn grader_status(State(state): State<Arc<AppState>>) -> Response {
    axum::Json(state.warmup.status()).into_response()
}

fn json_event(name: &str, data: &impl serde::Serialize) -> Event {
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
