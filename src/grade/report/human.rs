//! The human printer: a report as a person at a terminal reads it. A one-line verdict, then
//! the failing tests with their messages (what to fix comes first), then the passing ones as
//! one collapsed line (or listed, with `--verbose`), the score, and a pointer to the next
//! hint when something failed. A [`Look`] says whether it is in colour and whether marks are
//! symbols or words (`--plain`: ASCII only, every test on a line of its own).

use std::collections::BTreeSet;
use std::io::Write;

use super::{GradeStatus, Report, StageStatus, TestOutcome, TestStatus};
use crate::course::{Exercise, hint_order};
use crate::terminal::{Look, Tone};

/// How the passing tests are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passing {
    /// One line that counts them.
    Collapsed,
    /// Each on its own line, after the failures.
    Listed,
}

/// Prints `report` for a person; `revealed_hints` (0-based indexes) says which hint to
/// suggest on a failure. In plain mode the passing tests are always listed.
pub fn human(
    report: &Report,
    exercise: &Exercise,
    (revealed_hints, passing): (&BTreeSet<usize>, Passing),
    look: Look,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let tone = match report.status {
        GradeStatus::Pass => Tone::Good,
        GradeStatus::Fail | GradeStatus::Error => Tone::Bad,
    };
    writeln!(
        out,
        "{} ({}): {}",
        look.paint(Tone::Strong, &exercise.title),
        exercise.slug,
        look.paint(tone, &verdict(report))
    )?;
    if !report.compile_errors.is_empty() {
        compile_errors(report, exercise, look, out)?;
        return suggest_hint(exercise, report, revealed_hints, out);
    }
    if report.tests.is_empty() {
        return Ok(());
    }
    let (passed, failed): (Vec<&TestOutcome>, Vec<&TestOutcome>) = report
        .tests
        .iter()
        .partition(|t| t.status == TestStatus::Passed);
    writeln!(out)?;
    for test in failed {
        test_line(test, &rule_notes(exercise, test), look, out)?;
    }
    let passing = match look.is_plain() {
        true => Passing::Listed,
        false => passing,
    };
    passing_lines(&passed, passing, look, out)?;
    stage_list(report, look, out)?;
    score_line(report, look, out)?;
    if report.passed() {
        writeln!(out, "All hidden tests pass. Well done!")?;
        writeln!(
            out,
            "Compare your code with the reference solution, and read clippy's style notes: `workbook review {}`.",
            exercise.slug
        )?;
    } else {
        suggest_hint(exercise, report, revealed_hints, out)?;
    }
    Ok(())
}

/// The score and how long the build and the tests took.
fn score_line(report: &Report, look: Look, out: &mut impl Write) -> std::io::Result<()> {
    let times = format!(
        "compile {:.1} s, tests {:.1} s",
        report.compile_ms as f64 / 1000.0,
        report.test_ms as f64 / 1000.0
    );
    writeln!(
        out,
        "\n{} {}/{} passed    {}",
        look.paint(Tone::Strong, "Score:"),
        report.score.passed,
        report.score.total,
        look.paint(Tone::Dim, &times)
    )
}

/// The outcome in a few words: what passed and what did not.
pub fn verdict(report: &Report) -> String {
    let (passed, total) = (report.score.passed, report.score.total);
    if !report.compile_errors.is_empty() {
        "does not compile".to_string()
    } else if let Some(words) = stage_verdict(report) {
        words
    } else if total == 0 {
        "no hidden test ran".to_string()
    } else if passed == total {
        format!("all {total} hidden tests pass")
    } else if passed == 0 {
        format!("none of the {total} hidden tests passes yet")
    } else {
        format!("{} of {total} hidden tests fail", total - passed)
    }
}

/// The verdict of a staged report: where the learner is.
fn stage_verdict(report: &Report) -> Option<String> {
    let count = report.stages.len();
    let at = report
        .stages
        .iter()
        .position(|s| s.status != StageStatus::Passed);
    match at.map(|i| (i, &report.stages[i])) {
        _ if count == 0 || report.tests.is_empty() => None,
        None => Some(format!("all {count} stages pass")),
        Some((i, stage)) if stage.status == StageStatus::Failed => Some(format!(
            "stage {} of {count}, \"{}\", fails ({} of {} of its tests pass)",
            i + 1,
            stage.title,
            stage.score.passed,
            stage.score.total
        )),
        Some((i, _)) => Some(format!(
            "stages 1 to {i} of {count} pass; the rest were not run"
        )),
    }
}

/// The stages, each with its mark (in plain mode, its status in words), and the one the
/// learner is on.
fn stage_list(report: &Report, look: Look, out: &mut impl Write) -> std::io::Result<()> {
    if report.stages.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nStages:")?;
    for (i, stage) in report.stages.iter().enumerate() {
        let here = report.current_stage.as_deref() == Some(stage.id.as_str());
        let counts = match stage.status {
            StageStatus::Passed | StageStatus::Failed => {
                format!(" ({}/{})", stage.score.passed, stage.score.total)
            }
            StageStatus::Locked => " (locked until the stages before it pass)".to_string(),
            StageStatus::NotRun => " (not run)".to_string(),
        };
        let (n, title) = (i + 1, &stage.title);
        if look.is_plain() {
            // The status in words where the symbol was; locked and not run say so already.
            let status = match stage.status {
                StageStatus::Passed => ": passed",
                StageStatus::Failed => ": failed",
                StageStatus::Locked | StageStatus::NotRun => "",
            };
            let here = if here { ", you are here" } else { "" };
            writeln!(out, "  Stage {n}, {title}{status}{counts}{here}")?;
        } else {
            let here = if here { "   <- you are here" } else { "" };
            let mark = look.stage_mark(stage.status);
            writeln!(out, "  {mark} {n}. {title}{counts}{here}")?;
        }
    }
    Ok(())
}

