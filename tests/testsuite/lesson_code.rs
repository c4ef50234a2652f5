//! `workbook check --code`: the Rust blocks of lessons compile and run, and a broken one is
//! reported at its line in the lesson.

use crate::common::{fixture_copy, root, workbook_on};

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
        ],
        "{stdout}"
    );
    assert!(
        stdout.contains("ParseIntError"),
        "the panic is shown: {stdout}"
    );
    assert!(stdout.contains("3 errors and 0 warnings"), "{stdout}");

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
