//! Feedback that teaches, as a learner sees it in the terminal: the README rule a failing
//! test checks, expected and actual labelled by the assertion helper, the hint for what
//! fails offered first, and the review beside the reference once an exercise passes.

use std::path::Path;

use crate::common::{copy_dir, grading_course_with, root, run, workbook_in};

/// The acceptance card of a partly failing grade, in the terminal and in JSON: failures
/// first, each with its rule, the lesson section to read, and a message that labels expected
/// and actual (the hidden tests use the course's `expect_eq!`), or the learner's own line
/// when their code panicked.
#[test]
fn a_partly_failing_grade_labels_expected_and_actual() {
    let course = course_with_a_rule_map();
    let dir = course.path();
    copy_dir(
        &root().join("grader/support/expect"),
        &dir.join("grader/support/expect"),
    );
    // The assertion helper's dependencies compile once for every run of this test.
    let shared = Path::new(env!("CARGO_TARGET_TMPDIR")).join("expect-target");
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::create_dir_all(dir.join(".workbook")).unwrap();
    std::os::unix::fs::symlink(&shared, dir.join(".workbook/target")).unwrap();
    let tests = dir.join("grader/counter/tests/functions.rs");
    let source = std::fs::read_to_string(&tests).unwrap();
    let source = format!(
        "use expect::expect_eq;\n\n{}",
        source.replace("assert_eq!", "expect_eq!")
    );
    std::fs::write(&tests, source).unwrap();
    // A second mistake, in a value this time: the count goes down to 0, not 1.
    let learner = dir.join("exercises/counter/src/lib.rs");
    let code = std::fs::read_to_string(&learner).unwrap();
    let code = code.replace("(1..=n).rev().collect()", "(0..n).rev().collect()");
    std::fs::write(&learner, code).unwrap();

    let (code, human, stderr) = run(workbook_in(dir).args(["grade", "counter"]));
    assert_eq!(code, Some(1), "{human}{stderr}");
    insta::with_settings!({filters => vec![
        (r"\(\d+ ms\)", "([ms])"),
        (r"compile \d+\.\d s, tests \d+\.\d s", "compile [s], tests [s]"),
    ]}, {
        insta::assert_snapshot!("feedback_card_partly_failing", human);
    });
    assert!(
        human.contains("      expected: [3, 2, 1]\n      actual:   [2, 1, 0]"),
        "labelled, not left and right: {human}"
    );

    let (_, json, _) = run(workbook_in(dir).args(["grade", "counter", "--format", "json"]));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    insta::assert_json_snapshot!("feedback_card_partly_failing_json", report, {
        ".compile_ms" => "[ms]",
        ".test_ms" => "[ms]",
        ".tests[].duration_ms" => "[ms]",
        ".tests[].output" => "[output]",
    });
    assert_eq!(
        report["rule_notes"]["add-sums"]["read"], "/lessons/basics#basics",
        "{json}"
    );
    the_same_grade_reads_plainly(dir, &human);
}

