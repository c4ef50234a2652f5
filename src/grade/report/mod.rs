//! The result of one grade, shared by the CLI, the store and the web app, and its printers:
//! one per format ([`human`], [`junit`], and [`json`]: the serde form of [`Report`] with the
//! words of the rules that fail).

mod human;
mod json;
mod junit;

use serde::{Deserialize, Serialize};

pub use human::{Passing, RuleNote, human, rule_notes, verdict};
pub use json::{JsonReport, json};
pub use junit::junit;

use crate::course::ExerciseSlug;

/// The version of the JSON report; bumped when a field changes meaning. Version 2 added the
/// stages of a staged exercise (`stages`, `current_stage`, each test's `stage`): a staged
/// report's `tests` hold only the stages that ran.
pub const REPORT_VERSION: u32 = 2;

/// The oldest report (and export) version this workbook still reads: version 2 only added
/// fields, which an older file lacks and which load as their defaults.
pub const OLDEST_READABLE_VERSION: u32 = 1;

/// Whether a file of schema `version` can be read by this workbook.
pub fn readable_version(version: u64) -> bool {
    (u64::from(OLDEST_READABLE_VERSION)..=u64::from(REPORT_VERSION)).contains(&version)
}

/// The outcome of grading one exercise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`REPORT_VERSION`] when written by this grader.
    pub version: u32,
    /// The exercise graded.
    pub exercise: ExerciseSlug,
    /// Pass, fail, or error (no test ran).
    pub status: GradeStatus,
    /// Tests passed out of tests run.
    pub score: Score,
    /// How long cargo took.
    pub compile_ms: u64,
    /// How long the tests took.
    pub test_ms: u64,
    /// The compiler's errors when the crate or the tests did not build.
    pub compile_errors: Vec<CompileError>,
    /// One entry per hidden test, in the order they are listed (they may run side by side).
    pub tests: Vec<TestOutcome>,
    /// True when cargo printed more than the grader keeps (for example a build script that
    /// prints a flood of warnings); absent from the JSON when false.
    #[serde(default, skip_serializing_if = "is_false")]
    pub build_output_truncated: bool,
    /// A staged exercise's stages in order, each passed, failed, locked (an earlier one
    /// failed) or not run (the grade asked for fewer); absent for an exercise without stages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<StageOutcome>,
    /// The id of the first stage that did not pass: the one the learner is on. Absent when
    /// every stage passed, and for an exercise without stages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_stage: Option<String>,
}

/// How one stage of a grade went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageOutcome {
    /// Its id in `exercise.toml`.
    pub id: String,
    /// Its title, as the README's `## Stage N: <title>` heading has it.
    pub title: String,
    /// Passed, failed, locked or not run.
    pub status: StageStatus,
    /// Tests of the stage that passed, and tests of it that ran (0 of 0 when it did not run).
    pub score: Score,
}

/// The state of one stage after a grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageStatus {
    /// Every test of the stage passed.
    Passed,
    /// It ran and a test failed: the learner's current stage.
    Failed,
    /// Not tried, because an earlier stage failed.
    Locked,
    /// Not tried, because the grade asked for the stages before it only (`--stage N`).
    NotRun,
}

impl StageStatus {
    /// The mark shown beside a stage, in the terminal and on the page.
    pub fn mark(self) -> &'static str {
        match self {
            StageStatus::Passed => "✓",
            StageStatus::Failed => "✗",
            StageStatus::Locked => "🔒",
            StageStatus::NotRun => "·",
        }
    }

    /// The words shown beside a stage.
    pub fn as_str(self) -> &'static str {
        match self {
            StageStatus::Passed => "passed",
            StageStatus::Failed => "failed",
            StageStatus::Locked => "locked",
            StageStatus::NotRun => "not run",
        }
    }
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// The overall verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GradeStatus {
    /// Every hidden test passed.
    Pass,
    /// Tests ran and at least one failed.
    Fail,
    /// No test ran: the crate did not compile, or there were no tests.
    Error,
}

impl GradeStatus {
    /// The word used in tables and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            GradeStatus::Pass => "pass",
            GradeStatus::Fail => "fail",
            GradeStatus::Error => "error",
        }
    }
}

/// Passed out of total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    /// Tests that passed.
    pub passed: usize,
    /// Tests that ran.
    pub total: usize,
}

