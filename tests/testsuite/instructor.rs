//! The instructor's workflow: scaffolding, private hidden tests, publishing, verify.

use std::path::Path;

use crate::common::{self, fixture_copy, root, run, workbook_on};

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
    let course = fixture_copy("base");
    let (code, out, err) =
        run(workbook_on(course.path()).args(["new", "lesson", "event-sourcing", "--after", "1"]));
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

    let (code, out, err) = run(workbook_on(course.path()).args([
        "new",
        "quiz",
        "event-sourcing",
        "--lesson",
        "event-sourcing",
    ]));
    assert_eq!(code, Some(0), "{out}{err}");
    let (code, out, err) = run(workbook_on(course.path()).args([
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

    let (code, out, _) = run(workbook_on(course.path()).arg("check"));
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(out, "course is clean: 3 lessons, 3 quizzes, 2 exercises\n");
    let (code, out, err) = run(workbook_on(course.path()).args(["verify", "event-log"]));
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("ok: fails 2 of 2 tests") && out.contains("ok: passes 2 of 2 tests"),
        "{out}"
    );
    // In colour the cells are green (padded first, so the columns still line up); plain
    // is the same table, ASCII only.
    let (_, coloured, _) =
        run(workbook_on(course.path()).args(["verify", "event-log", "--color", "always"]));
    assert!(
        coloured.contains("\u{1b}[32mok: fails 2 of 2 tests"),
        "{coloured:?}"
    );
    let (_, plain, err) = run(workbook_on(course.path()).args(["verify", "event-log", "--plain"]));
    assert_eq!(plain, out);
    assert!(plain.is_ascii() && err.is_ascii(), "{plain}{err}");
}

#[test]
fn bad_scaffolds_are_refused_with_one_sentence_and_write_nothing() {
    let course = fixture_copy("base");
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
        let (code, out, err) = run(workbook_on(course.path()).args(args));
        assert_eq!(code, Some(2), "{args:?}: {out}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one sentence: {err}");
    }
    for kind in ["lesson", "exercise"] {
        let (code, _, err) = run(workbook_on(course.path()).args(["new", kind]));
        assert_eq!(code, Some(2), "a missing slug: {err}");
        assert!(
            err.contains(&format!("name the new {kind}, e.g. `workbook new {kind} ")),
            "{err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "one sentence: {err}");
    }
    assert_eq!(listing(course.path()), before, "nothing was written");
}

#[test]
fn hidden_tests_can_live_in_a_private_grader_folder() {
    let public = fixture_copy("grading");
    let private = tempfile::tempdir().unwrap();
    std::fs::rename(public.path().join("grader"), private.path().join("grader")).unwrap();
    let grader = private.path().join("grader");

    let (code, out, _) = run(workbook_on(public.path()).arg("check"));
    assert_eq!(
        code,
        Some(1),
        "without the grader folder the course is incomplete: {out}"
    );
    let (code, out, _) = run(workbook_on(public.path())
        .arg("--grader-dir")
        .arg(&grader)
        .arg("check"));
    assert_eq!(code, Some(0), "{out}");
    let (code, out, err) = run(workbook_on(public.path())
        .arg("--grader-dir")
        .arg(&grader)
        .args(["verify", "greeter"]));
    assert_eq!(code, Some(0), "{out}{err}");
    let (code, out, _) = run(workbook_on(public.path())
        .arg("--grader-dir")
        .arg(&grader)
        .args(["grade", "greeter"]));
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
    let (code, stdout_text, err) = run(workbook_on(root()).arg("publish").arg(&edition));
    assert_eq!(code, Some(0), "{stdout_text}{err}");
    let files = listing(&edition);
    assert!(
        files
            .iter()
            .any(|f| f.starts_with("grader/rate-limiter/tests/")),
        "hidden tests are published"
    );
    assert!(
        !files.iter().any(|f| f.contains("solution")),
        "no solution file: {files:?}"
    );
    assert!(
        !files.iter().any(|f| f.starts_with("tests/")),
        "the mutants (solution variants) stay behind"
    );
    // No file of the edition holds a reference solution's code under another name.
    for (exercise, root_file) in [
        ("rate-limiter", "lib.rs"),
        ("cache-aside", "lib.rs"),
        ("rest-handlers", "lib.rs"),
        ("dataloader", "lib.rs"),
        ("task-api", "main.rs"),
        ("shop", "main.rs"),
    ] {
        let solution = std::fs::read_to_string(
            root().join(format!("grader/{exercise}/solution/src/{root_file}")),
        )
        .unwrap();
        for file in &files {
            let text = std::fs::read_to_string(edition.join(file)).unwrap_or_default();
            assert_ne!(text, solution, "{file} is the {exercise} solution");
        }
    }
    // What grading needs on a learner's machine: the server exercises' support crate, and
    // the rule maps that put the README's rule and the lesson section on a failure card.
    for needed in [
        "grader/support/src/lib.rs",
        "grader/task-api/rules.toml",
        "grader/shop/rules.toml",
    ] {
        assert!(
            files.iter().any(|f| f == needed),
            "{needed} is published: {files:?}"
        );
    }
    let (code, check, _) = run(workbook_on(&edition).arg("check"));
    assert_eq!(code, Some(0), "{check}");
    // The edition holds every lesson, quiz and exercise of the course it came from.
    let course = crate::common::loaded(root());
    let expected = format!(
        "course is clean: {} lessons, {} quizzes, {} exercises",
        course.lessons.len(),
        course.quizzes.len(),
        course.exercises.len()
    );
    assert!(check.starts_with(&expected), "{check}");

    let (code, _, err) = run(workbook_on(root()).arg("publish").arg(&edition));
    assert_eq!(code, Some(2), "publishing over an edition is refused");
    assert!(err.contains("already exists and is not empty"), "{err}");
}

#[test]
fn verify_in_a_learner_edition_says_the_solutions_are_absent() {
    let course = fixture_copy("grading");
    let edition = tempfile::tempdir().unwrap();
    let target = edition.path().join("greeter-course");
    let (code, out, err) = run(workbook_on(course.path()).arg("publish").arg(&target));
    assert_eq!(code, Some(0), "{out}{err}");
    let (code, out, err) = run(workbook_on(&target).args(["verify", "greeter"]));
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("the reference solutions are not present"),
        "{out}"
    );
    assert!(out.contains("not present (learner edition)"), "{out}");
}