/// The grade of [`a_partly_failing_grade_labels_expected_and_actual`] with `--plain` (words
/// for marks, ASCII only, every test on a line) and with `NO_COLOR` (no escape codes, even
/// when `CLICOLOR_FORCE` asks for colour in a pipe); `--color always` still wins over
/// `NO_COLOR`, as an explicit flag should.
fn the_same_grade_reads_plainly(dir: &Path, human: &str) {
    let filters = vec![
        (r"\(\d+ ms\)", "([ms])"),
        (
            r"compile \d+\.\d s, tests \d+\.\d s",
            "compile [s], tests [s]",
        ),
    ];
    let (code, plain, stderr) = run(workbook_in(dir)
        .args(["grade", "counter", "--plain"])
        .env("CLICOLOR_FORCE", "1"));
    assert_eq!(code, Some(1), "{plain}{stderr}");
    insta::with_settings!({filters => filters.clone()}, {
        insta::assert_snapshot!("grade_plain", plain);
    });
    assert!(
        plain.is_ascii(),
        "symbols or emoji in plain output: {plain}"
    );
    let tests: Vec<&str> = plain
        .lines()
        .filter(|l| l.starts_with("PASS ") || l.starts_with("FAIL "))
        .collect();
    assert_eq!(
        tests.len(),
        5,
        "one line per test, passing ones too: {plain}"
    );
    assert_eq!(stderr, "building counter ...\n", "no spinner frames");

    let (_, forced, _) = run(workbook_in(dir)
        .args(["grade", "counter"])
        .env("CLICOLOR_FORCE", "1"));
    assert!(
        forced.contains("\u{1b}[31m✗\u{1b}[0m"),
        "coloured marks: {forced:?}"
    );
    let (_, no_color, _) = run(workbook_in(dir)
        .args(["grade", "counter"])
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1"));
    insta::with_settings!({filters => filters}, {
        insta::assert_snapshot!("grade_no_color", no_color);
    });
    assert!(!no_color.contains('\u{1b}'), "{no_color:?}");
    let strip = |s: &str| {
        regex::Regex::new(r"\d+ ms|\d+\.\d s")
            .unwrap()
            .replace_all(s, "#")
            .into_owned()
    };
    assert_eq!(strip(&no_color), strip(human), "the same words, uncoloured");
    let (_, flag, _) = run(workbook_in(dir)
        .args(["grade", "counter", "--color", "always"])
        .env("NO_COLOR", "1"));
    assert!(flag.contains('\u{1b}'), "--color always wins: {flag:?}");
}

#[test]
fn a_failing_test_names_the_readme_rule_it_checks() {
    let course = course_with_a_rule_map();
    let (_, check, _) = run(workbook_in(course.path()).args(["check"]));
    assert!(
        !check.contains("rules.toml"),
        "the rule map is sound: {check}"
    );

    let (code, human, _) = run(workbook_in(course.path()).args(["grade", "counter"]));
    assert_eq!(code, Some(1), "{human}");
    let failure = human
        .find("✗ Adding 2 and 3 gives 5.")
        .expect("the failure");
    let rule = human
        .find("    rule: `add` returns the sum of its two arguments.")
        .expect("the rule it checks, in the README's words");
    let read = human
        .find("    read: /lessons/basics#basics (in `workbook serve`)")
        .expect("the lesson section that teaches it");
    assert!(rule < read, "{human}");
    let message = human.find("negative numbers only").expect("the message");
    assert!(
        failure < rule && rule < message,
        "rule, then message:\n{human}"
    );
    assert!(
        !human.contains("The other functions"),
        "passing tests name no rule: {human}"
    );

    let (_, json, _) =
        run(workbook_in(course.path()).args(["grade", "counter", "--format", "json"]));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let adds = report["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"].as_str().is_some_and(|n| n.ends_with("adds")))
        .expect("the adds test");
    assert_eq!(adds["rules"], serde_json::json!(["add-sums"]));

    // A section must be a heading of the exercise's lesson.
    let rules = course.path().join("grader/counter/rules.toml");
    let text = std::fs::read_to_string(&rules)
        .unwrap()
        .replace("add-sums = \"basics\"", "add-sums = \"nowhere\"");
    std::fs::write(&rules, text).unwrap();
    let (code, check, _) = run(workbook_in(course.path()).args(["check"]));
    assert_eq!(code, Some(1), "{check}");
    assert!(
        check.contains(
            "rule `add-sums` points at section `#nowhere`, which lesson `basics` has no heading for"
        ),
        "{check}"
    );
}

