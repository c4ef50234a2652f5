//! The grader against learner crates that misbehave in every way a grader must survive.

use std::path::Path;
use std::time::{Duration, Instant};

use workbook::course::Course;
use workbook::grade::{self, Cancel, GradeStatus, Progress, Report, TestStatus, Workdir};

use crate::common::{self, fixtures, grade_dir, processes_mentioning};

fn course() -> Course {
    common::supervise_with_workbook();
    let loaded = Course::load(&fixtures().join("grading")).unwrap();
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    loaded.course
}

/// One work directory for the whole test binary run, kept between runs so dependencies
/// compile once; the tests of this module that use it grade one at a time (they wait on its
/// lock).
fn workdir() -> Workdir {
    Workdir {
        root: Path::new(env!("CARGO_TARGET_TMPDIR")).join("grading-workdir"),
    }
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
    assert!(
        shouts.output.contains("bytes not shown"),
        "{}",
        &shouts.output[..200]
    );

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

#[test]
fn nothing_a_test_starts_outlives_it() {
    let course = course();
    let exercise = &course.exercises["counter"];
    let workdir = workdir();
    let learners = fixtures().join("learners");
    // The sleeps' durations are their markers; each would hold the test's pipes for over an hour.
    for (fixture, marker) in [
        ("detaches-setsid", "sleep 4511"),
        ("double-fork", "sleep 4522"),
        ("list-child", "sleep 4533"),
    ] {
        let (report, _) = grade_dir(&course, exercise, &learners.join(fixture), &workdir);
        assert_eq!(statuses(&report), expect(&[]), "{fixture}");
        for test in &report.tests {
            assert!(
                test.duration_ms < 2_000,
                "{fixture}: {} took {} ms, past its 2 s limit",
                test.name,
                test.duration_ms
            );
        }
        assert_eq!(
            processes_mentioning(marker),
            Vec::<String>::new(),
            "{fixture} left processes behind"
        );
    }
}

#[test]
fn a_build_script_that_sleeps_or_loops_ends_as_a_clear_error() {
    let course = course();
    let learners = fixtures().join("learners");
    std::thread::scope(|scope| {
        for fixture in ["build-sleeps", "build-loops"] {
            let (course, learners) = (&course, &learners);
            scope.spawn(move || {
                let mut exercise = course.exercises["counter"].clone();
                exercise.compile_timeout = Duration::from_secs(20);
                let fresh = tempfile::tempdir().unwrap();
                let workdir = Workdir {
                    root: fresh.path().to_path_buf(),
                };
                let (report, _) = grade_dir(course, &exercise, &learners.join(fixture), &workdir);
                assert_eq!(report.status, GradeStatus::Error, "{fixture}");
                assert!(report.tests.is_empty(), "{fixture}");
                let rendered = &report.compile_errors[0].rendered;
                assert!(
                    rendered.contains("compiling took longer than 20 s and was stopped")
                        && rendered.contains("build.rs"),
                    "{fixture}: {rendered}"
                );
                let marker = fresh.path().to_string_lossy().into_owned();
                assert_eq!(
                    processes_mentioning(&marker),
                    Vec::<String>::new(),
                    "{fixture}: cargo, rustc or the build script is still running"
                );
                // The lock is free again.
                let lock = workdir.lock(&Cancel::default());
                assert!(lock.is_ok(), "{fixture}");
            });
        }
    });
}

/// The peak resident memory of this process, in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn a_flood_of_build_script_warnings_is_cut_and_costs_little_memory() {
    let course = course();
    let exercise = &course.exercises["counter"];
    let fresh = tempfile::tempdir().unwrap();
    let workdir = Workdir {
        root: fresh.path().to_path_buf(),
    };
    let before = peak_rss_kib();
    let (report, _) = grade_dir(
        &course,
        exercise,
        &fixtures().join("learners/build-floods"),
        &workdir,
    );
    let grown = peak_rss_kib().saturating_sub(before);
    assert!(report.passed(), "{:?}", report.compile_errors);
    assert!(report.build_output_truncated);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["build_output_truncated"], true);
    // About 30 MB went through the grader's pipe.
    assert!(grown < 16 * 1024, "the grader grew by {grown} KiB");
}

