//! Exercises: the stub crate in `exercises/<slug>/` that the learner edits, and the
//! instructor's half in `grader/<slug>/` (hidden tests and a reference solution).

mod folders;
mod hints;
mod stages;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::diagnostic::{Code, Diagnostic};
use super::ids::{ExerciseSlug, LessonSlug};
use super::outline::Outline;
use super::source::{is_kebab_case, or_report, parse_toml, read_text, span_line};
pub use hints::{Hint, hint_order};
pub use stages::{Kind, Stage};

use folders::Folders;
use hints::{HintEntry, check_hint_rules};

/// The per-test timeout of an exercise that does not set one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long compiling an exercise may take when it does not say. The first grade on a fresh
/// machine compiles every dependency (about a minute on two cores), so this is generous; it
/// exists to end a `build.rs` that loops or sleeps.
pub const DEFAULT_COMPILE_TIMEOUT: Duration = Duration::from_secs(300);

/// How hard an exercise is, as shown to the learner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Difficulty {
    /// Follows the lesson closely.
    Beginner,
    /// Needs some design of one's own.
    Intermediate,
    /// Concurrency, tricky edge cases, or both.
    Advanced,
}

impl Difficulty {
    /// The word shown in listings.
    pub fn as_str(self) -> &'static str {
        match self {
            Difficulty::Beginner => "beginner",
            Difficulty::Intermediate => "intermediate",
            Difficulty::Advanced => "advanced",
        }
    }
}

/// One exercise, both halves.
#[derive(Debug, Clone)]
pub struct Exercise {
    /// The folder name under `exercises/` and `grader/`.
    pub slug: ExerciseSlug,
    /// The title shown to learners.
    pub title: String,
    /// The lesson that teaches it, with the line of `lesson =` in `exercise.toml`.
    pub lesson: (LessonSlug, u32),
    /// How hard it is.
    pub difficulty: Difficulty,
    /// A library the hidden tests call, or a server they talk to over HTTP.
    pub kind: Kind,
    /// The stages in order (empty for an exercise graded all at once): a grade stops at the
    /// first stage that fails.
    pub stages: Vec<Stage>,
    /// Hints, revealed one at a time, gentlest first (those for the rules a grade fails
    /// before the others, see [`hint_order`]).
    pub hints: Vec<Hint>,
    /// How long one hidden test may run.
    pub timeout: Duration,
    /// The rules the README grades and the tests that check them (`rules.toml`), once the
    /// exercise has a rule map.
    pub rules: Option<super::rules::RuleMap>,
    /// How long compiling the crate and its hidden tests may take (`compile_timeout_secs`).
    pub compile_timeout: Duration,
    /// The stub's package name (what hidden tests import, with `-` as `_`).
    pub crate_name: String,
    /// `exercises/<slug>`, relative to the course root.
    pub stub_dir: PathBuf,
    /// `grader/<slug>`, relative to the course root.
    pub grader_dir: PathBuf,
    /// The hidden test files, relative to the course root.
    pub hidden_tests: Vec<PathBuf>,
    /// The stub's declared dependencies, used to keep every exercise on one build.
    pub manifest: Manifest,
    /// The README's headings and links, for link checking.
    pub readme: Outline,
}

/// The parts of a Cargo manifest the course compares between crates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Manifest {
    /// The file, relative to the course root.
    pub path: PathBuf,
    /// `[package] name`.
    pub name: Option<String>,
    /// `[dependencies]`.
    pub dependencies: toml::Table,
    /// `[dev-dependencies]`.
    pub dev_dependencies: toml::Table,
    /// The manifest's text, to find the line of a key.
    pub text: String,
}

impl Manifest {
    /// Reads a `Cargo.toml`, or reports why it cannot be read.
    pub fn load(root: &Path, rel: &Path) -> Result<Manifest, Diagnostic> {
        let text = read_text(root, rel)?;
        let table: toml::Table = parse_toml(&text, rel, 1)?;
        let section = |name: &str| {
            table
                .get(name)
                .and_then(toml::Value::as_table)
                .cloned()
                .unwrap_or_default()
        };
        Ok(Manifest {
            path: rel.to_path_buf(),
            name: table
                .get("package")
                .and_then(|p| p.get("name"))
                .and_then(toml::Value::as_str)
                .map(str::to_string),
            dependencies: section("dependencies"),
            dev_dependencies: section("dev-dependencies"),
            text,
        })
    }

