//! Hidden tests for access tokens: the JWT's shape, expiry on the injected clock,
//! and every kind of forged or foreign token.

mod common;

use expect::expect_eq;
use auth_tokens::{AccessClaims, AuthConfig, AuthError, AuthService, ManualClock, Role, TokenError};
use common::{
    ACCESS_TTL, AUDIENCE, ISSUER, OTHER_SECRET, RecordingRandom, SECRET, START, b64url, config,
    fast_params, forge, good_claims, replace_part, setup_with_alice, token_part,
};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::json;

/// The access token is an HS256 JWT signed with the secret whose payload is exactly sub, role, iss, aud, iat and exp.
/// Rules: access-token-claims, access-token-hs256, token-pair-fields.
#[test]
fn login_issues_an_hs256_jwt_with_exactly_the_expected_claims() {
    let setup = setup_with_alice();
    let pair = setup.auth.login("alice", "alice-password").unwrap();
    expect_eq!(pair.token_type, "Bearer", "token_type should be \"Bearer\"");
    expect_eq!(
        pair.expires_in, ACCESS_TTL,
        "expires_in should be the config's access_ttl_secs"
    );
    let header = token_part(&pair.access_token, 0);
    expect_eq!(
        header["alg"], "HS256",
        "the JWT header should say alg HS256, got {header}"
    );
    let payload = token_part(&pair.access_token, 1);
    let expected = json!({
        "sub": "alice", "role": "editor", "iss": ISSUER, "aud": AUDIENCE,
        "iat": START, "exp": START + ACCESS_TTL,
    });
    expect_eq!(
        payload, expected,
        "the payload should be exactly {expected} (iat = the clock's now, exp = iat + access_ttl_secs)"
    );
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.set_audience(&[AUDIENCE]);
    let key = DecodingKey::from_secret(SECRET).unwrap();
    assert!(
        jsonwebtoken::decode::<serde_json::Value>(&pair.access_token, &key, &validation).is_ok(),
        "the token should carry a valid HS256 signature made with the service's secret"
    );
}

/// verify_access_token returns the claims of a token the service issued.
/// Rules: access-token-claims, exp-from-injected-clock.
#[test]
fn a_fresh_token_verifies_and_returns_its_claims() {
    let setup = setup_with_alice();
    let pair = setup.auth.login("alice", "alice-password").unwrap();
    let expected = AccessClaims {
        sub: "alice".into(),
        role: Role::Editor,
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        iat: START,
        exp: START + ACCESS_TTL,
    };
    expect_eq!(
        setup.auth.verify_access_token(&pair.access_token),
        Ok(expected),
        "a token issued just now must verify (the injected clock says 2001: check exp \
         against it, not against the system time)"
    );
}

/// A token is accepted one second before exp and Expired at exp exactly, as the injected clock says.
/// Rules: access-expiry-edge, exp-from-injected-clock.
#[test]
fn a_token_expires_exactly_at_exp_on_the_injected_clock() {
    let setup = setup_with_alice();
    let pair = setup.auth.login("alice", "alice-password").unwrap();
    setup.clock.advance(ACCESS_TTL - 1);
    assert!(
        setup.auth.verify_access_token(&pair.access_token).is_ok(),
        "at exp - 1 (second {}) the token must still be accepted",
        START + ACCESS_TTL - 1
    );
    setup.clock.advance(1);
    expect_eq!(
        setup.auth.verify_access_token(&pair.access_token),
        Err(TokenError::Expired),
        "at exp exactly (second {}) the token must be Expired, with no leeway",
        START + ACCESS_TTL
    );
    setup.clock.advance(3600);
    expect_eq!(
        setup.auth.verify_access_token(&pair.access_token),
        Err(TokenError::Expired)
    );
}

