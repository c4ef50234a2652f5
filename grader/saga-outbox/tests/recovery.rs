//! Hidden tests for crash recovery: an orchestrator that dies mid-saga is
//! replaced by a new one on the same database, which resumes from the stored
//! state. A "crash" is a fake service that panics after recording its call.

mod common;

use common::{
    Answer, Services, calls, crash, orchestrator, orchestrator_on, order, progress, restart, state,
};
use rusqlite::Connection;
use saga_outbox::{Order, SagaError, SagaOutcome, SagaStatus};

/// A crash while charging leaves the saga Running with 1 step done; the next orchestrator resumes at the charge and does not reserve again.
/// Rules: progress-persisted, resume-continues-forward, state-reported.
#[test]
fn crash_during_charge_resumes_at_the_charge() {
    let services = Services::new();
    services.answer("charge", &[Answer::Crash]);
    let mut saga = orchestrator(&services);
    crash("charge", || saga.place_order(order("A-1")));

    assert_eq!(
        progress(&saga, "A-1"),
        (SagaStatus::Running, 1),
        "after the reservation, 1 step is stored as done"
    );
    let mut saga = restart(saga, &services);
    let resumed = saga.resume().unwrap();

    assert_eq!(resumed.len(), 1, "one saga was unfinished");
    assert_eq!(resumed[0].order_id, "A-1");
    assert_eq!(resumed[0].result.as_ref().unwrap(), &SagaOutcome::Completed);
    assert_eq!(
        services.calls(),
        calls(&["reserve A-1", "charge A-1", "charge A-1", "schedule A-1"]),
        "resume repeats only the interrupted charge (idempotent), never the finished reservation"
    );
}

