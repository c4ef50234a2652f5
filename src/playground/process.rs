//! Running a built example: its two output streams read as they come, within the time and
//! output limits, under the grader's supervisor so nothing it starts outlives the run.

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use super::build::{Executable, source_names};
use super::{Ending, Event, Limits, Stream};
use crate::grade::contain::{self, Contained};
use crate::grade::{Cancel, GradeError};

/// A chunk read from a stream, or its end.
enum Chunk {
    Bytes(Stream, Vec<u8>),
    Closed,
}

/// Runs `program` in its own folder with nothing on its standard input.
pub fn run(
    program: &Executable,
    limits: Limits,
    cancel: &Cancel,
    on_event: &mut dyn FnMut(Event),
) -> Result<Ending, GradeError> {
    let mut command = contain::command(&program.path, 0).map_err(GradeError::io(format!(
        "cannot start {}",
        program.path.display()
    )))?;
    command
        .current_dir(program.dir.path())
        // A panic shows its message and place; a backtrace of the runtime's frames would
        // bury them (a learner can still ask for one from their own copy of the example).
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = Contained::spawn(&mut command).map_err(GradeError::io(format!(
        "cannot start {}",
        program.path.display()
    )))?;
    let (tx, rx) = channel();
    read_in_background(child.child_mut().stdout.take(), Stream::Stdout, tx.clone());
    read_in_background(child.child_mut().stderr.take(), Stream::Stderr, tx);
    let mut watch = Watch {
        decoders: [Decoder::default(), Decoder::default()],
        printed: 0,
        limits,
        deadline: Instant::now() + limits.time,
    };
    let ending = watch.until_done(&mut child, &rx, cancel, on_event);
    // Whatever ended the run, nothing of the program is left running.
    child.stop();
    ending
}

/// Sends what `pipe` carries to `tx`, a chunk at a time, then [`Chunk::Closed`].
fn read_in_background(pipe: Option<impl Read + Send + 'static>, stream: Stream, tx: Sender<Chunk>) {
    std::thread::spawn(move || {
        if let Some(mut pipe) = pipe {
            let mut buffer = [0u8; 8192];
            while let Ok(n) = pipe.read(&mut buffer) {
                if n == 0 || tx.send(Chunk::Bytes(stream, buffer[..n].to_vec())).is_err() {
                    break;
                }
            }
        }
        let _ = tx.send(Chunk::Closed);
    });
}

/// The state of a running program as its output arrives.
struct Watch {
    /// Stdout's and stderr's decoders.
    decoders: [Decoder; 2],
    /// Bytes printed so far, both streams.
    printed: usize,
    limits: Limits,
    deadline: Instant,
}

impl Watch {
    /// Forwards output until both streams close and the program has exited, or a limit or
    /// `cancel` stops it.
    fn until_done(
        &mut self,
        child: &mut Contained,
        rx: &Receiver<Chunk>,
        cancel: &Cancel,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<Ending, GradeError> {
        let mut open_streams = 2;
        loop {
            if cancel.is_cancelled() {
                return Err(GradeError::Cancelled);
            }
            if Instant::now() >= self.deadline {
                return Ok(Ending::TimedOut {
                    seconds: self.limits.time.as_secs(),
                });
            }
            if open_streams == 0
                && let Some(status) = child
                    .try_wait()
                    .map_err(GradeError::io("cannot wait for the example"))?
            {
                return Ok(ending_of(status));
            }
            match rx.recv_timeout(Duration::from_millis(20)) {
                Ok(Chunk::Bytes(stream, bytes)) => {
                    if let Some(over) = self.forward(stream, &bytes, on_event) {
                        return Ok(over);
                    }
                }
                Ok(Chunk::Closed) => open_streams -= 1,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => open_streams = 0,
            }
        }
    }

    /// Sends a chunk on as text, cut at the output limit; `Some` when the limit is reached.
    fn forward(
        &mut self,
        stream: Stream,
        bytes: &[u8],
        on_event: &mut dyn FnMut(Event),
    ) -> Option<Ending> {
        let room = self.limits.output_bytes.saturating_sub(self.printed);
        let kept = &bytes[..bytes.len().min(room)];
        self.printed += kept.len();
        let decoder = &mut self.decoders[stream as usize];
        // The source's path is written whole by a single write of the panic message, so it
        // is never split between two chunks.
        let (path, shown) = source_names();
        let text = decoder.decode(kept).replace(&path, shown);
        if !text.is_empty() {
            on_event(Event::Output { stream, text });
        }
        (bytes.len() > room).then_some(Ending::TooMuchOutput {
            bytes: self.limits.output_bytes,
        })
    }
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
    fn output_past_the_limit_is_cut_and_ends_the_run() {
        let mut watch = Watch {
            decoders: [Decoder::default(), Decoder::default()],
            printed: 0,
            limits: Limits {
                time: Duration::from_secs(1),
                output_bytes: 5,
            },
            deadline: Instant::now(),
        };
        let mut seen = Vec::new();
        let mut on_event = |e| seen.push(e);
        assert_eq!(watch.forward(Stream::Stdout, b"abc", &mut on_event), None);
        assert_eq!(
            watch.forward(Stream::Stderr, b"defg", &mut on_event),
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
