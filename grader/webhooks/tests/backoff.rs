//! Part 3, the waits: the backoff ceiling, full jitter, Retry-After, and the
//! dead-letter list after the last attempt.

mod common;

use expect::expect_eq;
use std::time::Duration;

use common::{
    RuleRandom, SECRET, ScriptedTransport, at, at_ms, body, ms_after_t0, network, policy, queue,
    run_to_end, status,
};
use webhooks::{DeliveryQueue, Failure, Response, RetryPolicy};

fn secs(list: &[u64]) -> Vec<Duration> {
    list.iter().map(|&s| Duration::from_secs(s)).collect()
}

/// The ceiling starts at `base` for attempt 0, doubles per attempt, and stops at `cap`.
/// Rules: ceiling-formula.
#[test]
fn ceiling_doubles_then_caps() {
    let policy = policy(10, 1, 60);
    let ceilings: Vec<Duration> = (0..9).map(|n| policy.ceiling(n)).collect();
    expect_eq!(
        ceilings,
        secs(&[1, 2, 4, 8, 16, 32, 60, 60, 60]),
        "ceiling(0..9) with base 1 s and cap 60 s"
    );
    let fine = RetryPolicy {
        max_attempts: 3,
        base: Duration::from_millis(250),
        cap: Duration::from_millis(900),
    };
    let ceilings: Vec<Duration> = (0..4).map(|n| fine.ceiling(n)).collect();
    let expected = [250, 500, 900, 900].map(Duration::from_millis);
    expect_eq!(ceilings, expected, "ceiling(0..4) with base 250 ms and cap 900 ms");
    let small_cap = RetryPolicy { max_attempts: 3, base: Duration::from_secs(10), cap: Duration::from_secs(4) };
    expect_eq!(small_cap.ceiling(0), Duration::from_secs(4), "a base above the cap is capped too");
    let odd = RetryPolicy { max_attempts: 3, base: Duration::from_micros(1_500_700), cap: Duration::from_secs(60) };
    let ceilings: Vec<Duration> = (0..3).map(|n| odd.ceiling(n)).collect();
    let expected = [1_500_700, 3_001_400, 6_002_800].map(Duration::from_micros);
    expect_eq!(
        ceilings, expected,
        "ceiling(0..3) with base 1.5007 s: base * 2^n exactly, not rounded to whole milliseconds first"
    );
}

/// Huge attempt numbers neither overflow nor panic: the ceiling is the cap.
/// Rules: ceiling-never-overflows.
#[test]
fn ceiling_survives_huge_attempts() {
    let hourly = policy(10, 3600, 86_400);
    for n in [31, 32, 33, 63, 64, 65, 127, 128, 1000, u32::MAX] {
        expect_eq!(hourly.ceiling(n), Duration::from_secs(86_400), "ceiling({n}) with base 1 h, cap 1 day");
    }
    let fine = RetryPolicy { max_attempts: 3, base: Duration::from_millis(1), cap: Duration::from_secs(86_400) };
    expect_eq!(fine.ceiling(26), Duration::from_millis(1 << 26), "ceiling(26) with base 1 ms: 2^26 ms, under the cap");
    expect_eq!(fine.ceiling(27), Duration::from_secs(86_400), "ceiling(27) with base 1 ms: 2^27 ms is over a day");
    expect_eq!(fine.ceiling(u32::MAX), Duration::from_secs(86_400));
    let nano = RetryPolicy { max_attempts: 3, base: Duration::from_nanos(1), cap: Duration::from_secs(86_400) };
    for n in [31, 32, 40, 46] {
        expect_eq!(
            nano.ceiling(n),
            Duration::from_nanos(1 << n),
            "ceiling({n}) with base 1 ns and cap 1 day: 2^{n} ns is under the cap (2^{n} does not fit a u32, but the product fits a Duration)"
        );
    }
    expect_eq!(nano.ceiling(47), Duration::from_secs(86_400), "ceiling(47) with base 1 ns: 2^47 ns is over a day");
}

