//! Running hidden tests: one process per test, in its own process group, with a timeout.
//!
//! A test passes only when its process exits with status 0 *and* libtest's log file (a file
//! the learner's code does not write to) records it as `ok`. Printing forged libtest lines or
//! calling `std::process::exit(0)` from inside a test therefore cannot make it pass.

use std::collections::HashMap;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::report::{TestOutcome, TestStatus};
use super::{Cancel, GradeError, Progress, Workdir};

/// The most output kept per test.
pub const OUTPUT_LIMIT: usize = 64 * 1024;

/// How long listing a test binary's tests may take.
const LIST_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs every test of every binary, one process each.
pub fn run_all(
    binaries: &[(String, PathBuf)],
    crate_dir: &Path,
    timeout: Duration,
    workdir: &Workdir,
    descriptions: &HashMap<String, String>,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<TestOutcome>, GradeError> {
    let mut planned = Vec::new();
    for (target, binary) in binaries {
        for name in list_tests(binary, crate_dir)? {
            planned.push((target.clone(), binary.clone(), name));
        }
    }
    let scratch = workdir.root.join("tmp");
    std::fs::create_dir_all(&scratch).map_err(GradeError::io(format!(
        "cannot create {}",
        scratch.display()
    )))?;

    let total = planned.len();
    let mut outcomes = Vec::with_capacity(total);
    for (index, (target, binary, name)) in planned.into_iter().enumerate() {
        let full_name = format!("{target}::{name}");
        progress(Progress::Running {
            name: full_name.clone(),
            index: index + 1,
            total,
        });
        let description = descriptions
            .get(&full_name)
            .cloned()
            .unwrap_or_else(|| name.replace('_', " "));
        let outcome = run_one(&binary, &name, crate_dir, timeout, &scratch, cancel)?;
        let outcome = TestOutcome {
            name: full_name,
            description,
            ..outcome
        };
        progress(Progress::Finished(outcome.clone()));
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// The names of the tests in one binary, from libtest's own `--list`.
fn list_tests(binary: &Path, crate_dir: &Path) -> Result<Vec<String>, GradeError> {
    let mut child = Command::new(binary)
        .args(["--list", "--format", "terse"])
        .current_dir(crate_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(GradeError::io(format!("cannot start {}", binary.display())))?;
    let stdout = read_capped(child.stdout.take());
    let status = wait_with_deadline(
        &mut child,
        Instant::now() + LIST_TIMEOUT,
        &Cancel::default(),
    )?;
    let (text, _) = stdout.join().unwrap_or_default();
    if status.is_none() {
        return Err(GradeError::Cargo(format!(
            "listing the tests of {} timed out",
            binary.display()
        )));
    }
    Ok(text
        .lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .map(str::to_string)
        .collect())
}

/// Runs one test in its own process group and judges it.
fn run_one(
    binary: &Path,
    name: &str,
    crate_dir: &Path,
    timeout: Duration,
    scratch: &Path,
    cancel: &Cancel,
) -> Result<TestOutcome, GradeError> {
    let log_dir = tempfile::Builder::new()
        .prefix("test-")
        .tempdir_in(scratch)
        .map_err(GradeError::io("cannot create a scratch folder for a test"))?;
    let log = log_dir.path().join("libtest.log");

    let started = Instant::now();
    let mut child = Command::new(binary)
        .arg("--exact")
        .arg(name)
        .args(["--test-threads", "1", "--color", "never"])
        .arg("--logfile")
        .arg(&log)
        .current_dir(crate_dir)
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so a timeout kills whatever the test spawned too.
        .process_group(0)
        .spawn()
        .map_err(GradeError::io(format!("cannot start {}", binary.display())))?;
    let stdout = read_capped(child.stdout.take());
    let stderr = read_capped(child.stderr.take());
    let status = wait_with_deadline(&mut child, started + timeout, cancel);
    let duration = started.elapsed();
    // Whatever happened, nothing the test started outlives it.
    kill_group(child.id());
    let status = status?;
    let (out, out_total) = stdout.join().unwrap_or_default();
    let (err, err_total) = stderr.join().unwrap_or_default();
    if cancel.is_cancelled() {
        return Err(GradeError::Cancelled);
    }

    let logged_ok = std::fs::read_to_string(&log)
        .map(|text| text.lines().any(|l| l.trim() == format!("ok {name}")))
        .unwrap_or(false);
    let (status, message) = judge(status, logged_ok, &out, &err, timeout);
    let message = message.map(|m| relative_locations(&m, crate_dir));
    // libtest warns that --logfile is deprecated; that is the grader's business, not the learner's.
    let err = err.replace("warning: `--logfile` is deprecated", "");
    let (output, output_truncated) = combine_output(&out, out_total, &err, err_total);
    let output = output.replace(&format!("{}/", crate_dir.display()), "");
    Ok(TestOutcome {
        name: name.to_string(),
        description: String::new(),
        status,
        message,
        duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
        output,
        output_truncated,
    })
}

/// Decides a test's status from facts the test's own output cannot forge.
fn judge(
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

/// Shows a panic's location relative to the learner's folder when it is in their code, and
/// hides it when it is in a hidden test (the learner cannot open that file anyway).
fn relative_locations(message: &str, crate_dir: &Path) -> String {
    let prefix = format!("{}/", crate_dir.display());
    message
        .lines()
        .filter_map(|line| match line.trim_start().strip_prefix("(at ") {
            Some(location) if location.starts_with(&prefix) => {
                Some(format!("  (at {}", &location[prefix.len()..]))
            }
            Some(location) if location.starts_with('/') => None,
            _ => Some(line.to_string()),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text of the first panic in libtest's failure section.
fn panic_message(stdout: &str) -> Option<String> {
    let mut lines = stdout.lines().skip_while(|l| !l.contains("panicked at "));
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

fn combine_output(out: &str, out_total: usize, err: &str, err_total: usize) -> (String, bool) {
    let mut text = String::new();
    text.push_str(out);
    if !err.trim().is_empty() {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(err);
    }
    let truncated = out_total > out.len() || err_total > err.len() || text.len() > OUTPUT_LIMIT;
    if text.len() > OUTPUT_LIMIT {
        let cut = (0..=OUTPUT_LIMIT)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        text.truncate(cut);
    }
    if truncated {
        let total = out_total + err_total;
        text.push_str(&format!(
            "\n[output truncated: the test printed {total} bytes; the first 64 KiB are shown]\n"
        ));
    }
    (text, truncated)
}

/// Reads a pipe to the end on its own thread, keeping the first [`OUTPUT_LIMIT`] bytes and
/// counting the rest, so a test printing gigabytes neither blocks nor fills memory.
fn read_capped<R: Read + Send + 'static>(pipe: Option<R>) -> JoinHandle<(String, usize)> {
    std::thread::spawn(move || {
        let Some(mut pipe) = pipe else {
            return (String::new(), 0);
        };
        let mut kept = Vec::new();
        let mut total = 0usize;
        let mut buf = [0u8; 8192];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    total += n;
                    let room = OUTPUT_LIMIT.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                }
            }
        }
        (String::from_utf8_lossy(&kept).into_owned(), total)
    })
}

/// Waits for `child` until `deadline`; `None` means it was still running and has been killed.
fn wait_with_deadline(
    child: &mut Child,
    deadline: Instant,
    cancel: &Cancel,
) -> Result<Option<ExitStatus>, GradeError> {
    loop {
        if let Some(status) = child
            .try_wait()
            .map_err(GradeError::io("cannot wait for a test"))?
        {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline || cancel.is_cancelled() {
            kill_group(child.id());
            let _ = child.wait();
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Kills the process group led by `pid` (tests run as group leaders).
fn kill_group(pid: u32) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: killpg only sends a signal; a group that is already gone gives ESRCH.
        unsafe {
            libc::killpg(pid, libc::SIGKILL);
        }
    }
}

/// Kills one process (cargo, on cancel); its children end when their pipes close.
pub fn kill_process(pid: u32) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill only sends a signal.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let big = "x".repeat(OUTPUT_LIMIT);
        let (text, truncated) = combine_output(&big, OUTPUT_LIMIT * 10, "", 0);
        assert!(truncated);
        assert!(text.len() < OUTPUT_LIMIT + 200);
        assert!(text.contains("output truncated"));
    }
}
