//! Part 2: verifying a `Webhook-Signature` header: genuine and forged
//! deliveries, secret rotation, each malformed header's error, and the
//! tolerance window.

mod common;

use expect::expect_eq;
use common::{BODY, NEW_SECRET, SECRET, T0};
use webhooks::{SignatureError, Verifier, sign_header, signature_hex};

const TOLERANCE: u64 = 300;

fn verifier() -> Verifier {
    Verifier::new(&[SECRET], TOLERANCE)
}

fn sig(secret: &str) -> String {
    signature_hex(secret.as_bytes(), T0, BODY)
}

/// Checks that `header` is refused with `expected`, at `T0`, for `BODY`.
fn refused(header: &str, expected: SignatureError, why: &str) {
    expect_eq!(
        verifier().verify(header, BODY, T0),
        Err(expected),
        "header {header:?} ({why}): expected {expected:?}"
    );
}

/// A genuine header verifies, and `verify` returns its timestamp.
/// Rules: verify-returns-timestamp.
#[test]
fn genuine_header_verifies() {
    let header = sign_header(&[SECRET], T0, BODY);
    expect_eq!(verifier().verify(&header, BODY, T0 + 30), Ok(T0), "a genuine header, 30 s later");
}

/// A changed body, or a signature made with another secret, is `NoMatchingSignature`.
/// Rules: no-matching-signature.
#[test]
fn forgeries_are_refused() {
    let header = sign_header(&[SECRET], T0, BODY);
    let tampered = br#"{"id":"evt_1","type":"task.deleted"}"#;
    expect_eq!(
        verifier().verify(&header, tampered, T0),
        Err(SignatureError::NoMatchingSignature),
        "the body was changed after signing"
    );
    let guessed = sign_header(&["whsec_guessed"], T0, BODY);
    expect_eq!(
        verifier().verify(&guessed, BODY, T0),
        Err(SignatureError::NoMatchingSignature),
        "signed with a secret the verifier does not hold"
    );
    let zeros = format!("t={T0},v1={}", "0".repeat(64));
    refused(&zeros, SignatureError::NoMatchingSignature, "well-formed, but a made-up signature");
}

/// A verifier holding the old and the new secret accepts a header signed with either.
/// Rules: verifier-any-secret.
#[test]
fn verifier_accepts_any_of_its_secrets() {
    let rotating = Verifier::new(&[SECRET, NEW_SECRET], TOLERANCE);
    for secret in [SECRET, NEW_SECRET] {
        let header = sign_header(&[secret], T0, BODY);
        expect_eq!(
            rotating.verify(&header, BODY, T0),
            Ok(T0),
            "a verifier with two secrets must accept a header signed with {secret:?} alone"
        );
    }
}

/// A header with several `v1` values verifies if any of them matches, first or last.
/// Rules: header-any-v1.
#[test]
fn any_v1_may_match() {
    let only_new = Verifier::new(&[NEW_SECRET], TOLERANCE);
    let both = sign_header(&[SECRET, NEW_SECRET], T0, BODY);
    expect_eq!(only_new.verify(&both, BODY, T0), Ok(T0), "the matching v1 is the second one");
    let other = "ab".repeat(32);
    let first = format!("t={T0},v1={},v1={other}", sig(SECRET));
    expect_eq!(verifier().verify(&first, BODY, T0), Ok(T0), "the matching v1 is the first one");
}

/// A `v1` written in uppercase hex digits is the same signature and verifies.
/// Rules: hex-either-case.
#[test]
fn uppercase_hex_verifies() {
    let header = format!("t={T0},v1={}", sig(SECRET).to_uppercase());
    expect_eq!(verifier().verify(&header, BODY, T0), Ok(T0), "uppercase hex digits must be accepted");
}

/// A `v1` that mixes lowercase and uppercase hex digits is well-formed: it verifies when its bytes match, and is a mismatch when they do not.
/// Rules: hex-either-case.
#[test]
fn mixed_case_hex_is_well_formed() {
    // Every other character uppercased: digits stay digits, letters change case.
    let mixed = |hex: String| -> String {
        hex.chars()
            .enumerate()
            .map(|(i, c)| if i % 2 == 0 { c.to_ascii_uppercase() } else { c })
            .collect()
    };
    let genuine = mixed(sig(SECRET));
    assert!(
        genuine != genuine.to_lowercase() && genuine != genuine.to_uppercase(),
        "test fixture: {genuine} should mix both cases"
    );
    let header = format!("t={T0},v1={genuine}");
    expect_eq!(
        verifier().verify(&header, BODY, T0),
        Ok(T0),
        "v1={genuine} mixes upper- and lowercase hex digits of the genuine signature: it must verify"
    );
    let other = mixed(sig(NEW_SECRET));
    refused(
        &format!("t={T0},v1={other}"),
        SignatureError::NoMatchingSignature,
        "64 hex digits in mixed case, made with another secret: well-formed, but no match",
    );
}

