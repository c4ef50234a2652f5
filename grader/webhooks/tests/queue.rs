//! Part 3, the queue itself: what is due, in which order, what each request
//! carries, and what each kind of answer does to a delivery.

mod common;

use expect::expect_eq;
use common::{
    NEW_SECRET, RuleRandom, SECRET, ScriptedTransport, at, at_ms, body, network, policy, queue,
    status,
};
use webhooks::{DeliveryQueue, Failure, RetryPolicy, sign_header};

/// A delivery is due at the time it was enqueued: not a second before, and at that time exactly.
/// Rules: enqueue-due-now, only-due-attempted, deliver-due-returns-count.
#[test]
fn first_attempt_is_due_at_enqueue_time() {
    let (mut queue, _) = queue(policy(5, 1, 60), vec![]);
    queue.enqueue("evt_1", body("evt_1"), at(10));
    expect_eq!(queue.due_at("evt_1"), Some(at(10)), "due_at right after enqueue at T0+10 s");
    expect_eq!(queue.deliver_due(at(9)), 0, "deliver_due one second early must attempt nothing");
    assert!(queue.transport().sent.is_empty(), "nothing may be sent before the due time");
    expect_eq!(queue.deliver_due(at(10)), 1, "deliver_due at the due time makes one attempt");
    expect_eq!(queue.transport().sent.len(), 1);
}

/// A 2xx answer marks the event delivered; it is never attempted again.
/// Rules: success-delivered, queue-inspection.
#[test]
fn success_is_final() {
    let (mut queue, _) = queue(policy(5, 1, 60), vec![status(200), status(204), status(299)]);
    for id in ["evt_a", "evt_b", "evt_c"] {
        queue.enqueue(id, body(id), at(0));
    }
    expect_eq!(queue.deliver_due(at(0)), 3);
    expect_eq!(queue.delivered(), ["evt_a", "evt_b", "evt_c"], "200, 204 and 299 all mean delivered");
    expect_eq!(queue.pending_count(), 0, "nothing is pending after three successes");
    expect_eq!(queue.next_due(), None);
    expect_eq!(queue.due_at("evt_a"), None, "a delivered event has no next attempt");
    assert!(queue.dead_letters().is_empty());
    expect_eq!(queue.deliver_due(at(3600)), 0, "a delivered event is never sent again");
}

/// Each request carries the event id, the body as enqueued, and a header signed with every secret at this attempt's second.
/// Rules: request-fields, resign-each-attempt.
#[test]
fn request_is_signed_with_all_secrets() {
    let (random, _) = RuleRandom::max();
    let transport = ScriptedTransport::new(vec![]);
    let mut queue = DeliveryQueue::new(&[SECRET, NEW_SECRET], policy(5, 1, 60), transport, random);
    let payload = body("evt_7");
    queue.enqueue("evt_7", payload.clone(), at(0));
    queue.deliver_due(at_ms(5_999));
    let request = &queue.transport().sent[0];
    expect_eq!(request.event_id, "evt_7");
    expect_eq!(request.body, payload, "the body must be sent exactly as enqueued");
    expect_eq!(
        request.signature,
        sign_header(&[SECRET, NEW_SECRET], common::T0 + 5, &payload),
        "sent at T0+5.999 s: expected t=T0+5 (whole seconds of `now`) and one v1 per secret"
    );
}

/// A retry carries a new signature with the retry's own timestamp, not the first attempt's.
/// Rules: resign-each-attempt.
#[test]
fn every_attempt_is_signed_afresh() {
    let (mut queue, _) = queue(policy(5, 1, 60), vec![status(503)]);
    let payload = body("evt_1");
    queue.enqueue("evt_1", payload.clone(), at(0));
    queue.deliver_due(at(0));
    queue.deliver_due(at(7200));
    let sent = &queue.transport().sent;
    expect_eq!(sent.len(), 2, "one attempt, then one retry two hours later");
    expect_eq!(sent[0].signature, sign_header(&[SECRET], common::T0, &payload));
    expect_eq!(
        sent[1].signature,
        sign_header(&[SECRET], common::T0 + 7200, &payload),
        "the retry two hours later must be signed with its own time, or receivers refuse it as a replay"
    );
}

