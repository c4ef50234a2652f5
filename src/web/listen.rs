//! The accept loop of `workbook serve`. axum::serve has no deadline for a request's headers
//! and no bound on open connections, so a client that opens connections and sends half a
//! request line on each would hold a task and a file descriptor per connection for ever, until
//! the server could accept no more. Here each connection is served by hyper's HTTP/1 server
//! with a header-read deadline, a semaphore bounds how many are open, and a shutdown signal
//! stops accepting, asks open connections to finish, and waits a bounded time for them.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// The most connections open at once. Past it, new ones wait in the kernel's backlog until
/// one closes. Well above what browsers open (six per host) plus a load test's 64, and well
/// below the usual limit of 1,024 open files, which the store, the file watcher and the
/// grader's pipes share.
pub const MAX_CONNECTIONS: usize = 512;

/// How long a client has to send a request's headers once the connection is open or idle
/// between requests. A browser or script on this machine sends them within milliseconds;
/// anything slower is holding a connection, which is closed. It also closes idle keep-alive
/// connections after this long (hyper runs the same deadline while waiting for the next
/// request), which browsers reopen as needed.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// How long open connections get to finish once shutdown is signalled. Event streams end at
/// the signal and grades are cancelled; whatever is still open after this is dropped, so
/// Ctrl-C always stops the server promptly.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// Serves `app` on `listener` until `signal` completes, then shuts down as above. Nothing
/// stops it earlier: a connection's errors end only that connection, and an accept error
/// (such as running out of file descriptors) is reported on stderr and retried after a
/// second, as hyper's own server used to do.
pub async fn serve(listener: TcpListener, app: Router, signal: impl Future<Output = ()>) {
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let mut signal = std::pin::pin!(signal);
    loop {
        // A permit first: at the limit, stop accepting until a connection closes.
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit,
            () = &mut signal => break,
        };
        let Ok(permit) = permit else { break };
        let tcp = tokio::select! {
            tcp = accept(&listener) => tcp,
            () = &mut signal => break,
        };
        let Some(tcp) = tcp else { continue };
        // Responses go out whole; waiting to coalesce small writes only adds latency.
        let _ = tcp.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(tcp), service));
        tokio::spawn(async move {
            // A connection's errors (a client that went away, a header timeout) concern only it.
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        eprintln!("note: connections still open after {SHUTDOWN_GRACE:?} were closed");
    }
}

/// The next connection, or None after an error that the loop should just go past.
async fn accept(listener: &TcpListener) -> Option<TcpStream> {
    match listener.accept().await {
        Ok((tcp, _)) => Some(tcp),
        // The client gave up before it was accepted: nothing to do.
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionRefused
            ) =>
        {
            None
        }
        // Most likely out of file descriptors: wait for some to be closed.
        Err(e) => {
            eprintln!("warning: cannot accept a connection: {e}");
            tokio::time::sleep(Duration::from_secs(1)).await;
            None
        }
    }
}
