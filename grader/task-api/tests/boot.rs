//! Stage 1: the program reads its configuration from the environment, refuses to start
//! without it, listens on PORT and answers a health check.

use std::time::Duration;

use server_check::{configure, fail, inputs, json, start};

/// How long a refusing server may take to exit.
const REFUSE_WITHIN: Duration = Duration::from_secs(5);

#[track_caller]
fn refuses(launch: server_check::Launch, setting: &str, variable: &str) {
    let mut server = launch.spawn();
    let stderr = server.expect_refusal(setting, REFUSE_WITHIN);
    if !stderr.contains(variable) {
        fail(
            &format!(
                "{setting}: the server exited as it should, but its standard error does not name {variable}, so whoever deploys it cannot tell what to fix."
            ),
            &format!("a message naming {variable}"),
            &format!("{:?}", stderr.trim()),
        );
    }
}

/// Started without PORT, the server prints a message naming PORT and exits with a non-zero
/// status.
/// Rules: config-required
#[test]
fn refuses_to_start_without_port() {
    refuses(configure!().without("PORT"), "started without PORT", "PORT");
}

/// Started without DATABASE_URL, the server names it and exits with a non-zero status.
/// Rules: config-required
#[test]
fn refuses_to_start_without_database_url() {
    refuses(
        configure!().without("DATABASE_URL"),
        "started without DATABASE_URL",
        "DATABASE_URL",
    );
}

/// A DATABASE_URL that is not `sqlite://` and an absolute path, or a PORT that is not a port
/// number from 1 to 65535, is refused the same way.
/// Rules: config-required
#[test]
fn refuses_unusable_settings() {
    let url = format!("postgres://db.example.test/{}", inputs::number(1, 999));
    refuses(
        configure!().env("DATABASE_URL", &url),
        &format!("started with DATABASE_URL={url}"),
        "DATABASE_URL",
    );
    refuses(
        configure!().env("DATABASE_URL", "sqlite://app.db"),
        "started with DATABASE_URL=sqlite://app.db (not an absolute path)",
        "DATABASE_URL",
    );
    refuses(configure!().env("PORT", "0"), "started with PORT=0", "PORT");
    refuses(
        configure!().env("PORT", "eighty"),
        "started with PORT=eighty",
        "PORT",
    );
}

/// The server listens on the port PORT names, and GET /health answers 200 with
/// {"status": "ok"} as JSON.
/// Rules: listens-on-port, health-ok
#[test]
fn listens_on_port_and_answers_health() {
    let server = start!();
    server
        .client()
        .get("/health")
        .send()
        .status(200)
        .body_has(&json!({"status": "ok"}));
}

/// A path that matches no route answers 404 in the error envelope, with code NOT_FOUND.
/// Rules: unknown-path-404, error-envelope
#[test]
fn unknown_path_is_a_404_in_the_envelope() {
    let server = start!();
    let path = format!(
        "/{}-{}",
        inputs::pick(&["reports", "admin", "v2"]),
        inputs::number(1, 9999)
    );
    server.client().get(&path).send().error(404, "NOT_FOUND");
}
