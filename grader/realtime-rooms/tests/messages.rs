//! Hidden tests for chat messages: who receives them, in which order, in which shape.

mod common;

use common::{Client, start_default};
use serde_json::{Value, json};

fn message(room: &str, from: &str, text: &str) -> Value {
    json!({"type": "message", "room": room, "from": from, "text": text})
}

/// A message reaches every member of the room, the sender included, with the sender's
/// name in `from`.
/// Rules: broadcast-to-members.
#[tokio::test]
async fn a_message_reaches_every_member_and_the_sender() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    let mut grace = Client::connect(addr, "grace").await;
    let mut linus = Client::connect(addr, "linus").await;
    ada.join("lobby", "ada").await;
    grace.join("lobby", "grace").await;
    linus.join("lobby", "linus").await;
    ada.expect(json!({"type": "joined", "name": "grace"}), "grace joined")
        .await;
    ada.expect(json!({"type": "joined", "name": "linus"}), "linus joined")
        .await;
    grace
        .expect(json!({"type": "joined", "name": "linus"}), "linus joined")
        .await;
    grace.say("lobby", "hello, lobby").await;
    let expected = message("lobby", "grace", "hello, lobby");
    let context = "grace said \"hello, lobby\" in the lobby";
    for member in [&mut ada, &mut grace, &mut linus] {
        member.expect(expected.clone(), context).await;
    }
}

/// A message reaches only the members of its room: a client in another room gets nothing.
/// Rules: room-isolation.
#[tokio::test]
async fn a_message_stays_in_its_room() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    let mut grace = Client::connect(addr, "grace").await;
    let mut outsider = Client::connect(addr, "linus").await;
    ada.join("lobby", "ada").await;
    grace.join("lobby", "grace").await;
    outsider.join("kitchen", "linus").await;
    ada.say("lobby", "lobby only").await;
    ada.expect(json!({"type": "joined", "name": "grace"}), "grace joined")
        .await;
    ada.expect(
        message("lobby", "ada", "lobby only"),
        "ada spoke in the lobby",
    )
    .await;
    grace
        .expect(
            message("lobby", "ada", "lobby only"),
            "ada spoke in the lobby",
        )
        .await;
    outsider
        .expect_nothing_more(
            "linus is only in the kitchen, so ada's lobby message must not reach it",
        )
        .await;
}

/// Each member receives a room's messages in the order they were sent.
/// Rules: in-order.
#[tokio::test]
async fn messages_arrive_in_the_order_they_were_sent() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    let mut grace = Client::connect(addr, "grace").await;
    ada.join("lobby", "ada").await;
    grace.join("lobby", "grace").await;
    for i in 0..20 {
        ada.say("lobby", &format!("line {i}")).await;
    }
    let context = "ada sent \"line 0\" to \"line 19\" one after the other";
    for i in 0..20 {
        grace
            .expect(message("lobby", "ada", &format!("line {i}")), context)
            .await;
    }
}

/// An empty `text` is a message like any other, and every text is passed on exactly as sent.
/// Rules: empty-text-allowed, broadcast-to-members.
#[tokio::test]
async fn an_empty_text_is_still_a_message() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    ada.join("lobby", "ada").await;
    for text in [
        "",
        "   ",
        "  two  spaces, a tab\t and a newline\n",
        "<b>é</b> 🎉",
    ] {
        ada.say("lobby", text).await;
        ada.expect(
            message("lobby", "ada", text),
            &format!("ada sent a message with the text {text:?}, to be passed on as it is"),
        )
        .await;
    }
}

/// Fields a client frame does not need are ignored.
/// Rules: extra-fields-ignored.
#[tokio::test]
async fn extra_fields_are_ignored() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    let join = json!({"type": "join", "room": "lobby", "name": "ada", "colour": "teal"});
    ada.send(join).await;
    let context = "ada joined with an extra \"colour\" field";
    ada.expect(
        json!({"type": "members", "room": "lobby", "members": ["ada"]}),
        context,
    )
    .await;
    let say = json!({"type": "message", "room": "lobby", "text": "hi", "id": 7});
    ada.send(say).await;
    ada.expect(
        message("lobby", "ada", "hi"),
        "ada sent a message with an extra \"id\" field",
    )
    .await;
    let say = json!({"type": "message", "room": "lobby", "text": "bye", "name": 5});
    ada.send(say).await;
    ada.expect(
        message("lobby", "ada", "bye"),
        "ada sent a message with an extra \"name\" field (a number, but a message needs no name)",
    )
    .await;
    let leave = json!({"type": "leave", "room": "lobby", "id": 7, "name": 5, "text": null});
    ada.send(leave).await;
    ada.expect(
        json!({"type": "left", "room": "lobby", "name": "ada"}),
        "ada sent a leave with extra \"id\", \"name\" and \"text\" fields",
    )
    .await;
}
