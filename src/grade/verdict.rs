//! The verdict on one hidden test, from facts its own output cannot forge: how the process
//! ended, whether libtest logged `ok` to the grader's own file, and (for the message only)
//! what it printed.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::ExitStatus;
use std::time::Duration;

use super::capture::Captured;
use super::report::TestStatus;

/// Decides a test's status from facts the test's own output cannot forge.
pub(super) fn judge(
    status: Option<ExitStatus>,
    logged_ok: bool,
    stdout: &str,
    stderr: &str,
    timeout: Duration,
) -> (TestStatus, Option<String>) {
    let Some(status) = status else {
        return (
            TestStatus::TimedOut,
            Some(format!(
                "the test did not finish within {} s and was stopped; look for a loop that never ends or a lock that is never released",
                timeout.as_secs()
            )),
        );
    };
    if status.success() && logged_ok {
        return (TestStatus::Passed, None);
    }
    if let Some(signal) = status.signal() {
        let what = if stderr.contains("has overflowed its stack") {
            "the test overflowed its stack (unbounded recursion?)".to_string()
        } else if signal == libc::SIGABRT {
            "the test process aborted (std::process::abort, a double panic, or a failed allocation)"
                .to_string()
        } else {
            format!("the test process was killed by signal {signal}")
        };
        return (TestStatus::Failed, Some(what));
    }
    if let Some(panic) = panic_message(stdout) {
        return (TestStatus::Failed, Some(panic));
    }
    let code = status.code().unwrap_or(-1);
    let message = if code == 0 || !stdout.contains("test result:") {
        format!(
            "the test process exited (status {code}) before the test finished; does the code call std::process::exit?"
        )
    } else {
        format!("the test failed (exit status {code})")
    };
    (TestStatus::Failed, Some(message))
}

