//! Hidden tests for joining, leaving and presence: member lists, `joined` and `left`
//! events, and disconnects without a `leave`.

mod common;

use expect::expect_eq;
use common::{Client, start_default};
use serde_json::json;

fn joined(room: &str, name: &str) -> serde_json::Value {
    json!({"type": "joined", "room": room, "name": name})
}

fn left(room: &str, name: &str) -> serde_json::Value {
    json!({"type": "left", "room": room, "name": name})
}

/// The first client to join a room gets a member list holding only itself.
/// Rules: ws-route, join-replies-members.
#[tokio::test]
async fn first_joiner_sees_only_itself() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    let members = ada.join("lobby", "ada").await;
    expect_eq!(
        members,
        ["ada"],
        "ada joined an empty room: the member list should be [\"ada\"], got {members:?}"
    );
}

/// The member list names everyone in the room in join order, the joiner last.
/// Rules: join-replies-members, members-in-join-order.
#[tokio::test]
async fn members_are_listed_in_join_order() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    let mut grace = Client::connect(addr, "grace").await;
    let mut linus = Client::connect(addr, "linus").await;
    ada.join("lobby", "ada").await;
    let second = grace.join("lobby", "grace").await;
    expect_eq!(
        second,
        ["ada", "grace"],
        "grace joined after ada: expected [\"ada\", \"grace\"], got {second:?}"
    );
    let third = linus.join("lobby", "linus").await;
    expect_eq!(
        third,
        ["ada", "grace", "linus"],
        "linus joined after ada and grace: expected the list in join order, got {third:?}"
    );
}

/// The members already in a room receive `joined` with the newcomer's name; the newcomer
/// does not receive a `joined` about itself.
/// Rules: joined-to-others.
#[tokio::test]
async fn others_are_told_who_joined() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    let mut grace = Client::connect(addr, "grace").await;
    ada.join("lobby", "ada").await;
    grace.join("lobby", "grace").await;
    ada.expect(
        joined("lobby", "grace"),
        "grace joined the lobby where ada is",
    )
    .await;
    grace
        .expect_nothing_more(
            "grace joined the lobby; its own arrival is announced to the others only",
        )
        .await;
    ada.expect_nothing_more("ada was told once that grace joined")
        .await;
}

/// A `leave` is announced with `left` to every member, the leaver included (its
/// acknowledgement).
/// Rules: leave-announced.
#[tokio::test]
async fn leave_is_announced_to_everyone_in_the_room() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    let mut grace = Client::connect(addr, "grace").await;
    ada.join("lobby", "ada").await;
    grace.join("lobby", "grace").await;
    ada.expect(joined("lobby", "grace"), "grace joined").await;
    grace.send(json!({"type": "leave", "room": "lobby"})).await;
    grace
        .expect(
            left("lobby", "grace"),
            "grace left the lobby (the leaver is told too)",
        )
        .await;
    ada.expect(left("lobby", "grace"), "grace left the lobby where ada is")
        .await;
}

/// A client that left a room receives nothing more from it.
/// Rules: leave-stops-delivery.
#[tokio::test]
async fn a_client_that_left_receives_nothing_more() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    let mut grace = Client::connect(addr, "grace").await;
    ada.join("lobby", "ada").await;
    grace.join("lobby", "grace").await;
    grace.send(json!({"type": "leave", "room": "lobby"})).await;
    grace
        .expect(left("lobby", "grace"), "grace left the lobby")
        .await;
    ada.expect(joined("lobby", "grace"), "grace joined").await;
    ada.expect(left("lobby", "grace"), "grace left").await;
    ada.say("lobby", "is anyone there?").await;
    let echo =
        json!({"type": "message", "room": "lobby", "from": "ada", "text": "is anyone there?"});
    ada.expect(echo, "ada spoke in the lobby").await;
    grace
        .expect_nothing_more(
            "grace left the lobby before ada spoke there, so grace must not get ada's message",
        )
        .await;
}

