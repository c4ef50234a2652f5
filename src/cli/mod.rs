//! What each command prints. The commands call the same library functions the web app does;
//! this module only turns their results into terminal output.

pub mod check;
pub mod commands;
pub mod grade;
pub mod list;
pub mod progress;
pub mod watch;

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::course::{Course, LoadOptions, Loaded};
use crate::store::Store;

/// What every command starts from: the loaded course and where progress is kept.
pub struct Context {
    /// The course and its diagnostics.
    pub loaded: Loaded,
    /// The progress database.
    pub db: PathBuf,
}

impl Context {
    /// Finds and loads the course (`course` as given, or discovered from the current folder).
    pub fn load(
        course: Option<&Path>,
        db: Option<PathBuf>,
        grader_dir: Option<PathBuf>,
    ) -> anyhow::Result<Context> {
        let options = LoadOptions { grader_dir };
        let loaded = match course {
            Some(dir) => Course::load_with(dir, &options)?,
            None => {
                let cwd = std::env::current_dir().context("cannot read the current folder")?;
                Course::load_with(&Course::discover(&cwd)?, &options)?
            }
        };
        let db = db.unwrap_or_else(|| Store::default_path(&loaded.course.root));
        Ok(Context { loaded, db })
    }

    /// The course.
    pub fn course(&self) -> &Course {
        &self.loaded.course
    }

    /// Opens the progress database.
    pub fn store(&self) -> anyhow::Result<Store> {
        Ok(Store::open(&self.db)?)
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
