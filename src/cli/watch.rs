//! `workbook watch`: re-grade on every save, with single-key commands.
//!
//! One loop receives every event (a file changed, a key was pressed, a grade finished) from
//! one channel. A save (a change of an input's content, see [`inputs`]) while a grade is
//! running cancels it and starts again, after a short debounce so an editor's burst of
//! writes grades once. Meanwhile the other exercises are compiled in the background.

mod inputs;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::mpsc::{RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use notify::{RecursiveMode, Watcher};

use super::Context;
use super::commands::{find_exercise, grade_and_record};
use super::grade::{Format, print_report};
use crate::course::{Course, Exercise};
use crate::grade::warmup::Warmup;
use crate::grade::{Cancel, Report, Workdir};
use inputs::Inputs;

/// How long to wait after a change for more changes before grading.
const DEBOUNCE: Duration = Duration::from_millis(300);

enum Event {
    Changed(Vec<PathBuf>),
    Key(char),
    Graded {
        generation: u64,
        result: Result<Report, String>,
    },
}

/// Runs the watch loop until `q`; returns true.
pub fn run(ctx: &Context, slug: Option<&str>) -> anyhow::Result<bool> {
    let course = ctx.course();
    let follow = slug.is_none();
    let mut current = match slug {
        Some(slug) => find_exercise(course, Some(slug))?,
        None => match next_unfinished(ctx, None)? {
            Some(e) => e,
            None => {
                println!("Every exercise passes. Nothing to watch: well done!");
                return Ok(true);
            }
        },
    };

    let (tx, rx) = channel();
    let watch_tx = tx.clone();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(event) = res
            && !matches!(event.kind, notify::EventKind::Access(_))
        {
            let _ = watch_tx.send(Event::Changed(event.paths));
        }
    })
    .context("cannot watch files for changes")?;
    let exercises_dir = course.root.join("exercises");
    watcher
        .watch(&exercises_dir, RecursiveMode::Recursive)
        .with_context(|| format!("cannot watch {}", exercises_dir.display()))?;

    let terminal = Terminal::start(tx.clone());
    let stop = Cancel::default();
    let warmup = Warmup::new(&stop);
    warmup.start(std::sync::Arc::new(course.clone()), Workdir::of(course));
    let crate_dir = |e: &Exercise| crate::grade::absolute(&course.root.join(&e.stub_dir));
    let mut inputs = Inputs::read(&crate_dir(current));
    let result = std::thread::scope(|scope| {
        let mut screen = Screen { raw: terminal.raw };
        let mut generation = 0u64;
        let mut cancel = Cancel::default();
        let start = |exercise: &Exercise, generation: &mut u64, cancel: &mut Cancel| {
            cancel.cancel();
            *cancel = Cancel::default();
            *generation += 1;
            let (token, id, tx) = (cancel.clone(), *generation, tx.clone());
            let exercise = exercise.clone();
            let warmup = &warmup;
            scope.spawn(move || {
                // The background build steps aside while the learner's grade runs.
                let _first = warmup.preempt();
                let result = grade_and_record(ctx, &exercise, &token).map_err(|e| format!("{e:#}"));
                let _ = tx.send(Event::Graded {
                    generation: id,
                    result,
                });
            });
        };
        screen.clear();
        screen.say(&format!("Watching {} ...", current.stub_dir.display()));
        start(current, &mut generation, &mut cancel);
        let mut pending_change: Option<Instant> = None;
        loop {
            let event = match pending_change {
                Some(since) => match rx.recv_timeout(DEBOUNCE.saturating_sub(since.elapsed())) {
                    Ok(event) => event,
                    Err(RecvTimeoutError::Timeout) => {
                        pending_change = None;
                        // Writes have settled: only a change of content is a save.
                        if !inputs.refresh() {
                            continue;
                        }
                        // A grade in progress is stale now: stop it at once.
                        cancel.cancel();
                        screen.clear();
                        screen.say(&format!("Change detected: grading {} ...", current.slug));
                        start(current, &mut generation, &mut cancel);
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => break,
                },
                None => match rx.recv() {
                    Ok(event) => event,
                    Err(_) => break,
                },
            };
            match event {
                Event::Changed(paths) => {
                    if inputs.concerns(&paths) {
                        pending_change = Some(Instant::now());
                    }
                }
                Event::Graded {
                    generation: id,
                    result,
                } if id == generation => {
                    screen.clear();
                    match result {
                        Ok(report) => {
                            let revealed = ctx
                                .store()
                                .and_then(|s| Ok(s.revealed_hints(current.slug.as_str())?))
                                .unwrap_or(0);
                            let mut text = Vec::new();
                            let _ =
                                print_report(&report, current, Format::Human, revealed, &mut text);
                            screen.say(&String::from_utf8_lossy(&text));
                            if report.passed() && follow {
                                match next_unfinished(ctx, Some(current))? {
                                    Some(next) => {
                                        screen.say(&format!("\nMoving on to {} ...", next.slug));
                                        current = next;
                                        inputs = Inputs::read(&crate_dir(current));
                                        start(current, &mut generation, &mut cancel);
                                        continue;
                                    }
                                    None => {
                                        screen.say("\nEvery exercise passes. Well done!");
                                        break;
                                    }
                                }
                            }
                        }
                        Err(error) => screen.say(&format!("error: {error}")),
                    }
                    screen.footer(current);
                }
                Event::Graded { .. } => {}
                Event::Key('q') => break,
                Event::Key('h') => {
                    let mut text = Vec::new();
                    if let Err(e) =
                        super::commands::hint(ctx, Some(current.slug.as_str()), &mut text)
                    {
                        let _ = writeln!(text, "error: {e:#}");
                    }
                    screen.say(&format!("\n{}", String::from_utf8_lossy(&text)));
                    screen.footer(current);
                }
                Event::Key('n') => {
                    current = next_in_order(course, current);
                    inputs = Inputs::read(&crate_dir(current));
                    screen.clear();
                    screen.say(&format!("Switching to {} ...", current.slug));
                    start(current, &mut generation, &mut cancel);
                }
                Event::Key(_) => {}
            }
        }
        cancel.cancel();
        stop.cancel();
        anyhow::Ok(true)
    });
    drop(terminal);
    result
}

