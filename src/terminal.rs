//! How text printed for a person at a terminal looks: in colour or not, with symbols
//! (`✓ ✗ ⏱ 🔒`) or in plain words.
//!
//! `main.rs` decides it once from `--color`, `--plain` and the environment, and every
//! printer for people takes the resulting [`Look`]. The environment is read by anstream, the
//! crate clap itself uses: `NO_COLOR` (any non-empty value turns colour off,
//! <https://no-color.org>), `CLICOLOR=0`, `CLICOLOR_FORCE` (colour even into a pipe,
//! <https://bixense.com/clicolors/>) and `TERM=dumb`. The JSON and JUnit reports are the
//! machine interface and never change with it.

use std::borrow::Cow;

use anstyle::{AnsiColor, Effects, Style};

use crate::grade::{StageStatus, TestStatus};

/// When to colour, as `--color` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless `NO_COLOR` is set or `TERM=dumb`.
    #[default]
    Auto,
    /// Always, even into a pipe or with `NO_COLOR` (an explicit flag wins).
    Always,
    /// Never.
    Never,
}

/// How output for people looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Look {
    colour: bool,
    plain: bool,
}

/// What a piece of text means, which picks its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Passed, ok.
    Good,
    /// Failed, does not compile.
    Bad,
    /// Timed out, locked: neither passed nor failed.
    Warn,
    /// Less important: timings, counts of passing tests.
    Dim,
    /// Headings.
    Strong,
}

impl Look {
    /// The look of standard output: `plain` turns colour off too.
    pub fn for_stdout(when: ColorWhen, plain: bool) -> Look {
        let colour = match when {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => {
                anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
            }
        };
        Look {
            colour: colour && !plain,
            plain,
        }
    }

    /// Plain words and ASCII only, no colour: for screen readers and log files.
    pub fn plain() -> Look {
        Look {
            colour: false,
            plain: true,
        }
    }

    /// Symbols, in colour: what a colour terminal shows.
    pub fn coloured() -> Look {
        Look {
            colour: true,
            plain: false,
        }
    }

    /// The same look without colour, for text that goes to a file (`--out`).
    pub fn without_colour(self) -> Look {
        Look {
            colour: false,
            ..self
        }
    }

    /// True in `--plain` mode: words, not symbols; every test on a line of its own; nothing
    /// redrawn in place (no spinner, no cleared screen).
    pub fn is_plain(self) -> bool {
        self.plain
    }

    /// True when ANSI colour codes are written.
    pub fn has_colour(self) -> bool {
        self.colour
    }

    /// `text` in the colour of `tone`, or as it is without colour.
    pub fn paint<'t>(self, tone: Tone, text: &'t str) -> Cow<'t, str> {
        if !self.colour || text.is_empty() {
            return Cow::Borrowed(text);
        }
        let style = match tone {
            Tone::Good => Style::new().fg_color(Some(AnsiColor::Green.into())),
            Tone::Bad => Style::new()
                .fg_color(Some(AnsiColor::Red.into()))
                .effects(Effects::BOLD),
            Tone::Warn => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
            Tone::Dim => Style::new().effects(Effects::DIMMED),
            Tone::Strong => Style::new().effects(Effects::BOLD),
        };
        Cow::Owned(format!("{style}{text}{style:#}"))
    }

    /// The mark before a test: a coloured symbol, or a word in capitals (`PASS`, `FAIL`,
    /// `TIMEOUT`) padded to one width so the descriptions line up.
    pub fn test_mark(self, status: TestStatus) -> Cow<'static, str> {
        let tone = match status {
            TestStatus::Passed => Tone::Good,
            TestStatus::Failed => Tone::Bad,
            TestStatus::TimedOut => Tone::Warn,
        };
        if self.plain {
            let word = match status {
                TestStatus::Passed => "PASS   ",
                TestStatus::Failed => "FAIL   ",
                TestStatus::TimedOut => "TIMEOUT",
            };
            return Cow::Borrowed(word);
        }
        Cow::Owned(self.paint(tone, status.mark()).into_owned())
    }

    /// The mark before a stage; in plain mode none, as the line says the stage's status in
    /// words.
    pub fn stage_mark(self, status: StageStatus) -> Cow<'static, str> {
        let tone = match status {
            StageStatus::Passed => Tone::Good,
            StageStatus::Failed => Tone::Bad,
            StageStatus::Locked | StageStatus::NotRun => Tone::Dim,
        };
        match self.plain {
            true => Cow::Borrowed(""),
            false => Cow::Owned(self.paint(tone, status.mark()).into_owned()),
        }
    }

    /// Text that came from elsewhere (a test's message, a compiler's output): without ANSI
    /// escapes when colour is off, so `NO_COLOR` holds for the whole output and a log file
    /// holds no control codes.
    pub fn foreign<'t>(self, text: &'t str) -> Cow<'t, str> {
        if self.colour || !text.contains('\u{1b}') {
            return Cow::Borrowed(text);
        }
        Cow::Owned(anstream::adapter::strip_str(text).to_string())
    }

    /// A separator between items in a line: `·` with symbols, `,` in plain mode.
    pub fn separator(self) -> &'static str {
        match self.plain {
            true => ", ",
            false => " · ",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_marks_are_words_in_ascii_and_line_up() {
        let look = Look::plain();
        let marks: Vec<String> = [TestStatus::Passed, TestStatus::Failed, TestStatus::TimedOut]
            .into_iter()
            .map(|s| look.test_mark(s).into_owned())
            .collect();
        assert_eq!(marks, ["PASS   ", "FAIL   ", "TIMEOUT"]);
        assert!(marks.iter().all(|m| m.is_ascii() && m.len() == 7));
        assert_eq!(look.stage_mark(StageStatus::Locked), "");
        assert_eq!(look.separator(), ", ");
    }

    #[test]
    fn colour_wraps_marks_in_ansi_codes_and_resets_after() {
        let look = Look::coloured();
        let pass = look.test_mark(TestStatus::Passed);
        assert!(
            pass.starts_with("\u{1b}[32m") && pass.contains('✓'),
            "{pass:?}"
        );
        assert!(pass.ends_with("\u{1b}[0m"), "{pass:?}");
        assert_eq!(look.without_colour().test_mark(TestStatus::Failed), "✗");
        assert_eq!(Look::default().paint(Tone::Bad, "FAIL"), "FAIL");
    }

    #[test]
    fn without_colour_foreign_text_loses_its_escape_codes() {
        let text = "expected \u{1b}[31mred\u{1b}[0m here";
        assert_eq!(Look::default().foreign(text), "expected red here");
        assert_eq!(Look::plain().foreign(text), "expected red here");
        assert_eq!(Look::coloured().foreign(text), text);
    }

    #[test]
    fn plain_turns_colour_off_even_when_asked_for() {
        let look = Look::for_stdout(ColorWhen::Always, true);
        assert!(look.is_plain() && !look.has_colour());
        assert!(Look::for_stdout(ColorWhen::Always, false).has_colour());
        assert!(!Look::for_stdout(ColorWhen::Never, false).has_colour());
    }
}
