//! Hidden tests for refresh tokens: randomness, hashed storage, rotation, expiry,
//! reuse detection, concurrency and logout.

mod common;

use expect::{expect_eq, expect_ne};
use std::sync::{Arc, Barrier};
use std::thread;

use auth_tokens::{AccessClaims, AuthError, Role, refresh_token_hash};
use common::{
    ACCESS_TTL, AUDIENCE, ISSUER, REFRESH_TTL, START, setup_with_alice, token_part,
};
use sha2::{Digest, Sha256};

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A refresh token is the 32 bytes of one fill of the injected random source, as 64 lowercase hex digits.
/// Rules: refresh-token-from-random.
#[test]
fn a_refresh_token_is_hex_of_32_bytes_from_the_random_source() {
    let setup = setup_with_alice();
    let pair = setup.auth.login("alice", "alice-password").unwrap();
    let token = &pair.refresh_token;
    assert!(
        token.len() == 64
            && token
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
        "a refresh token should be 64 lowercase hex digits, got {token:?}"
    );
    let bytes = hex::decode(token).unwrap();
    assert!(
        setup.random.fills().contains(&bytes),
        "the refresh token's 32 bytes should be exactly what one fill_bytes call of the \
         injected RandomSource produced (hex-encoded)"
    );
}

/// refresh_token_hash is the SHA-256 of the token's text as 64 lowercase hex digits.
/// Rules: refresh-token-hash.
#[test]
fn refresh_token_hash_is_lowercase_hex_sha256() {
    expect_eq!(
        refresh_token_hash("abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "refresh_token_hash(\"abc\") should be the SHA-256 of \"abc\" in lowercase hex"
    );
    let token = "00ff".repeat(16);
    expect_eq!(refresh_token_hash(&token), sha256_hex(&token));
}

/// The store keeps every refresh token, used ones included, only under its SHA-256 hash.
/// Rules: refresh-stored-as-hash.
#[test]
fn the_store_keeps_only_hashes_of_refresh_tokens() {
    let setup = setup_with_alice();
    let first = setup.auth.login("alice", "alice-password").unwrap();
    let second = setup.auth.refresh(&first.refresh_token).unwrap();
    let mut stored = setup.auth.stored_refresh_hashes();
    stored.sort();
    let mut expected = vec![
        sha256_hex(&first.refresh_token),
        sha256_hex(&second.refresh_token),
    ];
    expected.sort();
    expect_eq!(
        stored, expected,
        "after a login and one refresh the store should hold exactly the SHA-256 (hex) of \
         both tokens, the used one included"
    );
    for hash in &stored {
        assert!(
            !hash.contains(&first.refresh_token) && !hash.contains(&second.refresh_token),
            "the store must never hold a refresh token itself"
        );
    }
}

/// refresh returns a new pair like login's (token_type, expires_in, claims, a refresh token from the random source) that works in turn.
/// Rules: refresh-rotates, token-pair-fields, access-token-claims, refresh-token-from-random.
#[test]
fn refresh_rotates_to_a_new_working_pair() {
    let setup = setup_with_alice();
    let first = setup.auth.login("alice", "alice-password").unwrap();
    setup.clock.advance(100);
    let second = setup.auth.refresh(&first.refresh_token).unwrap();
    expect_ne!(
        second.refresh_token, first.refresh_token,
        "refresh must issue a new refresh token"
    );
    expect_eq!(second.token_type, "Bearer");
    expect_eq!(
        second.expires_in, ACCESS_TTL,
        "a pair from refresh says expires_in = access_ttl_secs, like one from login"
    );
    let claims = setup
        .auth
        .verify_access_token(&second.access_token)
        .expect("the refreshed access token should verify");
    let expected = AccessClaims {
        sub: "alice".into(),
        role: Role::Editor,
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        iat: START + 100,
        exp: START + 100 + ACCESS_TTL,
    };
    expect_eq!(
        claims, expected,
        "the refreshed access token's iat is the time of the refresh and its exp is \
         iat + access_ttl_secs"
    );
    let bytes = hex::decode(&second.refresh_token).unwrap_or_default();
    assert!(
        bytes.len() == 32 && setup.random.fills().contains(&bytes),
        "the refresh token from a refresh, like the first one, should be hex of the 32 bytes \
         of one fill_bytes call of the injected RandomSource, got {:?}",
        second.refresh_token
    );
    let third = setup.auth.refresh(&second.refresh_token);
    assert!(
        third.is_ok(),
        "the new refresh token should work in turn, got {third:?}"
    );
}

/// The access token from a refresh carries the user's current role; the old access token keeps its role.
/// Rules: refresh-current-role.
#[test]
fn refresh_picks_up_the_current_role() {
    let setup = setup_with_alice();
    let first = setup.auth.login("alice", "alice-password").unwrap();
    setup.auth.set_role("alice", Role::Admin).unwrap();
    let second = setup.auth.refresh(&first.refresh_token).unwrap();
    expect_eq!(
        token_part(&second.access_token, 1)["role"],
        "admin",
        "after set_role(admin), the access token from the next refresh should say role admin"
    );
    expect_eq!(
        setup
            .auth
            .verify_access_token(&first.access_token)
            .unwrap()
            .role,
        Role::Editor,
        "an access token issued before set_role keeps the role it was issued with"
    );
}

/// A refresh token is valid until one second before its TTL and refused at the TTL exactly.
/// Rules: refresh-expiry-edge.
#[test]
fn a_refresh_token_expires_exactly_at_its_ttl() {
    let setup = setup_with_alice();
    let first = setup.auth.login("alice", "alice-password").unwrap();
    setup.clock.advance(REFRESH_TTL);
    expect_eq!(
        setup.auth.refresh(&first.refresh_token),
        Err(AuthError::InvalidRefreshToken),
        "a refresh token issued at t is expired at t + refresh_ttl_secs exactly"
    );
    setup.clock.set(START);
    let second = setup.auth.login("alice", "alice-password").unwrap();
    setup.clock.advance(REFRESH_TTL - 1);
    assert!(
        setup.auth.refresh(&second.refresh_token).is_ok(),
        "a refresh token is still valid at t + refresh_ttl_secs - 1"
    );
}

/// Each rotated refresh token gets its own full lifetime from the moment it is issued.
/// Rules: refresh-expiry-edge.
#[test]
fn each_new_refresh_token_gets_a_full_lifetime() {
    let setup = setup_with_alice();
    let first = setup.auth.login("alice", "alice-password").unwrap();
    setup.clock.advance(REFRESH_TTL - 1);
    let second = setup.auth.refresh(&first.refresh_token).unwrap();
    setup.clock.advance(REFRESH_TTL - 1);
    let third = setup.auth.refresh(&second.refresh_token);
    assert!(
        third.is_ok(),
        "a token issued by a refresh lives refresh_ttl_secs from its own issue, got {third:?}"
    );
    setup.clock.advance(REFRESH_TTL);
    expect_eq!(
        setup.auth.refresh(&third.unwrap().refresh_token),
        Err(AuthError::InvalidRefreshToken)
    );
}

/// Presenting a used refresh token gives RefreshTokenReused and revokes every token of its family, the newest included.
/// Rules: reuse-revokes-family.
#[test]
fn reusing_a_refresh_token_revokes_its_whole_family() {
    let setup = setup_with_alice();
    let first = setup.auth.login("alice", "alice-password").unwrap();
    let second = setup.auth.refresh(&first.refresh_token).unwrap();
    let third = setup.auth.refresh(&second.refresh_token).unwrap();
    expect_eq!(
        setup.auth.refresh(&first.refresh_token),
        Err(AuthError::RefreshTokenReused),
        "presenting a refresh token that was already exchanged must give RefreshTokenReused"
    );
    expect_eq!(
        setup.auth.refresh(&third.refresh_token),
        Err(AuthError::InvalidRefreshToken),
        "after reuse is detected, the newest token of that family must be refused too"
    );
}

/// Reuse in one login's family leaves the user's other logins working.
/// Rules: reuse-spares-other-families.
#[test]
fn reuse_revokes_only_its_own_family() {
    let setup = setup_with_alice();
    let phone = setup.auth.login("alice", "alice-password").unwrap();
    let laptop = setup.auth.login("alice", "alice-password").unwrap();
    let phone2 = setup.auth.refresh(&phone.refresh_token).unwrap();
    expect_eq!(
        setup.auth.refresh(&phone.refresh_token),
        Err(AuthError::RefreshTokenReused)
    );
    expect_eq!(
        setup.auth.refresh(&phone2.refresh_token),
        Err(AuthError::InvalidRefreshToken)
    );
    assert!(
        setup.auth.refresh(&laptop.refresh_token).is_ok(),
        "each login starts its own family: reuse on the phone must not log the laptop out"
    );
}

/// When 8 threads present the same refresh token at once, exactly one gets a new pair.
/// Rules: rotation-is-atomic.
#[test]
fn concurrent_refreshes_of_one_token_let_exactly_one_through() {
    for _ in 0..20 {
        let setup = setup_with_alice();
        let pair = setup.auth.login("alice", "alice-password").unwrap();
        let barrier = Arc::new(Barrier::new(8));
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let (auth, barrier) = (setup.auth.clone(), barrier.clone());
                let token = pair.refresh_token.clone();
                thread::spawn(move || {
                    barrier.wait();
                    auth.refresh(&token).is_ok()
                })
            })
            .collect();
        let successes = handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|ok| *ok)
            .count();
        expect_eq!(
            successes, 1,
            "8 threads refreshed one token at once and {successes} got a new pair: the check \
             and the retirement must happen under one lock"
        );
    }
}

