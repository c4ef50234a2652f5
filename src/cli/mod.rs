//! The command line front end: one module per command, each turning a use case's result
//! (from [`crate::app`]) into terminal output. `main.rs` parses the arguments and calls
//! the command's `run`.

pub mod check;
pub mod example;
pub mod export;
pub mod grade;
pub mod gradebook;
pub mod hint;
pub mod list;
pub mod new;
pub mod output;
pub mod progress;
pub mod publish;
pub mod quiz;
pub mod reset;
pub mod review;
pub mod serve;
pub mod verify;
pub mod watch;

pub use crate::app::Workbook;

use anyhow::Context as _;

use crate::app;
use crate::course::Exercise;

/// The exercise named `slug`, or, with no slug, the one whose folder holds the current
/// directory (a learner typing `workbook grade` inside `exercises/<slug>/`).
pub fn exercise_named<'w>(wb: &'w Workbook, slug: Option<&str>) -> anyhow::Result<&'w Exercise> {
    match slug {
        Some(slug) => Ok(app::find_exercise(wb.course(), slug)?),
        None => {
            let cwd = std::env::current_dir().context("cannot read the current folder")?;
            Ok(app::exercise_at(wb.course(), &cwd)?)
        }
    }
}

/// "1 lesson", "2 lessons": counts read naturally in summaries.
pub fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("{count} {word}")
    } else {
        format!("{count} {word}s")
    }
}
