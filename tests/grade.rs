//! The grader against learner crates that misbehave in every way a grader must survive.

mod common;
use common::fixtures;

use std::path::Path;
use std::time::{Duration, Instant};

use workbook::course::{Course, Exercise};
use workbook::grade::{self, Cancel, GradeStatus, Progress, Report, TestStatus, Workdir};

fn course() -> Course {
    let loaded = Course::load(&fixtures().join("grading")).unwrap();
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    loaded.course
}

/// One work directory for the whole test binary run, kept between runs so dependencies
/// compile once; tests in this file grade one at a time.
fn workdir() -> Workdir {
    Workdir {
        root: Path::new(env!("CARGO_TARGET_TMPDIR")).join("grading-workdir"),
    }
}

fn grade_dir(
    course: &Course,
    exercise: &Exercise,
    dir: &Path,
    workdir: &Workdir,
) -> (Report, Vec<Progress>) {
    let mut events = Vec::new();
    let report = grade::grade(
        course,
        exercise,
        dir,
        workdir,
        &Cancel::default(),
        &mut |e| events.push(e),
    )
    .unwrap_or_else(|e| panic!("grading {} failed: {e}", dir.display()));
    (report, events)
}

fn statuses(report: &Report) -> Vec<(String, TestStatus)> {
    report
        .tests
        .iter()
        .map(|t| (t.name.clone(), t.status))
        .collect()
}

fn expect(passing_except: &[(&str, TestStatus)]) -> Vec<(String, TestStatus)> {
    ["adds", "counts_down", "recurses", "shouts", "tells_parity"]
        .iter()
        .map(|name| {
            let status = passing_except
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, s)| *s)
                .unwrap_or(TestStatus::Passed);
            (format!("functions::{name}"), status)
        })
        .collect()
}

fn message_of<'r>(report: &'r Report, test: &str) -> &'r str {
    report
        .tests
        .iter()
        .find(|t| t.name == format!("functions::{test}"))
        .and_then(|t| t.message.as_deref())
        .unwrap_or("")
}

#[test]
fn misbehaving_learner_crates_get_exact_per_test_statuses() {
    let course = course();
    let exercise = &course.exercises["counter"];
    let workdir = workdir();
    let learners = fixtures().join("learners");
    let started = Instant::now();

    let (report, _) = grade_dir(
        &course,
        exercise,
        &course.root.join("grader/counter/solution"),
        &workdir,
    );
    assert_eq!(
        statuses(&report),
        expect(&[]),
        "the solution passes everything"
    );

    let (report, _) = grade_dir(
        &course,
        exercise,
        &learners.join("does-not-compile"),
        &workdir,
    );
    assert_eq!(report.status, GradeStatus::Error);
    assert!(report.tests.is_empty());
    let error = &report.compile_errors[0];
    assert_eq!(error.file.as_deref(), Some("src/lib.rs"));
    assert!(!error.in_hidden_tests);
    assert!(
        error.rendered.contains("--> src/lib.rs:"),
        "paths are relative: {}",
        error.rendered
    );

    let (report, _) = grade_dir(&course, exercise, &learners.join("loops-forever"), &workdir);
    assert_eq!(
        statuses(&report),
        expect(&[("counts_down", TestStatus::TimedOut)])
    );
    assert!(message_of(&report, "counts_down").contains("did not finish within 2 s"));

    let (report, _) = grade_dir(&course, exercise, &learners.join("panics"), &workdir);
    assert_eq!(statuses(&report), expect(&[("adds", TestStatus::Failed)]));
    let message = message_of(&report, "adds");
    assert!(
        message.contains("negative numbers only, got 2"),
        "{message}"
    );
    assert!(message.contains("(at src/lib.rs:"), "{message}");

    let (report, _) = grade_dir(&course, exercise, &learners.join("exits"), &workdir);
    assert_eq!(statuses(&report), expect(&[("shouts", TestStatus::Failed)]));
    assert!(message_of(&report, "shouts").contains("process::exit"));

    let (report, _) = grade_dir(
        &course,
        exercise,
        &learners.join("overflows-stack"),
        &workdir,
    );
    assert_eq!(
        statuses(&report),
        expect(&[("recurses", TestStatus::Failed)])
    );
    assert!(message_of(&report, "recurses").contains("overflowed its stack"));

    let (report, _) = grade_dir(&course, exercise, &learners.join("prints-10mb"), &workdir);
    assert_eq!(statuses(&report), expect(&[("shouts", TestStatus::Failed)]));
    let shouts = report
        .tests
        .iter()
        .find(|t| t.name == "functions::shouts")
        .unwrap();
    assert!(shouts.output_truncated);
    assert!(
        shouts.output.len() <= 64 * 1024 + 200,
        "{} bytes kept",
        shouts.output.len()
    );
    assert!(shouts.output.contains("output truncated"));

    let (report, _) = grade_dir(&course, exercise, &learners.join("forges-output"), &workdir);
    assert_eq!(
        statuses(&report),
        expect(&[("adds", TestStatus::Failed), ("shouts", TestStatus::Failed)])
    );

    let adds = report
        .tests
        .iter()
        .find(|t| t.name == "functions::adds")
        .unwrap();
    assert_eq!(
        adds.description, "Adding 2 and 3 gives 5.",
        "descriptions come from doc comments"
    );

    // Only the one looping test waits for its timeout; the rest are quick once compiled.
    assert!(started.elapsed() < Duration::from_secs(600));
}

#[test]
fn a_second_exercise_compiles_no_dependency() {
    let course = course();
    let fresh = tempfile::tempdir().unwrap();
    let workdir = Workdir {
        root: fresh.path().to_path_buf(),
    };
    let compiled = |events: &[Progress]| -> Vec<String> {
        events
            .iter()
            .filter_map(|e| match e {
                Progress::Compiled { name } => Some(name.clone()),
                _ => None,
            })
            .collect()
    };
    let counter = &course.exercises["counter"];
    let (first, events) = grade_dir(
        &course,
        counter,
        &course.root.join("grader/counter/solution"),
        &workdir,
    );
    assert!(first.passed());
    assert!(events.contains(&Progress::FirstBuild));
    assert!(
        compiled(&events).contains(&"itoa".to_string()),
        "{:?}",
        compiled(&events)
    );

    let greeter = &course.exercises["greeter"];
    let (second, events) = grade_dir(
        &course,
        greeter,
        &course.root.join("grader/greeter/solution"),
        &workdir,
    );
    assert!(second.passed());
    assert!(!events.contains(&Progress::FirstBuild));
    // Only the exercise's own crate and its hidden tests compile.
    assert_eq!(
        compiled(&events),
        ["greeter", "greet"],
        "{:?}",
        compiled(&events)
    );
}
