//! Grading a class: learners' reports merged into a gradebook, exports, quiz scores from
//! answers, the CI workflow, and the sandbox that learner code cannot get out of.

use std::path::Path;

use crate::common::{self, copy_dir, fixture_copy, fixtures, root, run, workbook, workbook_on};

#[test]
fn three_learners_reports_merge_into_one_csv() {
    let reports = fixtures().join("reports");
    let (code, csv, err) = run(workbook()
        .arg("gradebook")
        .arg(reports.join("alice.json"))
        .arg(reports.join("bob.json"))
        .arg(reports.join("carol.json")));
    assert_eq!(code, Some(0), "{err}");
    // alice passes everything, bob partly passes, carol's crate does not compile.
    insta::assert_snapshot!("gradebook_three_learners_csv", csv);

    let (code, json, _) = run(workbook()
        .args(["gradebook", "--format", "json"])
        .arg(reports.join("bob.json")));
    assert_eq!(code, Some(0));
    let book: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(book["version"], workbook::grade::REPORT_VERSION);
    assert_eq!(book["rows"][0]["learner"], "bob");
    assert_eq!(book["rows"][0]["exercises"]["counter"], 0.8);
}

#[test]
fn bad_gradebook_inputs_are_one_clear_sentence_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let alice = fixtures().join("reports/alice.json");
    let mut report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&alice).unwrap()).unwrap();
    report["version"] = serde_json::json!(workbook::grade::REPORT_VERSION + 1);
    let newer = dir.path().join("dave.json");
    std::fs::write(&newer, report.to_string()).unwrap();
    let not_json = dir.path().join("erin.json");
    std::fs::write(&not_json, "<html>not a report</html>").unwrap();
    let out = dir.path().join("book.csv");
    let cases: Vec<(Vec<std::ffi::OsString>, &str)> = vec![
        (vec![], "name at least one learner's report file"),
        (
            vec!["/no/such/report.json".into()],
            "cannot read /no/such/report.json",
        ),
        (
            vec![alice.clone().into(), newer.clone().into()],
            "is a report of schema version 3; this workbook reads versions 1 to 2",
        ),
        (vec![not_json.clone().into()], "is not a workbook report"),
        (
            vec![alice.clone().into(), alice.clone().into()],
            "names learner `alice` again",
        ),
    ];
    for (files, message) in cases {
        let (code, stdout_text, err) = run(workbook()
            .arg("gradebook")
            .arg("--out")
            .arg(&out)
            .args(&files));
        assert_eq!(code, Some(2), "{files:?}: {stdout_text}");
        assert!(err.contains(message), "{files:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one sentence: {err}");
        assert!(!out.exists(), "nothing is written for {files:?}");
    }
}

#[test]
fn export_hands_in_attempts_grades_and_hints() {
    let course = fixture_copy("grading");
    run(workbook_on(course.path()).args(["hint", "counter"]));
    run(workbook_on(course.path()).args(["grade", "greeter"]));
    let (code, json, err) = run(workbook_on(course.path()).args(["export", "--format", "json"]));
    assert_eq!(code, Some(0), "{err}");
    let export: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(export["version"], workbook::grade::REPORT_VERSION);
    assert_eq!(export["kind"], "workbook-progress");
    assert_eq!(export["grades"][0]["exercise"], "greeter");
    assert_eq!(export["hints"][0]["exercise"], "counter");
    assert_eq!(export["hints"][0]["revealed"], 1);
    let (code, csv, _) = run(workbook_on(course.path()).args(["export", "--format", "csv"]));
    assert_eq!(code, Some(0));
    assert!(
        csv.starts_with("kind,item,detail,score,status,at\n"),
        "{csv}"
    );
    assert!(csv.contains("\ngrade,greeter,0/1 tests,,fail,"), "{csv}");
    assert!(csv.contains("\nhints,counter,1 revealed,,,"), "{csv}");
    // The exported file is a learner's report the gradebook reads.
    let file = course.path().join("frank.json");
    std::fs::write(&file, json).unwrap();
    let (code, book, err) = run(workbook().arg("gradebook").arg(&file));
    assert_eq!(code, Some(0), "{err}");
    assert!(book.contains("frank,0.00"), "{book}");
}

/// The one-line `run:` of the workflow step named `name`.
fn workflow_step(workflow: &str, name: &str) -> String {
    let mut lines = workflow
        .lines()
        .skip_while(|l| l.trim() != format!("- name: {name}"));
    lines.next().unwrap_or_else(|| panic!("no step {name:?}"));
    lines
        .find_map(|l| l.trim().strip_prefix("run: "))
        .unwrap_or_else(|| panic!("step {name:?} has no run"))
        .to_string()
}

