//! A quiz as a page shows it: on its lesson, every question (or only the missed ones on a
//! retry), and, after an attempt, each answered question's verdict, key and explanation; on
//! the review page, only the questions due. Keys reach the page only for questions answered
//! in the attempt on screen, and only once the quiz's reveal policy allows
//! ([`quizzes::reveal_now`], as for the JSON answer to an attempt).

use std::collections::HashMap;

use crate::app::progress::Snapshot;
use crate::app::quizzes::{self, KeyReveal};
use crate::course::{AnswerKey, Lesson, Question, QuestionKind, Quiz};
use crate::grade::options::{option_order, option_token};
use crate::grade::scoring::{self, Answer, question_hash};
use crate::store::{AnswerRecord, Attempt, StoreError};
use crate::web::site::{QuestionView, Site};
use crate::web::state::AppState;

/// The quiz, ready for `quiz.html`.
pub(super) struct QuizView {
    /// The section's HTML id: `wb:quiz` on a lesson, one per quiz on the review page.
    pub(super) anchor: String,
    pub(super) slug: String,
    pub(super) title: String,
    pub(super) pass_percent: u32,
    pub(super) best: Option<String>,
    pub(super) questions: Vec<QuestionVm>,
    pub(super) retrying: bool,
    /// On the review page: the questions shown are the ones due.
    pub(super) reviewing: bool,
    pub(super) retry_link: Option<String>,
    pub(super) score_text: Option<String>,
    /// When the keys of the attempt on screen will be shown, while they are not.
    pub(super) reveal_notice: Option<String>,
}

/// One question. `kind` is matched exhaustively in the template: a new kind of question
/// does not compile until the page knows how to ask it.
pub(super) struct QuestionVm {
    pub(super) id: String,
    pub(super) kind: QuestionKind,
    pub(super) prompt_html: String,
    /// Say "Select all that apply" (a `multiple` question whose prompt does not say it).
    pub(super) select_all: bool,
    pub(super) options: Vec<OptionVm>,
    pub(super) changed: bool,
    pub(super) typed: String,
    pub(super) result_class: &'static str,
    pub(super) feedback: Option<Feedback>,
}

pub(super) struct OptionVm {
    /// The option's opaque token ([`option_token`]), never its position in the quiz file.
    pub(super) value: String,
    pub(super) html: String,
    pub(super) correct: bool,
    pub(super) chosen: bool,
}

pub(super) struct Feedback {
    pub(super) verdict: String,
    pub(super) accepted: String,
    pub(super) explanation_html: String,
}

/// What the visit asks to see.
#[derive(Debug, Clone, Copy)]
pub(super) struct QuizShown<'a> {
    /// The results of this attempt (where a form post without JavaScript lands).
    pub(super) attempt: Option<i64>,
    /// Only the questions not yet answered right.
    pub(super) retrying: bool,
    /// Only these questions, by id (the review page: the ones due).
    pub(super) only: Option<&'a [String]>,
}

/// The quiz `slug`, or `None` when the course has no such quiz. On its `lesson`, it offers
/// to retry the missed questions; without one (the review page), it does not.
pub(super) fn quiz_view(
    state: &AppState,
    site: &Site,
    slug: &str,
    lesson: Option<&Lesson>,
    progress: &Snapshot,
    shown: QuizShown,
) -> Result<Option<QuizView>, StoreError> {
    let (Some(quiz), Some(views)) = (site.loaded.course.quizzes.get(slug), site.quizzes.get(slug))
    else {
        return Ok(None);
    };
    let latest = quizzes::latest_answers(quiz, state)?;
    let (attempt, reveal) = attempt_on_screen(state, quiz, shown.attempt)?;
    let answered: HashMap<&str, &AnswerRecord> = attempt
        .iter()
        .flat_map(|a| a.answers.iter().map(|r| (r.question.as_str(), r)))
        .collect();
    let missed = scoring::missed(quiz, &quizzes::standing(quiz, &latest));
    // Retrying makes sense only when some, but not all, questions were missed.
    let can_retry = !missed.is_empty() && missed.len() < quiz.questions.len();
    let retrying = shown.retrying && can_retry;
    let questions = quiz
        .questions
        .iter()
        .zip(views)
        .filter(|(q, _)| match shown.only {
            Some(only) => only.iter().any(|id| id == q.id.as_str()),
            None => !retrying || missed.iter().any(|m| m == q.id.as_str()),
        })
        .map(|(question, view)| {
            let seen = Seen {
                answered: answered.get(question.id.as_str()).copied(),
                latest: latest.get(question.id.as_str()),
                key_shown: reveal.shown(),
            };
            question_vm(state, site, slug, question, view, seen)
        })
        .collect();
    let reviewing = shown.only.is_some();
    Ok(Some(QuizView {
        anchor: if reviewing {
            format!("wb:review-{slug}")
        } else {
            "wb:quiz".to_string()
        },
        slug: slug.to_string(),
        title: quiz.title.clone(),
        pass_percent: (quiz.pass_mark * 100.0).round() as u32,
        best: best_text(progress, slug),
        questions,
        retrying,
        reviewing,
        retry_link: lesson
            .filter(|_| !latest.is_empty() && can_retry)
            .map(|lesson| format!("/lessons/{}?retry=missed#wb:quiz", lesson.slug)),
        score_text: attempt.map(|a| score_text(quiz, a.score, a.passed)),
        reveal_notice: reveal.notice(),
    }))
}

