//! For instructors, `workbook verify`: every stub compiles and fails its hidden tests, and
//! every reference solution passes them, on this machine or in the class sandbox.

use std::path::Path;

use super::AppError;
use super::grading::{grade_crate_sandboxed, sandbox_scratch};
use crate::course::{Course, Exercise};
use crate::grade::sandbox::Sandbox;
use crate::grade::{self, Cancel, Progress, Report, Workdir};

/// One exercise's verdict.
#[derive(Debug)]
pub struct Verification {
    /// The exercise.
    pub slug: String,
    /// The stub's grade, or why it could not be graded.
    pub stub: Result<Report, String>,
    /// The solution's grade, or why it could not be graded; `None` when the course has no
    /// solutions (a learner edition).
    pub solution: Option<Result<Report, String>>,
}

impl Verification {
    /// The stub must compile and fail at least one hidden test.
    /// A staged exercise's stub must fail its first stage: a stub that passes a stage hands
    /// the learner that stage for free.
    pub fn stub_ok(&self) -> bool {
        let fails_first_stage = |r: &crate::grade::Report| {
            r.stages.is_empty()
                || r.current_stage.as_deref() == r.stages.first().map(|s| s.id.as_str())
        };
        matches!(&self.stub, Ok(r) if r.compile_errors.is_empty() && r.score.total > 0 && r.score.passed < r.score.total && fails_first_stage(r))
    }

    /// The solution must pass every hidden test (a learner edition has none to check).
    pub fn solution_ok(&self) -> bool {
        match &self.solution {
            Some(Ok(r)) => r.passed(),
            Some(Err(_)) => false,
            None => true,
        }
    }
}

/// Verifies `exercise` on this machine; `progress` hears each step of both grades.
pub fn verify(
    course: &Course,
    exercise: &Exercise,
    cancel: &Cancel,
    progress: &mut dyn FnMut(Progress),
) -> Verification {
    let workdir = Workdir::of(course);
    verify_with(course, exercise, &mut |dir| {
        grade::grade(course, exercise, dir, &workdir, cancel, progress).map_err(|e| e.to_string())
    })
}

/// Verifies `exercises` in the class sandbox, as learners' code is graded in class CI.
pub fn verify_sandboxed(
    course: &Course,
    exercises: &[&Exercise],
    cancel: &Cancel,
) -> Result<Vec<Verification>, AppError> {
    let sandbox = Sandbox::detect()?;
    let scratch = sandbox_scratch(course)?;
    Ok(exercises
        .iter()
        .map(|e| {
            verify_with(course, e, &mut |dir| {
                // The table names the exercise already: only the grader's own words.
                grade_crate_sandboxed(course, e, dir, &scratch, &sandbox, cancel).map_err(|error| {
                    match error {
                        AppError::Grade { source, .. } => source.to_string(),
                        other => other.to_string(),
                    }
                })
            })
        })
        .collect())
}

/// Verifies `exercise`, grading its stub and its solution with `grade`.
fn verify_with(
    course: &Course,
    exercise: &Exercise,
    grade: &mut dyn FnMut(&Path) -> Result<Report, String>,
) -> Verification {
    let stub_dir = course.root.join(&exercise.stub_dir);
    let solution_dir = course.root.join(&exercise.grader_dir).join("solution");
    let stub = grade(&stub_dir);
    let solution = (!course.learner_edition || solution_dir.is_dir()).then(|| grade(&solution_dir));
    Verification {
        slug: exercise.slug.to_string(),
        stub,
        solution,
    }
}
