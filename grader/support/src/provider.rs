//! A fake payment provider for the hidden tests: a small HTTP server on a free port that
//! charges and refunds as the shop exercise's README describes, and records every request
//! it gets, so that a test can check what the learner's server sent (amount, card,
//! reference, idempotency key).
//!
//! - `POST /charges` `{"amount_cents", "currency", "card", "reference"}`: `201 {"id":
//!   "ch_<n>", "status": "succeeded"}`, or `402 {"error": {"code": "card_declined"}}` for
//!   the card `tok_declined`. A repeated `Idempotency-Key` gets the first successful answer
//!   again and creates no second charge (a declined attempt is not remembered: retrying it
//!   with another card is a new attempt).
//! - `POST /refunds` `{"charge_id", "amount_cents"}`: `201 {"id": "re_<n>", "status":
//!   "succeeded"}`, with the same idempotency.
//! - The card `tok_slow` is answered after 6 seconds, past the 5 the README allows.
//! - [`Provider::set_down`] makes every request a `503`, as an outage would.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

/// The card the provider declines.
pub const DECLINED_CARD: &str = "tok_declined";

/// The card the provider takes 6 seconds to answer for (more than the 5 the README allows).
pub const SLOW_CARD: &str = "tok_slow";

/// One request the provider received.
#[derive(Debug, Clone)]
pub struct Received {
    /// `POST`.
    pub method: String,
    /// `/charges` or `/refunds`.
    pub path: String,
    /// The `Idempotency-Key` header, if there was one.
    pub idempotency_key: Option<String>,
    /// The body, as JSON (`null` when it was not JSON).
    pub body: Value,
}

#[derive(Default)]
struct Books {
    received: Vec<Received>,
    /// Answers by idempotency key: (status, body).
    answered: HashMap<String, (u16, Value)>,
    charges: u32,
    refunds: u32,
}

/// The running fake provider; it stops when dropped.
pub struct Provider {
    port: u16,
    books: Arc<Mutex<Books>>,
    down: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl Provider {
    /// Starts the provider on a free port of 127.0.0.1.
    pub fn start() -> Provider {
        let listener = TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|e| panic!("the grader cannot start its payment provider: {e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let provider = Provider {
            port,
            books: Arc::default(),
            down: Arc::default(),
            stop: Arc::default(),
        };
        let (books, down, stop) = (
            Arc::clone(&provider.books),
            Arc::clone(&provider.down),
            Arc::clone(&provider.stop),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let (books, down) = (Arc::clone(&books), Arc::clone(&down));
                std::thread::spawn(move || serve(stream, &books, &down));
            }
        });
        provider
    }

    /// The value for `PAYMENT_URL`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.books
            .lock()
            .map(|b| b.received.clone())
            .unwrap_or_default()
    }

    /// While `down`, every request is answered `503`.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Answers the requests of one connection until the client closes it.
fn serve(stream: TcpStream, books: &Mutex<Books>, down: &AtomicBool) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader) {
        let (status, body) = if down.load(Ordering::SeqCst) {
            (503, json!({"error": {"code": "unavailable"}}))
        } else {
            answer(request, books)
        };
        let text = body.to_string();
        let head = format!(
            "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            reason(status),
            text.len()
        );
        if writer.write_all(head.as_bytes()).is_err() || writer.write_all(text.as_bytes()).is_err()
        {
            return;
        }
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Received> {
    let mut line = String::new();
    reader.read_line(&mut line).ok().filter(|n| *n > 0)?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_string(), parts.next()?.to_string());
    let (mut length, mut key) = (0usize, None);
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok().filter(|n| *n > 0)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap_or(0),
                "idempotency-key" => key = Some(value.trim().to_string()),
                _ => {}
            }
        }
    }
    let mut body = vec![0u8; length.min(1 << 20)];
    reader.read_exact(&mut body).ok()?;
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    Some(Received {
        method,
        path,
        idempotency_key: key,
        body,
    })
}

/// The provider's answer to one request, recorded in `books`.
fn answer(request: Received, books: &Mutex<Books>) -> (u16, Value) {
    if request.body["card"] == SLOW_CARD {
        std::thread::sleep(std::time::Duration::from_secs(6));
    }
    let Ok(mut books) = books.lock() else {
        return (500, json!({"error": {"code": "internal"}}));
    };
    books.received.push(request.clone());
    if let Some(key) = &request.idempotency_key
        && let Some(earlier) = books.answered.get(key)
    {
        return earlier.clone();
    }
    let reply = match (request.method.as_str(), request.path.as_str()) {
        ("POST", "/charges") if request.body["card"] == DECLINED_CARD => {
            (402, json!({"error": {"code": "card_declined"}}))
        }
        ("POST", "/charges") => {
            books.charges += 1;
            (
                201,
                json!({"id": format!("ch_{}", 1000 + books.charges), "status": "succeeded"}),
            )
        }
        ("POST", "/refunds") => {
            books.refunds += 1;
            (
                201,
                json!({"id": format!("re_{}", 1000 + books.refunds), "status": "succeeded"}),
            )
        }
        _ => (404, json!({"error": {"code": "not_found"}})),
    };
    if let Some(key) = request.idempotency_key
        && reply.0 == 201
    {
        books.answered.insert(key, reply.clone());
    }
    reply
}

fn reason(status: u16) -> &'static str {
    match status {
        201 => "Created",
        402 => "Payment Required",
        404 => "Not Found",
        503 => "Service Unavailable",
        _ => "Error",
    }
}
