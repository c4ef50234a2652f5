//! Hidden tests for `Config::from_lookup`: defaults, parsing, ranges, and one
//! error that lists every problem. The environment is a map the test passes
//! in; the process environment is never read or changed.

use expect::expect_eq;
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
    expect_eq!(
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
        ConfigProblem::Invalid { value: shown, .. } => expect_eq!(
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
    expect_eq!(config.port, 8080, "PORT unset: expected the default port 8080");
    expect_eq!(
        config.shutdown_deadline,
        Duration::from_secs(30),
        "SHUTDOWN_DEADLINE_SECS unset: expected the default of 30 seconds"
    );
    expect_eq!(config.log_level, LogLevel::Info, "LOG_LEVEL unset: expected info");
    expect_eq!(
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
    expect_eq!(config.port, 3000, "PORT=3000 should give port 3000");
    expect_eq!(
        config.shutdown_deadline,
        Duration::from_secs(12),
        "SHUTDOWN_DEADLINE_SECS=12 means twelve seconds"
    );
    expect_eq!(config.log_level, LogLevel::Debug, "LOG_LEVEL=debug");
    expect_eq!(config.database_url.expose(), "postgresql://orders@db/orders");
}

/// Without DATABASE_URL the config is refused with a Missing problem naming it.
/// Rules: database-url-required.
#[test]
fn missing_database_url_is_reported_as_missing() {
    let err = read(&[("PORT", "3000")]).expect_err("DATABASE_URL is required");
    expect_eq!(
        err.problems,
        vec![ConfigProblem::Missing { name: "DATABASE_URL" }],
        "expected exactly one problem: DATABASE_URL missing"
    );
}

/// PORT accepts digits from 1 to 65535, leading zeros too, and refuses 0, 65536, negative numbers, decimals, exponents and words, repeating the value.
/// Rules: port-range, invalid-shows-value.
#[test]
fn port_must_be_a_number_from_1_to_65535() {
    expect_eq!(accepted("PORT", "1").port, 1, "PORT=1 is the lowest valid port");
    expect_eq!(accepted("PORT", "65535").port, 65535, "PORT=65535 is the highest valid port");
    expect_eq!(accepted("PORT", "0080").port, 80, "PORT=0080 is port 80: leading zeros are fine");
    for bad in ["0", "000", "65536", "-1", "http", "80.5", "80.0", "1e3", "0x50", "99999999999"] {
        refused_showing_value("PORT", bad);
    }
}

/// SHUTDOWN_DEADLINE_SECS accepts whole seconds from 1 to 300, leading zeros too, and refuses 0, 301, fractions, exponents and units.
/// Rules: deadline-range, deadline-in-seconds, invalid-shows-value.
#[test]
fn shutdown_deadline_must_be_whole_seconds_from_1_to_300() {
    let shortest = accepted("SHUTDOWN_DEADLINE_SECS", "1");
    expect_eq!(shortest.shutdown_deadline, Duration::from_secs(1));
    let longest = accepted("SHUTDOWN_DEADLINE_SECS", "300");
    expect_eq!(longest.shutdown_deadline, Duration::from_secs(300));
    let padded = accepted("SHUTDOWN_DEADLINE_SECS", "007");
    expect_eq!(padded.shutdown_deadline, Duration::from_secs(7), "007 is seven seconds");
    for bad in ["0", "301", "1.5", "30.0", "1e2", "30s", "-3", "soon"] {
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
        expect_eq!(accepted("LOG_LEVEL", raw).log_level, level, "LOG_LEVEL={raw:?}");
    }
    // Abbreviations are not level names, and a refused value is repeated as found, capitals and all.
    for bad in ["warning", "Warning", "LOUD", "verbose", "inf", "deb", "info,axum=debug", "3"] {
        refused_showing_value("LOG_LEVEL", bad);
    }
}

/// DATABASE_URL must start with postgres:// or postgresql://, and a refused URL is never repeated, with or without a password in it.
/// Rules: database-url-scheme, database-url-not-shown.
#[test]
fn database_url_needs_a_postgres_scheme_and_is_never_shown() {
    accepted("DATABASE_URL", "postgres://db/orders");
    accepted("DATABASE_URL", "postgresql://db/orders");
    let refused_urls = [
        "mysql://app:hunter2@db/orders",
        "db.internal:5432/orders",
        "jdbc:postgresql://app:hunter2@db/orders",
        "postgres:/db.internal/orders",
        "postgresx://db.internal/orders",
        "http://db.internal/orders",
    ];
    for url in refused_urls {
        match refused("DATABASE_URL", url) {
            ConfigProblem::Invalid { value, .. } => expect_eq!(
                value, None,
                "the problem for DATABASE_URL={url:?} must carry value None: a database URL \
                 usually holds the password, so it is never repeated, whatever it looks like"
            ),
            other => panic!("expected Invalid, got {other:?}"),
        }
        let err = read_with("DATABASE_URL", url).unwrap_err();
        for shown in [format!("{err}"), format!("{err:?}")] {
            assert!(
                !shown.contains("hunter2") && !shown.contains(url),
                "the error must not contain the database URL {url:?} nor its password, but it reads: {shown}"
            );
        }
    }
}

/// A valid DATABASE_URL is kept exactly as given, capitals included: a password is case-sensitive.
/// Rules: database-url-kept.
#[test]
fn database_url_is_kept_exactly_as_given() {
    let url = "postgres://Orders_App:HunTer2-X@DB.internal:5432/Orders?sslmode=require";
    let config = accepted("DATABASE_URL", url);
    expect_eq!(
        config.database_url.expose(),
        url,
        "DATABASE_URL should be kept unchanged (not lower-cased, trimmed or rewritten)"
    );
}

/// Values are taken exactly as found, never trimmed: surrounding spaces are refused, and a value of only spaces is set, so it is refused too, not unset.
/// Rules: values-not-trimmed, invalid-shows-value, database-url-not-shown.
#[test]
fn values_are_not_trimmed() {
    for (name, bad) in [
        ("PORT", " 80"),
        ("PORT", "80 "),
        ("PORT", "   "),
        ("SHUTDOWN_DEADLINE_SECS", " 12"),
        ("SHUTDOWN_DEADLINE_SECS", "12\n"),
        ("SHUTDOWN_DEADLINE_SECS", " "),
        ("LOG_LEVEL", " info"),
        ("LOG_LEVEL", "debug "),
        ("LOG_LEVEL", "  "),
    ] {
        refused_showing_value(name, bad);
    }
    for bad in [" postgres://db/orders", "   "] {
        match refused("DATABASE_URL", bad) {
            ConfigProblem::Invalid { value: None, .. } => {}
            other => panic!(
                "DATABASE_URL={bad:?} is set (not trimmed, not unset) and wrong: expected \
                 Invalid with value None, got {other:?}"
            ),
        }
    }
}

/// from_lookup reads only through the lookup it is given, never the process environment, even for a variable the lookup does not have.
/// Rules: reads-through-lookup.
#[test]
fn the_process_environment_is_never_read() {
    // This test runs in a process of its own, and no code here reads the
    // environment on another thread, so changing it is sound. A correct
    // from_lookup never sees these values.
    unsafe {
        std::env::set_var("PORT", "1234");
        std::env::set_var("DATABASE_URL", "postgres://from-the-process-environment/orders");
        std::env::set_var("SHUTDOWN_DEADLINE_SECS", "7");
        std::env::set_var("LOG_LEVEL", "trace");
    }
    let config = read(&[("DATABASE_URL", URL)]).expect("only DATABASE_URL is needed");
    expect_eq!(
        (config.port, config.shutdown_deadline, config.log_level),
        (8080, Duration::from_secs(30), LogLevel::Info),
        "the lookup has no PORT, SHUTDOWN_DEADLINE_SECS or LOG_LEVEL, so the defaults apply; \
         the values found were the process environment's, which from_lookup must not read"
    );
    let config = read(&[("DATABASE_URL", URL), ("PORT", "3000"), ("LOG_LEVEL", "warn")])
        .expect("valid values");
    expect_eq!(
        (config.port, config.log_level),
        (3000, LogLevel::Warn),
        "the lookup's own values must be used, not the process environment's"
    );
    let err = read(&[]).expect_err("the lookup has no DATABASE_URL");
    expect_eq!(
        err.problems,
        vec![ConfigProblem::Missing { name: "DATABASE_URL" }],
        "the lookup has no DATABASE_URL, so it is Missing, whatever the process environment holds"
    );
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
    expect_eq!(
        names,
        ["PORT", "DATABASE_URL", "SHUTDOWN_DEADLINE_SECS", "LOG_LEVEL"],
        "expected one problem per bad variable, in README order; got {:?}",
        err.problems
    );
    expect_eq!(
        err.problems[1],
        ConfigProblem::Missing { name: "DATABASE_URL" },
        "DATABASE_URL is unset, so its problem is Missing"
    );
    let valid_others = read(&[("PORT", "70000"), ("DATABASE_URL", URL), ("LOG_LEVEL", "info")])
        .expect_err("PORT is out of range");
    expect_eq!(
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
    expect_eq!(
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
    expect_eq!(config.port, 8080, "PORT= (empty) should give the default 8080");
    expect_eq!(config.shutdown_deadline, Duration::from_secs(30));
    expect_eq!(config.log_level, LogLevel::Info);

    let err = read(&[("DATABASE_URL", "")]).expect_err("an empty DATABASE_URL is missing");
    expect_eq!(
        err.problems,
        vec![ConfigProblem::Missing { name: "DATABASE_URL" }],
        "DATABASE_URL= (empty) should be reported as Missing, not Invalid"
    );
}

/// Every Invalid problem carries a reason that says something (its wording is free).
/// Rules: reason-given.
#[test]
fn every_refused_value_comes_with_a_reason() {
    let err = read(&[
        ("PORT", "http"),
        ("DATABASE_URL", "mysql://db/orders"),
        ("SHUTDOWN_DEADLINE_SECS", "soon"),
        ("LOG_LEVEL", "loud"),
    ])
    .expect_err("all four variables are wrong");
    for problem in &err.problems {
        match problem {
            ConfigProblem::Invalid { name, reason, .. } => assert!(
                !reason.trim().is_empty(),
                "the problem for {name} has an empty reason; say what a valid value looks like \
                 (in your own words), so the operator can fix it"
            ),
            other => panic!("every variable here is set and wrong, so Invalid, got {other:?}"),
        }
    }
}
