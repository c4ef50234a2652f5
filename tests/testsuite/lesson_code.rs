//! `workbook check --code`: the Rust blocks of lessons compile and run, and a broken one is
//! reported at its line in the lesson.

use crate::common::{fixture_copy, root, run, workbook_on};

#[test]
fn broken_blocks_are_reported_at_their_lesson_line() {
    let course = fixture_copy("lesson-code");
    let output = workbook_on(course.path())
        .args(["check", "--code"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let headlines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("lessons/"))
        .collect();
    assert_eq!(
        headlines,
        [
            "lessons/01-examples.md:28: error[code-does-not-compile]: error[E0308]: mismatched types",
            "lessons/01-examples.md:36: error[code-fails]: the example's `main` failed (mark it `rust,no_run` if it must not run):",
            "lessons/01-examples.md:61: error[code-fails]: the example's test `doubles` failed (mark it `rust,no_run` if it must not run):",
            "lessons/01-examples.md:82: error[code-fails]: the example is marked `compile_fail`, but it compiles: show the mistake it is about, or drop the mark",
            "lessons/01-examples.md:99: error[code-fails]: the example is marked `should_panic`, but its `main` does not panic (show the mistake it is about, or drop the mark):",
        ],
        "{stdout}"
    );
    assert!(
        stdout.contains("ParseIntError"),
        "the panic is shown: {stdout}"
    );
    assert!(stdout.contains("5 errors and 0 warnings"), "{stdout}");

    // Plain `check` does not compile anything, so the same course is clean without --code.
    workbook_on(course.path()).arg("check").assert().success();
}

#[test]
fn every_rust_block_of_the_real_course_compiles_and_runs() {
    let output = workbook_on(root())
        .args(["check", "--code"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.starts_with("course is clean:"), "{stdout}");
}

/// `workbook run` lists a lesson's examples and runs one as the page does, judged against
/// its mark; `workbook example` writes one as a project that Cargo builds and runs alone.
#[test]
fn examples_run_from_the_terminal_and_stand_alone_as_projects() {
    let course = fixture_copy("lesson-code");
    let (code, listed, _) = run(workbook_on(course.path()).args(["run", "examples"]));
    assert_eq!(code, Some(0), "{listed}");
    assert!(listed.contains("   1. line 12   fn main"), "{listed}");
    assert!(
        listed.contains("[Does not compile, on purpose]"),
        "{listed}"
    );
    assert_eq!(listed.matches("line ").count(), 9, "{listed}");

    let (code, printed, said) = run(workbook_on(course.path()).args(["run", "examples", "8"]));
    assert_eq!(code, Some(0), "it panics, as marked: {said}");
    assert!(printed.contains("index out of bounds"), "{printed}");
    assert!(
        said.contains("It panicked (exit status 101). That is the mistake this example shows."),
        "{said}"
    );
    let (code, _, said) = run(workbook_on(course.path()).args(["run", "examples", "3"]));
    assert_eq!(code, Some(1), "it panics, and is not marked to: {said}");
    let (code, _, said) = run(workbook_on(course.path()).args(["run", "examples", "2"]));
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains("--> example.rs:6:"),
        "the error at the example's line: {said}"
    );
    let (code, _, said) = run(workbook_on(course.path()).args(["run", "examples", "12"]));
    assert_eq!(code, Some(2));
    assert!(
        said.contains(
            "lesson `examples` has 9 runnable example(s), numbered from 1; there is no example 12"
        ),
        "{said}"
    );

    let out = course.path().join("play");
    let (code, wrote, said) = run(workbook_on(course.path())
        .args(["example", "examples", "1", "--out"])
        .arg(&out));
    assert_eq!(code, Some(0), "{wrote}{said}");
    let main = std::fs::read_to_string(out.join("src/main.rs")).unwrap();
    assert!(
        main.starts_with("use std::collections::HashMap;\n"),
        "hidden lines included: {main}"
    );
    let built = std::process::Command::new(std::env::var("CARGO").unwrap_or("cargo".into()))
        .args(["run", "--quiet", "--offline"])
        .current_dir(&out)
        .env("CARGO_TARGET_DIR", course.path().join("play-target"))
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let (code, _, said) = run(workbook_on(course.path())
        .args(["example", "examples", "1", "--out"])
        .arg(&out));
    assert_eq!(code, Some(2));
    assert!(
        said.contains("is not empty; name a new or empty folder"),
        "{said}"
    );
}