/// The member list holds only current members: who left is gone from it, and who comes
/// back is listed last.
/// Rules: members-are-current, members-in-join-order.
#[tokio::test]
async fn member_list_forgets_who_left() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    let mut grace = Client::connect(addr, "grace").await;
    let mut linus = Client::connect(addr, "linus").await;
    let mut hedy = Client::connect(addr, "hedy").await;
    ada.join("lobby", "ada").await;
    grace.join("lobby", "grace").await;
    linus.join("lobby", "linus").await;
    grace.expect(joined("lobby", "linus"), "linus joined").await;
    grace.send(json!({"type": "leave", "room": "lobby"})).await;
    grace
        .expect(left("lobby", "grace"), "grace left the lobby")
        .await;
    let list = hedy.join("lobby", "hedy").await;
    expect_eq!(
        list,
        ["ada", "linus", "hedy"],
        "grace had left the lobby before hedy joined: expected [\"ada\", \"linus\", \"hedy\"], got {list:?}"
    );
    let back = grace.join("lobby", "grace").await;
    expect_eq!(
        back,
        ["ada", "linus", "hedy", "grace"],
        "grace joined the lobby again, so it is now its newest member: got {back:?}"
    );
}

/// When the last member leaves, the room starts over: the next joiner is alone in it.
/// Rules: members-are-current.
#[tokio::test]
async fn an_emptied_room_starts_over() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    let mut grace = Client::connect(addr, "grace").await;
    ada.join("attic", "ada").await;
    ada.send(json!({"type": "leave", "room": "attic"})).await;
    ada.expect(left("attic", "ada"), "ada left the attic").await;
    let list = grace.join("attic", "grace").await;
    expect_eq!(
        list,
        ["grace"],
        "ada had left the attic, so grace joined an empty room: got {list:?}"
    );
}

/// A client that disappears without a `leave` or a close frame is announced with `left`.
/// Rules: disconnect-announced.
#[tokio::test]
async fn a_vanished_client_is_announced_as_left() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    let mut grace = Client::connect(addr, "grace").await;
    ada.join("lobby", "ada").await;
    grace.join("lobby", "grace").await;
    ada.expect(joined("lobby", "grace"), "grace joined").await;
    grace.vanish();
    let context = "grace's connection dropped without a leave or a close frame";
    ada.expect(left("lobby", "grace"), context).await;
}

/// A client that closes its connection is announced as `left` in every room it was in,
/// under the name it used there, and is no longer listed.
/// Rules: disconnect-announced, members-are-current, names-per-room.
#[tokio::test]
async fn a_closed_client_leaves_every_room() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    let mut linus = Client::connect(addr, "linus").await;
    let mut grace = Client::connect(addr, "grace").await;
    ada.join("lobby", "ada").await;
    linus.join("kitchen", "linus").await;
    grace.join("lobby", "grace").await;
    grace.join("kitchen", "hopper").await;
    ada.expect(joined("lobby", "grace"), "grace joined the lobby")
        .await;
    linus
        .expect(
            joined("kitchen", "hopper"),
            "grace joined the kitchen as hopper",
        )
        .await;
    grace.close().await;
    ada.expect(left("lobby", "grace"), "grace closed its connection")
        .await;
    linus
        .expect(
            left("kitchen", "hopper"),
            "grace (hopper in the kitchen) closed its connection",
        )
        .await;
    let mut hedy = Client::connect(addr, "hedy").await;
    let list = hedy.join("lobby", "hedy").await;
    expect_eq!(
        list,
        ["ada", "hedy"],
        "grace had disconnected before hedy joined: got {list:?}"
    );
}

/// Names are per room: one connection can use a different name in each room, and two
/// connections can use the same name in different rooms.
/// Rules: names-per-room.
#[tokio::test]
async fn names_are_per_room() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    let mut grace = Client::connect(addr, "grace").await;
    let mut other_ada = Client::connect(addr, "a second client").await;
    ada.join("lobby", "ada").await;
    ada.join("kitchen", "lovelace").await;
    let list = other_ada.join("attic", "ada").await;
    expect_eq!(
        list,
        ["ada"],
        "the name \"ada\" is free in the attic, whoever uses it elsewhere"
    );
    grace.join("kitchen", "grace").await;
    ada.expect(joined("kitchen", "grace"), "grace joined the kitchen")
        .await;
    ada.say("kitchen", "tea?").await;
    let expected =
        json!({"type": "message", "room": "kitchen", "from": "lovelace", "text": "tea?"});
    let context = "ada joined the kitchen as \"lovelace\" and spoke there";
    grace.expect(expected.clone(), context).await;
    ada.expect(expected, context).await;
}

