//! Running a built example: its output read as it comes, within the time and output
//! limits, under the grader's supervisor so nothing it starts outlives the run.
//!
//! Standard output and standard error are one pipe, as on a terminal: with two, the order
//! between them is lost (a panic could show before the lines printed before it).

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use super::build::{Executable, SHOWN_AS, SOURCE_PATH};
use super::{Ending, Event, Limits};
use crate::grade::contain::{self, Contained};
use crate::grade::sandbox::{Jail, Sandbox};
use crate::grade::{Cancel, GradeError};

/// A chunk read from the output, or its end.
enum Chunk {
    Bytes(Vec<u8>),
    Closed,
}

/// Runs `program` in its own folder with nothing on its standard input.
pub fn run(
    program: &Executable,
    limits: Limits,
    cancel: &Cancel,
    on_event: &mut dyn FnMut(Event),
) -> Result<Ending, GradeError> {
    let mut command = command_for(program).map_err(GradeError::io(format!(
        "cannot start {}",
        program.path.display()
    )))?;
    let cannot_start = || GradeError::io(format!("cannot start {}", program.path.display()));
    let (output, writer) = std::io::pipe().map_err(cannot_start())?;
    let also_writer = writer.try_clone().map_err(cannot_start())?;
    command
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(also_writer);
    let mut child = Contained::spawn(&mut command).map_err(cannot_start())?;
    // The command holds this side's copies of the pipe's writing end: gone with it, so the
    // pipe ends when the program's tree has closed it.
    drop(command);
    let (tx, rx) = channel();
    read_in_background(output, tx);
    let mut watch = Watch {
        decoder: Decoder::default(),
        printed: 0,
        limits,
        deadline: Instant::now() + limits.time,
    };
    let ending = watch.until_done(&mut child, &rx, cancel, on_event);
    // Whatever ended the run, nothing of the program is left running.
    child.stop();
    ending
}

/// The supervised command that runs `program`: in bubblewrap where it works (the class
/// sandbox's mounts, its own folder writable, no network but its own loopback), else
/// directly.
///
/// Why the sandbox when the learner's own code is trusted: its PID namespace. The
/// supervisor stops what the program starts, but a program running as the same user can
/// kill the supervisor itself first and leave its children to `init`; inside a namespace it
/// cannot see the supervisor, and everything in the namespace ends with it.
fn command_for(program: &Executable) -> std::io::Result<std::process::Command> {
    let dir = program.dir.path();
    match sandbox() {
        Some(sandbox) => {
            let jail = Jail {
                read_only: Vec::new(),
                writable: vec![dir.to_path_buf()],
                home: dir.join(".home"),
            };
            sandbox.command(&jail, &program.path, 0, dir, &[])
        }
        None => {
            let mut command = contain::command(&program.path, 0)?;
            // A panic shows its message and place; a backtrace of the runtime's frames
            // would bury them (the sandbox starts from an empty environment anyway).
            command
                .current_dir(dir)
                .env_remove("RUST_BACKTRACE")
                .env_remove("RUST_LIB_BACKTRACE");
            Ok(command)
        }
    }
}

/// Bubblewrap, found and tried once per process; `None` where it is missing or cannot make
/// a namespace (some containers and CI runners disallow them).
fn sandbox() -> Option<&'static Sandbox> {
    static SANDBOX: OnceLock<Option<Sandbox>> = OnceLock::new();
    SANDBOX.get_or_init(|| Sandbox::detect().ok()).as_ref()
}

/// Sends what `pipe` carries to `tx`, a chunk at a time, then [`Chunk::Closed`].
fn read_in_background(mut pipe: impl Read + Send + 'static, tx: Sender<Chunk>) {
    std::thread::spawn(move || {
        let mut buffer = [0u8; 8192];
        while let Ok(n) = pipe.read(&mut buffer) {
            if n == 0 || tx.send(Chunk::Bytes(buffer[..n].to_vec())).is_err() {
                break;
            }
        }
        let _ = tx.send(Chunk::Closed);
    });
}

/// The state of a running program as its output arrives.
struct Watch {
    decoder: Decoder,
    /// Bytes printed so far.
    printed: usize,
    limits: Limits,
    deadline: Instant,
}

