//! Grading an exercise and recording the grade: on the learner's machine
//! ([`grade_and_record`], for `workbook grade`, `watch` and the web page's Grade button), or
//! learner code that is not trusted, in the sandbox ([`grade_untrusted`], class grading).

use std::path::Path;

use super::reset::keep_originals;
use super::{AppError, ProgressStore};
use crate::course::{Course, Exercise};
use crate::grade::sandbox::Sandbox;
use crate::grade::{self, Cancel, Progress, Report, Workdir};
use crate::io_error::io;
use crate::store::StoreError;

/// A finished grade and whether it was saved.
#[derive(Debug)]
pub struct Graded {
    /// The grader's report.
    pub report: Report,
    /// Why the grade could not be saved to the progress store, if it could not. The report
    /// is still worth showing; the front end decides whether this is fatal.
    pub unsaved: Option<StoreError>,
}

impl Graded {
    /// The report, or the store's error when it was not saved.
    pub fn saved(self) -> Result<Report, AppError> {
        match self.unsaved {
            None => Ok(self.report),
            Some(error) => Err(error.into()),
        }
    }
}

/// Grades the learner's folder of `exercise` with its hidden tests and records the grade.
/// `progress` hears each step (compiling, each test) as it happens; `cancel` stops the grade
/// and every process it started.
///
/// The pristine stubs are kept first, so `workbook reset` can always restore the original.
pub fn grade_and_record(
    course: &Course,
    exercise: &Exercise,
    store: &impl ProgressStore,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Graded, AppError> {
    grade_stages_and_record(course, (exercise, usize::MAX), store, cancel, progress)
}

/// Like [`grade_and_record`], running only the first `until` stages of a staged exercise
/// (`workbook grade <slug> --stage N`).
pub fn grade_stages_and_record(
    course: &Course,
    (exercise, until): (&Exercise, usize),
    store: &impl ProgressStore,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Result<Graded, AppError> {
    keep_originals(course)?;
    let crate_dir = course.root.join(&exercise.stub_dir);
    let report = grade::grade_stages(
        course,
        exercise,
        &crate_dir,
        (&Workdir::of(course), until),
        cancel,
        progress,
    )
    .map_err(|source| AppError::Grade {
        slug: exercise.slug.to_string(),
        source,
    })?;
    let unsaved = store.write(|s| s.record_grade(&report)).err();
    Ok(Graded { report, unsaved })
}

/// Whose code a class grade reads.
#[derive(Debug, Clone, Copy)]
pub enum Learner<'a> {
    /// This course's own exercises (a learner grading their own work in the sandbox): the
    /// grades are recorded in this course's progress.
    ThisCourse,
    /// Another learner's repository (a copy of the course): nothing is recorded here.
    Repository(&'a Path),
}

/// Grades `exercises` of `learner` in the bubblewrap sandbox: only each exercise's `src/`
/// is taken, and it builds and runs with no network and no other files. A sandbox that
/// cannot be made is an error, never a reason to grade without one.
pub fn grade_untrusted(
    course: &Course,
    exercises: &[&Exercise],
    learner: Learner<'_>,
    store: &impl ProgressStore,
    cancel: &Cancel,
) -> Result<Vec<Report>, AppError> {
    let sandbox = Sandbox::detect()?;
    let learner_root = match learner {
        Learner::ThisCourse => course.root.as_path(),
        Learner::Repository(root) => root,
    };
    if !learner_root.is_dir() {
        return Err(AppError::NoLearnerRepository(learner_root.to_path_buf()));
    }
    let scratch = sandbox_scratch(course)?;
    let mut reports = Vec::new();
    for exercise in exercises {
        let crate_dir = learner_root.join(&exercise.stub_dir);
        let report =
            grade_crate_sandboxed(course, exercise, &crate_dir, &scratch, &sandbox, cancel)?;
        if let Learner::ThisCourse = learner {
            store.write(|s| s.record_grade(&report))?;
        }
        reports.push(report);
    }
    Ok(reports)
}

/// Grades the crate at `crate_dir` as `exercise` in `sandbox`, with `scratch` as the work
/// folder; class grading and `verify --sandbox` both grade this way.
pub(super) fn grade_crate_sandboxed(
    course: &Course,
    exercise: &Exercise,
    crate_dir: &Path,
    scratch: &tempfile::TempDir,
    sandbox: &Sandbox,
    cancel: &Cancel,
) -> Result<Report, AppError> {
    grade::grade_sandboxed(
        course,
        exercise,
        crate_dir,
        scratch.path(),
        sandbox,
        cancel,
        &mut |_| {},
    )
    .map_err(|source| AppError::Grade {
        slug: exercise.slug.to_string(),
        source,
    })
}

/// A scratch folder for sandboxed runs inside the grader's work directory, removed when
/// dropped.
pub fn sandbox_scratch(course: &Course) -> Result<tempfile::TempDir, AppError> {
    let workdir = Workdir::of(course);
    std::fs::create_dir_all(&workdir.root)
        .map_err(io(format!("cannot create {}", workdir.root.display())))?;
    let scratch = tempfile::Builder::new()
        .prefix("sandbox-")
        .tempdir_in(&workdir.root)
        .map_err(io(format!(
            "cannot create a scratch folder in {}",
            workdir.root.display()
        )))?;
    Ok(scratch)
}
