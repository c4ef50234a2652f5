//! The class-grading sandbox: learner code runs under bubblewrap (`bwrap`), where it sees
//! the system's programs and libraries read-only, the Rust toolchain read-only, and only the
//! folders the grader names; no home folder, no grader folder, no solutions, no report, no
//! `.git`, no environment but what the grader sets, no network, and a PID namespace of its
//! own that dies with the grader.
//!
//! Why bubblewrap: it is the maintained, unprivileged sandbox that Flatpak is built on, a
//! single small program in every distribution (Debian's package `bubblewrap`), and it needs
//! no daemon, unlike a container engine. Writing our own namespace setup would be the kind of
//! security code that should not be written twice. On a CI runner it needs the package and
//! either root or unprivileged user namespaces (GitHub's Ubuntu runners have both).

use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Why the sandbox cannot be used. Grading never falls back to running unsandboxed.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// `bwrap` is not installed.
    #[error(
        "--sandbox needs bubblewrap, and `bwrap` is not on PATH; install it (Debian and Ubuntu: `apt-get install bubblewrap`)"
    )]
    BwrapMissing,
    /// `bwrap` is installed but cannot make namespaces here.
    #[error(
        "--sandbox needs bubblewrap, and `bwrap` cannot create a sandbox on this machine ({0}); it needs root or unprivileged user namespaces"
    )]
    BwrapUnusable(String),
    /// The Rust toolchain could not be found.
    #[error("--sandbox cannot find the Rust toolchain ({0}); is `rustc` on PATH?")]
    NoToolchain(String),
}

/// A working bubblewrap and the read-only parts of the machine every sandbox gets.
#[derive(Debug, Clone)]
pub struct Sandbox {
    bwrap: PathBuf,
    /// The Rust toolchain (`rustc --print sysroot`), mounted read-only.
    pub sysroot: PathBuf,
    /// Cargo's registry of downloaded crates, mounted read-only under a private CARGO_HOME.
    registry: PathBuf,
}

/// What one sandboxed process may see besides the system: folders read-only, folders
/// writable, and whether it runs cargo (which gets a private CARGO_HOME in `home`).
#[derive(Debug, Clone, Default)]
pub struct Jail {
    /// Visible, read-only.
    pub read_only: Vec<PathBuf>,
    /// Visible and writable.
    pub writable: Vec<PathBuf>,
    /// A writable folder for HOME (and CARGO_HOME, with the registry read-only in it).
    pub home: PathBuf,
}

impl Sandbox {
    /// Finds bubblewrap and the toolchain, and checks that a sandbox can be made here.
    pub fn detect() -> Result<Sandbox, SandboxError> {
        let bwrap = find_on_path("bwrap").ok_or(SandboxError::BwrapMissing)?;
        let probe = Command::new(&bwrap)
            .args([
                "--ro-bind",
                "/",
                "/",
                "--unshare-all",
                "--die-with-parent",
                "true",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .output()
            .map_err(|e| SandboxError::BwrapUnusable(e.to_string()))?;
        if !probe.status.success() {
            let why = String::from_utf8_lossy(&probe.stderr).trim().to_string();
            return Err(SandboxError::BwrapUnusable(why));
        }
        let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        let sysroot = Command::new(rustc)
            .args(["--print", "sysroot"])
            .output()
            .map_err(|e| SandboxError::NoToolchain(e.to_string()))?;
        if !sysroot.status.success() {
            return Err(SandboxError::NoToolchain(
                String::from_utf8_lossy(&sysroot.stderr).trim().to_string(),
            ));
        }
        let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
        let cargo_home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
            .unwrap_or_else(|| PathBuf::from("/root/.cargo"));
        Ok(Sandbox {
            bwrap,
            sysroot,
            registry: cargo_home.join("registry"),
        })
    }

    /// The toolchain's own cargo (not rustup's proxy, which needs rustup's files).
    pub fn cargo(&self) -> PathBuf {
        self.sysroot.join("bin/cargo")
    }

    /// A supervised command that runs `program` inside the sandbox `jail`, in `cwd`, with
    /// only `env` (and PATH, HOME) in its environment. Arguments added to the returned
    /// command go to `program`.
    pub fn command(
        &self,
        jail: &Jail,
        program: &Path,
        nice: i32,
        cwd: &Path,
        env: &[(&str, &OsStr)],
    ) -> io::Result<Command> {
        let mut command = super::contain::command(&self.bwrap, nice)?;
        command.args([
            "--unshare-all",
            "--die-with-parent",
            "--new-session",
            "--clearenv",
        ]);
        system_mounts(&mut command);
        command.args(["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]);
        command
            .arg("--ro-bind")
            .arg(&self.sysroot)
            .arg(&self.sysroot);
        for path in &jail.read_only {
            command.arg("--ro-bind").arg(path).arg(path);
        }
        for path in &jail.writable {
            command.arg("--bind").arg(path).arg(path);
        }
        std::fs::create_dir_all(jail.home.join("registry"))?;
        command.arg("--bind").arg(&jail.home).arg(&jail.home);
        if self.registry.is_dir() {
            let inside = jail.home.join("registry");
            command.arg("--ro-bind").arg(&self.registry).arg(inside);
        }
        let path = format!("{}:/usr/bin:/bin", self.sysroot.join("bin").display());
        command.args(["--setenv", "PATH", &path]);
        command.arg("--setenv").arg("HOME").arg(&jail.home);
        command.arg("--setenv").arg("CARGO_HOME").arg(&jail.home);
        for (key, value) in env {
            command.arg("--setenv").arg(key).arg(value);
        }
        command.arg("--chdir").arg(cwd).arg("--").arg(program);
        Ok(command)
    }
}

/// The system's programs and libraries, read-only; of /etc only what the dynamic linker and
/// the C compiler's alternatives need (not passwords, keys or configuration).
fn system_mounts(command: &mut Command) {
    command.args(["--ro-bind", "/usr", "/usr"]);
    for dir in ["lib", "lib64", "lib32", "bin", "sbin"] {
        let host = Path::new("/").join(dir);
        match std::fs::read_link(&host) {
            Ok(target) => {
                command.arg("--symlink").arg(target).arg(&host);
            }
            Err(_) if host.is_dir() => {
                command.arg("--ro-bind").arg(&host).arg(&host);
            }
            Err(_) => {}
        }
    }
    for etc in [
        "/etc/alternatives",
        "/etc/ld.so.cache",
        "/etc/ld.so.conf",
        "/etc/ld.so.conf.d",
    ] {
        command.args(["--ro-bind-try", etc, etc]);
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}
