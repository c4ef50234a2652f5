//! [`Workbook`]: a loaded course and its progress database, what every CLI command starts
//! from (the web app keeps its own, reloadable, state).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use super::{AppError, ProgressStore};
use crate::course::{Course, LoadOptions, Loaded};
use crate::io_error::io;
use crate::store::{Store, StoreError};

/// The loaded course and where its progress is kept.
pub struct Workbook {
    /// The course and its diagnostics.
    pub loaded: Loaded,
    /// The progress database.
    pub db: PathBuf,
    /// Opened on first use: `list`, `check` and `gradebook` never touch it.
    store: OnceLock<Mutex<Store>>,
}

impl Workbook {
    /// Finds and loads the course (`course` as given, or discovered from the current
    /// folder); `db` defaults to `.workbook/progress.db` in the course, `grader_dir` to its
    /// `grader/`.
    pub fn load(
        course: Option<&Path>,
        db: Option<PathBuf>,
        grader_dir: Option<PathBuf>,
    ) -> Result<Workbook, AppError> {
        let options = LoadOptions { grader_dir };
        let loaded = match course {
            Some(dir) => Course::load_with(dir, &options)?,
            None => {
                let cwd = std::env::current_dir().map_err(io("cannot read the current folder"))?;
                Course::load_with(&Course::discover(&cwd)?, &options)?
            }
        };
        let db = db.unwrap_or_else(|| Store::default_path(&loaded.course.root));
        Ok(Workbook::new(loaded, db))
    }

    /// A workbook over an already loaded course.
    pub fn new(loaded: Loaded, db: PathBuf) -> Workbook {
        Workbook {
            loaded,
            db,
            store: OnceLock::new(),
        }
    }

    /// The course.
    pub fn course(&self) -> &Course {
        &self.loaded.course
    }

    fn store(&self) -> Result<&Mutex<Store>, StoreError> {
        if let Some(store) = self.store.get() {
            return Ok(store);
        }
        let opened = Store::open(&self.db)?;
        Ok(self.store.get_or_init(|| Mutex::new(opened)))
    }
}

impl ProgressStore for Workbook {
    fn read<T>(&self, f: impl FnOnce(&Store) -> Result<T, StoreError>) -> Result<T, StoreError> {
        self.store()?.read(f)
    }

    fn write<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.store()?.write(f)
    }
}