/// The attempt the visit asks to see (if it is this quiz's), and whether its keys may be
/// shown yet.
fn attempt_on_screen(
    state: &AppState,
    quiz: &Quiz,
    id: Option<i64>,
) -> Result<(Option<Attempt>, KeyReveal), StoreError> {
    let attempt = match id {
        Some(id) => quizzes::attempt(quiz, id, state)?,
        None => None,
    };
    // Without an attempt on screen no key is shown anyway (the review page is one).
    let reveal = match &attempt {
        Some(a) => quizzes::reveal_now(quiz, a.passed, state)?,
        None => KeyReveal::Shown,
    };
    Ok((attempt, reveal))
}

/// What the learner did with one question: their answer in the attempt on screen, and
/// their latest answer ever; and whether the quiz's policy lets the attempt's keys show.
struct Seen<'a> {
    answered: Option<&'a AnswerRecord>,
    latest: Option<&'a AnswerRecord>,
    key_shown: bool,
}

fn question_vm(
    state: &AppState,
    site: &Site,
    slug: &str,
    question: &Question,
    view: &QuestionView,
    seen: Seen<'_>,
) -> QuestionVm {
    let answer: Option<Answer> = seen
        .answered
        .and_then(|a| serde_json::from_str(&a.answer).ok());
    let verdict = seen.answered.map(|a| match &answer {
        Some(answer) => scoring::verdict(question, answer, a.points),
        // An answer stored by an older workbook that no longer reads: go by points.
        None if a.correct => "Right.".to_string(),
        None => "Not quite.".to_string(),
    });
    let (chosen, typed) = match answer {
        Some(Answer::Choices(c)) => (c, String::new()),
        Some(Answer::Text(t)) => (Vec::new(), t),
        None => (Vec::new(), String::new()),
    };
    // The key is shown only for a question answered in the attempt on screen, once the
    // reveal policy allows.
    let key: Vec<usize> = match (&question.answer, seen.answered) {
        (AnswerKey::Choices(k), Some(_)) if seen.key_shown => k.iter().copied().collect(),
        (AnswerKey::Choices(_) | AnswerKey::Accepted(_), _) => Vec::new(),
    };
    let options = option_order(question, &state.learner_seed)
        .into_iter()
        .filter_map(|i| view.options_html.get(i))
        .map(|(index, html)| OptionVm {
            value: option_token(&state.learner_seed, slug, question, *index),
            html: html.clone(),
            correct: key.contains(index),
            chosen: chosen.contains(index),
        })
        .collect();
    QuestionVm {
        id: view.id.clone(),
        kind: question.kind,
        select_all: question.kind == QuestionKind::Multiple
            && !view.prompt_html.to_lowercase().contains("all that apply"),
        prompt_html: view.prompt_html.clone(),
        options,
        changed: seen
            .latest
            .is_some_and(|a| a.question_hash != question_hash(question)),
        typed,
        result_class: match seen.answered {
            Some(a) if a.correct => "right",
            Some(_) => "wrong",
            None => "",
        },
        feedback: verdict.map(|verdict| feedback(site, slug, question, verdict, seen.key_shown)),
    }
}

/// The `verdict` on an answered question, with its accepted answers and explanation when
/// `key_shown`, and without them (empty) until then.
fn feedback(
    site: &Site,
    slug: &str,
    question: &Question,
    verdict: String,
    key_shown: bool,
) -> Feedback {
    if !key_shown {
        return Feedback {
            verdict,
            accepted: String::new(),
            explanation_html: String::new(),
        };
    }
    Feedback {
        verdict,
        accepted: match &question.answer {
            AnswerKey::Accepted(accepted) => accepted.join(", "),
            AnswerKey::Choices(_) => String::new(),
        },
        explanation_html: site
            .explanations
            .get(slug)
            .and_then(|e| e.get(question.id.as_str()))
            .cloned()
            .unwrap_or_default(),
    }
}

fn best_text(progress: &Snapshot, slug: &str) -> Option<String> {
    progress.quiz(slug).map(|b| {
        let attempts = if b.attempts == 1 { "" } else { "s" };
        format!("{:.0}% ({} attempt{attempts})", b.score * 100.0, b.attempts)
    })
}

fn score_text(quiz: &Quiz, score: f64, passed: bool) -> String {
    format!(
        "Score: {:.0}% (pass mark {:.0}%) — {}",
        score * 100.0,
        quiz.pass_mark * 100.0,
        if passed { "passed!" } else { "not yet passed." }
    )
}
