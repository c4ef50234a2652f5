//! `workbook check`'s warning for a quiz whose single-choice keys cluster on one position
//! in the file (say, most answers are the first option).
//!
//! The page shuffles options per learner, but the authored order still shows: in the quiz
//! file, which sits in every learner's course folder, and on the page for `pin_order`
//! questions. A learner who notices "it is usually the first one" can score without knowing.

use std::collections::BTreeMap;

use super::diagnostic::{Code, Diagnostic};
use super::quiz::{AnswerKey, QuestionKind, Quiz};

/// Fewer single-choice questions than this are too few to call a habit.
const MIN_QUESTIONS: usize = 4;

/// Warns when more than half of `quiz`'s single-choice questions (at least
/// [`MIN_QUESTIONS`]) have their key at the same option index.
pub(super) fn check(quiz: &Quiz, problems: &mut Vec<Diagnostic>) {
    // Key index -> the lines of the questions keyed there, in quiz order.
    let mut by_index: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
    let mut singles = 0;
    for question in &quiz.questions {
        let (QuestionKind::Single, AnswerKey::Choices(key)) = (question.kind, &question.answer)
        else {
            continue;
        };
        let Some(&index) = key.iter().next() else {
            continue;
        };
        singles += 1;
        by_index.entry(index).or_default().push(question.line);
    }
    if singles < MIN_QUESTIONS {
        return;
    }
    // The first of the largest groups: ties cannot both be over half.
    let Some((index, lines)) = by_index
        .iter()
        .max_by_key(|(i, lines)| (lines.len(), -(**i as i64)))
    else {
        return;
    };
    if lines.len() * 2 <= singles {
        return;
    }
    problems.push(Diagnostic::at(
        &quiz.path,
        lines[0],
        Code::KeysClustered,
        format!(
            "{} of the {singles} single-choice questions have their answer at option {index} \
             (0-based); the page shuffles options, but the quiz file in the learner's course \
             folder and `pin_order` questions show this order, so \"it is usually option \
             {index}\" scores without knowing: reorder some questions' options (and their \
             `answer`)",
            lines.len()
        ),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::quiz::Question;
    use crate::course::{QuestionId, QuizSlug};

    fn quiz(keys: &[usize]) -> Quiz {
        let question = |(n, &key): (usize, &usize)| Question {
            id: QuestionId::new(format!("q{n}")),
            kind: QuestionKind::Single,
            prompt: "?".into(),
            options: ["a", "b", "c", "d"].map(String::from).to_vec(),
            answer: AnswerKey::Choices([key].into()),
            explanation: "because".into(),
            pin_order: false,
            line: 10 * n as u32 + 1,
        };
        Quiz {
            slug: QuizSlug::new("q"),
            path: "quizzes/q.toml".into(),
            title: "Q".into(),
            pass_mark: 0.8,
            partial_credit: false,
            reveal: Default::default(),
            questions: keys.iter().enumerate().map(question).collect(),
        }
    }

    fn warnings(keys: &[usize]) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        check(&quiz(keys), &mut problems);
        problems
    }

    #[test]
    fn more_than_half_on_one_index_warns_at_its_first_question() {
        let found = warnings(&[1, 0, 0, 2, 0]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, Code::KeysClustered);
        assert_eq!(
            found[0].line,
            Some(11),
            "the first question keyed at option 0"
        );
        assert!(
            found[0].message.starts_with("3 of the 5 "),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn half_or_fewer_or_too_few_questions_do_not_warn() {
        assert!(warnings(&[0, 0, 1, 2]).is_empty(), "exactly half");
        assert!(warnings(&[0, 0, 0]).is_empty(), "three questions");
        assert!(warnings(&[0, 1, 2, 3, 0, 1]).is_empty());
    }
}