/// The lines of job `job` (from `  job:` to the next job).
fn workflow_job<'w>(workflow: &'w str, job: &str) -> Vec<&'w str> {
    let header = format!("  {job}:");
    workflow
        .lines()
        .skip_while(|l| *l != header)
        .skip(1)
        .take_while(|l| !(l.starts_with("  ") && !l.starts_with("   ") && l.ends_with(':')))
        .collect()
}

#[test]
fn the_class_workflow_grades_three_learners_and_merges_their_reports() {
    let workflow = std::fs::read_to_string(root().join("docs/ci/grade-class.yml")).unwrap();
    // The shape that keeps learner code away from secrets and solutions.
    let grade_job = workflow_job(&workflow, "grade").join("\n");
    assert!(
        !grade_job.contains("secrets."),
        "no secret in the job that runs learner code"
    );
    assert!(
        grade_job.contains("!/grader/*/solution/"),
        "solutions are not checked out"
    );
    assert!(grade_job.contains("rm -rf course/grader/*/solution"));
    assert!(grade_job.contains("--sandbox"));
    let checkouts = workflow.matches("uses: actions/checkout@").count();
    assert_eq!(
        workflow.matches("persist-credentials: false").count(),
        checkouts,
        "no checkout keeps credentials on disk"
    );
    let grade = workflow_step(&workflow, "Grade in the sandbox");
    let merge = workflow_step(&workflow, "Merge the reports");
    if common::find_program("bwrap").is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install bubblewrap"
        );
        eprintln!("note: bubblewrap is not installed; the class workflow test is skipped here");
        return;
    }

    // The grade job's layout: the instructor's course without solutions, the workbook built
    // from it, and one learner's exercises at a time.
    let work = tempfile::tempdir().unwrap();
    let course = work.path().join("course");
    copy_dir(&fixtures().join("grading"), &course);
    let solutions = tempfile::tempdir().unwrap();
    for slug in ["counter", "greeter"] {
        let solution = course.join("grader").join(slug).join("solution");
        copy_dir(&solution, &solutions.path().join(slug));
        std::fs::remove_dir_all(&solution).unwrap();
    }
    std::fs::create_dir_all(course.join("target/release")).unwrap();
    std::os::unix::fs::symlink(
        common::workbook_binary(),
        course.join("target/release/workbook"),
    )
    .unwrap();
    let solution_of = |slug: &str| solutions.path().join(slug).join("src/lib.rs");
    let stub_of = |slug: &str| course.join("exercises").join(slug).join("src/lib.rs");
    let cheat = adversarial_learner(
        "reads-solution-at-run",
        &[("@COURSE@", course.to_string_lossy().into_owned())],
    );
    let cheat_lib = cheat.path().join("exercises/counter/src/lib.rs");
    let learners = [
        ("ana-honest", solution_of("counter"), solution_of("greeter")),
        ("ben-partial", solution_of("counter"), stub_of("greeter")),
        ("cy-cheating", cheat_lib, stub_of("greeter")),
    ];
    for (id, counter, greeter) in &learners {
        let learner = work.path().join("learner");
        let _ = std::fs::remove_dir_all(&learner);
        for (slug, lib) in [("counter", counter), ("greeter", greeter)] {
            let src = learner.join("exercises").join(slug).join("src");
            std::fs::create_dir_all(&src).unwrap();
            std::fs::copy(lib, src.join("lib.rs")).unwrap();
        }
        let status = std::process::Command::new("bash")
            .args(["-c", &grade])
            .current_dir(work.path())
            .env("LEARNER_ID", id)
            .env_remove("WORKBOOK_DB")
            .status()
            .unwrap();
        assert!(status.success(), "{id}: the grade step failed");
    }
    let output = std::process::Command::new("bash")
        .args(["-c", &merge])
        .current_dir(work.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let csv = std::fs::read_to_string(work.path().join("gradebook.csv")).unwrap();
    insta::assert_snapshot!("class_workflow_gradebook_csv", csv);
}

#[test]
fn learner_names_are_compared_as_read_and_never_run_as_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let alice = fixtures().join("reports/alice.json");
    let bob = fixtures().join("reports/bob.json");
    // "José" composed (as typed on Linux) and decomposed (as macOS stores file names), and
    // "ﬁona" with a ligature against "fiona".
    for (first, second) in [
        ("Jos\u{e9}", "Jose\u{301}"),
        ("\u{fb01}ona", "fiona"),
        ("ＡＢ", "AB"),
    ] {
        let (a, b) = (
            dir.path().join(format!("{first}.json")),
            dir.path().join(format!("{second}.json")),
        );
        std::fs::copy(&alice, &a).unwrap();
        std::fs::copy(&bob, &b).unwrap();
        let (code, out, err) = run(workbook().arg("gradebook").arg(&a).arg(&b));
        assert_eq!(code, Some(2), "{first} and {second} are one learner: {out}");
        assert!(err.contains("again"), "{err}");
    }

    // A file name a spreadsheet would run as a formula is written as text.
    let mut names = Vec::new();
    for (i, name) in ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)"]
        .iter()
        .enumerate()
    {
        let path = dir.path().join(format!("{name}.json"));
        std::fs::copy(if i % 2 == 0 { &alice } else { &bob }, &path).unwrap();
        names.push(path);
    }
    let (code, csv, err) = run(workbook().arg("gradebook").args(&names));
    assert_eq!(code, Some(0), "{err}");
    for line in csv.lines().skip(1) {
        let first = line.trim_start_matches('"');
        assert!(first.starts_with('\''), "a formula cell: {line}");
    }
    insta::assert_snapshot!("gradebook_formula_names_csv", csv);
}

