//! The instructor's workflow: scaffolding, private hidden tests, publishing, gradebooks.

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::{copy_dir, fixtures, root};

fn workbook(course: &Path) -> Command {
    let mut cmd = Command::cargo_bin("workbook").unwrap();
    cmd.arg("--course").arg(course).env_remove("WORKBOOK_DB");
    cmd
}

fn stdout(cmd: &mut Command) -> (Option<i32>, String, String) {
    let output = cmd.output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Every file under `dir`, relative, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    found.sort();
    found
}

#[test]
fn scaffolding_one_of_each_kind_keeps_check_and_verify_clean() {
    let course = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("base"), course.path());
    let (code, out, err) =
        stdout(workbook(course.path()).args(["new", "lesson", "event-sourcing", "--after", "1"]));
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("created  lessons/02-event-sourcing.md"),
        "{out}"
    );
    assert!(
        out.contains("renamed  lessons/02-next.md -> lessons/03-next.md"),
        "{out}"
    );
    let intro = std::fs::read_to_string(course.path().join("lessons/01-intro.md")).unwrap();
    assert!(
        intro.contains("(03-next.md#status-codes)"),
        "links follow the renamed lesson: {intro}"
    );

    let (code, out, err) = stdout(workbook(course.path()).args([
        "new",
        "quiz",
        "event-sourcing",
        "--lesson",
        "event-sourcing",
    ]));
    assert_eq!(code, Some(0), "{out}{err}");
    let (code, out, err) = stdout(workbook(course.path()).args([
        "new",
        "exercise",
        "event-log",
        "--lesson",
        "event-sourcing",
    ]));
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("workbook verify event-log"),
        "it says what to do next: {out}"
    );
    let lesson =
        std::fs::read_to_string(course.path().join("lessons/02-event-sourcing.md")).unwrap();
    assert!(lesson.contains("quiz = \"event-sourcing\""), "{lesson}");
    assert!(lesson.contains("exercises = [\"event-log\"]"), "{lesson}");
    assert!(
        lesson.contains("(../exercises/event-log/README.md)"),
        "the lesson links the exercise"
    );

    let (code, out, _) = stdout(workbook(course.path()).arg("check"));
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(out, "course is clean: 3 lessons, 3 quizzes, 2 exercises\n");
    let (code, out, err) = stdout(workbook(course.path()).args(["verify", "event-log"]));
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("ok: fails 2 of 2 tests") && out.contains("ok: passes 2 of 2 tests"),
        "{out}"
    );
}

#[test]
fn bad_scaffolds_are_refused_with_one_sentence_and_write_nothing() {
    let course = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("base"), course.path());
    let before = listing(course.path());
    let cases: [(&[&str], &str); 6] = [
        (&["new", "lesson", "Event_Sourcing"], "is not kebab-case"),
        (&["new", "lesson", "intro"], "already exists"),
        (
            &["new", "lesson", "later", "--after", "9"],
            "there is no lesson number 9",
        ),
        (
            &["new", "quiz", "extra", "--lesson", "nope"],
            "there is no lesson `nope`",
        ),
        (
            &["new", "quiz", "extra", "--lesson", "intro"],
            "already has quiz `intro`",
        ),
        (
            &["new", "exercise", "hello", "--lesson", "intro"],
            "exercises/hello already exists",
        ),
    ];
    for (args, message) in cases {
        let (code, out, err) = stdout(workbook(course.path()).args(args));
        assert_eq!(code, Some(2), "{args:?}: {out}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one sentence: {err}");
    }
    let (code, _, err) = stdout(workbook(course.path()).args(["new", "quiz"]));
    assert_eq!(code, Some(2), "a missing slug is a usage error: {err}");
    assert_eq!(listing(course.path()), before, "nothing was written");
}

#[test]
fn hidden_tests_can_live_in_a_private_grader_folder() {
    let public = tempfile::tempdir().unwrap();
    let private = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("grading"), public.path());
    std::fs::rename(public.path().join("grader"), private.path().join("grader")).unwrap();
    let grader = private.path().join("grader");

    let (code, out, _) = stdout(workbook(public.path()).arg("check"));
    assert_eq!(
        code,
        Some(1),
        "without the grader folder the course is incomplete: {out}"
    );
    let (code, out, _) = stdout(
        workbook(public.path())
            .arg("--grader-dir")
            .arg(&grader)
            .arg("check"),
    );
    assert_eq!(code, Some(0), "{out}");
    let (code, out, err) = stdout(
        workbook(public.path())
            .arg("--grader-dir")
            .arg(&grader)
            .args(["verify", "greeter"]),
    );
    assert_eq!(code, Some(0), "{out}{err}");
    let (code, out, _) = stdout(
        workbook(public.path())
            .arg("--grader-dir")
            .arg(&grader)
            .args(["grade", "greeter"]),
    );
    assert_eq!(
        code,
        Some(1),
        "the stub fails the private hidden tests: {out}"
    );
    assert!(out.contains("Guest 7 is greeted by number."), "{out}");
    let _ = root();
}

#[test]
fn the_published_learner_edition_has_no_solution_and_checks_clean() {
    let out = tempfile::tempdir().unwrap();
    let edition = out.path().join("edition");
    let (code, stdout_text, err) = stdout(workbook(root()).arg("publish").arg(&edition));
    assert_eq!(code, Some(0), "{stdout_text}{err}");
    let files = listing(&edition);
    assert!(files.iter().any(|f| f.starts_with("grader/rate-limiter/tests/")), "hidden tests are published");
    assert!(!files.iter().any(|f| f.contains("solution")), "no solution file: {files:?}");
    assert!(!files.iter().any(|f| f.starts_with("tests/")), "the mutants (solution variants) stay behind");
    // No file of the edition holds a reference solution's code under another name.
    for exercise in ["rate-limiter", "cache-aside", "rest-handlers", "dataloader"] {
        let solution = std::fs::read_to_string(root().join(format!("grader/{exercise}/solution/src/lib.rs"))).unwrap();
        for file in &files {
            let text = std::fs::read_to_string(edition.join(file)).unwrap_or_default();
            assert_ne!(text, solution, "{file} is the {exercise} solution");
        }
    }
    let (code, check, _) = stdout(workbook(&edition).arg("check"));
    assert_eq!(code, Some(0), "{check}");
    assert!(check.starts_with("course is clean: 10 lessons, 10 quizzes, 4 exercises"), "{check}");

    let (code, _, err) = stdout(workbook(root()).arg("publish").arg(&edition));
    assert_eq!(code, Some(2), "publishing over an edition is refused");
    assert!(err.contains("already exists and is not empty"), "{err}");
}

#[test]
fn verify_in_a_learner_edition_says_the_solutions_are_absent() {
    let course = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("grading"), course.path());
    let edition = tempfile::tempdir().unwrap();
    let target = edition.path().join("greeter-course");
    let (code, out, err) = stdout(workbook(course.path()).arg("publish").arg(&target));
    assert_eq!(code, Some(0), "{out}{err}");
    let (code, out, err) = stdout(workbook(&target).args(["verify", "greeter"]));
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("the reference solutions are not present"), "{out}");
    assert!(out.contains("not present (learner edition)"), "{out}");
}