/// The grading course with the "panics" learner (only `adds` fails) and a rule map: `adds`
/// checks `add-sums`, every other test checks `others`.
fn course_with_a_rule_map() -> tempfile::TempDir {
    let course = grading_course_with(Some("panics"));
    let grader = course.path().join("grader/counter");
    std::fs::write(
        grader.join("rules.toml"),
        "[graded]\nadd-sums = \"`add` returns the sum of its two arguments.\"\nothers = \"The other functions do what their names say.\"\n\n[sections]\nadd-sums = \"basics\"\n",
    )
    .unwrap();
    let tests = grader.join("tests/functions.rs");
    let source = std::fs::read_to_string(&tests).unwrap();
    let source = source
        .replace(
            "/// Adding 2 and 3 gives 5.\n",
            "/// Adding 2 and 3 gives 5.\n/// Rules: add-sums.\n",
        )
        .replace(
            "#[test]\nfn counts_down",
            "/// Rules: others.\n#[test]\nfn counts_down",
        )
        .replace(
            "#[test]\nfn recurses",
            "/// Rules: others.\n#[test]\nfn recurses",
        )
        .replace(
            "#[test]\nfn shouts",
            "/// Rules: others.\n#[test]\nfn shouts",
        )
        .replace(
            "#[test]\nfn tells_parity",
            "/// Rules: others.\n#[test]\nfn tells_parity",
        );
    std::fs::write(&tests, source).unwrap();
    course
}

