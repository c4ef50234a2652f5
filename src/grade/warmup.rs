//! The background build: `serve` and `watch` compile every exercise (dependencies, the
//! learner's crate and the hidden tests) at a low priority as soon as they start, so that the
//! learner's first "Grade now" finds everything built and only runs tests.
//!
//! A grade asked for in the same process comes first: [`Warmup::preempt`] stops the
//! background build at once (cargo keeps every crate it had finished) and holds it back until
//! the grade is done; it then carries on where it stopped. A grade in another process (a
//! `workbook grade` in a terminal) waits for the grader lock instead, like any second grade.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Cancel, GradeError, Progress, Workdir};
use crate::course::{Course, Exercise};

/// How much nicer than the learner's own programs the background build runs.
pub const NICE: i32 = 10;

/// Where the background build stands, for a page or a status line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum WarmupStatus {
    /// Not started (or nothing to build).
    Idle,
    /// Compiling: `done` of `total` exercises are ready; `crates` crates compiled so far.
    Building {
        /// Exercises already built.
        done: usize,
        /// Exercises in the course.
        total: usize,
        /// Crates compiled so far in this run.
        crates: usize,
        /// The exercise being built now.
        exercise: String,
    },
    /// Every exercise was built; grades now only compile what the learner changes.
    Ready {
        /// How long it took, in seconds.
        seconds: u64,
    },
    /// The build could not run (cargo missing, no network for the first download, ...). A
    /// grade will say the same thing with the details.
    Failed {
        /// What went wrong, in one line.
        message: String,
    },
}

/// The background build of one course, shared by whoever grades in this process.
#[derive(Debug)]
pub struct Warmup {
    status: Mutex<WarmupStatus>,
    /// The flag of the build in progress, replaced for each exercise.
    current: Mutex<Cancel>,
    /// Grades in progress in this process; the background build waits while any are.
    grading: AtomicUsize,
    /// Stops the background build for good (the program is exiting).
    stop: Cancel,
}

/// Held by a grade while it runs; the background build resumes when every guard is dropped.
#[derive(Debug)]
pub struct Preempted<'w>(&'w Warmup);

impl Drop for Preempted<'_> {
    fn drop(&mut self) {
        self.0.grading.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Warmup {
    /// A background build that has not started; `stop` ends it when the program exits.
    pub fn new(stop: &Cancel) -> Arc<Warmup> {
        Arc::new(Warmup {
            status: Mutex::new(WarmupStatus::Idle),
            current: Mutex::new(Cancel::default()),
            grading: AtomicUsize::new(0),
            stop: stop.clone(),
        })
    }

    /// Where the build stands now.
    pub fn status(&self) -> WarmupStatus {
        self.status
            .lock()
            .map(|s| s.clone())
            .unwrap_or(WarmupStatus::Idle)
    }

    /// Stops the background build's current step and holds it back until the returned guard
    /// is dropped. Call before taking the grader lock for a grade.
    pub fn preempt(&self) -> Preempted<'_> {
        self.grading.fetch_add(1, Ordering::SeqCst);
        if let Ok(current) = self.current.lock() {
            current.cancel();
        }
        Preempted(self)
    }

    /// Starts building every exercise of `course` on a thread of its own.
    pub fn start(self: &Arc<Self>, course: Arc<Course>, workdir: Workdir) {
        let warmup = self.clone();
        std::thread::spawn(move || warmup.run(&course, &workdir));
    }

    fn set(&self, status: WarmupStatus) {
        if let Ok(mut s) = self.status.lock() {
            *s = status;
        }
    }

    fn run(&self, course: &Course, workdir: &Workdir) {
        let started = Instant::now();
        let exercises = course.exercises_in_order();
        let total = exercises.len();
        if total == 0 {
            return;
        }
        if let Err(e) = crate::grade::pristine::ensure(course) {
            self.set(WarmupStatus::Failed {
                message: e.to_string(),
            });
            return;
        }
        let mut crates = 0;
        for (done, exercise) in exercises.iter().enumerate() {
            let step = Step {
                exercise,
                done,
                total,
            };
            if !self.build_one(course, workdir, &step, &mut crates) {
                return;
            }
        }
        self.set(WarmupStatus::Ready {
            seconds: started.elapsed().as_secs(),
        });
    }

    /// Builds one exercise, counting the crates compiled in `crates`, and builds it again
    /// after each grade that preempts it. Returns false when the background build is over:
    /// stopped, or failed (and the status says why).
    fn build_one(
        &self,
        course: &Course,
        workdir: &Workdir,
        step: &Step<'_>,
        crates: &mut usize,
    ) -> bool {
        let building = |crates| WarmupStatus::Building {
            done: step.done,
            total: step.total,
            crates,
            exercise: step.exercise.slug.to_string(),
        };
        loop {
            // A grade in this process goes first.
            while self.grading.load(Ordering::SeqCst) > 0 && !self.stop.is_cancelled() {
                std::thread::sleep(Duration::from_millis(50));
            }
            if self.stop.is_cancelled() {
                return false;
            }
            let cancel = self.stop.child();
            if let Ok(mut current) = self.current.lock() {
                *current = cancel.clone();
            }
            self.set(building(*crates));
            let crate_dir = course.root.join(&step.exercise.stub_dir);
            let result = super::prebuild(
                course,
                step.exercise,
                &crate_dir,
                workdir,
                &cancel,
                &mut |p| {
                    if let Progress::Compiled { .. } = p {
                        *crates += 1;
                        self.set(building(*crates));
                    }
                },
            );
            match result {
                Ok(()) => return true,
                // Preempted by a grade: build this exercise again once it is done.
                Err(GradeError::Cancelled) => continue,
                Err(e) => {
                    self.set(WarmupStatus::Failed {
                        message: e.to_string().lines().next().unwrap_or("").to_string(),
                    });
                    return false;
                }
            }
        }
    }
}

/// One exercise of the background build, and how many were built before it.
struct Step<'a> {
    exercise: &'a Exercise,
    /// Exercises already built.
    done: usize,
    /// Exercises in the course.
    total: usize,
}
