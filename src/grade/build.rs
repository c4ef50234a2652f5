//! Building the harness with cargo, reading its JSON messages for progress, test binaries and
//! compile errors.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::capture::Capture;
use super::contain::{self, Contained};
use super::harness::Harness;
use super::report::CompileError;
use super::sandbox::Jail;
use super::{Cancel, GradeError, Place, Progress, Workdir};

/// What a build produced.
#[derive(Debug, Default)]
pub struct Built {
    /// Test executables by target name (one per hidden test file).
    pub binaries: Vec<(String, PathBuf)>,
    /// The test executables cargo called fresh (not written by this build).
    pub fresh: std::collections::HashSet<PathBuf>,
    /// The test executables as checked after the build, to compare with before each test.
    pub seals: super::integrity::Seals,
    /// Compile errors, if any.
    pub errors: Vec<CompileError>,
    /// True when cargo printed more than the grader keeps (a flood of build-script warnings).
    pub output_cut: bool,
}

/// The most compile errors kept: the first ones are the ones to fix.
const MAX_ERRORS: usize = 50;

/// The longest line of cargo's JSON output that is parsed; a longer one is skipped.
const MAX_LINE: usize = 1024 * 1024;

/// Kept from the start, and from the end, of cargo's standard error.
const STDERR_END: usize = 16 * 1024;

/// One line of cargo's `--message-format=json` output (the fields the grader reads).
#[derive(Deserialize)]
pub(super) struct Message {
    pub(super) reason: String,
    #[serde(default)]
    manifest_path: Option<PathBuf>,
    #[serde(default)]
    target: Option<Target>,
    #[serde(default)]
    fresh: Option<bool>,
    #[serde(default)]
    executable: Option<PathBuf>,
    #[serde(default)]
    pub(super) message: Option<CompilerMessage>,
    #[serde(default)]
    success: Option<bool>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
    /// `["test"]` for a hidden test file, `["lib"]` for a library's unit tests, `["bin"]` for
    /// a server exercise's program.
    #[serde(default)]
    kind: Vec<String>,
}

/// A diagnostic of rustc (or clippy) inside a cargo message.
#[derive(Deserialize)]
pub(super) struct CompilerMessage {
    pub(super) level: String,
    pub(super) message: String,
    pub(super) rendered: Option<String>,
    /// The lint or error code: `clippy::needless_range_loop`, `unused_variables`, `E0308`.
    #[serde(default)]
    pub(super) code: Option<Code>,
    #[serde(default)]
    pub(super) spans: Vec<Span>,
}

/// A diagnostic's code.
#[derive(Deserialize)]
pub(super) struct Code {
    pub(super) code: String,
}

/// Where a diagnostic points.
#[derive(Deserialize)]
pub(super) struct Span {
    pub(super) file_name: String,
    pub(super) line_start: u32,
    pub(super) is_primary: bool,
}

/// Runs `cargo test --no-run` on the harness, supervised: `limits.timeout` bounds the whole
/// build (build scripts included), and `limits.cancel` stops cargo and everything it started.
/// The test binaries are then checked to be the ones cargo built (see [`super::integrity`]):
/// one that is not is removed and built again, once.
pub fn build(
    harness: &Harness,
    crate_dir: &Path,
    workdir: &Workdir,
    limits: BuildLimits<'_>,
    progress: &mut dyn FnMut(Progress),
) -> Result<Built, GradeError> {
    let cache = workdir.root.join("grader/cache");
    let build_tests = |progress: &mut dyn FnMut(Progress)| {
        build_once(
            harness,
            crate_dir,
            workdir,
            (limits, Artifacts::Tests),
            progress,
        )
    };
    let mut built = build_tests(progress)?;
    for attempt in 0..2 {
        let fresh = std::mem::take(&mut built.fresh);
        let (seals, doubtful) =
            super::integrity::seal(&cache, &built.binaries, &|b| fresh.contains(b));
        match doubtful.first() {
            None => {
                built.seals = seals;
                return Ok(built);
            }
            Some(binary) if attempt == 1 => {
                return Err(GradeError::Tampered(format!(
                    "the hidden test binary {} is not the one cargo built, even after building it again",
                    binary.display()
                )));
            }
            Some(_) => built = build_tests(progress)?,
        }
    }
    Ok(built)
}

/// Builds the program of `harness`'s package (its one binary target) with `cargo build`,
/// supervised and bounded like [`build`]: its executable in `binaries`, or its compile
/// errors. Used for lesson examples, which are programs of their own.
pub fn build_program(
    harness: &Harness,
    crate_dir: &Path,
    workdir: &Workdir,
    limits: BuildLimits<'_>,
    progress: &mut dyn FnMut(Progress),
) -> Result<Built, GradeError> {
    build_once(
        harness,
        crate_dir,
        workdir,
        (limits, Artifacts::Program),
        progress,
    )
}

/// What a build is for, which decides cargo's command and the executables kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Artifacts {
    /// `cargo test --no-run`: the test binaries.
    Tests,
    /// `cargo build`: the binary target.
    Program,
}

