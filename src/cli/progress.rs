//! `workbook progress`: every lesson with its quiz's best score and its exercises' latest
//! grades, from the progress store.

use std::io::Write;

use super::Context;

/// Prints the progress table; returns true (reporting always succeeds).
pub fn run(ctx: &Context, out: &mut impl Write) -> anyhow::Result<bool> {
    let course = ctx.course();
    let store = ctx.store()?;
    let grades = store.latest_grades()?;
    let quizzes = store.best_quiz_scores()?;

    let title_width = course
        .lessons
        .iter()
        .map(|l| l.title.chars().count() + 4)
        .max()
        .unwrap_or(10);
    writeln!(
        out,
        "{:<title_width$}  {:<28}  exercises",
        "lesson", "quiz (best / pass mark)"
    )?;
    for lesson in &course.lessons {
        let quiz = match &lesson.quiz {
            None => "-".to_string(),
            Some((slug, _)) => match (quizzes.get(slug.as_str()), course.quizzes.get(slug)) {
                (Some(best), Some(quiz)) => format!(
                    "{:.0}% / {:.0}% {}",
                    best.score * 100.0,
                    quiz.pass_mark * 100.0,
                    if best.passed { "passed" } else { "not yet" }
                ),
                _ => "not taken".to_string(),
            },
        };
        let exercises: Vec<String> = lesson
            .exercises
            .iter()
            .map(|(slug, _)| match grades.get(slug.as_str()) {
                Some(g) => format!("{slug}: {} {}/{}", g.status.as_str(), g.passed, g.total),
                None => format!("{slug}: not graded"),
            })
            .collect();
        writeln!(
            out,
            "{:<title_width$}  {quiz:<28}  {}",
            format!("{:>2}. {}", lesson.number, lesson.title),
            exercises.join(", ")
        )?;
    }

    writeln!(out, "\nexercise grades")?;
    if course.exercises.is_empty() {
        writeln!(out, "  (no exercises)")?;
    }
    for exercise in course.exercises.values() {
        let slug = exercise.slug.as_str();
        let hints = store.revealed_hints(slug)?;
        let line = match grades.get(slug) {
            Some(g) => format!(
                "{} {}/{}  graded {} UTC  hints {hints}/{}",
                g.status.as_str(),
                g.passed,
                g.total,
                g.graded_at,
                exercise.hints.len()
            ),
            None => format!("not graded yet  hints {hints}/{}", exercise.hints.len()),
        };
        writeln!(out, "  {slug:<16}  {line}")?;
    }
    let attempted: Vec<_> = quizzes.iter().collect();
    if !attempted.is_empty() {
        writeln!(out, "\nquiz attempts")?;
        let mut attempted = attempted;
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
    }
    Ok(true)
}
