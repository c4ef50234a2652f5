//! Building the harness with cargo, reading its JSON messages for progress, test binaries and
//! compile errors.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde::Deserialize;

use super::harness::Harness;
use super::report::CompileError;
use super::{Cancel, GradeError, Progress, Workdir};

/// What a build produced.
#[derive(Debug, Default)]
pub struct Built {
    /// Test executables by target name (one per hidden test file).
    pub binaries: Vec<(String, PathBuf)>,
    /// Compile errors, if any.
    pub errors: Vec<CompileError>,
}

#[derive(Deserialize)]
struct Message {
    reason: String,
    #[serde(default)]
    manifest_path: Option<PathBuf>,
    #[serde(default)]
    target: Option<Target>,
    #[serde(default)]
    fresh: Option<bool>,
    #[serde(default)]
    executable: Option<PathBuf>,
    #[serde(default)]
    message: Option<CompilerMessage>,
    #[serde(default)]
    success: Option<bool>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
}

#[derive(Deserialize)]
struct CompilerMessage {
    level: String,
    message: String,
    rendered: Option<String>,
    #[serde(default)]
    spans: Vec<Span>,
}

#[derive(Deserialize)]
struct Span {
    file_name: String,
    line_start: u32,
    is_primary: bool,
}

/// Runs `cargo test --no-run` on the harness.
pub fn build(
    harness: &Harness,
    crate_dir: &Path,
    workdir: &Workdir,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Built, GradeError> {
    let target_dir = workdir.target_dir();
    if !target_dir.join("debug").exists() {
        progress(Progress::FirstBuild);
    }
    let mut child = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .arg("test")
        .arg("--no-run")
        .arg("--message-format=json")
        .arg("--color=never")
        .arg("--manifest-path")
        .arg(&harness.workspace_manifest)
        .arg("-p")
        .arg(&harness.package)
        .arg("--target-dir")
        .arg(&target_dir)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(GradeError::CargoMissing)?;

    let stderr = child.stderr.take();
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut err) = stderr {
            let _ = err.read_to_string(&mut text);
        }
        text
    });

    // Cancelling kills cargo from a watcher thread while this one reads its output.
    let pid = child.id();
    let watcher_cancel = cancel.clone();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let watcher = std::thread::spawn(move || {
        loop {
            match done_rx.recv_timeout(Duration::from_millis(50)) {
                Err(std::sync::mpsc::RecvTimeoutError::Timeout)
                    if watcher_cancel.is_cancelled() =>
                {
                    super::run::kill_process(pid);
                    return;
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                _ => return,
            }
        }
    });

    let crate_dir_text = format!("{}/", crate_dir.display());
    let learner_manifest = crate_dir.join("Cargo.toml");
    let mut built = Built::default();
    let mut finished_ok = None;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let Ok(msg) = serde_json::from_str::<Message>(&line) else {
                continue;
            };
            match msg.reason.as_str() {
                "compiler-artifact" => {
                    let Some(target) = msg.target else { continue };
                    // With `--no-run`, the executables cargo reports are the test binaries.
                    if let Some(exe) = msg.executable {
                        built.binaries.push((target.name.clone(), exe));
                    }
                    if msg.fresh != Some(true) {
                        progress(Progress::Compiled { name: target.name });
                    }
                }
                "compiler-message" => {
                    let Some(message) = msg.message.filter(|m| m.level == "error") else {
                        continue;
                    };
                    let in_learner_crate =
                        msg.manifest_path.as_deref() == Some(learner_manifest.as_path());
                    built
                        .errors
                        .push(compile_error(message, in_learner_crate, &crate_dir_text));
                }
                "build-finished" => finished_ok = msg.success,
                _ => {}
            }
        }
    }
    let status = child
        .wait()
        .map_err(GradeError::io("cannot wait for cargo"))?;
    let _ = done_tx.send(());
    let _ = watcher.join();
    let stderr = stderr_reader.join().unwrap_or_default();
    if cancel.is_cancelled() {
        return Err(GradeError::Cancelled);
    }
    if !status.success() && built.errors.is_empty() {
        // Cargo itself failed: no network for the first download, a bad lock file, ...
        let relevant: Vec<&str> = stderr
            .lines()
            .filter(|l| {
                !l.trim_start().starts_with("Compiling")
                    && !l.trim_start().starts_with("Downloaded")
            })
            .collect();
        return Err(GradeError::Cargo(relevant.join("\n")));
    }
    if finished_ok == Some(false) && built.errors.is_empty() {
        return Err(GradeError::Cargo(stderr));
    }
    built.binaries.sort();
    Ok(built)
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
