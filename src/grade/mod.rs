//! The grader: runs an exercise's hidden tests against a crate (the learner's, the reference
//! solution, or any other copy) and produces a [`Report`].
//!
//! The hidden tests never enter the learner's folder. A harness crate under
//! `.workbook/grader/` depends on the crate under test by path and names the hidden test
//! files by absolute path; every exercise's harness shares one workspace and one target
//! directory, so dependencies compile once for all of them.

mod build;
mod capture;
pub mod contain;
mod docs;
mod harness;
mod integrity;
mod isolated;
pub mod options;
pub mod pristine;
pub mod report;
mod run;
pub mod sandbox;
mod schedule;
pub mod scoring;
mod stages;
pub mod style;
mod verdict;
pub mod warmup;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub(crate) use build::{BuildLimits, build_program};
pub(crate) use harness::{
    Harness, expect_dir, member_dir as harness_member, support_dir,
    write_if_changed as write_member_file,
};
pub use isolated::grade_sandboxed;
pub use report::{
    CompileError, GradeStatus, REPORT_VERSION, Report, Score, StageOutcome, StageStatus,
    TestOutcome, TestStatus,
};

use crate::course::{Course, Exercise};

/// Why grading could not even start or finish (as opposed to tests failing).
#[derive(Debug, thiserror::Error)]
pub enum GradeError {
    /// Writing the harness or reading test output failed.
    #[error(transparent)]
    Io(#[from] crate::io_error::IoError),
    /// The pristine stubs could not be kept (class grading builds on them).
    #[error(transparent)]
    Pristine(#[from] pristine::PristineError),
    /// `cargo` could not be started.
    #[error("cannot run cargo ({0}); is the Rust toolchain installed and on PATH?")]
    CargoMissing(std::io::Error),
    /// Cargo failed for a reason other than a compile error (network, lock file, ...).
    #[error("cargo failed before compiling the exercise:\n{0}")]
    Cargo(String),
    /// A folder the grader must hand to cargo has a path that is not UTF-8, which cargo
    /// refuses.
    #[error(
        "the folder {} has a path that is not valid UTF-8, and cargo cannot build in it; rename it (or move the course) to a folder whose path is plain text",
        .0.display()
    )]
    NotUtf8Path(PathBuf),
    /// The grade was cancelled (a file changed during `watch`, or the page went away).
    #[error("cancelled")]
    Cancelled,
    /// A course file the grader reads is not valid (`grader/style.toml`).
    #[error("{}: {message}", .path.display())]
    BadFile {
        /// The file.
        path: PathBuf,
        /// What is wrong, from the parser.
        message: String,
    },
    /// A hidden test binary was replaced after the grader built it (see `integrity`).
    #[error("{0}")]
    Tampered(String),
}

/// Refuses, in one sentence, a path cargo would refuse with its usage screen.
pub(crate) fn require_utf8(path: &Path) -> Result<(), GradeError> {
    match path.to_str() {
        Some(_) => Ok(()),
        None => {
            // Name the first folder on the path whose own name is not UTF-8.
            let mut at = PathBuf::new();
            for part in path.components() {
                at.push(part);
                if part.as_os_str().to_str().is_none() {
                    return Err(GradeError::NotUtf8Path(at));
                }
            }
            Err(GradeError::NotUtf8Path(path.to_path_buf()))
        }
    }
}

impl GradeError {
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> GradeError {
        let wrap = crate::io_error::io(what);
        move |source| GradeError::Io(wrap(source))
    }
}

/// What the grader is doing, for a spinner or a streamed page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// This is the first build in this target directory: dependencies compile once now.
    FirstBuild,
    /// Cargo finished compiling one crate (`fresh` ones were already up to date).
    Compiled {
        /// The crate's name.
        name: String,
    },
    /// Compilation is done; tests start.
    Built,
    /// A stage of a staged exercise starts (its tests follow).
    Stage {
        /// 1-based position.
        index: usize,
        /// How many stages there are.
        total: usize,
        /// Its id.
        id: String,
        /// Its title.
        title: String,
    },
    /// A test is about to run.
    Running {
        /// The test's name.
        name: String,
        /// 1-based position.
        index: usize,
        /// How many tests there are.
        total: usize,
    },
    /// A test finished.
    Finished(TestOutcome),
}

/// A flag that stops a grade in progress: cargo, the running tests and everything they
/// started are killed, and the grade returns [`GradeError::Cancelled`].
///
/// A cancel made with [`Cancel::child`] is also cancelled by its parent: the server hands
/// each grade a child of its shutdown flag, so Ctrl-C stops every grade it is running.
#[derive(Debug, Clone)]
pub struct Cancel(Vec<Arc<AtomicBool>>);

