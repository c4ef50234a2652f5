//! Hidden tests for backpressure: a client that stops reading is disconnected once its
//! outbound queue is full, and the clients that do read lose nothing and wait for nothing.
//!
//! The silent client connects with a 4 KiB kernel receive buffer, the server's connections
//! get 4 KiB send buffers (inherited from its listening socket) and a queue of 4 frames; each
//! message is 32 KiB, so the kernel holds less than one message between server and silent
//! client, and its queue fills after a handful of messages, whatever the machine's load.

mod common;

use expect::expect_eq;
use std::net::SocketAddr;

use common::{Client, Read, start_with_small_buffers};
use serde_json::{Value, json};

/// The queue size these tests give the server.
const TINY_QUEUE: usize = 4;

/// The most messages a test sends before deciding the silent client was never dropped:
/// 2 MiB, far more than a 4-frame queue and the small socket buffers hold (a correct server
/// drops it a few messages after its queue is full).
const MOST_MESSAGES: usize = 64;

fn big_text(i: usize) -> String {
    format!("{i:05}:{}", "x".repeat(32 * 1024))
}

/// What the reading clients saw while the silent client was being flooded.
struct Flood {
    /// How many messages were sent (all of them reached the reading clients).
    sent: usize,
    /// Whether the readers were told `{"type":"left","name":"silent"}`.
    silent_left: bool,
}

/// Sends big messages from `ada`, one at a time, and after each one checks that `ada` (the
/// sender) and `grace` (a bystander) both receive it, in order. Stops once both have seen
/// the silent client leave, or after [`MOST_MESSAGES`].
async fn flood(ada: &mut Client, grace: &mut Client) -> Flood {
    let mut left = [false, false];
    for i in 0..MOST_MESSAGES {
        let text = big_text(i);
        ada.say("hall", &text).await;
        for (reader, left) in [&mut *ada, &mut *grace].into_iter().zip(left.iter_mut()) {
            *left |= read_until_message(reader, i, &text).await;
        }
        if left == [true, true] {
            return Flood {
                sent: i + 1,
                silent_left: true,
            };
        }
    }
    Flood {
        sent: MOST_MESSAGES,
        silent_left: false,
    }
}

/// Reads `reader`'s frames until message `i`; returns whether a `left` for "silent" came
/// first. Anything else before it is a failure.
async fn read_until_message(reader: &mut Client, i: usize, text: &str) -> bool {
    let mut saw_left = false;
    loop {
        let waiting = format!("big message number {i} (while the silent client was not reading)");
        let frame = match reader.read().await {
            Read::Frame(frame) => frame,
            Read::Closed => panic!(
                "{} reads every frame, but its connection was closed while it waited for {waiting}: \
                 only a client whose queue is full may be dropped",
                reader.label
            ),
            Read::Silent => panic!(
                "{} waited 3 s for {waiting} and got nothing: a client that does not read must \
                 not slow down the others (queue frames with try_send, never wait for room)",
                reader.label
            ),
        };
        if frame == json!({"type": "left", "room": "hall", "name": "silent"}) {
            saw_left = true;
            continue;
        }
        let expected = json!({"type": "message", "room": "hall", "from": "ada", "text": text});
        if frame != expected {
            let shown = describe(&frame);
            panic!(
                "{} expected big message number {i} from ada, in order, but received {shown}",
                reader.label
            );
        }
        return saw_left;
    }
}

/// Shortens a frame that holds a 32 KiB text, for a readable failure message.
fn describe(frame: &Value) -> String {
    let mut shown = frame.clone();
    if let Some(text) = shown.get_mut("text")
        && let Some(s) = text.as_str()
        && s.len() > 40
    {
        *text = json!(format!("{}... ({} characters)", &s[..12], s.len()));
    }
    shown.to_string()
}

/// Ada, grace and a silent client in the hall; the silent client has joined and then never
/// reads again.
async fn hall() -> (Client, Client, Client) {
    hall_at(start_with_small_buffers(TINY_QUEUE).await).await
}

