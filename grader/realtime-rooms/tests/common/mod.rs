//! Shared helpers of the hidden tests: a server on a free port and WebSocket clients that
//! read with a time limit, so that a missing frame fails the test instead of hanging it.
//!
//! Nothing here sleeps. "X did not receive Y" is proved by order: X asks for a fresh room
//! of its own (a *check frame*) and the next frame it reads must be that room's member list.

#![allow(dead_code)] // each test file uses a different part of this module

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

/// How long a test waits for a frame a correct server sends at once. Never reached by a
/// correct server: it only turns a missing frame into a failure instead of a hang.
pub const PATIENCE: Duration = Duration::from_secs(3);

/// Starts `realtime_rooms::app(queue_capacity)` on a free port of 127.0.0.1.
pub async fn start(queue_capacity: usize) -> SocketAddr {
    start_with(queue_capacity, None).await
}

/// Starts `realtime_rooms::app(queue_capacity)` with small kernel send buffers: the
/// listening socket's 4 KiB send buffer is inherited by every connection it accepts, so the
/// kernel holds well under one 32 KiB frame between the server and a client that stops
/// reading, and what waits for that client waits in the server's own queue.
pub async fn start_with_small_buffers(queue_capacity: usize) -> SocketAddr {
    start_with(queue_capacity, Some(4096)).await
}

