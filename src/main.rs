//! The `workbook` command line: parses arguments and dispatches, nothing else.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use workbook::cli::grade::{GradeArgs, Isolation};
use workbook::cli::{self, Workbook};
use workbook::terminal::{ColorWhen, Look};

/// A local-first, hands-on workbook for learning backend development in Rust.
#[derive(Parser)]
#[command(name = "workbook", version, about)]
struct Args {
    /// The course folder (default: this folder or the nearest one above it with `lessons/`).
    #[arg(long, global = true, value_name = "DIR")]
    course: Option<PathBuf>,

    /// The progress database (default: `.workbook/progress.db` in the course folder).
    #[arg(long, global = true, value_name = "FILE", env = "WORKBOOK_DB")]
    db: Option<PathBuf>,

    /// Read hidden tests and solutions from DIR instead of the course's `grader/`.
    #[arg(long, global = true, value_name = "DIR")]
    grader_dir: Option<PathBuf>,

    /// When to colour the output: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value = "auto"
    )]
    color: ColorWhen,

    /// Plain text for screen readers and log files: no colour, no symbols or emoji (words
    /// instead), every test on a line of its own, nothing redrawn in place.
    #[arg(long, global = true)]
    plain: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate the whole course: lessons, quizzes, exercises, links.
    Check {
        /// Print machine-readable diagnostics (file, line, code, message).
        #[arg(long)]
        json: bool,
        /// Also compile (and run) every Rust code block of every lesson.
        #[arg(long)]
        code: bool,
    },
    /// List lessons in order with their quiz and exercises, then the exercises.
    List,
    /// Read the course in the browser: lessons, quizzes, exercises and progress.
    Serve {
        /// The port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 4100)]
        port: u16,
        /// Open the browser at the start-up address.
        #[arg(long)]
        open: bool,
        /// Accept changes without the session cookie. UNSAFE: for automated tests only.
        #[arg(long)]
        no_token: bool,
        /// Do not compile the exercises in the background at start-up (the first grade then
        /// compiles what it needs).
        #[arg(long)]
        no_background_build: bool,
    },
    /// Grade an exercise with its hidden tests (default: the exercise folder you are in).
    Grade {
        /// The exercise's slug, e.g. `rate-limiter`.
        slug: Option<String>,
        /// Grade every exercise.
        #[arg(long, conflicts_with = "slug")]
        all: bool,
        /// How to print the report.
        #[arg(long, value_enum, default_value = "human")]
        format: cli::grade::Format,
        /// Write the report to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Grade learner code that is not trusted: only its `src/` is taken, and it builds
        /// and runs in a bubblewrap sandbox (no network, no other files). For class grading.
        #[arg(long)]
        sandbox: bool,
        /// The learner's repository (a copy of the course) whose exercises to grade;
        /// default: this course. Needs --sandbox.
        #[arg(long, value_name = "DIR", requires = "sandbox")]
        learner: Option<PathBuf>,
        /// List the passing tests too (by default one line counts them, after the failures).
        #[arg(long, short)]
        verbose: bool,
        /// Of an exercise graded in stages, run stages 1 to N only.
        #[arg(long, value_name = "N", conflicts_with_all = ["all", "sandbox"])]
        stage: Option<usize>,
    },
    /// Re-grade an exercise whenever one of its files changes (keys: h hint, n next, q quit).
    Watch {
        /// The exercise (default: the first one not passed yet, moving on as each passes).
        slug: Option<String>,
    },
    /// Run a lesson's Rust example, as its Run button does (without a number: list them).
    Run {
        /// The lesson's slug, e.g. `caching`.
        lesson: String,
        /// The example's number in the lesson, from 1.
        number: Option<usize>,
    },
    /// Write a lesson's Rust example as a Cargo project of its own, to change and run.
    Example {
        /// The lesson's slug.
        lesson: String,
        /// The example's number in the lesson, from 1 (`workbook run <lesson>` lists them).
        number: usize,
        /// A new or empty folder.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Show the next hint of an exercise and remember that it was revealed.
    Hint {
        /// The exercise's slug (default: the exercise folder you are in).
        slug: Option<String>,
    },
    /// Once an exercise passes: your code beside the reference solution, function by function.
    Review {
        /// The exercise's slug (default: the exercise folder you are in).
        slug: Option<String>,
    },
    /// Restore an exercise to its original stub, keeping a backup of your version.
    Reset {
        /// The exercise's slug.
        slug: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        /// List the backups earlier resets kept, newest first, and how to restore one.
        #[arg(long, conflicts_with = "yes")]
        list: bool,
    },
    /// Lessons, quizzes and exercises with their latest status.
    Progress,
    /// For instructors: merge learners' JSON reports (one file per learner) into one table.
    Gradebook {
        /// Report files: `<learner id>.json` from `grade --all --format json` or `export`.
        reports: Vec<PathBuf>,
        /// Table format.
        #[arg(long, value_enum, default_value = "csv")]
        format: cli::output::TableFormat,
        /// Write the table to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// One row per exercise and hidden test: how many reports ran it, how many passed,
        /// the hardest first (with `--course`, the rules each test checks).
        #[arg(long)]
        by_test: bool,
        /// Also write a self-contained HTML page: the table and a per-test heatmap.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },
    /// Your progress (quiz attempts, grades, hints revealed), to hand in or back up.
    Export {
        /// Table format.
        #[arg(long, value_enum, default_value = "json")]
        format: cli::output::TableFormat,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// For instructors: write the learner edition (no reference solutions) to DIR.
    Publish {
        /// A new or empty folder.
        dir: PathBuf,
    },
    /// For instructors: write a skeleton lesson, quiz or exercise, linked from its lesson.
    New {
        #[command(subcommand)]
        what: NewCommand,
    },
    /// For instructors: quizzes graded from learners' answers, with the keys of this course.
    Quiz {
        #[command(subcommand)]
        what: QuizCommand,
    },
    /// For instructors: every stub compiles and fails, every solution passes its hidden tests.
    Verify {
        /// The exercises' slugs (default: all of them).
        slugs: Vec<String>,
        /// Verify every exercise (the default when no slug is given).
        #[arg(long, conflicts_with = "slugs")]
        all: bool,
        /// Build and run the stubs and solutions in the class-grading sandbox, as learners'
        /// code is graded in class CI.
        #[arg(long)]
        sandbox: bool,
        /// Instead, mutation-test the hidden tests with cargo-mutants on each reference
        /// solution: every mutant must be caught or listed in mutants-equivalent.toml.
        #[arg(long, conflicts_with = "sandbox")]
        mutants: bool,
    },
}

#[derive(Subcommand)]
enum QuizCommand {
    /// Scores a learner's quiz answers (their `workbook export --format json`) with this
    /// course's answer keys; the result goes beside their grades into `workbook gradebook`.
    Grade {
        /// The learner's export file.
        answers: PathBuf,
        /// Write the quiz scores to this file instead of standard output (name it after the
        /// learner, like their report, e.g. `quiz-scores/<learner>.json`).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum NewCommand {
    /// A lesson: `lessons/NN-<slug>.md` with front matter and a compiling example.
    Lesson {
        /// The lesson's slug (kebab-case).
        slug: Option<String>,
        /// Insert after lesson number N (later lessons move up one, links included).
        #[arg(long, value_name = "N")]
        after: Option<u32>,
    },
    /// A quiz for a lesson, with a sample question, answer key and explanation.
    Quiz {
        /// The quiz's slug (kebab-case).
        slug: Option<String>,
        /// The lesson it belongs to.
        #[arg(long)]
        lesson: Option<String>,
    },
    /// An exercise: stub crate, exercise.toml, README, a hidden test and a solution.
    Exercise {
        /// The exercise's slug (kebab-case).
        slug: Option<String>,
        /// The lesson that teaches it.
        #[arg(long)]
        lesson: Option<String>,
    },
}

fn main() -> ExitCode {
    // The grader re-runs this binary to supervise the processes it starts (grade::contain).
    let raw: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if raw
        .get(1)
        .is_some_and(|a| a == workbook::grade::contain::SUPERVISOR_ARG)
    {
        workbook::grade::contain::supervise(&raw[2..]);
    }
    let args = Args::parse();
    match run(args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {}", describe(&error));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes in one line, leaving out a cause its parent already quotes.
fn describe(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let part = cause.to_string();
        if !text.contains(&part) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
    }
    text
}

/// Runs one command; `Ok(false)` means it ran but the answer is "no" (problems, failures).
fn run(args: Args) -> anyhow::Result<bool> {
    let mut out = std::io::stdout().lock();
    // Merging reports needs no course: a CI runner may hold only the report files.
    if let Command::Gradebook {
        reports,
        format,
        out: file,
        by_test,
        html,
    } = &args.command
    {
        let gradebook = cli::gradebook::GradebookArgs {
            reports,
            format: *format,
            out_file: file.as_deref(),
            by_test: *by_test,
            html: html.as_deref(),
            course: args.course.as_deref(),
            grader_dir: args.grader_dir.clone(),
        };
        let ok = cli::gradebook::run(gradebook, &mut out)?;
        out.flush()?;
        return Ok(ok);
    }
    let look = Look::for_stdout(args.color, args.plain);
    let wb = Workbook::load(args.course.as_deref(), args.db, args.grader_dir)?;
    let ok = dispatch(wb, args.command, look, &mut out)?;
    out.flush()?;
    Ok(ok)
}

/// Calls the command's module. One arm per command, each a single call: longer than 60
/// lines, but one exhaustive match reads best as one piece.
fn dispatch(
    wb: Workbook,
    command: Command,
    look: Look,
    out: &mut impl Write,
) -> anyhow::Result<bool> {
    match command {
        Command::Check { json, code } => cli::check::run(&wb, json, code, out),
        Command::List => Ok(cli::list::run(&wb, look, out)?),
        Command::Serve {
            port,
            open,
            no_token,
            no_background_build,
        } => cli::serve::run(
            wb,
            cli::serve::ServeArgs {
                port,
                open,
                no_token,
                background_build: !no_background_build,
            },
        ),
        Command::Grade {
            slug,
            all,
            format,
            out: file,
            sandbox,
            learner,
            verbose,
            stage,
        } => {
            let isolation = match sandbox {
                false => Isolation::None,
                true => Isolation::Sandbox { learner },
            };
            let args = GradeArgs {
                slug: slug.as_deref(),
                all,
                isolation,
                format,
                out_file: file.as_deref(),
                verbose,
                stage,
                look,
            };
            cli::grade::run(&wb, args, out)
        }
        Command::Watch { slug } => cli::watch::run(&wb, slug.as_deref(), look),
        Command::Hint { slug } => cli::hint::run(&wb, slug.as_deref(), out),
        Command::Run { lesson, number } => cli::example::run(&wb, (&lesson, number), look, out),
        Command::Example {
            lesson,
            number,
            out: dir,
        } => cli::example::write_project(&wb, (&lesson, number), &dir, out),
        Command::Quiz {
            what: QuizCommand::Grade { answers, out: file },
        } => cli::quiz::grade(&wb, &answers, file.as_deref(), out),
        Command::Reset {
            slug, list: true, ..
        } => cli::reset::list_backups(&wb, &slug, out),
        Command::Reset { slug, yes, .. } => cli::reset::run(&wb, &slug, yes, out),
        Command::Progress => cli::progress::run(&wb, look, out),
        Command::Review { slug } => cli::review::run(&wb, slug.as_deref(), out),
        // Handled in `run` before any course is loaded.
        Command::Gradebook { .. } => unreachable!("gradebook runs without a course"),
        Command::Export { format, out: file } => {
            cli::export::run(&wb, format, file.as_deref(), out)
        }
        Command::Publish { dir } => cli::publish::run(&wb, &dir, out),
        Command::New { what } => cli::new::run(&wb, what.into(), out),
        Command::Verify {
            slugs,
            mutants: true,
            ..
        } => cli::verify::mutants(&wb, &slugs, look, out),
        Command::Verify {
            slugs,
            all: _,
            sandbox,
            mutants: false,
        } => cli::verify::run(&wb, (&slugs, sandbox), look, out),
    }
}

impl From<NewCommand> for cli::new::What {
    fn from(command: NewCommand) -> cli::new::What {
        match command {
            NewCommand::Lesson { slug, after } => cli::new::What::Lesson { slug, after },
            NewCommand::Quiz { slug, lesson } => cli::new::What::Quiz { slug, lesson },
            NewCommand::Exercise { slug, lesson } => cli::new::What::Exercise { slug, lesson },
        }
    }
}