/// A refresh token that was never issued is InvalidRefreshToken, for refresh and logout alike.
/// Rules: unknown-refresh-invalid, logout-unknown-invalid.
#[test]
fn unknown_refresh_tokens_are_refused() {
    let setup = setup_with_alice();
    let pair = setup.auth.login("alice", "alice-password").unwrap();
    for token in [String::new(), "0".repeat(64), pair.access_token.clone()] {
        expect_eq!(
            setup.auth.refresh(&token),
            Err(AuthError::InvalidRefreshToken),
            "refresh({token:?}), a token never issued, must be InvalidRefreshToken"
        );
        expect_eq!(
            setup.auth.logout(&token),
            Err(AuthError::InvalidRefreshToken),
            "logout({token:?}), a token never issued, must be InvalidRefreshToken"
        );
    }
    assert!(setup.auth.refresh(&pair.refresh_token).is_ok());
}

/// Logout with the current or an already used token revokes every token of its family.
/// Rules: logout-revokes-family.
#[test]
fn logout_revokes_the_family() {
    let setup = setup_with_alice();
    let first = setup.auth.login("alice", "alice-password").unwrap();
    let second = setup.auth.refresh(&first.refresh_token).unwrap();
    expect_eq!(setup.auth.logout(&second.refresh_token), Ok(()));
    expect_eq!(
        setup.auth.refresh(&second.refresh_token),
        Err(AuthError::InvalidRefreshToken),
        "after logout the refresh token must be refused"
    );

    let third = setup.auth.login("alice", "alice-password").unwrap();
    let fourth = setup.auth.refresh(&third.refresh_token).unwrap();
    expect_eq!(
        setup.auth.logout(&third.refresh_token),
        Ok(()),
        "logout with an already used token of a family should succeed"
    );
    expect_eq!(
        setup.auth.refresh(&fourth.refresh_token),
        Err(AuthError::InvalidRefreshToken),
        "logout with any token of a family revokes the whole family, the newest token included"
    );
}

