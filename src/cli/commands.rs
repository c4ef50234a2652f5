//! The commands that need more than one step: finding the exercise, grading, writing the
//! report where it was asked for.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};

use super::grade::{self as print, Format};
use crate::course::{Course, Exercise, Loaded};
use crate::grade::Cancel;

/// Finds the exercise named `slug`, or the one whose folder holds the current directory.
pub fn find_exercise<'c>(course: &'c Course, slug: Option<&str>) -> anyhow::Result<&'c Exercise> {
    let known = || {
        course
            .exercises
            .keys()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match slug {
        Some(slug) => course
            .exercises
            .get(slug)
            .with_context(|| format!("no exercise `{slug}`; the exercises are: {}", known())),
        None => {
            let cwd = std::env::current_dir().context("cannot read the current folder")?;
            course
                .exercises
                .values()
                .find(|e| cwd.starts_with(crate::grade::absolute(&course.root.join(&e.stub_dir))))
                .with_context(|| {
                    format!(
                        "name an exercise (or run this inside its folder); the exercises are: {}",
                        known()
                    )
                })
        }
    }
}

/// `workbook grade`: returns true when every graded exercise passed.
pub fn grade(
    loaded: &Loaded,
    slug: Option<&str>,
    all: bool,
    format: Format,
    out_file: Option<&Path>,
    out: &mut impl Write,
) -> anyhow::Result<bool> {
    let course = &loaded.course;
    let exercises: Vec<&Exercise> = if all {
        course.exercises.values().collect()
    } else {
        vec![find_exercise(course, slug)?]
    };
    if exercises.is_empty() {
        bail!("the course has no exercises to grade");
    }
    let cancel = Cancel::default();
    let mut reports = Vec::new();
    for exercise in &exercises {
        let crate_dir = course.root.join(&exercise.stub_dir);
        let report = print::grade_with_spinner(course, exercise, &crate_dir, &cancel)
            .with_context(|| format!("grading `{}` failed", exercise.slug))?;
        reports.push(report);
    }
    let passed = reports.iter().all(|r| r.passed());

    let mut buffer = Vec::new();
    match format {
        Format::Junit => buffer.extend_from_slice(print::junit(&reports).as_bytes()),
        Format::Json if reports.len() > 1 => {
            serde_json::to_writer_pretty(&mut buffer, &reports)?;
            buffer.push(b'\n');
        }
        _ => {
            for (exercise, report) in exercises.iter().zip(&reports) {
                let hint = exercise.hints.first().map(|h| (1, h.as_str()));
                print::print_report(report, exercise, format, hint, &mut buffer)?;
            }
        }
    }
    match out_file {
        // Written whole at the end: a report file is never left half-written.
        Some(path) => write_atomically(path, &buffer)?,
        None => out.write_all(&buffer)?,
    }
    Ok(passed)
}

/// `workbook verify`: returns true when every stub fails and every solution passes.
pub fn verify(loaded: &Loaded, slug: Option<&str>, out: &mut impl Write) -> anyhow::Result<bool> {
    let course = &loaded.course;
    let exercises: Vec<&Exercise> = match slug {
        Some(slug) => vec![find_exercise(course, Some(slug))?],
        None => course.exercises.values().collect(),
    };
    if exercises.is_empty() {
        bail!("the course has no exercises to verify");
    }
    let cancel = Cancel::default();
    let rows: Vec<_> = exercises
        .iter()
        .map(|e| print::verify(course, e, &cancel))
        .collect();
    Ok(print::print_verifications(&rows, out)?)
}

/// Writes `bytes` to a temporary file beside `path`, then renames it into place.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir).with_context(|| {
        format!(
            "cannot write {}: cannot create a file in {}",
            path.display(),
            dir.display()
        )
    })?;
    file.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
