//! The playground: one lesson example compiled and run on the learner's machine, its output
//! streamed as it comes.
//!
//! Like `workbook check --code`, an example builds against the crates of
//! `lessons/code.toml` in the grader's shared workspace and target directory, so after the
//! first build only the example itself compiles (about a second for a small one). Unlike the
//! Rust Playground it needs no network and offers exactly the crates the lessons use.
//!
//! A run is bounded like a grade: the build by the course's compile timeout, the program by
//! [`Limits`] (time and output), everything it starts is stopped with it (it runs under the
//! grader's supervisor, see [`crate::grade::contain`]), and a [`Cancel`] stops it at once.

mod build;
mod process;

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::course::example::Expectation;
use crate::course::{Course, Diagnostic};
use crate::grade::{Cancel, GradeError, Workdir};

/// How long a program may run, and how much it may print, before it is stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock time from the start of the program.
    pub time: Duration,
    /// Bytes of standard output and standard error together.
    pub output_bytes: usize,
}

impl Default for Limits {
    /// 10 s and 64 KiB: every lesson example ends in well under a second and prints a few
    /// lines; a loop that never ends or never stops printing is a mistake to show, not to
    /// wait for.
    fn default() -> Limits {
        Limits {
            time: Duration::from_secs(10),
            output_bytes: 64 * 1024,
        }
    }
}

/// What to run: the source of `src/main.rs`, and whether its `main` is run after the build.
#[derive(Debug, Clone, Copy)]
pub struct Program<'a> {
    /// The whole program.
    pub source: &'a str,
    /// Whether to run it, and if not, why.
    pub run: RunIt,
}

/// Whether a program is run after it compiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunIt {
    /// Build it, then run it.
    Yes,
    /// Build it only: the lesson marks it `no_run` (a server that would never stop).
    NoRunMark,
    /// Build it only: it has no `main`.
    NoMain,
}

impl RunIt {
    /// What the example's marks and code say.
    pub fn for_example(expect: Expectation, source: &str) -> RunIt {
        if expect == Expectation::NoRun {
            RunIt::NoRunMark
        } else if !crate::course::example::declares_main(source) {
            RunIt::NoMain
        } else {
            RunIt::Yes
        }
    }
}

/// One step of a run, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// This target directory has never been built in: the crates compile once now.
    FirstBuild,
    /// The compiler refused the program: one event per error.
    CompileError {
        /// The program's line the error is on (from 1), when it is in the program.
        line: Option<u32>,
        /// The compiler's message, with the program's path shown as `example.rs`.
        rendered: String,
    },
    /// It compiled and started.
    Started,
    /// A piece of its output (standard output and error together, in the order written),
    /// decoded as UTF-8 (bad bytes become U+FFFD).
    Output {
        /// The text.
        text: String,
    },
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Ending {
    /// The program exited by itself with this code (101 after a panic).
    Exited {
        /// The exit code.
        code: i32,
    },
    /// A signal ended it (it aborted, or was killed from outside).
    Signalled {
        /// The signal's number.
        signal: i32,
    },
    /// It ran out of time and was stopped.
    TimedOut {
        /// The limit, in seconds.
        seconds: u64,
    },
    /// It printed more than the limit and was stopped.
    TooMuchOutput {
        /// The limit, in bytes.
        bytes: usize,
    },
    /// It did not compile (the errors came as events).
    DidNotCompile,
    /// It compiled and was not run.
    NotRun {
        /// Why.
        why: RunIt,
    },
}

/// A finished run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// How it ended.
    pub ending: Ending,
    /// Milliseconds spent building (waiting for another build included).
    pub build_ms: u64,
    /// Milliseconds the program ran.
    pub run_ms: u64,
}

impl Outcome {
    /// Whether this is what the example is meant to do (see [`Expectation`]): an ordinary
    /// example exits with 0, a `should_panic` one panics (exit code 101), a `compile_fail`
    /// one does not compile, a `no_run` one compiles.
    pub fn as_meant(&self, expect: Expectation) -> bool {
        match (expect, self.ending) {
            (Expectation::CompileFail, ending) => ending == Ending::DidNotCompile,
            (_, Ending::DidNotCompile) => false,
            (Expectation::ShouldPanic, ending) => ending == Ending::Exited { code: 101 },
            (Expectation::Runs | Expectation::NoRun, Ending::NotRun { .. }) => true,
            (Expectation::Runs | Expectation::NoRun, ending) => {
                ending == Ending::Exited { code: 0 }
            }
        }
    }