impl Watch {
    /// Forwards output until the pipe closes and the program has exited, or a limit or
    /// `cancel` stops it.
    fn until_done(
        &mut self,
        child: &mut Contained,
        rx: &Receiver<Chunk>,
        cancel: &Cancel,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<Ending, GradeError> {
        let mut open = true;
        loop {
            if cancel.is_cancelled() {
                return Err(GradeError::Cancelled);
            }
            if Instant::now() >= self.deadline {
                return Ok(Ending::TimedOut {
                    seconds: self.limits.time.as_secs(),
                });
            }
            if !open
                && let Some(status) = child
                    .try_wait()
                    .map_err(GradeError::io("cannot wait for the example"))?
            {
                self.flush(on_event);
                return Ok(ending_of(status));
            }
            let first = match rx.recv_timeout(Duration::from_millis(20)) {
                Ok(chunk) => chunk,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => {
                    open = false;
                    continue;
                }
            };
            // What else has arrived goes out with it: a program writing a byte at a time
            // makes a few events, not one per byte.
            let mut batch = vec![first];
            batch.extend(rx.try_iter().take(256));
            let (bytes, closed) = coalesce(batch);
            open &= !closed;
            if let Some(over) = self.forward(&bytes, on_event) {
                return Ok(over);
            }
        }
    }

    /// Sends what the decoders hold back at the end: a character cut short by the end of
    /// the stream shows as U+FFFD, not as nothing.
    fn flush(&mut self, on_event: &mut dyn FnMut(Event)) {
        if !self.decoder.pending.is_empty() {
            self.decoder.pending.clear();
            let text = char::REPLACEMENT_CHARACTER.to_string();
            on_event(Event::Output { text });
        }
    }

    /// Sends a chunk on as text, cut at the output limit; `Some` when the limit is reached.
    fn forward(&mut self, bytes: &[u8], on_event: &mut dyn FnMut(Event)) -> Option<Ending> {
        let room = self.limits.output_bytes.saturating_sub(self.printed);
        let kept = &bytes[..bytes.len().min(room)];
        self.printed += kept.len();
        // The source's path is written whole by a single write of the panic message, so it
        // is never split between two chunks.
        let text = self.decoder.decode(kept).replace(SOURCE_PATH, SHOWN_AS);
        if !text.is_empty() {
            on_event(Event::Output { text });
        }
        (bytes.len() > room).then_some(Ending::TooMuchOutput {
            bytes: self.limits.output_bytes,
        })
    }
}

/// The bytes of a batch of chunks joined, and whether the output closed.
fn coalesce(batch: Vec<Chunk>) -> (Vec<u8>, bool) {
    let mut joined = Vec::new();
    let mut closed = false;
    for chunk in batch {
        match chunk {
            Chunk::Bytes(bytes) => joined.extend_from_slice(&bytes),
            Chunk::Closed => closed = true,
        }
    }
    (joined, closed)
}

/// How the supervisor ended, which is how the program ended (see `contain`).
fn ending_of(status: ExitStatus) -> Ending {
    match (status.code(), status.signal()) {
        (Some(code), _) => Ending::Exited { code },
        (None, Some(signal)) => Ending::Signalled { signal },
        (None, None) => Ending::Exited { code: -1 },
    }
}

/// Turns a byte stream into text chunk by chunk, holding back a character split between two
/// chunks until the rest of it arrives.
#[derive(Default)]
struct Decoder {
    pending: Vec<u8>,
}

impl Decoder {
    fn decode(&mut self, bytes: &[u8]) -> String {
        self.pending.extend_from_slice(bytes);
        let mut text = String::new();
        loop {
            match std::str::from_utf8(&self.pending) {
                Ok(valid) => {
                    text.push_str(valid);
                    self.pending.clear();
                    return text;
                }
                Err(e) => {
                    let (valid, rest) = self.pending.split_at(e.valid_up_to());
                    text.push_str(&String::from_utf8_lossy(valid));
                    match e.error_len() {
                        // An incomplete character at the end: wait for the rest.
                        None => {
                            self.pending = rest.to_vec();
                            return text;
                        }
                        Some(bad) => {
                            text.push(char::REPLACEMENT_CHARACTER);
                            self.pending = rest[bad..].to_vec();
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_character_split_between_chunks_comes_out_whole() {
        let mut decoder = Decoder::default();
        let bytes = "né".as_bytes();
        assert_eq!(decoder.decode(&bytes[..2]), "n");
        assert_eq!(decoder.decode(&bytes[2..]), "é");
        assert_eq!(decoder.decode(b"a\xffb"), "a\u{fffd}b");
    }

    #[test]
    fn a_batch_of_chunks_is_joined_and_its_end_seen() {
        let batch = vec![
            Chunk::Bytes(b"a".to_vec()),
            Chunk::Bytes(b"bc".to_vec()),
            Chunk::Closed,
        ];
        assert_eq!(coalesce(batch), (b"abc".to_vec(), true));
        assert_eq!(
            coalesce(vec![Chunk::Bytes(b"d".to_vec())]),
            (b"d".to_vec(), false)
        );
    }

    #[test]
    fn output_past_the_limit_is_cut_and_ends_the_run() {
        let mut watch = Watch {
            decoder: Decoder::default(),
            printed: 0,
            limits: Limits {
                time: Duration::from_secs(1),
                output_bytes: 5,
            },
            deadline: Instant::now(),
        };
        let mut seen = Vec::new();
        let mut on_event = |e| seen.push(e);
        assert_eq!(watch.forward(b"abc", &mut on_event), None);
        assert_eq!(
            watch.forward(b"defg", &mut on_event),
            Some(Ending::TooMuchOutput { bytes: 5 })
        );
        let text: Vec<String> = seen
            .into_iter()
            .map(|e| match e {
                Event::Output { text, .. } => text,
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(text, ["abc", "de"]);
    }
}
