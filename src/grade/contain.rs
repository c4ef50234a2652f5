//! Containment: every process the grader starts (cargo, a test binary's `--list`, each test)
//! runs under a small supervisor, so that nothing it starts outlives it, however it detaches.
//!
//! The supervisor is the workbook binary itself, run as `workbook __contain`. It makes itself
//! the *child subreaper* of everything below it (`prctl(PR_SET_CHILD_SUBREAPER)`, Linux 3.4+):
//! a process that detaches with `setsid`, a double fork or a daemon call is re-parented to the
//! supervisor instead of to `init`, so the supervisor can still find it. When the program it
//! runs exits, or when the grader asks it to stop (SIGTERM), or when the grader itself dies
//! (`PR_SET_PDEATHSIG`), it kills every descendant it has and reaps them before it exits, so
//! the pipes the grader reads reach end-of-file and no rustc or test process is left behind.
//!
//! Why a subreaper and not a PID namespace: a PID namespace needs root or unprivileged user
//! namespaces, which many learners' machines (and some CI runners) disable; a subreaper needs
//! no privilege. The class-grading sandbox adds a namespace on top where it is available.
//!
//! The supervisor ends the way its program ended: the same exit code, or the same signal, so
//! callers judge a contained process exactly as they would judge the program itself.

use std::ffi::{OsStr, OsString};
use std::io;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The hidden sub-command that runs the supervisor.
pub const SUPERVISOR_ARG: &str = "__contain";

/// How long a supervisor may take to clean up after SIGTERM before it is killed outright.
const STOP_GRACE: Duration = Duration::from_secs(2);

static SUPERVISOR: OnceLock<PathBuf> = OnceLock::new();

/// Names the workbook binary that supervises contained processes.
///
/// The default is the running executable, which is right for the `workbook` command. A
/// program that links the library and grades in-process (the project's own tests) names the
/// `workbook` binary here before its first grade. Later calls are ignored.
pub fn set_supervisor(path: impl Into<PathBuf>) {
    let _ = SUPERVISOR.set(path.into());
}

fn supervisor() -> io::Result<PathBuf> {
    match SUPERVISOR.get() {
        Some(path) => Ok(path.clone()),
        None => std::env::current_exe(),
    }
}

/// A command that runs `program` under a supervisor. Arguments, environment, working folder
/// and standard streams set on the returned command reach `program` unchanged.
///
/// `nice` lowers the priority of the whole tree (0 leaves it as it is; the background build
/// uses 10 so that the learner's editor and browser stay responsive).
pub fn command(program: impl AsRef<OsStr>, nice: i32) -> io::Result<Command> {
    let mut command = Command::new(supervisor()?);
    command
        .arg(SUPERVISOR_ARG)
        .arg(std::process::id().to_string())
        .arg(nice.to_string())
        .arg(program.as_ref());
    Ok(command)
}

/// A supervised process tree, stopped whole when dropped.
#[derive(Debug)]
pub struct Contained {
    child: Child,
    done: Option<ExitStatus>,
}

impl Contained {
    /// Starts a command made by [`command`].
    pub fn spawn(command: &mut Command) -> io::Result<Contained> {
        Ok(Contained {
            child: command.spawn()?,
            done: None,
        })
    }

