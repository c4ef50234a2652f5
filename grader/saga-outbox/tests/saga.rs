//! Hidden tests for the saga itself: step order, compensation in reverse
//! order, and which errors are retried how often.

mod common;

use expect::expect_eq;
use common::{Answer, Services, calls, orchestrator, order, progress, state};
use saga_outbox::{MAX_ATTEMPTS, SagaError, SagaOutcome, SagaStatus, StepError};

fn cancelled(reason: &str) -> SagaOutcome {
    SagaOutcome::Cancelled {
        reason: reason.to_string(),
    }
}

/// When every service agrees, the saga reserves, charges and schedules, once each and in that order, and completes.
/// Rules: steps-in-order, completed-outcome, state-reported.
#[test]
fn happy_path_runs_each_step_once_in_order() {
    let services = Services::new();
    let mut saga = orchestrator(&services);

    let outcome = saga.place_order(order("A-1")).unwrap();

    expect_eq!(
        outcome,
        SagaOutcome::Completed,
        "every step succeeded, so the saga should complete"
    );
    expect_eq!(
        services.calls(),
        calls(&["reserve A-1", "charge A-1", "schedule A-1"]),
        "expected exactly these calls, in this order"
    );
    let stored = state(&saga, "A-1");
    expect_eq!(
        stored.order,
        order("A-1"),
        "state() should return the order as it was placed"
    );
    expect_eq!(
        (stored.status, stored.steps_done, stored.reason),
        (SagaStatus::Completed, 3, None),
        "a completed saga is stored as Completed with 3 steps done and no reason"
    );
    assert!(
        saga.state("nobody").unwrap().is_none(),
        "state() of an unknown order id should be None"
    );
}

/// Out of stock at the first step: nothing was done, so nothing is compensated, and the saga is cancelled with that reason.
/// Rules: failed-step-not-compensated, cancelled-outcome, state-reported.
#[test]
fn first_step_rejected_compensates_nothing() {
    let services = Services::new();
    services.answer("reserve", &[Answer::Rejected("out of stock")]);
    let mut saga = orchestrator(&services);

    let outcome = saga.place_order(order("A-1")).unwrap();

    expect_eq!(outcome, cancelled("out of stock"));
    expect_eq!(
        services.calls(),
        calls(&["reserve A-1"]),
        "the failed reservation must not be released, and no later step may run"
    );
    let stored = state(&saga, "A-1");
    expect_eq!(
        (stored.status, stored.steps_done, stored.reason.as_deref()),
        (SagaStatus::Cancelled, 0, Some("out of stock")),
        "a cancelled saga is stored as Cancelled, 0 steps done, with the failed step's message as reason"
    );
}

/// A declined card releases the reservation, and does not refund the charge that failed.
/// Rules: failed-step-not-compensated, compensate-in-reverse, cancelled-outcome.
#[test]
fn declined_charge_releases_the_reservation() {
    let services = Services::new();
    services.answer("charge", &[Answer::Rejected("card declined")]);
    let mut saga = orchestrator(&services);

    expect_eq!(
        saga.place_order(order("A-1")).unwrap(),
        cancelled("card declined")
    );
    expect_eq!(
        services.calls(),
        calls(&["reserve A-1", "charge A-1", "release A-1"])
    );
}

/// When shipping fails, the charge is refunded first and the reservation released after it: newest step first.
/// Rules: compensate-in-reverse, failed-step-not-compensated, cancelled-outcome.
#[test]
fn failed_shipping_refunds_then_releases() {
    let services = Services::new();
    services.answer("schedule", &[Answer::Rejected("address not served")]);
    let mut saga = orchestrator(&services);

    expect_eq!(
        saga.place_order(order("A-1")).unwrap(),
        cancelled("address not served")
    );
    expect_eq!(
        services.calls(),
        calls(&[
            "reserve A-1",
            "charge A-1",
            "schedule A-1",
            "refund A-1",
            "release A-1"
        ]),
        "compensations run newest first: refund, then release"
    );
}

/// A transient error is retried: two timeouts and then a success make three charge calls and a completed saga.
/// Rules: transient-retried, steps-in-order.
#[test]
fn transient_errors_are_retried_until_success() {
    let services = Services::new();
    services.answer(
        "charge",
        &[Answer::Transient("timeout"), Answer::Transient("timeout")],
    );
    let mut saga = orchestrator(&services);

    expect_eq!(
        saga.place_order(order("A-1")).unwrap(),
        SagaOutcome::Completed
    );
    expect_eq!(
        services.calls(),
        calls(&[
            "reserve A-1",
            "charge A-1",
            "charge A-1",
            "charge A-1",
            "schedule A-1"
        ]),
        "two transient failures then a success: charge is called three times"
    );
}

