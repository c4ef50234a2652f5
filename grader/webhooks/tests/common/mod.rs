//! What the webhook tests share: secrets, bodies and times, a transport that
//! answers from a script, a random source that answers by a rule and records
//! what it was asked, and a handler that records (and can fail) its calls.
#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

use webhooks::{
    DeliveryQueue, Handler, RandomSource, Request, Response, RetryPolicy, TransportError,
    Transport,
};

pub const SECRET: &str = "whsec_test_secret";
pub const NEW_SECRET: &str = "whsec_new_secret";
pub const BODY: &[u8] = br#"{"id":"evt_1","type":"task.completed"}"#;
/// 2023-11-14 22:13:20 UTC, in Unix seconds.
pub const T0: u64 = 1_700_000_000;

/// `secs` seconds after `T0`, as the queue's time (a Duration since the Unix epoch).
pub fn at(secs: u64) -> Duration {
    Duration::from_secs(T0 + secs)
}

/// `ms` milliseconds after `T0`, as the queue's time.
pub fn at_ms(ms: u64) -> Duration {
    Duration::from_secs(T0) + Duration::from_millis(ms)
}

/// How many milliseconds after `T0` a queue time is, for readable messages.
pub fn ms_after_t0(time: Duration) -> u128 {
    time.as_millis() - u128::from(T0) * 1000
}

/// A body for the event `id`.
pub fn body(id: &str) -> Vec<u8> {
    format!(r#"{{"id":"{id}","type":"task.completed"}}"#).into_bytes()
}

pub type Answer = Result<Response, TransportError>;

/// An answer with `status`.
pub fn status(code: u16) -> Answer {
    Ok(Response::new(code))
}

/// No answer: a network error with `message`.
pub fn network(message: &str) -> Answer {
    Err(TransportError(message.to_string()))
}

/// Answers from a script, then with `fallback` once the script is used up,
/// and keeps every request it was sent.
pub struct ScriptedTransport {
    pub script: VecDeque<Answer>,
    pub fallback: Answer,
    pub sent: Vec<Request>,
}

impl ScriptedTransport {
    /// Answers `answers` in order, then 200 forever.
    pub fn new(answers: Vec<Answer>) -> Self {
        Self { script: answers.into(), fallback: status(200), sent: Vec::new() }
    }

    /// Answers `answer` to every request.
    pub fn always(answer: Answer) -> Self {
        Self { script: VecDeque::new(), fallback: answer, sent: Vec::new() }
    }

    /// The event ids of the requests sent so far, in order.
    pub fn ids(&self) -> Vec<String> {
        self.sent.iter().map(|request| request.event_id.clone()).collect()
    }
}

impl Transport for ScriptedTransport {
    fn send(&mut self, request: &Request) -> Result<Response, TransportError> {
        self.sent.push(request.clone());
        self.script.pop_front().unwrap_or_else(|| self.fallback.clone())
    }
}

/// Answers `rule(max)` and records every `max` it was asked for.
pub struct RuleRandom {
    pub rule: fn(u64) -> u64,
    pub asked: Rc<RefCell<Vec<u64>>>,
}

impl RuleRandom {
    /// Always the largest value allowed: the delay is the whole ceiling.
    pub fn max() -> (Self, Rc<RefCell<Vec<u64>>>) {
        Self::with(|max| max)
    }

    /// Any rule; returns the random source and the record of what it was asked.
    pub fn with(rule: fn(u64) -> u64) -> (Self, Rc<RefCell<Vec<u64>>>) {
        let asked = Rc::new(RefCell::new(Vec::new()));
        (Self { rule, asked: Rc::clone(&asked) }, asked)
    }
}

impl RandomSource for RuleRandom {
    fn up_to(&mut self, max: u64) -> u64 {
        self.asked.borrow_mut().push(max);
        (self.rule)(max)
    }
}

/// A policy with whole-second `base` and `cap`.
pub fn policy(max_attempts: u32, base_secs: u64, cap_secs: u64) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base: Duration::from_secs(base_secs),
        cap: Duration::from_secs(cap_secs),
    }
}

pub type Queue = DeliveryQueue<ScriptedTransport, RuleRandom>;

/// A queue with one secret, `policy`, `answers` then 200, and a random source
/// answering the whole ceiling; also returns what the random source was asked.
pub fn queue(policy: RetryPolicy, answers: Vec<Answer>) -> (Queue, Rc<RefCell<Vec<u64>>>) {
    let (random, asked) = RuleRandom::max();
    let queue = DeliveryQueue::new(&[SECRET], policy, ScriptedTransport::new(answers), random);
    (queue, asked)
}

/// Runs the queue until nothing is pending, each step at the next due time;
/// returns the times of the steps, in milliseconds after `T0`.
pub fn run_to_end<T: Transport, R: RandomSource>(queue: &mut DeliveryQueue<T, R>) -> Vec<u128> {
    let mut steps = Vec::new();
    while let Some(due) = queue.next_due() {
        assert!(steps.len() < 100, "the queue still had deliveries pending after 100 steps");
        queue.deliver_due(due);
        steps.push(ms_after_t0(due));
    }
    steps
}

/// A handler that records the ids it was called with and fails while
/// `failures_left` is above zero.
#[derive(Default)]
pub struct Recorder {
    pub calls: Vec<String>,
    pub bodies: Vec<Vec<u8>>,
    pub failures_left: usize,
}

impl Handler for Recorder {
    fn handle(&mut self, event_id: &str, body: &[u8]) -> Result<(), String> {
        self.calls.push(event_id.to_string());
        self.bodies.push(body.to_vec());
        if self.failures_left > 0 {
            self.failures_left -= 1;
            return Err("database is locked".to_string());
        }
        Ok(())
    }
}
