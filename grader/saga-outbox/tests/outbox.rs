//! Hidden tests for the transactional outbox: which events a saga writes, and
//! that each state change and its event commit together. A test makes one of
//! the two writes fail with an SQLite trigger and checks the other one did not
//! stay behind.

mod common;

use expect::expect_eq;
use common::{
    Answer, Services, calls, drop_triggers, events, fail_event, fail_status, orchestrator, order,
    outbox, progress,
};
use saga_outbox::{
    ORDER_CANCELLED, ORDER_CONFIRMED, ORDER_PLACED, SagaError, SagaOutcome, SagaStatus,
};

fn strings(list: &[&str]) -> Vec<String> {
    calls(list)
}

/// A completed saga writes exactly two events, order.placed then order.confirmed, with the order id as payload, unpublished.
/// Rules: placed-event, confirmed-event, no-other-events.
#[test]
fn completed_saga_writes_placed_then_confirmed() {
    expect_eq!(
        (ORDER_PLACED, ORDER_CONFIRMED, ORDER_CANCELLED),
        ("order.placed", "order.confirmed", "order.cancelled")
    );
    let services = Services::new();
    let mut saga = orchestrator(&services);
    saga.place_order(order("A-1")).unwrap();

    expect_eq!(
        events(saga.connection()),
        strings(&["order.placed A-1", "order.confirmed A-1"]),
        "expected these outbox rows (topic payload), oldest first"
    );
    assert!(
        outbox(saga.connection())
            .iter()
            .all(|(_, _, _, published)| !published),
        "the orchestrator only writes events; publishing them is the relay's job"
    );
}

/// A cancelled saga writes order.placed then order.cancelled, and a saga stuck compensating writes nothing after order.placed.
/// Rules: placed-event, cancelled-event, no-other-events.
#[test]
fn cancelled_saga_writes_placed_then_cancelled() {
    let services = Services::new();
    services.answer(
        "schedule",
        &[
            Answer::Rejected("no courier"),
            Answer::Rejected("no courier"),
        ],
    );
    let mut saga = orchestrator(&services);
    saga.place_order(order("A-1")).unwrap();
    services.answer("release", &[Answer::Transient("down"); 3]);
    assert!(
        saga.place_order(order("B-2")).is_err(),
        "B-2's release fails three times, so its saga is stuck"
    );

    expect_eq!(
        events(saga.connection()),
        strings(&[
            "order.placed A-1",
            "order.cancelled A-1",
            "order.placed B-2"
        ]),
        "a saga that is still compensating has not been cancelled yet"
    );
}

/// If the order.placed event cannot be written, the saga row is not written either, no service is called, and place_order returns a Store error.
/// Rules: start-atomic.
#[test]
fn failed_placed_event_leaves_no_saga() {
    let services = Services::new();
    let mut saga = orchestrator(&services);
    fail_event(saga.connection(), ORDER_PLACED);

    let result = saga.place_order(order("A-1"));

    assert!(
        matches!(result, Err(SagaError::Store(_))),
        "expected Err(SagaError::Store(..)), got {result:?}"
    );
    assert!(
        saga.state("A-1").unwrap().is_none(),
        "the saga row must be rolled back with its failed event"
    );
    assert!(
        services.calls().is_empty(),
        "no service may be called for a saga that was never stored"
    );
    assert!(
        saga.resume().unwrap().is_empty(),
        "there is nothing to resume"
    );
}

/// If the saga row cannot be written, no order.placed event is left in the outbox.
/// Rules: start-atomic.
#[test]
fn failed_saga_insert_leaves_no_event() {
    let services = Services::new();
    let mut saga = orchestrator(&services);
    fail_status(saga.connection(), "running");

    assert!(matches!(
        saga.place_order(order("A-1")),
        Err(SagaError::Store(_))
    ));
    assert!(
        events(saga.connection()).is_empty(),
        "the event must be rolled back with the failed saga row"
    );
    assert!(services.calls().is_empty());
}

/// If the order.confirmed event cannot be written, the saga is not stored as Completed; once the outbox works again, resume completes it with one event.
/// Rules: completion-atomic, confirmed-event.
#[test]
fn failed_confirmed_event_keeps_the_saga_unfinished() {
    let services = Services::new();
    let mut saga = orchestrator(&services);
    fail_event(saga.connection(), ORDER_CONFIRMED);

    let result = saga.place_order(order("A-1"));

    assert!(
        matches!(result, Err(SagaError::Store(_))),
        "expected Err(SagaError::Store(..)), got {result:?}"
    );
    expect_eq!(
        progress(&saga, "A-1").0,
        SagaStatus::Running,
        "the Completed status must be rolled back with its failed event"
    );
    drop_triggers(saga.connection());
    let resumed = saga.resume().unwrap();
    expect_eq!(resumed[0].result.as_ref().unwrap(), &SagaOutcome::Completed);
    expect_eq!(
        events(saga.connection()),
        strings(&["order.placed A-1", "order.confirmed A-1"])
    );
}

/// If the Completed status cannot be written, no order.confirmed event is left in the outbox.
/// Rules: completion-atomic.
#[test]
fn failed_completed_status_leaves_no_event() {
    let services = Services::new();
    let mut saga = orchestrator(&services);
    fail_status(saga.connection(), "completed");

    assert!(matches!(
        saga.place_order(order("A-1")),
        Err(SagaError::Store(_))
    ));
    expect_eq!(
        events(saga.connection()),
        strings(&["order.placed A-1"]),
        "order.confirmed must be rolled back with the failed status write"
    );
}

/// If the order.cancelled event cannot be written, the saga is not stored as Cancelled but its finished compensations are; resume later cancels it with one event and calls no service again.
/// Rules: cancellation-atomic, cancelled-event, compensation-progress-persisted.
#[test]
fn failed_cancelled_event_keeps_the_saga_unfinished() {
    let services = Services::new();
    services.answer("charge", &[Answer::Rejected("card declined")]);
    let mut saga = orchestrator(&services);
    fail_event(saga.connection(), ORDER_CANCELLED);

    assert!(matches!(
        saga.place_order(order("A-1")),
        Err(SagaError::Store(_))
    ));
    expect_eq!(
        progress(&saga, "A-1"),
        (SagaStatus::Compensating, 0),
        "the Cancelled status must be rolled back with its failed event, \
         but the release succeeded, and steps_done = 0 is stored on its own before it"
    );
    drop_triggers(saga.connection());
    services.forget_calls();
    let resumed = saga.resume().unwrap();
    assert!(
        services.calls().is_empty(),
        "the release was stored as done, so resume only writes 'cancelled', got {:?}",
        services.calls()
    );
    expect_eq!(
        resumed[0].result.as_ref().unwrap(),
        &SagaOutcome::Cancelled {
            reason: "card declined".to_string()
        }
    );
    expect_eq!(
        events(saga.connection()),
        strings(&["order.placed A-1", "order.cancelled A-1"])
    );
}

/// If the Cancelled status cannot be written, no order.cancelled event is left in the outbox.
/// Rules: cancellation-atomic.
#[test]
fn failed_cancelled_status_leaves_no_event() {
    let services = Services::new();
    services.answer("reserve", &[Answer::Rejected("out of stock")]);
    let mut saga = orchestrator(&services);
    fail_status(saga.connection(), "cancelled");

    assert!(matches!(
        saga.place_order(order("A-1")),
        Err(SagaError::Store(_))
    ));
    expect_eq!(events(saga.connection()), strings(&["order.placed A-1"]));
}