/// A base of 0 gives a ceiling of 0 for every attempt, at once, even for u32::MAX.
/// Rules: ceiling-never-overflows.
#[test]
fn zero_base_gives_zero() {
    let zero = RetryPolicy { max_attempts: 3, base: Duration::ZERO, cap: Duration::from_secs(60) };
    for n in [0, 1, 64, u32::MAX] {
        expect_eq!(
            zero.ceiling(n),
            Duration::ZERO,
            "ceiling({n}) with base 0: 0 doubled is still 0 (stop doubling, or this loops four billion times)"
        );
    }
}

/// After each failure the random source is asked for exactly the ceiling, in milliseconds, and the wait is its answer.
/// Rules: full-jitter-ceiling, jitter-used-as-is.
#[test]
fn schedule_with_the_whole_ceiling() {
    let (mut queue, asked) = queue(policy(6, 1, 8), vec![status(503); 6]);
    queue.enqueue("evt_1", body("evt_1"), at(0));
    let steps = run_to_end(&mut queue);
    expect_eq!(
        *asked.borrow(),
        [1000, 2000, 4000, 8000, 8000],
        "up_to must be asked for ceiling(n) in ms after attempts 0 to 4 fail (none after the last)"
    );
    expect_eq!(
        steps,
        [0, 1000, 3000, 7000, 15_000, 23_000],
        "attempt times (ms after the first) when the random source answers the whole ceiling"
    );
    expect_eq!(queue.dead_letters().len(), 1, "after 6 failed attempts the delivery is dead-lettered");
}

/// Whatever the random source answers is the wait, as it is (full jitter, not half a ceiling plus a random half).
/// Rules: jitter-used-as-is, full-jitter-ceiling.
#[test]
fn the_random_answer_is_the_wait() {
    let (random, asked) = RuleRandom::with(|max| max / 4 + 7);
    let transport = ScriptedTransport::always(status(500));
    let mut queue = DeliveryQueue::new(&[SECRET], policy(5, 2, 60), transport, random);
    queue.enqueue("evt_1", body("evt_1"), at(0));
    queue.deliver_due(at(0));
    expect_eq!(*asked.borrow(), [2000], "asked for ceiling(0) = base = 2000 ms");
    let due = queue.due_at("evt_1").expect("the delivery should still be pending");
    expect_eq!(ms_after_t0(due), 507, "the random source answered 507 ms: the retry is due 507 ms later");
    queue.deliver_due(due);
    expect_eq!(asked.borrow()[1], 4000, "asked for ceiling(1) = 4000 ms");
    expect_eq!(ms_after_t0(queue.due_at("evt_1").unwrap()), 507 + 1007);

    let (zero, _) = RuleRandom::with(|_| 0);
    let mut queue = DeliveryQueue::new(&[SECRET], policy(5, 2, 60), ScriptedTransport::always(status(500)), zero);
    queue.enqueue("evt_1", body("evt_1"), at(0));
    queue.deliver_due(at(0));
    expect_eq!(queue.due_at("evt_1"), Some(at(0)), "an answer of 0 means no wait at all");
}

/// The ceiling handed to the random source is truncated to whole milliseconds.
/// Rules: full-jitter-ceiling.
#[test]
fn ceiling_is_truncated_to_milliseconds() {
    let (random, asked) = RuleRandom::max();
    let odd = RetryPolicy {
        max_attempts: 3,
        base: Duration::from_micros(1_500_700),
        cap: Duration::from_secs(60),
    };
    let mut queue = DeliveryQueue::new(&[SECRET], odd, ScriptedTransport::always(status(500)), random);
    queue.enqueue("evt_1", body("evt_1"), at(0));
    queue.deliver_due(at(0));
    expect_eq!(*asked.borrow(), [1500], "a ceiling of 1.5007 s is 1500 whole ms");
    queue.deliver_due(at_ms(1500));
    expect_eq!(
        *asked.borrow(),
        [1500, 3001],
        "ceiling(1) is 3.0014 s, which is 3001 whole ms: truncate the ceiling, not the base"
    );
}

/// A random source that answers from a list, in order, and records what it was asked.
struct ListRandom {
    answers: Vec<u64>,
    asked: std::rc::Rc<std::cell::RefCell<Vec<u64>>>,
}

