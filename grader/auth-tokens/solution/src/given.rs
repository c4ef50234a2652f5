//! The ready-made half of the exercise: clocks, random sources, roles, claims,
//! configuration and error types. Use them as they are; you should not need to
//! change anything in this file.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use rand::RngCore;
use serde::{Deserialize, Serialize};

pub use argon2::Params;

// ---------------------------------------------------------------------------
// Clocks and random sources (given)
// ---------------------------------------------------------------------------

/// A source of wall-clock time, injected so tests can control it.
pub trait Clock: Send + Sync {
    /// The current time in whole seconds since the Unix epoch (what JWTs call a NumericDate).
    fn now(&self) -> u64;
}

/// The real clock: `SystemTime::now()`, in whole seconds since the Unix epoch.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs())
    }
}

/// A clock for tests that only moves when told to; clones share the same time.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    now: Arc<AtomicU64>,
}

impl ManualClock {
    /// Creates a clock that reads `unix_secs` until it is moved.
    pub fn new(unix_secs: u64) -> Self {
        Self {
            now: Arc::new(AtomicU64::new(unix_secs)),
        }
    }

    /// Moves this clock, and every clone of it, forward by `secs` seconds.
    pub fn advance(&self, secs: u64) {
        self.now.fetch_add(secs, Ordering::SeqCst);
    }

    /// Sets this clock, and every clone of it, to `unix_secs` (it may go backwards).
    pub fn set(&self, unix_secs: u64) {
        self.now.store(unix_secs, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }
}

/// A source of random bytes, injected so tests can control it.
pub trait RandomSource: Send + Sync {
    /// Fills `dest` entirely with random bytes.
    fn fill_bytes(&self, dest: &mut [u8]);
}

/// The real source: `rand`'s thread-local generator, a CSPRNG seeded from the operating system.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemRandom;

impl RandomSource for SystemRandom {
    fn fill_bytes(&self, dest: &mut [u8]) {
        rand::rng().fill_bytes(dest);
    }
}

// ---------------------------------------------------------------------------
// Roles, claims, configuration and errors (given)
// ---------------------------------------------------------------------------

/// A user's role. In a token it is written in lower case: `"viewer"`, `"editor"`, `"admin"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// May read articles.
    Viewer,
    /// May read and write articles.
    Editor,
    /// May do everything.
    Admin,
}

/// An action a handler may require. Roles grant permissions (see [`Role::grants`](crate::Role::grants)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Read articles.
    ReadArticles,
    /// Create and edit articles.
    WriteArticles,
    /// Delete articles.
    DeleteArticles,
    /// Manage user accounts and roles.
    ManageUsers,
}

/// The claims of an access token, exactly as they appear in its JSON payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// Subject: the username.
    pub sub: String,
    /// The user's role when the token was issued.
    pub role: Role,
    /// Issuer: [`AuthConfig::issuer`].
    pub iss: String,
    /// Audience: [`AuthConfig::audience`].
    pub aud: String,
    /// Issued at, in seconds since the Unix epoch.
    pub iat: u64,
    /// Expiry, in seconds since the Unix epoch: `iat + access_ttl_secs`.
    pub exp: u64,
}

/// What a successful login or refresh returns, shaped like an OAuth 2 token response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenPair {
    /// A signed JWT (HS256) to send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// An opaque random token, exchanged once at [`AuthService::refresh`](crate::AuthService::refresh).
    pub refresh_token: String,
    /// Always `"Bearer"`.
    pub token_type: String,
    /// The access token's lifetime in seconds: [`AuthConfig::access_ttl_secs`].
    pub expires_in: u64,
}

/// What the user store holds about one user. There is no password in it, only its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// The unique username; also the `sub` of the user's access tokens.
    pub username: String,
    /// The user's current role.
    pub role: Role,
    /// The Argon2id hash of the password, as a PHC string (`$argon2id$v=19$m=...`).
    pub password_hash: String,
}

/// Settings of an [`AuthService`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// The `iss` claim written into access tokens and required of them.
    pub issuer: String,
    /// The `aud` claim written into access tokens and required of them.
    pub audience: String,
    /// How long an access token is valid, in seconds.
    pub access_ttl_secs: u64,
    /// How long a refresh token is valid from the moment it is issued, in seconds.
    pub refresh_ttl_secs: u64,
    /// Argon2id cost parameters for new password hashes.
    pub argon2_params: Params,
}

impl Default for AuthConfig {
    /// Issuer `backend-workbook`, audience `workbook-api`, 15-minute access tokens,
    /// 14-day refresh tokens and argon2's recommended parameters (19 MiB, 2 passes, 1 lane).
    fn default() -> Self {
        Self {
            issuer: "backend-workbook".to_string(),
            audience: "workbook-api".to_string(),
            access_ttl_secs: 15 * 60,
            refresh_ttl_secs: 14 * 24 * 60 * 60,
            argon2_params: Params::default(),
        }
    }
}

/// The shortest HS256 secret [`AuthService::new`](crate::AuthService::new) accepts, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;
/// How many random bytes make one refresh token (it is sent as twice as many hex digits).
pub const REFRESH_TOKEN_BYTES: usize = 32;
/// How many random bytes make one password salt.
pub const SALT_BYTES: usize = 16;

/// Why an account or refresh-token operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// `register` was given a username that already exists.
    UsernameTaken,
    /// `set_role` was given a username that does not exist.
    UnknownUser,
    /// Wrong password, or no such user: the two are deliberately indistinguishable.
    InvalidCredentials,
    /// The refresh token is unknown, expired or revoked.
    InvalidRefreshToken,
    /// The refresh token had already been exchanged: its whole family is now revoked.
    RefreshTokenReused,
    /// Hashing or signing failed (a bug or a misconfiguration, not the caller's fault).
    Internal(String),
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UsernameTaken => f.write_str("that username is taken"),
            Self::UnknownUser => f.write_str("no such user"),
            Self::InvalidCredentials => f.write_str("wrong username or password"),
            Self::InvalidRefreshToken => f.write_str("the refresh token is not valid"),
            Self::RefreshTokenReused => f.write_str("the refresh token was already used"),
            Self::Internal(detail) => write!(f, "internal error: {detail}"),
        }
    }
}

impl std::error::Error for AuthError {}

/// Why an access token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// Well formed and correctly signed, but the clock has reached its `exp`.
    Expired,
    /// Anything else: malformed, wrong algorithm, bad signature, wrong issuer or audience,
    /// a missing claim, or issued in the future.
    Invalid,
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Expired => f.write_str("the access token has expired"),
            Self::Invalid => f.write_str("the access token is not valid"),
        }
    }
}

impl std::error::Error for TokenError {}