/// Expiry follows the injected clock even when it is far ahead of the real time.
/// Rules: exp-from-injected-clock.
#[test]
fn expiry_follows_the_injected_clock_in_the_future_too() {
    let clock = ManualClock::new(4_000_000_000); // the year 2096
    let auth = AuthService::new(SECRET, config(), clock.clone(), RecordingRandom::new(5));
    auth.register("alice", "alice-password", Role::Editor)
        .unwrap();
    let pair = auth.login("alice", "alice-password").unwrap();
    assert!(auth.verify_access_token(&pair.access_token).is_ok());
    clock.advance(ACCESS_TTL);
    expect_eq!(
        auth.verify_access_token(&pair.access_token),
        Err(TokenError::Expired),
        "once the injected clock reaches exp the token is Expired, whatever the real time is"
    );
}

/// A token whose iat is later than the clock's now (issued in the future) is Invalid.
/// Rules: iat-in-future-invalid.
#[test]
fn a_token_issued_in_the_future_is_invalid() {
    let setup = setup_with_alice();
    setup.clock.set(START + 100);
    let pair = setup.auth.login("alice", "alice-password").unwrap();
    setup.clock.set(START + 99);
    expect_eq!(
        setup.auth.verify_access_token(&pair.access_token),
        Err(TokenError::Invalid),
        "a token with iat = {} checked at second {} was issued in the future: Invalid",
        START + 100,
        START + 99
    );
    setup.clock.set(START + 100);
    assert!(setup.auth.verify_access_token(&pair.access_token).is_ok());
}

/// A correctly built token signed with the service's secret is accepted, even when the service did not issue it.
/// Rules: access-token-hs256.
#[test]
fn any_correct_hs256_token_under_the_secret_is_accepted() {
    let setup = setup_with_alice();
    let token = forge(Algorithm::HS256, SECRET, &good_claims(START - 10));
    let claims = setup.auth.verify_access_token(&token);
    assert!(
        claims.is_ok(),
        "a well-formed HS256 token signed with the secret should verify, got {claims:?}"
    );
}

/// A token whose payload or header was changed after signing is Invalid.
/// Rules: tampered-token-invalid.
#[test]
fn a_tampered_token_is_invalid() {
    let setup = setup_with_alice();
    let pair = setup.auth.login("alice", "alice-password").unwrap();
    let mut promoted = good_claims(START);
    promoted["role"] = json!("admin");
    let forged = replace_part(&pair.access_token, 1, &promoted);
    expect_eq!(
        setup.auth.verify_access_token(&forged),
        Err(TokenError::Invalid),
        "a payload changed to role admin (old signature kept) must be Invalid"
    );
    let header = json!({"alg": "HS256", "typ": "JWT", "kid": "other"});
    let forged = replace_part(&pair.access_token, 0, &header);
    expect_eq!(
        setup.auth.verify_access_token(&forged),
        Err(TokenError::Invalid),
        "a changed header (old signature kept) must be Invalid"
    );
    let mut chars: Vec<char> = pair.access_token.chars().collect();
    let middle = pair.access_token.len() - 20;
    chars[middle] = if chars[middle] == 'A' { 'B' } else { 'A' };
    let forged: String = chars.into_iter().collect();
    expect_eq!(
        setup.auth.verify_access_token(&forged),
        Err(TokenError::Invalid),
        "a token with one character of its signature changed must be Invalid"
    );
}

/// A token signed with another key is Invalid.
/// Rules: other-key-invalid.
#[test]
fn a_token_signed_with_another_key_is_invalid() {
    let setup = setup_with_alice();
    let token = forge(Algorithm::HS256, OTHER_SECRET, &good_claims(START));
    expect_eq!(
        setup.auth.verify_access_token(&token),
        Err(TokenError::Invalid),
        "a token signed with somebody else's secret must be Invalid"
    );
}

