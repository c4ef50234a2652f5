//! The `workbook` command line: parses arguments and dispatches, nothing else.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use workbook::cli;

/// A local-first, hands-on workbook for learning backend development in Rust.
#[derive(Parser)]
#[command(name = "workbook", version, about)]
struct Args {
    /// The course folder (default: this folder or the nearest one above it with `lessons/`).
    #[arg(long, global = true, value_name = "DIR")]
    course: Option<PathBuf>,

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
    },
    /// List lessons in order with their quiz and exercises, then the exercises.
    List,
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
    },
    /// For instructors: every stub compiles and fails, every solution passes its hidden tests.
    Verify {
        /// The exercise's slug (default: all of them).
        slug: Option<String>,
        /// Verify every exercise (the default when no slug is given).
        #[arg(long, conflicts_with = "slug")]
        all: bool,
    },
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    let loaded = match &args.course {
        Some(dir) => workbook::course::Course::load(dir)?,
        None => {
            cli::load_course(&std::env::current_dir().context("cannot read the current folder")?)?
        }
    };
    let mut out = std::io::stdout().lock();
    let code = match args.command {
        Command::Check { json } => {
            if cli::check::run(&loaded, json, &mut out)? {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Command::List => {
            cli::list::run(&loaded.course, &mut out)?;
            let errors = loaded.diagnostics.error_count();
            if errors > 0 {
                eprintln!(
                    "note: the course has {} problem(s); `workbook check` lists them",
                    errors
                );
            }
            ExitCode::SUCCESS
        }
        Command::Grade {
            slug,
            all,
            format,
            out: out_file,
        } => {
            let passed = cli::commands::grade(
                &loaded,
                slug.as_deref(),
                all,
                format,
                out_file.as_deref(),
                &mut out,
            )?;
            if passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Command::Verify { slug, all: _ } => {
            if cli::commands::verify(&loaded, slug.as_deref(), &mut out)? {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
    };
    out.flush()?;
    Ok(code)
}
