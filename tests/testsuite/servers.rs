//! Server exercises: the grader against servers that fail in characteristic ways (one never
//! listens, one listens on the wrong port, one crashes at start-up, one replays an earlier
//! run's answers, one races on ids, one forgets everything on restart, one drops the request
//! in flight on SIGTERM, a shop that oversells under concurrency). Each must be stopped at its stage, in its test, with a message a
//! learner can act on. The fixtures are edits of the reference solution, in
//! `tests/fixtures/servers/` (see its README).

use std::path::Path;

use serde::Deserialize;
use workbook::course::{Course, Exercise};
use workbook::grade::{self, Cancel, Report, TestStatus, Workdir};
use workbook::terminal::Look;

use crate::common::{self, copy_dir, fixtures, root};

/// One fixture file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    /// The exercise whose solution it edits (default `task-api`).
    #[serde(default = "task_api")]
    exercise: String,
    about: String,
    stage: String,
    test: String,
    message: Vec<String>,
    #[serde(default)]
    edit: Vec<Edit>,
    #[serde(default)]
    write: Vec<Write>,
}

fn task_api() -> String {
    "task-api".to_string()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Edit {
    file: String,
    find: String,
    replace: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Write {
    file: String,
    text: String,
}

/// The reference solution of the fixture's exercise with its changes, in a new folder.
fn build_fixture(name: &str, fixture: &Fixture, dir: &Path) {
    copy_dir(
        &root()
            .join("grader")
            .join(&fixture.exercise)
            .join("solution"),
        dir,
    );
    for write in &fixture.write {
        std::fs::write(dir.join(&write.file), &write.text).unwrap();
    }
    for edit in &fixture.edit {
        let path = dir.join(&edit.file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text.matches(&edit.find).count(),
            1,
            "fixture {name}: `find` must occur exactly once in {}: {:?}",
            edit.file,
            edit.find
        );
        std::fs::write(&path, text.replacen(&edit.find, &edit.replace, 1)).unwrap();
    }
}

/// Grades fixture `name` as its exercise, up to the stage where it must fail, and checks the
/// stage, the failing test and its message. Returns the report.
fn grades_as_described(name: &str) -> Report {
    common::supervise_with_workbook();
    let path = fixtures().join("servers").join(format!("{name}.toml"));
    let fixture: Fixture = toml::from_str(&std::fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let course = Course::load(root()).unwrap().course;
    let exercise = course
        .exercises
        .get(fixture.exercise.as_str())
        .unwrap_or_else(|| panic!("the course has no exercise {}", fixture.exercise));
    let dir = tempfile::tempdir().unwrap();
    build_fixture(name, &fixture, dir.path());
    let report = grade_until_its_stage(&course, exercise, dir.path(), &fixture);
    check_report(name, &fixture, &report);
    report
}

fn grade_until_its_stage(
    course: &Course,
    exercise: &Exercise,
    dir: &Path,
    fixture: &Fixture,
) -> Report {
    let stage = exercise
        .stages
        .iter()
        .position(|s| s.id == fixture.stage)
        .unwrap_or_else(|| panic!("{} has no stage {}", exercise.slug, fixture.stage));
    // The course's own work directory: its dependencies are built once for every grade.
    let workdir = Workdir::of(course);
    grade::grade_stages(
        course,
        exercise,
        dir,
        (&workdir, stage + 1),
        &Cancel::default(),
        &mut |_| {},
    )
    .unwrap_or_else(|e| panic!("grading failed: {e}"))
}

fn check_report(name: &str, fixture: &Fixture, report: &Report) {
    let summary = serde_json::to_string_pretty(&report.stages).unwrap();
    assert_eq!(
        report.current_stage.as_deref(),
        Some(fixture.stage.as_str()),
        "{name} ({}): the stage the grade stops at; stages: {summary}",
        fixture.about
    );
    let test = report
        .tests
        .iter()
        .find(|t| t.name == fixture.test)
        .unwrap_or_else(|| panic!("{name}: no test {} in the report", fixture.test));
    assert_ne!(
        test.status,
        TestStatus::Passed,
        "{name}: {} passed",
        fixture.test
    );
    let message = test.message.as_deref().unwrap_or("");
    for line in &fixture.message {
        assert!(
            message.contains(line.as_str()),
            "{name}: the message of {} lacks {line:?}:\n{message}",
            fixture.test
        );
    }
    // Every earlier stage passed, and none after it ran.
    let at = report
        .stages
        .iter()
        .position(|s| s.id == fixture.stage)
        .unwrap();
    assert!(
        report.stages[..at]
            .iter()
            .all(|s| s.status == grade::StageStatus::Passed),
        "{name}: the stages before {}: {summary}",
        fixture.stage
    );
}

#[test]
fn a_server_that_never_listens_fails_stage_1_saying_so() {
    grades_as_described("never-binds");
}

#[test]
fn a_server_on_the_wrong_port_is_told_which_port_it_took() {
    grades_as_described("wrong-port");
}

#[test]
fn a_server_that_crashes_at_start_shows_its_standard_error() {
    grades_as_described("crashes-on-start");
}

/// The run's random parts (seed, emails, passwords, ports, times) as placeholders.
fn steady(text: &str) -> String {
    let rules = [
        (
            r"seed:(\s+)\d+ \(WORKBOOK_SEED=\d+",
            "seed:${1}<seed> (WORKBOOK_SEED=<seed>",
        ),
        (r"(?i)[a-z]+\.\d+@example\.test", "<email>"),
        (r#"(\\?"password\\?":\\?")[A-Za-z0-9]+"#, "${1}<password>"),
        (r"(port |PORT=|127\.0\.0\.1:)\d+", "${1}<port>"),
        (r"\(\d+ ms\)", "(<ms>)"),
        (
            r"compile [\d.]+ s, tests [\d.]+ s",
            "compile <s>, tests <s>",
        ),
        (r#""(duration_ms|compile_ms|test_ms)": \d+"#, "\"$1\": 0"),
    ];
    let mut text = text.to_string();
    for (pattern, with) in rules {
        text = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&text, with)
            .into_owned();
    }
    text
}

/// A failed HTTP check as the learner sees it: in the terminal (failures first, then the
/// stage list) and in the JSON report (the stages, the current stage, the test's message).
#[test]
fn replaying_one_runs_answers_fails_on_the_random_inputs() {
    let mut report = grades_as_described("replays-one-run");
    let course = Course::load(root()).unwrap().course;
    let exercise = &course.exercises["task-api"];
    let passing = grade::report::Passing::Collapsed;
    let print = |look| {
        let mut terminal = Vec::new();
        let hints = Default::default();
        grade::report::human(&report, exercise, (&hints, passing), look, &mut terminal).unwrap();
        steady(&String::from_utf8_lossy(&terminal))
    };
    insta::assert_snapshot!("failed_http_check_terminal", print(Look::default()));
    // Plain: the stages' status in words, no lock emoji; the passing test listed.
    let plain = print(Look::plain());
    insta::assert_snapshot!("failed_http_check_terminal_plain", plain);
    assert!(plain.is_ascii(), "{plain}");
    // The JSON of the failing test, without its captured output (the server's log lines).
    report.tests.retain(|t| t.status != TestStatus::Passed);
    for test in &mut report.tests {
        test.output.clear();
    }
    let json = serde_json::to_string_pretty(&report).unwrap();
    insta::assert_snapshot!("failed_http_check_json", steady(&json));
}

#[test]
fn ids_handed_out_twice_under_concurrency_fail_stage_3() {
    grades_as_described("racy-ids");
}

#[test]
fn a_shop_that_oversells_under_concurrency_fails_stage_5() {
    grades_as_described("oversells");
}

#[test]
fn a_server_that_forgets_on_restart_fails_stage_5() {
    grades_as_described("forgets-on-restart");
}

#[test]
fn a_server_that_drops_the_request_in_flight_fails_stage_6() {
    grades_as_described("drops-in-flight");
}

/// Class grading of a server exercise: the program builds and runs inside the sandbox, where
/// it can still listen on loopback and the hidden tests reach it; a half-done program passes
/// stage 1 and is stopped at stage 2.
#[test]
fn a_server_exercise_is_graded_in_stages_inside_the_sandbox() {
    if common::find_program("bwrap").is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install bubblewrap for --sandbox"
        );
        eprintln!("note: bubblewrap is not installed; the sandboxed server grade is skipped here");
        return;
    }
    let course = common::staged_course_with(Some("greets-everyone"));
    let report = course.path().join("report.json");
    let (code, out, err) = common::run(
        common::workbook_on(course.path())
            .args([
                "grade",
                "hello-server",
                "--sandbox",
                "--format",
                "json",
                "--out",
            ])
            .arg(&report),
    );
    assert_eq!(code, Some(1), "stage 2 fails: {out}{err}");
    let report: Report = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(report.current_stage.as_deref(), Some("greet"), "{report:?}");
    let statuses: Vec<_> = report
        .stages
        .iter()
        .map(|s| (s.id.as_str(), s.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("health", grade::StageStatus::Passed),
            ("greet", grade::StageStatus::Failed)
        ]
    );
}

/// A program under test that replaces the hidden test binaries of a later stage while its
/// own stage runs: the grade stops with an error naming the binary instead of running the
/// fake, and no grade passes, the next one included.
#[test]
fn a_program_that_replaces_test_binaries_never_passes() {
    let course = common::staged_course_alone(Some("replaces-test-binaries"));
    for attempt in ["first", "second"] {
        let (code, out, err) =
            common::run(common::workbook_on(course.path()).args(["grade", "hello-server"]));
        assert_ne!(code, Some(0), "the {attempt} grade passed: {out}{err}");
        assert!(
            err.contains("changed while the grade ran") && err.contains("greet-"),
            "the {attempt} grade names the replaced binary: {out}{err}"
        );
    }
    let (_, progress, _) = common::run(common::workbook_on(course.path()).arg("progress"));
    assert!(
        progress.contains("hello-server: not graded"),
        "no grade was recorded: {progress}"
    );
}