/// A rule a failing test checks, as the failure card shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleNote<'e> {
    /// The rule's id in the rule map.
    pub id: &'e str,
    /// The README's sentence.
    pub text: &'e str,
    /// Where the exercise's lesson teaches it: `/lessons/<slug>#<anchor>`, when the rule
    /// map names a section.
    pub section: Option<(&'e str, &'e str)>,
}

impl RuleNote<'_> {
    /// The page's address of the section, e.g. `/lessons/caching#expiry`.
    pub fn section_url(&self) -> Option<String> {
        self.section
            .map(|(lesson, anchor)| format!("/lessons/{lesson}#{anchor}"))
    }
}

/// The rules `test` checks, for an exercise with a rule map.
pub fn rule_notes<'e>(exercise: &'e Exercise, test: &TestOutcome) -> Vec<RuleNote<'e>> {
    let Some(map) = &exercise.rules else {
        return Vec::new();
    };
    test.rules
        .iter()
        .filter_map(|id| map.rule(id))
        .map(|rule| RuleNote {
            id: &rule.id,
            text: &rule.text,
            section: rule
                .section
                .as_ref()
                .map(|(anchor, _)| (exercise.lesson.0.as_str(), anchor.as_str())),
        })
        .collect()
}

/// The passing tests: one counting line, or each listed.
fn passing_lines(
    passed: &[&TestOutcome],
    passing: Passing,
    look: Look,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let mark = look.test_mark(TestStatus::Passed);
    match (passed.len(), passing) {
        (0, _) => Ok(()),
        (_, Passing::Listed) => passed
            .iter()
            .try_for_each(|test| test_line(test, &[], look, out)),
        (1, Passing::Collapsed) => writeln!(out, "{mark} 1 test passes (--verbose lists it)"),
        (n, Passing::Collapsed) => {
            writeln!(out, "{mark} {n} tests pass (--verbose lists them)")
        }
    }
}

/// Where the compile error is (the learner's file, or the API the hidden tests expect),
/// then the compiler's own messages.
fn compile_errors(
    report: &Report,
    exercise: &Exercise,
    look: Look,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let in_tests = report.compile_errors.iter().all(|e| e.in_hidden_tests);
    let mark = match look.is_plain() {
        true => String::new(),
        false => format!("{} ", look.test_mark(TestStatus::Failed)),
    };
    let heading = look.paint(Tone::Bad, "compile error");
    if in_tests {
        writeln!(
            out,
            "\n{mark}{heading}: your crate compiles, but the hidden tests cannot use it.\n  Check that its public API (names, arguments, return types) matches the README.\n"
        )?;
    } else {
        let first = report.compile_errors.iter().find_map(|e| {
            e.file.as_ref().map(|f| match e.line {
                Some(line) => format!("{f}:{line}"),
                None => f.clone(),
            })
        });
        writeln!(
            out,
            "\n{mark}{heading}{}\n",
            first
                .map(|f| format!(": open {}/{f}", exercise.stub_dir.display()))
                .unwrap_or_default()
        )?;
    }
    for error in &report.compile_errors {
        writeln!(out, "{}\n", look.foreign(&error.rendered))?;
    }
    Ok(())
}

/// One test: its mark, description and time; for a failure, the README rules it checks and
/// the message.
fn test_line(
    test: &TestOutcome,
    rules: &[RuleNote<'_>],
    look: Look,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let mark = look.test_mark(test.status);
    let time = format!("({} ms)", test.duration_ms);
    writeln!(
        out,
        "{mark} {}  {}",
        look.foreign(&test.description),
        look.paint(Tone::Dim, &time)
    )?;
    // The README's rules first (what to reread), each lesson section once, then what went
    // wrong.
    for rule in rules {
        writeln!(out, "    rule: {}", rule.text)?;
    }
    let mut sections: Vec<String> = Vec::new();
    for url in rules.iter().filter_map(RuleNote::section_url) {
        if !sections.contains(&url) {
            sections.push(url);
        }
    }
    for url in sections {
        writeln!(out, "    read: {url} (in `workbook serve`)")?;
    }
    if test.status != TestStatus::Passed
        && let Some(message) = &test.message
    {
        for line in look.foreign(message).lines() {
            writeln!(out, "    {line}")?;
        }
    }
    Ok(())
}

/// Points at the hint that fits what failed: repeats the revealed hint about a failing
/// rule (or, for hints that name no rules, the latest revealed), and names the hint
/// `workbook hint` would reveal next.
fn suggest_hint(
    exercise: &Exercise,
    report: &Report,
    revealed: &BTreeSet<usize>,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let total = exercise.hints.len();
    let (first, failing) = report.failures_for_hints();
    let order = hint_order(&exercise.hints, (&first, &failing));
    let about_failure = |i: &usize| exercise.hints[*i].helps_with(&failing);
    let tagged = exercise.hints.iter().any(|h| !h.rules.is_empty());
    let repeat = match tagged {
        true => order
            .iter()
            .find(|i| revealed.contains(i) && about_failure(i)),
        false => revealed.iter().next_back(),
    };
    if let Some(&i) = repeat.filter(|&&i| i < total) {
        let hint = &exercise.hints[i].text;
        writeln!(out, "\nHint {} of {total} (revealed): {hint}", i + 1)?;
    }
    if let Some(next) = order.iter().find(|i| !revealed.contains(i)) {
        let about = if about_failure(next) {
            ", about what fails"
        } else {
            ""
        };
        writeln!(
            out,
            "\nStuck? `workbook hint {}` reveals hint {} of {total}{about}.",
            exercise.slug,
            next + 1
        )?;
    }
    Ok(())
}
