//! The web app's clock, for the review queue's "due" (`app::review`): the real time, unless
//! the environment variable `WORKBOOK_NOW` holds unix seconds. `WORKBOOK_NOW` is for tests
//! only (the integration tests start a server a few days "later" to see questions fall
//! due); a learner never sets it. It is read here and nowhere else.

/// Now, in unix seconds (UTC): `WORKBOOK_NOW` if set to a number, else the system clock.
pub fn now() -> i64 {
    std::env::var("WORKBOOK_NOW")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(crate::app::review::system_now)
}
