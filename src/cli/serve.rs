//! `workbook serve`: the course in the browser, until Ctrl-C.

use super::Workbook;
use crate::app::reset::keep_originals;
use crate::web::{self, ServeOptions};

/// What `serve` was asked for (the database comes from the workbook).
pub struct ServeArgs {
    /// The port on 127.0.0.1 (0 picks a free one).
    pub port: u16,
    /// Open the browser at the start-up address.
    pub open: bool,
    /// Accept changes without the session cookie (automated tests only).
    pub no_token: bool,
    /// Compile the exercises in the background at start-up.
    pub background_build: bool,
}

/// Serves until Ctrl-C; returns true.
pub fn run(wb: Workbook, args: ServeArgs) -> anyhow::Result<bool> {
    // The pristine stubs are kept before a learner can change anything from the page.
    keep_originals(wb.course())?;
    let options = ServeOptions {
        port: args.port,
        open: args.open,
        no_token: args.no_token,
        background_build: args.background_build,
        db: wb.db.clone(),
    };
    web::run(wb.loaded, options)?;
    Ok(true)
}