#[test]
fn verify_runs_stubs_and_solutions_in_the_sandbox_too() {
    if common::find_program("bwrap").is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install bubblewrap"
        );
        eprintln!("note: bubblewrap is not installed; verify --sandbox is not tried here");
        return;
    }
    let course = fixture_copy("grading");
    let (code, out, err) = run(workbook_on(course.path()).args(["verify", "--sandbox"]));
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("counter   ok: fails 5 of 5 tests"), "{out}");
    assert!(out.contains("ok: passes 5 of 5 tests"), "{out}");
}

#[test]
fn verify_mutants_lists_what_the_hidden_tests_miss_until_a_reason_is_given() {
    if common::find_program("cargo-mutants").is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install cargo-mutants"
        );
        eprintln!("note: cargo-mutants is not installed; verify --mutants is not tried here");
        return;
    }
    let course = fixture_copy("grading");
    // Without its parity test, counter's hidden tests miss every mistake in `parity`.
    let tests = course.path().join("grader/counter/tests/functions.rs");
    let text = std::fs::read_to_string(&tests).unwrap();
    let cut = text.find("/// 4 is even.").expect("the parity test");
    std::fs::write(&tests, &text[..cut]).unwrap();

    let (code, out, err) = run(workbook_on(course.path()).args(["verify", "--mutants", "counter"]));
    assert_eq!(code, Some(1), "{out}{err}");
    let missed: Vec<&str> = out
        .lines()
        .filter(|l| l.trim_start().starts_with("src/lib.rs:"))
        .map(str::trim)
        .collect();
    assert!(!missed.is_empty(), "{out}");
    assert!(
        missed
            .iter()
            .all(|m| m.contains("in parity") || m.contains("replace parity")),
        "{out}"
    );
    assert!(out.contains("mutants-equivalent.toml"), "{out}");

    // Listed with a reason, they no longer fail the check (a reason is required).
    let entries: String = missed
        .iter()
        .map(|m| {
            format!(
                "[[equivalent]]\nmutant = {m:?}\nwhy = \"parity is not graded in this fixture\"\n\n"
            )
        })
        .collect();
    let equivalents = course.path().join("grader/counter/mutants-equivalent.toml");
    std::fs::write(
        &equivalents,
        entries.replace("why = \"parity", "why = \"\" # parity"),
    )
    .unwrap();
    let (code, _, err) = run(workbook_on(course.path()).args(["verify", "--mutants", "counter"]));
    assert_eq!(code, Some(2), "a blank reason is refused: {err}");
    assert!(err.contains("gives no reason"), "{err}");
    std::fs::write(&equivalents, entries).unwrap();
    let (code, out, err) = run(workbook_on(course.path()).args(["verify", "--mutants", "counter"]));
    assert_eq!(code, Some(0), "{out}{err}");
    let row = out.lines().find(|l| l.starts_with("counter")).unwrap();
    let numbers: Vec<usize> = row
        .split_whitespace()
        .skip(1)
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(numbers[2], 0, "nothing missed: {row}");
    assert_eq!(numbers[3], missed.len(), "the equivalents: {row}");
}
