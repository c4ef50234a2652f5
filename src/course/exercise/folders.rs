//! The two halves of an exercise on disk, the learner's stub (`exercises/<slug>/`) and the
//! instructor's grader folder (`grader/<slug>/`): which files must exist, the hidden tests,
//! the README, and the manifests, whose dependencies must agree.

use std::path::{Path, PathBuf};

use super::Manifest;
use crate::course::diagnostic::{Code, Diagnostic};
use crate::course::outline::Outline;
use crate::course::source::{or_report, outside_course, read_text};

/// Where one exercise's two halves are: what every step of [`load`] looks in.
pub(super) struct Folders<'a> {
    /// The course root.
    pub(super) root: &'a Path,
    pub(super) slug: &'a str,
    /// `exercises/<slug>`, relative to the course root.
    pub(super) stub_dir: PathBuf,
    /// `<grader_root>/<slug>`, relative to the course root or absolute.
    pub(super) grader_dir: PathBuf,
}

/// Which of an exercise's files exist, so later steps read only those.
pub(super) struct Present {
    pub(super) readme: bool,
    /// `exercise.toml`.
    pub(super) toml: bool,
    /// The stub's `Cargo.toml`.
    pub(super) manifest: bool,
    /// The reference solution's `Cargo.toml`.
    pub(super) solution_manifest: bool,
}

impl Folders<'_> {
    /// Returns whether `rel` exists; when it does not, reports that the exercise has no `what`.
    fn require(&self, rel: PathBuf, what: &str, problems: &mut Vec<Diagnostic>) -> bool {
        let present = self.root.join(&rel).exists();
        if !present {
            problems.push(Diagnostic::file(
                &rel,
                Code::MissingFile,
                format!("exercise `{}` has no {what}", self.slug),
            ));
        }
        present
    }

    /// Returns which of the stub's and the solution's files exist, reporting each one missing.
    pub(super) fn require_files(
        &self,
        solutions_expected: bool,
        problems: &mut Vec<Diagnostic>,
    ) -> Present {
        let stub_dir = &self.stub_dir;
        let readme = self.require(
            stub_dir.join("README.md"),
            "README.md telling the learner the task",
            problems,
        );
        let toml = self.require(
            stub_dir.join("exercise.toml"),
            "exercise.toml (title, lesson, difficulty, hints)",
            problems,
        );
        let manifest = self.require(
            stub_dir.join("Cargo.toml"),
            "Cargo.toml: the stub must be a crate",
            problems,
        );
        Present {
            readme,
            toml,
            manifest,
            solution_manifest: self.require_solution(solutions_expected, problems),
        }
    }

    /// Reports a stub without the root file of its kind: `src/lib.rs` for a library (its
    /// public API), `src/main.rs` for a server (the program the hidden tests start).
    pub(super) fn require_root_file(&self, kind: super::Kind, problems: &mut Vec<Diagnostic>) {
        let file = kind.root_file();
        let why = match kind {
            super::Kind::Library => {
                "src/lib.rs: the stub's public API (or set `kind = \"server\"` for a program)"
            }
            super::Kind::Server => "src/main.rs: a server exercise's stub is a program",
        };
        self.require(self.stub_dir.join(file), why, problems);
        let solution_dir = self.solution_dir();
        if self.root.join(&solution_dir).is_dir() {
            let what = format!("{file} for its reference solution");
            self.require(solution_dir.join(file), &what, problems);
        }
    }

    /// Returns whether the reference solution has a `Cargo.toml` to compare with the stub's,
    /// reporting a missing solution only when `solutions_expected`.
    fn require_solution(&self, solutions_expected: bool, problems: &mut Vec<Diagnostic>) -> bool {
        let solution_dir = self.solution_dir();
        if !solutions_expected && !self.root.join(&solution_dir).exists() {
            false
        } else if self.root.join(&solution_dir).is_dir() {
            self.require(
                solution_dir.join("Cargo.toml"),
                "Cargo.toml for its reference solution",
                problems,
            )
        } else {
            self.require(
                solution_dir,
                "reference solution: a crate in this folder with the stub's API that passes every hidden test",
                problems,
            )
        }
    }

    /// Returns `<grader_dir>/solution`, where the reference solution's crate belongs.
    fn solution_dir(&self) -> PathBuf {
        self.grader_dir.join("solution")
    }

    /// Returns the hidden test files, reporting and leaving out any that links outside the
    /// course.
    pub(super) fn hidden_tests(&self, problems: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
        let (root, grader_dir) = (self.root, &self.grader_dir);
        let mut hidden_tests = rust_files(root, &grader_dir.join("tests"));
        // A hidden test that links outside the course would be compiled from wherever it points.
        // The root they must stay in: the course, or a private grader folder given by path.
        let tests_root = match grader_dir.parent() {
            Some(grader_root) if grader_dir.is_absolute() => grader_root,
            _ => root,
        };
        hidden_tests.retain(|rel| match outside_course(tests_root, rel.strip_prefix(tests_root).unwrap_or(rel)) {
            Some(target) => {
                problems.push(Diagnostic::file(
                    rel,
                    Code::LinkOutsideCourse,
                    format!(
                        "the hidden test is a link to {}, outside the course folder; copy the file into the course instead",
                        target.display()
                    ),
                ));
                false
            }
            None => true,
        });
        hidden_tests
    }

    /// Returns the outline of the stub's README (empty when it is missing or unreadable).
    pub(super) fn readme(&self, present: bool, problems: &mut Vec<Diagnostic>) -> Outline {
        if !present {
            return Outline::default();
        }
        or_report(
            read_text(self.root, &self.stub_dir.join("README.md")),
            problems,
        )
        .map(|text| Outline::parse(&text, 1))
        .unwrap_or_default()
    }

    /// Returns the stub's manifest when it can be read, having compared the solution's
    /// manifest with it.
    pub(super) fn manifests(
        &self,
        present: &Present,
        problems: &mut Vec<Diagnostic>,
    ) -> Option<Manifest> {
        let manifest = if present.manifest {
            or_report(
                Manifest::load(self.root, &self.stub_dir.join("Cargo.toml")),
                problems,
            )
        } else {
            None
        };
        if let (Some(stub), true) = (&manifest, present.solution_manifest) {
            match Manifest::load(self.root, &self.solution_dir().join("Cargo.toml")) {
                Ok(solution) => compare_solution(stub, &solution, problems),
                Err(problem) => problems.push(problem),
            }
        }
        manifest
    }
}

