//! Hidden tests for `Config::from_lookup`: defaults, parsing, ranges, and one
//! error that lists every problem. The environment is a map the test passes
//! in; the process environment is never read or changed.

use std::collections::HashMap;
use std::time::Duration;

use service_ops::{Config, ConfigError, ConfigProblem, LogLevel};

const URL: &str = "postgres://app:hunter2@db:5432/orders";

/// Reads a config from exactly these variables.
fn read(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let env: HashMap<String, String> = vars
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    Config::from_lookup(|name| env.get(name).cloned())
}

/// Reads a config from a valid DATABASE_URL plus `name=value`.
fn read_with(name: &str, value: &str) -> Result<Config, ConfigError> {
    if name == "DATABASE_URL" {
        read(&[(name, value)])
    } else {
        read(&[("DATABASE_URL", URL), (name, value)])
    }
}

#[track_caller]
fn accepted(name: &str, value: &str) -> Config {
    read_with(name, value).unwrap_or_else(|err| {
        panic!("expected {name}={value:?} to be accepted, but from_lookup failed with: {err:?}")
    })
}

/// Asserts that `name=value` is refused with exactly one problem, Invalid, naming it.
#[track_caller]
fn refused(name: &str, value: &str) -> ConfigProblem {
    let err = match read_with(name, value) {
        Ok(config) => panic!("expected {name}={value:?} to be refused, but got {config:?}"),
        Err(err) => err,
    };
    assert_eq!(
        err.problems.len(),
        1,
        "expected exactly one problem (about {name}) for {name}={value:?}, got {:?}",
        err.problems
    );
    let problem = err.problems[0].clone();
    assert!(
        matches!(&problem, ConfigProblem::Invalid { name: n, .. } if *n == name),
        "expected an Invalid problem naming {name} for {name}={value:?}, got {problem:?}"
    );
    problem
}

