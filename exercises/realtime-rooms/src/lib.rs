//! A chat-room server over WebSockets: rooms, presence, JSON frames and backpressure.
//!
//! Clients connect to `GET /ws` and exchange JSON text frames with the server (README.md
//! lists every frame). The frame types, [`ErrorCode`], [`ServerFrame::to_text`] and
//! [`ServerFrame::error`] are given to you, finished. Everything that says `todo!()` is
//! yours: see README.md for the steps. Add private types and functions freely, but keep
//! every public signature as it is, because the grader's tests are compiled against them.

use axum::Router;
use axum::extract::ws::Utf8Bytes;
use serde::{Deserialize, Serialize};

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
// Yours
// ---------------------------------------------------------------------------

impl ClientFrame {
    /// Parses one text frame, telling apart the three ways it can be malformed:
    /// `BadJson` (not a JSON object), `UnknownType` (no `type` string naming one of the
    /// three frames) and `InvalidMessage` (a field missing, not a string, or an empty
    /// `room` or `name`). Extra fields are ignored.
    pub fn parse(text: &str) -> Result<ClientFrame, ErrorCode> {
        let _ = text;
        todo!("JSON value first, then its type, then the fields")
    }
}

/// The chat server: `GET /ws` upgrades to a WebSocket speaking the frames above. Each
/// client gets an outbound queue of `queue_capacity` frames; a client whose queue is full
/// when a frame is queued for it is disconnected.
///
/// # Panics
///
/// If `queue_capacity` is 0.
pub fn app(queue_capacity: usize) -> Router {
    let _ = queue_capacity;
    todo!("a Router with GET /ws, sharing the rooms through its state")
}