/// A token whose header declares alg none, with or without a signature, is Invalid.
/// Rules: alg-none-invalid.
#[test]
fn an_alg_none_token_is_invalid() {
    let setup = setup_with_alice();
    let header = b64url(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = b64url(good_claims(START).to_string().as_bytes());
    let unsigned = format!("{header}.{payload}.");
    expect_eq!(
        setup.auth.verify_access_token(&unsigned),
        Err(TokenError::Invalid),
        "a token with \"alg\":\"none\" and no signature must be Invalid: {unsigned}"
    );
    let real = forge(Algorithm::HS256, SECRET, &good_claims(START));
    let signature = real.rsplit('.').next().unwrap();
    let with_signature = format!("{header}.{payload}.{signature}");
    expect_eq!(
        setup.auth.verify_access_token(&with_signature),
        Err(TokenError::Invalid),
        "a token with \"alg\":\"none\" must be Invalid whatever signature follows"
    );
}

/// Tokens signed with HS384 or HS512, even with the right secret, are Invalid: only HS256 is accepted.
/// Rules: only-hs256.
#[test]
fn only_hs256_is_accepted() {
    let setup = setup_with_alice();
    for algorithm in [Algorithm::HS384, Algorithm::HS512] {
        let token = forge(algorithm, SECRET, &good_claims(START));
        expect_eq!(
            setup.auth.verify_access_token(&token),
            Err(TokenError::Invalid),
            "a token signed with {algorithm:?} must be Invalid: pin the algorithm to HS256"
        );
    }
}

/// A token with another issuer or another audience is Invalid.
/// Rules: issuer-audience-checked.
#[test]
fn a_wrong_issuer_or_audience_is_invalid() {
    let setup = setup_with_alice();
    let mut claims = good_claims(START);
    claims["iss"] = json!("https://evil.test");
    expect_eq!(
        setup
            .auth
            .verify_access_token(&forge(Algorithm::HS256, SECRET, &claims)),
        Err(TokenError::Invalid),
        "a token whose iss is not the config's issuer must be Invalid"
    );
    let mut claims = good_claims(START);
    claims["aud"] = json!("billing-api");
    expect_eq!(
        setup
            .auth
            .verify_access_token(&forge(Algorithm::HS256, SECRET, &claims)),
        Err(TokenError::Invalid),
        "a token whose aud is not the config's audience must be Invalid"
    );
}

/// Strings that are not JWTs, and signed tokens missing a claim, are Invalid.
/// Rules: malformed-token-invalid.
#[test]
fn malformed_and_incomplete_tokens_are_invalid() {
    let setup = setup_with_alice();
    for token in ["", "not-a-jwt", "a.b.c", "a.b.c.d"] {
        expect_eq!(
            setup.auth.verify_access_token(token),
            Err(TokenError::Invalid),
            "{token:?} is not a JWT: Invalid"
        );
    }
    for claim in ["role", "sub", "exp", "iat"] {
        let mut claims = good_claims(START);
        claims.as_object_mut().unwrap().remove(claim);
        let token = forge(Algorithm::HS256, SECRET, &claims);
        expect_eq!(
            setup.auth.verify_access_token(&token),
            Err(TokenError::Invalid),
            "a signed token without its {claim:?} claim must be Invalid"
        );
    }
}

/// A forged token is Invalid even when it has also expired: the signature is checked first.
/// Rules: signature-before-expiry.
#[test]
fn a_forged_expired_token_is_invalid_not_expired() {
    let setup = setup_with_alice();
    let old = good_claims(START - 10 * ACCESS_TTL);
    expect_eq!(
        setup
            .auth
            .verify_access_token(&forge(Algorithm::HS256, SECRET, &old)),
        Err(TokenError::Expired),
        "control: an expired token signed with the right secret is Expired"
    );
    expect_eq!(
        setup
            .auth
            .verify_access_token(&forge(Algorithm::HS256, OTHER_SECRET, &old)),
        Err(TokenError::Invalid),
        "an expired token with a bad signature must be Invalid, not Expired: check the \
         signature before believing any claim"
    );
}

/// The constructor panics on a secret shorter than 32 bytes.
/// Rules: short-secret-panics.
#[test]
#[should_panic]
fn a_short_secret_panics() {
    let _ = AuthService::new(
        &[7u8; 31],
        config(),
        ManualClock::new(START),
        RecordingRandom::new(6),
    );
}

/// The constructor accepts a secret of exactly 32 bytes, and tokens are signed and checked with that secret.
/// Rules: short-secret-panics, access-token-hs256, other-key-invalid.
#[test]
fn a_32_byte_secret_is_accepted() {
    let auth = AuthService::new(
        &[7u8; 32],
        config(),
        ManualClock::new(START),
        RecordingRandom::new(7),
    );
    auth.register("carol", "carol-password", Role::Viewer)
        .unwrap();
    let pair = auth.login("carol", "carol-password").unwrap();
    assert!(auth.verify_access_token(&pair.access_token).is_ok());
    let key = DecodingKey::from_secret(&[7u8; 32]).unwrap();
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.set_audience(&[AUDIENCE]);
    assert!(
        jsonwebtoken::decode::<serde_json::Value>(&pair.access_token, &key, &validation).is_ok(),
        "the token should be signed with the secret passed to AuthService::new"
    );
    let mut claims = good_claims(START);
    claims["sub"] = json!("carol");
    assert!(
        auth.verify_access_token(&forge(Algorithm::HS256, &[7u8; 32], &claims))
            .is_ok(),
        "a token signed with the secret passed to AuthService::new should verify"
    );
    expect_eq!(
        auth.verify_access_token(&forge(Algorithm::HS256, SECRET, &claims)),
        Err(TokenError::Invalid),
        "a token signed with a secret other than the one passed to AuthService::new is Invalid"
    );
}

/// Another configuration (issuer, audience, both TTLs) in another era is followed exactly.
/// Rules: access-token-claims, token-pair-fields, access-expiry-edge, exp-from-injected-clock, refresh-expiry-edge, issuer-audience-checked.
#[test]
fn another_configuration_is_followed_exactly() {
    let start = 4_000_000_000; // the year 2096
    let clock = ManualClock::new(start);
    let config = AuthConfig {
        issuer: "https://login.example.org".into(),
        audience: "billing-api".into(),
        access_ttl_secs: 60,
        refresh_ttl_secs: 600,
        argon2_params: fast_params(),
    };
    let auth = AuthService::new(SECRET, config, clock.clone(), RecordingRandom::new(8));
    auth.register("alice", "alice-password", Role::Editor)
        .unwrap();
    let pair = auth.login("alice", "alice-password").unwrap();
    expect_eq!(
        pair.expires_in, 60,
        "expires_in should be this config's access_ttl_secs (60)"
    );
    let expected = json!({
        "sub": "alice", "role": "editor", "iss": "https://login.example.org",
        "aud": "billing-api", "iat": start, "exp": start + 60,
    });
    expect_eq!(
        token_part(&pair.access_token, 1),
        expected,
        "the claims should come from this service's config (issuer, audience, access_ttl_secs)"
    );
    expect_eq!(
        auth.verify_access_token(&forge(Algorithm::HS256, SECRET, &good_claims(start))),
        Err(TokenError::Invalid),
        "a token for another issuer and audience than this config's must be Invalid"
    );
    clock.advance(59);
    assert!(
        auth.verify_access_token(&pair.access_token).is_ok(),
        "with access_ttl_secs = 60 the token is accepted 59 s after its issue"
    );
    clock.advance(1);
    expect_eq!(
        auth.verify_access_token(&pair.access_token),
        Err(TokenError::Expired),
        "with access_ttl_secs = 60 the token is Expired 60 s after its issue"
    );

    clock.set(start);
    let early = auth.login("alice", "alice-password").unwrap();
    let late = auth.login("alice", "alice-password").unwrap();
    clock.advance(599);
    assert!(
        auth.refresh(&early.refresh_token).is_ok(),
        "with refresh_ttl_secs = 600 a refresh token works 599 s after its issue"
    );
    clock.advance(1);
    expect_eq!(
        auth.refresh(&late.refresh_token),
        Err(AuthError::InvalidRefreshToken),
        "with refresh_ttl_secs = 600 a refresh token is refused 600 s after its issue"
    );
}