/// One compiler error, as cargo rendered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompileError {
    /// The file to open, relative to the exercise folder, when the error is in the learner's code.
    pub file: Option<String>,
    /// The line of that file.
    pub line: Option<u32>,
    /// The error as the compiler rendered it, with paths relative to the exercise folder.
    pub rendered: String,
    /// True when the learner's crate compiled but the hidden tests do not compile against it
    /// (its public API differs from the one the README asks for).
    pub in_hidden_tests: bool,
}

/// What happened to one hidden test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestStatus {
    /// The test ran to the end and libtest recorded it as passed.
    Passed,
    /// The test failed, panicked, crashed or exited early.
    Failed,
    /// The test ran past the exercise's timeout and was killed.
    TimedOut,
}

impl Report {
    /// The ids of the rules that the failing tests check (see [`TestOutcome::rules`]).
    pub fn failing_rules(&self) -> std::collections::BTreeSet<&str> {
        self.tests
            .iter()
            .filter(|t| t.status != TestStatus::Passed)
            .flat_map(|t| t.rules.iter().map(String::as_str))
            .collect()
    }

    /// The rules the first failing test checks (the failure the report shows first), and
    /// all the failing rules: what [`crate::course::hint_order`] orders hints by.
    pub fn failures_for_hints(
        &self,
    ) -> (
        std::collections::BTreeSet<&str>,
        std::collections::BTreeSet<&str>,
    ) {
        let first = self
            .tests
            .iter()
            .find(|t| t.status != TestStatus::Passed)
            .map(|t| t.rules.iter().map(String::as_str).collect())
            .unwrap_or_default();
        (first, self.failing_rules())
    }
}

impl TestStatus {
    /// The words shown in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            TestStatus::Passed => "passed",
            TestStatus::Failed => "failed",
            TestStatus::TimedOut => "timed out",
        }
    }

    /// The mark shown beside a test, in the terminal and on the page.
    pub fn mark(self) -> &'static str {
        match self {
            TestStatus::Passed => "✓",
            TestStatus::Failed => "✗",
            TestStatus::TimedOut => "⏱",
        }
    }
}

/// The outcome of one hidden test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestOutcome {
    /// The test's path, e.g. `limiters::bucket_refills_over_time`.
    pub name: String,
    /// The sentence its instructor wrote (its doc comment), or the name when there is none.
    pub description: String,
    /// Passed, failed or timed out.
    pub status: TestStatus,
    /// The assertion message, panic text or reason for the failure.
    pub message: Option<String>,
    /// How long it ran.
    pub duration_ms: u64,
    /// What it printed: at most 64 KiB, the beginning and the end of each stream.
    pub output: String,
    /// True only when something was cut from `output`: its beginning and end are kept.
    pub output_truncated: bool,
    /// The ids of the README rules the test checks (from its `/// Rules:` line, once the
    /// exercise has a rule map); absent from the JSON when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
    /// The id of the stage the test belongs to, in a staged exercise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
}

impl Report {
    /// An empty report, filled in as the grade goes.
    pub fn new(exercise: ExerciseSlug, compile_ms: u64) -> Report {
        Report {
            version: REPORT_VERSION,
            exercise,
            status: GradeStatus::Error,
            score: Score {
                passed: 0,
                total: 0,
            },
            compile_ms,
            test_ms: 0,
            compile_errors: Vec::new(),
            tests: Vec::new(),
            build_output_truncated: false,
            stages: Vec::new(),
            current_stage: None,
        }
    }

    /// Derives score and status from the tests and compile errors.
    pub fn finish(&mut self) {
        let passed = self
            .tests
            .iter()
            .filter(|t| t.status == TestStatus::Passed)
            .count();
        self.score = Score {
            passed,
            total: self.tests.len(),
        };
        self.current_stage = self
            .stages
            .iter()
            .find(|s| s.status != StageStatus::Passed)
            .map(|s| s.id.clone());
        let stages_done = self.stages.iter().all(|s| s.status == StageStatus::Passed);
        self.status = if !self.compile_errors.is_empty() || self.tests.is_empty() {
            GradeStatus::Error
        } else if passed == self.tests.len() && stages_done {
            GradeStatus::Pass
        } else {
            GradeStatus::Fail
        };
    }

    /// True when every hidden test passed.
    pub fn passed(&self) -> bool {
        self.status == GradeStatus::Pass
    }
}
