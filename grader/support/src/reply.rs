//! An answer from the server, and the checks a hidden test makes on it. A check that fails
//! panics with a [card](crate::card): the request, what was expected, what came.

use serde_json::Value;

use crate::card::Card;
use expect::diff::differences;

/// The most of a body read (a server that streams forever must not fill the memory).
const BODY_LIMIT: u64 = 1024 * 1024;

/// What was sent, kept to show it as a `curl` command.
#[derive(Debug, Clone)]
pub(crate) struct Sent {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Option<Vec<u8>>,
    /// How it was sent, when `curl` would not send it that way (slowly, in pieces).
    pub(crate) note: Option<String>,
    /// Whose token it carried, and how to get one like it for the learner's own server.
    pub(crate) token_note: Option<String>,
}

/// A response: status, headers and body text.
#[derive(Debug, Clone)]
pub struct Reply {
    pub(crate) sent: Sent,
    status: u16,
    headers: Vec<(String, String)>,
    text: String,
}

impl Sent {
    /// Panics saying that no answer came.
    #[track_caller]
    pub(crate) fn no_answer(&self, error: &str) -> ! {
        Card::new(format!(
            "{} {} got no response: {error}.",
            self.method, self.path
        ))
        .request(self)
        .line("expected", "a response")
        .line("actual", &format!("no response ({error})"))
        .panic()
    }
}

impl Reply {
    pub(crate) fn read(sent: Sent, mut response: ureq::http::Response<ureq::Body>) -> Reply {
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let text = match response
            .body_mut()
            .with_config()
            .limit(BODY_LIMIT)
            .read_to_string()
        {
            Ok(text) => text,
            Err(e) => sent.no_answer(&format!("the body could not be read ({e})")),
        };
        Reply::new(sent, status, headers, text)
    }

    pub(crate) fn new(
        sent: Sent,
        status: u16,
        headers: Vec<(String, String)>,
        text: String,
    ) -> Reply {
        Reply {
            sent,
            status,
            headers,
            text,
        }
    }

    /// The status code.
    pub fn status_code(&self) -> u16 {
        self.status
    }

    /// The body as text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every header, names in lower case.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// Checks the status code.
    #[track_caller]
    pub fn status(&self, expected: u16) -> &Reply {
        if self.status != expected {
            self.card(format!(
                "{} {} answered {}; expected {}.",
                self.sent.method,
                self.sent.path,
                with_reason(self.status),
                with_reason(expected)
            ))
            .line("expected", &format!("status {}", with_reason(expected)))
            .line("actual", &format!("status {}", with_reason(self.status)))
            .panic();
        }
        self
    }

    /// The body as JSON; fails when it is not JSON or lacks a JSON `Content-Type`.
    #[track_caller]
    pub fn json(&self) -> Value {
        let content_type = self.header("content-type").unwrap_or("");
        let parsed = serde_json::from_str::<Value>(&self.text);
        match parsed {
            Ok(value) if is_json_type(content_type) => value,
            Ok(_) => self.fail_with(
                "a Content-Type of application/json",
                &format!("Content-Type {content_type:?}"),
            ),
            Err(e) => self.fail_with("a JSON body", &format!("a body that is not JSON ({e})")),
        }
    }

    /// Checks that the body is JSON holding every field of `expected` with its value (other
    /// fields may be there too); lists must match item by item.
    #[track_caller]
    pub fn body_has(&self, expected: &Value) -> &Reply {
        let actual = self.json();
        let found = differences(expected, &actual);
        if !found.is_empty() {
            let mut card = self.card(format!(
                "{} {}: the body is not the expected one.",
                self.sent.method, self.sent.path
            ));
            for difference in found.iter().take(8) {
                card = card.difference(difference);
            }
            card.panic();
        }
        self
    }

    /// Checks an error: the status, the envelope `{"error": {"code", "message"}}` with this
    /// code and a non-empty message.
    #[track_caller]
    pub fn error(&self, status: u16, code: &str) -> &Reply {
        self.status(status);
        self.body_has(&serde_json::json!({"error": {"code": code}}));
        let message = self.json()["error"]["message"].clone();
        if message.as_str().is_none_or(|m| m.trim().is_empty()) {
            self.fail_with(
                "error.message to be a non-empty string",
                &format!("error.message is {}", expect::diff::short(&message)),
            );
        }
        self
    }

    /// The fields named in the envelope's `details`, in order.
    pub fn detail_fields(&self) -> Vec<String> {
        let body: Value = serde_json::from_str(&self.text).unwrap_or(Value::Null);
        body["error"]["details"]
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter_map(|d| d["field"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Checks a `422 VALIDATION_ERROR` whose `details` name every field of `expected` (all
    /// the bad fields at once, not the first one only).
    #[track_caller]
    pub fn lists_fields(&self, expected: &[&str]) -> &Reply {
        self.error(422, "VALIDATION_ERROR");
        let found = self.detail_fields();
        let missing: Vec<&&str> = expected
            .iter()
            .filter(|f| !found.iter().any(|g| g == **f))
            .collect();
        self.check(
            missing.is_empty(),
            &format!("a details entry for each of {expected:?} (every bad field at once); missing: {missing:?}"),
        )
    }

    /// Checks a condition the test computed itself, stated as what was expected.
    #[track_caller]
    pub fn check(&self, holds: bool, expected: &str) -> &Reply {
        if !holds {
            self.fail(expected);
        }
        self
    }

    /// Fails this check: `expected` says what the response should have been.
    #[track_caller]
    pub fn fail(&self, expected: &str) -> ! {
        self.card(format!(
            "{} {}: expected {expected}.",
            self.sent.method, self.sent.path
        ))
        .panic()
    }

    /// Fails with a labelled expected and actual.
    #[track_caller]
    pub fn fail_with(&self, expected: &str, actual: &str) -> ! {
        self.card(format!(
            "{} {}: expected {expected}, got {actual}.",
            self.sent.method, self.sent.path
        ))
        .line("expected", expected)
        .line("actual", actual)
        .panic()
    }

    fn card(&self, headline: String) -> Card {
        Card::new(headline).request(&self.sent).response(self)
    }

    pub(crate) fn status_line(&self) -> String {
        with_reason(self.status)
    }
}

fn is_json_type(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence.to_ascii_lowercase().ends_with("+json")
}

/// `404 Not Found`.
pub(crate) fn with_reason(status: u16) -> String {
    let reason = ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason());
    match reason {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}