/// A step still failing transiently after MAX_ATTEMPTS (3) calls counts as failed: the saga compensates, with the last error's message as reason.
/// Rules: attempts-limit, transient-exhausted-fails-step, reason-is-message.
#[test]
fn transient_errors_give_up_after_three_attempts() {
    expect_eq!(
        MAX_ATTEMPTS, 3,
        "MAX_ATTEMPTS is given as 3; leave it as it is"
    );
    let services = Services::new();
    let timeouts = [
        Answer::Transient("timeout 1"),
        Answer::Transient("timeout 2"),
        Answer::Transient("timeout 3"),
    ];
    services
        .answer("charge", &timeouts)
        .answer("charge", &[Answer::Ok]);
    let mut saga = orchestrator(&services);

    let outcome = saga.place_order(order("A-1")).unwrap();

    expect_eq!(
        services.calls(),
        calls(&[
            "reserve A-1",
            "charge A-1",
            "charge A-1",
            "charge A-1",
            "release A-1"
        ]),
        "three attempts in all (not a fourth), then the reservation is released"
    );
    expect_eq!(
        outcome,
        cancelled("timeout 3"),
        "the reason is the message of the last attempt's error"
    );
}

/// A rejection after a timeout is still final: the second call's Rejected ends the step, with no third call.
/// Rules: rejected-not-retried, reason-is-message.
#[test]
fn a_rejection_after_a_timeout_is_not_retried() {
    let services = Services::new();
    services.answer(
        "charge",
        &[
            Answer::Transient("timeout"),
            Answer::Rejected("card declined"),
            Answer::Ok,
        ],
    );
    let mut saga = orchestrator(&services);

    let outcome = saga.place_order(order("A-1")).unwrap();

    expect_eq!(
        services.calls(),
        calls(&["reserve A-1", "charge A-1", "charge A-1", "release A-1"]),
        "each error decides on its own: the timeout is retried, the rejection that follows is not"
    );
    expect_eq!(outcome, cancelled("card declined"));
}

/// A business rejection is final: the step is not called again, even though the service would now accept.
/// Rules: rejected-not-retried.
#[test]
fn rejections_are_not_retried() {
    let services = Services::new();
    services.answer("reserve", &[Answer::Rejected("out of stock"), Answer::Ok]);
    let mut saga = orchestrator(&services);

    expect_eq!(
        saga.place_order(order("A-1")).unwrap(),
        cancelled("out of stock")
    );
    expect_eq!(
        services.calls(),
        calls(&["reserve A-1"]),
        "a Rejected error must not be retried"
    );
}

/// The attempt count starts again for every call: two timeouts on reserve and two on charge still complete the saga.
/// Rules: attempts-limit, transient-retried.
#[test]
fn attempts_are_counted_per_call() {
    let services = Services::new();
    let two_timeouts = [Answer::Transient("timeout"), Answer::Transient("timeout")];
    services
        .answer("reserve", &two_timeouts)
        .answer("charge", &two_timeouts)
        .answer("schedule", &two_timeouts);
    let mut saga = orchestrator(&services);

    expect_eq!(
        saga.place_order(order("A-1")).unwrap(),
        SagaOutcome::Completed,
        "each call gets its own 3 attempts, so 2 timeouts per step still succeed"
    );
    expect_eq!(
        services.calls().len(),
        9,
        "expected 3 calls per step, 9 in all, got {:?}",
        services.calls()
    );
}

/// A step that ran out of attempts does not use up the compensation's: the release after it gets its own 3 attempts.
/// Rules: attempts-limit, compensation-retried.
#[test]
fn compensation_after_an_exhausted_step_gets_its_own_attempts() {
    let services = Services::new();
    services
        .answer("charge", &[Answer::Transient("timeout"); 3])
        .answer(
            "release",
            &[
                Answer::Transient("inventory busy"),
                Answer::Transient("inventory busy"),
            ],
        );
    let mut saga = orchestrator(&services);

    let outcome = saga.place_order(order("A-1"));

    expect_eq!(
        services.calls(),
        calls(&[
            "reserve A-1",
            "charge A-1",
            "charge A-1",
            "charge A-1",
            "release A-1",
            "release A-1",
            "release A-1",
        ]),
        "the count starts again for the release: two timeouts, then a third, successful, call"
    );
    expect_eq!(
        outcome.unwrap(),
        cancelled("timeout"),
        "the release succeeded on its third attempt, so the saga is cancelled"
    );
}

