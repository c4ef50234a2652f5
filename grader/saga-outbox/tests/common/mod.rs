//! Shared fakes and helpers for the hidden tests. Every fake records its calls
//! in order, so the tests can compare the whole conversation.

#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use rusqlite::Connection;
use saga_outbox::{
    Inventory, Message, Orchestrator, Order, Payment, PublishError, Publisher, SagaState,
    SagaStatus, Shipping, StepError,
};

/// What a fake answers to one call.
#[derive(Clone, Copy, Debug)]
pub enum Answer {
    Ok,
    Transient(&'static str),
    Rejected(&'static str),
    /// Records the call, then panics: the process "crashes" mid-call.
    Crash,
}

/// One fake standing in for all three services. Each call is recorded as
/// `"<call> <order id>"`; the answer is the next one queued for that call, or `Ok`.
#[derive(Clone, Default)]
pub struct Services {
    calls: Rc<RefCell<Vec<String>>>,
    orders: Rc<RefCell<Vec<Order>>>,
    answers: Rc<RefCell<HashMap<&'static str, VecDeque<Answer>>>>,
    /// A second connection to the saga's database file, if the test watches for locks.
    probe: Rc<RefCell<Option<Connection>>>,
    /// The calls during which the probe found the database write-locked.
    locked: Rc<RefCell<Vec<String>>>,
}

impl Services {
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues answers for the next calls of `call` (reserve, release, charge, refund, schedule).
    pub fn answer(&self, call: &'static str, answers: &[Answer]) -> &Self {
        let mut queued = self.answers.borrow_mut();
        queued
            .entry(call)
            .or_default()
            .extend(answers.iter().cloned());
        self
    }

    pub fn calls(&self) -> Vec<String> {
        self.calls.borrow().clone()
    }

    /// The orders the services were called with, in call order.
    pub fn orders(&self) -> Vec<Order> {
        self.orders.borrow().clone()
    }

    /// From now on, every call first checks through `probe` (a second connection to
    /// the same database file) that no write transaction is open on the database.
    pub fn watch_locks(&self, probe: Connection) {
        probe.busy_timeout(std::time::Duration::ZERO).unwrap();
        *self.probe.borrow_mut() = Some(probe);
    }

    /// The calls made while the database was write-locked, as `"<call> <order id>"`.
    pub fn calls_made_while_locked(&self) -> Vec<String> {
        self.locked.borrow().clone()
    }

    pub fn forget_calls(&self) {
        self.calls.borrow_mut().clear();
        self.orders.borrow_mut().clear();
    }

    fn call(&self, call: &'static str, order: &Order) -> Result<(), StepError> {
        self.calls.borrow_mut().push(format!("{call} {}", order.id));
        if let Some(probe) = self.probe.borrow().as_ref() {
            // BEGIN IMMEDIATE takes the write lock: it fails at once while another
            // connection holds a write transaction open.
            if probe.execute_batch("BEGIN IMMEDIATE; ROLLBACK;").is_err() {
                self.locked
                    .borrow_mut()
                    .push(format!("{call} {}", order.id));
            }
        }
        self.orders.borrow_mut().push(order.clone());
        let next = self
            .answers
            .borrow_mut()
            .get_mut(call)
            .and_then(VecDeque::pop_front);
        match next.unwrap_or(Answer::Ok) {
            Answer::Ok => Ok(()),
            Answer::Transient(message) => Err(StepError::Transient(message.to_string())),
            Answer::Rejected(message) => Err(StepError::Rejected(message.to_string())),
            Answer::Crash => panic!("simulated crash during {call} {}", order.id),
        }
    }
}

impl Inventory for Services {
    fn reserve(&self, order: &Order) -> Result<(), StepError> {
        self.call("reserve", order)
    }
    fn release(&self, order: &Order) -> Result<(), StepError> {
        self.call("release", order)
    }
}

impl Payment for Services {
    fn charge(&self, order: &Order) -> Result<(), StepError> {
        self.call("charge", order)
    }
    fn refund(&self, order: &Order) -> Result<(), StepError> {
        self.call("refund", order)
    }
}

impl Shipping for Services {
    fn schedule(&self, order: &Order) -> Result<(), StepError> {
        self.call("schedule", order)
    }
}

pub type Saga = Orchestrator<Services, Services, Services>;

/// An orchestrator on `conn` whose three participants are `services`.
pub fn orchestrator_on(conn: Connection, services: &Services) -> Saga {
    Orchestrator::new(conn, services.clone(), services.clone(), services.clone()).unwrap()
}

/// An orchestrator on a fresh in-memory database.
pub fn orchestrator(services: &Services) -> Saga {
    orchestrator_on(Connection::open_in_memory().unwrap(), services)
}

/// "Restarts" the orchestrator: drops it and builds a new one on the same connection.
pub fn restart(saga: Saga, services: &Services) -> Saga {
    orchestrator_on(saga.into_connection(), services)
}

pub fn order(id: &str) -> Order {
    Order {
        id: id.to_string(),
        sku: format!("SKU-{id}"),
        quantity: 2,
        amount_cents: 4_200,
    }
}

/// Runs `f`, which is expected to panic (a simulated crash); fails the test if it returns.
pub fn crash<T>(what: &str, f: impl FnOnce() -> T) {
    let result = catch_unwind(AssertUnwindSafe(f));
    assert!(
        result.is_err(),
        "the fake crashed during {what}, but the call returned normally"
    );
}

pub fn calls(list: &[&str]) -> Vec<String> {
    list.iter().map(|call| call.to_string()).collect()
}

/// The saga's stored state; fails the test if there is none.
pub fn state(saga: &Saga, id: &str) -> SagaState {
    match saga.state(id) {
        Ok(Some(state)) => state,
        Ok(None) => panic!("expected a stored saga for order {id}, but state() returned None"),
        Err(error) => panic!("state({id}) failed: {error}"),
    }
}

/// The stored status and steps_done of a saga.
pub fn progress(saga: &Saga, id: &str) -> (SagaStatus, u32) {
    let state = state(saga, id);
    (state.status, state.steps_done)
}

/// Every outbox row as (id, topic, payload, published), in id order.
pub fn outbox(conn: &Connection) -> Vec<(i64, String, String, bool)> {
    let mut stmt = conn
        .prepare("SELECT id, topic, payload, published FROM outbox ORDER BY id")
        .unwrap();
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get(0)?,
            row.get(1)?,
            row.get(2)?,
            row.get::<_, i64>(3)? != 0,
        ))
    });
    rows.unwrap().collect::<rusqlite::Result<_>>().unwrap()
}

