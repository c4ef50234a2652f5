//! `workbook new lesson`: a lesson file, numbered in order or inserted after another lesson,
//! moving the later ones up one number with every link to them.

use std::path::PathBuf;

use super::{ScaffoldError, Scaffolded, check_slug, title_of, write_new};
use crate::course::Course;
use crate::io_error::io;

/// `workbook new lesson <slug> [--after N]`.
pub fn new_lesson(
    course: &Course,
    slug: &str,
    after: Option<u32>,
) -> Result<Scaffolded, ScaffoldError> {
    check_slug(slug)?;
    if let Some(existing) = course.lesson(slug) {
        return Err(ScaffoldError::Exists(format!(
            "lesson `{slug}` ({})",
            existing.path.display()
        )));
    }
    let number = lesson_number(course, after)?;
    let rel = PathBuf::from(format!("lessons/{number:02}-{slug}.md"));
    let mut done = Scaffolded::default();

    // Inserting in the middle moves every later lesson up one number, links included.
    let moves = moves_to_make_room(course, number);
    if !moves.is_empty() {
        renumber(course, &moves, &mut done)?;
    }

    write_new(&course.root, &rel, &lesson_text(&title_of(slug)))?;
    done.created.push(rel.clone());
    done.next_steps.push(format!(
        "Write the lesson in {}: title, summary, minutes, objectives, then the text.",
        rel.display()
    ));
    done.next_steps.push(format!(
        "Add its quiz: workbook new quiz {slug} --lesson {slug}"
    ));
    Ok(done)
}

/// The new lesson's number: one after `after` (0 puts it first), or after the last lesson;
/// the refusal when `after` names no lesson.
fn lesson_number(course: &Course, after: Option<u32>) -> Result<u32, ScaffoldError> {
    let last = course.lessons.iter().map(|l| l.number).max().unwrap_or(0);
    match after {
        Some(n) if n != 0 && !course.lessons.iter().any(|l| l.number == n) => {
            Err(ScaffoldError::NoLessonNumber(n))
        }
        Some(n) => Ok(n + 1),
        None => Ok(last + 1),
    }
}

/// The renames, as (old, new), that free `number`: every lesson from it on, one number up.
fn moves_to_make_room(course: &Course, number: u32) -> Vec<(PathBuf, PathBuf)> {
    course
        .lessons
        .iter()
        .filter(|l| l.number >= number)
        .map(|l| {
            (
                l.path.clone(),
                PathBuf::from(format!("lessons/{:02}-{}.md", l.number + 1, l.slug)),
            )
        })
        .collect()
}

/// The new lesson file: front matter, and a body whose example `workbook check --code` passes.
fn lesson_text(title: &str) -> String {
    format!(
        r#"+++
title = "{title}"
summary = "One line on what this lesson covers"
minutes = 15
objectives = [
  "The first thing a learner can do after this lesson",
]
+++
# {title}

Open with the problem this lesson solves, and where a backend developer meets it.

## {title} in Rust

Every `rust` block compiles and, when it has a `main`, runs: `workbook check --code`
proves it. Mark one that serves or waits forever `rust,no_run`.

```rust
fn main() {{
    let answer = 6 * 7;
    assert_eq!(answer, 42);
}}
```

## Common confusions

- A belief learners often hold, and why it is wrong.
"#
    )
}

/// Renames lessons (highest number first, so no name is taken twice) and rewrites every link
/// to them in lessons and exercise READMEs.
fn renumber(
    course: &Course,
    moves: &[(PathBuf, PathBuf)],
    done: &mut Scaffolded,
) -> Result<(), ScaffoldError> {
    refuse_taken_names(course, moves)?;
    // Links first, in place, while every file still has its old name.
    rewrite_links(course, moves, done)?;
    rename_lessons(course, moves, done)
}

/// The refusal when a new name belongs to a file that is not itself being moved.
fn refuse_taken_names(course: &Course, moves: &[(PathBuf, PathBuf)]) -> Result<(), ScaffoldError> {
    for (_, to) in moves {
        if course.root.join(to).exists() && !moves.iter().any(|(from, _)| from == to) {
            return Err(ScaffoldError::Exists(to.display().to_string()));
        }
    }
    Ok(())
}

/// Rewrites the links to moved lessons in every lesson and exercise README, recording each
/// file it changed by its final name; returns an error only if a file cannot be written.
fn rewrite_links(
    course: &Course,
    moves: &[(PathBuf, PathBuf)],
    done: &mut Scaffolded,
) -> Result<(), ScaffoldError> {
    let names: Vec<(String, String)> = moves
        .iter()
        .filter_map(|(from, to)| {
            Some((
                from.file_name()?.to_str()?.to_string(),
                to.file_name()?.to_str()?.to_string(),
            ))
        })
        .collect();
    let mut documents: Vec<PathBuf> = course.lessons.iter().map(|l| l.path.clone()).collect();
    documents.extend(
        course
            .exercises
            .values()
            .map(|e| e.stub_dir.join("README.md")),
    );
    for doc in &documents {
        let path = course.root.join(doc);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let updated = replace_names(&text, &names);
        if updated != text {
            write_new(&course.root, doc, &updated)?;
            let final_name = moves
                .iter()
                .find(|(from, _)| from == doc)
                .map_or(doc, |(_, to)| to);
            done.changed.push(final_name.clone());
        }
    }
    Ok(())
}

/// Renames the lesson files, highest number first so no name is taken twice, recording each
/// rename; returns an error at the first that fails.
fn rename_lessons(
    course: &Course,
    moves: &[(PathBuf, PathBuf)],
    done: &mut Scaffolded,
) -> Result<(), ScaffoldError> {
    let mut ordered: Vec<&(PathBuf, PathBuf)> = moves.iter().collect();
    ordered.sort_by(|a, b| b.0.cmp(&a.0));
    for (from, to) in ordered {
        std::fs::rename(course.root.join(from), course.root.join(to)).map_err(io(format!(
            "cannot rename {} to {}",
            from.display(),
            to.display()
        )))?;
        done.renamed.push((from.clone(), to.clone()));
    }
    Ok(())
}

/// Replaces each old file name by its new one in one pass, so `02-a.md -> 03-a.md` and
/// `03-b.md -> 04-b.md` never chain.
fn replace_names(text: &str, names: &[(String, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'outer: while !rest.is_empty() {
        for (old, new) in names {
            // Only whole names: not preceded by a character that could be part of one.
            if rest.starts_with(old.as_str())
                && !out.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '-')
            {
                out.push_str(new);
                rest = &rest[old.len()..];
                continue 'outer;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renaming_links_happens_in_one_pass() {
        let names = vec![
            ("02-a.md".to_string(), "03-a.md".to_string()),
            ("03-b.md".to_string(), "04-b.md".to_string()),
        ];
        let text = "see [a](02-a.md#x) and [b](./03-b.md); not 102-a.md";
        assert_eq!(
            replace_names(text, &names),
            "see [a](03-a.md#x) and [b](./04-b.md); not 102-a.md"
        );
    }
}
