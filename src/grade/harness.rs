//! The harness crate: a package under `.workbook/grader/harness/<slug>/` that depends on the
//! crate under test by path and holds the hidden tests as `[[test]]` targets pointing at
//! `grader/<slug>/tests/*.rs`, so the tests are compiled where they are and never copied.

use std::path::{Path, PathBuf};

use super::{GradeError, Workdir, absolute};
use crate::course::exercise::Kind;
use crate::course::{Course, Exercise};

/// A harness ready to build.
#[derive(Debug)]
pub struct Harness {
    /// The workspace manifest every harness shares.
    pub workspace_manifest: PathBuf,
    /// The harness package's name, for `cargo -p`.
    pub package: String,
}

/// Writes (or refreshes) the harness of `exercise` pointing at `crate_dir`, with the hidden
/// tests where the course keeps them.
pub fn prepare(
    course: &Course,
    exercise: &Exercise,
    crate_dir: &Path,
    workdir: &Workdir,
) -> Result<Harness, GradeError> {
    let tests: Vec<PathBuf> = exercise
        .hidden_tests
        .iter()
        .map(|rel| absolute(&course.root.join(rel)))
        .collect();
    prepare_with_tests(exercise, crate_dir, workdir, &tests, &support_dir(course))
}

/// The support crate of server exercises' hidden tests: `<grader root>/support`.
pub fn support_dir(course: &Course) -> PathBuf {
    absolute(
        &course
            .root
            .join(&course.grader_root)
            .join(crate::course::SUPPORT_DIR),
    )
}

/// The assertion helper of every exercise's hidden tests (`expect_eq!`, labelled expected
/// and actual): `<grader root>/support/expect`.
pub fn expect_dir(course: &Course) -> PathBuf {
    support_dir(course).join(EXPECT_DIR)
}

/// The folder of the assertion helper crate inside the support folder.
const EXPECT_DIR: &str = "expect";

/// Writes the harness of `exercise` pointing at `crate_dir`, with the hidden test files
/// `tests` (absolute paths; a sandboxed grade passes copies of its own) and the support
/// crates at `support`: the assertion helper for every exercise, `server-check` for a
/// server exercise.
pub fn prepare_with_tests(
    exercise: &Exercise,
    crate_dir: &Path,
    workdir: &Workdir,
    tests: &[PathBuf],
    support: &Path,
) -> Result<Harness, GradeError> {
    super::require_utf8(crate_dir)?;
    let (workspace_manifest, dir) = member_dir(workdir, exercise.slug.as_str())?;

    let package = format!("{}-hidden-tests", exercise.slug);
    let mut manifest = toml::Table::new();
    manifest.insert("package".into(), package_table(&package).into());
    match exercise.kind {
        Kind::Library => {
            super::require_utf8(support)?;
            manifest.insert(
                "dependencies".into(),
                dependencies(exercise, crate_dir, support).into(),
            );
        }
        Kind::Server => {
            super::require_utf8(support)?;
            let deps = server_dependencies(exercise, crate_dir, support);
            manifest.insert("dependencies".into(), deps.into());
            let bin = server_target(crate_dir, &package);
            manifest.insert("bin".into(), vec![bin].into());
        }
    }
    manifest.insert("test".into(), test_targets(tests).into());

    let text = format!(
        "# Written by `workbook grade` for exercise `{}`; do not edit.\n{}",
        exercise.slug,
        toml::to_string(&manifest)
            .map_err(|e| GradeError::Cargo(format!("cannot write the harness manifest: {e}")))?
    );
    write_if_changed(&dir.join("Cargo.toml"), &text)?;
    // A package of test targets only: nothing else compiles on each grade.
    let _ = std::fs::remove_file(dir.join("lib.rs"));
    Ok(Harness {
        workspace_manifest,
        package,
    })
}

/// Returns the harness's `[package]`: no library, and no targets but the hidden tests.
fn package_table(package: &str) -> toml::Table {
    let mut pkg = toml::Table::new();
    pkg.insert("name".into(), package.into());
    pkg.insert("version".into(), "0.0.0".into());
    pkg.insert("edition".into(), "2024".into());
    pkg.insert("publish".into(), false.into());
    pkg.insert("autotests".into(), false.into());
    pkg.insert("autobins".into(), false.into());
    pkg.insert("autoexamples".into(), false.into());
    pkg.insert("autobenches".into(), false.into());
    pkg.insert("autolib".into(), false.into());
    pkg
}

/// Returns the harness's `[dependencies]`: the crate under test by path, everything its stub
/// declares, and the assertion helper when the course has it (a course may leave it out,
/// and its hidden tests then use `assert_eq!`).
fn dependencies(exercise: &Exercise, crate_dir: &Path, support: &Path) -> toml::Table {
    // The hidden tests may use whatever the stub declares, as dependency or dev-dependency.
    let mut deps = exercise.manifest.dependencies.clone();
    for (name, value) in &exercise.manifest.dev_dependencies {
        deps.insert(name.clone(), value.clone());
    }
    let mut under_test = toml::Table::new();
    under_test.insert("path".into(), path_string(crate_dir).into());
    deps.insert(exercise.crate_name.clone(), under_test.into());
    let expect = support.join(EXPECT_DIR);
    if expect.join("Cargo.toml").is_file() {
        let mut helper = toml::Table::new();
        helper.insert("path".into(), path_string(&expect).into());
        deps.insert("expect".into(), helper.into());
    }
    deps
}

