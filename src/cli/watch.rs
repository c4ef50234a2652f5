//! `workbook watch`: re-grade on every save, with single-key commands.
//!
//! One loop receives every event (a file changed, a key was pressed, a grade finished) from
//! one channel. A save (a change of an input's content, see [`inputs`]) while a grade is
//! running cancels it and starts again, after a short debounce so an editor's burst of
//! writes grades once. Meanwhile the other exercises are compiled in the background.

mod inputs;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread::Scope;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use notify::{RecommendedWatcher, RecursiveMode, Watcher};

use super::Workbook;
use super::grade::{Format, HowToPrint, grade_with_spinner, print_report};
use crate::app::{self, hints, progress};
use crate::course::{Course, Exercise};
use crate::grade::report::Passing;
use crate::grade::warmup::Warmup;
use crate::grade::{Cancel, Report, Workdir};
use crate::terminal::Look;
use inputs::Inputs;

/// How long to wait after a change for more changes before grading.
const DEBOUNCE: Duration = Duration::from_millis(300);

enum Event {
    /// Files changed on disk (perhaps only an editor's side files).
    Changed(Vec<PathBuf>),
    /// No change for [`DEBOUNCE`] after the last one: the writes have settled.
    Settled,
    /// A key was pressed.
    Key(char),
    /// A grade finished; `generation` tells a current grade from a superseded one.
    Graded {
        generation: u64,
        result: Result<Report, String>,
    },
}

/// Whether the loop goes on.
enum Flow {
    Continue,
    Quit,
}

/// Runs the watch loop until `q`; returns true.
pub fn run(wb: &Workbook, slug: Option<&str>, look: Look) -> anyhow::Result<bool> {
    let course = wb.course();
    let first = match slug {
        Some(slug) => app::find_exercise(course, slug)?,
        None => match progress::snapshot(wb)?.next_unfinished(course, None) {
            Some(e) => e,
            None => {
                println!("Every exercise passes. Nothing to watch: well done!");
                return Ok(true);
            }
        },
    };
    let (tx, rx) = channel();
    let _watcher = watch_exercises(course, tx.clone())?;
    let terminal = Terminal::start(tx.clone());
    let stop = Cancel::default();
    let warmup = Warmup::new(&stop);
    warmup.start(std::sync::Arc::new(course.clone()), Workdir::of(course));
    let result = std::thread::scope(|scope| {
        let mut state = WatchState {
            wb,
            current: first,
            follow: slug.is_none(),
            inputs: Inputs::read(&crate_dir(course, first)),
            screen: Screen {
                raw: terminal.raw,
                look,
            },
            generation: 0,
            cancel: Cancel::default(),
            pending_change: None,
            scope,
            tx,
            warmup: &warmup,
        };
        state.screen.clear();
        state
            .screen
            .say(&format!("Watching {} ...", first.stub_dir.display()));
        state.start_grade();
        state.event_loop(&rx)
    });
    stop.cancel();
    drop(terminal);
    result
}

/// Sends every change under `exercises/` (but reads) to `tx`.
fn watch_exercises(course: &Course, tx: Sender<Event>) -> anyhow::Result<RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(event) = res
            && !matches!(event.kind, notify::EventKind::Access(_))
        {
            let _ = tx.send(Event::Changed(event.paths));
        }
    })
    .context("cannot watch files for changes")?;
    let exercises_dir = course.root.join("exercises");
    watcher
        .watch(&exercises_dir, RecursiveMode::Recursive)
        .with_context(|| format!("cannot watch {}", exercises_dir.display()))?;
    Ok(watcher)
}

fn crate_dir(course: &Course, exercise: &Exercise) -> PathBuf {
    crate::grade::absolute(&course.root.join(&exercise.stub_dir))
}

/// Everything the loop knows: the exercise watched, its inputs, the grade in flight.
struct WatchState<'scope, 'env> {
    wb: &'env Workbook,
    current: &'env Exercise,
    /// Move on to the next unfinished exercise when this one passes (no slug was given).
    follow: bool,
    inputs: Inputs,
    screen: Screen,
    /// Bumped by every grade started; only the latest one's result is shown.
    generation: u64,
    /// Cancels the grade in flight.
    cancel: Cancel,
    /// When the first of a burst of unsettled changes arrived.
    pending_change: Option<Instant>,
    scope: &'scope Scope<'scope, 'env>,
    tx: Sender<Event>,
    warmup: &'env Warmup,
}

