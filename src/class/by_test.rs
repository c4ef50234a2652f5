//! Which hidden tests a class struggles with: for each exercise and test, how many learners'
//! reports ran it and how many passed, hardest first; for a staged exercise, how far the
//! class got (each stage's reach). With the course at hand, each test also names the rules
//! of `grader/<slug>/rules.toml` it checks.

use std::collections::BTreeMap;

use serde::Serialize;

use super::csv::{neutralise, table};
use super::gradebook::Merged;
use crate::course::Course;
use crate::course::rules::tests_and_rules;
use crate::grade::{REPORT_VERSION, TestStatus};
use crate::io_error::IoError;

/// The rules each hidden test checks: exercise slug, then `<test file>::<test function>`.
pub type RuleIndex = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// One hidden test across the class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestStats {
    /// The exercise's slug.
    pub exercise: String,
    /// The test's path, `<test file>::<test function>`.
    pub test: String,
    /// The test's sentence, as the first report that ran it says.
    pub description: String,
    /// The rule ids it checks; absent when no course was given, empty when its exercise
    /// has no rule map.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<String>>,
    /// How many learners' reports ran it.
    pub reports: usize,
    /// How many of those passed it.
    pub passed: usize,
    /// `passed / reports`, 0 to 1.
    pub pass_rate: f64,
    /// The id of its stage, in a staged exercise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
}

/// How many learners passed one stage of a staged exercise.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageReach {
    /// The exercise's slug.
    pub exercise: String,
    /// The stage's id, in the order the stages run.
    pub stage: String,
    /// Learners with a report of the exercise.
    pub learners: usize,
    /// Of those, how many passed every test of this stage (a stage after a failed one does
    /// not run, so it is not reached).
    pub reached: usize,
}

/// Every hidden test across the class, the hardest first within each exercise.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ByTest {
    /// The schema version of this output.
    pub version: u32,
    /// Sorted by exercise, then pass rate (lowest first), then test name.
    pub tests: Vec<TestStats>,
    /// Each stage's reach, by exercise, stages in order; absent without staged exercises.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<StageReach>,
}

/// Counts each test's reports and passes over every learner; `rules` adds rule ids.
pub fn by_test(merged: &Merged, rules: Option<&RuleIndex>) -> ByTest {
    let mut found: BTreeMap<(String, String), TestStats> = BTreeMap::new();
    for marks in merged.tests.values() {
        for (exercise, tests) in marks {
            for mark in tests {
                let key = (exercise.clone(), mark.name.clone());
                let stats = found.entry(key).or_insert_with(|| TestStats {
                    exercise: exercise.clone(),
                    test: mark.name.clone(),
                    description: mark.description.clone(),
                    rules: rules.map(|index| rules_of(index, exercise, &mark.name)),
                    reports: 0,
                    passed: 0,
                    pass_rate: 0.0,
                    stage: mark.stage.clone(),
                });
                stats.reports += 1;
                stats.passed += usize::from(mark.status == TestStatus::Passed);
            }
        }
    }
    let mut tests: Vec<TestStats> = found.into_values().collect();
    for stats in &mut tests {
        // A test is only listed once a report ran it, so `reports` is at least 1.
        stats.pass_rate = stats.passed as f64 / stats.reports as f64;
    }
    tests.sort_by(|a, b| {
        a.exercise
            .cmp(&b.exercise)
            .then(a.pass_rate.total_cmp(&b.pass_rate))
            .then(a.test.cmp(&b.test))
    });
    ByTest {
        version: REPORT_VERSION,
        tests,
        stages: stage_reach(merged),
    }
}

