//! Running hidden tests: one process per test, in parallel across the machine's cores, each
//! supervised (see [`super::contain`]) with its own timeout.
//!
//! A test passes only when its process exits with status 0 *and* libtest's log file (a file
//! the learner's code does not write to) records it as `ok`. Printing forged libtest lines or
//! calling `std::process::exit(0)` from inside a test therefore cannot make it pass.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use super::capture::Capture;
use super::contain::{self, Contained};
use super::docs::TestDoc;
use super::report::TestOutcome;
use super::sandbox::Jail;
use super::schedule;
use super::verdict::{combine_output, judge, relative_locations};
use super::{Cancel, GradeError, Place, Progress, Workdir};

/// The most output kept per test: half from each stream's start and end.
pub const OUTPUT_LIMIT: usize = 64 * 1024;

/// Kept from the start, and from the end, of each of a test's two streams.
pub(super) const STREAM_END: usize = OUTPUT_LIMIT / 4;

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
    /// The binaries as checked after the build: each must be unchanged when its test starts.
    pub seals: &'a super::integrity::Seals,
    /// The harness package, the key of the timings kept between grades.
    pub package: &'a str,
    /// The crate under test; tests run in it.
    pub crate_dir: &'a Path,
    /// The instructors' one-sentence descriptions and rule ids, by `<target>::<test>`.
    pub descriptions: &'a HashMap<String, TestDoc>,
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
        seals: suite.seals,
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
        // A binary replaced since the build must not even be asked for its list.
        suite
            .seals
            .unchanged(binary)
            .map_err(GradeError::Tampered)?;
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
    /// The binaries as checked after the build.
    seals: &'a super::integrity::Seals,
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
        descriptions: &HashMap<String, TestDoc>,
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
            if let Err(why) = self.seals.unchanged(&test.binary) {
                self.failed.cancel();
                let _ = tx.send(Event::Done(index, Err(GradeError::Tampered(why))));
                return;
            }
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
        descriptions: &HashMap<String, TestDoc>,
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
        descriptions: &HashMap<String, TestDoc>,
    ) -> TestOutcome {
        let full_name = self.full_name.clone();
        let doc = descriptions.get(&full_name).cloned().unwrap_or_default();
        let description = match doc.description.is_empty() {
            true => self.name.replace('_', " "),
            false => doc.description,
        };
        TestOutcome {
            name: full_name,
            description,
            rules: doc.rules,
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
        rules: Vec::new(),
        stage: None,
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
