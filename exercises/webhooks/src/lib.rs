//! Webhooks: sign each delivery with HMAC-SHA256, verify it on the receiving
//! side with a tolerance window and secret rotation, deliver it with capped
//! exponential backoff and full jitter, and process every event only once.
//!
//! The transport, the random source and the time are all injected: nothing
//! here opens a socket, sleeps or reads the system clock.
//!
//! The error types, `RetryPolicy`'s fields, the random source, the transport
//! types and the handler trait are given to you, finished. Everything that
//! says `todo!()` is yours: see README.md for the steps. You may add private
//! fields, types and helper functions freely, but keep every public signature
//! as it is, because the grader's tests are compiled against them.
//!
//! The crates you need are declared in Cargo.toml: `hmac` and `sha2` for the
//! HMAC-SHA256 (`use hmac::{Hmac, KeyInit, Mac};`), `hex` to encode and decode
//! signatures, `serde_json` to read the event id from a body.

use std::error::Error;
use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

// ---------------------------------------------------------------------------
// Signing
// ---------------------------------------------------------------------------

/// The lowercase hex HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`:
/// 64 characters.
pub fn signature_hex(secret: &[u8], timestamp: u64, body: &[u8]) -> String {
    let _ = (secret, timestamp, body);
    todo!("HMAC-SHA256 of \"t.body\", as hex")
}

/// The `Webhook-Signature` header value for `body` sent at `timestamp` (Unix
/// seconds): `t=<timestamp>` followed by one `,v1=<signature_hex>` per secret,
/// in the order given.
///
/// # Panics
/// If `secrets` is empty: a header without a signature proves nothing.
pub fn sign_header<S: AsRef<[u8]>>(secrets: &[S], timestamp: u64, body: &[u8]) -> String {
    let _ = (secrets, timestamp, body);
    todo!("t=..., then one v1=... per secret")
}

// ---------------------------------------------------------------------------
// Verifying
// ---------------------------------------------------------------------------

/// Why a `Webhook-Signature` header was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    /// A comma-separated part has no `=` (an empty header, or an empty part
    /// such as the one after a trailing comma, included).
    Malformed,
    /// No `t=` part.
    MissingTimestamp,
    /// More than one `t=` part.
    DuplicateTimestamp,
    /// The `t` value is not one or more ASCII digits that fit in a `u64`.
    InvalidTimestamp,
    /// No `v1=` part.
    MissingSignature,
    /// A `v1` value is not exactly 64 hexadecimal digits.
    InvalidSignature,
    /// The timestamp is more than the tolerance away from now, either way.
    TimestampOutsideTolerance,
    /// Well-formed and on time, but no `v1` matches any of the secrets.
    NoMatchingSignature,
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::Malformed => "a part of the signature header has no `=`",
            Self::MissingTimestamp => "the signature header has no `t=` timestamp",
            Self::DuplicateTimestamp => "the signature header has more than one `t=` timestamp",
            Self::InvalidTimestamp => "the `t=` timestamp is not a whole number of seconds",
            Self::MissingSignature => "the signature header has no `v1=` signature",
            Self::InvalidSignature => "a `v1=` signature is not 64 hexadecimal digits",
            Self::TimestampOutsideTolerance => "the timestamp is too far from now",
            Self::NoMatchingSignature => "no `v1=` signature matches a current secret",
        };
        f.write_str(text)
    }
}

impl Error for SignatureError {}

/// Checks `Webhook-Signature` headers against the raw bodies they came with.
#[derive(Debug, Clone)]
pub struct Verifier {
    // TODO: replace with the state you need (the secrets, the tolerance).
    _todo: (),
}

impl Verifier {
    /// A verifier accepting a signature made with any of `secrets` (several
    /// during a rotation), for timestamps at most `tolerance_secs` from now.
    ///
    /// # Panics
    /// If `secrets` is empty or one of them is empty.
    pub fn new<S: AsRef<[u8]>>(secrets: &[S], tolerance_secs: u64) -> Self {
        let _ = (secrets, tolerance_secs);
        todo!("check and keep the secrets and the tolerance")
    }

    /// Verifies `header` for the raw `body` at `now` (Unix seconds) and
    /// returns the header's timestamp.
    ///
    /// Checks, in this order: the header's shape, the timestamp's distance
    /// from `now` (a distance of exactly the tolerance is accepted), then the
    /// signatures.
    pub fn verify(&self, header: &str, body: &[u8], now: u64) -> Result<u64, SignatureError> {
        let _ = (header, body, now);
        todo!("parse, check the timestamp, then the signatures")
    }
}

