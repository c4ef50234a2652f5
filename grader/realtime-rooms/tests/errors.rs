//! Hidden tests for refused frames: each gets an `error` frame with the right code, only
//! its sender sees it, nothing changes, and the connection stays open.

mod common;

use expect::expect_eq;
use common::{Client, start_default};
use serde_json::json;

/// After an error, the connection still works: joining a room gets its member list.
async fn still_works(client: &mut Client, context: &str) {
    client
        .send(json!({"type": "join", "room": "after-errors", "name": "me"}))
        .await;
    let expected = json!({"type": "members", "room": "after-errors", "members": ["me"]});
    let context = format!("{context}; the connection must stay open and keep working");
    client.expect(expected, &context).await;
}

/// Text that is not JSON is answered with a `bad_json` error, and the connection stays open.
/// Rules: error-bad-json, error-frame-shape, errors-keep-connection.
#[tokio::test]
async fn text_that_is_not_json_is_refused() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    for text in ["hello", "{\"type\": \"join\"", ""] {
        ada.send_text(text).await;
        ada.expect_error("bad_json", &format!("ada sent the text {text:?}"))
            .await;
    }
    still_works(&mut ada, "ada's frames were refused as bad JSON").await;
}

/// JSON that is not an object (an array, a string, a number, null) is `bad_json` too.
/// Rules: error-bad-json.
#[tokio::test]
async fn json_that_is_not_an_object_is_refused() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    for text in ["[\"join\", \"lobby\"]", "\"join\"", "42", "null"] {
        ada.send_text(text).await;
        ada.expect_error(
            "bad_json",
            &format!("ada sent {text}, which is JSON but not an object"),
        )
        .await;
    }
}

/// An object whose `type` is missing, not a string, or not `join`, `leave` or `message`
/// is answered with `unknown_type`.
/// Rules: error-unknown-type, errors-keep-connection.
#[tokio::test]
async fn unknown_types_are_refused() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    let frames = [
        json!({"type": "shout", "room": "lobby", "text": "HI"}),
        json!({"room": "lobby", "name": "ada"}),
        json!({"type": 1, "room": "lobby"}),
        json!({"type": "JOIN", "room": "lobby", "name": "ada"}),
        json!({"type": "join ", "room": "lobby", "name": "ada"}),
    ];
    for frame in frames {
        ada.send(frame.clone()).await;
        ada.expect_error("unknown_type", &format!("ada sent {frame}"))
            .await;
    }
    still_works(&mut ada, "ada's frames were refused as unknown types").await;
}

/// A known type with a missing or non-string field, or an empty `room` or `name`, is
/// answered with `invalid_message`, to its sender only.
/// Rules: error-invalid-message, errors-keep-connection, errors-change-nothing.
#[tokio::test]
async fn frames_with_bad_fields_are_refused() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    let mut grace = Client::connect(addr, "grace").await;
    grace.join("lobby", "grace").await;
    ada.join("lobby", "ada").await;
    let frames = [
        json!({"type": "join", "room": "kitchen"}),
        json!({"type": "join", "room": "kitchen", "name": 5}),
        json!({"type": "join", "room": "", "name": "ada"}),
        json!({"type": "join", "room": "kitchen", "name": ""}),
        json!({"type": "leave"}),
        json!({"type": "leave", "room": ""}),
        json!({"type": "message", "room": "lobby"}),
        json!({"type": "message", "room": "lobby", "text": 5}),
        json!({"type": "message", "text": "hi"}),
        json!({"type": "message", "room": "", "text": "hi"}),
        json!({"type": "message", "room": 5, "text": "hi"}),
        json!({"type": "leave", "room": true}),
        json!({"type": "join", "room": ["lobby"], "name": "ada"}),
    ];
    for frame in frames {
        ada.send(frame.clone()).await;
        ada.expect_error("invalid_message", &format!("ada sent {frame}"))
            .await;
    }
    still_works(&mut ada, "ada's frames were refused as invalid").await;
    grace
        .expect(
            json!({"type": "joined", "room": "lobby", "name": "ada"}),
            "ada joined the lobby",
        )
        .await;
    grace
        .expect_nothing_more("ada's invalid frames were refused; only ada hears about them")
        .await;
}

/// A message to a room the sender has not joined is refused with `not_in_room`, and the
/// room's members receive nothing.
/// Rules: error-not-in-room, errors-change-nothing.
#[tokio::test]
async fn a_message_to_a_room_not_joined_is_refused() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    let mut grace = Client::connect(addr, "grace").await;
    ada.join("lobby", "ada").await;
    grace.join("kitchen", "grace").await;
    grace.say("lobby", "let me in").await;
    grace
        .expect_error("not_in_room", "grace spoke in the lobby without joining it")
        .await;
    grace
        .expect_nothing_more("grace's refused message gets one error frame")
        .await;
    ada.expect_nothing_more("grace's message to the lobby was refused, so ada must not receive it")
        .await;
}