impl Default for Cancel {
    fn default() -> Cancel {
        Cancel(vec![Arc::new(AtomicBool::new(false))])
    }
}

impl Cancel {
    /// Asks the grade to stop.
    pub fn cancel(&self) {
        if let Some(own) = self.0.last() {
            own.store(true, Ordering::SeqCst);
        }
    }

    /// True once `cancel` was called on this flag or on any of its parents.
    pub fn is_cancelled(&self) -> bool {
        self.0.iter().any(|flag| flag.load(Ordering::SeqCst))
    }

    /// A new flag that this one cancels too, but that can be cancelled on its own.
    pub fn child(&self) -> Cancel {
        let mut flags = self.0.clone();
        flags.push(Arc::new(AtomicBool::new(false)));
        Cancel(flags)
    }
}

/// Where the grader keeps its harnesses, target directory and scratch files.
#[derive(Debug, Clone)]
pub struct Workdir {
    /// Usually `<course>/.workbook`.
    pub root: PathBuf,
}

impl Workdir {
    /// The work directory of a course: `<course>/.workbook`.
    pub fn of(course: &Course) -> Workdir {
        Workdir {
            root: absolute(&course.root).join(".workbook"),
        }
    }

    /// Waits for, then holds, the work directory's grader lock until the returned file is
    /// dropped. Waiting ends early with [`GradeError::Cancelled`] when `cancel` is set.
    ///
    /// One build at a time per work directory: the web app, the CLI and the background build
    /// may all want to grade, and two grades would rewrite the same harness under each other.
    /// Another process's grade (or background build) is waited for, not duplicated.
    pub fn lock(&self, cancel: &Cancel) -> Result<std::fs::File, GradeError> {
        lock_file(&self.root.join("grader.lock"), cancel)
    }

    /// Holds the target directory's own lock until the returned file is dropped: for a build
    /// whose output file has one name whatever is built (a lesson example), held until that
    /// file has been taken out. Another work directory may share the target directory (a
    /// copy of the course whose `.workbook/target` links to this one), and its grader lock
    /// is not this one's.
    pub fn lock_target(&self, cancel: &Cancel) -> Result<std::fs::File, GradeError> {
        lock_file(&self.target_dir().join(".workbook-target.lock"), cancel)
    }

    /// The one target directory every exercise builds into.
    pub fn target_dir(&self) -> PathBuf {
        self.root.join("target")
    }
}

/// Waits for, then holds, an exclusive lock on the file at `path` (created with its folder
/// if needed); waiting ends with [`GradeError::Cancelled`] when `cancel` is set.
fn lock_file(path: &Path, cancel: &Cancel) -> Result<std::fs::File, GradeError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(GradeError::io(format!("cannot create {}", dir.display())))?;
    let file = std::fs::File::create(path)
        .map_err(GradeError::io(format!("cannot create {}", path.display())))?;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => {
                if cancel.is_cancelled() {
                    return Err(GradeError::Cancelled);
                }
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(GradeError::io(format!("cannot lock {}", path.display()))(e));
            }
        }
    }
}

/// Grades `exercise` against the crate in `crate_dir` (the learner's folder by default),
/// every stage of a staged exercise (see [`grade_stages`] for fewer).
pub fn grade(
    course: &Course,
    exercise: &Exercise,
    crate_dir: &Path,
    workdir: &Workdir,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Report, GradeError> {
    grade_stages(
        course,
        exercise,
        crate_dir,
        (workdir, usize::MAX),
        cancel,
        progress,
    )
}

/// Grades `exercise` like [`grade`], running only its first `until` stages (all of them for
/// an exercise without stages).
pub fn grade_stages(
    course: &Course,
    exercise: &Exercise,
    crate_dir: &Path,
    (workdir, until): (&Workdir, usize),
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Report, GradeError> {
    let crate_dir = absolute(crate_dir);
    let _lock = workdir.lock(cancel)?;
    let harness = harness::prepare(course, exercise, &crate_dir, workdir)?;
    let descriptions = docs::describe_tests(&course.root, &exercise.hidden_tests);
    let suite = SuiteInfo {
        descriptions: &descriptions,
        stages: &exercise.stages,
        until,
    };
    let limits = Limits {
        test: exercise.timeout,
        compile: exercise.compile_timeout,
        cancel,
        place: Place::Host,
    };
    let run = build_and_run(&harness, &crate_dir, limits, suite, workdir, progress)?;
    Ok(run.into_report(exercise))
}

/// What the grader knows of the hidden tests before running them.
#[derive(Clone, Copy)]
pub(crate) struct SuiteInfo<'a> {
    /// The instructors' descriptions and rule ids, by `<target>::<test>`.
    pub descriptions: &'a std::collections::HashMap<String, docs::TestDoc>,
    /// The exercise's stages (none: every test at once).
    pub stages: &'a [crate::course::Stage],
    /// How many stages to run at most.
    pub until: usize,
}

/// Compiles `exercise` against `crate_dir` without running a test, at a lower priority
/// (`nice`), so that a grade later finds everything built. A crate that does not compile is
/// not an error here: its dependencies were built all the same.
pub fn prebuild(
    course: &Course,
    exercise: &Exercise,
    crate_dir: &Path,
    workdir: &Workdir,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), GradeError> {
    let crate_dir = absolute(crate_dir);
    let _lock = workdir.lock(cancel)?;
    let harness = harness::prepare(course, exercise, &crate_dir, workdir)?;
    let limits = build::BuildLimits {
        timeout: exercise.compile_timeout,
        cancel,
        nice: warmup::NICE,
        place: Place::Host,
    };
    build::build(&harness, &crate_dir, workdir, limits, progress).map(|_| ())
}

/// The limits of one grade.
#[derive(Clone, Copy)]
pub(crate) struct Limits<'a> {
    /// How long one test may run.
    pub test: Duration,
    /// How long the build may take.
    pub compile: Duration,
    /// Stops the grade in any phase.
    pub cancel: &'a Cancel,
    /// Where cargo and the tests run.
    pub place: Place<'a>,
}

