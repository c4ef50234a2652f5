//! The learner's commands as a learner runs them: grade, hint, progress, reset, watch, each
//! on a fresh copy of the small grading course.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::{
    self, KillOnDrop, copy_dir, fixtures, grading_course_with, lock_is_free, put_learner, run,
    workbook_in, workbook_process,
};

#[test]
fn a_partly_passing_crate_gets_a_human_json_and_junit_report() {
    let course = grading_course_with(Some("panics"));
    let (code, human, _) = run(workbook_in(course.path()).args(["grade", "counter"]));
    assert_eq!(code, Some(1), "{human}");
    insta::with_settings!({filters => vec![
        (r"\(\d+ ms\)", "([ms])"),
        (r"compile \d+\.\d s, tests \d+\.\d s", "compile [s], tests [s]"),
    ]}, {
        insta::assert_snapshot!("human_report_partly_passing", human);
    });
    // --verbose lists the passing tests too, still after the failure.
    let (_, verbose, _) = run(workbook_in(course.path()).args(["grade", "counter", "-v"]));
    let failure = verbose
        .find("✗ Adding 2 and 3")
        .expect("the failure is listed");
    let first_pass = verbose.find("✓ Counting down").expect("a pass is listed");
    assert!(failure < first_pass, "failures first:\n{verbose}");
    assert_eq!(verbose.matches("\n✓ ").count(), 4, "{verbose}");
    assert!(!verbose.contains("--verbose lists"), "{verbose}");

    let (code, json, _) =
        run(workbook_in(course.path()).args(["grade", "counter", "--format", "json"]));
    assert_eq!(code, Some(1));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["version"], workbook::grade::REPORT_VERSION);
    assert_eq!(report["status"], "fail");
    assert_eq!(report["score"]["passed"], 4);
    insta::assert_json_snapshot!("json_report_partly_passing", report, {
        ".compile_ms" => "[ms]",
        ".test_ms" => "[ms]",
        ".tests[].duration_ms" => "[ms]",
        ".tests[].output" => "[output]",
    });
    let adds = &report["tests"][0]["output"];
    assert!(
        adds.as_str()
            .unwrap()
            .contains("panicked at src/lib.rs:6:9"),
        "{adds}"
    );

    let xml = course.path().join("report.xml");
    let (code, stdout, _) = run(workbook_in(course.path())
        .args(["grade", "counter", "--format", "junit", "--out"])
        .arg(&xml));
    assert_eq!(code, Some(1));
    assert!(stdout.is_empty(), "the report goes to the file: {stdout}");
    let xml = std::fs::read_to_string(xml).unwrap();
    assert!(
        xml.contains(r#"<testsuite name="counter" tests="5" failures="1" errors="0""#),
        "{xml}"
    );
    assert!(xml.contains("negative numbers only, got 2"), "{xml}");
}

#[test]
fn a_compile_error_names_the_file_to_open() {
    let course = grading_course_with(Some("does-not-compile"));
    let (code, out, _) = run(workbook_in(course.path()).args(["grade", "counter"]));
    assert_eq!(code, Some(1));
    assert!(
        out.contains("✗ compile error: open exercises/counter/src/lib.rs:"),
        "{out}"
    );
    assert!(out.contains("--> src/lib.rs:"), "{out}");
}

#[test]
fn grading_from_inside_the_exercise_folder_needs_no_slug() {
    let course = grading_course_with(None);
    let solution = course.path().join("grader/counter/solution/src/lib.rs");
    std::fs::copy(
        &solution,
        course.path().join("exercises/counter/src/lib.rs"),
    )
    .unwrap();
    let (code, out, _) =
        run(workbook_in(&course.path().join("exercises/counter/src")).arg("grade"));
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("Score: 5/5 passed"), "{out}");
}

#[test]
fn hints_are_revealed_one_at_a_time_and_shown_in_progress() {
    let course = grading_course_with(Some("panics"));
    let (_, first, _) = run(workbook_in(course.path()).args(["hint", "counter"]));
    assert!(
        first.starts_with("Hint 1 of 2 for counter:\n\nRead each function's doc comment."),
        "{first}"
    );
    let (_, second, _) = run(workbook_in(course.path()).args(["hint", "counter"]));
    assert!(second.starts_with("Hint 2 of 2"), "{second}");
    let (_, third, _) = run(workbook_in(course.path()).args(["hint", "counter"]));
    assert!(third.starts_with("You have seen all 2 hints"), "{third}");

    let (code, _, _) = run(workbook_in(course.path()).args(["grade", "counter"]));
    assert_eq!(code, Some(1));
    let (code, progress, _) = run(workbook_in(course.path()).arg("progress"));
    assert_eq!(code, Some(0));
    assert!(progress.contains("counter: fail 4/5"), "{progress}");
    assert!(progress.contains("hints 2/2"), "{progress}");
    assert!(
        progress.contains("greeter           not graded yet"),
        "{progress}"
    );
    colour_only_where_asked(course.path(), &progress);
}

