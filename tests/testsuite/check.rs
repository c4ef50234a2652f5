//! `workbook check` on the real course and on one broken course per kind of problem.

use std::path::PathBuf;

use crate::common::{fixtures, root, workbook, workbook_in, workbook_on};

/// Each `tests/fixtures/broken/<code>[--variant]` course holds exactly one kind of problem.
fn broken_courses() -> Vec<(String, PathBuf)> {
    let mut courses: Vec<(String, PathBuf)> = std::fs::read_dir(fixtures().join("broken"))
        .expect("tests/fixtures/broken exists")
        .map(|entry| {
            let entry = entry.expect("fixture entry is readable");
            (
                entry.file_name().to_string_lossy().into_owned(),
                entry.path(),
            )
        })
        .collect();
    courses.sort();
    courses
}

#[test]
fn the_real_course_is_clean() {
    let output = workbook_on(root()).arg("check").output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the course has problems:\n{stdout}"
    );
    assert!(stdout.starts_with("course is clean:"), "{stdout}");
}

#[test]
fn the_base_fixture_is_clean() {
    workbook_on(&fixtures().join("base"))
        .arg("check")
        .assert()
        .success()
        .stdout("course is clean: 2 lessons, 2 quizzes, 1 exercise\n");
}

#[test]
fn every_broken_fixture_is_reported_with_its_code() {
    let courses = broken_courses();
    assert!(
        courses.len() >= 20,
        "only {} broken fixtures",
        courses.len()
    );
    for (name, dir) in courses {
        let code = name.split("--").next().unwrap_or(&name).to_string();
        let output = workbook_on(&dir).arg("check").output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            stdout.contains(&format!("[{code}]: ")),
            "fixture {name} did not report {code}:\n{stdout}"
        );
        // Warnings alone leave the course usable: `check` succeeds.
        let warning = ["orphan-quiz", "keys-clustered"].contains(&code.as_str());
        let expected_exit = if warning { 0 } else { 1 };
        assert_eq!(
            output.status.code(),
            Some(expected_exit),
            "fixture {name} exit status:\n{stdout}"
        );
        insta::assert_snapshot!(name.clone(), stdout);
    }
}

#[test]
fn json_output_names_file_line_code_and_message() {
    let output = workbook_on(&fixtures().join("broken/answer-out-of-range"))
        .args(["check", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["version"], 1);
    assert_eq!(report["clean"], false);
    let first = &report["diagnostics"][0];
    assert_eq!(first["file"], "quizzes/intro.toml");
    assert_eq!(first["line"], 16);
    assert_eq!(first["code"], "answer-out-of-range");
    assert_eq!(first["severity"], "error");
    insta::assert_json_snapshot!("check_json__answer_out_of_range", report);
}

#[test]
fn json_output_of_a_clean_course_has_no_diagnostics() {
    let output = workbook_on(&fixtures().join("base"))
        .args(["check", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["clean"], true);
    assert_eq!(report["diagnostics"].as_array().map(Vec::len), Some(0));
    assert_eq!(report["summary"]["lessons"], 2);
}

#[test]
fn a_missing_course_folder_is_a_clear_error() {
    workbook()
        .args(["--course", "/definitely/not/here", "check"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "cannot read the course folder /definitely/not/here",
        ));
}

#[test]
fn check_finds_the_course_from_inside_an_exercise_folder() {
    workbook_in(&fixtures().join("base/exercises/hello/src"))
        .arg("check")
        .assert()
        .success()
        .stdout("course is clean: 2 lessons, 2 quizzes, 1 exercise\n");
}

#[test]
fn side_files_of_editors_and_systems_are_not_course_content() {
    // Emacs lock link and autosave, Vim swap and backup, macOS and Windows files, a patch's
    // .orig, a JetBrains temporary, exercises/.cargo and an IDE folder under grader/.
    assert_clean("side-files", "side_files_course");
}

#[test]
fn tricky_headings_get_githubs_ids_and_links_to_them_check_clean() {
    // Repeated headings, a heading that equals an earlier numbered one, punctuation-only
    // headings, emoji, Cyrillic and Japanese, and headings named like the page's own parts.
    assert_clean("headings", "headings_course");
}

#[test]
fn a_course_in_several_scripts_checks_clean() {
    assert_clean("search", "search_course");
}

/// `workbook check` on fixture course `fixture` is clean; its output is snapshot `snapshot`.
fn assert_clean(fixture: &str, snapshot: &str) {
    let output = workbook_on(&fixtures().join(fixture))
        .arg("check")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{stdout}");
    insta::assert_snapshot!(snapshot, stdout);
}