/// The `[[bin]]` target of a server exercise: the learner's `src/main.rs` (its modules are
/// found beside it) built under the harness package's own name, so that the hidden tests
/// find the program at `CARGO_BIN_EXE_<package>` (see `server_check::start!`), and each
/// exercise's program has a path of its own in the shared target directory.
fn server_target(crate_dir: &Path, package: &str) -> toml::Value {
    let mut bin = toml::Table::new();
    bin.insert("name".into(), package.into());
    bin.insert(
        "path".into(),
        path_string(&crate_dir.join("src/main.rs")).into(),
    );
    bin.into()
}

/// A server exercise's `[dependencies]`: what the crate under test declares now (a learner may
/// add a crate; in class grading this is the instructor's manifest), its stub's
/// dev-dependencies, and the support crate (with its `sqlite` feature when the crate uses
/// rusqlite).
fn server_dependencies(exercise: &Exercise, crate_dir: &Path, support: &Path) -> toml::Table {
    let declared = std::fs::read_to_string(crate_dir.join("Cargo.toml"))
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .and_then(|t| {
            t.get("dependencies")
                .and_then(toml::Value::as_table)
                .cloned()
        });
    let mut deps = declared.unwrap_or_else(|| exercise.manifest.dependencies.clone());
    for (_, value) in deps.iter_mut() {
        anchor_path(value, crate_dir);
    }
    for (name, value) in &exercise.manifest.dev_dependencies {
        deps.entry(name.clone()).or_insert_with(|| value.clone());
    }
    let mut support_dep = toml::Table::new();
    support_dep.insert("path".into(), path_string(support).into());
    // The support crate opens the learner's database with rusqlite, when the crate uses it:
    // SQLite can be linked only once, so it must be the crate's own.
    if deps.contains_key("rusqlite") {
        support_dep.insert("features".into(), vec!["sqlite"].into());
    }
    deps.insert("server-check".into(), support_dep.into());
    deps
}

/// Makes a relative `path = "..."` dependency absolute: it was written relative to the
/// learner's crate, and the harness lives elsewhere.
fn anchor_path(value: &mut toml::Value, crate_dir: &Path) {
    if let Some(table) = value.as_table_mut()
        && let Some(path) = table.get("path").and_then(toml::Value::as_str)
    {
        let anchored = path_string(&crate_dir.join(path));
        table.insert("path".into(), anchored.into());
    }
}

/// Returns one `[[test]]` target per hidden test file, named after the file.
fn test_targets(tests: &[PathBuf]) -> Vec<toml::Value> {
    tests
        .iter()
        .map(|path| {
            let mut test = toml::Table::new();
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            test.insert("name".into(), name.into());
            test.insert("path".into(), path_string(path).into());
            test.into()
        })
        .collect()
}

/// Makes the shared workspace hold member `name` and returns the workspace manifest and the
/// member's folder (created if needed).
///
/// The workspace lists only the member being built: another harness may point at a crate
/// that is gone (a temporary copy graded earlier), and cargo loads every listed member. The
/// one `Cargo.lock` still keeps versions aligned across exercises.
pub fn member_dir(workdir: &Workdir, name: &str) -> Result<(PathBuf, PathBuf), GradeError> {
    super::require_utf8(&workdir.root)?;
    let grader_root = workdir.root.join("grader");
    let dir = grader_root.join("harness").join(name);
    std::fs::create_dir_all(&dir)
        .map_err(GradeError::io(format!("cannot create {}", dir.display())))?;
    let workspace_manifest = grader_root.join("Cargo.toml");
    write_if_changed(
        &workspace_manifest,
        &format!(
            "# Written by `workbook grade`; do not edit.\n[workspace]\nresolver = \"3\"\nmembers = [\"harness/{name}\"]\n\n{GRADER_PROFILE}"
        ),
    )?;
    Ok((workspace_manifest, dir))
}

/// The build profile of every grade. No debug information: panic locations come from
/// `#[track_caller]` locations, not from it, and without it a test binary of an axum exercise
/// links in a fraction of the time. `exercises/.cargo/config.toml` sets the same, so a
/// learner's own `cargo test` reuses what the grader built.
///
/// Password hashing (argon2, over blake2) is slow on purpose, and unoptimised it is tens of
/// times slower still: a server exercise's hidden tests sign up and log in users by the
/// dozen, so those two crates are optimised even in this debug build (cargo warns, harmlessly,
/// when an exercise does not use them).
const GRADER_PROFILE: &str = "[profile.dev]\ndebug = 0\n\n[profile.dev.package.argon2]\nopt-level = 3\n\n[profile.dev.package.blake2]\nopt-level = 3\n";

pub(crate) fn path_string(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Leaves an unchanged file alone so cargo's freshness checks do not rebuild the harness.
pub(crate) fn write_if_changed(path: &Path, text: &str) -> Result<(), GradeError> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(GradeError::io(format!("cannot create {}", dir.display())))?;
    }
    std::fs::write(path, text).map_err(GradeError::io(format!("cannot write {}", path.display())))
}