/// Deliveries are attempted earliest due first, and in enqueue order when due at the same time.
/// Rules: due-order.
#[test]
fn due_deliveries_go_in_due_order() {
    let (mut queue, _) = queue(policy(5, 1, 60), vec![]);
    // The two late ones are enqueued in the reverse of their ids' alphabetical order.
    queue.enqueue("evt_late_b", body("evt_late_b"), at(5));
    queue.enqueue("evt_early", body("evt_early"), at(0));
    queue.enqueue("evt_late_a", body("evt_late_a"), at(5));
    queue.enqueue("evt_future", body("evt_future"), at(20));
    expect_eq!(queue.next_due(), Some(at(0)), "next_due is the earliest due time");
    expect_eq!(queue.deliver_due(at(10)), 3, "three deliveries are due at T0+10 s");
    expect_eq!(
        queue.transport().ids(),
        ["evt_early", "evt_late_b", "evt_late_a"],
        "expected earliest due first, ties in enqueue order (not id order), and nothing not yet due"
    );
    expect_eq!(queue.pending_count(), 1, "evt_future is still pending");
    expect_eq!(queue.due_at("evt_future"), Some(at(20)));
}

/// A retry that falls due at the same time as a later-enqueued delivery still goes first: ties follow enqueue order.
/// Rules: due-order.
#[test]
fn retry_keeps_its_place_among_equal_due_times() {
    let (mut queue, _) = queue(policy(5, 1, 60), vec![status(503)]);
    // Enqueue order is the reverse of the ids' alphabetical order.
    queue.enqueue("evt_retried", body("evt_retried"), at(0));
    queue.enqueue("evt_fresh", body("evt_fresh"), at(1));
    queue.deliver_due(at(0));
    expect_eq!(queue.due_at("evt_retried"), Some(at(1)), "evt_retried failed at T0: its retry is due at T0+1 s");
    queue.deliver_due(at(1));
    expect_eq!(
        queue.transport().ids(),
        ["evt_retried", "evt_retried", "evt_fresh"],
        "both are due at T0+1 s: evt_retried was enqueued first, so its retry goes before evt_fresh"
    );
}

/// A retry due at once (a zero wait) is not attempted again in the same `deliver_due` call.
/// Rules: once-per-call.
#[test]
fn at_most_one_attempt_per_call() {
    let (random, _) = RuleRandom::with(|_| 0);
    let transport = ScriptedTransport::always(status(500));
    let mut queue = DeliveryQueue::new(&[SECRET], policy(5, 1, 60), transport, random);
    queue.enqueue("evt_1", body("evt_1"), at(0));
    expect_eq!(queue.deliver_due(at(0)), 1, "one attempt in the first call");
    expect_eq!(queue.transport().sent.len(), 1, "a zero wait must not cause a second attempt in the same call");
    expect_eq!(queue.due_at("evt_1"), Some(at(0)), "the retry is due at once");
    expect_eq!(queue.deliver_due(at(0)), 1, "the next call picks the retry up");
    expect_eq!(queue.transport().sent.len(), 2);
}

/// 408 and 429 are retried, not dead-lettered.
/// Rules: retry-408-429.
#[test]
fn timeouts_and_rate_limits_are_retried() {
    for code in [408, 429] {
        let (mut queue, _) = queue(policy(5, 1, 60), vec![status(code)]);
        queue.enqueue("evt_1", body("evt_1"), at(0));
        queue.deliver_due(at(0));
        assert!(queue.dead_letters().is_empty(), "{code} must be retried, not dead-lettered");
        expect_eq!(queue.due_at("evt_1"), Some(at(1)), "after a {code}, the retry is due base (1 s) later");
        queue.deliver_due(at(1));
        expect_eq!(queue.delivered(), ["evt_1"], "the retry after a {code} succeeds");
    }
}

