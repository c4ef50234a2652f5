//! Hidden tests for the relay (outbox rows to the broker, in order, at least
//! once) and the idempotent consumer (each message id applied once).

mod common;

use expect::expect_eq;
use common::{Broker, Delivery, Services, crash, orchestrator, order, outbox, refusal};
use rusqlite::{Connection, params};
use saga_outbox::{ConsumeError, Message, consume, create_schema, relay_once};

/// An orchestrator's database holding the events of `count` completed orders: 2 rows each.
fn outbox_with_orders(count: usize) -> common::Saga {
    let services = Services::new();
    let mut saga = orchestrator(&services);
    for n in 1..=count {
        saga.place_order(order(&format!("A-{n}"))).unwrap();
    }
    saga
}

fn row_ids(conn: &Connection) -> Vec<i64> {
    outbox(conn).into_iter().map(|(id, ..)| id).collect()
}

/// The relay publishes every unpublished row, oldest id first, as a Message with the row's id, topic and payload, marks each published, and reports the count.
/// Rules: relay-in-order, relay-marks-published, message-fields.
#[test]
fn relay_publishes_rows_in_id_order() {
    let saga = outbox_with_orders(2);
    let broker = Broker::default();

    let report = relay_once(saga.connection(), &broker).unwrap();

    expect_eq!(
        (report.published, report.failure),
        (4, None),
        "4 rows published, no failure"
    );
    let expected: Vec<Message> = outbox(saga.connection())
        .into_iter()
        .map(|(id, topic, payload, _)| Message { id, topic, payload })
        .collect();
    expect_eq!(
        *broker.attempts.borrow(),
        expected,
        "each outbox row, as a Message, in id order"
    );
    assert!(
        outbox(saga.connection())
            .iter()
            .all(|(.., published)| *published),
        "every published row is marked published = 1"
    );
}

/// A second pass publishes only rows written since the first: published rows are not sent again.
/// Rules: relay-marks-published.
#[test]
fn relay_skips_rows_already_published() {
    let services = Services::new();
    let mut saga = orchestrator(&services);
    saga.place_order(order("A-1")).unwrap();
    let broker = Broker::default();
    relay_once(saga.connection(), &broker).unwrap();
    expect_eq!(
        relay_once(saga.connection(), &broker).unwrap().published,
        0,
        "nothing new to publish"
    );

    saga.place_order(order("B-2")).unwrap();
    let report = relay_once(saga.connection(), &broker).unwrap();

    expect_eq!(report.published, 2);
    let payloads: Vec<String> = broker
        .attempts
        .borrow()
        .iter()
        .map(|m| m.payload.clone())
        .collect();
    expect_eq!(
        payloads,
        ["A-1", "A-1", "B-2", "B-2"],
        "each row is published once"
    );
}

/// A publish failure ends the pass: earlier rows stay published, and the next pass starts at the failed row, in order.
/// Rules: relay-stops-at-failure, relay-marks-published, relay-in-order.
#[test]
fn relay_stops_at_a_failure_and_retries_from_there() {
    let saga = outbox_with_orders(3);
    let ids = row_ids(saga.connection());
    let broker = Broker::scripted(&[Delivery::Accept, Delivery::Accept, Delivery::Refuse]);

    let first = relay_once(saga.connection(), &broker).unwrap();

    expect_eq!(first.published, 2, "two rows went out before the failure");
    expect_eq!(
        first.failure,
        Some(refusal(ids[2])),
        "the report carries the broker's own error for the refused row"
    );
    expect_eq!(
        broker.attempted_ids(),
        ids[..3],
        "the pass stops at the refused row: no skipping ahead"
    );

    let second = relay_once(saga.connection(), &broker).unwrap();
    expect_eq!((second.published, second.failure), (4, None));
    expect_eq!(
        broker.accepted_ids(),
        ids,
        "every row reaches the broker once, in id order, the refused one on the next pass"
    );
}

/// A crash after the broker took a message but before the row was marked publishes that row again next time: at least once, never lost.
/// Rules: relay-at-least-once, relay-in-order.
#[test]
fn relay_crash_after_publish_republishes_the_row() {
    let saga = outbox_with_orders(2);
    let ids = row_ids(saga.connection());
    let broker = Broker::scripted(&[Delivery::Accept, Delivery::CrashAfter]);

    crash("publish", || relay_once(saga.connection(), &broker));
    relay_once(saga.connection(), &broker).unwrap();

    let expected = vec![ids[0], ids[1], ids[1], ids[2], ids[3]];
    expect_eq!(
        broker.accepted_ids(),
        expected,
        "the row being published during the crash goes out again; the one before it does not"
    );
}

/// A relay pass with nothing unpublished calls the broker not at all.
/// Rules: relay-marks-published.
#[test]
fn relay_with_an_empty_outbox_publishes_nothing() {
    let services = Services::new();
    let saga = orchestrator(&services);
    let broker = Broker::default();

    let report = relay_once(saga.connection(), &broker).unwrap();

    expect_eq!((report.published, report.failure), (0, None));
    assert!(broker.attempts.borrow().is_empty());
}

// --- the idempotent consumer ---------------------------------------------