/// Logout with an expired token, or with a token whose family is already revoked, is Ok and revokes that family.
/// Rules: logout-revokes-family.
#[test]
fn logout_takes_expired_and_already_revoked_tokens() {
    let setup = setup_with_alice();
    let first = setup.auth.login("alice", "alice-password").unwrap();
    setup.clock.advance(REFRESH_TTL - 1);
    let second = setup.auth.refresh(&first.refresh_token).unwrap();
    setup.clock.advance(1);
    expect_eq!(
        setup.auth.logout(&first.refresh_token),
        Ok(()),
        "logout with an expired (and used) token the store knows should return Ok"
    );
    expect_eq!(
        setup.auth.refresh(&second.refresh_token),
        Err(AuthError::InvalidRefreshToken),
        "logout with an expired token revokes its family: the newest token must be refused"
    );
    expect_eq!(
        setup.auth.logout(&second.refresh_token),
        Ok(()),
        "logout with a token whose family is already revoked should return Ok too"
    );
    expect_eq!(
        setup.auth.logout(&first.refresh_token),
        Ok(()),
        "logging out twice with one token should return Ok both times"
    );

    let third = setup.auth.login("alice", "alice-password").unwrap();
    setup.clock.advance(REFRESH_TTL);
    expect_eq!(
        setup.auth.logout(&third.refresh_token),
        Ok(()),
        "logout with an expired, never used token should return Ok"
    );
}

/// Logout revokes only its own family: the user's other logins and other users keep working.
/// Rules: logout-spares-other-families.
#[test]
fn logout_leaves_other_families_alone() {
    let setup = setup_with_alice();
    setup
        .auth
        .register("bob", "bob-password", Role::Viewer)
        .unwrap();
    let phone = setup.auth.login("alice", "alice-password").unwrap();
    let laptop = setup.auth.login("alice", "alice-password").unwrap();
    let bob = setup.auth.login("bob", "bob-password").unwrap();
    setup.auth.logout(&phone.refresh_token).unwrap();
    assert!(
        setup.auth.refresh(&laptop.refresh_token).is_ok(),
        "logging out on the phone must not log alice out on the laptop"
    );
    assert!(
        setup.auth.refresh(&bob.refresh_token).is_ok(),
        "alice's logout must not affect bob"
    );
}