/// Every 5xx, from 500 to 599, is retried.
/// Rules: retry-5xx.
#[test]
fn server_errors_are_retried() {
    for code in [500, 502, 503, 504, 599] {
        let (mut queue, _) = queue(policy(5, 1, 60), vec![status(code)]);
        queue.enqueue("evt_1", body("evt_1"), at(0));
        queue.deliver_due(at(0));
        assert!(queue.dead_letters().is_empty(), "{code} must be retried, not dead-lettered");
        expect_eq!(queue.due_at("evt_1"), Some(at(1)), "after a {code}, the retry is due base (1 s) later");
    }
}

/// A network error (no answer at all) is retried.
/// Rules: retry-network-error.
#[test]
fn network_errors_are_retried() {
    let (mut queue, _) = queue(policy(5, 1, 60), vec![network("connection refused")]);
    queue.enqueue("evt_1", body("evt_1"), at(0));
    queue.deliver_due(at(0));
    assert!(queue.dead_letters().is_empty(), "a network error must be retried");
    expect_eq!(queue.due_at("evt_1"), Some(at(1)));
    queue.deliver_due(at(1));
    expect_eq!(queue.delivered(), ["evt_1"]);
}

/// Any other status (other 4xx, 1xx, 3xx, above 599) dead-letters the delivery after one attempt.
/// Rules: other-status-dead-at-once, dead-letter-contents.
#[test]
fn other_answers_dead_letter_at_once() {
    for code in [400, 401, 403, 404, 410, 422, 499, 301, 100, 600, 999] {
        let (mut queue, asked) = queue(policy(5, 1, 60), vec![status(code)]);
        queue.enqueue("evt_1", body("evt_1"), at(0));
        queue.deliver_due(at(0));
        expect_eq!(queue.due_at("evt_1"), None, "{code} must not be retried");
        let dead = queue.dead_letters();
        expect_eq!(dead.len(), 1, "{code} must dead-letter the delivery at once");
        expect_eq!(dead[0].attempts, 1, "one attempt was made before the {code}");
        expect_eq!(dead[0].last_failure, Failure::Status(code));
        assert!(asked.borrow().is_empty(), "no backoff is drawn for a delivery that is given up");
        expect_eq!(queue.deliver_due(at(3600)), 0, "a dead letter is never attempted again");
    }
}

/// A 400 that carries a `Retry-After` is still dead-lettered at once.
/// Rules: other-status-dead-at-once.
#[test]
fn retry_after_does_not_make_a_400_retryable() {
    let answer = Ok(webhooks::Response::new(400).with_retry_after("5"));
    let (mut queue, _) = queue(policy(5, 1, 60), vec![answer]);
    queue.enqueue("evt_1", body("evt_1"), at(0));
    queue.deliver_due(at(0));
    expect_eq!(queue.dead_letters().len(), 1, "a 400 is final, Retry-After or not");
}

/// `new` panics without secrets, with an empty secret, or with `max_attempts` of 0.
/// Rules: queue-new-panics.
#[test]
fn queue_constructor_panics() {
    fn panics(secrets: &[&str], policy: RetryPolicy) -> bool {
        std::panic::catch_unwind(|| {
            let (random, _) = RuleRandom::max();
            DeliveryQueue::new(secrets, policy, ScriptedTransport::new(vec![]), random);
        })
        .is_err()
    }
    let good = policy(5, 1, 60);
    assert!(panics(&[], good), "new must panic when given no secret");
    assert!(panics(&[SECRET, ""], good), "new must panic when a secret is empty");
    assert!(panics(&[SECRET], policy(0, 1, 60)), "new must panic when max_attempts is 0");
    assert!(!panics(&[SECRET], policy(1, 1, 60)), "max_attempts of 1 is allowed: no retries");
}