/// `progress` and `list` colour their headings and grades when colour is forced, and
/// neither `NO_COLOR` nor `--plain` output holds an escape code or a symbol.
fn colour_only_where_asked(course: &Path, uncoloured: &str) {
    let forced = |args: &[&str], no_color: bool| {
        let mut cmd = workbook_in(course);
        cmd.args(args).env("CLICOLOR_FORCE", "1");
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        let (code, out, err) = run(&mut cmd);
        assert_eq!(code, Some(0), "{out}{err}");
        out
    };
    let coloured = forced(&["progress"], false);
    assert!(
        coloured.contains("counter: fail 4/5") && coloured.contains("\u{1b}[31mfail\u{1b}[0m"),
        "a failing grade in red: {coloured:?}"
    );
    assert_eq!(forced(&["progress"], true), uncoloured);
    assert_eq!(forced(&["progress", "--plain"], false), uncoloured);
    let listed = forced(&["list"], false);
    assert!(listed.starts_with("\u{1b}[1mLessons"), "{listed:?}");
    for args in [&["list", "--plain"][..], &["list"][..]] {
        let out = forced(args, args.len() == 1);
        assert!(
            out.starts_with("Lessons\n") && out.is_ascii(),
            "{args:?}: {out:?}"
        );
    }
}

#[test]
fn reset_restores_the_stub_and_keeps_a_backup() {
    let course = grading_course_with(None);
    let lib = course.path().join("exercises/counter/src/lib.rs");
    let original = std::fs::read_to_string(&lib).unwrap();
    // The first command takes the pristine copy; the learner edits afterwards.
    run(workbook_in(course.path()).args(["hint", "counter"]));
    let (_, _, _) = run(workbook_in(course.path()).args(["grade", "counter"]));
    std::fs::write(&lib, "// my work in progress\n").unwrap();
    std::fs::write(
        course.path().join("exercises/counter/src/extra.rs"),
        "// a new module\n",
    )
    .unwrap();

    workbook_in(course.path())
        .args(["reset", "counter"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("pass --yes"));
    assert_eq!(
        std::fs::read_to_string(&lib).unwrap(),
        "// my work in progress\n",
        "nothing changed"
    );

    let (code, out, _) = run(workbook_in(course.path()).args(["reset", "counter", "--yes"]));
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(std::fs::read_to_string(&lib).unwrap(), original);
    assert!(
        !course
            .path()
            .join("exercises/counter/src/extra.rs")
            .exists()
    );
    let backups: Vec<_> = std::fs::read_dir(course.path().join(".workbook/backups"))
        .unwrap()
        .collect();
    assert_eq!(backups.len(), 1);
    let backup = backups[0].as_ref().unwrap().path();
    assert_eq!(
        std::fs::read_to_string(backup.join("src/lib.rs")).unwrap(),
        "// my work in progress\n"
    );
    assert!(backup.join("src/extra.rs").exists());
}

#[test]
fn unknown_exercise_is_a_clear_error() {
    let course = grading_course_with(None);
    workbook_in(course.path())
        .args(["grade", "countr"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "no exercise `countr`; the exercises are: counter, greeter",
        ));
}

/// `workbook watch counter` with piped input (killed when dropped, so a failed assertion
/// leaves no watcher), and its output lines as they come.
fn start_watch(course: &Path) -> (KillOnDrop, std::sync::mpsc::Receiver<String>) {
    start_watch_with(course, &[])
}

/// [`start_watch`] with more arguments.
fn start_watch_with(
    course: &Path,
    args: &[&str],
) -> (KillOnDrop, std::sync::mpsc::Receiver<String>) {
    let mut child = workbook_process()
        .args(["watch", "counter"])
        .args(args)
        .current_dir(course)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (KillOnDrop(child), rx)
}

/// Reads lines until one contains `needle` (or fails after five minutes).
fn wait_for_line(lines: &std::sync::mpsc::Receiver<String>, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while Instant::now() < deadline {
        if let Ok(line) = lines.recv_timeout(Duration::from_secs(1))
            && line.contains(needle)
        {
            return;
        }
    }
    panic!("watch never printed {needle:?}");
}

#[test]
fn watch_regrades_on_save_and_quits_on_q() {
    let course = grading_course_with(None);
    let (mut child, rx) = start_watch(course.path());
    let wait_for = |needle: &str| wait_for_line(&rx, needle);
    wait_for("Score: 0/5 passed");
    wait_for("Watching exercises/counter: save a file to re-grade");
    let solution = course.path().join("grader/counter/solution/src/lib.rs");
    std::fs::copy(
        &solution,
        course.path().join("exercises/counter/src/lib.rs"),
    )
    .unwrap();
    wait_for("Score: 5/5 passed");
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "q").unwrap();
    let status = child.wait().unwrap();
    assert!(status.success());
}