/// Every file under `dir`, with its content: to prove a grade changed none of them.
fn snapshot_files(dir: &Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(at) = pending.pop() {
        for entry in std::fs::read_dir(&at).unwrap().flatten() {
            if entry.file_type().unwrap().is_dir() {
                pending.push(entry.path());
            } else {
                files.insert(entry.path(), std::fs::read(entry.path()).unwrap());
            }
        }
    }
    files
}

/// A copy of the learner repository `fixture` with its placeholders filled in.
fn adversarial_learner(fixture: &str, fill: &[(&str, String)]) -> tempfile::TempDir {
    let dir = fixture_copy(&format!("sandbox/{fixture}"));
    for (path, _) in snapshot_files(dir.path()) {
        let mut text = std::fs::read_to_string(&path).unwrap();
        for (from, to) in fill {
            text = text.replace(from, to);
        }
        std::fs::write(&path, text).unwrap();
    }
    dir
}

#[test]
fn sandboxed_grading_defeats_every_attack_of_a_learner() {
    if common::find_program("bwrap").is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install bubblewrap for --sandbox"
        );
        eprintln!("note: bubblewrap is not installed; the sandbox test is skipped here");
        return;
    }
    // The instructor's checkout: the course, with git credentials in .git/config.
    let course = fixture_copy("grading");
    std::fs::create_dir_all(course.path().join(".git")).unwrap();
    std::fs::write(
        course.path().join(".git/config"),
        "[remote \"origin\"]\n\turl = https://ci:FAKE-CREDENTIAL-123@example.invalid/course.git\n",
    )
    .unwrap();
    let grader = course.path().join("grader");
    let before = snapshot_files(&grader);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let reports = tempfile::tempdir().unwrap();
    let course_path = course.path().to_string_lossy().into_owned();

    let mut written = Vec::new();
    for attack in [
        "reads-solution-at-build",
        "reads-solution-at-run",
        "rewrites-hidden-tests",
        "cargo-config-runner",
        "added-dependency",
        "daemon-edits-report",
        "prints-secrets",
        "network",
        "honest",
    ] {
        let report = reports.path().join(format!("{attack}.json"));
        let learner = adversarial_learner(
            attack,
            &[
                ("@COURSE@", course_path.clone()),
                ("@REPORT@", report.to_string_lossy().into_owned()),
                ("@PORT@", port.clone()),
            ],
        );
        let (code, out, err) = run(workbook_on(course.path())
            .env("SECRET_TOKEN", "s3cr3t-token-42")
            .args(["grade", "counter", "--sandbox", "--format", "json", "--out"])
            .arg(&report)
            .arg("--learner")
            .arg(learner.path()));
        let text = std::fs::read_to_string(&report)
            .unwrap_or_else(|e| panic!("{attack}: no report ({e}): {out}{err}"));
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            json["version"],
            workbook::grade::REPORT_VERSION,
            "{attack}: the grader's own report"
        );
        assert_eq!(json["exercise"], "counter", "{attack}");
        let passed = json["status"] == "pass";
        assert_eq!(passed, attack == "honest", "{attack}: {text}");
        assert_eq!(code, Some(if passed { 0 } else { 1 }), "{attack}: {err}");
        for secret in ["s3cr3t-token-42", "FAKE-CREDENTIAL-123"] {
            assert!(!text.contains(secret), "{attack} leaked {secret}: {text}");
        }
        assert!(
            snapshot_files(&grader) == before,
            "{attack} changed the instructor's files"
        );
        written.push((report, text));
    }
    // The daemon would have rewritten its report after 2 s; nothing outlived the grade.
    std::thread::sleep(std::time::Duration::from_secs(3));
    for (report, text) in &written {
        assert_eq!(&std::fs::read_to_string(report).unwrap(), text);
    }
    assert!(
        listener.accept().is_err(),
        "no learner code reached the network"
    );

    // The same run-time cheat passes without the sandbox: the attacks are real.
    let trusted = tempfile::tempdir().unwrap();
    copy_dir(course.path(), trusted.path());
    let cheat = adversarial_learner(
        "reads-solution-at-run",
        &[("@COURSE@", trusted.path().to_string_lossy().into_owned())],
    );
    std::fs::copy(
        cheat.path().join("exercises/counter/src/lib.rs"),
        trusted.path().join("exercises/counter/src/lib.rs"),
    )
    .unwrap();
    let (code, out, _) = run(workbook_on(trusted.path()).args(["grade", "counter"]));
    assert_eq!(code, Some(0), "unsandboxed, the cheat passes: {out}");
}

