//! `workbook publish <DIR>`: the learner edition of a course. Lessons, quizzes, exercise
//! stubs and hidden tests, and the workbook itself when the course carries its source; never
//! a reference solution. The edition is built beside DIR and renamed into place, so DIR is
//! either complete or absent.

use crate::io_error::io;
use std::path::{Path, PathBuf};

use crate::course::{Course, LEARNER_EDITION_MARKER};

/// Why a course could not be published. Nothing is left at the destination in any case.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The destination exists and holds something.
    #[error("{0} already exists and is not empty; publish into a new folder")]
    NotEmpty(PathBuf),
    /// The destination is inside the course, which would copy the course into itself.
    #[error("{0} is inside the course folder; publish outside it")]
    InsideCourse(PathBuf),
    /// A file could not be read or written.
    #[error(transparent)]
    Io(#[from] crate::io_error::IoError),
}

/// What was published.
#[derive(Debug, Default)]
pub struct Published {
    /// Files written.
    pub files: usize,
    /// Exercises whose hidden tests were included.
    pub exercises: usize,
    /// Whether the workbook's own source came along (so `cargo run -- serve` works there).
    pub with_program: bool,
}

/// The parts of the workbook's own source a learner edition needs to run.
const PROGRAM: [&str; 8] = [
    "Cargo.toml",
    "Cargo.lock",
    "src",
    "templates",
    "static",
    "README.md",
    "AUTHORING.md",
    ".gitignore",
];

/// Writes the learner edition of `course` to `dest`.
pub fn publish(course: &Course, dest: &Path) -> Result<Published, PublishError> {
    let root = std::path::absolute(&course.root).unwrap_or_else(|_| course.root.clone());
    let dest_abs = std::path::absolute(dest).unwrap_or_else(|_| dest.to_path_buf());
    if dest_abs.starts_with(&root) {
        return Err(PublishError::InsideCourse(dest.to_path_buf()));
    }
    if std::fs::read_dir(dest).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(PublishError::NotEmpty(dest.to_path_buf()));
    }
    let staging = dest_abs.with_file_name(format!(
        ".{}.publishing",
        dest_abs
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    let _ = std::fs::remove_dir_all(&staging);
    let result = build(course, &root, &staging);
    match result {
        Ok(published) => {
            let _ = std::fs::remove_dir(dest);
            std::fs::rename(&staging, dest).map_err(|source| {
                let _ = std::fs::remove_dir_all(&staging);
                io(format!("cannot move the edition into {}", dest.display()))(source)
            })?;
            Ok(published)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            Err(e)
        }
    }
}

fn build(course: &Course, root: &Path, out: &Path) -> Result<Published, PublishError> {
    let mut published = Published::default();
    for dir in ["lessons", "quizzes", "exercises"] {
        published.files += copy_tree(&root.join(dir), &out.join(dir))?;
    }
    for exercise in course.exercises.values() {
        let grader = root.join(&exercise.grader_dir);
        let to = out.join("grader").join(exercise.slug.as_str());
        published.files += copy_tree(&grader.join("tests"), &to.join("tests"))?;
        // The rule map: the README's rules a failing test names, and the lesson section
        // to read (the failure card shows them); nothing of the solution.
        if grader.join("rules.toml").is_file() {
            std::fs::copy(grader.join("rules.toml"), to.join("rules.toml")).map_err(io(
                format!("cannot copy {}", grader.join("rules.toml").display()),
            ))?;
            published.files += 1;
        }
        published.exercises += 1;
    }
    // The support crate of server exercises' hidden tests: they do not build without it.
    let support = root
        .join(&course.grader_root)
        .join(crate::course::SUPPORT_DIR);
    published.files += copy_tree(
        &support,
        &out.join("grader").join(crate::course::SUPPORT_DIR),
    )?;
    // The workbook's source, when this course is the workbook's own repository.
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
    if manifest.contains("name = \"workbook\"") && root.join("src").is_dir() {
        for part in PROGRAM {
            let from = root.join(part);
            if from.is_dir() {
                published.files += copy_tree(&from, &out.join(part))?;
            } else if from.is_file() {
                std::fs::copy(&from, out.join(part))
                    .map_err(io(format!("cannot copy {}", from.display())))?;
                published.files += 1;
            }
        }
        published.with_program = true;
    }
    std::fs::write(
        out.join(LEARNER_EDITION_MARKER),
        "# Written by `workbook publish`: this learner edition holds the hidden tests but no\n# reference solutions, so `workbook verify` checks the stubs only.\nedition = \"learner\"\n",
    )
    .map_err(io("cannot write the learner-edition marker"))?;
    published.files += 1;
    Ok(published)
}

/// Copies a folder, leaving out build output and anything called `solution`.
fn copy_tree(from: &Path, to: &Path) -> Result<usize, PublishError> {
    let Ok(entries) = std::fs::read_dir(from) else {
        return Ok(0);
    };
    std::fs::create_dir_all(to).map_err(io(format!("cannot create {}", to.display())))?;
    let mut count = 0;
    for entry in entries {
        let entry = entry.map_err(io(format!("cannot read {}", from.display())))?;
        let name = entry.file_name();
        // A learner's Cargo.lock inside an exercise is build output; the workbook's own is not.
        let exercise_lock =
            name == "Cargo.lock" && from.parent().is_some_and(|p| p.ends_with("exercises"));
        // Editors' and systems' side files are not course content; `exercises/.cargo` is (it
        // points an exercise's own `cargo test` at the grader's build directory).
        let side_file = crate::course::side_files::is_side_file(&name) && name != ".cargo";
        if name == "target"
            || name == "solution"
            || name == ".workbook"
            || exercise_lock
            || side_file
        {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            count += copy_tree(&path, &to.join(&name))?;
        } else {
            std::fs::copy(&path, to.join(&name))
                .map_err(io(format!("cannot copy {}", path.display())))?;
            count += 1;
        }
    }
    Ok(count)
}
