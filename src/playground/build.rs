//! Building an example: its source becomes `src/main.rs` of one member crate of the grader's
//! workspace (`lesson-example`), built with the crates of `lessons/code.toml`; the program
//! is then linked into a private folder, so the next build (of this or another example) can
//! start while it runs.

use std::path::{Path, PathBuf};

use super::Event;
use crate::authoring::lesson_code::code_crate_manifest;
use crate::course::example::program_with_main;
use crate::grade::{self, Cancel, GradeError, Progress, Workdir};

/// The member crate's package name.
const PACKAGE: &str = "lesson-example";

/// What a program's file is called in compile errors: the learner never sees the workspace.
pub const SHOWN_AS: &str = "example.rs";

/// A built program, in a folder of its own that is removed when this is dropped. The folder
/// is also the program's working folder, so files it writes go away with it.
pub struct Executable {
    /// The folder.
    pub dir: tempfile::TempDir,
    /// The program in it.
    pub path: PathBuf,
}

/// The program's source as rustc is given it (relative to the workspace), which panic
/// messages name (`panicked at harness/lesson-example/src/main.rs:2:5`); shown to the
/// learner as [`SHOWN_AS`]. The member folder is [`PACKAGE`]'s (checked by a test).
pub const SOURCE_PATH: &str = "harness/lesson-example/src/main.rs";

/// Builds `source`; `None` when it does not compile (each error was sent as an event).
pub fn build(
    workdir: &Workdir,
    dependencies: &toml::Table,
    source: &str,
    cancel: &Cancel,
    on_event: &mut dyn FnMut(Event),
) -> Result<Option<Executable>, GradeError> {
    let _lock = workdir.lock(cancel)?;
    // Every example is built to the same file: held until it is taken out, also against a
    // copy of the course that shares this target directory.
    let _target = workdir.lock_target(cancel)?;
    let (workspace_manifest, dir) = grade::harness_member(workdir, PACKAGE)?;
    grade::write_member_file(
        &dir.join("Cargo.toml"),
        &code_crate_manifest(PACKAGE, dependencies)?,
    )?;
    let main = dir.join("src/main.rs");
    grade::write_member_file(&main, &program_with_main(source))?;
    let harness = grade::Harness {
        workspace_manifest,
        package: PACKAGE.to_string(),
    };
    let limits = grade::BuildLimits {
        timeout: crate::course::DEFAULT_COMPILE_TIMEOUT,
        cancel,
        nice: 0,
        place: grade::Place::Host,
    };
    let mut progress = |p: Progress| {
        if p == Progress::FirstBuild {
            on_event(Event::FirstBuild);
        }
    };
    let built = grade::build_program(&harness, &dir, workdir, limits, &mut progress)?;
    if !built.errors.is_empty() {
        for error in built.errors {
            on_event(compile_error(error, limits.timeout));
        }
        return Ok(None);
    }
    let Some((_, program)) = built.binaries.into_iter().next() else {
        return Err(GradeError::Cargo(
            "cargo built the example but named no program".into(),
        ));
    };
    take_out(workdir, &program).map(Some)
}

/// A compile error as the learner sees it: the program named `example.rs`.
fn compile_error(error: grade::CompileError, timeout: std::time::Duration) -> Event {
    // The grader's words for a build out of time speak of build scripts and exercise.toml,
    // which an example has not.
    let rendered = match error.line {
        None if error
            .rendered
            .starts_with("error: compiling took longer than") =>
        {
            format!(
                "error: compiling the example took longer than {} s and was stopped. Does a `const` computation or a macro go on forever?",
                timeout.as_secs()
            )
        }
        _ => error
            .rendered
            .replace(SOURCE_PATH, SHOWN_AS)
            .replace("src/main.rs", SHOWN_AS),
    };
    Event::CompileError {
        line: error.line,
        rendered,
    }
}

/// Links (or, across file systems, copies) the program into a new private folder.
fn take_out(workdir: &Workdir, program: &Path) -> Result<Executable, GradeError> {
    let parent = workdir.root.join("tmp");
    std::fs::create_dir_all(&parent).map_err(GradeError::io(format!(
        "cannot create {}",
        parent.display()
    )))?;
    let dir = tempfile::Builder::new()
        .prefix("example-")
        .tempdir_in(&parent)
        .map_err(GradeError::io(format!(
            "cannot create a folder in {}",
            parent.display()
        )))?;
    let path = dir.path().join("example");
    if std::fs::hard_link(program, &path).is_err() {
        std::fs::copy(program, &path).map_err(GradeError::io(format!(
            "cannot copy {} to {}",
            program.display(),
            path.display()
        )))?;
    }
    Ok(Executable { dir, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_path_is_the_members_main() {
        assert_eq!(SOURCE_PATH, format!("harness/{PACKAGE}/src/main.rs"));
    }
}