#[test]
fn sandbox_that_cannot_be_made_is_one_sentence_and_no_grade() {
    let course = fixture_copy("grading");
    let (code, out, err) = run(workbook_on(course.path())
        .env("PATH", "/nonexistent")
        .args(["grade", "counter", "--sandbox"]));
    assert_eq!(code, Some(2), "{out}");
    assert!(err.contains("--sandbox needs bubblewrap"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(!out.contains("Score"), "nothing was graded: {out}");
}

#[test]
fn quiz_scores_are_graded_from_answers_and_self_reported_ones_say_so() {
    let course = fixture_copy("base");
    let work = tempfile::tempdir().unwrap();
    // What a learner hands in: every attempt and answer, and best scores they claim. The
    // claimed scores are edited: 1.0 for `intro` and for `next`, which they never took.
    let export = serde_json::json!({
        "version": 1,
        "kind": "workbook-progress",
        "quizzes": {
            "intro": {"best": 1.0, "passed": true, "attempts": 2},
            "next": {"best": 1.0, "passed": true, "attempts": 1}
        },
        "quiz_attempts": [
            {"id": 1, "quiz": "intro", "score": 1.0, "passed": true, "attempted_at": "2026-11-30 10:00:00",
             "answers": [
                {"question": "what-is-a-backend", "answer": [1], "correct": true, "points": 1.0},
                {"question": "layers", "answer": [0, 1], "correct": true, "points": 1.0}
             ]},
            {"id": 2, "quiz": "intro", "score": 1.0, "passed": true, "attempted_at": "2026-11-30 10:05:00",
             "answers": [
                {"question": "layers", "answer": [0], "correct": true, "points": 1.0}
             ]}
        ],
        "grades": [{"exercise": "hello", "status": "pass", "passed": 1, "total": 1, "graded_at": "2026-11-30 10:10:00"}],
        "hints": []
    });
    let reports = work.path().join("reports");
    std::fs::create_dir_all(&reports).unwrap();
    std::fs::write(reports.join("ana.json"), export.to_string()).unwrap();

    // Self-reported: the gradebook says so in the header and on stderr.
    let (code, csv, err) = run(workbook().arg("gradebook").arg(reports.join("ana.json")));
    assert_eq!(code, Some(0), "{err}");
    assert!(
        csv.starts_with(
            "learner,exercise:hello,quiz:intro (self-reported),quiz:next (self-reported),total"
        ),
        "{csv}"
    );
    assert!(err.contains("workbook quiz grade"), "{err}");

    // Graded with the instructor's keys: attempt 1 gets half, the retry of `layers` keeps
    // the first answer's points for `what-is-a-backend` (0) and scores `layers` wrong (0.5).
    let graded_dir = work.path().join("quiz-scores");
    std::fs::create_dir_all(&graded_dir).unwrap();
    let graded = graded_dir.join("ana.json");
    let (code, out, err) = run(workbook_on(course.path())
        .args(["quiz", "grade"])
        .arg(reports.join("ana.json"))
        .arg("--out")
        .arg(&graded));
    assert_eq!(code, Some(0), "{out}{err}");
    let scores: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&graded).unwrap()).unwrap();
    assert_eq!(scores["kind"], "workbook-quiz-scores");
    assert_eq!(scores["quizzes"]["intro"]["attempts"], 2);
    assert_eq!(scores["quizzes"]["intro"]["best"], 0.5, "{scores}");
    assert!(
        scores["quizzes"].get("next").is_none(),
        "never taken: {scores}"
    );

    for order in [
        [&graded, &reports.join("ana.json")],
        [&reports.join("ana.json"), &graded],
    ] {
        let (code, csv, err) = run(workbook().arg("gradebook").args(order));
        assert_eq!(code, Some(0), "{err}");
        assert_eq!(
            csv, "learner,exercise:hello,quiz:intro,total\nana,1.00,0.50,0.75\n",
            "{err}"
        );
        assert!(!err.contains("self-reported"), "{err}");
    }
    // A second quiz-scores file for the same learner is refused.
    let (code, _, err) = run(workbook().arg("gradebook").arg(&graded).arg(&graded));
    assert_eq!(code, Some(2), "{err}");
}