/// Parts with other keys, such as `v0` or a future `v2`, are ignored.
/// Rules: unknown-keys-ignored.
#[test]
fn unknown_keys_are_ignored() {
    let header = format!("t={T0},v0=not-hex-at-all,v1={},v2=xyz", sig(SECRET));
    expect_eq!(verifier().verify(&header, BODY, T0), Ok(T0), "v0 and v2 must be ignored");
}

/// A part without `=`, an empty header and a trailing comma are `Malformed`.
/// Rules: malformed-part.
#[test]
fn parts_without_equals_are_malformed() {
    let good = sig(SECRET);
    refused("", SignatureError::Malformed, "an empty header");
    refused(&format!("t={T0},v1={good},"), SignatureError::Malformed, "a trailing comma");
    refused(&format!("t={T0},junk,v1={good}"), SignatureError::Malformed, "a part with no `=`");
}

/// A header without a `t=` part is `MissingTimestamp`, even with a good `v1`.
/// Rules: missing-timestamp.
#[test]
fn missing_timestamp() {
    refused(&format!("v1={}", sig(SECRET)), SignatureError::MissingTimestamp, "no t= part");
    refused(&format!("T={T0},v1={}", sig(SECRET)), SignatureError::MissingTimestamp, "keys are case-sensitive");
}

/// A header with two `t=` parts is `DuplicateTimestamp`, even when they agree.
/// Rules: duplicate-timestamp.
#[test]
fn duplicate_timestamp() {
    let header = format!("t={T0},t={T0},v1={}", sig(SECRET));
    refused(&header, SignatureError::DuplicateTimestamp, "two t= parts");
}

/// A `t` that is not one or more ASCII digits fitting a u64 is `InvalidTimestamp`.
/// Rules: invalid-timestamp.
#[test]
fn invalid_timestamps() {
    let good = sig(SECRET);
    for t in ["", "abc", "-5", "+1700000000", "1700000000.5", "99999999999999999999999", " 1700000000"] {
        refused(&format!("t={t},v1={good}"), SignatureError::InvalidTimestamp, "t must be digits only");
    }
}

/// A header without a `v1` part is `MissingSignature`.
/// Rules: missing-signature.
#[test]
fn missing_signature() {
    refused(&format!("t={T0}"), SignatureError::MissingSignature, "no v1= part");
    refused(&format!("t={T0},v0={}", sig(SECRET)), SignatureError::MissingSignature, "only a v0 part");
    refused(
        &format!("t={T0},V1={}", sig(SECRET)),
        SignatureError::MissingSignature,
        "keys are case-sensitive: V1 is not v1, so there is no v1 part",
    );
}

/// A part is split at its first `=` only: the value is everything after it, further `=` signs included.
/// Rules: value-after-first-equals.
#[test]
fn value_is_everything_after_the_first_equals() {
    let good = sig(SECRET);
    refused(
        &format!("t={T0},v1={good}="),
        SignatureError::InvalidSignature,
        "the v1 value is the 64 good hex digits followed by `=`: 65 characters, not a signature",
    );
    refused(
        &format!("t={T0},v1={good}=00"),
        SignatureError::InvalidSignature,
        "the v1 value is the 64 good hex digits followed by `=00`",
    );
    refused(
        &format!("t={T0}=5,v1={good}"),
        SignatureError::InvalidTimestamp,
        "the t value is `1700000000=5`, which is not digits only",
    );
}

/// A `v1` that is not exactly 64 hex digits is `InvalidSignature`, not a mismatch.
/// Rules: invalid-signature.
#[test]
fn invalid_signatures() {
    let good = sig(SECRET);
    let cases = [
        (String::new(), "an empty v1"),
        (good[..62].to_string(), "62 hex digits"),
        (format!("{good}00"), "66 hex digits"),
        (format!("{}zz", &good[..62]), "64 characters, two of them not hex"),
    ];
    for (value, why) in cases {
        refused(&format!("t={T0},v1={value}"), SignatureError::InvalidSignature, why);
    }
    let with_good = format!("t={T0},v1={good},v1=xyz");
    refused(&with_good, SignatureError::InvalidSignature, "one good v1 and one malformed v1");
}

/// A timestamp exactly the tolerance in the past is accepted; one second more is refused.
/// Rules: tolerance-inclusive, tolerance-both-directions.
#[test]
fn tolerance_edge_in_the_past() {
    let header = sign_header(&[SECRET], T0, BODY);
    expect_eq!(
        verifier().verify(&header, BODY, T0 + TOLERANCE),
        Ok(T0),
        "signed exactly {TOLERANCE} s before now: the edge is inclusive"
    );
    expect_eq!(
        verifier().verify(&header, BODY, T0 + TOLERANCE + 1),
        Err(SignatureError::TimestampOutsideTolerance),
        "signed {} s before now, tolerance {TOLERANCE} s",
        TOLERANCE + 1
    );
    expect_eq!(
        verifier().verify(&header, BODY, T0 + 3600),
        Err(SignatureError::TimestampOutsideTolerance),
        "a genuine delivery replayed an hour later"
    );
}