    /// The underlying child, to take its pipes.
    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// The status, once the program and everything it started have ended.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if self.done.is_none() {
            self.done = self.child.try_wait()?;
        }
        Ok(self.done)
    }

    /// Waits until `deadline` or until `stop_early` says to give up; `None` means the tree was
    /// still running and has been stopped.
    pub fn wait_until(
        &mut self,
        deadline: Instant,
        stop_early: impl Fn() -> bool,
    ) -> io::Result<Option<ExitStatus>> {
        let exited = ExitWatch::new(self.child.id());
        loop {
            if let Some(status) = self.try_wait()? {
                return Ok(Some(status));
            }
            let now = Instant::now();
            if now >= deadline || stop_early() {
                self.stop();
                return Ok(None);
            }
            // Wake when the process ends, or at least every 20 ms to look at `stop_early`.
            exited.wait((deadline - now).min(Duration::from_millis(20)));
        }
    }

    /// Stops the whole tree: asks the supervisor to kill everything below it, and kills the
    /// supervisor itself if it has not finished within a short grace period.
    pub fn stop(&mut self) {
        if self.done.is_some() {
            return;
        }
        let deadline = Instant::now() + STOP_GRACE;
        let mut asked = Instant::now() - Duration::from_secs(1);
        while Instant::now() < deadline {
            // Asked again every 100 ms: a request that lands just before the supervisor blocks
            // in waitpid would otherwise wait for the program to end.
            if asked.elapsed() >= Duration::from_millis(100) {
                signal(self.child.id(), libc::SIGTERM);
                asked = Instant::now();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                self.done = Some(status);
                return;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let _ = self.child.kill();
        self.done = self.child.wait().ok();
    }
}

impl Drop for Contained {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Sleeps until a process ends or a time passes, whichever is first: a pidfd (Linux 5.3+)
/// turns "until it ends" into one `poll`; elsewhere, short sleeps.
struct ExitWatch {
    fd: Option<std::os::fd::OwnedFd>,
}

impl ExitWatch {
    fn new(pid: u32) -> ExitWatch {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::FromRawFd;
            // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
            let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
            if let Ok(fd) = libc::c_int::try_from(fd)
                && fd >= 0
            {
                // SAFETY: the descriptor was just opened and is owned by nobody else.
                return ExitWatch {
                    fd: Some(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) }),
                };
            }
        }
        let _ = pid;
        ExitWatch { fd: None }
    }

    fn wait(&self, at_most: Duration) {
        use std::os::fd::AsRawFd;
        match &self.fd {
            Some(fd) => {
                let mut poll = libc::pollfd {
                    fd: fd.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                };
                let ms = libc::c_int::try_from(at_most.as_millis().max(1)).unwrap_or(20);
                // SAFETY: one valid pollfd; poll only writes its `revents`.
                unsafe {
                    libc::poll(&mut poll, 1, ms);
                }
            }
            None => std::thread::sleep(at_most.min(Duration::from_millis(2))),
        }
    }
}

fn signal(pid: u32, signal: libc::c_int) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill only sends a signal; a process that is already gone gives ESRCH.
        unsafe {
            libc::kill(pid, signal);
        }
    }
}

/// Set by the supervisor's signal handler: the grader (or the terminal) asked it to stop.
static STOP_REQUESTED: AtomicBool = AtomicBool::new(false);

extern "C" fn request_stop(_: libc::c_int) {
    STOP_REQUESTED.store(true, Ordering::SeqCst);
}

/// The supervisor: `workbook __contain <grader pid> <nice> <program> [args...]`. Never
/// returns; exits the way the program did.
pub fn supervise(args: &[OsString]) -> ! {
    let (Some(parent), Some(nice), Some(program)) = (
        args.first()
            .and_then(|a| a.to_str()?.parse::<libc::pid_t>().ok()),
        args.get(1)
            .and_then(|a| a.to_str()?.parse::<libc::c_int>().ok()),
        args.get(2),
    ) else {
        eprintln!("workbook {SUPERVISOR_ARG}: internal use only");
        std::process::exit(2);
    };
    become_supervisor(parent, nice);
    let child = match Command::new(program)
        .args(&args[3..])
        // Its own process group: Ctrl-C reaches the supervisor, which stops the whole tree.
        .process_group(0)
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            eprintln!("cannot start {}: {e}", PathBuf::from(program).display());
            std::process::exit(127);
        }
    };
    let status = wait_for(child.id());
    kill_descendants();
    match status {
        Some(Ended::Code(code)) => std::process::exit(code),
        Some(Ended::Signal(signal)) => die_by(signal),
        None => std::process::exit(128 + libc::SIGTERM),
    }
}

use std::os::unix::process::CommandExt;

