//! A chat-room server over WebSockets: rooms, presence, JSON frames and backpressure.
//!
//! Clients connect to `GET /ws` and exchange JSON text frames with the server (README.md
//! lists every frame). The frame types, [`ErrorCode`] and [`ServerFrame::to_text`] are
//! given; [`ClientFrame::parse`] and [`app`] are the exercise.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::{Notify, mpsc};

// ---------------------------------------------------------------------------
// Frames (provided)
// ---------------------------------------------------------------------------

/// The outbound queue size a production server would use: how many frames may wait for
/// one client before the server gives up on it.
pub const DEFAULT_QUEUE_CAPACITY: usize = 64;

/// A frame a client sends, as JSON text: `{"type": "join", "room": "lobby", "name": "ada"}`,
/// `{"type": "leave", "room": "lobby"}` or `{"type": "message", "room": "lobby", "text": "hi"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ClientFrame {
    /// Join `room` under `name` (both non-empty).
    Join {
        /// The room to join.
        room: String,
        /// The name the other members will see, unique within the room.
        name: String,
    },
    /// Leave `room` (non-empty), which this connection has joined.
    Leave {
        /// The room to leave.
        room: String,
    },
    /// Say `text` (any string, even empty) to every member of `room` (non-empty).
    Message {
        /// The room to speak in.
        room: String,
        /// What to say.
        text: String,
    },
}

/// Why the server refused a client frame; serialized in snake case (`"bad_json"`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame is not a JSON object (not JSON at all, an array, a string, a number, `null`),
    /// or is a binary frame, if you refuse those (ignoring them is fine too).
    BadJson,
    /// A JSON object whose `type` is missing, not a string, or not `join`, `leave` or `message`.
    UnknownType,
    /// A known `type` whose fields are missing, not strings, or an empty `room` or `name`.
    InvalidMessage,
    /// `join` for a room this connection is already in.
    AlreadyJoined,
    /// `join` under a name another member of the room already uses.
    NameTaken,
    /// `leave` or `message` for a room this connection is not in.
    NotInRoom,
}

/// A frame the server sends, as JSON text tagged by `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ServerFrame {
    /// To a client that just joined: everyone in the room, in join order, itself last.
    Members {
        /// The room joined.
        room: String,
        /// The members' names, oldest member first.
        members: Vec<String>,
    },
    /// To the other members: `name` joined `room`.
    Joined {
        /// The room.
        room: String,
        /// Who joined.
        name: String,
    },
    /// To every member, the leaver included when it is still connected: `name` left `room`.
    Left {
        /// The room.
        room: String,
        /// Who left.
        name: String,
    },
    /// To every member, the sender included: `from` said `text` in `room`.
    Message {
        /// The room.
        room: String,
        /// The sender's name in that room.
        from: String,
        /// What was said.
        text: String,
    },
    /// To the one client whose frame was refused; the connection stays open.
    Error {
        /// What was wrong, for programs.
        code: ErrorCode,
        /// What was wrong, for people (non-empty).
        message: String,
    },
}

impl ServerFrame {
    /// The frame as the JSON text to put in a WebSocket text message.
    pub fn to_text(&self) -> Utf8Bytes {
        // Only strings, string lists and unit variants: serializing cannot fail.
        serde_json::to_string(self)
            .expect("a ServerFrame always serializes")
            .into()
    }

    /// An `error` frame with its code and a message for people.
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        ServerFrame::Error {
            code,
            message: message.into(),
        }
    }
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

impl ClientFrame {
    /// Parses one text frame, telling apart the three ways it can be malformed.
    pub fn parse(text: &str) -> Result<ClientFrame, ErrorCode> {
        // Three steps, because deserializing straight into the tagged enum gives one
        // error for "not JSON", "unknown type" and "missing field" alike.
        let value: Value = serde_json::from_str(text).map_err(|_| ErrorCode::BadJson)?;
        let Value::Object(object) = &value else {
            return Err(ErrorCode::BadJson);
        };
        match object.get("type").and_then(Value::as_str) {
            Some("join" | "leave" | "message") => {}
            _ => return Err(ErrorCode::UnknownType),
        }
        let frame: ClientFrame =
            serde_json::from_value(value).map_err(|_| ErrorCode::InvalidMessage)?;
        let empty = match &frame {
            ClientFrame::Join { room, name } => room.is_empty() || name.is_empty(),
            ClientFrame::Leave { room } | ClientFrame::Message { room, .. } => room.is_empty(),
        };
        if empty {
            return Err(ErrorCode::InvalidMessage);
        }
        Ok(frame)
    }
}

// ---------------------------------------------------------------------------
// The hub: every room and every connection, behind one lock
// ---------------------------------------------------------------------------

type ClientId = u64;

