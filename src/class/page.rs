//! The class on one page (`workbook gradebook --html FILE`): the learners × exercises table,
//! each stage's reach in a staged exercise, and a heatmap of every hidden test × learner. The page is self-contained (inline CSS, no
//! script, nothing fetched) so it can be mailed or uploaded as a CI artifact; its template
//! is `templates/gradebook.html`, which escapes every learner-supplied text.

use askama::Template;

use super::by_test::{ByTest, StageReach};
use super::gradebook::Merged;
use crate::grade::TestStatus;

#[derive(Template)]
#[template(path = "gradebook.html")]
struct GradebookPage {
    /// Column headers of the summary table: exercises, then quizzes.
    columns: Vec<String>,
    /// One row per learner.
    learners: Vec<LearnerRow>,
    /// Learner ids, the heatmap's columns.
    learner_ids: Vec<String>,
    /// The heatmap's rows, hardest first within each exercise.
    tests: Vec<HeatRow>,
    /// Whether rule ids are known (a course was given).
    rules_known: bool,
    /// How far the class got in each staged exercise.
    stages: Vec<StageReach>,
}

struct LearnerRow {
    learner: String,
    scores: Vec<String>,
    total: String,
}

struct HeatRow {
    exercise: String,
    /// True on the first row of an exercise, which opens its group.
    first_of_exercise: bool,
    test: String,
    description: String,
    rules: String,
    pass_rate: String,
    cells: Vec<HeatCell>,
}

/// A learner's outcome of one test, with a mark and a word so colour is never the only cue.
struct HeatCell {
    class: &'static str,
    mark: &'static str,
    word: &'static str,
}

/// The page's HTML.
pub fn render(merged: &Merged, by_test: &ByTest) -> Result<String, askama::Error> {
    let book = &merged.book;
    let score = |s: Option<&f64>| s.map(|s| format!("{s:.2}")).unwrap_or_else(|| "–".into());
    let mut columns: Vec<String> = book.exercises.clone();
    columns.extend(book.quizzes.iter().map(|q| {
        let note = if book.self_reported_quizzes.contains(q) {
            " (self-reported)"
        } else {
            ""
        };
        format!("quiz: {q}{note}")
    }));
    let learners = book
        .rows
        .iter()
        .map(|row| LearnerRow {
            learner: row.learner.clone(),
            scores: book
                .exercises
                .iter()
                .map(|e| score(row.exercises.get(e)))
                .chain(book.quizzes.iter().map(|q| score(row.quizzes.get(q))))
                .collect(),
            total: format!("{:.2}", row.total),
        })
        .collect();
    let learner_ids: Vec<String> = book.rows.iter().map(|r| r.learner.clone()).collect();
    let page = GradebookPage {
        columns,
        learners,
        tests: heat_rows(merged, by_test, &learner_ids),
        learner_ids,
        rules_known: by_test.tests.iter().any(|t| t.rules.is_some()),
        stages: by_test.stages.clone(),
    };
    page.render()
}

/// One heatmap row per test, in `by_test`'s order, one cell per learner.
fn heat_rows(merged: &Merged, by_test: &ByTest, learners: &[String]) -> Vec<HeatRow> {
    let mut previous: Option<&str> = None;
    let mut rows = Vec::new();
    for t in &by_test.tests {
        let cells = learners
            .iter()
            .map(|learner| {
                let status = merged
                    .tests
                    .get(learner)
                    .and_then(|marks| marks.get(&t.exercise))
                    .and_then(|marks| marks.iter().find(|m| m.name == t.test))
                    .map(|m| m.status);
                cell(status)
            })
            .collect();
        rows.push(HeatRow {
            exercise: t.exercise.clone(),
            first_of_exercise: previous != Some(t.exercise.as_str()),
            test: t.test.clone(),
            description: t.description.clone(),
            rules: t.rules.clone().unwrap_or_default().join(", "),
            pass_rate: format!("{:.0}% ({}/{})", t.pass_rate * 100.0, t.passed, t.reports),
            cells,
        });
        previous = Some(t.exercise.as_str());
    }
    rows
}

fn cell(status: Option<TestStatus>) -> HeatCell {
    match status {
        Some(TestStatus::Passed) => HeatCell {
            class: "pass",
            mark: "✓",
            word: "pass",
        },
        Some(TestStatus::Failed) => HeatCell {
            class: "fail",
            mark: "✗",
            word: "fail",
        },
        Some(TestStatus::TimedOut) => HeatCell {
            // A mark every font has: the word tells it from a plain failure.
            class: "fail",
            mark: "✗",
            word: "timeout",
        },
        // The learner's files hold no report that ran it (no report, or no compile).
        None => HeatCell {
            class: "absent",
            mark: "–",
            word: "absent",
        },
    }
}