async fn start_with(queue_capacity: usize, send_buffer: Option<u32>) -> SocketAddr {
    let socket = TcpSocket::new_v4().unwrap();
    if let Some(size) = send_buffer {
        socket.set_send_buffer_size(size).unwrap();
    }
    socket.bind(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
    let listener = socket.listen(128).unwrap();
    let addr = listener.local_addr().unwrap();
    let app = realtime_rooms::app(queue_capacity);
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// Starts the server with the default queue size.
pub async fn start_default() -> SocketAddr {
    start(realtime_rooms::DEFAULT_QUEUE_CAPACITY).await
}

/// A WebSocket client with a label used in failure messages ("ada", "the silent client").
pub struct Client {
    pub label: String,
    ws: WebSocketStream<TcpStream>,
}

/// What reading the next frame gave.
#[derive(Debug)]
pub enum Read {
    Frame(Value),
    /// The server closed the connection (close frame, end of stream or reset).
    Closed,
    /// Nothing within [`PATIENCE`].
    Silent,
}

impl Client {
    /// Connects to `ws://addr/ws`.
    pub async fn connect(addr: SocketAddr, label: &str) -> Client {
        Self::connect_with(addr, label, None).await
    }

    /// Connects with a tiny kernel receive buffer, so that a client that stops reading
    /// fills its buffers after a few frames instead of megabytes of them.
    pub async fn connect_small_buffer(addr: SocketAddr, label: &str) -> Client {
        Self::connect_with(addr, label, Some(4096)).await
    }

    async fn connect_with(addr: SocketAddr, label: &str, recv_buffer: Option<u32>) -> Client {
        let socket = TcpSocket::new_v4().unwrap();
        if let Some(size) = recv_buffer {
            socket.set_recv_buffer_size(size).unwrap();
        }
        let stream = socket.connect(addr).await.unwrap();
        let url = format!("ws://{addr}/ws");
        let handshake = tokio_tungstenite::client_async(url, stream);
        let (ws, _) = match tokio::time::timeout(PATIENCE, handshake).await {
            Ok(Ok(done)) => done,
            Ok(Err(e)) => panic!("{label} could not open a WebSocket on GET /ws: {e}"),
            Err(_) => {
                panic!("{label}: GET /ws did not complete the WebSocket handshake within 3 s")
            }
        };
        Client {
            label: label.to_string(),
            ws,
        }
    }

    /// Sends a JSON value as a text frame.
    pub async fn send(&mut self, frame: Value) {
        self.send_text(&frame.to_string()).await;
    }

    /// Sends any text as a text frame.
    pub async fn send_text(&mut self, text: &str) {
        let sent = self.ws.send(Message::text(text)).await;
        if let Err(e) = sent {
            panic!("{} could not send the frame {text}: {e}", self.label);
        }
    }

    /// Sends a text frame and ignores a failure: for a client the server may already have
    /// disconnected.
    pub async fn send_regardless(&mut self, frame: Value) {
        let _ = self.ws.send(Message::text(frame.to_string())).await;
    }

    /// Sends a binary frame.
    pub async fn send_binary(&mut self, bytes: &[u8]) {
        let sent = self.ws.send(Message::binary(bytes.to_vec())).await;
        if let Err(e) = sent {
            panic!("{} could not send a binary frame: {e}", self.label);
        }
    }

    /// Reads the next text frame as JSON (pings and pongs skipped), within [`PATIENCE`].
    pub async fn read(&mut self) -> Read {
        loop {
            let next = match tokio::time::timeout(PATIENCE, self.ws.next()).await {
                Err(_) => return Read::Silent,
                Ok(next) => next,
            };
            match next {
                Some(Ok(Message::Text(text))) => {
                    let value = serde_json::from_str(text.as_str()).unwrap_or_else(|e| {
                        panic!(
                            "{} received a text frame that is not JSON ({e}): {text}",
                            self.label
                        )
                    });
                    return Read::Frame(value);
                }
                Some(Ok(Message::Binary(_))) => {
                    panic!(
                        "{} received a binary frame; the server must send JSON text frames",
                        self.label
                    )
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                Some(Ok(Message::Close(_)) | Err(_)) | None => return Read::Closed,
            }
        }
    }

    /// The next frame; fails the test if none comes or the connection closes.
    pub async fn next(&mut self, waiting_for: &str) -> Value {
        match self.read().await {
            Read::Frame(value) => value,
            Read::Closed => panic!(
                "{} was waiting for {waiting_for}, but the server closed its connection",
                self.label
            ),
            Read::Silent => panic!(
                "{} was waiting for {waiting_for}, but no frame came within 3 s",
                self.label
            ),
        }
    }

    /// The next frame must have every field of `expected` (it may have more).
    pub async fn expect(&mut self, expected: Value, context: &str) -> Value {
        let waiting_for = format!("the frame {expected}");
        let actual = self.next(&waiting_for).await;
        if !has_fields(&actual, &expected) {
            panic!(
                "{context}: {} expected the frame {expected} next, but received {actual}",
                self.label
            );
        }
        actual
    }

    /// The next frame must be an `error` with this `code` and a non-empty `message`.
    pub async fn expect_error(&mut self, code: &str, context: &str) {
        let frame = self
            .expect(json!({"type": "error", "code": code}), context)
            .await;
        let message = frame.get("message").and_then(Value::as_str).unwrap_or("");
        assert!(
            !message.trim().is_empty(),
            "{context}: the error frame {frame} needs a non-empty \"message\" string for people"
        );
    }

    /// Joins `room` as `name` and returns the member list the server answers with.
    pub async fn join(&mut self, room: &str, name: &str) -> Vec<String> {
        self.send(json!({"type": "join", "room": room, "name": name}))
            .await;
        let context = format!("{} joined room {room:?} as {name:?}", self.label);
        let frame = self
            .expect(json!({"type": "members", "room": room}), &context)
            .await;
        members_of(&frame, &context)
    }

    /// Sends a chat message (does not read anything).
    pub async fn say(&mut self, room: &str, text: &str) {
        self.send(json!({"type": "message", "room": room, "text": text}))
            .await;
    }

    /// Proves that nothing else is queued for this client: it joins a fresh room of its own,
    /// and the member list of that room must be the very next frame it reads.
    pub async fn expect_nothing_more(&mut self, context: &str) {
        static CHECKS: AtomicUsize = AtomicUsize::new(0);
        let room = format!("check-{}", CHECKS.fetch_add(1, Ordering::Relaxed));
        self.send(json!({"type": "join", "room": room, "name": "check"}))
            .await;
        let waiting_for = format!("the member list of the check room {room:?}");
        let actual = self.next(&waiting_for).await;
        let expected = json!({"type": "members", "room": room, "members": ["check"]});
        if !has_fields(&actual, &expected) {
            panic!(
                "{context}: {} should not have received anything more, but before the answer to \
                 its check frame (joining the empty room {room:?}) it received {actual}",
                self.label
            );
        }
    }

    /// Closes the TCP connection without a WebSocket close frame, like a crashed browser tab.
    pub fn vanish(self) {
        drop(self.ws);
    }

    /// Sends a close frame, the polite way to go.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

/// True when `actual` has every field of `expected` with the same value.
pub fn has_fields(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(actual), Value::Object(expected)) => expected
            .iter()
            .all(|(key, value)| actual.get(key) == Some(value)),
        _ => actual == expected,
    }
}

/// The `members` list of a `members` frame, as strings.
pub fn members_of(frame: &Value, context: &str) -> Vec<String> {
    let Some(list) = frame.get("members").and_then(Value::as_array) else {
        panic!("{context}: the members frame {frame} has no \"members\" list");
    };
    list.iter()
        .map(|name| match name.as_str() {
            Some(name) => name.to_string(),
            None => panic!("{context}: the members list of {frame} holds a non-string: {name}"),
        })
        .collect()
}
