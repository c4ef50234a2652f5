//! Quizzes: `quizzes/<slug>.toml`, questions with their answer keys and explanations.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::diagnostic::{Code, Diagnostic};
use super::ids::{QuestionId, QuizSlug};
use super::source::{is_kebab_case, parse_toml, read_text, span_line};

/// The pass mark of a quiz that does not set one.
pub const DEFAULT_PASS_MARK: f64 = 0.8;

/// A quiz with its answer keys. The keys never leave the server before an answer is in.
#[derive(Debug, Clone)]
pub struct Quiz {
    /// The file name without `.toml`.
    pub slug: QuizSlug,
    /// The file, relative to the course root.
    pub path: PathBuf,
    /// The quiz's title.
    pub title: String,
    /// The share of points (0..=1) needed to pass.
    pub pass_mark: f64,
    /// Whether multiple-choice questions earn partial points.
    pub partial_credit: bool,
    /// The questions in file order.
    pub questions: Vec<Question>,
}

/// What kind of answer a question takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum QuestionKind {
    /// Exactly one option is right.
    Single,
    /// Select all that apply.
    Multiple,
    /// A free-text answer compared with accepted strings.
    Short,
}

impl QuestionKind {
    /// The word used in quiz files and pages: `single`, `multiple` or `short`.
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Single => "single",
            QuestionKind::Multiple => "multiple",
            QuestionKind::Short => "short",
        }
    }
}

/// The answer key of one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerKey {
    /// The indexes of the right options (choice questions).
    Choices(BTreeSet<usize>),
    /// Every accepted spelling (short questions).
    Accepted(Vec<String>),
}