/// For a screen reader or a log: `watch --plain` never clears the screen or draws a line of
/// dashes between runs, and says its keys in words.
#[test]
fn watch_in_plain_mode_adds_lines_and_draws_nothing() {
    let course = grading_course_with(None);
    let (mut child, rx) = start_watch_with(course.path(), &["--plain", "--color", "always"]);
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(300);
    while !seen
        .iter()
        .any(|l: &String| l.contains("save a file to re-grade"))
    {
        assert!(Instant::now() < deadline, "no footer: {seen:#?}");
        if let Ok(line) = rx.recv_timeout(Duration::from_secs(1)) {
            seen.push(line);
        }
    }
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "q").unwrap();
    assert!(child.wait().unwrap().success());
    let text = seen.join("\n");
    assert!(text.is_ascii(), "{text:?}");
    assert!(!text.contains("---"), "no separator line: {text}");
    assert!(text.contains("FAIL    "), "marks in words: {text}");
    assert!(
        text.contains("save a file to re-grade.  h hint, n next exercise, q quit"),
        "{text}"
    );
}

#[test]
fn watch_ignores_editor_side_files_and_q_stops_a_grade_at_once() {
    let course = grading_course_with(None);
    let (mut child, rx) = start_watch(course.path());
    let wait_for = |needle: &str| wait_for_line(&rx, needle);
    wait_for("Watching exercises/counter: save a file to re-grade");

    // What editors write while a file is open, being typed in and saved unchanged.
    let src = course.path().join("exercises/counter/src");
    let lib = std::fs::read(src.join("lib.rs")).unwrap();
    std::fs::write(src.join(".lib.rs.swp"), "vim swap").unwrap();
    std::fs::write(src.join("4913"), "").unwrap();
    std::fs::remove_file(src.join("4913")).unwrap();
    std::fs::write(src.join("lib.rs~"), &lib).unwrap();
    std::os::unix::fs::symlink("learner@host.1:1", src.join(".#lib.rs")).unwrap();
    std::fs::write(src.join("#lib.rs#"), "emacs autosave").unwrap();
    std::fs::write(src.join("lib.rs___jb_tmp___"), "jetbrains").unwrap();
    std::fs::write(src.join("lib.rs"), &lib).unwrap();
    let quiet_until = Instant::now() + Duration::from_secs(2);
    while let Some(left) = quiet_until.checked_duration_since(Instant::now()) {
        if let Ok(line) = rx.recv_timeout(left) {
            assert!(!line.contains("Change detected"), "re-graded on: {line}");
        }
    }

    // A real save whose build never ends, then q while it compiles.
    put_learner(course.path(), "build-sleeps");
    wait_for("Change detected");
    let script = course.path().join(".workbook/target");
    let deadline = Instant::now() + Duration::from_secs(120);
    while !common::processes_mentioning(&script.to_string_lossy())
        .iter()
        .any(|cmd| cmd.contains("build-script-build"))
    {
        assert!(Instant::now() < deadline, "the build script never ran");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "q").unwrap();
    let asked = Instant::now();
    let marker = course
        .path()
        .join(".workbook")
        .to_string_lossy()
        .into_owned();
    let left = common::wait_until_gone(&marker, None, Duration::from_secs(2));
    assert_eq!(left, Vec::<String>::new(), "still running 2 s after q");
    let status = child.wait().unwrap();
    assert!(status.success());
    assert!(
        asked.elapsed() < Duration::from_secs(3),
        "{:?}",
        asked.elapsed()
    );
    assert!(lock_is_free(course.path()), "the grader lock is free");
}

