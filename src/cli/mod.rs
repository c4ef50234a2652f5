//! What each command prints. The commands call the same library functions the web app does;
//! this module only turns their results into terminal output.

pub mod check;
pub mod commands;
pub mod grade;
pub mod list;

use std::path::Path;

use crate::course::{Course, CourseError, Loaded};

/// Finds the course from `start` upwards and loads it.
pub fn load_course(start: &Path) -> Result<Loaded, CourseError> {
    let root = Course::discover(start)?;
    Course::load(&root)
}

/// "1 lesson", "2 lessons": counts read naturally in summaries.
pub fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("{count} {word}")
    } else {
        format!("{count} {word}s")
    }
}
