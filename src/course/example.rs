//! A lesson's runnable examples: its ```` ```rust ```` blocks that are compiled (not marked
//! `ignore`), numbered 1, 2, 3, ... in the order they appear. `workbook check --code` proves
//! each does what its marks say; the page and `workbook run <lesson> <n>` run them.
//!
//! The marks are rustdoc's (<https://doc.rust-lang.org/rustdoc/write-documentation/documentation-tests.html>):
//! `no_run` is compiled but not run (a server that would never stop), `compile_fail` must
//! not compile, and `should_panic` must panic: both show a mistake on purpose.

use super::hidden_lines::{compiled_line, is_compiled, is_hidden};
use super::lesson::Lesson;
use super::outline::CodeBlock;

/// What running an example is meant to do, from its fence's marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expectation {
    /// It compiles and its `main` ends without panicking.
    Runs,
    /// It compiles; its `main` is not run (`no_run`).
    NoRun,
    /// It does not compile: it shows a mistake the compiler catches (`compile_fail`).
    CompileFail,
    /// It compiles and its `main` panics: it shows a mistake found at run time
    /// (`should_panic`).
    ShouldPanic,
}

impl Expectation {
    /// The expectation a block's marks state; the first of `compile_fail`, `should_panic`,
    /// `no_run` wins.
    pub fn of(block: &CodeBlock) -> Expectation {
        if block.has_flag("compile_fail") {
            Expectation::CompileFail
        } else if block.has_flag("should_panic") {
            Expectation::ShouldPanic
        } else if block.has_flag("no_run") {
            Expectation::NoRun
        } else {
            Expectation::Runs
        }
    }

    /// The words on the example's label on the page, when it is not an ordinary one.
    pub fn label(self) -> Option<&'static str> {
        match self {
            Expectation::Runs => None,
            Expectation::NoRun => Some("Compiled, not run: it would not stop by itself"),
            Expectation::CompileFail => Some("Does not compile, on purpose"),
            Expectation::ShouldPanic => Some("Panics when run, on purpose"),
        }
    }
}

/// One runnable example of a lesson.
#[derive(Debug, Clone, Copy)]
pub struct Example<'l> {
    /// Its number in the lesson, from 1.
    pub number: usize,
    /// The Markdown block.
    pub block: &'l CodeBlock,
    /// What running it is meant to do.
    pub expect: Expectation,
}

/// The lesson's examples, in order.
pub fn examples(lesson: &Lesson) -> Vec<Example<'_>> {
    lesson
        .outline
        .code_blocks
        .iter()
        .filter(|b| is_compiled(b))
        .enumerate()
        .map(|(i, block)| Example {
            number: i + 1,
            block,
            expect: Expectation::of(block),
        })
        .collect()
}

/// Example `number` (from 1) of `lesson`.
pub fn example(lesson: &Lesson, number: usize) -> Option<Example<'_>> {
    examples(lesson).into_iter().find(|e| e.number == number)
}

impl Example<'_> {
    /// The whole program as the compiler sees it: hidden `# ` lines included, unmarked.
    /// This is what the editor on the page starts from.
    pub fn program(&self) -> String {
        self.block
            .code
            .lines()
            .map(|line| format!("{}\n", compiled_line(line)))
            .collect()
    }

    /// The line of the page's (visible) code that line `line` (from 1) of [`Self::program`]
    /// is, or `None` for a hidden line.
    pub fn visible_line(&self, line: u32) -> Option<u32> {
        let mut visible = 0;
        for (i, text) in self.block.code.lines().enumerate() {
            let hidden = is_hidden(text);
            if !hidden {
                visible += 1;
            }
            if i as u32 + 1 == line {
                return (!hidden).then_some(visible);
            }
        }
        None
    }

    /// The line of the lesson's Markdown file that line `line` of the program is on.
    pub fn lesson_line(&self, line: u32) -> u32 {
        self.block.line + line.saturating_sub(1)
    }
}

/// `code` as the source of a program: as it is when it declares `main`, else with an empty
/// `main` added at the end (so its lines keep their numbers), since an example without one
/// is still built, and written out, as a program.
pub fn program_with_main(code: &str) -> std::borrow::Cow<'_, str> {
    match declares_main(code) {
        true => std::borrow::Cow::Borrowed(code),
        false => std::borrow::Cow::Owned(format!("{code}\n#[allow(dead_code)]\nfn main() {{}}\n")),
    }
}

/// True when `code` declares a `main` function (in its usual forms: `fn main(`,
/// `async fn main(`, `pub fn main(`), which is what makes an example runnable.
pub fn declares_main(code: &str) -> bool {
    code.lines().any(|line| {
        let line = line.trim_start();
        let line = line.strip_prefix("pub ").unwrap_or(line);
        let line = line.strip_prefix("async ").unwrap_or(line);
        line.starts_with("fn main(")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(info: &str, code: &str) -> CodeBlock {
        CodeBlock {
            info: info.split(',').map(str::to_string).collect(),
            code: code.to_string(),
            line: 10,
        }
    }

    #[test]
    fn marks_say_what_an_example_is_meant_to_do() {
        let cases = [
            ("rust", Expectation::Runs),
            ("rust,no_run", Expectation::NoRun),
            ("rust,compile_fail", Expectation::CompileFail),
            ("rust,should_panic", Expectation::ShouldPanic),
            ("rust,no_run,compile_fail", Expectation::CompileFail),
        ];
        for (info, expected) in cases {
            assert_eq!(Expectation::of(&block(info, "")), expected, "{info}");
        }
        assert_eq!(Expectation::Runs.label(), None);
        assert!(Expectation::CompileFail.label().is_some());
    }

    #[test]
    fn hidden_lines_are_in_the_program_but_not_counted_on_the_page() {
        let b = block("rust", "# use std::fmt;\nfn main() {\n#\n    x();\n}\n");
        let example = Example {
            number: 1,
            block: &b,
            expect: Expectation::Runs,
        };
        assert_eq!(
            example.program(),
            "use std::fmt;\nfn main() {\n\n    x();\n}\n"
        );
        let map: Vec<Option<u32>> = (1..=6).map(|l| example.visible_line(l)).collect();
        assert_eq!(map, [None, Some(1), None, Some(2), Some(3), None]);
        assert_eq!(example.lesson_line(4), 13);
    }

    #[test]
    fn main_is_recognised_in_its_usual_forms() {
        assert!(declares_main("fn main() {"));
        assert!(declares_main(
            "#[tokio::main]\n    async fn main() -> Result<(), Box<dyn std::error::Error>> {"
        ));
        assert!(!declares_main("fn main_loop() {"));
        assert!(!declares_main("// fn main() {}"));
    }
}