fn build_once(
    harness: &Harness,
    crate_dir: &Path,
    workdir: &Workdir,
    (limits, artifacts): (BuildLimits<'_>, Artifacts),
    progress: &mut dyn FnMut(Progress),
) -> Result<Built, GradeError> {
    let target_dir = workdir.target_dir();
    if !target_dir.join("debug").exists() {
        progress(Progress::FirstBuild);
    }
    let mut command = build_command(harness, &target_dir, limits, artifacts)?;
    let mut child = Contained::spawn(&mut command).map_err(GradeError::CargoMissing)?;
    let stderr = Capture::start(child.child_mut().stderr.take(), STDERR_END, STDERR_END);
    let messages = read_messages(child.child_mut().stdout.take());

    let mut built = Built::default();
    let (finished_ok, timed_out) = collect(
        &messages,
        &mut child,
        (crate_dir, artifacts),
        limits,
        &mut built,
        progress,
    );
    let status = child
        .wait_until(Instant::now() + Duration::from_secs(5), || false)
        .map_err(GradeError::io("cannot wait for cargo"))?;
    let stderr = stderr.finish(Duration::from_millis(500));
    built.output_cut = stderr.is_cut();
    if limits.cancel.is_cancelled() {
        return Err(GradeError::Cancelled);
    }
    if timed_out {
        built.binaries.clear();
        built.errors.insert(0, timed_out_error(limits.timeout));
        return Ok(built);
    }
    let success = status.is_some_and(|s| s.success());
    if (!success || finished_ok == Some(false)) && built.errors.is_empty() {
        // Cargo itself failed: no network for the first download, a bad lock file, ...
        return Err(cargo_failed(&stderr.text()));
    }
    built.binaries.sort();
    Ok(built)
}

/// Returns `cargo test --no-run` (or `cargo build` for a program) for the harness, with JSON
/// messages on its standard output and the binaries written under `target_dir`.
fn build_command(
    harness: &Harness,
    target_dir: &Path,
    limits: BuildLimits<'_>,
    artifacts: Artifacts,
) -> Result<std::process::Command, GradeError> {
    let mut command = cargo_command(limits)?;
    match artifacts {
        Artifacts::Tests => command.arg("test").arg("--no-run"),
        Artifacts::Program => command.arg("build"),
    };
    command
        .arg("--message-format=json")
        .arg("--color=never")
        .arg("--manifest-path")
        .arg(&harness.workspace_manifest)
        .arg("-p")
        .arg(&harness.package)
        .arg("--target-dir")
        .arg(target_dir)
        .args(offline(limits.place))
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    Ok(command)
}

/// Returns the error of a cargo that failed without a compile error: its standard error
/// without the lines of crates it compiled or downloaded.
fn cargo_failed(stderr: &str) -> GradeError {
    let relevant: Vec<&str> = stderr
        .lines()
        .filter(|l| {
            !l.trim_start().starts_with("Compiling") && !l.trim_start().starts_with("Downloaded")
        })
        .collect();
    GradeError::Cargo(relevant.join("\n"))
}

/// Reads cargo's messages into `built` until cargo closes its output, stopping cargo on
/// cancel or when the time is up. Returns cargo's own verdict and whether time ran out.
fn collect(
    messages: &Receiver<Message>,
    child: &mut Contained,
    (crate_dir, artifacts): (&Path, Artifacts),
    limits: BuildLimits<'_>,
    built: &mut Built,
    progress: &mut dyn FnMut(Progress),
) -> (Option<bool>, bool) {
    let started = Instant::now();
    let crate_dir_text = format!("{}/", crate_dir.display());
    let learner_manifest = crate_dir.join("Cargo.toml");
    let (mut finished_ok, mut timed_out) = (None, false);
    loop {
        let msg = match messages.recv_timeout(Duration::from_millis(20)) {
            Ok(msg) => msg,
            Err(RecvTimeoutError::Timeout) => {
                if limits.cancel.is_cancelled() {
                    child.stop();
                } else if started.elapsed() >= limits.timeout {
                    timed_out = true;
                    child.stop();
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return (finished_ok, timed_out),
        };
        match msg.reason.as_str() {
            "compiler-artifact" => take_artifact(msg, artifacts, built, progress),
            "compiler-message" => {
                let Some(message) = msg.message.filter(|m| m.level == "error") else {
                    continue;
                };
                if built.errors.len() < MAX_ERRORS {
                    // A server exercise's program is a target of the harness package, built
                    // from the learner's files: its errors are the learner's too.
                    let in_learner_crate = msg.manifest_path.as_deref()
                        == Some(learner_manifest.as_path())
                        || message
                            .spans
                            .iter()
                            .any(|s| s.is_primary && s.file_name.starts_with(&crate_dir_text));
                    built
                        .errors
                        .push(compile_error(message, in_learner_crate, &crate_dir_text));
                }
            }
            "build-finished" => finished_ok = msg.success,
            _ => {}
        }
    }
}

/// Keeps the executable a `compiler-artifact` message reports, if it is one the build is
/// for, and shows the crate compiled.
fn take_artifact(
    msg: Message,
    artifacts: Artifacts,
    built: &mut Built,
    progress: &mut dyn FnMut(Progress),
) {
    let Some(target) = msg.target else { return };
    // With `--no-run`, the executables cargo reports are the test binaries (of test targets,
    // or a library's unit tests for lesson code), and a server exercise's program, which the
    // tests start themselves and is not run here.
    let is_bin = target.kind.iter().any(|k| k == "bin");
    let wanted = match artifacts {
        Artifacts::Tests => !is_bin,
        Artifacts::Program => is_bin,
    };
    if let Some(exe) = msg.executable
        && wanted
    {
        if msg.fresh == Some(true) {
            built.fresh.insert(exe.clone());
        }
        built.binaries.push((target.name.clone(), exe));
    }
    if msg.fresh != Some(true) {
        progress(Progress::Compiled { name: target.name });
    }
}

/// How long a build may take, how to stop it, at what priority and where it runs.
#[derive(Clone, Copy)]
pub struct BuildLimits<'a> {
    /// The whole build, build scripts included.
    pub timeout: Duration,
    /// Stops the build at once.
    pub cancel: &'a Cancel,
    /// Added to the build's niceness (0 for a grade, more for a background build).
    pub nice: i32,
    /// On the host, or in the class-grading sandbox.
    pub place: Place<'a>,
}

/// Cargo, supervised, on the host or in the sandbox (where it sees only the scratch folder
/// and has no network, so it builds from what was fetched beforehand).
fn cargo_command(limits: BuildLimits<'_>) -> Result<std::process::Command, GradeError> {
    match limits.place {
        Place::Host => {
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            contain::command(&cargo, limits.nice).map_err(GradeError::CargoMissing)
        }
        Place::Sandboxed { sandbox, scratch } => {
            let jail = Jail {
                read_only: Vec::new(),
                writable: vec![scratch.to_path_buf()],
                home: scratch.join("cargo-home"),
            };
            sandbox
                .command(&jail, &sandbox.cargo(), limits.nice, scratch, &[])
                .map_err(GradeError::CargoMissing)
        }
    }
}

fn offline(place: Place<'_>) -> &'static [&'static str] {
    match place {
        Place::Host => &[],
        Place::Sandboxed { .. } => &["--offline"],
    }
}

fn timed_out_error(timeout: Duration) -> CompileError {
    CompileError {
        file: None,
        line: None,
        rendered: format!(
            "error: compiling took longer than {} s and was stopped. Does a build script (build.rs) loop, sleep or wait for something? (An instructor can raise `compile_timeout_secs` in exercise.toml.)",
            timeout.as_secs()
        ),
        in_hidden_tests: false,
    }
}

/// Parses cargo's JSON lines on their own thread, skipping lines that are not messages or
/// that are longer than [`MAX_LINE`], so no single line can fill the grader's memory.
pub(super) fn read_messages(stdout: Option<std::process::ChildStdout>) -> Receiver<Message> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let Some(stdout) = stdout else { return };
        let mut reader = BufReader::new(stdout);
        let mut line = Vec::new();
        loop {
            line.clear();
            let Ok((read, complete)) = read_line_capped(&mut reader, &mut line) else {
                return;
            };
            if read == 0 {
                return;
            }
            if complete
                && let Ok(msg) = serde_json::from_slice::<Message>(&line)
                && tx.send(msg).is_err()
            {
                return;
            }
        }
    });
    rx
}

