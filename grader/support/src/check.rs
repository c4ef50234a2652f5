//! Checks that are not about one response (ids across several requests, the exit status of
//! the process, the database file), failing with the same labelled card as an HTTP check:
//! what was checked, expected, actual, and the run's seed.

use std::fmt::Debug;

use crate::card::Card;

/// Fails unless `actual == expected`; `what` says what was compared, in words.
#[track_caller]
pub fn expect_eq<T: Debug + PartialEq>(what: &str, expected: T, actual: T) {
    if actual != expected {
        fail(
            &format!("{what}: not the expected value."),
            &format!("{expected:?}"),
            &format!("{actual:?}"),
        );
    }
}

/// Fails unless the JSON values are equal, showing both as JSON.
#[track_caller]
pub fn expect_json(what: &str, expected: &serde_json::Value, actual: &serde_json::Value) {
    if actual != expected {
        fail(
            &format!("{what}: not the expected value."),
            &expected.to_string(),
            &actual.to_string(),
        );
    }
}

/// Fails with `headline`, a labelled expected and actual, and the seed.
#[track_caller]
pub fn fail(headline: &str, expected: &str, actual: &str) -> ! {
    Card::new(headline.to_string())
        .line("expected", expected)
        .line("actual", actual)
        .panic()
}
