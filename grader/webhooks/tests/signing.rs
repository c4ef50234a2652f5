//! Part 1: the signature and the `Webhook-Signature` header. The expected
//! values were computed independently, with Python's `hmac` module.

mod common;

use expect::expect_eq;
use common::{BODY, NEW_SECRET, SECRET, T0};
use webhooks::{sign_header, signature_hex};

const SIG_SECRET: &str = "54968a799fa4843e627df0ea4ffda1878c3b4224f89113d4236ecaee45c49637";
const SIG_NEW_SECRET: &str = "ac61d0b0e9211ecf5b452a7a0a8f8dc18f3d4898ffbff8fdc3f6211fae3bca2d";

/// The signature is the HMAC-SHA256 of "timestamp.body" under the secret, as lowercase hex.
/// Rules: signature-hmac-sha256, signature-lowercase-hex.
#[test]
fn signature_matches_known_values() {
    expect_eq!(
        signature_hex(SECRET.as_bytes(), T0, BODY),
        SIG_SECRET,
        "HMAC-SHA256(\"{SECRET}\", \"{T0}.<body>\") as lowercase hex"
    );
    expect_eq!(
        signature_hex(b"k", 0, b""),
        "6b4a4b8b3c40f1e8f53a3d36682e5f99f7ad2ac1df1c93dfe336f329167641e7",
        "HMAC-SHA256(\"k\", \"0.\"): timestamp 0 and an empty body still sign \"0.\""
    );
}

/// One byte more in the body (a trailing space) gives a different signature: the body is signed as given.
/// Rules: signature-hmac-sha256.
#[test]
fn body_is_signed_byte_for_byte() {
    let mut spaced = BODY.to_vec();
    spaced.push(b' ');
    expect_eq!(
        signature_hex(SECRET.as_bytes(), T0, &spaced),
        "ee0fffda6a3cfd2bc2137b0fe1b200afd47d64d804cea824399b1ea919485f66",
        "the body with a trailing space must be signed with its trailing space"
    );
}

/// With one secret, the header is `t=<timestamp>,v1=<signature>` and nothing else.
/// Rules: header-shape.
#[test]
fn header_with_one_secret() {
    expect_eq!(
        sign_header(&[SECRET], T0, BODY),
        format!("t={T0},v1={SIG_SECRET}"),
        "expected `t=<timestamp>,v1=<signature>`, no spaces"
    );
}

/// With two secrets, the header carries one `v1` per secret, in the order given.
/// Rules: header-v1-per-secret, header-shape.
#[test]
fn header_with_two_secrets_in_order() {
    expect_eq!(
        sign_header(&[SECRET, NEW_SECRET], T0, BODY),
        format!("t={T0},v1={SIG_SECRET},v1={SIG_NEW_SECRET}"),
        "expected the old secret's v1 first, then the new one's"
    );
    expect_eq!(
        sign_header(&[NEW_SECRET, SECRET], T0, BODY),
        format!("t={T0},v1={SIG_NEW_SECRET},v1={SIG_SECRET}"),
        "the v1 values follow the order of the secrets given"
    );
}

/// Secrets given as byte strings sign exactly like the same text.
/// Rules: header-shape.
#[test]
fn byte_secrets_work_too() {
    let secrets: [&[u8]; 1] = [SECRET.as_bytes()];
    expect_eq!(sign_header(&secrets, T0, BODY), format!("t={T0},v1={SIG_SECRET}"));
}

/// `sign_header` with no secret at all panics instead of sending an unsigned header.
/// Rules: sign-header-needs-a-secret.
#[test]
#[should_panic]
fn sign_header_without_secrets_panics() {
    let none: [&str; 0] = [];
    sign_header(&none, T0, BODY);
}