/// Where the grader runs cargo and the tests.
#[derive(Clone, Copy)]
pub(crate) enum Place<'a> {
    /// On this machine as it is: the learner's own machine, where the learner is trusted.
    Host,
    /// Inside the class-grading sandbox, which sees only `scratch` (and the system).
    Sandboxed {
        /// The sandbox.
        sandbox: &'a sandbox::Sandbox,
        /// The grade's scratch folder: the learner's crate, the harness, the target folder.
        scratch: &'a Path,
    },
}

/// What building and running one package of the grader workspace gave.
pub(crate) struct Run {
    pub compile_errors: Vec<CompileError>,
    pub tests: Vec<TestOutcome>,
    pub compile_ms: u64,
    pub test_ms: u64,
    pub build_output_cut: bool,
    pub stages: Vec<StageOutcome>,
}

impl Run {
    /// The report of `exercise` that this run makes.
    pub(crate) fn into_report(self, exercise: &Exercise) -> Report {
        let mut report = Report::new(exercise.slug.clone(), self.compile_ms);
        report.compile_errors = self.compile_errors;
        report.build_output_truncated = self.build_output_cut;
        report.tests = self.tests;
        report.stages = self.stages;
        report.test_ms = self.test_ms;
        report.finish();
        report
    }
}

/// Builds a package of the grader workspace and, if it compiles, runs each of its tests in
/// its own process. `crate_dir` is the crate whose errors are the learner's to fix.
pub(crate) fn build_and_run(
    harness: &harness::Harness,
    crate_dir: &Path,
    limits: Limits<'_>,
    suite: SuiteInfo<'_>,
    workdir: &Workdir,
    progress: &mut dyn FnMut(Progress),
) -> Result<Run, GradeError> {
    let started = Instant::now();
    let build_limits = build::BuildLimits {
        timeout: limits.compile,
        cancel: limits.cancel,
        nice: 0,
        place: limits.place,
    };
    let built = build::build(harness, crate_dir, workdir, build_limits, progress)?;
    let compile_ms = millis(started.elapsed());
    progress(Progress::Built);
    if !built.errors.is_empty() || built.binaries.is_empty() {
        return Ok(Run {
            compile_errors: built.errors,
            tests: Vec::new(),
            compile_ms,
            test_ms: 0,
            build_output_cut: built.output_cut,
            stages: Vec::new(),
        });
    }
    let started = Instant::now();
    let mut run_some = |binaries: &[(String, PathBuf)], progress: &mut dyn FnMut(Progress)| {
        let tests = run::Suite {
            binaries,
            seals: &built.seals,
            package: &harness.package,
            crate_dir,
            descriptions: suite.descriptions,
        };
        run::run_all(
            tests,
            (limits.test, limits.place),
            workdir,
            limits.cancel,
            progress,
        )
    };
    let (tests, stages) = if suite.stages.is_empty() {
        (run_some(&built.binaries, progress)?, Vec::new())
    } else {
        let staged = stages::run(
            suite.stages,
            suite.until,
            &built.binaries,
            progress,
            &mut run_some,
        )?;
        (staged.tests, staged.stages)
    };
    Ok(Run {
        compile_errors: Vec::new(),
        tests,
        compile_ms,
        test_ms: millis(started.elapsed()),
        build_output_cut: built.output_cut,
        stages,
    })
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// An absolute form of `path` without requiring it to exist.
pub(crate) fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
