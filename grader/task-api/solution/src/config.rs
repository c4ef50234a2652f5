//! Reads the server's settings from the environment, refusing anything it would have to guess.

use std::env::{self, VarError};
use std::path::PathBuf;

/// Everything the server needs to know before it starts.
#[derive(Debug)]
pub struct Config {
    /// The TCP port to listen on, on 127.0.0.1.
    pub port: u16,
    /// The SQLite database file. It need not exist yet; its folder must.
    pub database_path: PathBuf,
}

impl Config {
    /// Reads `PORT` and `DATABASE_URL`. The error is one line naming the variable, ready to
    /// print: a server that falls back to a default port or database would seem to work
    /// while listening, or writing, somewhere nobody looks.
    pub fn from_env() -> Result<Config, String> {
        let port = parse_port(&var("PORT")?)?;
        let database_path = parse_database_url(&var("DATABASE_URL")?)?;
        Ok(Config {
            port,
            database_path,
        })
    }
}

fn var(name: &str) -> Result<String, String> {
    match env::var(name) {
        Ok(value) => Ok(value),
        Err(VarError::NotPresent) => Err(format!("{name} is not set")),
        Err(VarError::NotUnicode(_)) => Err(format!("{name} is not valid UTF-8")),
    }
}

fn parse_port(raw: &str) -> Result<u16, String> {
    // Port 0 would ask the OS for any free port: nobody could find the server there.
    match raw.parse::<u16>() {
        Ok(port) if port != 0 => Ok(port),
        _ => Err(format!(
            "PORT must be a TCP port number from 1 to 65535, not {raw:?}"
        )),
    }
}

/// `sqlite://` followed by an absolute path: `sqlite:///tmp/tasks.db` is `/tmp/tasks.db`.
fn parse_database_url(raw: &str) -> Result<PathBuf, String> {
    match raw.strip_prefix("sqlite://") {
        // A relative path would depend on the directory the server happens to start in.
        Some(path) if path.starts_with('/') => Ok(PathBuf::from(path)),
        _ => Err(format!(
            "DATABASE_URL must be sqlite:// followed by an absolute path \
             (sqlite:///var/lib/tasks.db), not {raw:?}"
        )),
    }
}