/// Names are compared exactly as given: case matters, nothing is trimmed, and a name of
/// spaces is a name like any other; room names too.
/// Rules: names-exact.
#[tokio::test]
async fn names_and_rooms_are_compared_exactly() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    ada.join("lobby", "ada").await;
    let mut expected = vec!["ada"];
    let mut others = Vec::new(); // kept connected until the end of the test
    for name in ["Ada", " ada", "   "] {
        let mut other = Client::connect(addr, &format!("the client named {name:?}")).await;
        let list = other.join("lobby", name).await;
        others.push(other);
        expected.push(name);
        expect_eq!(
            list, expected,
            "{name:?} is a different name from every name already in the lobby (names are \
             compared exactly, and a name of spaces is not empty): got {list:?}"
        );
        ada.expect(joined("lobby", name), &format!("{name:?} joined the lobby"))
            .await;
    }
    let mut upper = Client::connect(addr, "a client in \"Lobby\"").await;
    let list = upper.join("Lobby", "ada").await;
    expect_eq!(
        list,
        ["ada"],
        "\"Lobby\" and \"lobby\" are two rooms, so the first to join \"Lobby\" is alone in it: \
         got {list:?}"
    );
    ada.expect_nothing_more("someone joined \"Lobby\", which is not ada's \"lobby\"")
        .await;
}

/// A disconnect is announced only in the rooms the client is still in, under the name it
/// uses there now: a room it left is not told again.
/// Rules: disconnect-announced.
#[tokio::test]
async fn a_disconnect_is_announced_only_where_the_client_still_is() {
    let addr = start_default().await;
    let mut ada = Client::connect(addr, "ada").await;
    let mut grace = Client::connect(addr, "grace").await;
    ada.join("lobby", "ada").await;
    ada.join("kitchen", "ada").await;
    grace.join("lobby", "grace").await;
    grace.join("kitchen", "grace").await;
    ada.expect(joined("lobby", "grace"), "grace joined the lobby")
        .await;
    ada.expect(joined("kitchen", "grace"), "grace joined the kitchen")
        .await;
    for room in ["kitchen", "lobby"] {
        grace.send(json!({"type": "leave", "room": room})).await;
        grace
            .expect(left(room, "grace"), &format!("grace left the {room}"))
            .await;
        ada.expect(left(room, "grace"), &format!("grace left the {room}"))
            .await;
    }
    grace.join("lobby", "hopper").await;
    ada.expect(
        joined("lobby", "hopper"),
        "grace came back to the lobby as hopper",
    )
    .await;
    grace.close().await;
    ada.expect(
        left("lobby", "hopper"),
        "grace, in the lobby as hopper (and no longer in the kitchen), closed its connection",
    )
    .await;
    ada.expect_nothing_more(
        "grace closed its connection after leaving the kitchen, so only the lobby is told",
    )
    .await;
}

/// Each `app(...)` is a server of its own: two apps share no rooms.
/// Rules: apps-independent.
#[tokio::test]
async fn two_apps_share_no_rooms() {
    let first = start_default().await;
    let second = start_default().await;
    let mut ada = Client::connect(first, "ada (on the first server)").await;
    let mut grace = Client::connect(second, "grace (on the second server)").await;
    ada.join("lobby", "ada").await;
    let list = grace.join("lobby", "grace").await;
    expect_eq!(
        list,
        ["grace"],
        "ada joined the lobby of another app(...), which shares nothing with this one: got {list:?}"
    );
    ada.expect_nothing_more("grace joined the lobby of another server")
        .await;
}