/// [`hall`] on a server already started.
async fn hall_at(addr: SocketAddr) -> (Client, Client, Client) {
    let mut silent = Client::connect_small_buffer(addr, "the silent client").await;
    silent.join("hall", "silent").await;
    let mut ada = Client::connect(addr, "ada").await;
    ada.join("hall", "ada").await;
    let mut grace = Client::connect(addr, "grace").await;
    grace.join("hall", "grace").await;
    ada.expect(
        json!({"type": "joined", "room": "hall", "name": "grace"}),
        "grace joined the hall",
    )
    .await;
    (ada, grace, silent)
}

/// A client that stops reading while a room is flooded is disconnected once its queue (of
/// the size `app` was given) is full, and the other members are told it left.
/// Rules: full-queue-disconnects, overflow-announced-left, queue-capacity-configurable.
#[tokio::test]
async fn a_client_that_stops_reading_is_dropped_and_announced() {
    let (mut ada, mut grace, _silent) = hall().await;
    let flood = flood(&mut ada, &mut grace).await;
    assert!(
        flood.silent_left,
        "ada sent {} messages of 32 KiB to the hall while the silent client read nothing; with \
         app(4) its queue holds 4 frames and its socket buffers less than one message, so the \
         server should have dropped it and told ada and grace \
         {{\"type\":\"left\",\"room\":\"hall\",\"name\":\"silent\"}}, but nobody was told \
         (is the queue really `queue_capacity` frames long?)",
        flood.sent
    );
}

/// While a member is not reading, the sender and the other members still receive every
/// message, in order, without waiting for it.
/// Rules: slow-client-does-not-slow-others, broadcast-to-members.
#[tokio::test]
async fn readers_get_every_message_while_another_client_is_stuck() {
    let (mut ada, mut grace, _silent) = hall().await;
    let flood = flood(&mut ada, &mut grace).await;
    // `flood` already failed the test if a reader missed or waited for a message; after the
    // silent client is gone, the room still works for the others.
    assert!(flood.sent > 0);
    ada.say("hall", "still here?").await;
    for reader in [&mut ada, &mut grace] {
        let expected =
            json!({"type": "message", "room": "hall", "from": "ada", "text": "still here?"});
        reader
            .expect(expected, "after the flood ada said \"still here?\"")
            .await;
    }
}

/// The server closes the connection of a client it dropped: it receives no more than what
/// was queued before, and then its connection ends.
/// Rules: full-queue-disconnects, overflow-closes-connection.
#[tokio::test]
async fn a_dropped_client_has_its_connection_closed() {
    let (mut ada, mut grace, mut silent) = hall().await;
    let flood = flood(&mut ada, &mut grace).await;
    assert!(
        flood.silent_left,
        "the silent client was never dropped ({} messages sent)",
        flood.sent
    );
    // Now the silent client reads what reached it before it was dropped: its own join
    // answer came first, then the `joined` frames and a prefix of the flood, in order.
    let mut messages = 0;
    loop {
        match silent.read().await {
            Read::Frame(frame) if frame.get("type") == Some(&json!("message")) => {
                let expected = big_text(messages);
                expect_eq!(
                    frame.get("text").and_then(Value::as_str),
                    Some(expected.as_str()),
                    "the silent client should receive the flood in order, with no gap, up to \
                     where it was dropped; message {messages} was {}",
                    describe(&frame)
                );
                messages += 1;
            }
            Read::Frame(_) => {}
            Read::Closed => break,
            Read::Silent => panic!(
                "the silent client was dropped (the others were told it left), and read the \
                 {messages} messages queued for it, but then its connection stayed open: the \
                 server must close the connection of a client it drops"
            ),
        }
    }
    assert!(
        messages < flood.sent,
        "the dropped client received all {} messages; a dropped client gets nothing sent after \
         its queue was full",
        flood.sent
    );
}

