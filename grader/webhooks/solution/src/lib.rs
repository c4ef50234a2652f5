//! Webhooks: sign each delivery with HMAC-SHA256, verify it on the receiving
//! side with a tolerance window and secret rotation, deliver it with capped
//! exponential backoff and full jitter, and process every event only once.
//!
//! The transport, the random source and the time are all injected: nothing
//! here opens a socket, sleeps or reads the system clock.

use std::collections::HashSet;
use std::error::Error;
use std::fmt;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

// ---------------------------------------------------------------------------
// Signing
// ---------------------------------------------------------------------------

/// A MAC keyed with `secret`, fed with `timestamp`, `.` and `body`.
///
/// `timestamp` is text on purpose: the receiver must sign the `t` value
/// exactly as it arrived, not a re-formatted copy of the number.
fn mac_for(secret: &[u8], timestamp: &str, body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length (long keys are hashed, short ones padded),
    // so this `Err` cannot happen; it exists because `KeyInit` is generic over
    // algorithms that do have fixed key sizes.
    let Ok(mut mac) = HmacSha256::new_from_slice(secret) else {
        unreachable!("HMAC accepts keys of any length");
    };
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The lowercase hex HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`:
/// 64 characters.
pub fn signature_hex(secret: &[u8], timestamp: u64, body: &[u8]) -> String {
    let code = mac_for(secret, &timestamp.to_string(), body)
        .finalize()
        .into_bytes();
    hex::encode(code)
}

/// The `Webhook-Signature` header value for `body` sent at `timestamp` (Unix
/// seconds): `t=<timestamp>` followed by one `,v1=<signature_hex>` per secret,
/// in the order given.
///
/// # Panics
/// If `secrets` is empty: a header without a signature proves nothing.
pub fn sign_header<S: AsRef<[u8]>>(secrets: &[S], timestamp: u64, body: &[u8]) -> String {
    assert!(!secrets.is_empty(), "sign_header needs at least one secret");
    // An empty secret is refused where secrets are configured (`Verifier::new`,
    // `DeliveryQueue::new`); checking it here too is allowed, not required.
    let mut header = format!("t={timestamp}");
    for secret in secrets {
        header.push_str(",v1=");
        header.push_str(&signature_hex(secret.as_ref(), timestamp, body));
    }
    header
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

/// What a well-formed header says: the timestamp (as sent and as a number)
/// and the decoded signatures.
struct ParsedHeader<'h> {
    timestamp_text: &'h str,
    timestamp: u64,
    signatures: Vec<Vec<u8>>,
}

/// Reads `t=...,v1=...,v1=...`; keys other than `t` and `v1` are ignored, so
/// a sender can add a future scheme (`v2=`) next to `v1` without breaking us.
fn parse_header(header: &str) -> Result<ParsedHeader<'_>, SignatureError> {
    let mut timestamp_text = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let (key, value) = part.split_once('=').ok_or(SignatureError::Malformed)?;
        match key {
            "t" if timestamp_text.is_some() => return Err(SignatureError::DuplicateTimestamp),
            "t" => timestamp_text = Some(value),
            "v1" => signatures.push(decode_signature(value)?),
            _ => {}
        }
    }
    let timestamp_text = timestamp_text.ok_or(SignatureError::MissingTimestamp)?;
    // `u64::from_str` also accepts a leading `+`; a timestamp is digits only.
    let timestamp = Some(timestamp_text)
        .filter(|text| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|text| text.parse::<u64>().ok())
        .ok_or(SignatureError::InvalidTimestamp)?;
    if signatures.is_empty() {
        return Err(SignatureError::MissingSignature);
    }
    Ok(ParsedHeader {
        timestamp_text,
        timestamp,
        signatures,
    })
}

/// 64 hex digits, each in either case (mixed is fine), decoded to the 32
/// bytes of an HMAC-SHA256.
fn decode_signature(value: &str) -> Result<Vec<u8>, SignatureError> {
    if value.len() != 64 {
        return Err(SignatureError::InvalidSignature);
    }
    hex::decode(value).map_err(|_| SignatureError::InvalidSignature)
}

/// Checks `Webhook-Signature` headers against the raw bodies they came with.
#[derive(Debug, Clone)]
pub struct Verifier {
    secrets: Vec<Vec<u8>>,
    tolerance_secs: u64,
}

impl Verifier {
    /// A verifier accepting a signature made with any of `secrets` (several
    /// during a rotation), for timestamps at most `tolerance_secs` from now.
    ///
    /// # Panics
    /// If `secrets` is empty or one of them is empty.
    pub fn new<S: AsRef<[u8]>>(secrets: &[S], tolerance_secs: u64) -> Self {
        assert!(!secrets.is_empty(), "a verifier needs at least one secret");
        // An empty key is a configuration mistake, and anyone can compute it.
        assert!(
            secrets.iter().all(|secret| !secret.as_ref().is_empty()),
            "a webhook secret must not be empty"
        );
        let secrets = secrets.iter().map(|s| s.as_ref().to_vec()).collect();
        Self {
            secrets,
            tolerance_secs,
        }
    }

    /// Verifies `header` for the raw `body` at `now` (Unix seconds) and
    /// returns the header's timestamp.
    ///
    /// Checks, in this order: the header's shape, the timestamp's distance
    /// from `now` (a distance of exactly the tolerance is accepted), then the
    /// signatures.
    pub fn verify(&self, header: &str, body: &[u8], now: u64) -> Result<u64, SignatureError> {
        let parsed = parse_header(header)?;
        // Checked before any HMAC is computed: a replayed delivery is refused
        // cheaply, whatever it carries.
        if now.abs_diff(parsed.timestamp) > self.tolerance_secs {
            return Err(SignatureError::TimestampOutsideTolerance);
        }
        let genuine = parsed.signatures.iter().any(|signature| {
            self.secrets.iter().any(|secret| {
                // `verify_slice` compares in constant time. Comparing with `==`
                // stops at the first differing byte, and how long a refusal
                // takes would tell an attacker how much of a forgery is right.
                mac_for(secret, parsed.timestamp_text, body)
                    .verify_slice(signature)
                    .is_ok()
            })
        });
        if genuine {
            Ok(parsed.timestamp)
        } else {
            Err(SignatureError::NoMatchingSignature)
        }
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
        // Doubling step by step, rather than computing 2^attempt, cannot
        // overflow: it stops at the cap (or at zero, which doubling never
        // leaves), at most a hundred or so steps in, whatever `attempt` is.
        let mut delay = self.base.min(self.cap);
        for _ in 0..attempt {
            if delay >= self.cap || delay.is_zero() {
                break;
            }
            delay = delay.checked_mul(2).map_or(self.cap, |doubled| doubled.min(self.cap));
        }
        delay
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

/// What one attempt's result means for the delivery.
enum Verdict {
    Delivered,
    /// Retry, after `Retry-After` when the receiver gave a usable one.
    Retry(Failure, Option<Duration>),
    GiveUp(Failure),
}

fn classify(result: Result<Response, TransportError>) -> Verdict {
    match result {
        Err(TransportError(message)) => Verdict::Retry(Failure::Network(message), None),
        Ok(response) => match response.status {
            200..=299 => Verdict::Delivered,
            408 | 429 | 500..=599 => {
                // Whole seconds only; an HTTP date or anything else is ignored
                // and the ordinary backoff applies. Digits too large for a u64
                // fail to parse and are ignored too (the README accepts either).
                let wait = response
                    .retry_after
                    .as_deref()
                    .and_then(|value| value.trim().parse::<u64>().ok().map(Duration::from_secs));
                Verdict::Retry(Failure::Status(response.status), wait)
            }
            // Other 4xx: the receiver says the request itself is wrong, and
            // sending it again will not change its mind. 1xx and 3xx are not
            // an answer a webhook sender can act on either.
            status => Verdict::GiveUp(Failure::Status(status)),
        },
    }
}

/// A delivery waiting for its next attempt.
struct Pending {
    event_id: String,
    body: Vec<u8>,
    attempts: u32,
    due: Duration,
    /// Enqueue order, to break ties between equal due times.
    seq: u64,
}

/// An outbox of webhook deliveries, retried with backoff until delivered or
/// dead-lettered. Time is passed in as a `Duration` since the Unix epoch.
pub struct DeliveryQueue<T, R> {
    secrets: Vec<Vec<u8>>,
    policy: RetryPolicy,
    transport: T,
    random: R,
    pending: Vec<Pending>,
    next_seq: u64,
    delivered: Vec<String>,
    dead_letters: Vec<DeadLetter>,
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
        assert!(
            !secrets.is_empty(),
            "a delivery queue needs at least one secret"
        );
        assert!(
            secrets.iter().all(|secret| !secret.as_ref().is_empty()),
            "a webhook secret must not be empty"
        );
        assert!(policy.max_attempts > 0, "max_attempts must be at least 1");
        Self {
            secrets: secrets.iter().map(|s| s.as_ref().to_vec()).collect(),
            policy,
            transport,
            random,
            pending: Vec::new(),
            next_seq: 0,
            delivered: Vec::new(),
            dead_letters: Vec::new(),
        }
    }

    /// Adds a delivery of `body` for `event_id`, due at once (at `now`).
    pub fn enqueue(
        &mut self,
        event_id: impl Into<String>,
        body: impl Into<Vec<u8>>,
        now: Duration,
    ) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.pending.push(Pending {
            event_id: event_id.into(),
            body: body.into(),
            attempts: 0,
            due: now,
            seq,
        });
    }

    /// Makes one attempt for every delivery due at `now` (due time `<= now`),
    /// earliest due first, ties in enqueue order, and returns how many
    /// attempts it made. A delivery is attempted at most once per call, even
    /// if its retry falls due at `now` again.
    pub fn deliver_due(&mut self, now: Duration) -> usize {
        // Take the due deliveries out first: whatever is rescheduled below
        // goes back into `pending` and cannot be picked up again in this call.
        let (mut due, waiting): (Vec<_>, Vec<_>) = self
            .pending
            .drain(..)
            .partition(|delivery| delivery.due <= now);
        self.pending = waiting;
        due.sort_by_key(|delivery| (delivery.due, delivery.seq));
        let attempts = due.len();
        for delivery in due {
            self.attempt(delivery, now);
        }
        attempts
    }

    fn attempt(&mut self, mut delivery: Pending, now: Duration) {
        // Signed afresh with this attempt's time: a retry hours later must
        // still pass the receiver's tolerance window.
        let request = Request {
            event_id: delivery.event_id.clone(),
            signature: sign_header(&self.secrets, now.as_secs(), &delivery.body),
            body: delivery.body.clone(),
        };
        let result = self.transport.send(&request);
        // The number of the attempt just made, counting from 0.
        let attempt = delivery.attempts;
        delivery.attempts += 1;
        match classify(result) {
            Verdict::Delivered => self.delivered.push(delivery.event_id),
            Verdict::Retry(_, wait) if delivery.attempts < self.policy.max_attempts => {
                let wait = wait.unwrap_or_else(|| self.jitter(attempt));
                delivery.due = now.saturating_add(wait);
                self.pending.push(delivery);
            }
            Verdict::Retry(failure, _) | Verdict::GiveUp(failure) => {
                self.dead_letters.push(DeadLetter {
                    event_id: delivery.event_id,
                    body: delivery.body,
                    attempts: delivery.attempts,
                    last_failure: failure,
                });
            }
        }
    }

    /// Full jitter: anywhere from nothing to the whole ceiling, so that
    /// deliveries that failed together do not all come back together.
    fn jitter(&mut self, attempt: u32) -> Duration {
        let ceiling = self.policy.ceiling(attempt).as_millis();
        // `as_millis` is a u128: a ceiling past u64::MAX ms (a cap of some 584
        // million years) asks for the most `up_to` can give, not a wrapped value.
        let ceiling = u64::try_from(ceiling).unwrap_or(u64::MAX);
        Duration::from_millis(self.random.up_to(ceiling))
    }

    /// When `event_id`'s next attempt is due; `None` once it is delivered or
    /// dead-lettered (or was never enqueued).
    pub fn due_at(&self, event_id: &str) -> Option<Duration> {
        self.pending
            .iter()
            .find(|delivery| delivery.event_id == event_id)
            .map(|delivery| delivery.due)
    }

    /// The earliest due time of all pending deliveries.
    pub fn next_due(&self) -> Option<Duration> {
        self.pending.iter().map(|delivery| delivery.due).min()
    }

    /// How many deliveries are still waiting for an attempt.
    pub fn pending_count(&self) -> usize {
        self.pending.len()
    }

    /// The ids delivered (2xx), in the order they were delivered.
    pub fn delivered(&self) -> &[String] {
        &self.delivered
    }

    /// The deliveries given up on, in the order they were given up.
    pub fn dead_letters(&self) -> &[DeadLetter] {
        &self.dead_letters
    }

    /// The transport, to inspect what was sent.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The transport, to change what it will answer.
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
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
    verifier: Verifier,
    handler: H,
    processed: HashSet<String>,
}

impl<H: Handler> Receiver<H> {
    /// A receiver that has processed nothing yet.
    pub fn new(verifier: Verifier, handler: H) -> Self {
        Self {
            verifier,
            handler,
            processed: HashSet::new(),
        }
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
        // Nothing is read, not even the id, before the signature holds.
        self.verifier.verify(signature_header, body, now)?;
        // The id comes from the signed body: the `Webhook-Id` header is not
        // covered by a "t.body" signature, so anyone could change it.
        let event_id = event_id_of(body).ok_or(ReceiveError::InvalidPayload)?;
        if self.processed.contains(&event_id) {
            return Ok(Receipt::Duplicate);
        }
        self.handler
            .handle(&event_id, body)
            .map_err(ReceiveError::Handler)?;
        // Recorded only after success: a failed event must be processed when
        // the sender retries it.
        self.processed.insert(event_id);
        Ok(Receipt::Processed)
    }

    /// Whether the event `event_id` has been processed successfully.
    pub fn has_processed(&self, event_id: &str) -> bool {
        self.processed.contains(event_id)
    }

    /// The handler, to inspect what it did.
    pub fn handler(&self) -> &H {
        &self.handler
    }
}

fn event_id_of(body: &[u8]) -> Option<String> {
    let event: serde_json::Value = serde_json::from_slice(body).ok()?;
    let id = event.get("id")?.as_str()?;
    (!id.is_empty()).then(|| id.to_string())
}
