//! Part 4: the idempotent receiver, alone and at the end of a delivery queue.

mod common;

use expect::expect_eq;
use common::{
    RuleRandom, Recorder, SECRET, T0, at, body, policy, run_to_end,
};
use webhooks::{
    DeliveryQueue, Receipt, ReceiveError, Receiver, Request, Response, SignatureError,
    Transport, TransportError, Verifier, sign_header,
};

fn receiver() -> Receiver<Recorder> {
    Receiver::new(Verifier::new(&[SECRET], 300), Recorder::default())
}

fn signed(body: &[u8], t: u64) -> String {
    sign_header(&[SECRET], t, body)
}

/// A genuine first delivery is handed to the handler once, with the id from its body.
/// Rules: processed-once, id-from-body.
#[test]
fn first_delivery_is_processed() {
    let mut receiver = receiver();
    let payload = body("evt_1");
    expect_eq!(receiver.receive(&signed(&payload, T0), &payload, T0), Ok(Receipt::Processed));
    expect_eq!(receiver.handler().calls, ["evt_1"], "the handler is called once, with the body's id");
    expect_eq!(receiver.handler().bodies, [payload], "the handler gets the body as received");
    assert!(receiver.has_processed("evt_1"));
    assert!(!receiver.has_processed("evt_2"), "an id never received is not processed");
}

/// A second delivery of the same event, freshly signed, is acknowledged as `Duplicate` without calling the handler.
/// Rules: duplicate-acknowledged, processed-once.
#[test]
fn duplicate_is_acknowledged_not_reprocessed() {
    let mut receiver = receiver();
    let payload = body("evt_1");
    receiver.receive(&signed(&payload, T0), &payload, T0).unwrap();
    for later in [T0 + 60, T0 + 120] {
        expect_eq!(
            receiver.receive(&signed(&payload, later), &payload, later),
            Ok(Receipt::Duplicate),
            "a redelivery of evt_1 must be acknowledged as a duplicate"
        );
    }
    expect_eq!(receiver.handler().calls, ["evt_1"], "the handler must run once, however often evt_1 arrives");
    let changed = br#"{"id":"evt_1","type":"task.completed","attempt":2}"#;
    expect_eq!(
        receiver.receive(&signed(changed, T0 + 180), changed, T0 + 180),
        Ok(Receipt::Duplicate),
        "evt_1 again with a different body: the event id decides what is a duplicate, not the bytes"
    );
    expect_eq!(receiver.handler().calls, ["evt_1"], "evt_1 with another body must not be handled again");
    let other = body("evt_2");
    expect_eq!(receiver.receive(&signed(&other, T0), &other, T0), Ok(Receipt::Processed), "a new id is processed");
}

/// A delivery whose signature fails is refused with that error, and the handler is not called.
/// Rules: receive-verifies-first.
#[test]
fn bad_signature_is_refused_before_anything() {
    let mut receiver = receiver();
    let payload = body("evt_1");
    let forged = sign_header(&["whsec_guessed"], T0, &payload);
    let result = receiver.receive(&forged, &payload, T0);
    expect_eq!(result, Err(ReceiveError::Signature(SignatureError::NoMatchingSignature)));
    assert!(receiver.handler().calls.is_empty(), "the handler must not see a forged delivery");
    let stale = receiver.receive(&signed(&payload, T0), &payload, T0 + 3600);
    expect_eq!(stale, Err(ReceiveError::Signature(SignatureError::TimestampOutsideTolerance)));
    assert!(receiver.handler().calls.is_empty(), "the handler must not see a replayed delivery");
    let junk = b"not json";
    let forged_junk = sign_header(&["whsec_guessed"], T0, junk);
    expect_eq!(
        receiver.receive(&forged_junk, junk, T0),
        Err(ReceiveError::Signature(SignatureError::NoMatchingSignature)),
        "a forged delivery whose body has no id: the signature is checked before the body is read"
    );
}

/// A refused delivery does not mark its id as processed: the genuine one is processed afterwards.
/// Rules: rejected-not-recorded.
#[test]
fn refused_delivery_does_not_block_the_genuine_one() {
    let mut receiver = receiver();
    let payload = body("evt_1");
    let forged = sign_header(&["whsec_guessed"], T0, &payload);
    assert!(receiver.receive(&forged, &payload, T0).is_err());
    assert!(!receiver.has_processed("evt_1"), "a forged delivery must not mark evt_1 as processed");
    expect_eq!(
        receiver.receive(&signed(&payload, T0), &payload, T0),
        Ok(Receipt::Processed),
        "the genuine evt_1 after a forged one must be processed, not called a duplicate"
    );
}

/// A forged copy of an event already processed is refused, not acknowledged as a duplicate.
/// Rules: receive-verifies-first.
#[test]
fn forged_duplicate_is_still_refused() {
    let mut receiver = receiver();
    let payload = body("evt_1");
    receiver.receive(&signed(&payload, T0), &payload, T0).unwrap();
    let forged = format!("t={T0},v1={}", "0".repeat(64));
    expect_eq!(
        receiver.receive(&forged, &payload, T0),
        Err(ReceiveError::Signature(SignatureError::NoMatchingSignature)),
        "the signature is checked before the duplicate check"
    );
}