fn become_supervisor(parent: libc::pid_t, nice: libc::c_int) {
    // SAFETY: plain system calls with constant arguments; the handler only stores an atomic.
    unsafe {
        // Without SA_RESTART, so that a stop request interrupts the blocking waitpid below.
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = request_stop as *const () as libc::sighandler_t;
        action.sa_flags = 0;
        libc::sigemptyset(&mut action.sa_mask);
        for sig in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            libc::sigaction(sig, &action, std::ptr::null_mut());
        }
        #[cfg(target_os = "linux")]
        {
            libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM, 0, 0, 0);
        }
        // The grader died before the line above took effect: nothing is left to report to.
        if libc::getppid() != parent {
            std::process::exit(1);
        }
        // A crashing test is reported from its exit status; a core file helps nobody here.
        let no_core = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        libc::setrlimit(libc::RLIMIT_CORE, &no_core);
        if nice != 0 {
            libc::setpriority(libc::PRIO_PROCESS, 0, nice);
        }
    }
}

enum Ended {
    Code(i32),
    Signal(libc::c_int),
}

/// Reaps children (the program and any orphan adopted meanwhile) until the program ends or a
/// stop is requested (`None`).
fn wait_for(program: u32) -> Option<Ended> {
    let program = libc::pid_t::try_from(program).ok()?;
    loop {
        if STOP_REQUESTED.load(Ordering::SeqCst) {
            return None;
        }
        let mut status = 0;
        // SAFETY: waitpid writes the status into a local. It blocks until a child ends, and
        // returns -1 with EINTR when a stop request arrives.
        let pid = unsafe { libc::waitpid(-1, &mut status, 0) };
        if pid == program {
            if libc::WIFEXITED(status) {
                return Some(Ended::Code(libc::WEXITSTATUS(status)));
            }
            if libc::WIFSIGNALED(status) {
                return Some(Ended::Signal(libc::WTERMSIG(status)));
            }
        } else if pid < 0
            && std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted
        {
            return None;
        }
    }
}

/// Kills and reaps every process below this one until none is left. A process that forks
/// while it is being killed leaves an orphan, which is re-parented here and found on the next
/// round; the rounds are bounded so that even a fork bomb cannot keep the supervisor alive.
fn kill_descendants() {
    for _ in 0..500 {
        let below = descendants(std::process::id());
        reap_all();
        if below.is_empty() {
            return;
        }
        for pid in below {
            signal(pid, libc::SIGKILL);
        }
        reap_all();
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn reap_all() {
    let mut status = 0;
    // SAFETY: waitpid writes the status into a local.
    while unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) } > 0 {}
}

/// Every live process whose chain of parents leads to `root`, from `/proc`.
#[cfg(target_os = "linux")]
fn descendants(root: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut parents = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`; comm may hold spaces and parentheses, so read after
        // the last `)`.
        let Some(rest) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
            continue;
        };
        let mut fields = rest.split_whitespace();
        let state = fields.next().unwrap_or("");
        let ppid = fields.next().and_then(|p| p.parse::<u32>().ok());
        if let Some(ppid) = ppid
            && state != "Z"
        {
            parents.push((pid, ppid));
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, ppid)| *ppid == parent)
                .map(|(pid, _)| *pid),
        );
        i += 1;
    }
    found.remove(0);
    found
}

/// Without `/proc` only the program's own process group can be found.
#[cfg(not(target_os = "linux"))]
fn descendants(_root: u32) -> Vec<u32> {
    Vec::new()
}

/// Ends this process by `signal`, the way the program ended.
fn die_by(signal: libc::c_int) -> ! {
    // SAFETY: restoring the default action and raising a signal are plain system calls.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, signal);
        libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(signal);
    }
    std::process::exit(128 + signal)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_not_its_own_descendant() {
        assert!(!descendants(std::process::id()).contains(&std::process::id()));
    }

    #[test]
    fn a_spawned_child_is_a_descendant() {
        let mut child = Command::new("sleep").arg("5").spawn().unwrap();
        let below = descendants(std::process::id());
        let _ = child.kill();
        let _ = child.wait();
        assert!(below.contains(&child.id()), "{below:?}");
    }
}