/// A timestamp exactly the tolerance in the future is accepted; one second more is refused.
/// Rules: tolerance-inclusive, tolerance-both-directions.
#[test]
fn tolerance_edge_in_the_future() {
    let header = sign_header(&[SECRET], T0, BODY);
    expect_eq!(
        verifier().verify(&header, BODY, T0 - TOLERANCE),
        Ok(T0),
        "signed exactly {TOLERANCE} s after now: the edge is inclusive"
    );
    expect_eq!(
        verifier().verify(&header, BODY, T0 - TOLERANCE - 1),
        Err(SignatureError::TimestampOutsideTolerance),
        "signed {} s in the future, tolerance {TOLERANCE} s",
        TOLERANCE + 1
    );
}

/// A tolerance of zero accepts only the very second of signing.
/// Rules: tolerance-inclusive.
#[test]
fn zero_tolerance() {
    let strict = Verifier::new(&[SECRET], 0);
    let header = sign_header(&[SECRET], T0, BODY);
    expect_eq!(strict.verify(&header, BODY, T0), Ok(T0), "same second, tolerance 0");
    expect_eq!(strict.verify(&header, BODY, T0 + 1), Err(SignatureError::TimestampOutsideTolerance));
}

/// Outside the window, a forged signature is reported as `TimestampOutsideTolerance`: time is checked first.
/// Rules: timestamp-before-signature.
#[test]
fn timestamp_is_checked_before_the_signature() {
    let forged = sign_header(&["whsec_guessed"], T0, BODY);
    expect_eq!(
        verifier().verify(&forged, BODY, T0 + 3600),
        Err(SignatureError::TimestampOutsideTolerance),
        "an hour-old header with a wrong signature: the timestamp is checked before any signature"
    );
}

/// A malformed header is reported as malformed even when its timestamp is also stale: parsing comes first.
/// Rules: parse-before-timestamp.
#[test]
fn header_is_parsed_before_the_timestamp_is_checked() {
    let good = sig(SECRET);
    let cases = [
        (format!("t={T0},v1=abc"), SignatureError::InvalidSignature, "whose v1 is 3 characters"),
        (format!("t={T0}"), SignatureError::MissingSignature, "with no v1 part at all"),
        (format!("t={T0},v0={good}"), SignatureError::MissingSignature, "with only a v0 part"),
        (format!("t={T0},junk,v1={good}"), SignatureError::Malformed, "with a part that has no `=`"),
        (format!("t={T0},t={T0},v1={good}"), SignatureError::DuplicateTimestamp, "with two t parts"),
    ];
    for (header, expected, why) in cases {
        expect_eq!(
            verifier().verify(&header, BODY, T0 + 3600),
            Err(expected),
            "an hour-old header {why} ({header:?}): the whole header is parsed before the time is checked"
        );
    }
}

/// The window check cannot overflow: a `t` of u64::MAX is outside it, and a tolerance of u64::MAX accepts any time.
/// Rules: tolerance-never-overflows.
#[test]
fn tolerance_check_never_overflows() {
    let good = sig(SECRET);
    let far = format!("t={},v1={good}", u64::MAX);
    expect_eq!(
        verifier().verify(&far, BODY, T0),
        Err(SignatureError::TimestampOutsideTolerance),
        "t = u64::MAX is a valid timestamp, far in the future: expected TimestampOutsideTolerance (use now.abs_diff(t), `t + tolerance` overflows)"
    );
    let zero = format!("t=0,v1={good}");
    expect_eq!(
        verifier().verify(&zero, BODY, T0),
        Err(SignatureError::TimestampOutsideTolerance),
        "t = 0 is 1970, far in the past: expected TimestampOutsideTolerance"
    );
    let forever = Verifier::new(&[SECRET], u64::MAX);
    let header = sign_header(&[SECRET], T0, BODY);
    for now in [0, T0 - 86_400, T0 + 86_400, u64::MAX] {
        expect_eq!(
            forever.verify(&header, BODY, now),
            Ok(T0),
            "a tolerance of u64::MAX accepts a header signed at T0 when now is {now} (`now - tolerance` underflows)"
        );
    }
}

/// `Verifier::new` with no secrets panics.
/// Rules: verifier-needs-secrets.
#[test]
#[should_panic]
fn verifier_without_secrets_panics() {
    let none: [&str; 0] = [];
    Verifier::new(&none, TOLERANCE);
}

/// `Verifier::new` with an empty secret among good ones panics.
/// Rules: verifier-needs-secrets.
#[test]
#[should_panic]
fn verifier_with_an_empty_secret_panics() {
    Verifier::new(&[SECRET, ""], TOLERANCE);
}
