//! Saga and outbox: an orchestrated order saga whose state lives in SQLite, a
//! transactional outbox with a relay, and an idempotent consumer.
//!
//! The schema, the types, the participant traits and the orchestrator's
//! constructor are given to you, finished. Everything that says `todo!()` is
//! yours: see README.md for the steps. You may add private fields, types and
//! helper functions freely, but keep every public signature as it is, because
//! the grader's tests are compiled against them.

use std::error::Error;
use std::fmt;

use rusqlite::{Connection, Transaction};

// ---------------------------------------------------------------------------
// Schema, orders and participants (given)
// ---------------------------------------------------------------------------

/// How many times one participant call is attempted, in a row, before its
/// error counts: the first attempt plus two retries.
pub const MAX_ATTEMPTS: u32 = 3;

/// Topic of the event written when an order's saga starts.
pub const ORDER_PLACED: &str = "order.placed";
/// Topic of the event written when an order's saga completes.
pub const ORDER_CONFIRMED: &str = "order.confirmed";
/// Topic of the event written when an order's saga has been compensated.
pub const ORDER_CANCELLED: &str = "order.cancelled";

/// The tables this crate uses. `create_schema` runs it; it is safe to run twice.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sagas (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT, -- the order sagas were placed in
    order_id     TEXT NOT NULL UNIQUE,
    sku          TEXT NOT NULL,
    quantity     INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    status       TEXT NOT NULL,    -- 'running', 'compensating', 'completed' or 'cancelled'
    steps_done   INTEGER NOT NULL, -- forward steps that succeeded and are not compensated yet
    reason       TEXT              -- why the saga is compensating; NULL until a step fails
);
CREATE TABLE IF NOT EXISTS outbox (
    id        INTEGER PRIMARY KEY AUTOINCREMENT, -- also the message id: never reused
    topic     TEXT NOT NULL,
    payload   TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 0        -- 0 until the relay has published the row
);
CREATE TABLE IF NOT EXISTS processed_messages (
    id INTEGER PRIMARY KEY                      -- ids of the messages a consumer has applied
);
";

/// Creates the tables of [`SCHEMA`] that do not exist yet.
pub fn create_schema(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(SCHEMA)
}

/// An order to place. Its `id` identifies the saga and is the idempotency key
/// the participants deduplicate by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// Unique order id, such as `"A-1001"`.
    pub id: String,
    /// The stock-keeping unit to reserve.
    pub sku: String,
    /// How many units to reserve.
    pub quantity: u32,
    /// The amount to charge, in cents.
    pub amount_cents: u64,
}

/// Why a participant call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepError {
    /// A failure that may go away if the call is repeated (a timeout, a 503).
    Transient(String),
    /// A business failure that repeating will not change (out of stock, card declined).
    Rejected(String),
}

impl StepError {
    /// The message the participant gave.
    pub fn message(&self) -> &str {
        match self {
            StepError::Transient(message) | StepError::Rejected(message) => message,
        }
    }

    /// Whether repeating the call may succeed: true for `Transient` only.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StepError::Transient(_))
    }
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepError::Transient(message) => write!(f, "transient failure: {message}"),
            StepError::Rejected(message) => write!(f, "rejected: {message}"),
        }
    }
}

impl Error for StepError {}

/// The inventory service: step 1 and its compensation.
pub trait Inventory {
    /// Reserves `order.quantity` units of `order.sku` for the order.
    fn reserve(&self, order: &Order) -> Result<(), StepError>;
    /// Releases the order's reservation (compensates `reserve`).
    fn release(&self, order: &Order) -> Result<(), StepError>;
}

/// The payment service: step 2 and its compensation.
pub trait Payment {
    /// Charges `order.amount_cents` for the order.
    fn charge(&self, order: &Order) -> Result<(), StepError>;
    /// Refunds the order's charge (compensates `charge`).
    fn refund(&self, order: &Order) -> Result<(), StepError>;
}

/// The shipping service: step 3, the last one, which needs no compensation.
pub trait Shipping {
    /// Schedules the order's delivery.
    fn schedule(&self, order: &Order) -> Result<(), StepError>;
}

/// Where a saga stands, as stored in `sagas.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SagaStatus {
    /// Forward steps are being run.
    Running,
    /// A step failed; completed steps are being compensated, newest first.
    Compensating,
    /// Every step succeeded. Final.
    Completed,
    /// Every completed step was compensated. Final.
    Cancelled,
}

impl SagaStatus {
    /// The text stored in `sagas.status`: `"running"`, `"compensating"`, `"completed"`, `"cancelled"`.
    pub fn as_str(self) -> &'static str {
        match self {
            SagaStatus::Running => "running",
            SagaStatus::Compensating => "compensating",
            SagaStatus::Completed => "completed",
            SagaStatus::Cancelled => "cancelled",
        }
    }

    /// The status stored as `text`, or `None` for any other text.
    pub fn parse(text: &str) -> Option<SagaStatus> {
        match text {
            "running" => Some(SagaStatus::Running),
            "compensating" => Some(SagaStatus::Compensating),
            "completed" => Some(SagaStatus::Completed),
            "cancelled" => Some(SagaStatus::Cancelled),
            _ => None,
        }
    }
}

/// One saga as stored: its order, status, progress and failure reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SagaState {
    /// The order, as it was first placed.
    pub order: Order,
    /// Where the saga stands.
    pub status: SagaStatus,
    /// Forward steps that succeeded and are not compensated yet (0 to 3).
    pub steps_done: u32,
    /// The failed step's error message, once a step has failed.
    pub reason: Option<String>,
}