/// The outbox as "topic payload" strings, in id order.
pub fn events(conn: &Connection) -> Vec<String> {
    outbox(conn)
        .into_iter()
        .map(|(_, topic, payload, _)| format!("{topic} {payload}"))
        .collect()
}

/// Makes every INSERT into `outbox` with this topic fail.
pub fn fail_event(conn: &Connection, topic: &str) {
    conn.execute_batch(&format!(
        "CREATE TRIGGER fail_event BEFORE INSERT ON outbox WHEN NEW.topic = '{topic}'
         BEGIN SELECT RAISE(ABORT, 'test: outbox insert refused'); END;"
    ))
    .unwrap();
}

/// Makes every write that sets a saga's status to `status` fail.
pub fn fail_status(conn: &Connection, status: &str) {
    conn.execute_batch(&format!(
        "CREATE TRIGGER fail_status_update BEFORE UPDATE ON sagas WHEN NEW.status = '{status}'
         BEGIN SELECT RAISE(ABORT, 'test: status write refused'); END;
         CREATE TRIGGER fail_status_insert BEFORE INSERT ON sagas WHEN NEW.status = '{status}'
         BEGIN SELECT RAISE(ABORT, 'test: status write refused'); END;"
    ))
    .unwrap();
}

pub fn drop_triggers(conn: &Connection) {
    conn.execute_batch(
        "DROP TRIGGER IF EXISTS fail_event; DROP TRIGGER IF EXISTS fail_status_update;
         DROP TRIGGER IF EXISTS fail_status_insert;",
    )
    .unwrap();
}

/// The error the fake broker refuses message `id` with.
pub fn refusal(id: i64) -> PublishError {
    PublishError(format!("broker unavailable for message {id}"))
}

/// What the fake broker does with one publish call.
#[derive(Clone, Copy, Debug)]
pub enum Delivery {
    Accept,
    Refuse,
    /// Keeps the message, then panics before answering: a crash after publishing.
    CrashAfter,
}

/// A broker that records every publish call (refused ones too) and follows a script.
#[derive(Default)]
pub struct Broker {
    pub attempts: RefCell<Vec<Message>>,
    pub accepted: RefCell<Vec<Message>>,
    script: RefCell<VecDeque<Delivery>>,
}

impl Broker {
    pub fn scripted(script: &[Delivery]) -> Self {
        Broker {
            script: RefCell::new(script.iter().copied().collect()),
            ..Broker::default()
        }
    }

    /// The ids of every publish call, in order.
    pub fn attempted_ids(&self) -> Vec<i64> {
        self.attempts
            .borrow()
            .iter()
            .map(|message| message.id)
            .collect()
    }

    pub fn accepted_ids(&self) -> Vec<i64> {
        self.accepted
            .borrow()
            .iter()
            .map(|message| message.id)
            .collect()
    }
}

impl Publisher for Broker {
    fn publish(&self, message: &Message) -> Result<(), PublishError> {
        self.attempts.borrow_mut().push(message.clone());
        match self
            .script
            .borrow_mut()
            .pop_front()
            .unwrap_or(Delivery::Accept)
        {
            Delivery::Accept => {
                self.accepted.borrow_mut().push(message.clone());
                Ok(())
            }
            Delivery::Refuse => Err(refusal(message.id)),
            Delivery::CrashAfter => {
                self.accepted.borrow_mut().push(message.clone());
                panic!("simulated crash after publishing message {}", message.id)
            }
        }
    }
}