/// Reads one line into `line`, keeping at most [`MAX_LINE`] bytes. Returns the bytes read
/// and whether the line was kept whole.
fn read_line_capped(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
) -> std::io::Result<(usize, bool)> {
    let mut read = 0;
    let mut complete = true;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok((read, complete));
        }
        let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..=i], true),
            None => (buf, false),
        };
        let len = chunk.len();
        if line.len() + len <= MAX_LINE {
            line.extend_from_slice(chunk);
        } else {
            complete = false;
        }
        reader.consume(len);
        read += len;
        if done {
            return Ok((read, complete));
        }
    }
}

/// Turns a compiler message into what the learner sees. Errors in the hidden tests are shown
/// without their source lines, which would give the tests away.
fn compile_error(
    message: CompilerMessage,
    in_learner_crate: bool,
    crate_dir: &str,
) -> CompileError {
    if in_learner_crate {
        let primary = message.spans.iter().find(|s| s.is_primary);
        let relative = |file: &str| file.strip_prefix(crate_dir).unwrap_or(file).to_string();
        CompileError {
            file: primary.map(|s| relative(&s.file_name)),
            line: primary.map(|s| s.line_start),
            rendered: message
                .rendered
                .unwrap_or(message.message)
                .replace(crate_dir, "")
                .trim_end()
                .to_string(),
            in_hidden_tests: false,
        }
    } else {
        CompileError {
            file: None,
            line: None,
            rendered: format!("error: {}", message.message),
            in_hidden_tests: true,
        }
    }
}
