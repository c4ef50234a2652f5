//! Hidden tests for crash recovery: an orchestrator that dies mid-saga is
//! replaced by a new one on the same database, which resumes from the stored
//! state. A "crash" is a fake service that panics after recording its call.

mod common;

use expect::expect_eq;
use common::{
    Answer, Saga, Services, calls, crash, drop_triggers, events, fail_event, fail_status,
    orchestrator, orchestrator_on, order, progress, restart, state,
};
use rusqlite::Connection;
use saga_outbox::{ORDER_CONFIRMED, Order, SagaError, SagaOutcome, SagaStatus};

/// A path for a database file of this test's own.
fn db_file(name: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("saga-outbox-{}-{name}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

/// Makes the one write of steps_done from `from` to `to` fail.
fn fail_progress(saga: &Saga, from: u32, to: u32) {
    saga.connection()
        .execute_batch(&format!(
            "CREATE TRIGGER fail_progress BEFORE UPDATE ON sagas
             WHEN OLD.steps_done = {from} AND NEW.steps_done = {to}
             BEGIN SELECT RAISE(ABORT, 'test: steps_done write refused'); END;"
        ))
        .unwrap();
}

fn drop_fail_progress(saga: &Saga) {
    saga.connection()
        .execute_batch("DROP TRIGGER fail_progress")
        .unwrap();
}

/// A crash during the reservation, the very first call, leaves the saga stored as Running with 0 steps done; resume reserves again and finishes.
/// Rules: no-transaction-during-calls, resume-continues-forward, placed-event.
#[test]
fn crash_during_reserve_leaves_the_saga_stored() {
    let services = Services::new();
    services.answer("reserve", &[Answer::Crash]);
    let mut saga = orchestrator(&services);
    crash("reserve", || saga.place_order(order("A-1")));

    expect_eq!(
        saga.state("A-1").unwrap().map(|s| (s.status, s.steps_done)),
        Some((SagaStatus::Running, 0)),
        "the saga row (and its order.placed event) must be committed before inventory.reserve is called"
    );
    expect_eq!(events(saga.connection()), calls(&["order.placed A-1"]));
    let mut saga = restart(saga, &services);
    let resumed = saga.resume().unwrap();

    expect_eq!(resumed.len(), 1, "the interrupted saga is resumed");
    expect_eq!(resumed[0].result.as_ref().unwrap(), &SagaOutcome::Completed);
    expect_eq!(
        services.calls(),
        calls(&["reserve A-1", "reserve A-1", "charge A-1", "schedule A-1"])
    );
}

/// No transaction is open while a service is called: during every call, another connection to the database file can take the write lock.
/// Rules: no-transaction-during-calls.
#[test]
fn no_transaction_is_open_during_a_call() {
    let path = db_file("locks");
    let services = Services::new();
    services.watch_locks(Connection::open(&path).unwrap());
    let mut saga = orchestrator_on(Connection::open(&path).unwrap(), &services);

    saga.place_order(order("A-1")).unwrap();
    services.answer("schedule", &[Answer::Rejected("no courier")]);
    saga.place_order(order("B-2")).unwrap();

    expect_eq!(
        services.calls().len(),
        8,
        "A-1 completes (3 calls) and B-2 is compensated (5 calls), got {:?}",
        services.calls()
    );
    assert!(
        services.calls_made_while_locked().is_empty(),
        "these calls were made while the orchestrator held a write transaction open \
         (commit before calling a service): {:?}",
        services.calls_made_while_locked()
    );
    drop(saga);
    let _ = std::fs::remove_file(&path);
}

/// A call interrupted by a crash gets all 3 attempts again on resume: the count of attempts is not stored.
/// Rules: attempts-fresh-on-resume, resume-continues-forward.
#[test]
fn interrupted_call_gets_fresh_attempts_on_resume() {
    let services = Services::new();
    let timeout = Answer::Transient("timeout");
    services.answer("charge", &[timeout, timeout, Answer::Crash]);
    let mut saga = orchestrator(&services);
    crash("charge", || saga.place_order(order("A-1")));
    let mut saga = restart(saga, &services);
    services.forget_calls();
    services.answer("charge", &[timeout, timeout]);

    let resumed = saga.resume().unwrap();

    expect_eq!(
        services.calls(),
        calls(&["charge A-1", "charge A-1", "charge A-1", "schedule A-1"]),
        "after the restart the charge gets 3 new attempts: two timeouts, then success"
    );
    expect_eq!(resumed[0].result.as_ref().unwrap(), &SagaOutcome::Completed);
}

/// If storing the new steps_done fails after a step, the saga stops: Store error, no further call, and resume continues from the stored state.
/// Rules: store-failure-stops, progress-persisted.
#[test]
fn failed_progress_write_stops_the_saga() {
    let services = Services::new();
    let mut saga = orchestrator(&services);
    fail_progress(&saga, 1, 2);

    let result = saga.place_order(order("A-1"));

    assert!(
        matches!(result, Err(SagaError::Store(_))),
        "expected Err(SagaError::Store(..)) when steps_done cannot be stored, got {result:?}"
    );
    expect_eq!(
        services.calls(),
        calls(&["reserve A-1", "charge A-1"]),
        "no service may be called after a failed write"
    );
    expect_eq!(
        progress(&saga, "A-1"),
        (SagaStatus::Running, 1),
        "the row keeps its last committed state"
    );
    drop_fail_progress(&saga);
    services.forget_calls();
    let resumed = saga.resume().unwrap();

    expect_eq!(resumed[0].result.as_ref().unwrap(), &SagaOutcome::Completed);
    expect_eq!(
        services.calls(),
        calls(&["charge A-1", "schedule A-1"]),
        "resume repeats the charge whose success was not stored"
    );
}

/// If storing 'compensating' fails after a step failed, the saga stops before any compensation: Store error, and resume starts from the stored Running state.
/// Rules: store-failure-stops, compensating-persisted.
#[test]
fn failed_compensating_write_stops_the_saga() {
    let services = Services::new();
    services.answer(
        "charge",
        &[
            Answer::Rejected("card declined"),
            Answer::Rejected("card declined"),
        ],
    );
    let mut saga = orchestrator(&services);
    fail_status(saga.connection(), "compensating");

    let result = saga.place_order(order("A-1"));

    assert!(
        matches!(result, Err(SagaError::Store(_))),
        "expected Err(SagaError::Store(..)) when 'compensating' cannot be stored, got {result:?}"
    );
    expect_eq!(
        services.calls(),
        calls(&["reserve A-1", "charge A-1"]),
        "no compensation may run while the failure is not stored"
    );
    let stored = state(&saga, "A-1");
    expect_eq!(
        (stored.status, stored.steps_done, stored.reason),
        (SagaStatus::Running, 1, None),
        "the row keeps its last committed state"
    );
    drop_triggers(saga.connection());
    services.forget_calls();
    let resumed = saga.resume().unwrap();

    expect_eq!(
        resumed[0].result.as_ref().unwrap(),
        &SagaOutcome::Cancelled {
            reason: "card declined".to_string()
        }
    );
    expect_eq!(
        services.calls(),
        calls(&["charge A-1", "release A-1"]),
        "resume repeats the charge (stored as not done yet), which is declined again, then releases"
    );
}

/// If storing the decreased steps_done fails after a compensation, the saga stops: Store error, no older compensation, and resume repeats only that compensation.
/// Rules: store-failure-stops, compensation-progress-persisted.
#[test]
fn failed_compensation_progress_write_stops_the_saga() {
    let services = Services::new();
    services.answer("schedule", &[Answer::Rejected("no courier")]);
    let mut saga = orchestrator(&services);
    fail_progress(&saga, 2, 1);

    let result = saga.place_order(order("A-1"));

    assert!(
        matches!(result, Err(SagaError::Store(_))),
        "expected Err(SagaError::Store(..)) when steps_done cannot be stored, got {result:?}"
    );
    expect_eq!(
        services.calls(),
        calls(&["reserve A-1", "charge A-1", "schedule A-1", "refund A-1"]),
        "the release must not run while the refund is not stored"
    );
    expect_eq!(progress(&saga, "A-1"), (SagaStatus::Compensating, 2));
    drop_fail_progress(&saga);
    services.forget_calls();
    let resumed = saga.resume().unwrap();

    expect_eq!(
        resumed[0].result.as_ref().unwrap(),
        &SagaOutcome::Cancelled {
            reason: "no courier".to_string()
        }
    );
    expect_eq!(services.calls(), calls(&["refund A-1", "release A-1"]));
}

/// A crash while charging leaves the saga Running with 1 step done; the next orchestrator resumes at the charge and does not reserve again.
/// Rules: progress-persisted, resume-continues-forward, state-reported.
#[test]
fn crash_during_charge_resumes_at_the_charge() {
    let services = Services::new();
    services.answer("charge", &[Answer::Crash]);
    let mut saga = orchestrator(&services);
    crash("charge", || saga.place_order(order("A-1")));

    expect_eq!(
        progress(&saga, "A-1"),
        (SagaStatus::Running, 1),
        "after the reservation, 1 step is stored as done"
    );
    let mut saga = restart(saga, &services);
    let resumed = saga.resume().unwrap();

    expect_eq!(resumed.len(), 1, "one saga was unfinished");
    expect_eq!(resumed[0].order_id, "A-1");
    expect_eq!(resumed[0].result.as_ref().unwrap(), &SagaOutcome::Completed);
    expect_eq!(
        services.calls(),
        calls(&["reserve A-1", "charge A-1", "charge A-1", "schedule A-1"]),
        "resume repeats only the interrupted charge (idempotent), never the finished reservation"
    );
}

/// The state survives in a database file: a crash while scheduling, a new connection to the same file, and resume finishes the saga.
/// Rules: progress-persisted, resume-continues-forward.
#[test]
fn state_survives_in_a_database_file() {
    let path = db_file("file");
    let services = Services::new();
    services.answer("schedule", &[Answer::Crash]);
    let mut saga = orchestrator_on(Connection::open(&path).unwrap(), &services);
    crash("schedule", || saga.place_order(order("A-1")));
    drop(saga);

    let mut saga = orchestrator_on(Connection::open(&path).unwrap(), &services);
    expect_eq!(
        progress(&saga, "A-1"),
        (SagaStatus::Running, 2),
        "two steps were stored as done before the crash"
    );
    let resumed = saga.resume().unwrap();

    expect_eq!(resumed.len(), 1);
    expect_eq!(resumed[0].result.as_ref().unwrap(), &SagaOutcome::Completed);
    expect_eq!(
        services.calls(),
        calls(&["reserve A-1", "charge A-1", "schedule A-1", "schedule A-1"]),
        "only the interrupted schedule call is repeated"
    );
    expect_eq!(progress(&saga, "A-1"), (SagaStatus::Completed, 3));
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
    expect_eq!(
        (stored.status, stored.steps_done, stored.reason.as_deref()),
        (SagaStatus::Compensating, 2, Some("no courier")),
        "the failure is stored before compensating starts"
    );
    let mut saga = restart(saga, &services);
    services.forget_calls();
    let resumed = saga.resume().unwrap();

    expect_eq!(
        resumed[0].result.as_ref().unwrap(),
        &SagaOutcome::Cancelled {
            reason: "no courier".to_string()
        },
        "the reason comes from the stored state"
    );
    expect_eq!(
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

    expect_eq!(
        progress(&saga, "A-1"),
        (SagaStatus::Compensating, 1),
        "after the refund, 1 step is left to undo"
    );
    let mut saga = restart(saga, &services);
    services.forget_calls();
    saga.resume().unwrap();

    expect_eq!(
        services.calls(),
        calls(&["release A-1"]),
        "the refund already succeeded; only the release is left"
    );
    expect_eq!(progress(&saga, "A-1"), (SagaStatus::Cancelled, 0));
}

/// After a stuck compensation, a later resume tries it again, with 3 fresh attempts, and finishes the compensation.
/// Rules: stuck-compensation-stops, resume-continues-compensation, attempts-fresh-on-resume.
#[test]
fn resume_retries_a_stuck_compensation() {
    let services = Services::new();
    services.answer("schedule", &[Answer::Rejected("no courier")]);
    services.answer("refund", &[Answer::Transient("bank down"); 3]);
    let mut saga = orchestrator(&services);
    assert!(saga.place_order(order("A-1")).is_err());
    services.forget_calls();
    services.answer("refund", &[Answer::Transient("bank down"); 2]);

    let resumed = saga.resume().unwrap();

    expect_eq!(resumed.len(), 1);
    expect_eq!(
        resumed[0].result.as_ref().unwrap(),
        &SagaOutcome::Cancelled {
            reason: "no courier".to_string()
        }
    );
    expect_eq!(
        services.calls(),
        calls(&["refund A-1", "refund A-1", "refund A-1", "release A-1"]),
        "resume gives the refund 3 fresh attempts: two timeouts, then success, then the release"
    );
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
    expect_eq!(ids, ["M-2", "A-3"], "only unfinished sagas, oldest first");
    expect_eq!(resumed[0].result.as_ref().unwrap(), &SagaOutcome::Completed);
    expect_eq!(
        resumed[1].result.as_ref().unwrap(),
        &SagaOutcome::Cancelled {
            reason: "no courier".to_string()
        }
    );
    expect_eq!(
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

    expect_eq!(resumed.len(), 2, "both unfinished sagas are reported");
    assert!(
        matches!(resumed[0].result, Err(SagaError::CompensationFailed { .. })),
        "A-1's refund still fails, so its result is CompensationFailed, got {:?}",
        resumed[0].result
    );
    expect_eq!(
        resumed[1].result.as_ref().unwrap(),
        &SagaOutcome::Completed,
        "B-2 is still finished"
    );
}

/// A store error in one saga does not stop resume: that saga's Resumed carries Err(Store) and the next saga is still continued.
/// Rules: resume-reports-each.
#[test]
fn a_store_error_does_not_stop_resume() {
    let services = Services::new();
    let mut saga = orchestrator(&services);
    fail_event(saga.connection(), ORDER_CONFIRMED);
    assert!(matches!(
        saga.place_order(order("A-1")),
        Err(SagaError::Store(_))
    ));
    services
        .answer("charge", &[Answer::Rejected("card declined")])
        .answer("release", &[Answer::Crash]);
    crash("release", || saga.place_order(order("B-2")));
    let mut saga = restart(saga, &services);
    services.forget_calls();

    let resumed = saga
        .resume()
        .expect("resume returns Err only when it cannot list the unfinished sagas");

    let ids: Vec<&str> = resumed.iter().map(|r| r.order_id.as_str()).collect();
    expect_eq!(ids, ["A-1", "B-2"], "both unfinished sagas are reported");
    assert!(
        matches!(resumed[0].result, Err(SagaError::Store(_))),
        "A-1's order.confirmed still cannot be written, so its result is Err(Store), got {:?}",
        resumed[0].result
    );
    expect_eq!(
        resumed[1].result.as_ref().unwrap(),
        &SagaOutcome::Cancelled {
            reason: "card declined".to_string()
        },
        "B-2 is still continued after A-1's store error"
    );
    let b2: Vec<String> = services
        .calls()
        .into_iter()
        .filter(|call| call.ends_with("B-2"))
        .collect();
    expect_eq!(b2, calls(&["release B-2"]));
}

/// Placing an order id that already has a finished saga calls no service, writes no event and returns the recorded outcome.
/// Rules: place-order-idempotent, no-other-events.
#[test]
fn placing_a_finished_order_again_returns_its_outcome() {
    let services = Services::new();
    let mut saga = orchestrator(&services);
    saga.place_order(order("A-1")).unwrap();
    services.answer("reserve", &[Answer::Rejected("out of stock")]);
    saga.place_order(order("B-2")).unwrap();
    services.forget_calls();

    expect_eq!(
        saga.place_order(order("A-1")).unwrap(),
        SagaOutcome::Completed
    );
    expect_eq!(
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
    expect_eq!(
        events(saga.connection()),
        calls(&[
            "order.placed A-1",
            "order.confirmed A-1",
            "order.placed B-2",
            "order.cancelled B-2"
        ]),
        "placing an existing order id again writes no event: no saga row was inserted"
    );
}

/// Placing an order id whose saga is unfinished continues that saga instead of starting over, without a second order.placed.
/// Rules: place-order-idempotent, resume-continues-forward, no-other-events.
#[test]
fn placing_an_unfinished_order_again_continues_it() {
    let services = Services::new();
    services.answer("charge", &[Answer::Crash]);
    let mut saga = orchestrator(&services);
    crash("charge", || saga.place_order(order("A-1")));
    let mut saga = restart(saga, &services);
    services.forget_calls();

    expect_eq!(
        saga.place_order(order("A-1")).unwrap(),
        SagaOutcome::Completed
    );
    expect_eq!(
        services.calls(),
        calls(&["charge A-1", "schedule A-1"]),
        "continue at the charge, do not reserve again"
    );
    expect_eq!(
        events(saga.connection()),
        calls(&["order.placed A-1", "order.confirmed A-1"]),
        "one order.placed, written when the saga row was inserted"
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
    expect_eq!(state(&saga, "A-1").order, placed);
}