/// A consumer database with a `shipments` table the handlers write to.
fn consumer_db() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    create_schema(&conn).unwrap();
    conn.execute_batch("CREATE TABLE shipments (order_id TEXT NOT NULL)")
        .unwrap();
    conn
}

fn message(id: i64, order_id: &str) -> Message {
    Message {
        id,
        topic: "order.confirmed".to_string(),
        payload: order_id.to_string(),
    }
}

fn shipments(conn: &Connection) -> Vec<String> {
    let mut stmt = conn
        .prepare("SELECT order_id FROM shipments ORDER BY rowid")
        .unwrap();
    stmt.query_map([], |row| row.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// Records a shipment for the message's order: the handler every consumer test uses.
fn ship(tx: &rusqlite::Transaction<'_>, message: &Message) -> Result<(), ConsumeError> {
    tx.execute(
        "INSERT INTO shipments (order_id) VALUES (?1)",
        params![message.payload],
    )?;
    Ok(())
}

/// A message delivered twice is applied once: consume returns true the first time and false, without calling the handler, the second.
/// Rules: consume-once.
#[test]
fn duplicate_message_is_applied_once() {
    let mut conn = consumer_db();
    let mut handler_calls = 0;

    let first = consume(&mut conn, &message(7, "A-1"), |tx, m| {
        handler_calls += 1;
        ship(tx, m)
    });
    assert!(first.unwrap(), "the first delivery is applied: Ok(true)");
    let again = consume(&mut conn, &message(7, "A-1"), |tx, m| {
        handler_calls += 1;
        ship(tx, m)
    });

    assert!(
        !again.unwrap(),
        "a redelivery of message 7 returns Ok(false)"
    );
    expect_eq!(handler_calls, 1, "the handler must not run for a duplicate");
    expect_eq!(shipments(&conn), ["A-1"]);
}

/// Messages with different ids are each applied, whatever their order; only repeated ids are skipped.
/// Rules: consume-once.
#[test]
fn distinct_messages_are_each_applied() {
    let mut conn = consumer_db();
    let deliveries = [(3, "C"), (1, "A"), (2, "B"), (1, "A"), (3, "C")];
    let results: Vec<bool> = deliveries
        .iter()
        .map(|(id, order)| consume(&mut conn, &message(*id, order), ship).unwrap())
        .collect();

    expect_eq!(results, [true, true, true, false, false]);
    expect_eq!(shipments(&conn), ["C", "A", "B"]);
}

/// A handler that fails leaves nothing behind: its writes are rolled back, the id is not recorded, and a redelivery is applied.
/// Rules: consume-failure-not-recorded, consume-atomic.
#[test]
fn failed_handler_is_rolled_back_and_retried() {
    let mut conn = consumer_db();
    let failing = |tx: &rusqlite::Transaction<'_>, m: &Message| {
        ship(tx, m)?;
        Err(ConsumeError::Handler("label printer offline".to_string()))
    };

    let result = consume(&mut conn, &message(5, "A-1"), failing);

    assert!(
        matches!(&result, Err(ConsumeError::Handler(text)) if text == "label printer offline"),
        "got {result:?}"
    );
    assert!(
        shipments(&conn).is_empty(),
        "the failed handler's write must be rolled back"
    );
    assert!(
        consume(&mut conn, &message(5, "A-1"), ship).unwrap(),
        "the redelivery must be applied"
    );
    expect_eq!(shipments(&conn), ["A-1"]);
}

/// If the message id cannot be recorded, the handler's effect is rolled back too: both commit or neither.
/// Rules: consume-atomic.
#[test]
fn failed_id_record_rolls_back_the_effect() {
    let mut conn = consumer_db();
    conn.execute_batch(
        "CREATE TRIGGER refuse_ids BEFORE INSERT ON processed_messages
         BEGIN SELECT RAISE(ABORT, 'test: id not recorded'); END;",
    )
    .unwrap();

    let result = consume(&mut conn, &message(9, "A-1"), ship);

    assert!(
        matches!(result, Err(ConsumeError::Store(_))),
        "expected Err(ConsumeError::Store(..)), got {result:?}"
    );
    assert!(
        shipments(&conn).is_empty(),
        "the effect must not commit without its message id"
    );
}

/// End to end: a relay crash publishes a message twice, and the consumer behind the broker still ships the order once.
/// Rules: relay-at-least-once, consume-once.
#[test]
fn relay_duplicates_are_absorbed_by_the_consumer() {
    let saga = outbox_with_orders(1);
    let broker = Broker::scripted(&[Delivery::CrashAfter]);
    crash("publish", || relay_once(saga.connection(), &broker));
    relay_once(saga.connection(), &broker).unwrap();
    expect_eq!(
        broker.accepted.borrow().len(),
        3,
        "the first message was delivered twice"
    );

    let mut conn = consumer_db();
    for delivered in broker.accepted.borrow().iter() {
        consume(&mut conn, delivered, ship).unwrap();
    }

    expect_eq!(
        shipments(&conn),
        ["A-1", "A-1"],
        "one write per distinct message (placed and confirmed), not three"
    );
}