/// The next exercise after `current`, wrapping round.
fn next_in_order<'c>(course: &'c Course, current: &Exercise) -> &'c Exercise {
    let all = course.exercises_in_order();
    let at = all.iter().position(|e| e.slug == current.slug).unwrap_or(0);
    all[(at + 1) % all.len()]
}

/// The first exercise (after `after`, if given) whose latest grade is not a pass.
fn next_unfinished<'c>(
    ctx: &'c Context,
    after: Option<&Exercise>,
) -> anyhow::Result<Option<&'c Exercise>> {
    let grades = ctx.store()?.latest_grades()?;
    let all = ctx.course().exercises_in_order();
    let start = after
        .and_then(|a| all.iter().position(|e| e.slug == a.slug))
        .map_or(0, |i| i + 1);
    let rotated = all[start..].iter().chain(all[..start].iter());
    Ok(rotated.copied().find(|e| {
        after.is_none_or(|a| a.slug != e.slug)
            && !grades
                .get(e.slug.as_str())
                .is_some_and(|g| g.report.passed())
    }))
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
    /// so the newest verdict is always the one the learner sees.
    fn clear(&mut self) {
        let mut out = std::io::stdout().lock();
        if std::io::stdout().is_terminal() {
            let _ = write!(out, "\x1b[2J\x1b[H");
        } else {
            let _ = writeln!(out, "\n{}\n", "-".repeat(72));
        }
        let _ = out.flush();
    }

    fn footer(&mut self, exercise: &Exercise) {
        self.say(&format!(
            "\nWatching {}: save a file to re-grade.  h hint · n next exercise · q quit",
            exercise.stub_dir.display()
        ));
    }
}