/// Once dropped, a client is ignored: what it sends afterwards reaches nobody and puts it
/// back in no room.
/// Rules: frames-after-drop-ignored.
#[tokio::test]
async fn a_dropped_client_is_ignored_from_then_on() {
    let addr = start_with_small_buffers(TINY_QUEUE).await;
    let (mut ada, mut grace, mut silent) = hall_at(addr).await;
    let flood = flood(&mut ada, &mut grace).await;
    assert!(
        flood.silent_left,
        "the silent client was never dropped ({} messages sent)",
        flood.sent
    );
    // The dropped client has not read anything yet, so it does not know it was dropped: it
    // joins and speaks as if nothing happened (the server may have closed the connection
    // already, so a failed send is fine), then reads until its connection ends.
    silent
        .send_regardless(json!({"type": "join", "room": "hall", "name": "ghost"}))
        .await;
    silent
        .send_regardless(json!({"type": "message", "room": "hall", "text": "boo"}))
        .await;
    loop {
        match silent.read().await {
            Read::Frame(_) => {}
            Read::Closed => break,
            Read::Silent => panic!(
                "the silent client was dropped, but after it read what was queued for it its \
                 connection stayed open: the server must close the connection of a client it drops"
            ),
        }
    }
    let context = "the silent client was dropped, then sent a join (as \"ghost\") and a message \
                   to the hall before its connection ended; frames from a dropped client are ignored";
    ada.expect_nothing_more(context).await;
    grace.expect_nothing_more(context).await;
    let mut hedy = Client::connect(addr, "hedy").await;
    let list = hedy.join("hall", "hedy").await;
    expect_eq!(
        list,
        ["ada", "grace", "hedy"],
        "the silent client was dropped from the hall and then sent a join as \"ghost\", which \
         must be ignored: hedy should find only ada and grace there, got {list:?}"
    );
}

/// A queue large enough for a burst lets a client that reads late catch up: it is not
/// dropped, and then receives every message in order.
/// Rules: queue-capacity-configurable.
#[tokio::test]
async fn a_large_queue_absorbs_a_burst() {
    // 250 messages of 32 KiB (8 MiB), and the kernel buffers hold less than one of them: the
    // burst waits in the late reader's queue of 1024 frames.
    const BURST: usize = 250;
    let addr = start_with_small_buffers(1024).await;
    let mut late = Client::connect_small_buffer(addr, "the late reader").await;
    late.join("hall", "late").await;
    let mut ada = Client::connect(addr, "ada").await;
    ada.join("hall", "ada").await;
    for i in 0..BURST {
        let text = big_text(i);
        ada.say("hall", &text).await;
        let expected = json!({"type": "message", "room": "hall", "from": "ada", "text": text});
        let frame = ada.next("the echo of its own message").await;
        if frame != expected {
            panic!(
                "ada sent big message {i} to the hall and expected its echo, but received {}",
                describe(&frame)
            );
        }
    }
    late.expect(
        json!({"type": "joined", "room": "hall", "name": "ada"}),
        "ada joined",
    )
    .await;
    for i in 0..BURST {
        let frame = late.next(&format!("big message {i} of the burst")).await;
        let expected =
            json!({"type": "message", "room": "hall", "from": "ada", "text": big_text(i)});
        if frame != expected {
            panic!(
                "with app(1024), the {BURST} frames of a burst fit in the queue, so a client that \
                 reads late must receive them all, in order; message {i} was {}",
                describe(&frame)
            );
        }
    }
}

/// A queue of one frame is enough for a client that reads: `app(1)` is a working server.
/// Rules: zero-capacity-panics.
#[tokio::test]
async fn a_queue_of_one_frame_works() {
    let addr = start_with_small_buffers(1).await;
    let mut ada = Client::connect(addr, "ada").await;
    let mut grace = Client::connect(addr, "grace").await;
    ada.join("lobby", "ada").await;
    grace.join("lobby", "grace").await;
    ada.expect(
        json!({"type": "joined", "room": "lobby", "name": "grace"}),
        "with app(1), grace joined",
    )
    .await;
    for text in ["one", "two", "three"] {
        ada.say("lobby", text).await;
        let expected = json!({"type": "message", "room": "lobby", "from": "ada", "text": text});
        let context = format!("with app(1), ada said {text:?} (one frame at a time for each)");
        ada.expect(expected.clone(), &context).await;
        grace.expect(expected, &context).await;
    }
}

/// A queue of zero frames makes no sense: `app(0)` panics.
/// Rules: zero-capacity-panics.
#[test]
#[should_panic]
fn zero_queue_capacity_panics() {
    let _ = realtime_rooms::app(0);
}