/// The state survives in a database file: a crash while scheduling, a new connection to the same file, and resume finishes the saga.
/// Rules: progress-persisted, resume-continues-forward.
#[test]
fn state_survives_in_a_database_file() {
    let path = std::env::temp_dir().join(format!("saga-outbox-{}-file.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let services = Services::new();
    services.answer("schedule", &[Answer::Crash]);
    let mut saga = orchestrator_on(Connection::open(&path).unwrap(), &services);
    crash("schedule", || saga.place_order(order("A-1")));
    drop(saga);

    let mut saga = orchestrator_on(Connection::open(&path).unwrap(), &services);
    assert_eq!(
        progress(&saga, "A-1"),
        (SagaStatus::Running, 2),
        "two steps were stored as done before the crash"
    );
    let resumed = saga.resume().unwrap();

    assert_eq!(resumed.len(), 1);
    assert_eq!(resumed[0].result.as_ref().unwrap(), &SagaOutcome::Completed);
    assert_eq!(
        services.calls(),
        calls(&["reserve A-1", "charge A-1", "schedule A-1", "schedule A-1"]),
        "only the interrupted schedule call is repeated"
    );
    assert_eq!(progress(&saga, "A-1"), (SagaStatus::Completed, 3));
    drop(saga);
    let _ = std::fs::remove_file(&path);
}

/// A crash while refunding leaves the saga Compensating; resume refunds and releases, never retries shipping, and reports the stored reason.
/// Rules: compensating-persisted, resume-continues-compensation, reason-is-message.
#[test]
fn crash_during_refund_resumes_compensating() {
    let services = Services::new();
    services.answer("schedule", &[Answer::Rejected("no courier"), Answer::Ok]);
    services.answer("refund", &[Answer::Crash]);
    let mut saga = orchestrator(&services);
    crash("refund", || saga.place_order(order("A-1")));

    let stored = state(&saga, "A-1");
    assert_eq!(
        (stored.status, stored.steps_done, stored.reason.as_deref()),
        (SagaStatus::Compensating, 2, Some("no courier")),
        "the failure is stored before compensating starts"
    );
    let mut saga = restart(saga, &services);
    services.forget_calls();
    let resumed = saga.resume().unwrap();

    assert_eq!(
        resumed[0].result.as_ref().unwrap(),
        &SagaOutcome::Cancelled {
            reason: "no courier".to_string()
        },
        "the reason comes from the stored state"
    );
    assert_eq!(
        services.calls(),
        calls(&["refund A-1", "release A-1"]),
        "resume keeps compensating"
    );
}

/// A crash while releasing, after the refund succeeded, resumes with the release only: finished compensations are stored too.
/// Rules: compensation-progress-persisted, resume-continues-compensation.
#[test]
fn crash_during_release_does_not_refund_twice() {
    let services = Services::new();
    services.answer("schedule", &[Answer::Rejected("no courier")]);
    services.answer("release", &[Answer::Crash]);
    let mut saga = orchestrator(&services);
    crash("release", || saga.place_order(order("A-1")));

    assert_eq!(
        progress(&saga, "A-1"),
        (SagaStatus::Compensating, 1),
        "after the refund, 1 step is left to undo"
    );
    let mut saga = restart(saga, &services);
    services.forget_calls();
    saga.resume().unwrap();

    assert_eq!(
        services.calls(),
        calls(&["release A-1"]),
        "the refund already succeeded; only the release is left"
    );
    assert_eq!(progress(&saga, "A-1"), (SagaStatus::Cancelled, 0));
}

/// After a stuck compensation, a later resume tries it again and finishes the compensation.
/// Rules: stuck-compensation-stops, resume-continues-compensation.
#[test]
fn resume_retries_a_stuck_compensation() {
    let services = Services::new();
    services.answer("schedule", &[Answer::Rejected("no courier")]);
    services.answer("refund", &[Answer::Transient("bank down"); 3]);
    let mut saga = orchestrator(&services);
    assert!(saga.place_order(order("A-1")).is_err());
    services.forget_calls();

    let resumed = saga.resume().unwrap();

    assert_eq!(resumed.len(), 1);
    assert_eq!(
        resumed[0].result.as_ref().unwrap(),
        &SagaOutcome::Cancelled {
            reason: "no courier".to_string()
        }
    );
    assert_eq!(services.calls(), calls(&["refund A-1", "release A-1"]));
}

/// resume continues only unfinished sagas, in the order they were placed, and reports each one.
/// Rules: resume-only-unfinished, resume-in-placed-order.
#[test]
fn resume_continues_unfinished_sagas_in_placed_order() {
    let services = Services::new();
    let mut saga = orchestrator(&services);
    // Z-1 completes; M-2 crashes while charging; A-3 crashes while refunding; B-4 is cancelled.
    saga.place_order(order("Z-1")).unwrap();
    services.answer("charge", &[Answer::Crash]);
    crash("charge", || saga.place_order(order("M-2")));
    services
        .answer("schedule", &[Answer::Rejected("no courier")])
        .answer("refund", &[Answer::Crash]);
    crash("refund", || saga.place_order(order("A-3")));
    services.answer("reserve", &[Answer::Rejected("out of stock")]);
    saga.place_order(order("B-4")).unwrap();

    let mut saga = restart(saga, &services);
    services.forget_calls();
    let resumed = saga.resume().unwrap();

    let ids: Vec<&str> = resumed
        .iter()
        .map(|resumed| resumed.order_id.as_str())
        .collect();
    assert_eq!(ids, ["M-2", "A-3"], "only unfinished sagas, oldest first");
    assert_eq!(resumed[0].result.as_ref().unwrap(), &SagaOutcome::Completed);
    assert_eq!(
        resumed[1].result.as_ref().unwrap(),
        &SagaOutcome::Cancelled {
            reason: "no courier".to_string()
        }
    );
    assert_eq!(
        services.calls(),
        calls(&["charge M-2", "schedule M-2", "refund A-3", "release A-3"])
    );
    services.forget_calls();
    assert!(
        saga.resume().unwrap().is_empty(),
        "a second resume has nothing left to do"
    );
    assert!(
        services.calls().is_empty(),
        "a second resume must call no service, got {:?}",
        services.calls()
    );
}

/// One saga whose compensation is still stuck does not keep resume from finishing the others.
/// Rules: resume-reports-each, stuck-compensation-stops.
#[test]
fn a_stuck_saga_does_not_block_the_others() {
    let services = Services::new();
    let mut saga = orchestrator(&services);
    services
        .answer("schedule", &[Answer::Rejected("no courier")])
        .answer("refund", &[Answer::Transient("bank down"); 3]);
    assert!(saga.place_order(order("A-1")).is_err());
    services.answer("charge", &[Answer::Crash]);
    crash("charge", || saga.place_order(order("B-2")));

    services.answer("refund", &[Answer::Transient("bank down"); 3]);
    let mut saga = restart(saga, &services);
    let resumed = saga.resume().unwrap();

    assert_eq!(resumed.len(), 2, "both unfinished sagas are reported");
    assert!(
        matches!(resumed[0].result, Err(SagaError::CompensationFailed { .. })),
        "A-1's refund still fails, so its result is CompensationFailed, got {:?}",
        resumed[0].result
    );
    assert_eq!(
        resumed[1].result.as_ref().unwrap(),
        &SagaOutcome::Completed,
        "B-2 is still finished"
    );
}

/// Placing an order id that already has a finished saga calls no service and returns the recorded outcome.
/// Rules: place-order-idempotent.
#[test]
fn placing_a_finished_order_again_returns_its_outcome() {
    let services = Services::new();
    let mut saga = orchestrator(&services);
    saga.place_order(order("A-1")).unwrap();
    services.answer("reserve", &[Answer::Rejected("out of stock")]);
    saga.place_order(order("B-2")).unwrap();
    services.forget_calls();

    assert_eq!(
        saga.place_order(order("A-1")).unwrap(),
        SagaOutcome::Completed
    );
    assert_eq!(
        saga.place_order(order("B-2")).unwrap(),
        SagaOutcome::Cancelled {
            reason: "out of stock".to_string()
        }
    );
    assert!(
        services.calls().is_empty(),
        "a finished saga must not call any service again, got {:?}",
        services.calls()
    );
}

/// Placing an order id whose saga is unfinished continues that saga instead of starting over.
/// Rules: place-order-idempotent, resume-continues-forward.
#[test]
fn placing_an_unfinished_order_again_continues_it() {
    let services = Services::new();
    services.answer("charge", &[Answer::Crash]);
    let mut saga = orchestrator(&services);
    crash("charge", || saga.place_order(order("A-1")));
    let mut saga = restart(saga, &services);
    services.forget_calls();

    assert_eq!(
        saga.place_order(order("A-1")).unwrap(),
        SagaOutcome::Completed
    );
    assert_eq!(
        services.calls(),
        calls(&["charge A-1", "schedule A-1"]),
        "continue at the charge, do not reserve again"
    );
}

/// A resumed saga calls the services with the order exactly as it was placed (sku, quantity, amount), read back from the store.
/// Rules: order-stored.
#[test]
fn resume_uses_the_stored_order() {
    let services = Services::new();
    services.answer("charge", &[Answer::Crash]);
    let placed = Order {
        id: "A-1".into(),
        sku: "DESK-9".into(),
        quantity: 7,
        amount_cents: 123_456_789,
    };
    let mut saga = orchestrator(&services);
    crash("charge", || saga.place_order(placed.clone()));
    let mut saga = restart(saga, &services);

    saga.resume().unwrap();

    assert!(
        services.orders().iter().all(|seen| *seen == placed),
        "every call should receive {placed:?}, got {:?}",
        services.orders()
    );
    assert_eq!(state(&saga, "A-1").order, placed);
}
