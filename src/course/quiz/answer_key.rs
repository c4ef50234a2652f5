//! A question's answer key as the quiz file writes it (`answer = [1]`, `answer = "text"`),
//! checked against the question's kind and options.

use std::collections::BTreeSet;
use std::ops::Range;

use toml::Spanned;

use super::{AnswerKey, QuestionFile, QuestionKind, Report};
use crate::course::diagnostic::Code;

/// Returns the question's answer key, or `None` once the reason it cannot be used is
/// reported.
pub(super) fn check_answer(
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
    let key = KeyValues { id, span, values };
    match kind {
        QuestionKind::Short => key.accepted(report),
        // An empty option list was reported already; an index into it says nothing more.
        QuestionKind::Single | QuestionKind::Multiple if option_count == 0 => None,
        QuestionKind::Single | QuestionKind::Multiple => key.choices(kind, option_count, report),
    }
}

/// The values of one question's non-empty `answer`, with what a report about them needs.
struct KeyValues<'a> {
    /// The question's id.
    id: &'a str,
    /// Where `answer` is; every problem with its values is reported there.
    span: Range<usize>,
    values: Vec<&'a toml::Value>,
}

impl KeyValues<'_> {
    /// Returns the accepted strings of a short question, or `None` once a value that is
    /// not a non-empty string is reported.
    fn accepted(self, report: &mut Report) -> Option<AnswerKey> {
        let (id, span) = (self.id, self.span);
        let mut accepted = Vec::new();
        for value in self.values {
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

    /// Returns the right options of a choice question, or `None` once a value that is not
    /// the index of one of its `option_count` options, or a second answer to a `single`
    /// question, is reported.
    fn choices(
        self,
        kind: QuestionKind,
        option_count: usize,
        report: &mut Report,
    ) -> Option<AnswerKey> {
        let (id, span) = (self.id, self.span);
        let mut choices = BTreeSet::new();
        for value in self.values {
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
