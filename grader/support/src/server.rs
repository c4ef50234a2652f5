//! The learner's program as a process: started with `PORT` and `DATABASE_URL`, waited for
//! until it accepts connections, then stopped (`SIGTERM`), killed (`SIGKILL`) or restarted
//! on the same database. A `Server` that is dropped kills its process.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::output::Tail;
use crate::ports;
use crate::request::Client;

/// How long a server may take to accept connections after it starts.
pub const READY_WITHIN: Duration = Duration::from_secs(10);

/// How many of the server's last lines a failure shows.
const SHOWN_LINES: usize = 20;

/// The settings of a start: the program, and its environment beyond the defaults.
pub struct Launch {
    binary: PathBuf,
    set: Vec<(String, String)>,
    removed: Vec<String>,
}

/// A running (or stopped) server and the folder that holds its database.
pub struct Server {
    binary: PathBuf,
    launch_env: (Vec<(String, String)>, Vec<String>),
    folder: PathBuf,
    port: u16,
    child: Option<Child>,
    stdout: Tail,
    stderr: Tail,
    exited: Option<ExitStatus>,
}

impl Launch {
    /// Sets `key` to `value` in the server's environment (overriding a default).
    pub fn env(mut self, key: &str, value: &str) -> Launch {
        self.set.push((key.to_string(), value.to_string()));
        self
    }

    /// Leaves `key` out of the server's environment (`PORT`, say, to see it refuse).
    pub fn without(mut self, key: &str) -> Launch {
        self.removed.push(key.to_string());
        self
    }

    /// Starts the server and waits until it accepts connections on its port; panics, with
    /// the last lines of its standard error, if it exits first or never listens.
    pub fn start(self) -> Server {
        let mut server = self.spawn();
        server.wait_ready();
        server
    }

    /// Starts the server without waiting for it (for a start that should fail).
    pub fn spawn(self) -> Server {
        let folder = scratch_folder();
        let mut server = Server {
            binary: self.binary,
            launch_env: (self.set, self.removed),
            folder,
            port: 0,
            child: None,
            stdout: Tail::default(),
            stderr: Tail::default(),
            exited: None,
        };
        server.spawn_process();
        server
    }
}

impl Server {
    /// The settings of a start of `binary`, with the default environment.
    pub fn configure(binary: impl Into<PathBuf>) -> Launch {
        Launch {
            binary: binary.into(),
            set: Vec::new(),
            removed: Vec::new(),
        }
    }

    /// The port the server was told to listen on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The database file (`DATABASE_URL` without `sqlite://`); it may not exist yet.
    pub fn database_file(&self) -> PathBuf {
        self.folder.join("app.db")
    }

    /// The value of `DATABASE_URL`.
    pub fn database_url(&self) -> String {
        format!("sqlite://{}", self.database_file().display())
    }

    /// A client for this server, without credentials.
    pub fn client(&self) -> Client {
        Client::new(self.port)
    }

    /// The process id, while the process runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The last lines of the server's standard error.
    pub fn stderr_tail(&self) -> String {
        self.stderr.last_lines(SHOWN_LINES)
    }

    /// Sends `SIGTERM`, the signal a process manager sends to ask for a clean stop.
    pub fn terminate(&mut self) {
        self.signal(libc::SIGTERM);
    }

    /// Kills the process at once (`SIGKILL`: no chance to clean up, as in a crash) and
    /// waits for it.
    pub fn kill(&mut self) {
        self.signal(libc::SIGKILL);
        let _ = self.wait_exit(Duration::from_secs(5));
    }

    /// Starts the program again on the same database, on a new port, and waits until it
    /// accepts connections. The process must have ended (see [`Server::kill`]).
    pub fn restart(&mut self) {
        if self.exited.is_none() {
            self.kill();
        }
        self.spawn_process();
        self.wait_ready();
    }

    /// Starts the program again on the same database, on a new port, without waiting for it
    /// (for a start that should fail). The process must have ended.
    pub fn relaunch(&mut self) {
        if self.exited.is_none() {
            self.kill();
        }
        self.spawn_process();
    }

    /// Opens the server's database (for a test to look inside it while the server is
    /// stopped); panics saying which file when it cannot.
    #[cfg(feature = "sqlite")]
    #[track_caller]
    pub fn open_database(&self) -> rusqlite::Connection {
        let path = self.database_file();
        if !path.exists() {
            panic!(
                "expected the database file {} (from DATABASE_URL) to exist once the server has run, but it does not",
                path.display()
            );
        }
        rusqlite::Connection::open(&path)
            .unwrap_or_else(|e| panic!("the grader cannot open {}: {e}", path.display()))
    }