/// Compensations are retried on transient errors like steps are: a refund that times out twice is called three times.
/// Rules: compensation-retried, compensate-in-reverse.
#[test]
fn compensations_are_retried() {
    let services = Services::new();
    services.answer("schedule", &[Answer::Rejected("no courier")]);
    services.answer(
        "refund",
        &[
            Answer::Transient("bank timeout"),
            Answer::Transient("bank timeout"),
        ],
    );
    let mut saga = orchestrator(&services);

    expect_eq!(
        saga.place_order(order("A-1")).unwrap(),
        cancelled("no courier")
    );
    expect_eq!(
        services.calls(),
        calls(&[
            "reserve A-1",
            "charge A-1",
            "schedule A-1",
            "refund A-1",
            "refund A-1",
            "refund A-1",
            "release A-1",
        ])
    );
}

/// A compensation that still fails after 3 attempts stops the saga: the older step is not compensated out of order, the saga stays Compensating, and place_order reports CompensationFailed.
/// Rules: stuck-compensation-stops, attempts-limit, state-reported.
#[test]
fn stuck_compensation_stops_and_reports() {
    let services = Services::new();
    services.answer("schedule", &[Answer::Rejected("no courier")]);
    services.answer(
        "refund",
        &[
            Answer::Transient("bank down 1"),
            Answer::Transient("bank down 2"),
            Answer::Transient("bank down 3"),
        ],
    );
    let mut saga = orchestrator(&services);

    let result = saga.place_order(order("A-1"));

    match result {
        Err(SagaError::CompensationFailed { order_id, error }) => {
            expect_eq!(order_id, "A-1");
            expect_eq!(
                error,
                StepError::Transient("bank down 3".to_string()),
                "the error is the last (third) attempt's"
            );
        }
        other => panic!("expected Err(CompensationFailed), got {other:?}"),
    }
    expect_eq!(
        services.calls(),
        calls(&[
            "reserve A-1",
            "charge A-1",
            "schedule A-1",
            "refund A-1",
            "refund A-1",
            "refund A-1"
        ]),
        "three refund attempts and then stop: releasing before the refund succeeded would undo out of order"
    );
    let stored = state(&saga, "A-1");
    expect_eq!(
        (stored.status, stored.steps_done, stored.reason.as_deref()),
        (SagaStatus::Compensating, 2, Some("no courier")),
        "the saga stays Compensating with both steps still to undo"
    );
}

/// A compensation rejected by its service is not retried either: one release call, then CompensationFailed.
/// Rules: rejected-not-retried, stuck-compensation-stops.
#[test]
fn rejected_compensation_is_not_retried() {
    let services = Services::new();
    services.answer("charge", &[Answer::Rejected("card declined")]);
    services.answer(
        "release",
        &[Answer::Rejected("reservation locked"), Answer::Ok],
    );
    let mut saga = orchestrator(&services);

    let result = saga.place_order(order("A-1"));

    assert!(
        matches!(
            &result,
            Err(SagaError::CompensationFailed {
                error: StepError::Rejected(_),
                ..
            })
        ),
        "expected Err(CompensationFailed) with the Rejected error, got {result:?}"
    );
    expect_eq!(
        services.calls(),
        calls(&["reserve A-1", "charge A-1", "release A-1"])
    );
    expect_eq!(progress(&saga, "A-1"), (SagaStatus::Compensating, 1));
}

/// Each order gets its own saga: a failure of one order does not affect the next one.
/// Rules: steps-in-order, compensate-in-reverse.
#[test]
fn sagas_of_different_orders_are_independent() {
    let services = Services::new();
    services.answer("charge", &[Answer::Rejected("card declined")]);
    let mut saga = orchestrator(&services);

    expect_eq!(
        saga.place_order(order("A-1")).unwrap(),
        cancelled("card declined")
    );
    expect_eq!(
        saga.place_order(order("B-2")).unwrap(),
        SagaOutcome::Completed
    );
    expect_eq!(
        services.calls(),
        calls(&[
            "reserve A-1",
            "charge A-1",
            "release A-1",
            "reserve B-2",
            "charge B-2",
            "schedule B-2"
        ])
    );
    expect_eq!(progress(&saga, "A-1"), (SagaStatus::Cancelled, 0));
    expect_eq!(progress(&saga, "B-2"), (SagaStatus::Completed, 3));
}