/// Asserts that a refused non-secret value is repeated in the problem as found.
#[track_caller]
fn refused_showing_value(name: &str, value: &str) {
    match refused(name, value) {
        ConfigProblem::Invalid { value: shown, .. } => assert_eq!(
            shown.as_deref(),
            Some(value),
            "the problem for {name}={value:?} should carry the value as found, Some({value:?})"
        ),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

/// With only DATABASE_URL set, every other setting takes its documented default.
/// Rules: reads-through-lookup, port-default, deadline-default, log-level-default, database-url-kept.
#[test]
fn defaults_apply_when_only_the_database_url_is_set() {
    let config = read(&[("DATABASE_URL", URL)]).expect("only DATABASE_URL is required");
    assert_eq!(config.port, 8080, "PORT unset: expected the default port 8080");
    assert_eq!(
        config.shutdown_deadline,
        Duration::from_secs(30),
        "SHUTDOWN_DEADLINE_SECS unset: expected the default of 30 seconds"
    );
    assert_eq!(config.log_level, LogLevel::Info, "LOG_LEVEL unset: expected info");
    assert_eq!(
        config.database_url.expose(),
        URL,
        "the database URL should be kept exactly as given"
    );
}

/// Values that are set are parsed into their types: the port, the deadline in whole seconds, the level.
/// Rules: reads-through-lookup, port-parsed, deadline-in-seconds, log-level-parsed, database-url-kept.
#[test]
fn set_values_are_parsed_into_their_types() {
    let config = read(&[
        ("PORT", "3000"),
        ("DATABASE_URL", "postgresql://orders@db/orders"),
        ("SHUTDOWN_DEADLINE_SECS", "12"),
        ("LOG_LEVEL", "debug"),
    ])
    .expect("every value here is valid");
    assert_eq!(config.port, 3000, "PORT=3000 should give port 3000");
    assert_eq!(
        config.shutdown_deadline,
        Duration::from_secs(12),
        "SHUTDOWN_DEADLINE_SECS=12 means twelve seconds"
    );
    assert_eq!(config.log_level, LogLevel::Debug, "LOG_LEVEL=debug");
    assert_eq!(config.database_url.expose(), "postgresql://orders@db/orders");
}

/// Without DATABASE_URL the config is refused with a Missing problem naming it.
/// Rules: database-url-required.
#[test]
fn missing_database_url_is_reported_as_missing() {
    let err = read(&[("PORT", "3000")]).expect_err("DATABASE_URL is required");
    assert_eq!(
        err.problems,
        vec![ConfigProblem::Missing { name: "DATABASE_URL" }],
        "expected exactly one problem: DATABASE_URL missing"
    );
}

/// PORT accepts 1 and 65535 and refuses 0, 65536, negative numbers and words, repeating the value.
/// Rules: port-range, invalid-shows-value.
#[test]
fn port_must_be_a_number_from_1_to_65535() {
    assert_eq!(accepted("PORT", "1").port, 1, "PORT=1 is the lowest valid port");
    assert_eq!(accepted("PORT", "65535").port, 65535, "PORT=65535 is the highest valid port");
    for bad in ["0", "65536", "-1", "http", "80.5", "99999999999"] {
        refused_showing_value("PORT", bad);
    }
}

/// SHUTDOWN_DEADLINE_SECS accepts whole seconds from 1 to 300 and refuses 0, 301, fractions and units.
/// Rules: deadline-range, deadline-in-seconds, invalid-shows-value.
#[test]
fn shutdown_deadline_must_be_whole_seconds_from_1_to_300() {
    let shortest = accepted("SHUTDOWN_DEADLINE_SECS", "1");
    assert_eq!(shortest.shutdown_deadline, Duration::from_secs(1));
    let longest = accepted("SHUTDOWN_DEADLINE_SECS", "300");
    assert_eq!(longest.shutdown_deadline, Duration::from_secs(300));
    for bad in ["0", "301", "1.5", "30s", "-3", "soon"] {
        refused_showing_value("SHUTDOWN_DEADLINE_SECS", bad);
    }
}

/// LOG_LEVEL accepts the five level names in any letter case and refuses anything else.
/// Rules: log-level-parsed, log-level-any-case, invalid-shows-value.
#[test]
fn log_level_is_one_of_five_names_in_any_case() {
    let cases = [
        ("error", LogLevel::Error),
        ("warn", LogLevel::Warn),
        ("info", LogLevel::Info),
        ("debug", LogLevel::Debug),
        ("trace", LogLevel::Trace),
        ("WARN", LogLevel::Warn),
        ("Trace", LogLevel::Trace),
        ("dEbUg", LogLevel::Debug),
    ];
    for (raw, level) in cases {
        assert_eq!(accepted("LOG_LEVEL", raw).log_level, level, "LOG_LEVEL={raw:?}");
    }
    for bad in ["warning", "verbose", "info,axum=debug", "3"] {
        refused_showing_value("LOG_LEVEL", bad);
    }
}

/// DATABASE_URL must start with postgres:// or postgresql://, and a refused URL is never repeated.
/// Rules: database-url-scheme, database-url-not-shown.
#[test]
fn database_url_needs_a_postgres_scheme_and_is_never_shown() {
    accepted("DATABASE_URL", "postgres://db/orders");
    accepted("DATABASE_URL", "postgresql://db/orders");
    let secret_url = "mysql://app:hunter2@db/orders";
    match refused("DATABASE_URL", secret_url) {
        ConfigProblem::Invalid { value, .. } => assert_eq!(
            value, None,
            "the problem for a bad DATABASE_URL must carry value None: the URL holds the password"
        ),
        other => panic!("expected Invalid, got {other:?}"),
    }
    let err = read_with("DATABASE_URL", secret_url).unwrap_err();
    for shown in [format!("{err}"), format!("{err:?}")] {
        assert!(
            !shown.contains("hunter2"),
            "the error must not contain the database password, but it reads: {shown}"
        );
    }
    refused("DATABASE_URL", "db.internal:5432/orders");
}

/// Every bad variable is reported in one error, one problem each, in the order PORT, DATABASE_URL, SHUTDOWN_DEADLINE_SECS, LOG_LEVEL.
/// Rules: all-problems-reported, problems-in-order, database-url-required.
#[test]
fn every_problem_is_reported_at_once_in_order() {
    let err = read(&[
        ("LOG_LEVEL", "loud"),
        ("SHUTDOWN_DEADLINE_SECS", "0"),
        ("PORT", "0"),
    ])
    .expect_err("all four variables are wrong");
    let names: Vec<&str> = err.problems.iter().map(ConfigProblem::name).collect();
    assert_eq!(
        names,
        ["PORT", "DATABASE_URL", "SHUTDOWN_DEADLINE_SECS", "LOG_LEVEL"],
        "expected one problem per bad variable, in README order; got {:?}",
        err.problems
    );
    assert_eq!(
        err.problems[1],
        ConfigProblem::Missing { name: "DATABASE_URL" },
        "DATABASE_URL is unset, so its problem is Missing"
    );
    let valid_others = read(&[("PORT", "70000"), ("DATABASE_URL", URL), ("LOG_LEVEL", "info")])
        .expect_err("PORT is out of range");
    assert_eq!(
        valid_others.problems.len(),
        1,
        "only PORT is wrong here, so only PORT is reported: {:?}",
        valid_others.problems
    );
}

/// Two problems after valid variables are both reported, not just the first.
/// Rules: all-problems-reported, problems-in-order.
#[test]
fn problems_after_valid_variables_are_all_reported() {
    let err = read(&[
        ("PORT", "8081"),
        ("DATABASE_URL", URL),
        ("SHUTDOWN_DEADLINE_SECS", "forever"),
        ("LOG_LEVEL", "chatty"),
    ])
    .expect_err("two variables are wrong");
    let names: Vec<&str> = err.problems.iter().map(ConfigProblem::name).collect();
    assert_eq!(
        names,
        ["SHUTDOWN_DEADLINE_SECS", "LOG_LEVEL"],
        "expected both bad variables, in order; got {:?}",
        err.problems
    );
}

/// A variable set to the empty string counts as unset: defaults apply and a required one is missing.
/// Rules: empty-is-unset.
#[test]
fn an_empty_value_counts_as_unset() {
    let config = read(&[
        ("PORT", ""),
        ("DATABASE_URL", URL),
        ("SHUTDOWN_DEADLINE_SECS", ""),
        ("LOG_LEVEL", ""),
    ])
    .expect("empty values mean unset, so the defaults apply");
    assert_eq!(config.port, 8080, "PORT= (empty) should give the default 8080");
    assert_eq!(config.shutdown_deadline, Duration::from_secs(30));
    assert_eq!(config.log_level, LogLevel::Info);

    let err = read(&[("DATABASE_URL", "")]).expect_err("an empty DATABASE_URL is missing");
    assert_eq!(
        err.problems,
        vec![ConfigProblem::Missing { name: "DATABASE_URL" }],
        "DATABASE_URL= (empty) should be reported as Missing, not Invalid"
    );
}