/// Each stage's reach: stages in the order the reports ran them, learners who passed all
/// of a stage's tests.
fn stage_reach(merged: &Merged) -> Vec<StageReach> {
    // exercise -> stage ids in order, and per stage the learners who passed it.
    let mut order: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut learners: BTreeMap<&str, usize> = BTreeMap::new();
    let mut reached: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for marks in merged.tests.values() {
        for (exercise, tests) in marks {
            let mut passed: BTreeMap<&str, bool> = BTreeMap::new();
            for mark in tests {
                let Some(stage) = mark.stage.as_deref() else {
                    continue;
                };
                let stages = order.entry(exercise.as_str()).or_default();
                if !stages.contains(&stage) {
                    stages.push(stage);
                }
                let ok = passed.entry(stage).or_insert(true);
                *ok &= mark.status == TestStatus::Passed;
            }
            if passed.is_empty() {
                continue;
            }
            *learners.entry(exercise.as_str()).or_default() += 1;
            for (stage, ok) in passed {
                *reached.entry((exercise.as_str(), stage)).or_default() += usize::from(ok);
            }
        }
    }
    let mut reach = Vec::new();
    for (exercise, stages) in order {
        for stage in stages {
            reach.push(StageReach {
                exercise: exercise.to_string(),
                stage: stage.to_string(),
                learners: learners.get(exercise).copied().unwrap_or(0),
                reached: reached.get(&(exercise, stage)).copied().unwrap_or(0),
            });
        }
    }
    reach
}

/// The rules the course's hidden tests name, for every exercise with a rule map.
pub fn rule_index(course: &Course) -> RuleIndex {
    let mut index = RuleIndex::new();
    for (slug, exercise) in &course.exercises {
        // Without a rule map, a test's `Rules:` line (if any) is not checked: leave it out.
        if exercise.rules.is_none() {
            continue;
        }
        let tests = index.entry(slug.to_string()).or_default();
        for rel in &exercise.hidden_tests {
            let Some(stem) = rel.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
                continue;
            };
            let Ok(text) = std::fs::read_to_string(course.root.join(rel)) else {
                continue;
            };
            for test in tests_and_rules(&text) {
                tests.insert(format!("{stem}::{}", test.name), test.rules);
            }
        }
    }
    index
}

/// The rules of test `name` of `exercise`: a test in a module of its file
/// (`file::module::test`) is found by its file and function.
fn rules_of(index: &RuleIndex, exercise: &str, name: &str) -> Vec<String> {
    let Some(tests) = index.get(exercise) else {
        return Vec::new();
    };
    let short = match (name.split_once("::"), name.rsplit_once("::")) {
        (Some((file, _)), Some((_, function))) => format!("{file}::{function}"),
        _ => name.to_string(),
    };
    tests
        .get(name)
        .or_else(|| tests.get(&short))
        .cloned()
        .unwrap_or_default()
}

impl ByTest {
    /// The tests as CSV: `exercise,test,description,[stage,][rules,]reports,passed,pass_rate`;
    /// the `stage` column only when a staged exercise is in it, the `rules` column (ids
    /// separated by spaces) only when a course gave them.
    pub fn to_csv(&self) -> Result<String, IoError> {
        let with_rules = self.tests.iter().any(|t| t.rules.is_some());
        let with_stages = self.tests.iter().any(|t| t.stage.is_some());
        let mut header = vec!["exercise", "test", "description"];
        if with_stages {
            header.push("stage");
        }
        if with_rules {
            header.push("rules");
        }
        header.extend(["reports", "passed", "pass_rate"]);
        let mut rows = vec![header.into_iter().map(str::to_string).collect()];
        for t in &self.tests {
            let mut cells = vec![
                neutralise(&t.exercise),
                neutralise(&t.test),
                neutralise(&t.description),
            ];
            if with_stages {
                cells.push(neutralise(t.stage.as_deref().unwrap_or("")));
            }
            if with_rules {
                cells.push(neutralise(&t.rules.clone().unwrap_or_default().join(" ")));
            }
            cells.extend([
                t.reports.to_string(),
                t.passed.to_string(),
                format!("{:.2}", t.pass_rate),
            ]);
            rows.push(cells);
        }
        table(&rows)
    }
}