// ---------------------------------------------------------------------------
// Delivering
// ---------------------------------------------------------------------------

/// How often and how patiently a delivery is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first one included; at least 1.
    pub max_attempts: u32,
    /// The backoff ceiling after the first attempt fails.
    pub base: Duration,
    /// No backoff ceiling is ever longer than this.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    /// 10 attempts, 1 s base, 1 h cap.
    fn default() -> Self {
        Self {
            max_attempts: 10,
            base: Duration::from_secs(1),
            cap: Duration::from_secs(3600),
        }
    }
}

impl RetryPolicy {
    /// The longest wait after attempt number `attempt` (0 for the first
    /// delivery) fails: `min(cap, base * 2^attempt)`. Never overflows.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let _ = attempt;
        todo!("min(cap, base * 2^attempt), without overflowing")
    }
}

/// Randomness for the jitter, injected so tests can script it.
pub trait RandomSource {
    /// A number chosen uniformly from `0..=max`, both ends included.
    fn up_to(&mut self, max: u64) -> u64;
}

/// A small seeded generator (SplitMix64): fine for jitter, not for secrets.
#[derive(Debug, Clone)]
pub struct SeededRandom {
    state: u64,
}

impl SeededRandom {
    /// A generator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl RandomSource for SeededRandom {
    fn up_to(&mut self, max: u64) -> u64 {
        match max.checked_add(1) {
            Some(range) => self.next_u64() % range,
            None => self.next_u64(),
        }
    }
}

/// One HTTP delivery attempt, as the transport should send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The `Webhook-Id` header: the event's id.
    pub event_id: String,
    /// The `Webhook-Signature` header, made for this attempt.
    pub signature: String,
    /// The body, byte for byte as enqueued.
    pub body: Vec<u8>,
}

/// What the receiver answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status code.
    pub status: u16,
    /// The raw `Retry-After` header, if there was one.
    pub retry_after: Option<String>,
}

impl Response {
    /// A response with `status` and no `Retry-After`.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            retry_after: None,
        }
    }

    /// The same response with a `Retry-After` header of `value`.
    pub fn with_retry_after(mut self, value: impl Into<String>) -> Self {
        self.retry_after = Some(value.into());
        self
    }
}

/// No HTTP response at all: connection refused, reset, timed out...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError(pub String);

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "network error: {}", self.0)
    }
}

impl Error for TransportError {}

/// Sends one request and returns the receiver's response.
pub trait Transport {
    /// Sends `request`; `Err` when no HTTP response came back.
    fn send(&mut self, request: &Request) -> Result<Response, TransportError>;
}

/// How an attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The receiver answered with this status.
    Status(u16),
    /// No response: the transport's error message.
    Network(String),
}

/// A delivery the queue gave up on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The event's id.
    pub event_id: String,
    /// The body, as enqueued.
    pub body: Vec<u8>,
    /// Attempts made, the first included.
    pub attempts: u32,
    /// Why the last attempt failed.
    pub last_failure: Failure,
}

/// An outbox of webhook deliveries, retried with backoff until delivered or
/// dead-lettered. Time is passed in as a `Duration` since the Unix epoch.
pub struct DeliveryQueue<T, R> {
    // TODO: replace with the state you need (secrets, policy, the pending
    // deliveries with their attempt counts and due times, the delivered ids,
    // the dead letters).
    _transport: T,
    _random: R,
}

impl<T: Transport, R: RandomSource> DeliveryQueue<T, R> {
    /// A queue signing with every one of `secrets` (one `v1` each).
    ///
    /// # Panics
    /// If `secrets` is empty, a secret is empty, or `policy.max_attempts` is 0.
    pub fn new<S: AsRef<[u8]>>(
        secrets: &[S],
        policy: RetryPolicy,
        transport: T,
        random: R,
    ) -> Self {
        let _ = (secrets, policy, transport, random);
        todo!("check the settings, start empty")
    }

    /// Adds a delivery of `body` for `event_id`, due at once (at `now`).
    pub fn enqueue(
        &mut self,
        event_id: impl Into<String>,
        body: impl Into<Vec<u8>>,
        now: Duration,
    ) {
        let _ = (event_id, body, now);
        todo!("a new delivery, due at now")
    }