impl webhooks::RandomSource for ListRandom {
    fn up_to(&mut self, max: u64) -> u64 {
        let mut asked = self.asked.borrow_mut();
        asked.push(max);
        self.answers[(asked.len() - 1) % self.answers.len()]
    }
}

/// A ceiling too long to count in `u64` milliseconds is asked for as `u64::MAX`, and the answer is still the wait.
/// Rules: jitter-ceiling-saturates.
#[test]
fn a_ceiling_beyond_u64_milliseconds_asks_for_u64_max() {
    // Duration::MAX, and 2e16 s (2e19 ms, just past u64::MAX ms, about 1.8e19).
    let huge = [Duration::MAX, Duration::from_secs(20_000_000_000_000_000)];
    for ceiling in huge {
        let (random, asked) = RuleRandom::with(|_| 250);
        let policy = RetryPolicy { max_attempts: 3, base: ceiling, cap: ceiling };
        let mut queue =
            DeliveryQueue::new(&[SECRET], policy, ScriptedTransport::always(status(503)), random);
        queue.enqueue("evt_1", body("evt_1"), at(0));
        queue.deliver_due(at(0));
        expect_eq!(
            *asked.borrow(),
            [u64::MAX],
            "ceiling(0) is {ceiling:?}, more milliseconds than a u64 holds: up_to must be asked for \
             u64::MAX (saturate, do not wrap with `as u64` or panic)"
        );
        expect_eq!(
            queue.due_at("evt_1"),
            Some(at_ms(250)),
            "the random source answered 250 ms: the retry is due 250 ms later"
        );
    }
}

/// Deliveries that fail in the same call each draw their own delay from the random source.
/// Rules: full-jitter-ceiling, jitter-used-as-is.
#[test]
fn each_failure_draws_its_own_delay() {
    let asked = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let random = ListRandom { answers: vec![100, 200, 300], asked: std::rc::Rc::clone(&asked) };
    let mut queue = DeliveryQueue::new(&[SECRET], policy(5, 1, 60), ScriptedTransport::always(status(503)), random);
    for id in ["evt_a", "evt_b", "evt_c"] {
        queue.enqueue(id, body(id), at(0));
    }
    queue.deliver_due(at(0));
    expect_eq!(
        *asked.borrow(),
        [1000, 1000, 1000],
        "three deliveries failed in one call: up_to(ceiling(0)) is asked once for each"
    );
    let dues: Vec<u128> = ["evt_a", "evt_b", "evt_c"]
        .iter()
        .map(|id| ms_after_t0(queue.due_at(id).expect("each delivery should still be pending")))
        .collect();
    expect_eq!(dues, [100, 200, 300], "the random source answered 100, 200, 300 ms: each retry waits its own draw");
}

/// The wait counts from the `now` of the failed attempt, not from when it was due.
/// Rules: delay-from-attempt-time.
#[test]
fn wait_counts_from_the_attempt() {
    let (mut queue, _) = queue(policy(5, 1, 60), vec![status(500)]);
    queue.enqueue("evt_1", body("evt_1"), at(0));
    queue.deliver_due(at(100));
    expect_eq!(
        queue.due_at("evt_1"),
        Some(at(101)),
        "due at T0, attempted (late) at T0+100 s, failed: the retry is due 1 s after T0+100 s"
    );
}

/// A `Retry-After` of whole seconds on a 429 or 503 is the wait, exactly, even beyond the cap.
/// Rules: retry-after-honoured, retry-after-not-capped.
#[test]
fn retry_after_seconds_are_obeyed() {
    let cases = [(429, "120", 120), (503, "7", 7), (408, "0", 0), (500, "7200", 7200)];
    for (code, value, wait) in cases {
        let answer = Ok(Response::new(code).with_retry_after(value));
        let (mut queue, _) = queue(policy(5, 1, 60), vec![answer]);
        queue.enqueue("evt_1", body("evt_1"), at(0));
        queue.deliver_due(at_ms(500));
        expect_eq!(
            queue.due_at("evt_1"),
            Some(at_ms(500) + Duration::from_secs(wait)),
            "{code} with Retry-After: {value} (cap 60 s): the retry is due exactly {wait} s after the attempt"
        );
    }
}

