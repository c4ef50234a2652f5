//! `workbook reset`: restore an exercise's stub after confirmation (keeping a backup), or
//! list the backups earlier resets kept.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use anyhow::{Context as _, bail};

use super::Workbook;
use crate::app::{self, reset};

/// Restores the stub of `slug`; asks first unless `yes`. True when it was reset.
pub fn run(wb: &Workbook, slug: &str, yes: bool, out: &mut impl Write) -> anyhow::Result<bool> {
    let course = wb.course();
    let exercise = app::find_exercise(course, slug)?;
    let folder = exercise.stub_dir.display();
    if !yes && !confirmed(slug, &folder.to_string())? {
        writeln!(out, "Nothing changed.")?;
        return Ok(false);
    }
    let backup = reset::reset(course, exercise)?;
    let shown = backup.strip_prefix(&course.root).unwrap_or(&backup);
    writeln!(
        out,
        "Reset {folder} to its original stub. Your version is in {}.",
        shown.display()
    )?;
    Ok(true)
}

/// Asks at the terminal; refuses outright when there is no terminal to ask at.
fn confirmed(slug: &str, folder: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!(
            "`workbook reset {slug}` replaces your work in {folder}; pass --yes to confirm when not at a terminal"
        );
    }
    eprint!(
        "Reset {folder} to its original stub? Your version is backed up under .workbook/backups/. [y/N] "
    );
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .context("cannot read your answer")?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

/// `workbook reset <slug> --list`: the backups of an exercise, newest first.
pub fn list_backups(wb: &Workbook, slug: &str, out: &mut impl Write) -> anyhow::Result<bool> {
    let course = wb.course();
    let exercise = app::find_exercise(course, slug)?;
    let backups = reset::backups(course, exercise)?;
    let Some(newest) = backups.first() else {
        writeln!(
            out,
            "No backups of {slug} yet: each `workbook reset {slug}` keeps one."
        )?;
        return Ok(true);
    };
    let shown = |path: &Path| {
        path.strip_prefix(&course.root)
            .unwrap_or(path)
            .display()
            .to_string()
    };
    writeln!(out, "Backups of {slug}, newest first:")?;
    for backup in &backups {
        let files = if backup.files == 1 { "file" } else { "files" };
        writeln!(out, "  {}  ({} {files})", shown(&backup.dir), backup.files)?;
    }
    writeln!(
        out,
        "\nTo restore one, copy its files over the exercise (reset first if you want no other file left), e.g.:\n  cp -R {}/. {}/",
        shown(&newest.dir),
        exercise.stub_dir.display()
    )?;
    Ok(true)
}