    /// One sentence for the learner: how it ended, and whether the lesson meant it to.
    pub fn describe(&self, expect: Expectation) -> String {
        let meant = self.as_meant(expect);
        let how = match self.ending {
            Ending::Exited { code: 0 } => "It ran and exited with status 0.".to_string(),
            Ending::Exited { code: 101 } => "It panicked (exit status 101).".to_string(),
            Ending::Exited { code } => format!("It exited with status {code}."),
            Ending::Signalled { signal } => format!("It was ended by signal {signal}."),
            Ending::TimedOut { seconds } => {
                format!("It was still running after {seconds} s, so it was stopped.")
            }
            Ending::TooMuchOutput { bytes } => format!(
                "It printed more than {} KiB, so it was stopped.",
                bytes / 1024
            ),
            Ending::DidNotCompile => "It does not compile.".to_string(),
            Ending::NotRun {
                why: RunIt::NoRunMark,
            } => "It compiles. It is not run: it would not stop by itself (a server, for example); copy it to try it.".to_string(),
            Ending::NotRun { why: RunIt::NoMain } => {
                "It compiles. It has no `main` function, so there is nothing to run.".to_string()
            }
            Ending::NotRun { why: RunIt::Yes } => "It compiles.".to_string(),
        };
        match (expect, meant) {
            (Expectation::CompileFail, true) => {
                format!("{how} That is the mistake this example shows.")
            }
            (Expectation::ShouldPanic, true) => {
                format!("{how} That is the mistake this example shows.")
            }
            (Expectation::CompileFail, false) => {
                format!(
                    "{how} The lesson's version does not compile: that is the mistake it shows."
                )
            }
            (Expectation::ShouldPanic, false) => {
                format!("{how} The lesson's version panics: that is the mistake it shows.")
            }
            (Expectation::Runs | Expectation::NoRun, _) => how,
        }
    }
}

/// Builds `program` in the grader's workspace and, if it compiles and is to be run, runs it
/// within `limits`, sending each step to `on_event`. Errors are the build's (cargo missing,
/// a bad `lessons/code.toml`, cancelled); a program that fails is an [`Outcome`].
pub fn run(
    course: &Course,
    program: Program<'_>,
    (limits, cancel): (Limits, &Cancel),
    on_event: &mut dyn FnMut(Event),
) -> Result<Outcome, GradeError> {
    let dependencies = lesson_crates(course)?;
    let workdir = Workdir::of(course);
    let started = Instant::now();
    let built = build::build(&workdir, &dependencies, program.source, cancel, on_event)?;
    let build_ms = started.elapsed().as_millis() as u64;
    let Some(executable) = built else {
        return Ok(Outcome {
            ending: Ending::DidNotCompile,
            build_ms,
            run_ms: 0,
        });
    };
    if program.run != RunIt::Yes {
        return Ok(Outcome {
            ending: Ending::NotRun { why: program.run },
            build_ms,
            run_ms: 0,
        });
    }
    on_event(Event::Started);
    let started = Instant::now();
    let ending = process::run(&executable, limits, cancel, on_event)?;
    Ok(Outcome {
        ending,
        build_ms,
        run_ms: started.elapsed().as_millis() as u64,
    })
}

/// The `[dependencies]` table of `lessons/code.toml` (empty when there is none); a file
/// that cannot be read is [`GradeError::BadFile`].
pub fn lesson_crates(course: &Course) -> Result<toml::Table, GradeError> {
    crate::authoring::lesson_code::read_dependencies(course).map_err(|problem: Diagnostic| {
        GradeError::BadFile {
            path: problem.file.into(),
            message: problem.message,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ended(ending: Ending) -> Outcome {
        Outcome {
            ending,
            build_ms: 0,
            run_ms: 0,
        }
    }

    #[test]
    fn each_mark_is_met_by_its_own_ending_only() {
        let ok = ended(Ending::Exited { code: 0 });
        let panicked = ended(Ending::Exited { code: 101 });
        let refused = ended(Ending::DidNotCompile);
        let timed_out = ended(Ending::TimedOut { seconds: 10 });
        assert!(ok.as_meant(Expectation::Runs) && !panicked.as_meant(Expectation::Runs));
        assert!(panicked.as_meant(Expectation::ShouldPanic));
        assert!(!ok.as_meant(Expectation::ShouldPanic));
        assert!(refused.as_meant(Expectation::CompileFail));
        assert!(!ok.as_meant(Expectation::CompileFail) && !refused.as_meant(Expectation::Runs));
        assert!(!timed_out.as_meant(Expectation::Runs));
        let not_run = ended(Ending::NotRun {
            why: RunIt::NoRunMark,
        });
        assert!(not_run.as_meant(Expectation::NoRun));
    }

    #[test]
    fn the_sentence_says_whether_the_lesson_meant_it() {
        let panicked = ended(Ending::Exited { code: 101 });
        assert_eq!(
            panicked.describe(Expectation::ShouldPanic),
            "It panicked (exit status 101). That is the mistake this example shows."
        );
        let fixed = ended(Ending::Exited { code: 0 });
        assert!(
            fixed
                .describe(Expectation::CompileFail)
                .ends_with("does not compile: that is the mistake it shows."),
            "an edited compile_fail example that compiles is told what the lesson meant"
        );
        assert_eq!(
            ended(Ending::TimedOut { seconds: 10 }).describe(Expectation::Runs),
            "It was still running after 10 s, so it was stopped."
        );
    }

    #[test]
    fn only_an_example_with_main_and_without_no_run_is_run() {
        let main = "fn main() {}\n";
        assert_eq!(RunIt::for_example(Expectation::Runs, main), RunIt::Yes);
        assert_eq!(
            RunIt::for_example(Expectation::NoRun, main),
            RunIt::NoRunMark
        );
        assert_eq!(
            RunIt::for_example(Expectation::Runs, "struct A;\n"),
            RunIt::NoMain
        );
    }
}