/// One question of a quiz.
#[derive(Debug, Clone)]
pub struct Question {
    /// Unique within the quiz.
    pub id: QuestionId,
    /// Single, multiple or short.
    pub kind: QuestionKind,
    /// The question, in inline Markdown.
    pub prompt: String,
    /// The options of a choice question, in authored order.
    pub options: Vec<String>,
    /// The right answer(s).
    pub answer: AnswerKey,
    /// Why the answer is right and the tempting wrong one wrong.
    pub explanation: String,
    /// Keep options in authored order (for "none of the above").
    pub pin_order: bool,
    /// The line of the question's `[[questions]]` table.
    pub line: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuizFile {
    title: Spanned<String>,
    pass_mark: Option<Spanned<f64>>,
    #[serde(default)]
    partial_credit: bool,
    #[serde(default)]
    questions: Vec<Spanned<QuestionFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionFile {
    id: Spanned<String>,
    kind: Spanned<QuestionKind>,
    prompt: Spanned<String>,
    options: Option<Spanned<Vec<String>>>,
    answer: Option<Spanned<toml::Value>>,
    explanation: Option<Spanned<String>>,
    #[serde(default)]
    pin_order: bool,
}

/// Loads one quiz file; problems are pushed to `problems`.
///
/// Returns `None` when the quiz cannot be graded as written: a learner must never be
/// marked by a broken key.
pub fn load(root: &Path, rel: &Path, problems: &mut Vec<Diagnostic>) -> Option<Quiz> {
    let slug = rel.file_stem()?.to_string_lossy().into_owned();
    let before = problems.len();
    if !is_kebab_case(&slug) {
        problems.push(Diagnostic::file(
            rel,
            Code::NotKebabCase,
            format!("quiz file name `{slug}` is not kebab-case (lower-case words joined by `-`)"),
        ));
    }
    let text = match read_text(root, rel) {
        Ok(text) => text,
        Err(problem) => {
            problems.push(problem);
            return None;
        }
    };
    let file: QuizFile = match parse_toml(&text, rel, 1) {
        Ok(file) => file,
        Err(problem) => {
            problems.push(problem);
            return None;
        }
    };
    let line = |span: std::ops::Range<usize>| span_line(&text, &span, 1);
    let mut report = |at: std::ops::Range<usize>, code: Code, message: String| {
        problems.push(Diagnostic::at(rel, line(at), code, message));
    };

    if file.title.get_ref().trim().is_empty() {
        report(
            file.title.span(),
            Code::InvalidField,
            "`title` is empty".into(),
        );
    }
    let pass_mark = match &file.pass_mark {
        Some(mark) if !(*mark.get_ref() > 0.0 && *mark.get_ref() <= 1.0) => {
            report(
                mark.span(),
                Code::InvalidField,
                format!(
                    "`pass_mark` is {}; it is a share of the points, above 0 and at most 1 (e.g. 0.8)",
                    mark.get_ref()
                ),
            );
            DEFAULT_PASS_MARK
        }
        Some(mark) => *mark.get_ref(),
        None => DEFAULT_PASS_MARK,
    };
    if file.questions.is_empty() {
        report(
            0..0,
            Code::QuizEmpty,
            "the quiz has no questions; add `[[questions]]` tables".into(),
        );
    }

    let mut first_seen: HashMap<String, u32> = HashMap::new();
    let mut questions = Vec::new();
    for question in &file.questions {
        let q = question.get_ref();
        let id = q.id.get_ref().trim().to_string();
        if !is_kebab_case(&id) {
            report(
                q.id.span(),
                Code::NotKebabCase,
                format!("question id `{id}` is not kebab-case (lower-case words joined by `-`)"),
            );
        }
        let id_line = line(q.id.span());
        if let Some(first) = first_seen.get(&id) {
            report(
                q.id.span(),
                Code::DuplicateQuestionId,
                format!(
                    "question id `{id}` is already used on line {first}; ids must be unique in a quiz"
                ),
            );
        } else {
            first_seen.insert(id.clone(), id_line);
        }
        if q.prompt.get_ref().trim().is_empty() {
            report(
                q.prompt.span(),
                Code::InvalidField,
                format!("question `{id}` has an empty `prompt`"),
            );
        }
        let explanation = match &q.explanation {
            Some(e) if !e.get_ref().trim().is_empty() => e.get_ref().trim().to_string(),
            Some(e) => {
                report(
                    e.span(),
                    Code::ExplanationMissing,
                    format!("question `{id}` has an empty `explanation`"),
                );
                String::new()
            }
            None => {
                report(
                    question.span(),
                    Code::ExplanationMissing,
                    format!(
                        "question `{id}` has no `explanation`; say why the answer is right and the tempting wrong one wrong"
                    ),
                );
                String::new()
            }
        };
        let kind = *q.kind.get_ref();
        let options = check_options(q, kind, &id, &mut report);
        let Some(answer) = check_answer(question, kind, &id, options.len(), &mut report) else {
            continue;
        };
        questions.push(Question {
            id: QuestionId::new(id),
            kind,
            prompt: q.prompt.get_ref().trim().to_string(),
            options,
            answer,
            explanation,
            pin_order: q.pin_order,
            line: line(question.span()),
        });
    }

    if problems.len() > before {
        return None;
    }
    Some(Quiz {
        slug: super::ids::QuizSlug::new(slug),
        path: rel.to_path_buf(),
        title: file.title.into_inner().trim().to_string(),
        pass_mark,
        partial_credit: file.partial_credit,
        questions,
    })
}

type Report<'a> = dyn FnMut(std::ops::Range<usize>, Code, String) + 'a;

fn check_options(
    q: &QuestionFile,
    kind: QuestionKind,
    id: &str,
    report: &mut Report,
) -> Vec<String> {
    let Some(options) = &q.options else {
        if kind != QuestionKind::Short {
            report(
                q.kind.span(),
                Code::OptionsEmpty,
                format!(
                    "question `{id}` is a `{}` question but has no `options`",
                    kind.as_str()
                ),
            );
        }
        return Vec::new();
    };
    if kind == QuestionKind::Short {
        report(
            options.span(),
            Code::InvalidField,
            format!(
                "question `{id}` is a `short` question; it takes accepted strings in `answer`, not `options`"
            ),
        );
        return Vec::new();
    }
    if options.get_ref().is_empty() {
        report(
            options.span(),
            Code::OptionsEmpty,
            format!("question `{id}` has an empty option list"),
        );
    }
    let mut seen = BTreeSet::new();
    for option in options.get_ref() {
        if option.trim().is_empty() {
            report(
                options.span(),
                Code::InvalidField,
                format!("question `{id}` has an empty option"),
            );
        } else if !seen.insert(option.trim()) {
            report(
                options.span(),
                Code::DuplicateOption,
                format!(
                    "question `{id}` offers the option `{}` twice",
                    option.trim()
                ),
            );
        }
    }
    options
        .get_ref()
        .iter()
        .map(|o| o.trim().to_string())
        .collect()
}

fn check_answer(
    question: &Spanned<QuestionFile>,
    kind: QuestionKind,
    id: &str,
    option_count: usize,
    report: &mut Report,
) -> Option<AnswerKey> {
    let Some(answer) = &question.get_ref().answer else {
        report(
            question.span(),
            Code::AnswerMissing,
            format!("question `{id}` has no `answer`"),
        );
        return None;
    };
    let span = answer.span();
    // A lone value is accepted as a one-element list: `answer = 1` reads like `answer = [1]`.
    let values: Vec<&toml::Value> = match answer.get_ref() {
        toml::Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    if values.is_empty() {
        report(
            span,
            Code::AnswerMissing,
            format!("question `{id}` has an empty `answer` list"),
        );
        return None;
    }
    match kind {
        QuestionKind::Short => {
            let mut accepted = Vec::new();
            for value in values {
                match value.as_str() {
                    Some(s) if !s.trim().is_empty() => accepted.push(s.trim().to_string()),
                    Some(_) => {
                        report(
                            span.clone(),
                            Code::AnswerType,
                            format!("question `{id}` accepts an empty string"),
                        );
                        return None;
                    }
                    None => {
                        report(
                            span,
                            Code::AnswerType,
                            format!(
                                "question `{id}` is a `short` question, so `answer` lists accepted strings, e.g. [\"201\"]"
                            ),
                        );
                        return None;
                    }
                }
            }
            Some(AnswerKey::Accepted(accepted))
        }
        // An empty option list was reported already; an index into it says nothing more.
        QuestionKind::Single | QuestionKind::Multiple if option_count == 0 => None,
        QuestionKind::Single | QuestionKind::Multiple => {
            let mut choices = BTreeSet::new();
            for value in values {
                let Some(index) = value.as_integer() else {
                    report(
                        span,
                        Code::AnswerType,
                        format!(
                            "question `{id}` is a `{}` question, so `answer` lists 0-based option indexes, e.g. [1]",
                            kind.as_str()
                        ),
                    );
                    return None;
                };
                match usize::try_from(index) {
                    Ok(i) if i < option_count => {
                        choices.insert(i);
                    }
                    _ => {
                        report(
                            span,
                            Code::AnswerOutOfRange,
                            format!(
                                "question `{id}` answers option {index}, but its options are numbered 0 to {}",
                                option_count.saturating_sub(1)
                            ),
                        );
                        return None;
                    }
                }
            }
            if kind == QuestionKind::Single && choices.len() > 1 {
                report(
                    span,
                    Code::SingleWithManyAnswers,
                    format!(
                        "question `{id}` is `single` but its key holds {} answers; make it `multiple` or keep one",
                        choices.len()
                    ),
                );
                return None;
            }
            Some(AnswerKey::Choices(choices))
        }
    }
}