/// A verified body that is not a JSON object with a non-empty string `id` is `InvalidPayload`, and is not handled.
/// Rules: id-from-body.
#[test]
fn body_without_a_usable_id_is_invalid() {
    let mut receiver = receiver();
    let bodies: [&[u8]; 6] = [
        b"not json",
        br#"{"type":"task.completed"}"#,
        br#"{"id":42}"#,
        br#"{"id":""}"#,
        br#"["evt_1"]"#,
        br#"{"id":null}"#,
    ];
    for payload in bodies {
        expect_eq!(
            receiver.receive(&signed(payload, T0), payload, T0),
            Err(ReceiveError::InvalidPayload),
            "body {:?}",
            String::from_utf8_lossy(payload)
        );
    }
    assert!(receiver.handler().calls.is_empty(), "the handler must not be called without an id");
}

/// A failed handler is reported as `Handler(message)` and not recorded, so the retry is processed.
/// Rules: failed-handler-not-recorded.
#[test]
fn failed_event_is_processed_on_retry() {
    let mut receiver = Receiver::new(
        Verifier::new(&[SECRET], 300),
        Recorder { failures_left: 1, ..Recorder::default() },
    );
    let payload = body("evt_1");
    let first = receiver.receive(&signed(&payload, T0), &payload, T0);
    expect_eq!(first, Err(ReceiveError::Handler("database is locked".to_string())));
    assert!(!receiver.has_processed("evt_1"), "a failed event must not be recorded as processed");
    expect_eq!(
        receiver.receive(&signed(&payload, T0 + 1), &payload, T0 + 1),
        Ok(Receipt::Processed),
        "the retry of a failed event must run the handler again"
    );
    expect_eq!(receiver.handler().calls, ["evt_1", "evt_1"]);
    assert!(receiver.has_processed("evt_1"));
}

/// A transport that hands each request to a receiver, and can lose the answer
/// after the receiver has processed it.
struct Wire {
    receiver: Receiver<Recorder>,
    now: u64,
    lose_answers: usize,
}

impl Transport for Wire {
    fn send(&mut self, request: &Request) -> Result<Response, TransportError> {
        let status = match self.receiver.receive(&request.signature, &request.body, self.now) {
            Ok(_) => 200,
            Err(error) => error.status(),
        };
        if self.lose_answers > 0 {
            self.lose_answers -= 1;
            return Err(TransportError("timed out waiting for the answer".to_string()));
        }
        Ok(Response::new(status))
    }
}

/// End to end: a lost answer makes the queue resend, and the receiver acknowledges the resend without reprocessing.
/// Rules: duplicate-acknowledged, retry-network-error, resign-each-attempt.
#[test]
fn lost_answer_is_resent_and_deduplicated() {
    let receiver = Receiver::new(Verifier::new(&[SECRET], 300), Recorder::default());
    let wire = Wire { receiver, now: T0, lose_answers: 1 };
    let (random, _) = RuleRandom::with(|_| 600_000);
    let mut queue = DeliveryQueue::new(&[SECRET], policy(5, 3600, 3600), wire, random);
    queue.enqueue("evt_1", body("evt_1"), at(0));
    queue.deliver_due(at(0));
    expect_eq!(queue.due_at("evt_1"), Some(at(600)), "the answer was lost: retry in 600 s");
    queue.transport_mut().now = T0 + 600;
    queue.deliver_due(at(600));
    expect_eq!(queue.delivered(), ["evt_1"], "the resend is acknowledged (200) and delivered");
    let calls = &queue.transport().receiver.handler().calls;
    expect_eq!(calls, &["evt_1"], "the receiver processed evt_1 once, not once per delivery");
}

/// End to end: a failing handler (500) is retried by the queue until it succeeds.
/// Rules: failed-handler-not-recorded, retry-5xx.
#[test]
fn failing_handler_is_retried_until_it_succeeds() {
    let recorder = Recorder { failures_left: 2, ..Recorder::default() };
    let receiver = Receiver::new(Verifier::new(&[SECRET], 300), recorder);
    let wire = Wire { receiver, now: T0, lose_answers: 0 };
    let (random, _) = RuleRandom::max();
    let mut queue = DeliveryQueue::new(&[SECRET], policy(5, 1, 60), wire, random);
    queue.enqueue("evt_1", body("evt_1"), at(0));
    let steps = run_to_end(&mut queue);
    expect_eq!(steps, [0, 1000, 3000], "two 500s, then success on the third attempt");
    expect_eq!(queue.delivered(), ["evt_1"]);
    expect_eq!(queue.transport().receiver.handler().calls.len(), 3, "the handler ran on every attempt until it worked");
}

/// Two receivers keep separate sets: one has processed an id, a new one has not.
/// Rules: receivers-independent.
#[test]
fn receivers_do_not_share_their_sets() {
    let payload = body("evt_1");
    let mut first = receiver();
    expect_eq!(first.receive(&signed(&payload, T0), &payload, T0), Ok(Receipt::Processed));
    let mut second = receiver();
    assert!(!second.has_processed("evt_1"), "a new receiver starts with no event processed");
    expect_eq!(
        second.receive(&signed(&payload, T0), &payload, T0),
        Ok(Receipt::Processed),
        "evt_1 was processed by another receiver: this one must process it too, not call it a duplicate"
    );
    expect_eq!(second.handler().calls, ["evt_1"], "the second receiver's handler runs for evt_1");
    assert!(first.has_processed("evt_1") && second.has_processed("evt_1"));
}

/// Several events, some delivered twice, are each handled once, in the order they first arrived.
/// Rules: processed-once.
#[test]
fn receiver_handles_several_events() {
    let mut receiver = receiver();
    for id in ["evt_a", "evt_b", "evt_a", "evt_c", "evt_b"] {
        let payload = body(id);
        receiver.receive(&signed(&payload, T0), &payload, T0).unwrap();
    }
    expect_eq!(receiver.handler().calls, ["evt_a", "evt_b", "evt_c"], "each id handled once, in arrival order");
}