/// Leaving a room the client is not in is refused with `not_in_room`, also the second time.
/// Rules: error-not-in-room, errors-change-nothing.
#[tokio::test]
async fn leaving_a_room_not_joined_is_refused() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    let mut grace = Client::connect(addr, "grace").await;
    ada.join("lobby", "ada").await;
    grace.send(json!({"type": "leave", "room": "lobby"})).await;
    grace
        .expect_error(
            "not_in_room",
            "grace left the lobby without having joined it",
        )
        .await;
    ada.expect_nothing_more("grace was never in the lobby, so nobody left it")
        .await;
    ada.send(json!({"type": "leave", "room": "lobby"})).await;
    ada.expect(
        json!({"type": "left", "room": "lobby", "name": "ada"}),
        "ada left the lobby",
    )
    .await;
    ada.send(json!({"type": "leave", "room": "lobby"})).await;
    ada.expect_error("not_in_room", "ada left the lobby a second time")
        .await;
}

/// Joining a room the client is already in is refused with `already_joined`, even under
/// another name, and the room does not change.
/// Rules: error-already-joined, errors-change-nothing.
#[tokio::test]
async fn joining_twice_is_refused() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    let mut grace = Client::connect(addr, "grace").await;
    ada.join("lobby", "ada").await;
    grace.join("lobby", "grace").await;
    ada.expect(json!({"type": "joined", "name": "grace"}), "grace joined")
        .await;
    for name in ["ada", "lovelace"] {
        ada.send(json!({"type": "join", "room": "lobby", "name": name}))
            .await;
        let context = format!("ada, already in the lobby, joined it again as {name:?}");
        ada.expect_error("already_joined", &context).await;
    }
    grace
        .expect_nothing_more("ada's second joins were refused, so nobody new joined")
        .await;
    let mut linus = Client::connect(addr, "linus").await;
    let list = linus.join("lobby", "linus").await;
    expect_eq!(
        list,
        ["ada", "grace", "linus"],
        "the refused joins must not change the member list"
    );
}

/// A frame that breaks several rules gets the code that comes first in the README's table.
/// Rules: error-order, errors-change-nothing.
#[tokio::test]
async fn error_codes_are_checked_in_the_table_order() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    let mut grace = Client::connect(addr, "grace").await;
    ada.join("lobby", "ada").await;
    grace.join("lobby", "grace").await;
    ada.expect(json!({"type": "joined", "name": "grace"}), "grace joined")
        .await;
    let cases = [
        (
            json!({"type": "join", "room": "lobby", "name": "grace"}),
            "already_joined",
            "ada, already in the lobby, joined it again under grace's name",
        ),
        (
            json!({"type": "join", "room": "lobby", "name": ""}),
            "invalid_message",
            "ada, already in the lobby, joined it again with an empty name",
        ),
        (
            json!({"type": "join", "room": "lobby"}),
            "invalid_message",
            "ada, already in the lobby, joined it again without a name",
        ),
        (
            json!({"type": "message", "room": "kitchen", "text": 5}),
            "invalid_message",
            "ada sent a message whose text is a number to the kitchen, which it is not in",
        ),
        (
            json!({"type": "shout", "room": ""}),
            "unknown_type",
            "ada sent an unknown type with an empty room",
        ),
    ];
    for (frame, code, context) in cases {
        ada.send(frame.clone()).await;
        ada.expect_error(code, &format!("{context}: {frame}")).await;
    }
    grace
        .expect_nothing_more("ada's frames were all refused, so nothing changed in the lobby")
        .await;
    still_works(&mut ada, "ada's frames were refused").await;
}

/// Joining under a name any other member of the room uses is refused with `name_taken`;
/// once that member leaves, the name is free.
/// Rules: error-name-taken, errors-change-nothing, members-are-current.
#[tokio::test]
async fn a_taken_name_is_refused() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    let mut grace = Client::connect(addr, "grace").await;
    let mut impostor = Client::connect(addr, "a third client").await;
    ada.join("lobby", "ada").await;
    grace.join("lobby", "grace").await;
    ada.expect(json!({"type": "joined", "name": "grace"}), "grace joined")
        .await;
    for name in ["ada", "grace"] {
        impostor
            .send(json!({"type": "join", "room": "lobby", "name": name}))
            .await;
        impostor
            .expect_error(
                "name_taken",
                &format!("a third client joined the lobby as {name:?}, which {name} uses there"),
            )
            .await;
    }
    ada.expect_nothing_more("the second \"ada\" and \"grace\" were refused, so nobody joined")
        .await;
    ada.send(json!({"type": "leave", "room": "lobby"})).await;
    ada.expect(
        json!({"type": "left", "room": "lobby", "name": "ada"}),
        "ada left the lobby",
    )
    .await;
    let list = impostor.join("lobby", "ada").await;
    expect_eq!(
        list,
        ["grace", "ada"],
        "ada had left, so the name \"ada\" was free again: got {list:?}"
    );
}

/// An error goes only to the client that sent the bad frame; the others in its rooms see
/// nothing, and the sender can carry on chatting.
/// Rules: errors-change-nothing, errors-keep-connection.
#[tokio::test]
async fn an_error_goes_only_to_its_sender() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    let mut grace = Client::connect(addr, "grace").await;
    ada.join("lobby", "ada").await;
    grace.join("lobby", "grace").await;
    ada.expect(json!({"type": "joined", "name": "grace"}), "grace joined")
        .await;
    grace.send_text("oops").await;
    grace
        .expect_error("bad_json", "grace sent the text \"oops\"")
        .await;
    grace.say("lobby", "sorry").await;
    let expected = json!({"type": "message", "room": "lobby", "from": "grace", "text": "sorry"});
    let context =
        "after grace's bad frame was refused, grace said \"sorry\": ada must see only that";
    ada.expect(expected.clone(), context).await;
    grace.expect(expected, context).await;
}