/// The solution must build against exactly what the learner's crate declares, or a test
/// could pass for the solution and fail for a correct learner (or the other way round).
fn compare_solution(stub: &Manifest, solution: &Manifest, problems: &mut Vec<Diagnostic>) {
    if stub.name != solution.name {
        problems.push(Diagnostic::at(
            &solution.path,
            solution.line_of("package", Some("name")),
            Code::SolutionCrateName,
            format!(
                "the solution's package is named `{}` but the stub's is `{}`; hidden tests import one name",
                solution.name.as_deref().unwrap_or("(none)"),
                stub.name.as_deref().unwrap_or("(none)")
            ),
        ));
    }
    for (section, ours, theirs) in [
        ("dependencies", &solution.dependencies, &stub.dependencies),
        (
            "dev-dependencies",
            &solution.dev_dependencies,
            &stub.dev_dependencies,
        ),
    ] {
        let names: std::collections::BTreeSet<&String> = ours.keys().chain(theirs.keys()).collect();
        for name in names {
            let (a, b) = (ours.get(name), theirs.get(name));
            if a == b {
                continue;
            }
            let message = match (a, b) {
                (Some(a), Some(b)) => format!(
                    "[{section}] `{name}` is `{a}` here but `{b}` in the stub; declare it the same way in both"
                ),
                (Some(_), None) => format!(
                    "[{section}] `{name}` is not declared by the stub; a learner could not use it, so the solution may not either"
                ),
                _ => format!(
                    "[{section}] lacks `{name}`, which the stub declares; declare it the same way in both"
                ),
            };
            problems.push(Diagnostic::at(
                &solution.path,
                solution.line_of(section, Some(name)),
                Code::SolutionDependencies,
                message,
            ));
        }
    }
}

/// The `.rs` files directly in `dir`, sorted, relative to the course root.
fn rust_files(root: &Path, dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "rs"))
        .filter_map(|p| p.file_name().map(|n| dir.join(n)))
        .collect();
    files.sort();
    files
}
