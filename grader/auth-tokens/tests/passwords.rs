//! Hidden tests for password hashing, the user store and login errors.

mod common;

use expect::{expect_eq, expect_ne};
use std::sync::{Arc, Barrier};
use std::thread;

use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Version};
use auth_tokens::{AuthError, Params, Role, hash_password, verify_password};
use common::{RecordingRandom, fast_params, setup, setup_with_alice};

/// A password hash is an Argon2id v19 PHC string carrying exactly the parameters it was made with.
/// Rules: phc-argon2id-v19, hash-uses-given-params.
#[test]
fn hash_is_an_argon2id_phc_string_with_the_given_parameters() {
    let random = RecordingRandom::new(1);
    let hash = hash_password("correct horse", &fast_params(), &random).unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=64,t=1,p=1$"),
        "with Params::new(64, 1, 1, None) the hash should start with \
         `$argon2id$v=19$m=64,t=1,p=1$`, got {hash:?}"
    );
    let other = Params::new(128, 2, 2, Some(16)).unwrap();
    let hash = hash_password("correct horse", &other, &random).unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=128,t=2,p=2$"),
        "with Params::new(128, 2, 2, Some(16)) the hash should start with \
         `$argon2id$v=19$m=128,t=2,p=2$` (all of m, t and p as given), got {hash:?}"
    );
    let output_len = PasswordHash::new(&hash)
        .ok()
        .and_then(|parsed| parsed.hash.map(|output| output.len()));
    expect_eq!(
        output_len,
        Some(16),
        "Params::new(128, 2, 2, Some(16)) asks for a 16-byte hash; the PHC string {hash:?} \
         carries {output_len:?} bytes: pass the Params on as they are"
    );
    assert!(verify_password("correct horse", &hash));
}

/// hash_password makes exactly one 16-byte fill_bytes call of the random source it is given, and those bytes are the salt.
/// Rules: salt-from-random.
#[test]
fn the_salt_is_one_16_byte_draw_of_the_random_source() {
    let random = RecordingRandom::new(11);
    let hash = hash_password("correct horse", &fast_params(), &random).unwrap();
    let salt = salt_bytes(&hash);
    let fills = random.fills();
    let sizes: Vec<usize> = fills.iter().map(Vec::len).collect();
    expect_eq!(
        sizes,
        [16],
        "one hash_password call should make exactly one fill_bytes call of SALT_BYTES (16) \
         bytes on the random source it is given; the calls it made had these sizes: {sizes:?}"
    );
    expect_eq!(
        salt, fills[0],
        "the salt in the PHC string should be exactly the 16 bytes the random source handed \
         out (SaltString::encode_b64 of them)"
    );

    let setup = setup();
    setup.auth.register("bob", "bob-password", Role::Viewer).unwrap();
    let stored = setup.auth.user("bob").unwrap().password_hash;
    assert!(
        setup.random.fills().contains(&salt_bytes(&stored)),
        "register should hash with the service's random source: the stored hash's salt is \
         not one of the buffers it handed out"
    );
}

/// The salt of a PHC string, decoded from its base64.
fn salt_bytes(phc: &str) -> Vec<u8> {
    let parsed = PasswordHash::new(phc)
        .unwrap_or_else(|e| panic!("{phc:?} should be a PHC string: {e}"));
    let salt = parsed
        .salt
        .unwrap_or_else(|| panic!("{phc:?} should carry a salt"));
    let mut buffer = [0u8; 64];
    salt.decode_b64(&mut buffer)
        .unwrap_or_else(|e| panic!("the salt of {phc:?} should be base64: {e}"))
        .to_vec()
}

/// Hashing the same password twice gives two different strings, because each gets a fresh salt.
/// Rules: fresh-salt-per-hash, verify-right-password.
#[test]
fn the_same_password_hashed_twice_gives_different_strings() {
    let random = RecordingRandom::new(2);
    let first = hash_password("hunter2", &fast_params(), &random).unwrap();
    let second = hash_password("hunter2", &fast_params(), &random).unwrap();
    expect_ne!(
        first, second,
        "two hashes of one password should differ (a fresh random salt each time), both were {first:?}"
    );
    assert!(
        verify_password("hunter2", &first) && verify_password("hunter2", &second),
        "both hashes should verify with the password they were made from"
    );
}

/// The right password verifies and every other password, even one character off, does not.
/// Rules: verify-right-password, verify-wrong-password.
#[test]
fn only_the_right_password_verifies() {
    let random = RecordingRandom::new(3);
    let hash = hash_password("correct horse battery staple", &fast_params(), &random).unwrap();
    assert!(
        verify_password("correct horse battery staple", &hash),
        "verify_password should accept the password the hash was made from"
    );
    for wrong in [
        "",
        "correct horse battery stapler",
        "Correct horse battery staple",
        "correct horse battery staple ",
        "correct horse battery",
    ] {
        assert!(
            !verify_password(wrong, &hash),
            "verify_password should refuse the wrong password {wrong:?}"
        );
    }
}

/// A hash made with other Argon2 parameters (by the argon2 crate itself) still verifies.
/// Rules: verify-right-password.
#[test]
fn a_hash_made_with_other_parameters_still_verifies() {
    let params = Params::new(256, 3, 2, None).unwrap();
    let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let salt = SaltString::encode_b64(&[9u8; 16]).unwrap();
    let hash = hasher
        .hash_password(b"old-password", &salt)
        .unwrap()
        .to_string();
    assert!(
        verify_password("old-password", &hash),
        "verify_password should read the parameters from the stored string, so a hash made \
         with m=256,t=3,p=2 verifies: {hash}"
    );
    assert!(!verify_password("new-password", &hash));
}

