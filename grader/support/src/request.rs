//! Requests: a [`Client`] for one server (with or without a token) and the [`Call`] being
//! built. Every call opens a new connection, so a restarted or stopping server is never
//! reached through a stale one.

use std::time::Duration;

use serde_json::Value;

use crate::reply::{Reply, Sent};

/// How long one request may take, connection included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Sends requests to one server, as one user (or none).
#[derive(Clone)]
pub struct Client {
    port: u16,
    agent: ureq::Agent,
    token: Option<String>,
    /// What a failure card says about the token (whose it is, how to get one).
    token_note: Option<String>,
}

/// A request being built; [`Call::send`] sends it.
pub struct Call {
    client: Client,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl Client {
    pub(crate) fn new(port: u16) -> Client {
        let config = ureq::Agent::config_builder()
            // A 4xx is an answer to check, not an error of the client.
            .http_status_as_error(false)
            .max_redirects(0)
            .max_idle_connections(0)
            .timeout_global(Some(REQUEST_TIMEOUT))
            .build();
        Client {
            port,
            agent: config.into(),
            token: None,
            token_note: None,
        }
    }

    /// The same client, sending `Authorization: Bearer <token>` with every request: a token
    /// from a login, as far as a failure card is concerned.
    pub fn authorized(&self, token: &str) -> Client {
        self.authorized_as(
            token,
            "the grader's token is gone with its server: log in to yours and `export TOKEN=...` first",
        )
    }

    /// [`Client::authorized`], with what a failure card should say about the token (say,
    /// "the admin's token: export TOKEN=<your ADMIN_TOKEN>").
    pub fn authorized_as(&self, token: &str, note: &str) -> Client {
        Client {
            token: Some(token.to_string()),
            token_note: Some(note.to_string()),
            ..self.clone()
        }
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A request with any method.
    pub fn call(&self, method: &str, path: &str) -> Call {
        let mut headers = Vec::new();
        if let Some(token) = &self.token {
            headers.push(("Authorization".to_string(), format!("Bearer {token}")));
        }
        Call {
            client: self.clone(),
            method: method.to_string(),
            path: path.to_string(),
            headers,
            body: None,
        }
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Call {
        self.call("GET", path)
    }

    /// `POST path`.
    pub fn post(&self, path: &str) -> Call {
        self.call("POST", path)
    }

    /// `PATCH path`.
    pub fn patch(&self, path: &str) -> Call {
        self.call("PATCH", path)
    }

    /// `PUT path`.
    pub fn put(&self, path: &str) -> Call {
        self.call("PUT", path)
    }

    /// `DELETE path`.
    pub fn delete(&self, path: &str) -> Call {
        self.call("DELETE", path)
    }
}

impl Call {
    /// Sends `value` as the body, with `Content-Type: application/json`.
    pub fn json(self, value: &Value) -> Call {
        self.body(&value.to_string(), Some("application/json"))
    }

    /// Sends `text` as the body, with the given `Content-Type` (or none).
    pub fn body(mut self, text: &str, content_type: Option<&str>) -> Call {
        if let Some(kind) = content_type {
            self.headers
                .push(("Content-Type".to_string(), kind.to_string()));
        }
        self.body = Some(text.as_bytes().to_vec());
        self
    }

    /// Adds a header (a second `Authorization` replaces the client's).
    pub fn header(mut self, name: &str, value: &str) -> Call {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Leaves out the client's `Authorization` header.
    pub fn without_auth(mut self) -> Call {
        self.headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case("authorization"));
        self
    }

    /// Sends the request and returns the answer; panics with the request as a `curl`
    /// command when no answer comes (refused, reset, or slower than 10 s).
    #[track_caller]
    pub fn send(self) -> Reply {
        let (sent, answer) = self.exchange();
        match answer {
            Ok(reply) => reply,
            Err(error) => sent.no_answer(&error),
        }
    }

    /// Sends the request; the answer, or why none came (for a check that a stopping server
    /// no longer answers).
    pub fn try_send(self) -> Result<Reply, String> {
        self.exchange().1
    }

    fn exchange(self) -> (Sent, Result<Reply, String>) {
        let sent = Sent {
            method: self.method.clone(),
            path: self.path.clone(),
            headers: self.headers.clone(),
            body: self.body.clone(),
            note: None,
            token_note: self
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("authorization"))
                .then(|| self.client.token_note.clone())
                .flatten(),
        };
        let url = format!("http://127.0.0.1:{}{}", self.client.port, self.path);
        let mut builder = ureq::http::Request::builder()
            .method(self.method.as_str())
            .uri(&url);
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        let result = match self.body {
            Some(body) => builder.body(body).map(|r| self.client.agent.run(r)),
            None => builder.body(()).map(|r| self.client.agent.run(r)),
        };
        match result {
            Ok(Ok(response)) => (sent.clone(), Ok(Reply::read(sent, response))),
            Ok(Err(e)) => (sent, Err(e.to_string())),
            Err(e) => panic!("the hidden test built a bad request ({e}); please report it"),
        }
    }
}
