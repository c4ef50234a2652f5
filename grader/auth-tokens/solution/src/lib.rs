//! Passwords, access tokens, refresh tokens and role checks for a small API:
//! Argon2id password hashes, HS256 JWTs, rotating refresh tokens with reuse
//! detection, and an axum extractor that answers 401 or 403.
//!
//! Reference solution (the given types are in `src/given.rs`). Time comes only from the injected `Clock` and randomness
//! only from the injected `RandomSource`, so every test is deterministic.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, Version};
use axum::Json;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use sha2::{Digest, Sha256};

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
    let mut salt_bytes = [0u8; SALT_BYTES];
    random.fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(internal)?;
    let hasher = Argon2::new(argon2::Algorithm::Argon2id, Version::V0x13, params.clone());
    let hash = hasher
        .hash_password(password.as_bytes(), &salt)
        .map_err(internal)?;
    Ok(hash.to_string())
}

/// Whether `password` matches `phc`, a PHC string from [`hash_password`]. Returns
/// `false`, never panics, when `phc` is not a valid hash.
pub fn verify_password(password: &str, phc: &str) -> bool {
    // The algorithm, parameters and salt are read from the stored string itself, so
    // hashes made with older parameters still verify after the defaults go up.
    PasswordHash::new(phc).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// The form a refresh token is stored in: its SHA-256, as 64 lowercase hex digits.
pub fn refresh_token_hash(token: &str) -> String {
    // A fast hash is right here, unlike for passwords: the token is 256 random bits,
    // so there is nothing to guess, and the lookup must be quick.
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn internal(error: impl fmt::Display) -> AuthError {
    AuthError::Internal(error.to_string())
}

// ---------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------

/// What the server remembers about one refresh token (stored under its hash).
#[derive(Debug)]
struct RefreshRecord {
    username: String,
    /// Every token descended from one login shares its family number.
    family: u64,
    expires_at: u64,
    used: bool,
}

#[derive(Debug, Default)]
struct Store {
    users: HashMap<String, UserRecord>,
    refresh: HashMap<String, RefreshRecord>,
    revoked_families: HashSet<u64>,
    next_family: u64,
}

/// Accounts, token issuing and token checks. Share it as `Arc<AuthService>`.
pub struct AuthService {
    config: AuthConfig,
    encoding_key: EncodingKey,
    decoding_key: DecodingKey,
    validation: Validation,
    clock: Box<dyn Clock>,
    random: Box<dyn RandomSource>,
    store: Mutex<Store>,
    /// A hash to verify against when the user does not exist (see `login`).
    dummy_hash: OnceLock<String>,
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
        assert!(
            secret.len() >= MIN_SECRET_BYTES,
            "an HS256 secret needs at least {MIN_SECRET_BYTES} bytes, got {}",
            secret.len()
        );
        let (Ok(encoding_key), Ok(decoding_key)) = (
            EncodingKey::from_secret(secret),
            DecodingKey::from_secret(secret),
        ) else {
            unreachable!("jsonwebtoken refuses only an empty secret, and this one is long enough");
        };
        // Pin the one algorithm we issue: the token's own header never chooses.
        let mut validation = Validation::new(jsonwebtoken::Algorithm::HS256);
        // jsonwebtoken would compare `exp` with the system clock; we check it ourselves
        // against the injected clock, to the second and without leeway.
        validation.validate_exp = false;
        validation.leeway = 0;
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        Self {
            encoding_key,
            decoding_key,
            validation,
            config,
            clock: Box::new(clock),
            random: Box::new(random),
            store: Mutex::default(),
            dummy_hash: OnceLock::new(),
        }
    }

    /// Creates an account whose password is stored only as an Argon2id hash.
    ///
    /// # Errors
    ///
    /// [`AuthError::UsernameTaken`] if the username exists (the existing user is unchanged).
    pub fn register(&self, username: &str, password: &str, role: Role) -> Result<(), AuthError> {
        if self.lock().users.contains_key(username) {
            return Err(AuthError::UsernameTaken);
        }
        // Hash outside the lock: it is slow on purpose and must not block other users.
        let password_hash = hash_password(password, &self.config.argon2_params, &*self.random)?;
        let mut store = self.lock();
        if store.users.contains_key(username) {
            return Err(AuthError::UsernameTaken);
        }
        let record = UserRecord {
            username: username.to_string(),
            role,
            password_hash,
        };
        store.users.insert(username.to_string(), record);
        Ok(())
    }

    /// Changes a user's role. Access tokens already issued keep the old role until they
    /// expire; the next login or refresh issues tokens with the new one.
    ///
    /// # Errors
    ///
    /// [`AuthError::UnknownUser`] if there is no such user.
    pub fn set_role(&self, username: &str, role: Role) -> Result<(), AuthError> {
        let mut store = self.lock();
        let user = store
            .users
            .get_mut(username)
            .ok_or(AuthError::UnknownUser)?;
        user.role = role;
        Ok(())
    }

    /// A copy of what the user store holds about `username`, if it exists.
    pub fn user(&self, username: &str) -> Option<UserRecord> {
        self.lock().users.get(username).cloned()
    }

    /// Checks the password and, if it matches, starts a new refresh-token family and
    /// returns its first token with a fresh access token.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidCredentials`] for a wrong password or an unknown username alike.
    pub fn login(&self, username: &str, password: &str) -> Result<TokenPair, AuthError> {
        let Some(user) = self.user(username) else {
            // Spend the same time as a wrong password, so response times do not reveal
            // which usernames exist.
            verify_password(password, self.dummy_hash()?);
            return Err(AuthError::InvalidCredentials);
        };
        if !verify_password(password, &user.password_hash) {
            return Err(AuthError::InvalidCredentials);
        }
        let now = self.clock.now();
        let mut store = self.lock();
        store.next_family += 1;
        let family = store.next_family;
        self.issue_pair(&mut store, &user.username, user.role, family, now)
    }

    /// Exchanges a refresh token for a new pair (rotation). The presented token is
    /// retired; presenting it again revokes its whole family.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidRefreshToken`] if the token is unknown, revoked or expired;
    /// [`AuthError::RefreshTokenReused`] if it was already exchanged.
    pub fn refresh(&self, refresh_token: &str) -> Result<TokenPair, AuthError> {
        let now = self.clock.now();
        let key = refresh_token_hash(refresh_token);
        // One lock for the whole check-and-retire, so two concurrent refreshes with the
        // same token cannot both succeed.
        let mut guard = self.lock();
        let store = &mut *guard;
        let record = store
            .refresh
            .get_mut(&key)
            .ok_or(AuthError::InvalidRefreshToken)?;
        let family = record.family;
        if store.revoked_families.contains(&family) {
            return Err(AuthError::InvalidRefreshToken);
        }
        if record.used {
            // Two parties hold this token and we cannot tell which one is the thief:
            // end every session of the family.
            store.revoked_families.insert(family);
            return Err(AuthError::RefreshTokenReused);
        }
        if now >= record.expires_at {
            return Err(AuthError::InvalidRefreshToken);
        }
        record.used = true;
        let username = record.username.clone();
        // Read the role now, so a role change takes effect at the next refresh.
        let role = store
            .users
            .get(&username)
            .map(|user| user.role)
            .ok_or(AuthError::InvalidRefreshToken)?;
        self.issue_pair(store, &username, role, family, now)
    }

    /// Logs out: revokes the family of `refresh_token` (used, expired or current alike).
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidRefreshToken`] if the token was never issued.
    pub fn logout(&self, refresh_token: &str) -> Result<(), AuthError> {
        let key = refresh_token_hash(refresh_token);
        let mut store = self.lock();
        let family = store
            .refresh
            .get(&key)
            .map(|record| record.family)
            .ok_or(AuthError::InvalidRefreshToken)?;
        store.revoked_families.insert(family);
        Ok(())
    }

    /// Checks an access token's algorithm, signature, issuer and audience, then its
    /// `iat` and `exp` against the injected clock, and returns its claims.
    ///
    /// # Errors
    ///
    /// [`TokenError::Expired`] once `now >= exp`; [`TokenError::Invalid`] for anything else.
    pub fn verify_access_token(&self, token: &str) -> Result<AccessClaims, TokenError> {
        // `decode` checks the signature before it looks at any claim, so a forged
        // token is `Invalid` even when it also claims to be expired.
        let claims =
            jsonwebtoken::decode::<AccessClaims>(token, &self.decoding_key, &self.validation)
                .map_err(|_| TokenError::Invalid)?
                .claims;
        let now = self.clock.now();
        if claims.iat > now {
            return Err(TokenError::Invalid);
        }
        if now >= claims.exp {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }

    /// The key of every refresh-token record the store holds, in any order: each is
    /// [`refresh_token_hash`] of a token, never the token itself.
    pub fn stored_refresh_hashes(&self) -> Vec<String> {
        self.lock().refresh.keys().cloned().collect()
    }

    /// Mints an access token and a refresh token of `family`, and remembers the latter.
    fn issue_pair(
        &self,
        store: &mut Store,
        username: &str,
        role: Role,
        family: u64,
        now: u64,
    ) -> Result<TokenPair, AuthError> {
        let claims = AccessClaims {
            sub: username.to_string(),
            role,
            iss: self.config.issuer.clone(),
            aud: self.config.audience.clone(),
            iat: now,
            exp: now + self.config.access_ttl_secs,
        };
        let header = Header::new(jsonwebtoken::Algorithm::HS256);
        let access_token =
            jsonwebtoken::encode(&header, &claims, &self.encoding_key).map_err(internal)?;

        let mut bytes = [0u8; REFRESH_TOKEN_BYTES];
        self.random.fill_bytes(&mut bytes);
        let refresh_token = hex::encode(bytes);
        let record = RefreshRecord {
            username: username.to_string(),
            family,
            expires_at: now + self.config.refresh_ttl_secs,
            used: false,
        };
        // Used records are kept (not deleted) so that a replay is recognised as reuse.
        store
            .refresh
            .insert(refresh_token_hash(&refresh_token), record);
        Ok(TokenPair {
            access_token,
            refresh_token,
            token_type: "Bearer".to_string(),
            expires_in: self.config.access_ttl_secs,
        })
    }

    fn dummy_hash(&self) -> Result<&str, AuthError> {
        if let Some(hash) = self.dummy_hash.get() {
            return Ok(hash);
        }
        let hash = hash_password(
            "not a real password",
            &self.config.argon2_params,
            &*self.random,
        )?;
        Ok(self.dummy_hash.get_or_init(|| hash))
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        // The store stays consistent even if a holder panicked: every update is one insert.
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

// ---------------------------------------------------------------------------
// Roles and the axum extractor
// ---------------------------------------------------------------------------

impl Role {
    /// Whether this role grants `permission`. Anything not listed is denied.
    pub fn grants(self, permission: Permission) -> bool {
        use Permission::{ReadArticles, WriteArticles};
        match self {
            Role::Viewer => matches!(permission, ReadArticles),
            Role::Editor => matches!(permission, ReadArticles | WriteArticles),
            Role::Admin => true,
        }
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
        if self.role.grants(permission) {
            Ok(())
        } else {
            Err(AuthRejection::Forbidden(permission))
        }
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
        let token = bearer_token(&parts.headers).ok_or(AuthRejection::MissingToken)?;
        let auth = Arc::<AuthService>::from_ref(state);
        let claims = auth
            .verify_access_token(token)
            .map_err(AuthRejection::InvalidToken)?;
        Ok(CurrentUser {
            id: claims.sub,
            role: claims.role,
        })
    }
}

/// The token of an `Authorization: Bearer <token>` header; the scheme is case-insensitive
/// (RFC 9110). Any other scheme, no header, or `Bearer` with nothing after it is no bearer
/// token at all.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        // RFC 6750: no error code when the request carried no credentials at all;
        // `invalid_token` when it carried a bad one; `insufficient_scope` with a 403.
        let (status, challenge, code, message) = match self {
            Self::MissingToken => (
                StatusCode::UNAUTHORIZED,
                "Bearer".to_string(),
                "UNAUTHORIZED",
                "this endpoint needs a bearer token".to_string(),
            ),
            Self::InvalidToken(error) => (
                StatusCode::UNAUTHORIZED,
                format!(r#"Bearer error="invalid_token", error_description="{error}""#),
                "UNAUTHORIZED",
                error.to_string(),
            ),
            Self::Forbidden(permission) => (
                StatusCode::FORBIDDEN,
                r#"Bearer error="insufficient_scope""#.to_string(),
                "FORBIDDEN",
                format!("your role does not grant {permission:?}"),
            ),
        };
        let body = serde_json::json!({ "error": { "code": code, "message": message } });
        let mut response = (status, Json(body)).into_response();
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}