impl<'scope, 'env> WatchState<'scope, 'env> {
    fn event_loop(&mut self, rx: &Receiver<Event>) -> anyhow::Result<bool> {
        while let Some(event) = self.next_event(rx) {
            if let Flow::Quit = self.handle(event)? {
                break;
            }
        }
        self.cancel.cancel();
        Ok(true)
    }

    /// The next event; [`Event::Settled`] once changes have been quiet for [`DEBOUNCE`].
    fn next_event(&mut self, rx: &Receiver<Event>) -> Option<Event> {
        let Some(since) = self.pending_change else {
            return rx.recv().ok();
        };
        match rx.recv_timeout(DEBOUNCE.saturating_sub(since.elapsed())) {
            Ok(event) => Some(event),
            Err(RecvTimeoutError::Timeout) => {
                self.pending_change = None;
                Some(Event::Settled)
            }
            Err(RecvTimeoutError::Disconnected) => None,
        }
    }

    fn handle(&mut self, event: Event) -> anyhow::Result<Flow> {
        match event {
            Event::Changed(paths) => {
                if self.inputs.concerns(&paths) {
                    self.pending_change = Some(Instant::now());
                }
            }
            // Writes have settled: only a change of content is a save.
            Event::Settled if self.inputs.refresh() => {
                self.screen.clear();
                let slug = self.current.slug.as_str();
                self.screen
                    .say(&format!("Change detected: grading {slug} ..."));
                self.start_grade();
            }
            Event::Settled => {}
            Event::Graded { generation, result } if generation == self.generation => {
                return self.show_grade(result);
            }
            Event::Graded { .. } => {}
            Event::Key('q') => return Ok(Flow::Quit),
            Event::Key('h') => self.show_hint(),
            Event::Key('n') => {
                self.switch_to(next_in_order(self.wb.course(), self.current));
                self.screen.clear();
                let slug = self.current.slug.as_str();
                self.screen.say(&format!("Switching to {slug} ..."));
                self.start_grade();
            }
            Event::Key(_) => {}
        }
        Ok(Flow::Continue)
    }

    /// Cancels the grade in flight (it is stale now) and grades the current exercise.
    fn start_grade(&mut self) {
        self.cancel.cancel();
        self.cancel = Cancel::default();
        self.generation += 1;
        let (token, generation, tx) = (self.cancel.clone(), self.generation, self.tx.clone());
        let (wb, exercise, warmup) = (self.wb, self.current, self.warmup);
        let look = self.screen.look;
        self.scope.spawn(move || {
            // The background build steps aside while the learner's grade runs.
            let _first = warmup.preempt();
            let result = grade_with_spinner(wb, (exercise, usize::MAX), &token, look)
                .map_err(|e| format!("{e:#}"));
            let _ = tx.send(Event::Graded { generation, result });
        });
    }

    fn show_grade(&mut self, result: Result<Report, String>) -> anyhow::Result<Flow> {
        self.screen.clear();
        match result {
            Ok(report) => {
                let revealed = hints::revealed(self.current, self.wb).unwrap_or_default();
                let mut text = Vec::new();
                let how = HowToPrint {
                    format: Format::Human,
                    revealed_hints: &revealed,
                    passing: Passing::Collapsed,
                    look: self.screen.look,
                };
                let _ = print_report(&report, self.current, how, &mut text);
                self.screen.say(&String::from_utf8_lossy(&text));
                if report.passed() && self.follow {
                    return self.move_on();
                }
            }
            Err(error) => self.screen.say(&format!("error: {error}")),
        }
        self.screen.footer(self.current);
        Ok(Flow::Continue)
    }

