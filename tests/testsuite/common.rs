//! The one helper module of the test suite: every test module takes its paths, course copies,
//! `workbook` commands, servers and process checks from here, so each is written once.
//!
//! **Paths**
//! - [`root`]: the repository root, which is also the real course.
//! - [`fixtures`]: `tests/fixtures`, the small courses and learner crates the tests use.
//!
//! **Course copies** (each a [`TempDir`], deleted when dropped; tests change them freely)
//! - [`copy_dir`]: copies a folder, leaving out what a build or a run leaves behind.
//! - [`fixture_copy`]: a copy of one fixture course, e.g. `fixture_copy("grading")`.
//! - [`course_copy`]: a copy of the real course's content (lessons, quizzes, exercises,
//!   grader), for tests that need the real lessons but must not touch the repository.
//! - [`grading_course_with`]: a copy of the grading course whose `counter` exercise holds one
//!   of the learner crates of `tests/fixtures/learners/`; [`put_learner`] puts such a crate
//!   into a course that is already there (a running watch, say).
//! - [`staged_course_with`]: a copy of the `staged` course, a server exercise graded in two
//!   stages, with a learner program of `tests/fixtures/server-learners/`, building into a
//!   folder every such copy shares; [`staged_course_alone`] builds into its own.
//!
//! **Running `workbook`** (always the binary under test, never the user's `WORKBOOK_DB`)
//! - [`workbook`]: a command to run to its end and assert on (`assert_cmd`).
//! - [`workbook_on`]: the same with `--course <course>`, run from anywhere.
//! - [`workbook_in`]: the same run inside a folder, finding its course upwards as a learner's
//!   command does.
//! - [`workbook_process`]: a `std` command, for a process the test spawns and talks to.
//! - [`workbook_binary`]: the binary's path, for what must name it (a symbolic link, the
//!   grader's supervisor).
//! - [`run`]: runs a command; its exit code, stdout and stderr as text.
//!
//! **The web server**
//! - [`Server`]: `workbook serve` on an ephemeral port, read from the URL it prints, with a
//!   cookie-keeping HTTP client; killed when dropped. [`Server::sign_in`] visits the sign-in
//!   URL as a browser would; [`Server::get`] and [`Server::post_json`] send requests.
//!   [`Server::start_at`] starts one whose clock reads a given time (`WORKBOOK_NOW`), to see
//!   review questions fall due.
//! - [`raw_request`]: sends a request byte for byte as written (bad Host headers, huge
//!   headers), which an HTTP client would refuse to send.
//! - [`option_value`]: the opaque value a quiz page gives an option (from the learner seed
//!   under `.workbook/`); [`page_option_values`]: a question's option values on a page.
//!
//! **Processes**
//! - [`KillOnDrop`]: a child process killed when the test ends, even on a failed assertion.
//! - [`processes_mentioning`], [`processes_mentioning_except`], [`wait_until_gone`]: the live
//!   processes whose command line holds a marker, to prove nothing a test started outlives it.
//! - [`find_program`]: whether a program (chromedriver, bwrap, cargo-mutants) is installed;
//!   tests that need one are skipped with a note when it is not, except on CI.
//!
//! **Grading in this process**
//! - [`loaded`]: a course loaded with the library, for tests that read its quizzes or
//!   exercises.
//! - [`supervise_with_workbook`]: must be called before grading in this process.
//! - [`grade_dir`]: grades a crate folder in this process; the report and its progress
//!   events.
//! - [`lock_is_free`]: whether a course's grader lock is free, i.e. no grade runs on it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use reqwest::StatusCode;
use serde_json::Value;
use tempfile::TempDir;
use workbook::course::{Course, Exercise, Question};
use workbook::grade::{self, Cancel, Progress, Report, Workdir};

/// The repository root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/fixtures`.
pub fn fixtures() -> PathBuf {
    root().join("tests/fixtures")
}

/// Copies a folder recursively, leaving out what a build or a run leaves behind
/// (`.workbook/`, `target/`, `Cargo.lock`), so every copy starts clean.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == ".workbook" || name == "target" || name == "Cargo.lock" {
            continue;
        }
        let target = to.join(&name);
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A copy of the fixture course `tests/fixtures/<name>`, to serve and change freely.
pub fn fixture_copy(name: &str) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join(name), dir.path());
    dir
}

/// A copy of the real course (content only), so tests may edit it and keep its progress apart.
pub fn course_copy() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for part in ["lessons", "quizzes", "exercises", "grader"] {
        copy_dir(&root().join(part), &dir.path().join(part));
    }
    dir
}