    /// Waits up to `within` for the process to exit, and returns its status, or `None` if
    /// it is still running.
    pub fn wait_exit(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.poll_exit() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Panics, with the server's last lines, unless the process exits with a non-zero status
    /// within `within` (used for settings the server must refuse). Returns its standard error.
    #[track_caller]
    pub fn expect_refusal(&mut self, setting: &str, within: Duration) -> String {
        match self.wait_exit(within) {
            None => panic!(
                "{setting}: expected the server to refuse to start (print why on standard error and exit with a non-zero status), but it was still running after {} s.{}",
                within.as_secs(),
                self.last_words()
            ),
            Some(status) if status.success() => panic!(
                "{setting}: expected the server to refuse to start with a non-zero exit status, but it exited with status 0.{}",
                self.last_words()
            ),
            Some(_) => std::thread::sleep(Duration::from_millis(50)),
        }
        self.stderr.last_lines(SHOWN_LINES)
    }

    /// "exit status 1", "killed by signal 9 (SIGKILL)".
    pub fn describe(status: ExitStatus) -> String {
        describe(status)
    }

    /// The last lines of both streams, for a failure message ("" when there are none).
    pub fn last_words(&self) -> String {
        let mut text = String::new();
        for (name, tail) in [
            ("standard error", &self.stderr),
            ("standard output", &self.stdout),
        ] {
            let lines = tail.last_lines(SHOWN_LINES);
            if !lines.trim().is_empty() {
                text.push_str(&format!(
                    "\n  the server's {name} (last lines):\n{}",
                    indent(&lines)
                ));
            }
        }
        text
    }

    fn spawn_process(&mut self) {
        self.port = ports::free();
        self.exited = None;
        let mut command = Command::new(&self.binary);
        // Only what the README documents (and PATH): the grader's own variables (the test's
        // name, the seed, its folders) are not the program's business.
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("TMPDIR", &self.folder)
            .env("PORT", self.port.to_string())
            .env("DATABASE_URL", self.database_url())
            .env("RUST_BACKTRACE", "0")
            .current_dir(&self.folder)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in &self.launch_env.0 {
            command.env(key, value);
        }
        for key in &self.launch_env.1 {
            command.env_remove(key);
        }
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("the grader cannot start {}: {e}", self.binary.display()));
        self.stdout = child.stdout.take().map(Tail::follow).unwrap_or_default();
        self.stderr = child.stderr.take().map(Tail::follow).unwrap_or_default();
        self.child = Some(child);
    }

    /// Waits until something accepts connections on the port, or panics saying why not.
    fn wait_ready(&mut self) {
        let deadline = Instant::now() + READY_WITHIN;
        let address = format!("127.0.0.1:{}", self.port);
        loop {
            if TcpStream::connect(&address).is_ok() {
                return;
            }
            if let Some(status) = self.poll_exit() {
                // Give the reader threads a moment to take the last lines.
                std::thread::sleep(Duration::from_millis(50));
                panic!(
                    "the server exited ({}) before it listened on port {} (PORT={}).{}",
                    describe(status),
                    self.port,
                    self.port,
                    self.last_words()
                );
            }
            if Instant::now() >= deadline {
                self.never_listened();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn never_listened(&mut self) -> ! {
        let elsewhere = self.pid().map(ports::listening).unwrap_or_default();
        let hint = match elsewhere.as_slice() {
            [] => "It listens on no TCP port at all.".to_string(),
            ports => format!(
                "It listens on {} instead: read the port from the PORT variable.",
                ports
                    .iter()
                    .map(|p| format!("port {p}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let words = self.last_words();
        self.signal(libc::SIGKILL);
        panic!(
            "the server did not accept connections on port {} (PORT={}) within {} s. {hint}{words}",
            self.port,
            self.port,
            READY_WITHIN.as_secs()
        );
    }

    fn poll_exit(&mut self) -> Option<ExitStatus> {
        if self.exited.is_none()
            && let Some(child) = self.child.as_mut()
            && let Ok(Some(status)) = child.try_wait()
        {
            self.exited = Some(status);
            self.child = None;
        }
        self.exited
    }

    fn signal(&mut self, signal: libc::c_int) {
        if let Some(pid) = self.pid().and_then(|p| libc::pid_t::try_from(p).ok()) {
            // SAFETY: `kill` only sends a signal; `pid` is our own child, not yet reaped.
            unsafe {
                libc::kill(pid, signal);
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let words = self.last_words();
            if !words.is_empty() {
                eprintln!("{}", words.trim_start_matches('\n'));
            }
        }
        self.signal(libc::SIGKILL);
        if let Some(child) = self.child.as_mut() {
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// "exit status 1", "killed by signal 9 (SIGKILL)".
pub(crate) fn describe(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}{}", signal_name(signal)),
        (None, None) => "unknown status".to_string(),
    }
}

/// " (SIGTERM)" for the signals a server meets in these tests.
fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGTERM => " (SIGTERM: no handler stopped it)",
        libc::SIGKILL => " (SIGKILL)",
        libc::SIGSEGV => " (SIGSEGV: a crash)",
        libc::SIGABRT => " (SIGABRT: an abort)",
        _ => "",
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A fresh folder for one server's database, under the test's temporary folder.
fn scratch_folder() -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let folder: PathBuf = std::env::temp_dir().join(format!("app-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    create(&folder);
    folder
}

fn create(folder: &Path) {
    std::fs::create_dir_all(folder)
        .unwrap_or_else(|e| panic!("the grader cannot create {}: {e}", folder.display()));
}