/// One connected client, as the hub sees it.
struct Client {
    /// The bounded queue its writer task drains onto the socket.
    outbox: mpsc::Sender<Utf8Bytes>,
    /// Wakes its connection task when the hub disconnects it.
    kick: Arc<Notify>,
    /// The rooms it is in, so a disconnect knows where to announce `left`.
    rooms: BTreeSet<String>,
}

/// One member of a room: which connection, under which name.
struct Member {
    id: ClientId,
    name: String,
}

/// Everything the lock protects. Every method runs to completion without awaiting, so the
/// lock is never held across an `.await`, and all members see a room's frames in one order.
#[derive(Default)]
struct Rooms {
    clients: HashMap<ClientId, Client>,
    /// Members in join order: a `Vec`, because the `members` frame lists them so.
    rooms: HashMap<String, Vec<Member>>,
    /// Clients whose queue was full, to disconnect before the lock is released.
    overflowed: Vec<ClientId>,
}

impl Rooms {
    /// Queues `frame` for one client without ever waiting. A full queue means the client
    /// stopped reading: it is marked for disconnection instead of slowing the sender down.
    fn send(&mut self, id: ClientId, frame: &Utf8Bytes) {
        let Some(client) = self.clients.get(&id) else {
            return;
        };
        // A closed queue (its connection is ending) is treated like a full one.
        if client.outbox.try_send(frame.clone()).is_err() {
            self.overflowed.push(id);
        }
    }

    /// Queues `frame` for every member of `room`.
    fn broadcast(&mut self, room: &str, frame: &ServerFrame) {
        let text = frame.to_text(); // serialized once, shared by every member
        let ids: Vec<ClientId> = self
            .rooms
            .get(room)
            .map(|members| members.iter().map(|m| m.id).collect())
            .unwrap_or_default();
        for id in ids {
            self.send(id, &text);
        }
    }

    fn reply(&mut self, id: ClientId, frame: &ServerFrame) {
        self.send(id, &frame.to_text());
    }

    /// The name `id` uses in `room`, if it is a member.
    fn name_in(&self, id: ClientId, room: &str) -> Option<String> {
        let members = self.rooms.get(room)?;
        members.iter().find(|m| m.id == id).map(|m| m.name.clone())
    }

    fn handle(&mut self, id: ClientId, text: &str) {
        // A client the hub dropped is ignored: its connection task may read one more frame
        // before it notices the kick, and that frame must not put it back in a room.
        if !self.clients.contains_key(&id) {
            return;
        }
        let outcome = match ClientFrame::parse(text) {
            Ok(ClientFrame::Join { room, name }) => self.join(id, room, name),
            Ok(ClientFrame::Leave { room }) => self.leave(id, &room),
            Ok(ClientFrame::Message { room, text }) => self.say(id, room, text),
            Err(code) => Err(code),
        };
        if let Err(code) = outcome {
            self.refuse(id, code);
        }
    }

    /// Answers a refused frame with an `error`; the connection stays open.
    fn refuse(&mut self, id: ClientId, code: ErrorCode) {
        self.reply(id, &ServerFrame::error(code, describe(code)));
    }

    fn join(&mut self, id: ClientId, room: String, name: String) -> Result<(), ErrorCode> {
        let members = self.rooms.get(&room).map(Vec::as_slice).unwrap_or_default();
        if members.iter().any(|m| m.id == id) {
            return Err(ErrorCode::AlreadyJoined);
        }
        if members.iter().any(|m| m.name == name) {
            return Err(ErrorCode::NameTaken);
        }
        // Announce to the others before adding the joiner, so it does not get its own
        // `joined`; its first frame about the room is the member list.
        self.broadcast(
            &room,
            &ServerFrame::Joined {
                room: room.clone(),
                name: name.clone(),
            },
        );
        let members = self.rooms.entry(room.clone()).or_default();
        members.push(Member { id, name });
        let names = members.iter().map(|m| m.name.clone()).collect();
        if let Some(client) = self.clients.get_mut(&id) {
            client.rooms.insert(room.clone());
        }
        self.reply(
            id,
            &ServerFrame::Members {
                room,
                members: names,
            },
        );
        Ok(())
    }

    fn leave(&mut self, id: ClientId, room: &str) -> Result<(), ErrorCode> {
        let name = self.name_in(id, room).ok_or(ErrorCode::NotInRoom)?;
        // Broadcast while the leaver is still a member: its copy is the acknowledgement.
        self.broadcast(
            room,
            &ServerFrame::Left {
                room: room.to_owned(),
                name,
            },
        );
        self.remove_member(id, room);
        Ok(())
    }

    fn say(&mut self, id: ClientId, room: String, text: String) -> Result<(), ErrorCode> {
        let from = self.name_in(id, &room).ok_or(ErrorCode::NotInRoom)?;
        self.broadcast(
            &room,
            &ServerFrame::Message {
                room: room.clone(),
                from,
                text,
            },
        );
        Ok(())
    }

