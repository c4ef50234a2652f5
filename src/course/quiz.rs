//! Quizzes: `quizzes/<slug>.toml`, questions with their answer keys and explanations.

use std::collections::{BTreeSet, HashMap};
use std::num::NonZeroU32;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::diagnostic::{Code, Diagnostic};
use super::ids::{QuestionId, QuizSlug};
use super::source::{is_kebab_case, or_report, parse_toml, read_text, span_line};

// `reveal = ...`: read in its own file, as this one is full.
mod answer_key;
mod reveal;

use answer_key::check_answer;

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
    /// When an attempt's keys and explanations are shown.
    pub reveal: RevealPolicy,
    /// The questions in file order.
    pub questions: Vec<Question>,
}

/// When the keys and explanations of the questions an attempt answered are shown to the
/// learner (`reveal` in the quiz file). The verdicts and the score are always shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RevealPolicy {
    /// After every attempt (`"always"`, the default).
    #[default]
    Always,
    /// Once the learner has passed the quiz (`"after-pass"`).
    AfterPass,
    /// From the learner's Nth attempt on (`{ after_attempts = N }`).
    AfterAttempts(NonZeroU32),
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
    reveal: Option<Spanned<toml::Value>>,
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
    let (text, file) = read_quiz_file(root, rel, problems)?;
    let line = |span: Range<usize>| span_line(&text, &span, 1);
    let mut report = |at: Range<usize>, code: Code, message: String| {
        problems.push(Diagnostic::at(rel, line(at), code, message));
    };

    let pass_mark = check_quiz_fields(&file, &mut report);
    let reveal = reveal::check(file.reveal.as_ref(), &mut report);
    let mut first_seen: HashMap<String, u32> = HashMap::new();
    let questions: Vec<Question> = file
        .questions
        .iter()
        .filter_map(|question| check_question(question, &line, &mut first_seen, &mut report))
        .collect();

    if problems.len() > before {
        return None;
    }
    Some(Quiz {
        slug: super::ids::QuizSlug::new(slug),
        path: rel.to_path_buf(),
        title: file.title.into_inner().trim().to_string(),
        pass_mark,
        partial_credit: file.partial_credit,
        reveal,
        questions,
    })
}

/// Pushes a problem at a span of the quiz file.
type Report<'a> = dyn FnMut(Range<usize>, Code, String) + 'a;

/// Reads and parses the quiz file. Returns its text (for line numbers) and its tables, or
/// `None` once the reason it cannot be read is reported.
fn read_quiz_file(
    root: &Path,
    rel: &Path,
    problems: &mut Vec<Diagnostic>,
) -> Option<(String, QuizFile)> {
    let text = or_report(read_text(root, rel), problems)?;
    let file = or_report(parse_toml(&text, rel, 1), problems)?;
    Some((text, file))
}

/// Checks the quiz's own fields (`title`, `pass_mark`, that it has questions). Returns the
/// pass mark, the default one when the file's is out of range.
fn check_quiz_fields(file: &QuizFile, report: &mut Report) -> f64 {
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
    pass_mark
}

/// Checks one `[[questions]]` table; `first_seen` holds the line of each id met so far.
/// Returns the question, or `None` when it has no usable answer key.
fn check_question(
    question: &Spanned<QuestionFile>,
    line: &dyn Fn(Range<usize>) -> u32,
    first_seen: &mut HashMap<String, u32>,
    report: &mut Report,
) -> Option<Question> {
    let q = question.get_ref();
    let id = check_id(q, line, first_seen, report);
    if q.prompt.get_ref().trim().is_empty() {
        report(
            q.prompt.span(),
            Code::InvalidField,
            format!("question `{id}` has an empty `prompt`"),
        );
    }
    let explanation = check_explanation(question, &id, report);
    let kind = *q.kind.get_ref();
    let options = check_options(q, kind, &id, report);
    let answer = check_answer(question, kind, &id, options.len(), report)?;
    Some(Question {
        id: QuestionId::new(id),
        kind,
        prompt: q.prompt.get_ref().trim().to_string(),
        options,
        answer,
        explanation,
        pin_order: q.pin_order,
        line: line(question.span()),
    })
}

/// Returns the question's trimmed id, reporting one that is not kebab-case or was used
/// before, and remembering its line in `first_seen` when it is new.
fn check_id(
    q: &QuestionFile,
    line: &dyn Fn(Range<usize>) -> u32,
    first_seen: &mut HashMap<String, u32>,
    report: &mut Report,
) -> String {
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
    id
}

/// Returns the question's trimmed explanation, reporting one that is missing or empty
/// (and then returning an empty one).
fn check_explanation(question: &Spanned<QuestionFile>, id: &str, report: &mut Report) -> String {
    match &question.get_ref().explanation {
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
    }
}

/// Returns the trimmed options of a choice question (none for a short question), reporting
/// options that are missing, or given to a short question.
fn check_options(
    q: &QuestionFile,
    kind: QuestionKind,
    id: &str,
    report: &mut Report,
) -> Vec<String> {
    match (kind, &q.options) {
        (QuestionKind::Short, None) => Vec::new(),
        (QuestionKind::Short, Some(options)) => {
            report(
                options.span(),
                Code::InvalidField,
                format!(
                    "question `{id}` is a `short` question; it takes accepted strings in `answer`, not `options`"
                ),
            );
            Vec::new()
        }
        (QuestionKind::Single | QuestionKind::Multiple, None) => {
            report(
                q.kind.span(),
                Code::OptionsEmpty,
                format!(
                    "question `{id}` is a `{}` question but has no `options`",
                    kind.as_str()
                ),
            );
            Vec::new()
        }
        (QuestionKind::Single | QuestionKind::Multiple, Some(options)) => {
            check_option_list(options, id, report)
        }
    }
}

/// Returns a choice question's options, trimmed, reporting an empty list, an empty option
/// and an option offered twice.
fn check_option_list(options: &Spanned<Vec<String>>, id: &str, report: &mut Report) -> Vec<String> {
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