/// Shows a panic's location relative to the learner's folder, with the line of code itself,
/// when it is in their code, and hides it when it is in a hidden test (the learner cannot
/// open that file anyway).
pub(super) fn relative_locations(message: &str, crate_dir: &Path) -> String {
    let prefix = format!("{}/", crate_dir.display());
    message
        .lines()
        .filter_map(|line| match line.trim_start().strip_prefix("(at ") {
            Some(location) if location.starts_with(&prefix) => {
                let relative = &location[prefix.len()..];
                let mut shown = format!("  (at {relative}");
                if let Some(code) = source_line(crate_dir, relative.trim_end_matches(')')) {
                    shown.push_str(&format!("\n  | {code}"));
                }
                Some(shown)
            }
            Some(location) if location.starts_with('/') => None,
            _ => Some(line.to_string()),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The trimmed line of the learner's file at `file:line:column` (relative to `crate_dir`),
/// or `None` when the file cannot be read (a grade of files that changed since, say).
fn source_line(crate_dir: &Path, location: &str) -> Option<String> {
    let mut parts = location.rsplitn(3, ':');
    let (_column, line, file) = (parts.next()?, parts.next()?, parts.next()?);
    let number: usize = line.parse().ok()?;
    let text = std::fs::read_to_string(crate_dir.join(file)).ok()?;
    let code = text.lines().nth(number.checked_sub(1)?)?.trim();
    (!code.is_empty()).then(|| code.chars().take(160).collect())
}

/// The text of the first panic in libtest's failure section.
fn panic_message(stdout: &str) -> Option<String> {
    // libtest's own line, not a line the test printed that happens to say "panicked at".
    let mut lines = stdout
        .lines()
        .skip_while(|l| !(l.starts_with("thread '") && l.contains(" panicked at ")));
    let header = lines.next()?;
    let location = header
        .split("panicked at ")
        .nth(1)
        .unwrap_or("")
        .trim_end_matches(':');
    let body: Vec<&str> = lines
        .take_while(|l| {
            !l.starts_with("note: ") && !l.starts_with("failures:") && !l.starts_with("---- ")
        })
        .collect();
    let text = body.join("\n").trim().to_string();
    let mut message = if text.is_empty() {
        "the test panicked".to_string()
    } else {
        text
    };
    if !location.is_empty() {
        message.push_str(&format!("\n  (at {location})"));
    }
    const MAX: usize = 4096;
    if message.len() > MAX {
        let cut = (0..=MAX)
            .rev()
            .find(|&i| message.is_char_boundary(i))
            .unwrap_or(0);
        message.truncate(cut);
        message.push_str(" [...]");
    }
    Some(message)
}

/// libtest's warning that `--logfile` is deprecated: the grader's business, not the learner's.
const LOGFILE_WARNING: &str = "warning: `--logfile` is deprecated";

/// The output shown for a test: its stdout, then its stderr, and whether either was cut.
pub(super) fn combine_output(out: &Captured, err: &Captured) -> (String, bool) {
    let mut text = out.text();
    let err_text = err.text().replace(LOGFILE_WARNING, "");
    if !err_text.trim().is_empty() {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&err_text);
    }
    (text, out.is_cut() || err.is_cut())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::run::{OUTPUT_LIMIT, STREAM_END};

    #[test]
    fn panic_message_takes_the_text_after_panicked_at() {
        let stdout = "running 1 test\ntest t ... FAILED\n\nfailures:\n\n---- t stdout ----\n\nthread 't' panicked at tests/a.rs:3:5:\nassertion `left == right` failed\n  left: 1\n right: 2\nnote: run with `RUST_BACKTRACE=1`\n";
        let message = panic_message(stdout).unwrap();
        assert!(
            message.starts_with("assertion `left == right` failed\n  left: 1\n right: 2"),
            "{message}"
        );
        assert!(message.ends_with("(at tests/a.rs:3:5)"), "{message}");
    }

    #[test]
    fn a_panic_in_the_learners_code_shows_its_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(
            dir.path().join("src/lib.rs"),
            "fn a() {\n    panic!(\"no\")\n}\n",
        )
        .unwrap();
        let message = format!(
            "not yet implemented\n  (at {}/src/lib.rs:2:5)",
            dir.path().display()
        );
        assert_eq!(
            relative_locations(&message, dir.path()),
            "not yet implemented\n  (at src/lib.rs:2:5)\n  | panic!(\"no\")"
        );
        let hidden = "wrong\n  (at /course/grader/x/tests/a.rs:3:5)";
        assert_eq!(relative_locations(hidden, dir.path()), "wrong");
    }

    #[test]
    fn exit_zero_without_libtest_ok_is_a_failure() {
        let status = ExitStatus::from_raw(0);
        let forged = "test t ... ok\n\ntest result: ok. 1 passed; 0 failed\n";
        let (s, message) = judge(Some(status), false, forged, "", Duration::from_secs(1));
        assert_eq!(s, TestStatus::Failed);
        assert!(message.unwrap().contains("process::exit"));
    }

    #[test]
    fn no_status_means_timed_out() {
        let (s, _) = judge(None, false, "", "", Duration::from_secs(3));
        assert_eq!(s, TestStatus::TimedOut);
    }

    #[test]
    fn output_is_capped_with_a_note() {
        let mut out = Captured::new(STREAM_END, STREAM_END);
        out.push("x".repeat(OUTPUT_LIMIT * 10).as_bytes());
        let (text, truncated) = combine_output(&out, &Captured::new(STREAM_END, STREAM_END));
        assert!(truncated);
        assert!(text.len() < OUTPUT_LIMIT + 200);
        assert!(text.contains("bytes not shown"));
    }

    #[test]
    fn the_logfile_warning_alone_is_not_output_and_not_a_cut() {
        let mut err = Captured::new(STREAM_END, STREAM_END);
        err.push(format!("{LOGFILE_WARNING}\n").as_bytes());
        let mut out = Captured::new(STREAM_END, STREAM_END);
        out.push(b"running 1 test\n");
        let (text, truncated) = combine_output(&out, &err);
        assert!(!truncated);
        assert_eq!(text, "running 1 test\n");
    }
}