    /// After a pass: on to the next unfinished exercise, or done.
    fn move_on(&mut self) -> anyhow::Result<Flow> {
        let course = self.wb.course();
        match progress::snapshot(self.wb)?.next_unfinished(course, Some(self.current)) {
            Some(next) => {
                self.screen
                    .say(&format!("\nMoving on to {} ...", next.slug));
                self.switch_to(next);
                self.start_grade();
                Ok(Flow::Continue)
            }
            None => {
                self.screen.say("\nEvery exercise passes. Well done!");
                Ok(Flow::Quit)
            }
        }
    }

    fn switch_to(&mut self, exercise: &'env Exercise) {
        self.current = exercise;
        self.inputs = Inputs::read(&crate_dir(self.wb.course(), exercise));
    }

    fn show_hint(&mut self) {
        let mut text = Vec::new();
        if let Err(e) = super::hint::run(self.wb, Some(self.current.slug.as_str()), &mut text) {
            let _ = writeln!(text, "error: {e:#}");
        }
        self.screen
            .say(&format!("\n{}", String::from_utf8_lossy(&text)));
        self.screen.footer(self.current);
    }
}

/// The next exercise after `current`, wrapping round.
fn next_in_order<'c>(course: &'c Course, current: &Exercise) -> &'c Exercise {
    let all = course.exercises_in_order();
    let at = all.iter().position(|e| e.slug == current.slug).unwrap_or(0);
    all[(at + 1) % all.len()]
}

/// Reads single keys: raw keypresses at a terminal, lines from a pipe otherwise.
struct Terminal {
    raw: bool,
}

impl Terminal {
    fn start(tx: Sender<Event>) -> Terminal {
        let raw = std::io::stdin().is_terminal() && crossterm::terminal::enable_raw_mode().is_ok();
        std::thread::spawn(move || {
            if raw {
                use crossterm::event::{Event as Term, KeyCode, KeyEvent, KeyModifiers, read};
                while let Ok(event) = read() {
                    let key = match event {
                        Term::Key(KeyEvent {
                            code: KeyCode::Char('c'),
                            modifiers: KeyModifiers::CONTROL,
                            ..
                        }) => 'q',
                        Term::Key(KeyEvent {
                            code: KeyCode::Char(c),
                            ..
                        }) => c,
                        _ => continue,
                    };
                    if tx.send(Event::Key(key)).is_err() {
                        return;
                    }
                }
            } else {
                for line in std::io::stdin().lock().lines() {
                    let Ok(line) = line else { return };
                    if let Some(c) = line.trim().chars().next()
                        && tx.send(Event::Key(c)).is_err()
                    {
                        return;
                    }
                }
            }
        });
        Terminal { raw }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        if self.raw {
            let _ = crossterm::terminal::disable_raw_mode();
        }
    }
}

/// Prints to the terminal, turning `\n` into `\r\n` while the terminal is raw.
struct Screen {
    raw: bool,
    look: Look,
}

impl Screen {
    fn say(&mut self, text: &str) {
        let mut out = std::io::stdout().lock();
        let text = if self.raw {
            text.replace('\n', "\r\n")
        } else {
            text.to_string()
        };
        let newline = if self.raw { "\r\n" } else { "\n" };
        let _ = write!(out, "{text}{newline}");
        let _ = out.flush();
    }

    /// Starts a new run: a cleared screen at a terminal, a separator line in a log or pipe,
    /// so the newest verdict is always the one the learner sees. In plain mode nothing is
    /// erased (a screen reader's review buffer keeps the earlier runs) and a blank line
    /// separates the runs: a line of dashes would be read out dash by dash.
    fn clear(&mut self) {
        let mut out = std::io::stdout().lock();
        let newline = if self.raw { "\r\n" } else { "\n" };
        if self.look.is_plain() {
            let _ = write!(out, "{newline}");
        } else if std::io::stdout().is_terminal() {
            let _ = write!(out, "\x1b[2J\x1b[H");
        } else {
            let _ = writeln!(out, "\n{}\n", "-".repeat(72));
        }
        let _ = out.flush();
    }

    fn footer(&mut self, exercise: &Exercise) {
        let sep = self.look.separator();
        self.say(&format!(
            "\nWatching {}: save a file to re-grade.  h hint{sep}n next exercise{sep}q quit",
            exercise.stub_dir.display()
        ));
    }
}
