//! Running hidden tests: one process per test, in parallel across the machine's cores, each
//! supervised (see [`super::contain`]) with its own timeout.
//!
//! A test passes only when its process exits with status 0 *and* libtest's log file (a file
//! the learner's code does not write to) records it as `ok`. Printing forged libtest lines or
//! calling `std::process::exit(0)` from inside a test therefore cannot make it pass.

use std::collections::HashMap;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use super::capture::{Capture, Captured};
use super::contain::{self, Contained};
use super::report::{TestOutcome, TestStatus};
use super::sandbox::Jail;
use super::schedule;
use super::{Cancel, GradeError, Place, Progress, Workdir};

/// The most output kept per test: half from each stream's start and end.
pub const OUTPUT_LIMIT: usize = 64 * 1024;

/// Kept from the start, and from the end, of each of a test's two streams.
const STREAM_END: usize = OUTPUT_LIMIT / 4;

/// How long listing a test binary's tests may take.
const LIST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long to wait for a pipe to close once its process tree is gone.
const PIPE_GRACE: Duration = Duration::from_millis(500);

/// One hidden test to run.
struct Planned {
    /// `<target>::<name>`, as reports show it.
    full_name: String,
    binary: PathBuf,
    name: String,
}

/// What a worker tells the thread that reports progress.
enum Event {
    Started(usize),
    Done(usize, Result<TestOutcome, GradeError>),
}

/// The hidden tests of one grade: the built test binaries and what to call them.
pub struct Suite<'a> {
    /// Test executables by target name (one per hidden test file).
    pub binaries: &'a [(String, PathBuf)],
    /// The harness package, the key of the timings kept between grades.
    pub package: &'a str,
    /// The crate under test; tests run in it.
    pub crate_dir: &'a Path,
    /// The instructors' one-sentence descriptions, by `<target>::<test>`.
    pub descriptions: &'a HashMap<String, String>,
}

