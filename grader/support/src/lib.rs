//! The support crate of the hidden tests of server exercises.
//!
//! A hidden test reads as a short scenario:
//!
//! ```text
//! let server = server_check::start!();
//! let api = server.client();
//! api.post("/api/v1/users").json(&json!({"email": email, "password": pw}))
//!     .send()
//!     .status(201)
//!     .body_has(&json!({"data": {"email": email}}));
//! ```
//!
//! - [`Server`] starts the learner's program on a free port with `PORT` and `DATABASE_URL`
//!   (a file in a folder of its own), waits until it accepts connections, and stops, kills or
//!   restarts it; its standard output and error are kept (the last lines) and shown when a
//!   test fails.
//! - [`Client`] sends requests; every [`Reply`] check that fails panics with a card: the
//!   request as a `curl` command, expected and actual status, the JSON fields that differ,
//!   the response, and the seed of the run.
//! - [`inputs`] makes the random emails, titles and dates of a run from one seed, printed on
//!   failure (`WORKBOOK_SEED=<seed>` repeats it), so a hard-coded answer cannot pass.

mod card;
mod check;
mod context;
pub mod inputs;
mod output;
mod ports;
pub mod provider;
pub mod raw;
mod reply;
mod request;
mod server;

pub use check::{expect_eq, expect_json, fail};
pub use context::during;
pub use expect::{Difference, differences};
// The hidden tests build and compare JSON with these, whatever the learner's crate declares.
pub use reply::Reply;
pub use request::{Call, Client};
#[cfg(feature = "sqlite")]
pub use rusqlite;
pub use serde_json::{self, Value, json};
pub use server::{Launch, Server};

/// Starts the exercise's program with the default settings.
///
/// A macro because the binary's path is known only where the hidden test is compiled: the
/// program is the binary named after the package the tests belong to (the grader's harness
/// names it so; a crate that holds the program and the tests, as for mutation testing, gets
/// that name by default), and cargo tells its tests where it is in `CARGO_BIN_EXE_<name>`.
/// Each exercise's program thus has a path of its own in the shared target directory.
#[macro_export]
macro_rules! start {
    () => {
        $crate::configure!().start()
    };
}

/// A [`Launch`] of the exercise's program, to change its environment before starting it.
#[macro_export]
macro_rules! configure {
    () => {
        $crate::Server::configure(env!(concat!("CARGO_BIN_EXE_", env!("CARGO_PKG_NAME"))))
    };
}