#[test]
fn the_hint_offered_is_the_one_for_the_rule_that_fails() {
    let course = course_with_a_rule_map();
    let toml = course.path().join("exercises/counter/exercise.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    let hints = "hints = [\"Read each function's doc comment.\", { text = \"Adding: mind the sign.\", rules = [\"add-sums\"] }]";
    let text: String = text
        .lines()
        .map(|l| if l.starts_with("hints") { hints } else { l })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&toml, text).unwrap();

    let (_, human, _) = run(workbook_in(course.path()).args(["grade", "counter"]));
    assert!(
        human.contains("Stuck? `workbook hint counter` reveals hint 2 of 2, about what fails."),
        "the hint for the failing rule is offered first: {human}"
    );
    let (_, hint, _) = run(workbook_in(course.path()).args(["hint", "counter"]));
    assert!(hint.starts_with("Hint 2 of 2 for counter:"), "{hint}");
    assert!(
        hint.contains("again for the next one"),
        "hint 1 is still unseen: {hint}"
    );
    let (_, human, _) = run(workbook_in(course.path()).args(["grade", "counter"]));
    assert!(
        human.contains("Hint 2 of 2 (revealed): Adding: mind the sign."),
        "the revealed hint about what fails is repeated: {human}"
    );
    assert!(human.contains("reveals hint 1 of 2."), "{human}");

    // A hint may only name rules the map has.
    let text = std::fs::read_to_string(&toml)
        .unwrap()
        .replace("\"add-sums\"]", "\"add-sum\"]");
    std::fs::write(&toml, text).unwrap();
    let (code, check, _) = run(workbook_in(course.path()).args(["check"]));
    assert_eq!(code, Some(1), "{check}");
    assert!(
        check
            .contains("hint 2 names rule `add-sum`, which the exercise's rules.toml does not have"),
        "{check}"
    );
}

#[test]
fn review_opens_after_the_first_pass_and_names_the_function_of_each_difference() {
    let course = grading_course_with(None);
    let (code, before, _) = run(workbook_in(course.path()).args(["review", "counter"]));
    assert_eq!(code, Some(1), "{before}");
    assert!(before.contains("counter has not passed yet"), "{before}");
    assert!(
        !before.contains("a + b"),
        "no reference before a pass: {before}"
    );

    // A passing solution of the learner's own, written differently from the reference.
    let reference =
        std::fs::read_to_string(course.path().join("grader/counter/solution/src/lib.rs")).unwrap();
    let yours = reference.replace("    a + b\n", "    b + a\n");
    std::fs::write(course.path().join("exercises/counter/src/lib.rs"), yours).unwrap();
    let (code, graded, _) = run(workbook_in(course.path()).args(["grade", "counter"]));
    assert_eq!(code, Some(0), "{graded}");
    assert!(graded.contains("`workbook review counter`"), "{graded}");

    let (code, review, _) = run(workbook_in(course.path()).args(["review", "counter"]));
    assert_eq!(code, Some(0), "{review}");
    assert!(review.contains("counter passed on "), "{review}");
    let at = review
        .find("@@ in fn add")
        .expect("the function of the difference");
    let mine = review.find("-     b + a").expect("your line");
    let theirs = review.find("+     a + b").expect("the reference's line");
    assert!(at < mine && mine < theirs, "{review}");
    assert_eq!(review.matches("@@").count(), 1, "one difference: {review}");
}

/// After a pass, `workbook review` ends with clippy's notes on the learner's code, grouped by
/// lint, in a learner's words, with clippy's page and the lesson section from
/// `grader/style.toml`; before a pass there are none.
#[test]
fn style_notes_open_after_a_pass_in_a_learners_words() {
    let course = grading_course_with(None);
    let dir = course.path();
    std::fs::write(
        dir.join("grader/style.toml"),
        "[read]\nlet_and_return = \"basics#basics\"\n",
    )
    .unwrap();
    let reference =
        std::fs::read_to_string(dir.join("grader/counter/solution/src/lib.rs")).unwrap();
    // Works, but binds the sum only to return it: clippy's `let_and_return`.
    let yours = reference.replace("    a + b\n", "    let sum = a + b;\n    sum\n");
    assert_ne!(
        yours, reference,
        "the reference's add changed: update this test"
    );
    std::fs::write(dir.join("exercises/counter/src/lib.rs"), yours).unwrap();
    let (_, before, _) = run(workbook_in(dir).args(["review", "counter"]));
    assert!(
        !before.contains("Style notes"),
        "not before a pass: {before}"
    );

    let (code, graded, _) = run(workbook_in(dir).args(["grade", "counter"]));
    assert_eq!(code, Some(0), "{graded}");
    assert!(graded.contains("clippy's style notes"), "{graded}");
    let (code, review, stderr) = run(workbook_in(dir).args(["review", "counter"]));
    assert_eq!(code, Some(0), "{review}{stderr}");
    let notes = review
        .split("Style notes from clippy (never part of the grade):")
        .nth(1)
        .unwrap_or_else(|| panic!("the notes follow the comparison: {review}"));
    assert!(
        notes.contains(
            "* Return the expression itself instead of binding it to a variable first. (let_and_return)"
        ),
        "{notes}"
    );
    assert!(notes.contains("    src/lib.rs:"), "where: {notes}");
    assert!(
        notes.contains("    read: /lessons/basics#basics (in `workbook serve`)"),
        "{notes}"
    );
    assert!(
        notes.contains(
            "    more: https://rust-lang.github.io/rust-clippy/master/index.html#let_and_return"
        ),
        "{notes}"
    );
    assert!(
        !dir.join("exercises/counter/target").exists(),
        "clippy builds into the grader's target folder"
    );
}

/// `workbook check` reports a style note's lesson section that no heading has, at its line,
/// and a value that is not `<lesson>#<anchor>`.
#[test]
fn check_reports_a_style_link_to_a_missing_section() {
    let course = grading_course_with(None);
    let style = course.path().join("grader/style.toml");
    std::fs::write(
        &style,
        "[read]\nlet_and_return = \"basics#basics\"\nneedless_return = \"basics#nowhere\"\n",
    )
    .unwrap();
    let (code, check, _) = run(workbook_in(course.path()).args(["check"]));
    assert_eq!(code, Some(1), "{check}");
    assert!(
        check.contains("grader/style.toml:3")
            && check.contains(
                "`needless_return` points at section `#nowhere`, which lesson `basics` has no heading for"
            ),
        "{check}"
    );
    assert!(!check.contains("let_and_return"), "a sound link: {check}");
    std::fs::write(&style, "[read]\nlen_zero = \"basics\"\n").unwrap();
    let (code, check, _) = run(workbook_in(course.path()).args(["check"]));
    assert_eq!(code, Some(1), "{check}");
    assert!(
        check.contains("`len_zero` must name `<lesson slug>#<anchor>`"),
        "{check}"
    );
}