/// A fresh copy of the `staged` course (one server exercise, `hello-server`, in two stages)
/// with the real `grader/support` crate, and `learner` (a crate of
/// `tests/fixtures/server-learners/`) as the learner's `src/main.rs` when given. Its build
/// folder is shared by every copy and kept between runs, so the support crate's
/// dependencies compile once.
pub fn staged_course_with(learner: Option<&str>) -> TempDir {
    let dir = staged_course_alone(learner);
    let shared = Path::new(env!("CARGO_TARGET_TMPDIR")).join("staged-target");
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::create_dir_all(dir.path().join(".workbook")).unwrap();
    std::os::unix::fs::symlink(&shared, dir.path().join(".workbook/target")).unwrap();
    dir
}

/// [`staged_course_with`] with a build folder of its own, for a learner program that
/// tampers with what it finds there (it must not disturb the other tests' builds).
pub fn staged_course_alone(learner: Option<&str>) -> TempDir {
    let dir = fixture_copy("staged");
    copy_dir(
        &root().join("grader/support"),
        &dir.path().join("grader/support"),
    );
    if let Some(learner) = learner {
        let from = fixtures()
            .join("server-learners")
            .join(learner)
            .join("src/main.rs");
        std::fs::copy(from, dir.path().join("exercises/hello-server/src/main.rs")).unwrap();
    }
    dir
}

/// A fresh copy of the grading course whose `counter` exercise holds the learner crate `learner`.
pub fn grading_course_with(learner: Option<&str>) -> TempDir {
    let dir = fixture_copy("grading");
    if let Some(learner) = learner {
        put_learner(dir.path(), learner);
    }
    dir
}

/// Puts the learner crate `tests/fixtures/learners/<learner>` into `course`'s `counter`
/// exercise: its `build.rs`, if it has one, then its `src/lib.rs`.
pub fn put_learner(course: &Path, learner: &str) {
    let from = fixtures().join("learners").join(learner);
    let to = course.join("exercises/counter");
    if from.join("build.rs").exists() {
        std::fs::copy(from.join("build.rs"), to.join("build.rs")).unwrap();
    }
    std::fs::copy(from.join("src/lib.rs"), to.join("src/lib.rs")).unwrap();
}

/// The `workbook` binary under test.
pub fn workbook_binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_workbook"))
}

/// `workbook` as a process to spawn, without the user's `WORKBOOK_DB` (or a `WORKBOOK_NOW`
/// or colour settings left in the environment).
pub fn workbook_process() -> std::process::Command {
    let mut cmd = std::process::Command::new(workbook_binary());
    cmd.env_remove("WORKBOOK_DB").env_remove("WORKBOOK_NOW");
    // Output is compared as text: the caller's colour settings must not leak in.
    for colour in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE"] {
        cmd.env_remove(colour);
    }
    cmd
}

/// `workbook` as a command to run and assert on, without the user's `WORKBOOK_DB`.
pub fn workbook() -> Command {
    Command::from_std(workbook_process())
}

/// `workbook --course <course>`.
pub fn workbook_on(course: &Path) -> Command {
    let mut cmd = workbook();
    cmd.arg("--course").arg(course);
    cmd
}

/// `workbook` run inside `dir`, which finds its course from there.
pub fn workbook_in(dir: &Path) -> Command {
    let mut cmd = workbook();
    cmd.current_dir(dir);
    cmd
}