    /// The line declaring `key` in `[section]` (or `[section.key]`), else the section's
    /// line, else 1.
    pub fn line_of(&self, section: &str, key: Option<&str>) -> u32 {
        let mut in_section = false;
        let mut section_line = None;
        for (i, line) in self.text.lines().enumerate() {
            let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let trimmed = line.trim();
            if trimmed.starts_with('[') {
                let header = trimmed.trim_matches(|c| c == '[' || c == ']').trim();
                in_section = header == section;
                if in_section {
                    section_line.get_or_insert(n);
                }
                if let Some(key) = key
                    && header == format!("{section}.{key}")
                {
                    return n;
                }
            } else if in_section && let Some(key) = key {
                let name = trimmed.split('=').next().unwrap_or("").trim();
                if name == key || name.trim_matches('"') == key {
                    return n;
                }
            }
        }
        section_line.unwrap_or(1)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExerciseFile {
    title: Spanned<String>,
    lesson: Spanned<String>,
    difficulty: Difficulty,
    hints: Option<Spanned<Vec<HintEntry>>>,
    timeout_secs: Option<Spanned<u64>>,
    compile_timeout_secs: Option<Spanned<u64>>,
    #[serde(default)]
    kind: Kind,
    #[serde(default)]
    stages: Vec<stages::StageEntry>,
}

/// Loads `exercises/<slug>` and `<grader_root>/<slug>`, reporting every missing or broken
/// part. In a learner edition (`solutions_expected` false) a missing solution is no problem.
///
/// Returns `None` when `exercise.toml` or the stub's `Cargo.toml` cannot be read, since
/// nothing can be graded without them.
pub fn load(
    root: &Path,
    grader_root: &Path,
    slug: &str,
    solutions_expected: bool,
    problems: &mut Vec<Diagnostic>,
) -> Option<Exercise> {
    let folders = Folders {
        root,
        slug,
        stub_dir: Path::new("exercises").join(slug),
        grader_dir: grader_root.join(slug),
    };
    if !is_kebab_case(slug) {
        problems.push(Diagnostic::file(
            &folders.stub_dir,
            Code::NotKebabCase,
            format!("exercise folder `{slug}` is not kebab-case (lower-case words joined by `-`)"),
        ));
    }
    let present = folders.require_files(solutions_expected, problems);

    let hidden_tests = folders.hidden_tests(problems);
    let rules = super::rules::check(root, &folders.grader_dir, &hidden_tests, problems);
    if hidden_tests.is_empty() {
        problems.push(Diagnostic::file(
            &folders.grader_dir.join("tests"),
            Code::MissingFile,
            format!(
                "exercise `{slug}` has no hidden tests: add `.rs` files under grader/{slug}/tests/"
            ),
        ));
    }

    let readme = folders.readme(present.readme, problems);
    let manifest = folders.manifests(&present, problems);
    if !present.toml {
        return None;
    }
    let toml_path = folders.stub_dir.join("exercise.toml");
    let staging = (
        folders.grader_dir.as_path(),
        hidden_tests.as_slice(),
        &readme,
    );
    let settings = read_settings(root, &toml_path, staging, problems)?;
    folders.require_root_file(settings.kind, problems);
    let at = (toml_path.as_path(), settings.hints_line);
    // A learner edition has no grader folder, so no rule map to check hints against.
    if root.join(&folders.grader_dir).is_dir() {
        check_hint_rules(&settings.hints, rules.as_ref(), at, problems);
    }
    let manifest = manifest?;
    Some(Exercise {
        slug: ExerciseSlug::new(slug),
        title: settings.title,
        lesson: settings.lesson,
        difficulty: settings.difficulty,
        kind: settings.kind,
        stages: settings.stages,
        hints: settings.hints,
        timeout: settings.timeout,
        rules,
        compile_timeout: settings.compile_timeout,
        crate_name: manifest.name.clone().unwrap_or_else(|| slug.to_string()),
        stub_dir: folders.stub_dir,
        grader_dir: folders.grader_dir,
        hidden_tests,
        manifest,
        readme,
    })
}

/// What `exercise.toml` sets, checked, with defaults for what it leaves out or gets wrong.
struct Settings {
    title: String,
    lesson: (LessonSlug, u32),
    difficulty: Difficulty,
    hints: Vec<Hint>,
    /// The line of `hints =`, for problems with a hint's rules.
    hints_line: u32,
    timeout: Duration,
    compile_timeout: Duration,
    kind: Kind,
    stages: Vec<Stage>,
}

/// Reads and checks `exercise.toml` at `toml_path`. Returns `None` when it cannot be read
/// or parsed; a bad field is reported and its default used.
fn read_settings(
    root: &Path,
    toml_path: &Path,
    (grader_dir, hidden_tests, readme): (&Path, &[PathBuf], &Outline),
    problems: &mut Vec<Diagnostic>,
) -> Option<Settings> {
    let text = or_report(read_text(root, toml_path), problems)?;
    let file: ExerciseFile = or_report(parse_toml(&text, toml_path, 1), problems)?;
    let line = |span: std::ops::Range<usize>| span_line(&text, &span, 1);
    check_title_and_hints(&file, toml_path, &line, problems);
    let timeout = seconds_field(
        &file.timeout_secs,
        "timeout_secs",
        "a per-test timeout",
        (1, 600),
        DEFAULT_TIMEOUT,
        (toml_path, &line, &mut *problems),
    );
    let compile_timeout = seconds_field(
        &file.compile_timeout_secs,
        "compile_timeout_secs",
        "a compile timeout",
        (10, 3600),
        DEFAULT_COMPILE_TIMEOUT,
        (toml_path, &line, &mut *problems),
    );
    let at = stages::StageCheck {
        toml_path,
        line: &line,
        grader_dir,
        hidden_tests,
        readme,
    };
    let stages = stages::read(file.stages, &at, problems);
    Some(Settings {
        kind: file.kind,
        stages,
        title: file.title.get_ref().trim().to_string(),
        lesson: (
            LessonSlug::new(file.lesson.get_ref().trim()),
            line(file.lesson.span()),
        ),
        difficulty: file.difficulty,
        hints_line: file.hints.as_ref().map_or(1, |h| line(h.span())),
        hints: file
            .hints
            .map(|h| h.into_inner().into_iter().map(Hint::from).collect())
            .unwrap_or_default(),
        timeout,
        compile_timeout,
    })
}

/// Reports an empty `title`, and `hints` that are missing, empty or hold an empty hint.
fn check_title_and_hints(
    file: &ExerciseFile,
    toml_path: &Path,
    line: &dyn Fn(std::ops::Range<usize>) -> u32,
    problems: &mut Vec<Diagnostic>,
) {
    if file.title.get_ref().trim().is_empty() {
        problems.push(Diagnostic::at(
            toml_path,
            line(file.title.span()),
            Code::InvalidField,
            "`title` is empty",
        ));
    }
    match &file.hints {
        None => problems.push(Diagnostic::at(
            toml_path,
            1,
            Code::InvalidField,
            "no `hints`; give a few, gentlest first, for learners who are stuck",
        )),
        Some(hints)
            if hints.get_ref().is_empty()
                || hints
                    .get_ref()
                    .iter()
                    .any(|h| hint_text(h).trim().is_empty()) =>
        {
            problems.push(Diagnostic::at(
                toml_path,
                line(hints.span()),
                Code::InvalidField,
                "`hints` must hold at least one hint, and none may be empty",
            ));
        }
        Some(_) => {}
    }
}

fn hint_text(entry: &HintEntry) -> &str {
    match entry {
        HintEntry::Text(text) | HintEntry::Tagged { text, .. } => text,
    }
}

/// A number of seconds from `exercise.toml`, checked against `range` (inclusive); a value
/// outside it is a diagnostic at its line, and the default is used.
fn seconds_field(
    value: &Option<Spanned<u64>>,
    key: &str,
    what: &str,
    (low, high): (u64, u64),
    default: Duration,
    (path, line, problems): (
        &std::path::Path,
        &dyn Fn(std::ops::Range<usize>) -> u32,
        &mut Vec<Diagnostic>,
    ),
) -> Duration {
    match value {
        Some(secs) if !(low..=high).contains(secs.get_ref()) => {
            problems.push(Diagnostic::at(
                path,
                line(secs.span()),
                Code::InvalidField,
                format!(
                    "`{key}` is {}; give {what} from {low} to {high} seconds",
                    secs.get_ref()
                ),
            ));
            default
        }
        Some(secs) => Duration::from_secs(*secs.get_ref()),
        None => default,
    }
}
