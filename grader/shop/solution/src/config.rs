//! Reads the server's settings from the environment, refusing anything it would have to guess.

use std::env::{self, VarError};
use std::path::PathBuf;

use reqwest::Url;

/// Requests per minute per client when `RATE_LIMIT` is not set.
const DEFAULT_RATE_LIMIT: u32 = 120;
/// The shortest admin token accepted: 16 characters is the README's floor for a secret.
const MIN_ADMIN_TOKEN_CHARS: usize = 16;

/// Everything the server needs to know before it starts.
#[derive(Debug)]
pub struct Config {
    /// The TCP port to listen on, on 127.0.0.1.
    pub port: u16,
    /// The SQLite database file. It need not exist yet; its folder must.
    pub database_path: PathBuf,
    /// The bearer token that makes a request the admin's.
    pub admin_token: String,
    /// The payment provider's base URL, without a trailing slash.
    pub payment_url: String,
    /// How many requests one client may make per minute.
    pub rate_limit: u32,
}

impl Config {
    /// Reads every variable. The error is one line naming the variable, ready to print: a
    /// server that falls back to a default port, database or secret would seem to work
    /// while listening, writing or trusting somewhere nobody looks.
    pub fn from_env() -> Result<Config, String> {
        Ok(Config {
            port: parse_port(&var("PORT")?)?,
            database_path: parse_database_url(&var("DATABASE_URL")?)?,
            admin_token: parse_admin_token(var("ADMIN_TOKEN")?)?,
            payment_url: parse_payment_url(&var("PAYMENT_URL")?)?,
            rate_limit: match optional_var("RATE_LIMIT")? {
                Some(raw) => parse_rate_limit(&raw)?,
                None => DEFAULT_RATE_LIMIT,
            },
        })
    }
}

fn var(name: &str) -> Result<String, String> {
    optional_var(name)?.ok_or_else(|| format!("{name} is not set"))
}

fn optional_var(name: &str) -> Result<Option<String>, String> {
    match env::var(name) {
        Ok(value) => Ok(Some(value)),
        Err(VarError::NotPresent) => Ok(None),
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

/// `sqlite://` followed by an absolute path: `sqlite:///tmp/shop.db` is `/tmp/shop.db`.
fn parse_database_url(raw: &str) -> Result<PathBuf, String> {
    match raw.strip_prefix("sqlite://") {
        // A relative path would depend on the directory the server happens to start in.
        Some(path) if path.starts_with('/') => Ok(PathBuf::from(path)),
        _ => Err(format!(
            "DATABASE_URL must be sqlite:// followed by an absolute path \
             (sqlite:///var/lib/shop.db), not {raw:?}"
        )),
    }
}

/// The token is never echoed back: an error message ends up in logs, a secret must not.
fn parse_admin_token(raw: String) -> Result<String, String> {
    // A token travels in an HTTP header, where only visible ASCII is safe; a space or a
    // non-ASCII letter would make a token that no request could ever present.
    let visible = raw.bytes().all(|byte| byte.is_ascii_graphic());
    if raw.chars().count() >= MIN_ADMIN_TOKEN_CHARS && visible {
        Ok(raw)
    } else {
        Err(format!(
            "ADMIN_TOKEN must be at least {MIN_ADMIN_TOKEN_CHARS} visible ASCII characters, \
             without spaces"
        ))
    }
}

/// An absolute `http://` or `https://` URL, kept without its trailing slash so that
/// `{payment_url}/charges` is always one slash apart.
fn parse_payment_url(raw: &str) -> Result<String, String> {
    match Url::parse(raw) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {
            Ok(url.as_str().trim_end_matches('/').to_owned())
        }
        _ => Err(format!(
            "PAYMENT_URL must be an http:// or https:// URL (http://127.0.0.1:4000), not {raw:?}"
        )),
    }
}

/// A whole number from 1: a limit of 0 would refuse every request, which is an outage,
/// not a setting.
fn parse_rate_limit(raw: &str) -> Result<u32, String> {
    let digits_only = !raw.is_empty() && raw.bytes().all(|byte| byte.is_ascii_digit());
    match raw.parse::<u32>() {
        Ok(limit) if digits_only && limit > 0 => Ok(limit),
        _ => Err(format!(
            "RATE_LIMIT must be a whole number of requests per minute from 1, not {raw:?}"
        )),
    }
}