/// Runs every test of every binary, one process each, several at a time.
pub fn run_all(
    suite: Suite<'_>,
    (timeout, place): (Duration, Place<'_>),
    workdir: &Workdir,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<TestOutcome>, GradeError> {
    let cache = workdir.root.join("grader/cache");
    let planned = plan(&suite, place, cancel, &cache)?;
    // The order of the report is the listed order; the order of running is longest first.
    let timings = schedule::Timings::load(&cache, suite.package);
    let mut order: Vec<usize> = (0..planned.len()).collect();
    timings.order(&mut order, |&i| planned[i].full_name.as_str());
    let scratch = workdir.root.join("tmp");
    std::fs::create_dir_all(&scratch).map_err(GradeError::io(format!(
        "cannot create {}",
        scratch.display()
    )))?;

    let pool = Pool {
        planned: &planned,
        order: &order,
        next: Mutex::new(0),
        crate_dir: suite.crate_dir,
        limits: (timeout, place),
        scratch: &scratch,
        cancel,
        failed: Cancel::default(),
    };
    let (outcomes, first_error) = pool.run(suite.descriptions, progress);
    if cancel.is_cancelled() {
        return Err(GradeError::Cancelled);
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    let outcomes: Vec<TestOutcome> = outcomes.into_iter().flatten().collect();
    timings.save(outcomes.iter().map(|o| (o.name.clone(), o.duration_ms)));
    Ok(outcomes)
}

/// Returns the tests of every binary of `suite` in listed order, each binary's list taken
/// from `cache` when the binary is unchanged, else from the binary (and then cached).
fn plan(
    suite: &Suite<'_>,
    place: Place<'_>,
    cancel: &Cancel,
    cache: &Path,
) -> Result<Vec<Planned>, GradeError> {
    let mut planned = Vec::new();
    for (target, binary) in suite.binaries {
        let names = match schedule::cached_list(cache, binary) {
            Some(names) => names,
            None => {
                let names = list_tests(binary, suite.crate_dir, place, cancel)?;
                schedule::keep_list(cache, binary, &names);
                names
            }
        };
        for name in names {
            planned.push(Planned {
                full_name: format!("{target}::{name}"),
                binary: binary.clone(),
                name,
            });
        }
    }
    Ok(planned)
}

/// The planned tests of one grade and what the threads running them share.
struct Pool<'a> {
    planned: &'a [Planned],
    /// Indexes into `planned`, in the order to run them.
    order: &'a [usize],
    /// How many of `order` were taken by a worker.
    next: Mutex<usize>,
    crate_dir: &'a Path,
    /// Each test's timeout, and where it runs.
    limits: (Duration, Place<'a>),
    /// The folder each test gets a folder of its own in.
    scratch: &'a Path,
    /// The grade's cancel.
    cancel: &'a Cancel,
    /// Stops the other workers when one meets an error the grade cannot go on from.
    failed: Cancel,
}

impl Pool<'_> {
    /// Runs every planned test on as many threads as there are cores (at most one per
    /// test). Returns each test's outcome at its listed index, and the first error met.
    fn run(
        &self,
        descriptions: &HashMap<String, String>,
        progress: &mut dyn FnMut(Progress),
    ) -> (Vec<Option<TestOutcome>>, Option<GradeError>) {
        let workers = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(self.planned.len().max(1));
        let (tx, rx) = channel::<Event>();
        std::thread::scope(|scope| {
            for _ in 0..workers {
                let tx = tx.clone();
                scope.spawn(move || self.work(&tx));
            }
            drop(tx);
            self.collect(rx, descriptions, progress)
        })
    }

    /// Runs tests in running order, telling `tx` as each starts and ends, until none is left
    /// or the grade is stopped.
    fn work(&self, tx: &Sender<Event>) {
        while let Some(index) = self.take_next() {
            if self.stopped() {
                return;
            }
            let test = &self.planned[index];
            let _ = tx.send(Event::Started(index));
            let stop = || self.stopped();
            let result = run_one(
                &test.binary,
                &test.name,
                self.crate_dir,
                self.limits,
                self.scratch,
                &stop,
            );
            if result.is_err() {
                self.failed.cancel();
            }
            let _ = tx.send(Event::Done(index, result));
        }
    }

    /// Returns the index of the next test to run, or `None` when every test was taken.
    fn take_next(&self) -> Option<usize> {
        match self.next.lock() {
            Ok(mut n) if *n < self.order.len() => {
                *n += 1;
                Some(self.order[*n - 1])
            }
            _ => None,
        }
    }

    /// True once the grade is cancelled or a worker met an error.
    fn stopped(&self) -> bool {
        self.cancel.is_cancelled() || self.failed.is_cancelled()
    }

    /// Tells `progress` as the workers start and finish tests, until every worker is done.
    /// Returns each test's outcome, named and described, at its listed index, and the first
    /// error a worker met.
    fn collect(
        &self,
        rx: Receiver<Event>,
        descriptions: &HashMap<String, String>,
        progress: &mut dyn FnMut(Progress),
    ) -> (Vec<Option<TestOutcome>>, Option<GradeError>) {
        let total = self.planned.len();
        let mut outcomes: Vec<Option<TestOutcome>> = (0..total).map(|_| None).collect();
        let mut first_error = None;
        let mut started = 0;
        for event in rx {
            match event {
                Event::Started(index) => {
                    started += 1;
                    progress(Progress::Running {
                        name: self.planned[index].full_name.clone(),
                        index: started,
                        total,
                    });
                }
                Event::Done(index, Ok(outcome)) => {
                    let outcome = self.planned[index].describe(outcome, descriptions);
                    progress(Progress::Finished(outcome.clone()));
                    outcomes[index] = Some(outcome);
                }
                Event::Done(_, Err(e)) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        (outcomes, first_error)
    }
}

impl Planned {
    /// Returns `outcome` under the test's full name, with the instructor's description (or
    /// the test's name in words when there is none).
    fn describe(
        &self,
        outcome: TestOutcome,
        descriptions: &HashMap<String, String>,
    ) -> TestOutcome {
        let full_name = self.full_name.clone();
        let description = descriptions
            .get(&full_name)
            .cloned()
            .unwrap_or_else(|| self.name.replace('_', " "));
        TestOutcome {
            name: full_name,
            description,
            ..outcome
        }
    }
}

/// The names of the tests in one binary, from libtest's own `--list`, run contained like a
/// test: learner code can run before `main` (a static constructor) and may start processes.
fn list_tests(
    binary: &Path,
    crate_dir: &Path,
    place: Place<'_>,
    cancel: &Cancel,
) -> Result<Vec<String>, GradeError> {
    let home = tempfile::tempdir().map_err(GradeError::io("cannot create a scratch folder"))?;
    let mut command = test_command(binary, crate_dir, place, home.path(), &[])?;
    command
        .args(["--list", "--format", "terse"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = Contained::spawn(&mut command)
        .map_err(GradeError::io(format!("cannot start {}", binary.display())))?;
    let stdout = Capture::start(child.child_mut().stdout.take(), OUTPUT_LIMIT * 16, 0);
    let status = child
        .wait_until(Instant::now() + LIST_TIMEOUT, || cancel.is_cancelled())
        .map_err(GradeError::io("cannot wait for a test binary"))?;
    let listed = stdout.finish(PIPE_GRACE);
    if cancel.is_cancelled() {
        return Err(GradeError::Cancelled);
    }
    if status.is_none() {
        return Err(GradeError::Cargo(format!(
            "listing the tests of {} took longer than {} s and was stopped",
            binary.display(),
            LIST_TIMEOUT.as_secs()
        )));
    }
    Ok(listed
        .text()
        .lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .map(str::to_string)
        .collect())
}

/// Runs one test under a supervisor and judges it.
fn run_one(
    binary: &Path,
    name: &str,
    crate_dir: &Path,
    (timeout, place): (Duration, Place<'_>),
    scratch: &Path,
    stop: &dyn Fn() -> bool,
) -> Result<TestOutcome, GradeError> {
    let log_dir = tempfile::Builder::new()
        .prefix("test-")
        .tempdir_in(scratch)
        .map_err(GradeError::io("cannot create a scratch folder for a test"))?;
    let log = log_dir.path().join("libtest.log");
    let mut command = one_test_command(binary, name, crate_dir, place, (log_dir.path(), &log))?;
    let started = Instant::now();
    let mut child = Contained::spawn(&mut command)
        .map_err(GradeError::io(format!("cannot start {}", binary.display())))?;
    let stdout = Capture::start(child.child_mut().stdout.take(), STREAM_END, STREAM_END);
    let stderr = Capture::start(child.child_mut().stderr.take(), STREAM_END, STREAM_END);
    // The deadline covers the whole test: the supervisor ends only once every process the
    // test started is gone, and then the pipes close.
    let status = child
        .wait_until(started + timeout, stop)
        .map_err(GradeError::io("cannot wait for a test"))?;
    let duration = started.elapsed();
    let out = stdout.finish(PIPE_GRACE);
    let err = stderr.finish(PIPE_GRACE);
    if stop() {
        return Err(GradeError::Cancelled);
    }

    let logged_ok = std::fs::read_to_string(&log)
        .map(|text| text.lines().any(|l| l.trim() == format!("ok {name}")))
        .unwrap_or(false);
    let (out_text, err_text) = (out.text(), err.text());
    let (status, message) = judge(status, logged_ok, &out_text, &err_text, timeout);
    let message = message.map(|m| relative_locations(&m, crate_dir));
    let (output, output_truncated) = combine_output(&out, &err);
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

/// Returns the command running only test `name` of `binary`, with its own temporary folder
/// `log_dir` and its libtest log written to `log`.
fn one_test_command(
    binary: &Path,
    name: &str,
    crate_dir: &Path,
    place: Place<'_>,
    (log_dir, log): (&Path, &Path),
) -> Result<std::process::Command, GradeError> {
    // Tests run side by side: each gets a temporary folder of its own.
    let env: [(&str, &std::ffi::OsStr); 2] = [
        ("RUST_BACKTRACE", "0".as_ref()),
        ("TMPDIR", log_dir.as_os_str()),
    ];
    let mut command = test_command(binary, crate_dir, place, log_dir, &env)?;
    command
        .arg("--exact")
        .arg(name)
        .args(["--test-threads", "1", "--color", "never"])
        .arg("--logfile")
        .arg(log)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    Ok(command)
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

/// A supervised command running a test binary in `crate_dir`: on the host, or in the sandbox
/// where it sees the built binaries and the learner's crate read-only and only `scratch`
/// writable.
fn test_command(
    binary: &Path,
    crate_dir: &Path,
    place: Place<'_>,
    scratch: &Path,
    env: &[(&str, &std::ffi::OsStr)],
) -> Result<std::process::Command, GradeError> {
    let cannot = || GradeError::io("cannot find the workbook program to supervise tests");
    match place {
        Place::Host => {
            let mut command = contain::command(binary, 0).map_err(cannot())?;
            command.current_dir(crate_dir).envs(env.iter().copied());
            Ok(command)
        }
        Place::Sandboxed { sandbox, .. } => {
            let target = binary
                .ancestors()
                .find(|dir| dir.file_name().is_some_and(|n| n == "target"))
                .unwrap_or(binary);
            let jail = Jail {
                read_only: vec![target.to_path_buf(), crate_dir.to_path_buf()],
                writable: vec![scratch.to_path_buf()],
                home: scratch.join("home"),
            };
            sandbox
                .command(&jail, binary, 0, crate_dir, env)
                .map_err(cannot())
        }
    }
}

/// libtest's warning that `--logfile` is deprecated: the grader's business, not the learner's.
const LOGFILE_WARNING: &str = "warning: `--logfile` is deprecated";

/// The output shown for a test: its stdout, then its stderr, and whether either was cut.
fn combine_output(out: &Captured, err: &Captured) -> (String, bool) {
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
