//! A request written by hand on a socket, for what an HTTP client cannot do: sending a body
//! slowly, in pieces, while something else happens (a `SIGTERM` arriving mid-request).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::reply::{Reply, Sent};

/// Status, headers and body of a response.
type Answer = (u16, Vec<(String, String)>, String);

/// A request to send in pieces.
pub struct Slow<'a> {
    /// `POST`, ...
    pub method: &'a str,
    /// `/api/v1/tasks`, ...
    pub path: &'a str,
    /// Extra headers (`Content-Length` and `Connection: close` are added).
    pub headers: Vec<(String, String)>,
    /// The body, sent in `pieces` parts with `pause` between them.
    pub body: String,
    /// How many parts.
    pub pieces: usize,
    /// The pause between two parts.
    pub pause: Duration,
}

impl Slow<'_> {
    /// Sends the headers, then the body piece by piece, calling `midway` once half of the
    /// body is out; then reads the whole response. Panics with a card when none comes.
    #[track_caller]
    pub fn send(self, port: u16, midway: impl FnOnce()) -> Reply {
        let sent = Sent {
            method: self.method.to_string(),
            path: self.path.to_string(),
            headers: self.headers.clone(),
            body: Some(self.body.as_bytes().to_vec()),
            note: Some(format!(
                "the grader sent the body slowly, in {} pieces {} ms apart, and did what the check is about half way through",
                self.pieces,
                self.pause.as_millis()
            )),
            token_note: None,
        };
        match self.exchange(port, midway) {
            Ok((status, headers, text)) => Reply::new(sent, status, headers, text),
            Err(e) => sent.no_answer(&e),
        }
    }

    fn exchange(&self, port: u16, midway: impl FnOnce()) -> Result<Answer, String> {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n",
            self.method, self.path
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.body.len()
        ));
        let broken = |e: std::io::Error| {
            format!(
                "the server closed the connection before the request was fully sent, without answering ({e})"
            )
        };
        stream.write_all(head.as_bytes()).map_err(broken)?;
        let bytes = self.body.as_bytes();
        let size = bytes.len().div_ceil(self.pieces.max(1)).max(1);
        let mut midway = Some(midway);
        for (i, piece) in bytes.chunks(size).enumerate() {
            stream.write_all(piece).map_err(broken)?;
            stream.flush().map_err(broken)?;
            if i + 1 >= self.pieces / 2
                && let Some(call) = midway.take()
            {
                call();
            }
            std::thread::sleep(self.pause);
        }
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).map_err(|e| {
            format!("the server closed the connection without a complete answer ({e})")
        })?;
        parse(&answer)
    }
}

/// Status, headers and body of a whole HTTP/1.1 response (`Content-Length` or chunked).
fn parse(answer: &[u8]) -> Result<Answer, String> {
    let text = String::from_utf8_lossy(answer);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return Err(if answer.is_empty() {
            "the connection closed without a response".to_string()
        } else {
            "the response ended before its headers did".to_string()
        });
    };
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or("the response has no status line")?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        unchunk(body)
    } else {
        body.to_string()
    };
    Ok((status, headers, body))
}

fn unchunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}
