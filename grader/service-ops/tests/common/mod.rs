//! Helpers shared by the hidden tests: a server started on a free port with a
//! oneshot channel as its shutdown signal, a route whose requests the test
//! holds and releases, and small HTTP helpers.
//!
//! Real time appears only as generous bounds (`BOUND`) that a correct server
//! never comes near, and as the short deadline of the "deadline hit" tests.
#![allow(dead_code)]

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use serde_json::Value;
use service_ops::{Health, ShutdownOutcome, run};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio::task::JoinHandle;

/// How long a test waits for something a correct server does at once.
pub const BOUND: Duration = Duration::from_secs(5);

/// A deadline no test ever reaches: the drain must finish long before it.
pub const LONG_DEADLINE: Duration = Duration::from_secs(60);

/// A server running `service_ops::run` in a task.
pub struct Server {
    pub addr: SocketAddr,
    pub base: String,
    pub health: Health,
    signal: Option<oneshot::Sender<()>>,
    handle: JoinHandle<io::Result<ShutdownOutcome>>,
}

impl Server {
    /// Binds 127.0.0.1:0 and runs `app` with `health` and `deadline` in a task.
    pub async fn start(app: Router, health: Health, deadline: Duration) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (signal, signalled) = oneshot::channel::<()>();
        let shutdown = async move {
            let _ = signalled.await;
        };
        let handle = tokio::spawn(run(listener, app, health.clone(), shutdown, deadline));
        Server {
            addr,
            base: format!("http://{addr}"),
            health,
            signal: Some(signal),
            handle,
        }
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Completes the shutdown future passed to `run`.
    pub fn signal_shutdown(&mut self) {
        let signal = self.signal.take().expect("signal sent twice");
        signal.send(()).expect("run dropped its shutdown future before it completed");
    }

    /// Whether `run` has returned.
    pub fn has_returned(&self) -> bool {
        self.handle.is_finished()
    }

    /// Waits (at most `BOUND`) for `run` to return, and returns its outcome.
    pub async fn outcome(self) -> ShutdownOutcome {
        match tokio::time::timeout(BOUND, self.handle).await {
            Ok(joined) => joined
                .expect("run panicked")
                .expect("run returned an I/O error"),
            Err(_) => panic!(
                "run did not return within {BOUND:?} of the shutdown signal; \
                 expected it to return once the drain finished or the deadline passed"
            ),
        }
    }

    /// Waits until a new TCP connection to the server is refused, which shows
    /// the listener is closed. Panics if it still accepts after `BOUND`.
    pub async fn wait_until_refused(&self) {
        let addr = self.addr;
        let refused = async move {
            // Bounded by attempts as well as time: a server that never closes
            // its listener must not exhaust the machine's ephemeral ports.
            for _ in 0..2_000 {
                match TcpStream::connect(addr).await {
                    Ok(stream) => drop(stream),
                    // Reset: the handshake was under way when the listener closed.
                    Err(err)
                        if matches!(
                            err.kind(),
                            io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset
                        ) =>
                    {
                        return true;
                    }
                    Err(err) => panic!("unexpected error connecting to the server: {err}"),
                }
                tokio::task::yield_now().await;
            }
            false
        };
        let closed = tokio::time::timeout(BOUND, refused).await.unwrap_or(false);
        assert!(
            closed,
            "expected the server to stop accepting new connections once the shutdown \
             signal fired, but new connections were still accepted"
        );
    }
}

/// A reqwest client that never goes through a proxy.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// GETs `url` and returns the status code and the body parsed as JSON
/// (`Value::Null` if it is not JSON).
pub async fn get_json(client: &reqwest::Client, url: &str) -> (u16, Value) {
    let response = tokio::time::timeout(BOUND, client.get(url).send())
        .await
        .unwrap_or_else(|_| panic!("GET {url} got no answer within {BOUND:?}"))
        .unwrap_or_else(|err| panic!("GET {url} failed: {err}"));
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// GETs `url` and returns the status code and the body as text.
pub async fn get_text(client: &reqwest::Client, url: &str) -> (u16, String) {
    let response = client
        .get(url)
        .send()
        .await
        .unwrap_or_else(|err| panic!("GET {url} failed: {err}"));
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// Sends a drop notice when the handler that owns it ends, finished or cancelled.
struct OnDrop(mpsc::UnboundedSender<()>);

impl Drop for OnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

/// The test's side of `GET /held`: see requests arrive, release them one by one.
pub struct Held {
    entered: mpsc::UnboundedReceiver<()>,
    ended: mpsc::UnboundedReceiver<()>,
    gate: Arc<Semaphore>,
}

impl Held {
    /// Waits until one more request has reached the held handler.
    pub async fn entered(&mut self) {
        tokio::time::timeout(BOUND, self.entered.recv())
            .await
            .expect("a request to /held never reached its handler")
            .unwrap();
    }

    /// Waits until one more held handler has ended (finished or been cancelled).
    pub async fn ended(&mut self) {
        tokio::time::timeout(BOUND, self.ended.recv())
            .await
            .expect("a held handler whose client disconnected was never cancelled")
            .unwrap();
    }

    /// Lets one held request finish.
    pub fn release_one(&self) {
        self.gate.add_permits(1);
    }
}

/// An app with `GET /quick` (answers "quick" at once) and `GET /held` (waits
/// for the test to release it, then answers "finished").
pub fn app_with_held_route() -> (Router, Held) {
    let (entered_tx, entered) = mpsc::unbounded_channel();
    let (ended_tx, ended) = mpsc::unbounded_channel();
    let gate = Arc::new(Semaphore::new(0));
    let held_gate = Arc::clone(&gate);
    let held = move || {
        let guard = OnDrop(ended_tx.clone());
        let _ = entered_tx.send(());
        let gate = Arc::clone(&held_gate);
        async move {
            let _guard = guard;
            if let Ok(permit) = gate.acquire().await {
                permit.forget();
            }
            "finished"
        }
    };
    let app = Router::new()
        .route("/quick", get(|| async { "quick" }))
        .route("/held", get(held));
    (app, Held { entered, ended, gate })
}

/// Starts `GET /held` in a task and returns what it eventually answers.
pub fn spawn_held_request(
    client: &reqwest::Client,
    server: &Server,
) -> JoinHandle<Result<(u16, String), reqwest::Error>> {
    let request = client.get(server.url("/held")).send();
    tokio::spawn(async move {
        let response = request.await?;
        let status = response.status().as_u16();
        Ok((status, response.text().await?))
    })
}