    /// Makes one attempt for every delivery due at `now` (due time `<= now`),
    /// earliest due first, ties in enqueue order, and returns how many
    /// attempts it made. A delivery is attempted at most once per call, even
    /// if its retry falls due at `now` again.
    pub fn deliver_due(&mut self, now: Duration) -> usize {
        let _ = now;
        todo!("one attempt for each delivery due at now")
    }

    /// When `event_id`'s next attempt is due; `None` once it is delivered or
    /// dead-lettered (or was never enqueued).
    pub fn due_at(&self, event_id: &str) -> Option<Duration> {
        let _ = event_id;
        todo!("when this event's next attempt is due")
    }

    /// The earliest due time of all pending deliveries.
    pub fn next_due(&self) -> Option<Duration> {
        todo!("the earliest due time")
    }

    /// How many deliveries are still waiting for an attempt.
    pub fn pending_count(&self) -> usize {
        todo!("count the pending deliveries")
    }

    /// The ids delivered (2xx), in the order they were delivered.
    pub fn delivered(&self) -> &[String] {
        todo!("the delivered ids")
    }

    /// The deliveries given up on, in the order they were given up.
    pub fn dead_letters(&self) -> &[DeadLetter] {
        todo!("the dead letters")
    }

    /// The transport, to inspect what was sent.
    pub fn transport(&self) -> &T {
        todo!("the transport")
    }

    /// The transport, to change what it will answer.
    pub fn transport_mut(&mut self) -> &mut T {
        todo!("the transport, mutably")
    }
}

// ---------------------------------------------------------------------------
// Receiving
// ---------------------------------------------------------------------------

/// The receiver's own work for one event.
pub trait Handler {
    /// Processes the event `event_id` whose verified body is `body`;
    /// `Err` with a message if it could not.
    fn handle(&mut self, event_id: &str, body: &[u8]) -> Result<(), String>;
}

/// A delivery the receiver accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receipt {
    /// First time this event id was seen: the handler processed it.
    Processed,
    /// Already processed: acknowledged without calling the handler.
    Duplicate,
}

/// A delivery the receiver refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiveError {
    /// The signature header did not verify.
    Signature(SignatureError),
    /// The verified body is not a JSON object with a non-empty string `id`.
    InvalidPayload,
    /// The handler failed with this message.
    Handler(String),
}

impl ReceiveError {
    /// The HTTP status to answer with: 400 for a bad signature or payload
    /// (sending it again will not help), 500 for a failed handler (so the
    /// sender retries).
    pub fn status(&self) -> u16 {
        match self {
            Self::Signature(_) | Self::InvalidPayload => 400,
            Self::Handler(_) => 500,
        }
    }
}

impl fmt::Display for ReceiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Signature(error) => write!(f, "signature refused: {error}"),
            Self::InvalidPayload => f.write_str("the body is not an event with a string `id`"),
            Self::Handler(message) => write!(f, "handler failed: {message}"),
        }
    }
}

impl Error for ReceiveError {}

impl From<SignatureError> for ReceiveError {
    fn from(error: SignatureError) -> Self {
        Self::Signature(error)
    }
}

/// An idempotent webhook consumer: verifies, then processes each event id once.
pub struct Receiver<H> {
    // TODO: replace with the state you need (the verifier, the handler, the
    // event ids already processed).
    _handler: PhantomData<H>,
}

impl<H: Handler> Receiver<H> {
    /// A receiver that has processed nothing yet.
    pub fn new(verifier: Verifier, handler: H) -> Self {
        let _ = (verifier, handler);
        todo!("an empty receiver")
    }

    /// Handles one delivery at `now` (Unix seconds): verify the signature,
    /// read the event id from the verified body, then process it unless that
    /// id was already processed.
    pub fn receive(
        &mut self,
        signature_header: &str,
        body: &[u8],
        now: u64,
    ) -> Result<Receipt, ReceiveError> {
        let _ = (signature_header, body, now);
        todo!("verify, read the id, skip duplicates, handle")
    }

    /// Whether the event `event_id` has been processed successfully.
    pub fn has_processed(&self, event_id: &str) -> bool {
        let _ = event_id;
        todo!("was this id processed?")
    }

    /// The handler, to inspect what it did.
    pub fn handler(&self) -> &H {
        todo!("the handler")
    }
}