/// An attempt answered with `Retry-After` counts toward `max_attempts`: the last one dead-letters, `Retry-After` or not.
/// Rules: retry-after-counts, dead-letter-after-max, dead-letter-contents.
#[test]
fn retry_after_does_not_buy_extra_attempts() {
    let busy = || Ok(Response::new(429).with_retry_after("5"));
    let (mut queue, _) = queue(policy(3, 1, 60), vec![busy(), busy(), busy(), busy(), busy()]);
    queue.enqueue("evt_1", body("evt_1"), at(0));
    let steps = run_to_end(&mut queue);
    expect_eq!(
        steps,
        [0, 5000, 10_000],
        "max_attempts 3, every answer 429 with Retry-After: 5: three attempts, 5 s apart, then none"
    );
    let dead = queue.dead_letters();
    expect_eq!(dead.len(), 1, "the third 429 is the last allowed attempt: the delivery is dead-lettered");
    expect_eq!(dead[0].attempts, 3, "three attempts were made, each answered with Retry-After");
    expect_eq!(dead[0].last_failure, Failure::Status(429));

    let (mut mixed, _) = common::queue(policy(3, 1, 60), vec![busy(), status(503), status(503)]);
    mixed.enqueue("evt_2", body("evt_2"), at(0));
    let steps = run_to_end(&mut mixed);
    expect_eq!(
        steps,
        [0, 5000, 7000],
        "429 with Retry-After: 5, then 503 (attempt 1: ceiling 2 s), then 503 on the last attempt"
    );
    expect_eq!(mixed.dead_letters().len(), 1, "the last allowed attempt failed: dead-lettered");
    expect_eq!(mixed.dead_letters()[0].attempts, 3);
}

/// A `Retry-After` of u64::MAX seconds does not overflow: the delivery stays pending, due at `Duration::MAX`.
/// Rules: retry-after-no-overflow.
#[test]
fn huge_retry_after_does_not_overflow() {
    let answer = Ok(Response::new(503).with_retry_after(u64::MAX.to_string()));
    let (mut queue, _) = queue(policy(5, 1, 60), vec![answer]);
    queue.enqueue("evt_1", body("evt_1"), at(0));
    queue.deliver_due(at(0));
    let due = queue.due_at("evt_1").expect("the 503 is retryable: the delivery must still be pending");
    expect_eq!(
        due,
        Duration::MAX,
        "Retry-After: {} seconds: now + delay does not fit a Duration, so the due time saturates to \
         Duration::MAX (`now.saturating_add(delay)`)",
        u64::MAX
    );
    expect_eq!(queue.deliver_due(at(86_400 * 365 * 100)), 0, "a century later it is still not due");
}

/// A delivery given up on after retries counts every attempt made, the retried ones included.
/// Rules: dead-letter-contents, other-status-dead-at-once.
#[test]
fn dead_letter_counts_earlier_attempts() {
    let (mut queue, _) = queue(policy(5, 1, 60), vec![status(500), network("reset"), status(404)]);
    queue.enqueue("evt_1", body("evt_1"), at(0));
    let steps = run_to_end(&mut queue);
    expect_eq!(steps.len(), 3, "500, a network error, then 404, which is final");
    let dead = queue.dead_letters();
    expect_eq!(dead.len(), 1, "the 404 dead-letters the delivery at once");
    expect_eq!(dead[0].attempts, 3, "two retried failures, then the 404: three attempts in all");
    expect_eq!(dead[0].last_failure, Failure::Status(404));
}

