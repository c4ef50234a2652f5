//! `workbook list`: the lessons in order with their quiz and exercises, then the exercises.

use std::io::Write;

use super::Workbook;
use crate::terminal::{Look, Tone};

/// Prints the course's table of contents; returns true (listing always succeeds).
pub fn run(wb: &Workbook, look: Look, out: &mut impl Write) -> std::io::Result<bool> {
    let course = wb.course();
    writeln!(out, "{}", look.paint(Tone::Strong, "Lessons"))?;
    let title_width = course
        .lessons
        .iter()
        .map(|l| l.title.chars().count())
        .max()
        .unwrap_or(0);
    for lesson in &course.lessons {
        let mut line = format!(
            "  {:>2}. {:<title_width$}  {:>3} min",
            lesson.number, lesson.title, lesson.minutes
        );
        if let Some((quiz, _)) = &lesson.quiz {
            line.push_str(&format!("  quiz: {quiz}"));
        }
        if !lesson.exercises.is_empty() {
            let names: Vec<&str> = lesson.exercises.iter().map(|(e, _)| e.as_str()).collect();
            line.push_str(&format!("  exercises: {}", names.join(", ")));
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    if course.lessons.is_empty() {
        writeln!(out, "  (none)")?;
    }

    writeln!(out, "\n{}", look.paint(Tone::Strong, "Exercises"))?;
    let slug_width = course
        .exercises
        .keys()
        .map(|s| s.as_str().len())
        .max()
        .unwrap_or(0);
    for exercise in course.exercises_in_order() {
        let lesson = match course.lesson(exercise.lesson.0.as_str()) {
            Some(l) => format!("lesson {}: {}", l.number, l.title),
            None => format!("lesson `{}` (missing)", exercise.lesson.0),
        };
        writeln!(
            out,
            "  {:<slug_width$}  {:<12}  {}  ({lesson})",
            exercise.slug.as_str(),
            exercise.difficulty.as_str(),
            exercise.title
        )?;
    }
    if course.exercises.is_empty() {
        writeln!(out, "  (none)")?;
    }
    let errors = wb.loaded.diagnostics.error_count();
    if errors > 0 {
        eprintln!(
            "note: the course has {} problem(s); `workbook check` lists them",
            errors
        );
    }
    Ok(true)
}
