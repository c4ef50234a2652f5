//! `workbook run <lesson> [n]` and `workbook example <lesson> <n> --out DIR`: a lesson's
//! Rust examples from the terminal, as the lesson page's Run button runs them.

use std::io::Write;
use std::path::Path;

use super::Workbook;
use crate::app::examples::{self, find_example};
use crate::course::example::{Expectation, examples as lesson_examples};
use crate::grade::Cancel;
use crate::playground::{Event, Limits};
use crate::terminal::{Look, Tone};

/// Without a number, lists the lesson's examples; with one, runs it: the program's output
/// (its standard output and error, in order) on this command's standard output as it comes,
/// then, on standard error, how it ended. Returns true
/// when it went well (see [`examples::Ran::went_well`]).
pub fn run(
    wb: &Workbook,
    (lesson, number): (&str, Option<usize>),
    look: Look,
    out: &mut impl Write,
) -> anyhow::Result<bool> {
    let Some(number) = number else {
        list(wb, lesson, out)?;
        return Ok(true);
    };
    let course = wb.course();
    let (found, example) = find_example(course, lesson, number)?;
    let state = examples::state(course, wb, (lesson, number))?;
    let whose = match &state.edited {
        Some(_) => "your edited version (reset it on the lesson page to run the lesson's)",
        None => "the lesson's version",
    };
    eprintln!(
        "Example {number} of {} ({}, line {}): {whose} ...",
        found.title,
        found.path.display(),
        example.block.line
    );
    let mut show = |event: Event| show_event(event, look);
    let ran = examples::run(
        course,
        wb,
        ((lesson, number), None),
        (Limits::default(), &Cancel::default()),
        &mut show,
    )?;
    let meant = ran.went_well();
    let tone = if meant { Tone::Good } else { Tone::Bad };
    eprintln!("{}", look.paint(tone, &ran.outcome.describe(ran.expect)));
    out.flush()?;
    Ok(meant)
}

/// One step of a run on the terminal: the program's output passes through unchanged.
fn show_event(event: Event, look: Look) {
    match event {
        Event::FirstBuild => eprintln!(
            "First run on this machine: compiling the lessons' crates once (a few minutes)."
        ),
        Event::CompileError { rendered, .. } => eprintln!("{}\n", look.foreign(&rendered)),
        Event::Started => {}
        Event::Output { text } => {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
        }
    }
}

/// The lesson's examples, one line each: number, line, mark and first line of code.
fn list(wb: &Workbook, lesson: &str, out: &mut impl Write) -> anyhow::Result<()> {
    let (found, _) = match find_example(wb.course(), lesson, 1) {
        Ok(found) => found,
        Err(crate::app::AppError::UnknownExample { count: 0, .. }) => {
            writeln!(out, "Lesson `{lesson}` has no Rust examples to run.")?;
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    writeln!(
        out,
        "Examples of {} ({}):",
        found.title,
        found.path.display()
    )?;
    for example in lesson_examples(found) {
        let first = items(&example.block.code);
        let mark = match example.expect {
            Expectation::Runs => String::new(),
            other => format!("  [{}]", other.label().unwrap_or_default()),
        };
        writeln!(
            out,
            "  {:>2}. line {:<4} {first}{mark}",
            example.number, example.block.line
        )?;
    }
    writeln!(out, "\nRun one: workbook run {lesson} <n>")?;
    Ok(())
}

/// The top-level items an example declares, to tell examples apart in a list:
/// `struct Lru, impl Lru, fn main`.
fn items(code: &str) -> String {
    let kinds = ["fn ", "struct ", "enum ", "trait ", "impl ", "mod "];
    let names: Vec<String> = code
        .lines()
        .filter(|l| !l.starts_with(char::is_whitespace))
        .filter_map(|l| {
            let l = l.strip_prefix("pub ").unwrap_or(l);
            let l = l.strip_prefix("async ").unwrap_or(l);
            let declares = l.starts_with("impl<") || kinds.iter().any(|k| l.starts_with(k));
            declares.then(|| {
                let end = l.find(['(', '{', ';']).unwrap_or(l.len());
                without_generics(&l[..end])
            })
        })
        .collect();
    let shown = names.len().min(4);
    let more = if names.len() > shown { ", ..." } else { "" };
    format!("{}{more}", names[..shown].join(", "))
}

/// `impl<K, V> Lru<K, V>` as `impl Lru`.
fn without_generics(text: &str) -> String {
    let mut depth = 0usize;
    let mut kept = String::new();
    for c in text.chars() {
        match c {
            '<' => depth += 1,
            '>' => depth = depth.saturating_sub(1),
            _ if depth == 0 => kept.push(c),
            _ => {}
        }
    }
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Writes the example as a Cargo project in `dir` and says how to run it.
pub fn write_project(
    wb: &Workbook,
    (lesson, number): (&str, usize),
    dir: &Path,
    out: &mut impl Write,
) -> anyhow::Result<bool> {
    let files = examples::write_project(wb.course(), wb, (lesson, number), dir)?;
    writeln!(
        out,
        "Wrote example {number} of `{lesson}` to {}:",
        dir.display()
    )?;
    for file in &files {
        writeln!(out, "  {}", file.display())?;
    }
    writeln!(out, "Run it: cd {} && cargo run", dir.display())?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::items;

    #[test]
    fn an_example_is_named_by_its_top_level_items() {
        let code = "use std::fmt;\n#[derive(Default)]\nstruct Lru<K, V> {\n    x: K,\n}\nimpl<K, V> Lru<K, V> {\n    fn get(&self) {}\n}\n#[tokio::main]\nasync fn main() {\n}\n";
        assert_eq!(items(code), "struct Lru, impl Lru, fn main");
    }
}
