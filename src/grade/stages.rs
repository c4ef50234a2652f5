//! Staged grading: the stages of an exercise run in order over one build, each on the test
//! binaries of its own hidden test files, and the first stage that fails locks the rest.
//! Earlier stages run again on every grade, since a later change can break them.

use std::path::PathBuf;

use super::report::{Score, StageOutcome, StageStatus, TestOutcome, TestStatus};
use super::{GradeError, Progress};
use crate::course::Stage;

/// Runs the given test binaries, telling `progress`; the grader's `run_all`, in effect.
pub(crate) type RunTests<'a> = dyn FnMut(&[(String, PathBuf)], &mut dyn FnMut(Progress)) -> Result<Vec<TestOutcome>, GradeError>
    + 'a;

/// What a staged run gave: every test that ran, tagged with its stage, and each stage's
/// outcome.
pub(crate) struct Staged {
    pub tests: Vec<TestOutcome>,
    pub stages: Vec<StageOutcome>,
}

/// Runs `stages[..until]` in order with `run` (which runs the given test binaries), stopping
/// at the first stage with a failing test; the stages after it are locked, and those from
/// `until` on are not run.
pub(crate) fn run(
    stages: &[Stage],
    until: usize,
    binaries: &[(String, PathBuf)],
    progress: &mut dyn FnMut(Progress),
    run: &mut RunTests<'_>,
) -> Result<Staged, GradeError> {
    let mut staged = Staged {
        tests: Vec::new(),
        stages: Vec::new(),
    };
    let mut blocked = false;
    for (index, stage) in stages.iter().enumerate() {
        let status = if blocked {
            Some(StageStatus::Locked)
        } else if index >= until {
            Some(StageStatus::NotRun)
        } else {
            None
        };
        if let Some(status) = status {
            staged.stages.push(outcome(stage, status, &[]));
            continue;
        }
        progress(Progress::Stage {
            index: index + 1,
            total: stages.len(),
            id: stage.id.clone(),
            title: stage.title.clone(),
        });
        let mut tests = run(&binaries_of(stage, binaries), progress)?;
        for test in &mut tests {
            test.stage = Some(stage.id.clone());
        }
        let passed = !tests.is_empty() && tests.iter().all(|t| t.status == TestStatus::Passed);
        let status = if passed {
            StageStatus::Passed
        } else {
            StageStatus::Failed
        };
        blocked = !passed;
        staged.stages.push(outcome(stage, status, &tests));
        staged.tests.extend(tests);
    }
    Ok(staged)
}

/// The built binaries of `stage`'s hidden test files (a binary is named after its file).
fn binaries_of(stage: &Stage, binaries: &[(String, PathBuf)]) -> Vec<(String, PathBuf)> {
    binaries
        .iter()
        .filter(|(name, _)| {
            stage
                .tests
                .iter()
                .any(|t| t.file_stem().is_some_and(|s| s.to_string_lossy() == *name))
        })
        .cloned()
        .collect()
}

fn outcome(stage: &Stage, status: StageStatus, tests: &[TestOutcome]) -> StageOutcome {
    StageOutcome {
        id: stage.id.clone(),
        title: stage.title.clone(),
        status,
        score: Score {
            passed: tests
                .iter()
                .filter(|t| t.status == TestStatus::Passed)
                .count(),
            total: tests.len(),
        },
    }
}
