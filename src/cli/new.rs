//! `workbook new`, for instructors: a skeleton lesson, quiz or exercise, linked from its
//! lesson, and what to do next.

use std::io::Write;

use super::Workbook;
use crate::authoring::scaffold::{self, Scaffolded};

/// What to create.
pub enum What {
    /// A lesson, inserted after lesson `after` (default: at the end).
    Lesson {
        /// Its slug.
        slug: Option<String>,
        /// Insert after this lesson number.
        after: Option<u32>,
    },
    /// A quiz for `lesson`.
    Quiz {
        /// Its slug.
        slug: Option<String>,
        /// The lesson it belongs to.
        lesson: Option<String>,
    },
    /// An exercise for `lesson`.
    Exercise {
        /// Its slug.
        slug: Option<String>,
        /// The lesson that teaches it.
        lesson: Option<String>,
    },
}

/// Writes the skeleton and prints what changed; returns true.
pub fn run(wb: &Workbook, what: What, out: &mut impl Write) -> anyhow::Result<bool> {
    let course = wb.course();
    let done = match what {
        What::Lesson { slug, after } => {
            scaffold::new_lesson(course, &named(slug, "lesson", "event-sourcing")?, after)?
        }
        What::Quiz { slug, lesson } => scaffold::new_quiz(
            course,
            &named(slug, "quiz", "event-sourcing --lesson event-sourcing")?,
            &lesson_of(lesson)?,
        )?,
        What::Exercise { slug, lesson } => scaffold::new_exercise(
            course,
            &named(slug, "exercise", "event-log --lesson event-sourcing")?,
            &lesson_of(lesson)?,
        )?,
    };
    print_scaffolded(&done, out)?;
    Ok(true)
}

/// A missing slug gets one sentence of ours rather than clap's usage screen.
fn named(slug: Option<String>, kind: &str, example: &str) -> anyhow::Result<String> {
    slug.ok_or_else(|| anyhow::anyhow!("name the new {kind}, e.g. `workbook new {kind} {example}`"))
}

fn lesson_of(lesson: Option<String>) -> anyhow::Result<String> {
    lesson.ok_or_else(|| {
        anyhow::anyhow!("name its lesson with --lesson <slug>; `workbook list` shows the lessons")
    })
}

/// Prints what `workbook new` wrote and what to do next.
fn print_scaffolded(done: &Scaffolded, out: &mut impl Write) -> std::io::Result<()> {
    for path in &done.created {
        writeln!(out, "created  {}", path.display())?;
    }
    for (from, to) in &done.renamed {
        writeln!(out, "renamed  {} -> {}", from.display(), to.display())?;
    }
    for path in &done.changed {
        writeln!(out, "changed  {}", path.display())?;
    }
    writeln!(out, "\nNext:")?;
    for step in &done.next_steps {
        writeln!(out, "  - {step}")?;
    }
    writeln!(
        out,
        "  - Run `workbook check` at any time: it is clean right now."
    )
}
