//! `workbook progress`: every lesson with its quiz's best score and its exercises' latest
//! grades, then each exercise's grade and hints, then the quiz attempts.

use std::io::Write;

use super::Workbook;
use crate::app::progress::{Snapshot, snapshot};
use crate::course::{Course, Lesson};
use crate::grade::GradeStatus;
use crate::terminal::{Look, Tone};

/// Prints the progress tables; returns true (reporting always succeeds).
pub fn run(wb: &Workbook, look: Look, out: &mut impl Write) -> anyhow::Result<bool> {
    let course = wb.course();
    let progress = snapshot(wb)?;
    lessons(course, &progress, look, out)?;
    exercises(course, &progress, look, out)?;
    quiz_attempts(&progress, look, out)?;
    Ok(true)
}

fn lessons(
    course: &Course,
    progress: &Snapshot,
    look: Look,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let title_width = course
        .lessons
        .iter()
        .map(|l| l.title.chars().count() + 4)
        .max()
        .unwrap_or(10);
    let heading = format!(
        "{:<title_width$}  {:<28}  exercises",
        "lesson", "quiz (best / pass mark)"
    );
    writeln!(out, "{}", look.paint(Tone::Strong, &heading))?;
    for lesson in &course.lessons {
        let exercises: Vec<String> = lesson
            .exercises
            .iter()
            .map(|(slug, _)| match progress.grade(slug.as_str()) {
                Some(g) => format!("{slug}: {} {}/{}", g.status.as_str(), g.passed, g.total),
                None => format!("{slug}: not graded"),
            })
            .collect();
        writeln!(
            out,
            "{:<title_width$}  {:<28}  {}",
            format!("{:>2}. {}", lesson.number, lesson.title),
            quiz_cell(course, lesson, progress),
            exercises.join(", ")
        )?;
    }
    Ok(())
}

fn quiz_cell(course: &Course, lesson: &Lesson, progress: &Snapshot) -> String {
    let Some((slug, _)) = &lesson.quiz else {
        return "-".to_string();
    };
    match (progress.quiz(slug.as_str()), course.quizzes.get(slug)) {
        (Some(best), Some(quiz)) => format!(
            "{:.0}% / {:.0}% {}",
            best.score * 100.0,
            quiz.pass_mark * 100.0,
            if best.passed { "passed" } else { "not yet" }
        ),
        _ => "not taken".to_string(),
    }
}

fn exercises(
    course: &Course,
    progress: &Snapshot,
    look: Look,
    out: &mut impl Write,
) -> std::io::Result<()> {
    writeln!(out, "\n{}", look.paint(Tone::Strong, "exercise grades"))?;
    if course.exercises.is_empty() {
        writeln!(out, "  (no exercises)")?;
    }
    for exercise in course.exercises.values() {
        let slug = exercise.slug.as_str();
        let hints = progress.hints_revealed(slug);
        let line = match progress.grade(slug) {
            Some(g) => format!(
                "{} {}/{}  graded {} UTC  hints {hints}/{}",
                look.paint(
                    match g.status {
                        GradeStatus::Pass => Tone::Good,
                        GradeStatus::Fail | GradeStatus::Error => Tone::Bad,
                    },
                    g.status.as_str()
                ),
                g.passed,
                g.total,
                g.graded_at,
                exercise.hints.len()
            ),
            None => format!("not graded yet  hints {hints}/{}", exercise.hints.len()),
        };
        writeln!(out, "  {slug:<16}  {line}")?;
    }
    Ok(())
}

fn quiz_attempts(progress: &Snapshot, look: Look, out: &mut impl Write) -> std::io::Result<()> {
    let mut attempted: Vec<_> = progress.quizzes.iter().collect();
    if attempted.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n{}", look.paint(Tone::Strong, "quiz attempts"))?;
    attempted.sort_by(|a, b| a.0.cmp(b.0));
    for (slug, best) in attempted {
        writeln!(
            out,
            "  {slug:<28}  best {:.0}%  {} attempt(s), last {} UTC",
            best.score * 100.0,
            best.attempts,
            best.last_attempt_at
        )?;
    }
    Ok(())
}