/// Runs `cmd` to its end: its exit code, stdout and stderr.
pub fn run(cmd: &mut Command) -> (Option<i32>, String, String) {
    let output = cmd.output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A child process killed (and waited for) when dropped, so a failed assertion leaves
/// nothing running.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl std::ops::Deref for KillOnDrop {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for KillOnDrop {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

/// A running `workbook serve`, stopped when dropped.
pub struct Server {
    pub child: KillOnDrop,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    pub token: String,
    pub db: PathBuf,
    /// Keeps cookies, as a browser does, and follows no redirect.
    pub client: reqwest::Client,
}

impl Server {
    /// A server without the background build (most tests grade nothing, or grade one
    /// small exercise).
    pub async fn start(course: &Path) -> Server {
        Server::start_with(course, &["--no-background-build"]).await
    }

    /// A server with `extra` arguments to `serve`, its progress in `<course>/test-progress.db`.
    pub async fn start_with(course: &Path, extra: &[&str]) -> Server {
        Server::spawn(course, extra, None).await
    }

    /// A server whose clock reads `now` (unix seconds; `WORKBOOK_NOW`, for tests only), to
    /// see review questions fall due without waiting days. Its progress is the same file as
    /// [`Server::start`]'s, so a test can restart the server "later" on the same progress.
    pub async fn start_at(course: &Path, now: i64) -> Server {
        Server::spawn(course, &["--no-background-build"], Some(now)).await
    }

    async fn spawn(course: &Path, extra: &[&str], now: Option<i64>) -> Server {
        let db = course.join("test-progress.db");
        let mut command = workbook_process();
        if let Some(now) = now {
            command.env("WORKBOOK_NOW", now.to_string());
        }
        let mut child = command
            .arg("--course")
            .arg(course)
            .arg("--db")
            .arg(&db)
            .args(["serve", "--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().expect("the server prints its URL").unwrap();
        let url = first.rsplit(' ').next().unwrap().to_string();
        std::thread::spawn(move || for _ in lines {});
        let (base, token) = url.split_once("/?token=").expect("the URL carries a token");
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Server {
            child: KillOnDrop(child),
            base: base.to_string(),
            token: token.to_string(),
            db,
            client,
        }
    }

    /// The URL the server prints at start-up, which signs a browser in.
    pub fn sign_in_url(&self) -> String {
        format!("{}/?token={}", self.base, self.token)
    }

    /// Visits the start-up URL so the client holds the session cookie, as a browser would.
    pub async fn sign_in(&self) {
        let response = self.client.get(self.sign_in_url()).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert!(
            response.headers()["set-cookie"]
                .to_str()
                .unwrap()
                .contains("HttpOnly; SameSite=Strict")
        );
    }

    /// The port the server listens on, from its base URL.
    pub fn port(&self) -> &str {
        self.base.rsplit(':').next().unwrap_or_default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn origin(&self) -> String {
        self.base.clone()
    }

    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let response = self.client.get(self.url(path)).send().await.unwrap();
        let status = response.status();
        (status, response.text().await.unwrap())
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let response = self
            .client
            .post(self.url(path))
            .header("Origin", self.origin())
            .header("Accept", "application/json")
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// The value the quiz page of the server on `course` gives option `option` of `question` in
/// quiz `quiz` (an opaque token from the learner seed the server keeps under `.workbook/`).
pub fn option_value(course: &Path, quiz: &str, question: &Question, option: usize) -> String {
    let seed = std::fs::read_to_string(course.join(".workbook/learner-id")).unwrap();
    workbook::grade::options::option_token(seed.trim(), quiz, question, option)
}

/// The values of question `id`'s options on a served page, in the order shown.
pub fn page_option_values(page: &str, id: &str) -> Vec<String> {
    let name = format!("name=\"q.{id}\" value=\"");
    page.match_indices(&name)
        .map(|(at, _)| {
            let value = &page[at + name.len()..];
            value[..value.find('"').unwrap()].to_string()
        })
        .collect()
}

/// The command lines of live processes other than this one that contain `marker` (a path or
/// an argument only the processes of one test use).
pub fn processes_mentioning(marker: &str) -> Vec<String> {
    processes_mentioning_except(marker, None)
}

/// Like [`processes_mentioning`], leaving out process `except` as well (a server under test).
pub fn processes_mentioning_except(marker: &str, except: Option<u32>) -> Vec<String> {
    let mut found = Vec::new();
    let skip = [Some(std::process::id()), except];
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if skip.contains(&Some(pid)) {
            continue;
        }
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        let zombie = std::fs::read_to_string(entry.path().join("stat")).is_ok_and(|s| {
            s.rsplit_once(')')
                .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
        });
        if cmdline.contains(marker) && !zombie {
            found.push(cmdline);
        }
    }
    found
}

/// Waits up to `limit` until no process but `except` mentions `marker`; returns what is still
/// running then (empty when all are gone).
pub fn wait_until_gone(marker: &str, except: Option<u32>, limit: Duration) -> Vec<String> {
    let deadline = Instant::now() + limit;
    loop {
        let left = processes_mentioning_except(marker, except);
        if left.is_empty() || Instant::now() >= deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The path of `name` on PATH, if it is installed.
pub fn find_program(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The course at `course`, loaded with the library (its diagnostics are not looked at).
pub fn loaded(course: &Path) -> Course {
    Course::load(course).unwrap().course
}

/// Makes in-process grades supervise their processes with the `workbook` binary (the test
/// binary itself cannot act as the supervisor).
pub fn supervise_with_workbook() {
    workbook::grade::contain::set_supervisor(workbook_binary());
}

/// Grades the crate in `dir` as `exercise` in this process; the report and the progress
/// events it sent.
pub fn grade_dir(
    course: &Course,
    exercise: &Exercise,
    dir: &Path,
    workdir: &Workdir,
) -> (Report, Vec<Progress>) {
    let mut events = Vec::new();
    let report = grade::grade(
        course,
        exercise,
        dir,
        workdir,
        &Cancel::default(),
        &mut |e| events.push(e),
    )
    .unwrap_or_else(|e| panic!("grading {} failed: {e}", dir.display()));
    (report, events)
}

/// True when no grade holds the grader lock of `course` (`.workbook/grader.lock`).
pub fn lock_is_free(course: &Path) -> bool {
    let file = std::fs::File::create(course.join(".workbook/grader.lock")).unwrap();
    file.try_lock().is_ok()
}

/// Sends `request_line` with `headers` byte for byte as written and reads the answer; no
/// body is sent.
pub fn raw_request(server: &Server, request_line: &str, headers: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let address = server.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "{request_line} HTTP/1.1\r\nHost: {address}\r\n{headers}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, response)
}
