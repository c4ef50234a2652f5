//! Passwords, access tokens, refresh tokens and role checks for a small API:
//! Argon2id password hashes, HS256 JWTs, rotating refresh tokens with reuse
//! detection, and an axum extractor that answers 401 or 403.
//!
//! The clocks, random sources, roles, claims, configuration and error types are
//! given, finished, in `src/given.rs`. Everything that says `todo!()` is yours: see README.md for
//! the steps. You may add private fields, types and helper functions freely,
//! but keep every public signature as it is, because the grader's tests are
//! compiled against them.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

mod given;

pub use given::*;

// ---------------------------------------------------------------------------
// Passwords
// ---------------------------------------------------------------------------

/// Hashes `password` with Argon2id (version 0x13) and `params`, under a fresh
/// [`SALT_BYTES`]-byte salt from `random`, and returns the PHC string.
///
/// # Errors
///
/// [`AuthError::Internal`] if argon2 refuses the input.
pub fn hash_password(
    password: &str,
    params: &Params,
    random: &dyn RandomSource,
) -> Result<String, AuthError> {
    let _ = (password, params, random);
    todo!("Argon2id v0x13 with `params` and a 16-byte salt from `random`, as a PHC string")
}

/// Whether `password` matches `phc`, a PHC string from [`hash_password`]. Returns
/// `false`, never panics, when `phc` is not a valid hash.
pub fn verify_password(password: &str, phc: &str) -> bool {
    let _ = (password, phc);
    todo!("parse the PHC string; false if it does not parse or the password does not match")
}

/// The form a refresh token is stored in: its SHA-256, as 64 lowercase hex digits.
pub fn refresh_token_hash(token: &str) -> String {
    let _ = token;
    todo!("SHA-256 of the token's text, as lowercase hex")
}

// ---------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------

/// Accounts, token issuing and token checks. Share it as `Arc<AuthService>`.
pub struct AuthService {
    // TODO: replace with the state you need: the config, the signing and verifying keys,
    // the clock, the random source, and the users and refresh records behind a Mutex.
    _todo: (),
}

impl AuthService {
    /// Creates a service that signs access tokens with HS256 under `secret`.
    ///
    /// # Panics
    ///
    /// If `secret` is shorter than [`MIN_SECRET_BYTES`].
    pub fn new(
        secret: &[u8],
        config: AuthConfig,
        clock: impl Clock + 'static,
        random: impl RandomSource + 'static,
    ) -> Self {
        let _ = (secret, config, clock, random);
        todo!(
            "check the secret's length, keep the keys, a pinned Validation, the clock and the random source"
        )
    }

    /// Creates an account whose password is stored only as an Argon2id hash.
    ///
    /// # Errors
    ///
    /// [`AuthError::UsernameTaken`] if the username exists (the existing user is unchanged).
    pub fn register(&self, username: &str, password: &str, role: Role) -> Result<(), AuthError> {
        let _ = (username, password, role);
        todo!("hash the password and store the user, unless the username is taken")
    }

    /// Changes a user's role. Access tokens already issued keep the old role until they
    /// expire; the next login or refresh issues tokens with the new one.
    ///
    /// # Errors
    ///
    /// [`AuthError::UnknownUser`] if there is no such user.
    pub fn set_role(&self, username: &str, role: Role) -> Result<(), AuthError> {
        let _ = (username, role);
        todo!("change the stored user's role")
    }

    /// A copy of what the user store holds about `username`, if it exists.
    pub fn user(&self, username: &str) -> Option<UserRecord> {
        let _ = username;
        todo!("a copy of the stored user record")
    }

    /// Checks the password and, if it matches, starts a new refresh-token family and
    /// returns its first token with a fresh access token.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidCredentials`] for a wrong password or an unknown username alike.
    pub fn login(&self, username: &str, password: &str) -> Result<TokenPair, AuthError> {
        let _ = (username, password);
        todo!("verify the password, start a new family, issue a pair")
    }

    /// Exchanges a refresh token for a new pair (rotation). The presented token is
    /// retired; presenting it again revokes its whole family.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidRefreshToken`] if the token is unknown, revoked or expired;
    /// [`AuthError::RefreshTokenReused`] if it was already exchanged.
    pub fn refresh(&self, refresh_token: &str) -> Result<TokenPair, AuthError> {
        let _ = refresh_token;
        todo!(
            "look the token up by its hash; revoked, reused, expired? else retire it and issue a new pair"
        )
    }

    /// Logs out: revokes the family of `refresh_token` (used, expired or current alike).
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidRefreshToken`] if the token was never issued.
    pub fn logout(&self, refresh_token: &str) -> Result<(), AuthError> {
        let _ = refresh_token;
        todo!("revoke the family of the presented token")
    }

    /// Checks an access token's algorithm, signature, issuer and audience, then its
    /// `iat` and `exp` against the injected clock, and returns its claims.
    ///
    /// # Errors
    ///
    /// [`TokenError::Expired`] once `now >= exp`; [`TokenError::Invalid`] for anything else.
    pub fn verify_access_token(&self, token: &str) -> Result<AccessClaims, TokenError> {
        let _ = token;
        todo!(
            "decode with jsonwebtoken (HS256 only, issuer, audience), then check iat and exp against the clock"
        )
    }

    /// The key of every refresh-token record the store holds, in any order: each is
    /// [`refresh_token_hash`] of a token, never the token itself.
    pub fn stored_refresh_hashes(&self) -> Vec<String> {
        todo!("the keys of the refresh-token records")
    }
}

// ---------------------------------------------------------------------------
// Roles and the axum extractor
// ---------------------------------------------------------------------------

impl Role {
    /// Whether this role grants `permission`. Anything not listed is denied.
    pub fn grants(self, permission: Permission) -> bool {
        let _ = permission;
        todo!("the role table of README step 7; deny by default")
    }
}

/// The authenticated caller, taken from `Authorization: Bearer <access token>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentUser {
    /// The token's `sub`: the username.
    pub id: String,
    /// The token's `role`.
    pub role: Role,
}

impl CurrentUser {
    /// Authorization: `Ok(())` if the caller's role grants `permission`, else a 403 rejection.
    ///
    /// # Errors
    ///
    /// [`AuthRejection::Forbidden`] when the role does not grant `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), AuthRejection> {
        let _ = permission;
        todo!("Ok if the role grants the permission, else AuthRejection::Forbidden")
    }
}

/// Why a request was refused: 401 for [`MissingToken`](Self::MissingToken) and
/// [`InvalidToken`](Self::InvalidToken), 403 for [`Forbidden`](Self::Forbidden).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthRejection {
    /// No `Authorization` header, or one whose scheme is not `Bearer`.
    MissingToken,
    /// A bearer token that [`AuthService::verify_access_token`] refused.
    InvalidToken(TokenError),
    /// A valid token whose role does not grant the permission.
    Forbidden(Permission),
}

impl<S> FromRequestParts<S> for CurrentUser
where
    Arc<AuthService>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let _ = (parts, state);
        todo!("read the Bearer token, verify it with the Arc<AuthService> from the state")
    }
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        todo!("401 + WWW-Authenticate or 403, with the JSON error envelope")
    }
}
