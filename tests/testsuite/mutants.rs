//! The hidden tests catch the mistakes learners are most likely to make: every deliberately
//! wrong variant of a reference solution in `tests/fixtures/mutants/<slug>/` fails at least
//! one hidden test.

use std::path::{Path, PathBuf};

use workbook::course::Course;
use workbook::grade::{TestStatus, Workdir};

use crate::common::{self, copy_dir, grade_dir, loaded, root};

#[test]
fn every_mutant_fails_at_least_one_hidden_test() {
    common::supervise_with_workbook();
    let root = root();
    let course = loaded(root);
    let workdir = Workdir::of(&course);
    let mutants_root = root.join("tests/fixtures/mutants");
    let mut slugs: Vec<PathBuf> = std::fs::read_dir(&mutants_root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    slugs.sort();
    assert!(
        !slugs.is_empty(),
        "no mutants under {}",
        mutants_root.display()
    );

    let mut survivors = Vec::new();
    for dir in slugs {
        let slug = dir.file_name().unwrap().to_string_lossy().into_owned();
        let exercise = course
            .exercises
            .get(slug.as_str())
            .unwrap_or_else(|| panic!("mutants for unknown exercise {slug}"));
        let mut mutants: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        mutants.sort();
        assert!(
            mutants.len() >= 8,
            "{slug} has only {} mutants",
            mutants.len()
        );
        // Every mutant names its rules; the sample of them is graded.
        let sampled = sample(mutants.clone());
        let scratch = tempfile::tempdir().unwrap();
        let crate_dir = scratch.path().join(&slug);
        copy_dir(
            &root.join(&exercise.grader_dir).join("solution"),
            &crate_dir,
        );
        let graded: Vec<String> = exercise
            .rules
            .as_ref()
            .map(|map| map.graded.iter().map(|r| r.id.clone()).collect())
            .unwrap_or_default();
        for mutant in mutants {
            // Each mutant names the graded rules its mistake breaks.
            let text = std::fs::read_to_string(&mutant).unwrap();
            let rules: Vec<&str> = text
                .lines()
                .take_while(|l| l.starts_with("//!"))
                .find_map(|l| l.trim_start_matches("//!").trim().strip_prefix("Rules:"))
                .map(|list| {
                    list.trim()
                        .trim_end_matches('.')
                        .split(',')
                        .map(str::trim)
                        .collect()
                })
                .unwrap_or_default();
            assert!(
                !rules.is_empty() && rules.iter().all(|id| graded.iter().any(|g| g == id)),
                "{} must name the graded rules it breaks (`//! Rules: id, ...`), from {slug}'s rules.toml: {rules:?}",
                mutant.display()
            );
            if !sampled.contains(&mutant) {
                continue;
            }
            let report = grade_lib(&course, exercise, &workdir, &crate_dir, &mutant);
            assert!(
                report.compile_errors.is_empty(),
                "mutant {} does not compile: {:?}",
                mutant.display(),
                report.compile_errors
            );
            let caught = report
                .tests
                .iter()
                .filter(|t| t.status != TestStatus::Passed)
                .count();
            if caught == 0 {
                survivors.push(mutant.display().to_string());
            }
        }
    }
    assert!(
        survivors.is_empty(),
        "mutants that pass every hidden test: {survivors:#?}"
    );
}

/// How many of an exercise's mutants `cargo test` grades, unless `WORKBOOK_ALL_MUTANTS=1`.
///
/// Each grade rebuilds the crate and relinks every hidden-test binary (a second or two), and
/// the course has hundreds of mutants: grading them all takes longer than the rest of the
/// suite together. `.ci/run` grades every one in a step of its own.
const SAMPLED_MUTANTS: usize = 8;

/// Every mutant with `WORKBOOK_ALL_MUTANTS=1`; otherwise `SAMPLED_MUTANTS` of them spread
/// evenly over the sorted list, the same ones on every run.
fn sample(mutants: Vec<PathBuf>) -> Vec<PathBuf> {
    let all = std::env::var("WORKBOOK_ALL_MUTANTS").is_ok_and(|v| v == "1");
    if all || mutants.len() <= SAMPLED_MUTANTS {
        return mutants;
    }
    let step = mutants.len() as f64 / SAMPLED_MUTANTS as f64;
    (0..SAMPLED_MUTANTS)
        .map(|i| mutants[(i as f64 * step) as usize].clone())
        .collect()
}

/// Stricter hidden tests must not reject correct work written differently: each solution in
/// `tests/fixtures/alternatives/<slug>/<style>/src/lib.rs`, written from the README alone by
/// someone who never saw the reference or the tests, passes every hidden test.
#[test]
fn every_alternative_solution_passes_every_hidden_test() {
    common::supervise_with_workbook();
    let root = root();
    let course = loaded(root);
    let workdir = Workdir::of(&course);
    let alternatives = root.join("tests/fixtures/alternatives");
    let Ok(slugs) = std::fs::read_dir(&alternatives) else {
        panic!("no alternatives under {}", alternatives.display());
    };
    let mut graded = 0;
    let mut rejected = Vec::new();
    for slug_dir in slugs.map(|e| e.unwrap().path()) {
        let slug = slug_dir.file_name().unwrap().to_string_lossy().into_owned();
        let exercise = &course.exercises[slug.as_str()];
        for style in std::fs::read_dir(&slug_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
        {
            let scratch = tempfile::tempdir().unwrap();
            let crate_dir = scratch.path().join(&slug);
            copy_dir(&root.join(&exercise.stub_dir), &crate_dir);
            let report = grade_lib(
                &course,
                exercise,
                &workdir,
                &crate_dir,
                &style.join("src/lib.rs"),
            );
            graded += 1;
            if !report.passed() {
                let failed: Vec<String> = report
                    .tests
                    .iter()
                    .filter(|t| t.status != TestStatus::Passed)
                    .map(|t| format!("{}: {}", t.name, t.message.clone().unwrap_or_default()))
                    .collect();
                rejected.push(format!(
                    "{}: {:?} {failed:#?}",
                    style.display(),
                    report.compile_errors
                ));
            }
        }
    }
    assert!(graded > 0, "no alternative solution found");
    assert!(rejected.is_empty(), "correct work rejected: {rejected:#?}");
}

/// Puts `lib` in as `crate_dir`'s `src/lib.rs` and grades the crate.
fn grade_lib(
    course: &Course,
    exercise: &workbook::course::Exercise,
    workdir: &Workdir,
    crate_dir: &Path,
    lib: &Path,
) -> workbook::grade::Report {
    std::fs::copy(lib, crate_dir.join("src/lib.rs")).unwrap();
    grade_dir(course, exercise, crate_dir, workdir).0
}