#[test]
fn two_resets_in_one_second_keep_both_versions_and_list_them_newest_first() {
    let course = grading_course_with(None);
    let lib = course.path().join("exercises/counter/src/lib.rs");
    // The first grade takes the pristine copy; the learner edits afterwards.
    run(workbook_in(course.path()).args(["grade", "counter"]));
    std::fs::write(&lib, "// version one\n").unwrap();
    let (code, out, _) = run(workbook_in(course.path()).args(["reset", "counter", "--yes"]));
    assert_eq!(code, Some(0), "{out}");
    std::fs::write(&lib, "// version two\n").unwrap();
    let (code, out, _) = run(workbook_in(course.path()).args(["reset", "counter", "--yes"]));
    assert_eq!(code, Some(0), "{out}");
    // And a third reset of the fresh stub, so at least two fall in the same second.
    let (code, out, _) = run(workbook_in(course.path()).args(["reset", "counter", "--yes"]));
    assert_eq!(code, Some(0), "{out}");

    let backups = course.path().join(".workbook/backups");
    let mut kept: Vec<String> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path().join("src/lib.rs")).unwrap())
        .collect();
    kept.sort();
    assert_eq!(kept.len(), 3, "{kept:?}");
    assert!(kept.contains(&"// version one\n".to_string()), "{kept:?}");
    assert!(kept.contains(&"// version two\n".to_string()), "{kept:?}");

    let (code, listing, _) = run(workbook_in(course.path()).args(["reset", "counter", "--list"]));
    assert_eq!(code, Some(0), "{listing}");
    let rows: Vec<&str> = listing
        .lines()
        .filter(|l| l.trim_start().starts_with(".workbook/backups/counter-"))
        .collect();
    assert_eq!(rows.len(), 3, "{listing}");
    let folder = |row: &str| row.split_whitespace().next().unwrap().to_string();
    let newest = course.path().join(folder(rows[0])).join("src/lib.rs");
    let oldest = course.path().join(folder(rows[2])).join("src/lib.rs");
    assert_ne!(
        std::fs::read_to_string(newest).unwrap(),
        "// version one\n",
        "{listing}"
    );
    assert_eq!(
        std::fs::read_to_string(oldest).unwrap(),
        "// version one\n",
        "{listing}"
    );
    assert!(listing.contains("To restore one"), "{listing}");
    assert!(
        listing.contains("cp -R .workbook/backups/counter-"),
        "{listing}"
    );
}

#[test]
fn reset_never_writes_through_a_symbolic_link() {
    let course = grading_course_with(None);
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("notes.txt");
    std::fs::write(&secret, "outside the course\n").unwrap();
    std::fs::create_dir(outside.path().join("folder")).unwrap();
    run(workbook_in(course.path()).args(["grade", "counter"]));
    let src = course.path().join("exercises/counter/src");
    // The learner's lib.rs is a link to a file outside, and a folder link leads outside too.
    std::fs::remove_file(src.join("lib.rs")).unwrap();
    std::os::unix::fs::symlink(&secret, src.join("lib.rs")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("folder"), src.join("linked")).unwrap();

    let (code, out, _) = run(workbook_in(course.path()).args(["reset", "counter", "--yes"]));
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(
        std::fs::read_to_string(&secret).unwrap(),
        "outside the course\n"
    );
    assert_eq!(
        std::fs::read_dir(outside.path().join("folder"))
            .unwrap()
            .count(),
        0
    );
    let lib = src.join("lib.rs");
    assert!(
        !std::fs::symlink_metadata(&lib).unwrap().is_symlink(),
        "a real file again"
    );
    assert!(
        std::fs::read_to_string(&lib)
            .unwrap()
            .contains("pub fn add")
    );
    assert!(!src.join("linked").exists());

    // A learner's folder that is itself a link out of the course is refused.
    let folder = course.path().join("exercises/counter");
    let moved = outside.path().join("counter");
    std::fs::rename(&folder, &moved).unwrap();
    std::os::unix::fs::symlink(&moved, &folder).unwrap();
    std::fs::write(moved.join("src/lib.rs"), "// mine\n").unwrap();
    let output = workbook_in(course.path())
        .args(["reset", "counter", "--yes"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    // The course loader already refuses an exercise whose files lead outside the course;
    // reset refuses such a folder by itself too.
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("leads outside the course") || stderr.contains("no exercise `counter`"),
        "{}",
        stderr
    );
    assert_eq!(
        std::fs::read_to_string(moved.join("src/lib.rs")).unwrap(),
        "// mine\n"
    );
}

#[test]
fn a_course_folder_whose_path_is_not_utf8_gets_one_sentence() {
    use std::os::unix::ffi::OsStrExt;
    let outer = tempfile::tempdir().unwrap();
    let course = outer
        .path()
        .join(std::ffi::OsStr::from_bytes(b"course-\xff-copy"));
    copy_dir(&fixtures().join("grading"), &course);
    let output = workbook_in(&course)
        .args(["grade", "counter"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("has a path that is not valid UTF-8"),
        "{stderr}"
    );
    assert!(stderr.contains("course-\u{fffd}-copy"), "{stderr}");
    assert!(!stderr.contains("Usage:"), "{stderr}");
}

#[test]
fn cargo_in_an_exercise_folder_builds_into_the_graders_target() {
    let output = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(common::root().join("exercises/rate-limiter"))
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    assert!(output.status.success());
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let target = metadata["target_directory"].as_str().unwrap();
    assert_eq!(
        target.replace("/exercises/../", "/"),
        common::root().join(".workbook/target").to_string_lossy(),
        "the exercise shares the grader's build directory"
    );
}