/// verify_password returns false, without panicking, for strings that are not password hashes.
/// Rules: verify-not-a-hash.
#[test]
fn a_string_that_is_not_a_hash_never_verifies() {
    for stored in [
        "",
        "secret",
        "$argon2id$v=19$garbage",
        "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$",
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
    ] {
        assert!(
            !verify_password("secret", stored),
            "verify_password should return false for {stored:?}, which is not a valid hash"
        );
    }
}

/// The user store holds an Argon2id hash of the password made with the config's parameters, never the password.
/// Rules: no-plaintext-password, hash-uses-given-params.
#[test]
fn the_store_holds_the_hash_and_never_the_password() {
    let setup = setup();
    let password = "Tr0ub4dor&3-very-secret";
    setup.auth.register("bob", password, Role::Viewer).unwrap();
    let record = setup
        .auth
        .user("bob")
        .expect("user(\"bob\") should return the record of a registered user");
    expect_eq!(record.username, "bob");
    expect_eq!(record.role, Role::Viewer);
    assert!(
        record
            .password_hash
            .starts_with("$argon2id$v=19$m=64,t=1,p=1$"),
        "the stored hash should be Argon2id with the config's argon2_params (m=64,t=1,p=1), got {:?}",
        record.password_hash
    );
    assert!(
        !format!("{record:?}").contains(password),
        "the stored user record must not contain the password itself: {record:?}"
    );
    assert!(
        verify_password(password, &record.password_hash),
        "the stored hash should verify with the registered password"
    );
    expect_eq!(
        setup.auth.user("nobody"),
        None,
        "an unknown user has no record"
    );
}

/// Registering a taken username is refused and the existing user keeps their password and role.
/// Rules: username-taken.
#[test]
fn a_taken_username_is_refused_and_the_first_user_kept() {
    let setup = setup_with_alice();
    let before = setup.auth.user("alice").unwrap();
    expect_eq!(
        setup
            .auth
            .register("alice", "another-password", Role::Admin),
        Err(AuthError::UsernameTaken),
        "registering an existing username should fail with UsernameTaken"
    );
    expect_eq!(
        setup.auth.user("alice"),
        Some(before),
        "the existing user must be left unchanged"
    );
    assert!(setup.auth.login("alice", "alice-password").is_ok());
    expect_eq!(
        setup.auth.login("alice", "another-password"),
        Err(AuthError::InvalidCredentials),
        "the refused registration's password must not work"
    );
}

/// When 8 threads register one new username at once, exactly one succeeds and its password is the one that works.
/// Rules: register-is-atomic.
#[test]
fn concurrent_registrations_of_one_name_let_exactly_one_through() {
    for _ in 0..20 {
        let setup = setup();
        let barrier = Arc::new(Barrier::new(8));
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let (auth, barrier) = (setup.auth.clone(), barrier.clone());
                thread::spawn(move || {
                    barrier.wait();
                    auth.register("dave", &format!("password-{i}"), Role::Viewer)
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let winners: Vec<usize> = (0..8).filter(|&i| results[i].is_ok()).collect();
        expect_eq!(
            winners.len(),
            1,
            "8 threads registered \"dave\" at once and {} succeeded: the check for a taken \
             name and the insert must happen under one lock (check again after hashing)",
            winners.len()
        );
        for (i, result) in results.iter().enumerate() {
            if i != winners[0] {
                expect_eq!(
                    result,
                    &Err(AuthError::UsernameTaken),
                    "every registration but the winner's should get UsernameTaken"
                );
            }
        }
        assert!(
            setup
                .auth
                .login("dave", &format!("password-{}", winners[0]))
                .is_ok(),
            "the password of the registration that succeeded should be the one stored"
        );
    }
}

/// A wrong password and an unknown username both fail login with the same InvalidCredentials error.
/// Rules: login-same-error.
#[test]
fn wrong_password_and_unknown_user_get_the_same_error() {
    let setup = setup_with_alice();
    expect_eq!(
        setup.auth.login("alice", "wrong-password"),
        Err(AuthError::InvalidCredentials),
        "a wrong password should give InvalidCredentials"
    );
    expect_eq!(
        setup.auth.login("mallory", "alice-password"),
        Err(AuthError::InvalidCredentials),
        "an unknown username should give InvalidCredentials too, so usernames cannot be probed"
    );
    expect_eq!(
        setup.auth.login("Alice", "alice-password"),
        Err(AuthError::InvalidCredentials),
        "usernames are compared exactly"
    );
}

/// set_role changes a known user's role and answers UnknownUser for a username that does not exist.
/// Rules: set-role-unknown-user.
#[test]
fn set_role_changes_known_users_only() {
    let setup = setup_with_alice();
    setup.auth.set_role("alice", Role::Admin).unwrap();
    expect_eq!(setup.auth.user("alice").unwrap().role, Role::Admin);
    expect_eq!(
        setup.auth.set_role("mallory", Role::Admin),
        Err(AuthError::UnknownUser),
        "set_role on a username nobody registered should fail with UnknownUser"
    );
    expect_eq!(
        setup.auth.user("mallory"),
        None,
        "set_role must not create users"
    );
}