/// A `Retry-After` that is not whole seconds is ignored, and the ordinary backoff applies.
/// Rules: retry-after-invalid-ignored.
#[test]
fn unusable_retry_after_is_ignored() {
    for value in ["Wed, 21 Oct 2026 07:28:00 GMT", "soon", "-1", "1.5", ""] {
        let answer = Ok(Response::new(429).with_retry_after(value));
        let (mut queue, _) = queue(policy(5, 4, 60), vec![answer]);
        queue.enqueue("evt_1", body("evt_1"), at(0));
        queue.deliver_due(at(0));
        expect_eq!(
            queue.due_at("evt_1"),
            Some(at(4)),
            "Retry-After: {value:?} is not whole seconds: expected the backoff (base 4 s, whole ceiling drawn)"
        );
    }
}

/// After `max_attempts` failed attempts the delivery is a dead letter with its id, body, count and last failure.
/// Rules: dead-letter-after-max, dead-letter-contents.
#[test]
fn last_attempt_dead_letters() {
    let answers = vec![status(500), network("connection reset"), network("timed out")];
    let (mut queue, _) = queue(policy(3, 1, 60), answers);
    let payload = body("evt_9");
    queue.enqueue("evt_9", payload.clone(), at(0));
    let steps = run_to_end(&mut queue);
    expect_eq!(steps.len(), 3, "max_attempts 3 means exactly 3 attempts");
    let dead = queue.dead_letters();
    expect_eq!(dead.len(), 1, "the delivery must be dead-lettered after its third failure");
    expect_eq!(dead[0].event_id, "evt_9");
    expect_eq!(dead[0].body, payload);
    expect_eq!(dead[0].attempts, 3);
    expect_eq!(
        dead[0].last_failure,
        Failure::Network("timed out".to_string()),
        "the last failure is the third attempt's network error, with its message"
    );
    expect_eq!(queue.pending_count(), 0);
    expect_eq!(queue.deliver_due(at(86_400)), 0, "a dead letter is never attempted again");
}

/// With `max_attempts` of 1 a failure dead-letters at once, without drawing a backoff.
/// Rules: dead-letter-after-max, dead-letter-contents.
#[test]
fn single_attempt_policy() {
    let (mut queue, asked) = queue(policy(1, 1, 60), vec![status(503)]);
    queue.enqueue("evt_1", body("evt_1"), at(0));
    queue.deliver_due(at(0));
    expect_eq!(queue.dead_letters().len(), 1, "one attempt allowed, and it failed");
    expect_eq!(queue.dead_letters()[0].last_failure, Failure::Status(503));
    expect_eq!(queue.dead_letters()[0].attempts, 1);
    assert!(asked.borrow().is_empty(), "no retry is scheduled, so no backoff is drawn");
}

/// A success on the last allowed attempt is delivered, not dead-lettered.
/// Rules: dead-letter-after-max, success-delivered.
#[test]
fn success_on_the_last_attempt() {
    let (mut queue, _) = queue(policy(3, 1, 60), vec![status(500), status(500), status(200)]);
    queue.enqueue("evt_1", body("evt_1"), at(0));
    run_to_end(&mut queue);
    expect_eq!(queue.delivered(), ["evt_1"], "the third of three attempts succeeded");
    assert!(queue.dead_letters().is_empty());
}

/// Dead letters and deliveries are listed in the order they happened, and other deliveries carry on.
/// Rules: dead-letter-contents, success-delivered, queue-inspection.
#[test]
fn outcomes_are_listed_in_order() {
    // evt_a: 404 at once. evt_b: 500 then 200. evt_c: 410 at once.
    let answers = vec![status(404), status(500), status(410), status(200)];
    let (mut queue, _) = queue(policy(5, 1, 60), answers);
    for id in ["evt_a", "evt_b", "evt_c"] {
        queue.enqueue(id, body(id), at(0));
    }
    expect_eq!(queue.pending_count(), 3);
    queue.deliver_due(at(0));
    expect_eq!(queue.pending_count(), 1, "only evt_b is still pending");
    expect_eq!(queue.next_due(), Some(at(1)));
    queue.deliver_due(at(1));
    let dead: Vec<&str> = queue.dead_letters().iter().map(|d| d.event_id.as_str()).collect();
    expect_eq!(dead, ["evt_a", "evt_c"], "dead letters in the order they were given up");
    expect_eq!(queue.delivered(), ["evt_b"]);
    expect_eq!(queue.next_due(), None);
}