#[test]
fn a_long_output_keeps_its_end_and_the_assertion() {
    let course = course();
    let exercise = &course.exercises["counter"];
    let learners = fixtures().join("learners");
    let (report, _) = grade_dir(
        &course,
        exercise,
        &learners.join("prints-then-fails"),
        &workdir(),
    );
    assert_eq!(statuses(&report), expect(&[("shouts", TestStatus::Failed)]));
    let shouts = report
        .tests
        .iter()
        .find(|t| t.name == "functions::shouts")
        .unwrap();
    let message = shouts.message.as_deref().unwrap_or("");
    assert!(
        message.contains("assertion `left == right` failed")
            && message.contains("left: \"HI\"")
            && message.contains("right: \"HI!\""),
        "{message}"
    );
    assert!(shouts.output_truncated);
    assert!(
        shouts.output.contains("debug line     0"),
        "the start is kept"
    );
    assert!(
        shouts.output.contains("debug line  1999"),
        "the end is kept"
    );
    assert!(shouts.output.len() <= 64 * 1024 + 400);

    // A short output is not marked as cut.
    let (report, _) = grade_dir(&course, exercise, &learners.join("panics"), &workdir());
    for test in &report.tests {
        assert!(!test.output_truncated, "{}: {:?}", test.name, test.output);
    }
}

/// Grades `dir`, cancelling at the first progress event `trigger` accepts; returns the result
/// and how long after the cancel the grade returned.
fn grade_and_cancel_on(
    course: &Course,
    dir: &Path,
    workdir: &Workdir,
    trigger: fn(&Progress) -> bool,
) -> (Result<Report, grade::GradeError>, Duration) {
    let cancel = Cancel::default();
    let mut cancelled_at = None;
    let result = grade::grade(
        course,
        &course.exercises["counter"],
        dir,
        workdir,
        &cancel,
        &mut |event| {
            if trigger(&event) && cancelled_at.is_none() {
                cancelled_at = Some(Instant::now());
                cancel.cancel();
            }
        },
    );
    let stopped_after = cancelled_at.expect("the trigger event came").elapsed();
    (result, stopped_after)
}

#[test]
fn cancel_stops_a_build_and_its_compilers_at_once() {
    let course = course();
    let fresh = tempfile::tempdir().unwrap();
    let workdir = Workdir {
        root: fresh.path().to_path_buf(),
    };
    // Cancel as soon as the first crate is compiled: the build script is next.
    let (result, stopped_after) = grade_and_cancel_on(
        &course,
        &fixtures().join("learners/build-sleeps"),
        &workdir,
        |event| matches!(event, Progress::Compiled { .. }),
    );
    assert!(
        matches!(result, Err(grade::GradeError::Cancelled)),
        "{result:?}"
    );
    assert!(
        stopped_after < Duration::from_secs(2),
        "the grade returned {stopped_after:?} after the cancel"
    );
    let marker = fresh.path().to_string_lossy().into_owned();
    assert_eq!(processes_mentioning(&marker), Vec::<String>::new());
    assert!(workdir.lock(&Cancel::default()).is_ok());
}

#[test]
fn cancel_stops_running_tests_at_once() {
    let course = course();
    let (result, stopped_after) = grade_and_cancel_on(
        &course,
        &fixtures().join("learners/loops-forever"),
        &workdir(),
        |event| matches!(event, Progress::Running { .. }),
    );
    assert!(
        matches!(result, Err(grade::GradeError::Cancelled)),
        "{result:?}"
    );
    assert!(stopped_after < Duration::from_secs(2), "{stopped_after:?}");
}