    fn remove_member(&mut self, id: ClientId, room: &str) {
        if let Some(members) = self.rooms.get_mut(room) {
            members.retain(|m| m.id != id);
            if members.is_empty() {
                self.rooms.remove(room); // an empty room is forgotten
            }
        }
        if let Some(client) = self.clients.get_mut(&id) {
            client.rooms.remove(room);
        }
    }

    /// Forgets a client and tells every room it was in. Idempotent: the connection task
    /// calls it on its way out even when the hub already disconnected it.
    fn disconnect(&mut self, id: ClientId) {
        let Some(client) = self.clients.remove(&id) else {
            return;
        };
        client.kick.notify_one(); // its connection task stops and closes the socket
        for room in client.rooms {
            if let Some(name) = self.name_in(id, &room) {
                self.remove_member(id, &room);
                self.broadcast(
                    &room,
                    &ServerFrame::Left {
                        room: room.clone(),
                        name,
                    },
                );
            }
        }
    }

    /// Disconnects every client whose queue overflowed. Announcing their departure can
    /// overflow more queues, so this loops until no client is left marked.
    fn drop_overflowed(&mut self) {
        while let Some(id) = self.overflowed.pop() {
            self.disconnect(id);
        }
    }
}

fn describe(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::BadJson => "the frame is not a JSON object",
        ErrorCode::UnknownType => "\"type\" must be \"join\", \"leave\" or \"message\"",
        ErrorCode::InvalidMessage => "a field is missing, not a string, or empty",
        ErrorCode::AlreadyJoined => "you are already in this room",
        ErrorCode::NameTaken => "another member of this room uses that name",
        ErrorCode::NotInRoom => "you have not joined this room",
    }
}

/// The shared state of one [`app`].
struct Hub {
    rooms: Mutex<Rooms>,
    next_id: AtomicU64,
    queue_capacity: usize,
}

impl Hub {
    /// Runs `work` under the lock, then disconnects whoever overflowed meanwhile.
    fn with<T>(&self, work: impl FnOnce(&mut Rooms) -> T) -> T {
        let mut rooms = self.lock();
        let result = work(&mut rooms);
        rooms.drop_overflowed();
        result
    }

    fn lock(&self) -> MutexGuard<'_, Rooms> {
        // No method panics halfway through an update, so a poisoned lock is still usable.
        self.rooms.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

// ---------------------------------------------------------------------------
// The router and one task pair per connection
// ---------------------------------------------------------------------------

/// The chat server: `GET /ws` upgrades to a WebSocket speaking the frames above. Each
/// client gets an outbound queue of `queue_capacity` frames; a client whose queue is full
/// is disconnected.
///
/// # Panics
///
/// If `queue_capacity` is 0.
pub fn app(queue_capacity: usize) -> Router {
    assert!(
        queue_capacity > 0,
        "the outbound queue needs room for at least one frame"
    );
    let hub = Arc::new(Hub {
        rooms: Mutex::new(Rooms::default()),
        next_id: AtomicU64::new(0),
        queue_capacity,
    });
    Router::new().route("/ws", get(upgrade)).with_state(hub)
}

async fn upgrade(ws: WebSocketUpgrade, State(hub): State<Arc<Hub>>) -> Response {
    ws.on_upgrade(move |socket| serve_client(socket, hub))
}

/// Reads the client's frames here and writes its queue from a second task, so a client
/// that does not read blocks only its own writer, never this loop nor anyone else.
async fn serve_client(socket: WebSocket, hub: Arc<Hub>) {
    let (outbox, mut queue) = mpsc::channel::<Utf8Bytes>(hub.queue_capacity);
    let kick = Arc::new(Notify::new());
    let id = hub.next_id.fetch_add(1, Ordering::Relaxed);
    let client = Client {
        outbox,
        kick: Arc::clone(&kick),
        rooms: BTreeSet::new(),
    };
    hub.with(|rooms| rooms.clients.insert(id, client));

    let (mut sink, mut stream) = socket.split();
    let mut writer = tokio::spawn(async move {
        while let Some(text) = queue.recv().await {
            if sink.send(Message::Text(text)).await.is_err() {
                break;
            }
        }
    });
    loop {
        tokio::select! {
            biased; // a kick wins over a frame that arrived meanwhile
            () = kick.notified() => break,
            _ = &mut writer => break, // the socket failed for writing
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(text))) => hub.with(|rooms| rooms.handle(id, text.as_str())),
                // Binary is not JSON text: refuse it like any other non-JSON frame.
                Some(Ok(Message::Binary(_))) => {
                    hub.with(|rooms| rooms.refuse(id, ErrorCode::BadJson));
                }
                // Pings are answered by axum itself.
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
            },
        }
    }
    // Aborting the writer drops the socket even when a send is stuck on a full buffer. The
    // README leaves open whether a dropped client's queued frames are still written: aborting
    // throws them away, so a client that never reads again does not keep its connection.
    writer.abort();
    hub.with(|rooms| rooms.disconnect(id));
}