/// How a saga ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SagaOutcome {
    /// Every step succeeded.
    Completed,
    /// A step failed and every completed step was compensated; `reason` is the
    /// failed step's error message.
    Cancelled { reason: String },
}

/// Why `place_order` or `resume` could not finish a saga.
#[derive(Debug)]
pub enum SagaError {
    /// The database failed; the saga's stored state is whatever last committed.
    Store(rusqlite::Error),
    /// A compensation still failed after its attempts; the saga stays
    /// `Compensating` and a later `resume` tries again.
    CompensationFailed { order_id: String, error: StepError },
}

impl fmt::Display for SagaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SagaError::Store(error) => write!(f, "saga store: {error}"),
            SagaError::CompensationFailed { order_id, error } => {
                write!(f, "order {order_id}: compensation failed: {error}")
            }
        }
    }
}

impl Error for SagaError {}

impl From<rusqlite::Error> for SagaError {
    fn from(error: rusqlite::Error) -> Self {
        SagaError::Store(error)
    }
}

/// What `resume` did with one unfinished saga.
#[derive(Debug)]
pub struct Resumed {
    /// The saga's order id.
    pub order_id: String,
    /// How it ended this time, or why it did not.
    pub result: Result<SagaOutcome, SagaError>,
}

// ---------------------------------------------------------------------------
// The orchestrator
// ---------------------------------------------------------------------------

/// Runs order sagas, keeping their state in the `sagas` table of its connection.
pub struct Orchestrator<I, P, S> {
    conn: Connection,
    inventory: I,
    payment: P,
    shipping: S,
}

impl<I: Inventory, P: Payment, S: Shipping> Orchestrator<I, P, S> {
    /// Wraps `conn` (creating the schema if needed) and the three participants.
    pub fn new(conn: Connection, inventory: I, payment: P, shipping: S) -> rusqlite::Result<Self> {
        create_schema(&conn)?;
        Ok(Self {
            conn,
            inventory,
            payment,
            shipping,
        })
    }

    /// The orchestrator's database connection.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Gives the connection back, dropping the participants.
    pub fn into_connection(self) -> Connection {
        self.conn
    }

    /// The stored state of the saga of `order_id`, or `None` if there is none.
    pub fn state(&self, order_id: &str) -> rusqlite::Result<Option<SagaState>> {
        let _ = order_id;
        todo!()
    }

    /// Runs the saga of `order` to its end and reports how it ended.
    ///
    /// An order id that already has a saga starts nothing new: a finished saga
    /// returns its recorded outcome, an unfinished one is continued.
    pub fn place_order(&mut self, order: Order) -> Result<SagaOutcome, SagaError> {
        let _ = (&self.inventory, &self.payment, &self.shipping, order);
        todo!()
    }

    /// Continues every unfinished saga (running or compensating), in the order
    /// they were placed, and reports each one.
    pub fn resume(&mut self) -> Result<Vec<Resumed>, SagaError> {
        todo!()
    }
}

// ---------------------------------------------------------------------------
// The relay
// ---------------------------------------------------------------------------

/// One outbox row, as published and as consumed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The outbox row's id: the message id consumers deduplicate by.
    pub id: i64,
    /// The event's topic, such as [`ORDER_CONFIRMED`].
    pub topic: String,
    /// The event's payload: the order id.
    pub payload: String,
}

/// Why the broker refused a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishError(pub String);

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "publish failed: {}", self.0)
    }
}

impl Error for PublishError {}

/// The message broker, as the relay sees it.
pub trait Publisher {
    /// Publishes one message; `Ok` means the broker has it.
    fn publish(&self, message: &Message) -> Result<(), PublishError>;
}

/// What one relay pass did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayReport {
    /// Rows published and marked published in this pass.
    pub published: usize,
    /// The publish error that ended the pass early, if one did.
    pub failure: Option<PublishError>,
}

/// Publishes the unpublished outbox rows of `conn` in id order, marking each
/// one published as soon as the broker has it. Stops at the first publish error.
pub fn relay_once(conn: &Connection, publisher: &impl Publisher) -> rusqlite::Result<RelayReport> {
    let _ = (conn, publisher);
    todo!()
}

// ---------------------------------------------------------------------------
// The idempotent consumer
// ---------------------------------------------------------------------------

/// Why a message could not be consumed.
#[derive(Debug)]
pub enum ConsumeError {
    /// The consumer's database failed.
    Store(rusqlite::Error),
    /// The handler refused the message.
    Handler(String),
}

impl fmt::Display for ConsumeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConsumeError::Store(error) => write!(f, "consumer store: {error}"),
            ConsumeError::Handler(message) => write!(f, "handler failed: {message}"),
        }
    }
}

impl Error for ConsumeError {}

impl From<rusqlite::Error> for ConsumeError {
    fn from(error: rusqlite::Error) -> Self {
        ConsumeError::Store(error)
    }
}

/// Applies `message` with `apply` unless its id was applied before.
///
/// Returns `Ok(true)` if `apply` ran and committed, `Ok(false)` for a
/// duplicate. `apply` writes its effect through the transaction it is given,
/// which also records the message id: both commit, or neither does.
pub fn consume<F>(conn: &mut Connection, message: &Message, apply: F) -> Result<bool, ConsumeError>
where
    F: FnOnce(&Transaction<'_>, &Message) -> Result<(), ConsumeError>,
{
    let _ = (conn, message, apply);
    todo!()
}
