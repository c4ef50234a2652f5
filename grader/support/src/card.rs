//! The failure card of an HTTP check, built line by line and raised as the test's panic:
//!
//! ```text
//! POST /api/v1/users answered 201 Created; expected 409 Conflict.
//!   request:  curl -i -X POST 'http://localhost:3000/api/v1/users' -H 'Content-Type: application/json' --data-raw '{"email":"…"}'
//!   expected: status 409 Conflict
//!   actual:   status 201 Created
//!   response: 201 Created
//!             content-type: application/json
//!             {"data":{"id":2,"email":"…"}}
//!   seed:     8127 (WORKBOOK_SEED=8127 repeats this run's inputs)
//! ```

use crate::reply::{Reply, Sent};
use expect::diff::{Difference, short};

/// The headers worth showing: the ones the exercises' rules are about.
const SHOWN_HEADERS: [&str; 7] = [
    "content-type",
    "location",
    "www-authenticate",
    "retry-after",
    "etag",
    "idempotent-replayed",
    "allow",
];

/// The most of a body a card shows.
const BODY_SHOWN: usize = 1500;

/// The port the `curl` command names: the one the README suggests for running by hand.
const HAND_PORT: u16 = 3000;

pub(crate) struct Card {
    headline: String,
    lines: Vec<(String, String)>,
    tail: Vec<String>,
}

impl Card {
    pub fn new(headline: String) -> Card {
        Card {
            headline,
            lines: Vec::new(),
            tail: Vec::new(),
        }
    }

    pub fn request(self, sent: &Sent) -> Card {
        let card = self.line("request", &curl(sent));
        let card = match &sent.note {
            Some(note) => card.line("how", note),
            None => card,
        };
        match &sent.token_note {
            Some(note) => card.line("token", note),
            None => card,
        }
    }

    pub fn line(mut self, label: &str, text: &str) -> Card {
        self.lines.push((label.to_string(), text.to_string()));
        self
    }

    pub fn difference(self, difference: &Difference) -> Card {
        let actual = match &difference.actual {
            Some(value) => short(value),
            None => "(missing)".to_string(),
        };
        self.line("field", &difference.path)
            .line("expected", &short(&difference.expected))
            .line("actual", &actual)
    }

    pub fn response(mut self, reply: &Reply) -> Card {
        let mut shown = vec![reply.status_line()];
        for (name, value) in reply.headers() {
            if SHOWN_HEADERS.contains(&name.as_str()) {
                shown.push(format!("{name}: {value}"));
            }
        }
        let body = reply.text();
        if body.is_empty() {
            shown.push("(empty body)".to_string());
        } else if body.chars().count() > BODY_SHOWN {
            let cut: String = body.chars().take(BODY_SHOWN).collect();
            shown.push(format!("{cut}... ({} bytes in all)", body.len()));
        } else {
            shown.push(body.to_string());
        }
        self.tail = shown;
        self
    }

    /// Fails the test with this card: the step in progress, the lines, the response and
    /// the run's seed, laid out by the assertion helper's card.
    #[track_caller]
    pub fn panic(self) -> ! {
        let mut card = expect::Card::new(self.headline);
        if let Some(context) = crate::context::current() {
            card = card.within(&format!("While {context}: "));
        }
        for (label, value) in &self.lines {
            card = card.line(label, value);
        }
        if !self.tail.is_empty() {
            card = card.line("response", &self.tail.join("\n"));
        }
        let seed = crate::inputs::seed();
        card.line(
            "seed",
            &format!("{seed} (WORKBOOK_SEED={seed} repeats this run's random inputs)"),
        )
        .panic()
    }
}

/// The request as a `curl` command to paste while running the server by hand.
fn curl(sent: &Sent) -> String {
    let mut parts = vec!["curl -i".to_string()];
    if sent.method != "GET" || sent.body.is_some() {
        parts.push(format!("-X {}", sent.method));
    }
    parts.push(quote(&format!("http://localhost:{HAND_PORT}{}", sent.path)));
    for (name, value) in &sent.headers {
        match value.strip_prefix("Bearer ") {
            // A token of the grader's own run means nothing to the learner's server.
            Some(_) if name.eq_ignore_ascii_case("authorization") => {
                parts.push(format!("-H \"{name}: Bearer $TOKEN\""));
            }
            _ => parts.push(format!("-H {}", quote(&format!("{name}: {value}")))),
        }
    }
    if let Some(body) = &sent.body {
        parts.push(format!(
            "--data-raw {}",
            quote(&String::from_utf8_lossy(body))
        ));
    }
    parts.join(" ")
}

/// Single-quotes `text` for a POSIX shell.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_quotes_bodies_and_headers_for_a_shell() {
        let sent = Sent {
            method: "POST".into(),
            path: "/api/v1/users".into(),
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("Authorization".into(), "Bearer 3f9a".into()),
            ],
            body: Some(br#"{"name":"O'Hara"}"#.to_vec()),
            note: None,
            token_note: None,
        };
        assert_eq!(
            curl(&sent),
            r#"curl -i -X POST 'http://localhost:3000/api/v1/users' -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN" --data-raw '{"name":"O'\''Hara"}'"#
        );
    }
}
